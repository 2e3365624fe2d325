/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the command parsers share: the argument helpers of parse_cmds.c and
 * the check commands of parse_checks.c, which its command table names.
 */
#ifndef PINMM_SCENARIO_PARSE_CMD_H
#define PINMM_SCENARIO_PARSE_CMD_H

#include "parse_int.h"

#define TRY(expr)				\
	do {					\
		int __r = (expr);		\
		if (__r)			\
			return __r;		\
	} while (0)

#define SCN_PAGE_BYTES		4096ULL
#define SCN_PMD_BYTES		(2ULL << 20)
#define SCN_MEMORY_MAX		(16ULL << 30)
#define SCN_PIN_ENTRIES_MAX	(1ULL << 23)
/*
 * Disks are backed sparsely (untouched blocks cost nothing), but blkfs keeps
 * a byte per block of allocation state, so a disk still costs 1/4096 of its
 * size up front: 64G of disk, 16 MiB.
 */
#define SCN_DISK_MAX		(64ULL << 30)
/* Model: files end at the largest loff_t, as s_maxbytes would be without a block-map limit. */
#define SCN_LOFF_MAX		((uint64_t)INT64_MAX)

/* A required non-zero size KEY=. */
int scn_need_len(struct scn_parser *P, const char *key, uint64_t *out);
/* An optional size: absent leaves *out alone. */
int scn_opt_size(struct scn_parser *P, const char *key, uint64_t *out);
/* KEY=BYTE; *has says whether it was there. */
int scn_arg_byte(struct scn_parser *P, const char *key, bool required, bool *has, uint8_t *out);
/* The next word, looked up (or declared) in namespace @ns. */
int scn_word_lookup(struct scn_parser *P, const char *what, enum scn_ns ns, int *id);
int scn_word_declare(struct scn_parser *P, const char *what, enum scn_ns ns, int info, int *id);
/* PROC MAP: the process, then a whole mapping visible in it. */
int scn_proc_map(struct scn_parser *P, int *proc, int *map);
/* "64K", "2M" or bytes, for messages. */
void scn_size_text(uint64_t v, char *buf, size_t len);
/* [at, at+len) lies in the mapping and misses what munmap took out (else a parse error). */
int scn_check_range(struct scn_parser *P, const struct scn_cmd *c, int proc,
		    const struct scn_loc *at, uint64_t len);

/*
 * PROC MAP[+OFF] [len=SIZE]: a range of one mapping (len: to its end), for
 * @what's messages.
 */
int scn_parse_range(struct scn_parser *P, const char *what, int *proc, int *map,
		    uint64_t *off, uint64_t *len);

/* Address-space commands (parse_vm.c). */
int p_fork(struct scn_parser *P, struct scn_cmd *c);
int p_vma(struct scn_parser *P, struct scn_cmd *c);
int p_munmap(struct scn_parser *P, struct scn_cmd *c);
int p_mprotect(struct scn_parser *P, struct scn_cmd *c);
int p_madvise(struct scn_parser *P, struct scn_cmd *c);
int p_mremap(struct scn_parser *P, struct scn_cmd *c);
int p_exit(struct scn_parser *P, struct scn_cmd *c);
int p_thp(struct scn_parser *P, struct scn_cmd *c);

/* The check commands and expect event (parse_checks.c). */
int p_check_disk(struct scn_parser *P, struct scn_cmd *c);
int p_check_fsck(struct scn_parser *P, struct scn_cmd *c);
int p_check_pinned(struct scn_parser *P, struct scn_cmd *c);
int p_check_vmstat(struct scn_parser *P, struct scn_cmd *c);
int p_check_thp_stat(struct scn_parser *P, struct scn_cmd *c);
int p_drop_caches(struct scn_parser *P, struct scn_cmd *c);
/* File contents and attributes (parse_file.c). */
int p_memfd_flags(struct scn_parser *P, struct scn_cmd *c);
int p_punch(struct scn_parser *P, struct scn_cmd *c);
int p_seal(struct scn_parser *P, struct scn_cmd *c);
int p_pwrite(struct scn_parser *P, struct scn_cmd *c);
int p_chmod(struct scn_parser *P, struct scn_cmd *c);
int p_fallocate(struct scn_parser *P, struct scn_cmd *c);
int p_check_events(struct scn_parser *P, struct scn_cmd *c);
int p_check_swapped(struct scn_parser *P, struct scn_cmd *c);
int p_check_folio(struct scn_parser *P, struct scn_cmd *c);
int p_check_zone(struct scn_parser *P, struct scn_cmd *c);
int p_expect_event(struct scn_parser *P, struct scn_cmd *c);

#endif
