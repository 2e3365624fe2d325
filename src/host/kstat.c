/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the host kernel says about itself: whether it can be driven at all,
 * its release, /proc/vmstat, its log; and the remote pins, which the session
 * takes itself with process_vm_readv/writev (pin_user_pages_remote()).
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "internal.h"

bool host_usable(char *why, size_t len)
{
	static int state;	/* 0 unknown, 1 usable, -1 not */
	static char reason[HOST_WHY_MAX];

	if (!state) {
		struct io_uring ring;
		void *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
		int err;

		state = -1;
		if (buf == MAP_FAILED) {
			snprintf(reason, sizeof(reason), "mmap: %s", strerror(errno));
		} else if ((err = io_uring_queue_init(2, &ring, 0))) {
			snprintf(reason, sizeof(reason), "io_uring_setup: %s (kernel.io_uring_disabled?)",
				 strerror(-err));
		} else {
			err = io_uring_register_buffers(&ring, &iov, 1);
			if (err)
				snprintf(reason, sizeof(reason),
					 "io_uring buffer registration: %s", strerror(-err));
			else
				state = 1;
			io_uring_queue_exit(&ring);
		}
		if (buf != MAP_FAILED)
			munmap(buf, 4096);
	}
	if (why && len)
		snprintf(why, len, "%s", state > 0 ? "" : reason);
	return state > 0;
}

bool host_can_mount(void)
{
	return geteuid() == 0 && access("/dev/loop-control", R_OK | W_OK) == 0;
}

unsigned int host_release(void)
{
	struct utsname u;
	unsigned int major, minor;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return 0;
	return major * 1000 + minor;
}

int host_vmstat(const char *name, long *value)
{
	size_t n = strlen(name);
	char line[256];
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC), err = -ENOENT;
	FILE *f;

	/* Fold every CPU's pending deltas into the global counters first (root). */
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0) {
			/* Nothing to do: the counters are then as fresh as the kernel keeps them. */
		}
		close(fd);
	}
	f = fopen("/proc/vmstat", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ' ') {
			*value = strtol(line + n + 1, NULL, 10);
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* A small sysfs file's contents, NUL-terminated: 0, or -errno (-ENODATA if empty). */
static int read_sysfs(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = 0;
	return 0;
}

int host_thp_stat(int order, const char *name, long *value)
{
	char path[160], line[64];
	int err;

	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/hugepages-%lukB/stats/%s",
		 4UL << order, name);
	err = read_sysfs(path, line, sizeof(line));
	if (!err)
		*value = strtol(line, NULL, 10);
	return err;
}

int host_thp_setting(const char *file, char *buf, size_t len)
{
	char path[256], line[256], *l, *r;
	int err;

	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", file);
	err = read_sysfs(path, line, sizeof(line));
	if (err)
		return err;
	l = strchr(line, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		*r = 0;
		snprintf(buf, len, "%s", l + 1);
	} else {
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "%s", line);
	}
	return 0;
}

/* Lines of the kernel log that are a BUG or WARN (or a data checksum failure). */
bool host_kmsg_is_event(const char *text, bool *csum)
{
	static const char *const bug[] = {
		"WARNING:", "BUG:", "kernel BUG at", "Bad page state", "Bad page map",
		"bad pin", "page dumped because",
	};

	*csum = strstr(text, "csum failed") || strstr(text, "checksum error");
	if (*csum)
		return true;
	for (size_t i = 0; i < sizeof(bug) / sizeof(bug[0]); i++)
		if (strstr(text, bug[i]))
			return true;
	return false;
}

/*
 * Without /dev/kmsg (dmesg_restrict, not root) the taint flags still tell:
 * a WARN sets TAINT_WARN, an oops TAINT_DIE, bad_page() TAINT_BAD_PAGE.
 * They say nothing once set, so they only count if clear at the start.
 */
#define TAINT_EVENTS ((1UL << 5) | (1UL << 7) | (1UL << 9))

unsigned long host_taint(void)
{
	unsigned long v = ULONG_MAX;
	FILE *f = fopen("/proc/sys/kernel/tainted", "re");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = ULONG_MAX;
		fclose(f);
	}
	return v;
}

bool host_kmsg_usable(const struct host_session *hs)
{
	return hs && (hs->kmsg_fd >= 0 || !(hs->taint & TAINT_EVENTS));
}

static int taint_scan(struct host_session *hs, char *line, size_t len, bool *csum)
{
	unsigned long now, fresh;

	if (hs->taint & TAINT_EVENTS)
		return -ENODEV;
	now = host_taint();
	fresh = now == ULONG_MAX ? 0 : now & TAINT_EVENTS & ~hs->taint;
	if (!fresh)
		return 0;
	*csum = false;
	snprintf(line, len, "the kernel became tainted%s%s%s during the run (/dev/kmsg unreadable)",
		 fresh & (1UL << 9) ? " W (a WARN)" : "", fresh & (1UL << 7) ? " D (an oops)" : "",
		 fresh & (1UL << 5) ? " B (bad page state)" : "");
	hs->taint |= fresh;
	return 1;
}

int host_kmsg_scan(struct host_session *hs, char *line, size_t len, bool *csum)
{
	char rec[2048];
	int found = 0;

	if (hs->kmsg_fd < 0)
		return taint_scan(hs, line, len, csum);
	for (;;) {
		ssize_t n = read(hs->kmsg_fd, rec, sizeof(rec) - 1);
		char *text;

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on with the next */
		if (n <= 0)
			break;
		rec[n] = 0;
		/* "prio,seq,usec,flags;text\n" */
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		text[strcspn(text, "\n")] = 0;
		if (!found && host_kmsg_is_event(text, csum)) {
			snprintf(line, len, "%s", text);
			found = 1;
		}
	}
	return found;
}

int host_remote(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write,
		uint8_t byte, bool check, struct host_mismatch *mm)
{
	unsigned char *buf;
	struct iovec local, remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n;
	int err = 0;

	if (proc < 0 || proc >= hs->nr_procs || hs->procs[proc].sock < 0)
		return -ESRCH;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	memset(buf, byte, len);
	local = (struct iovec){ .iov_base = buf, .iov_len = len };
	*mm = (struct host_mismatch){ 0 };
	n = write ? process_vm_writev(hs->procs[proc].pid, &local, 1, &remote, 1, 0)
		  : process_vm_readv(hs->procs[proc].pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		err = -errno;
	else if ((uint64_t)n != len)
		err = -EFAULT;
	else if (!write && check)
		host_compare(buf, len, byte, 0, mm);
	free(buf);
	return err;
}

int host_remote_probe(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write)
{
	unsigned char *buf;
	struct iovec local, remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t n;
	int err = 0;

	if (proc < 0 || proc >= hs->nr_procs || hs->procs[proc].sock < 0)
		return -ESRCH;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	local = (struct iovec){ .iov_base = buf, .iov_len = len };
	n = process_vm_readv(hs->procs[proc].pid, &local, 1, &remote, 1, 0);
	if (n >= 0 && (uint64_t)n == len && write)
		n = process_vm_writev(hs->procs[proc].pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		err = -errno;
	else if ((uint64_t)n != len)
		err = -EFAULT;
	free(buf);
	return err;
}
