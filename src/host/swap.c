/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Swap on the host: whether it has a swap device (MADV_PAGEOUT swaps only
 * then), and which pages of a process's range are swapped out, from
 * /proc/PID/pagemap's PM_SWAP bit (cow.c's pagemap_is_swapped()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "internal.h"

#define PM_SWAP		(1ULL << 62)

int host_swap_devices(void)
{
	char line[512];
	int n = -1;		/* the header line */
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n < 0 ? 0 : n;
}

int host_pagemap_swapped(struct host_session *hs, int proc, uint64_t addr, uint64_t len,
			 uint64_t *nr)
{
	char path[64];
	int fd, err = 0;

	*nr = 0;
	if (proc < 0 || proc >= hs->nr_procs || hs->procs[proc].sock < 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)hs->procs[proc].pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (uint64_t a = addr; a < addr + len; a += 4096) {
		uint64_t ent;

		if (pread(fd, &ent, sizeof(ent), (off_t)(a / 4096 * sizeof(ent))) != sizeof(ent)) {
			err = -EIO;
			break;
		}
		*nr += !!(ent & PM_SWAP);
	}
	close(fd);
	return err;
}
