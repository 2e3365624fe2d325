/* SPDX-License-Identifier: GPL-2.0-only */
/* The host backend's state, shared by its two halves (interp_host.c, interp_host_run.c). */
#ifndef PINMM_SCENARIO_INTERP_HOST_H
#define PINMM_SCENARIO_INTERP_HOST_H

#include <pinmm/host/host.h>
#include "interp.h"

/* H_HELD: a direct read from the session's FUSE file, pinned until the first dma. */
enum hkind { H_NONE, H_FIXED, H_DIO, H_REMOTE, H_HELD };

struct hhandle {
	enum hkind kind;
	bool dead;		/* refused: commands using it are skipped, as in the model */
	bool unpinned;
	bool write;
	int proc, pin;
	uint64_t addr, len;	/* the range pinned: io_uring pins the pages it touches */
	size_t since;		/* index of the pin command */
};

struct hmap {
	uint64_t addr, len;
	bool mapped;
};

struct hrun {
	struct interp in;	/* s, res, trace, stop, cur: the model's verdict state */
	struct host_session *hs;
	int *fs, *files, *procs;
	bool *odp;
	struct hmap *maps;
	struct hhandle *handles;
	long *vm_base;		/* per command: the check vmstat baselines */
	size_t idx;		/* the command being run */
	/* The last command that changes mappings or page tables, and its line. */
	size_t unsafe_idx;
	unsigned int unsafe_line;
	bool have_unsafe;
	int fatal;		/* -ETIMEDOUT or -ECHILD: the run itself failed */
};

/* The host cannot carry this out: the cell is n/a unless already decided. */
void host_na(struct hrun *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One command, on the host. */
void host_exec_cmd(struct hrun *r, const struct scn_cmd *c);
/* New BUG/WARN lines in the kernel log since the last command. */
void host_scan_kmsg(struct hrun *r);
/* The vmstat baselines, read before the first command. */
int host_read_baselines(struct hrun *r);

#endif
