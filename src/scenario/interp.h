/* SPDX-License-Identifier: GPL-2.0-only */
/* The interpreter's state, shared by its two halves (interp.c, interp_cmds.c). */
#ifndef PINMM_SCENARIO_INTERP_H
#define PINMM_SCENARIO_INTERP_H

#include <stdio.h>
#include <pinmm/scenario/run.h>
#include <pinmm/dev/dma.h>
#include <pinmm/gup/gup.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/blockdev.h>
#include <pinmm/fs/shmem.h>
#include <pinmm/vm/process.h>

struct interp_fs {
	enum scn_fs_kind kind;
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

	const struct scn_cmd **armed;	/* dma ... during=writeback, not yet fired */
	size_t nr_armed;
};

/* Record a failure of the current command; the first one decides the cell. */
void interp_fail(struct interp *in, enum scn_cell cell, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Compare an operation's outcome (0 or -errno) with the command's "-> RES".
 * True when the operation succeeded and was meant to.
 */
bool interp_result(struct interp *in, int err, const char *what);

void interp_exec(struct interp *in, const struct scn_cmd *c);
/* Give back pages of a handle as its driver would (unpin, put, vaddr_unpin). */
void interp_put_pages(struct interp_handle *h, struct page **pages, unsigned long n, bool dirty);
/* Fire the armed DMAs that target @folio (NULL: all of them). */
void interp_fire_armed(struct interp *in, struct folio *folio);

#endif
