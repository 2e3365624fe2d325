/* SPDX-License-Identifier: GPL-2.0-only */
/* The interpreter's state, shared by its two halves (interp.c, interp_cmds.c). */
#ifndef PINMM_SCENARIO_INTERP_H
#define PINMM_SCENARIO_INTERP_H

#include <pthread.h>
#include <stdio.h>
#include <pinmm/scenario/run.h>
#include <pinmm/dev/dma.h>
#include <pinmm/gup/gup.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/blockdev.h>
#include <pinmm/fs/shmem.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/vm/process.h>

struct interp_fs {
	enum scn_fs_kind kind;
	bool hugetlb_1g;		/* a hugetlbfs mounted with pagesize=1G */
	struct block_device *bdev;
	struct blkfs *blk;
	struct shmem_sb *shm;
	struct super_block *sb;
};

struct interp_file {
	struct file *file;
	int fs;
	int leases;		/* `lease` commands not yet undone */
};

struct interp_map {
	unsigned long addr, len;
	int file;		/* -1: anonymous */
	bool mapped;
};

struct interp_handle {
	bool live;		/* pages held (pins, references or an ODP region) */
	bool dead;		/* its pin was refused: commands using it are skipped */
	bool get;		/* FOLL_GET references, released with put_page() */
	bool leased;		/* taken by vaddr_pin_pages(): released by vaddr_unpin_pages() */
	struct vaddr_pin vaddr_pin;
	struct page **pages;
	unsigned long nr, cap;
	unsigned long range_pages;	/* pages of the pinned range */
	struct dma_mr *mr;
};

struct interp_dev {
	struct dma_device *dev;
	bool odp;
};

struct interp_expect {
	const struct scn_cmd *cmd;	/* the expect event line */
	bool fired;
};

struct interp {
	const struct scenario *s;
	const char *preset;
	struct scenario_result *res;
	FILE *trace;
	bool stop;			/* a failure other than a refusal decided the cell */
	const struct scn_cmd *cur;

	struct interp_fs *fs;
	struct interp_file *files;
	struct process **procs;
	struct interp_map *maps;
	struct interp_handle *handles;
	struct interp_dev *devs;
	struct dma_device *default_dev;

	size_t events_seen;
	struct interp_expect *expects;
	size_t nr_expects;

	/* Commands armed with during=POINT (interp_race.c). */
	struct interp_armed *armed;
	size_t nr_armed;
	struct interp_helper *helpers;	/* contexts started inside race points, not yet joined */
	bool in_helper;			/* this copy runs an armed command in its own thread */
	pthread_t main_thread;		/* the interpreter's: only its race points fire */
	pthread_mutex_t *res_lock;	/* the result, written by the main and helper contexts */
	long land_at;			/* during=any: the point (0-based) to land at; -1: none */
	long any_seen;			/* race points reached while the during=any command was armed */
	char any_where[64];		/* where it landed */
};

struct interp_armed {
	const struct scn_cmd *cmd;
	bool fired;
};

/* Arm @c (it has during=); it runs inside the next command. */
void interp_arm(struct interp *in, const struct scn_cmd *c);
/*
 * After a command that was not itself armed: run the armed commands that did
 * not land at a point (they land when the command ends) and wait for every
 * context started inside a race point.
 */
void interp_land_pending(struct interp *in);
/* Install / remove the race-point callbacks for @in. */
void interp_race_up(struct interp *in);
void interp_race_down(struct interp *in);

/* Record a failure of the current command; the first one decides the cell. */
void interp_fail(struct interp *in, enum scn_cell cell, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Compare an operation's outcome (0 or -errno) with the command's "-> RES".
 * True when the operation succeeded and was meant to.
 */
bool interp_result(struct interp *in, int err, const char *what);
/* The scenario is wrong, not the preset: stop and say so, score no cell. */
void interp_error(struct interp *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The interpreter's own trace line (@fmt may end in a newline): through the
 * trace channel while a machine is traced, so it lands in order with the
 * model's events (and in the JSON), else straight to @f if it is not NULL.
 */
void interp_trace(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void interp_exec(struct interp *in, const struct scn_cmd *c);
/* MADV_* for a scenario's advice word (the host backend passes it to madvise(2)). */
int scn_advice_to_madv(enum scn_advice a);
/* Give back pages of a handle as its driver would (unpin, put, vaddr_unpin). */
void interp_put_pages(struct interp_handle *h, struct page **pages, unsigned long n, bool dirty);

/* Shared by the command and check handlers (interp_cmds.c). */
struct mm_struct *interp_proc_mm(struct interp *in, int proc);
unsigned long interp_map_addr(struct interp *in, const struct scn_loc *at);
/* @len bytes of @buf all @byte, or the cell is corrupt with @what's first difference. */
bool interp_expect_bytes(struct interp *in, const unsigned char *buf, size_t len, int byte,
			 const char *what);
/* A handle a refused pin left dead is skipped (and says so in the trace). */
bool interp_handle_usable(struct interp *in, int id);

/* Address-space commands (interp_vm.c). */
void interp_fork(struct interp *in, const struct scn_cmd *c);
void interp_thp(struct interp *in, const struct scn_cmd *c);
void interp_exit(struct interp *in, const struct scn_cmd *c);
void interp_vma_op(struct interp *in, const struct scn_cmd *c);
void interp_mremap(struct interp *in, const struct scn_cmd *c);

/* The check commands (interp_checks.c). */
void interp_check_disk(struct interp *in, const struct scn_cmd *c);
void interp_check_fsck(struct interp *in, const struct scn_cmd *c);
void interp_check_pinned(struct interp *in, const struct scn_cmd *c);
void interp_check_zone(struct interp *in, const struct scn_cmd *c);
void interp_check_vmstat(struct interp *in, const struct scn_cmd *c);
void interp_check_thp_stat(struct interp *in, const struct scn_cmd *c);

/* The memfd_create() flags a file command names (0: a plain file or a hugetlb file). */
static inline unsigned int scn_memfd_flags(const struct scn_cmd *c)
{
	return (c->file.sealing ? MFD_ALLOW_SEALING : 0) | (c->file.exec ? MFD_EXEC : 0) |
	       (c->file.noexec_seal ? MFD_NOEXEC_SEAL : 0);
}
void interp_check_events(struct interp *in, const struct scn_cmd *c);
void interp_check_swapped(struct interp *in, const struct scn_cmd *c);
void interp_check_folio(struct interp *in, const struct scn_cmd *c);

#endif
