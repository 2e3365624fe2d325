/* SPDX-License-Identifier: GPL-2.0-only */
/* Parser internals shared by parse.c, parse_args.c and parse_cmds.c. */
#ifndef PINMM_SCENARIO_PARSE_INT_H
#define PINMM_SCENARIO_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pinmm/scenario/ast.h>
#include <pinmm/scenario/parse.h>

#include "lexer.h"

/* Model: a few holes per mapping are tracked; past that, none are checked. */
#define SCN_HOLES_MAX 8

/* A mapping as a process sees it: the ranges munmap or mremap took out of it. */
struct scn_vis {
	int proc, map;
	unsigned int nr_holes;
	struct { uint64_t off, len; unsigned int line; const char *what; } holes[SCN_HOLES_MAX];
};

/* What a command handler asked for: its arguments, for "unknown argument" messages. */
#define SCN_ASKED_MAX 24

struct scn_parser {
	struct scenario *s;
	const struct scn_line *l;
	const char *cmd;		/* command name for messages */
	char *err;
	size_t errlen;

	/* The current line's arguments: tokens [first, end) and which were used. */
	size_t first, end;
	bool *used;
	size_t used_cap;
	const char *asked[SCN_ASKED_MAX];
	bool asked_kv[SCN_ASKED_MAX];	/* key=VALUE, not a bare flag */
	size_t nr_asked;

	/* Which process sees which mapping: fork copies, mmap adds. */
	struct scn_vis *vis;
	size_t nr_vis, cap_vis;

	unsigned int *unpinned;		/* [handle]: line of its first unpin, or 0 */
	size_t cap_unpinned;

	bool probe;			/* scenario_parse_probe(): no whole-file checks */
	unsigned int first_op_line;	/* first command after the header, 0 if none yet */
	bool have_memory;
	bool have_swap;
	bool have_whatif;
};

/* "file:line: fmt"; returns -EINVAL so callers can `return perr(...)`. */
int scn_perr(struct scn_parser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Value syntax. Each returns 0 or -EINVAL (no message: the caller knows the context). */
int scn_parse_count(const char *s, uint64_t *out);
int scn_parse_byte(const char *s, uint8_t *out);
int scn_parse_long(const char *s, long *out);
bool scn_valid_name(const char *s);

/*
 * Argument access for the current line. Set up by scn_args_begin() at token
 * @first, which also takes a trailing "-> RES" off when @result_ok.
 */
int scn_args_begin(struct scn_parser *P, size_t first, struct scn_cmd *c, bool result_ok);
/* The next unused bare word; @what names it in "missing argument 'what' for cmd". */
int scn_arg_word(struct scn_parser *P, const char *what, const char **out);
/* key=VALUE: 0 and *out, 1 when absent and not @required, -EINVAL otherwise. */
int scn_arg_kv(struct scn_parser *P, const char *key, bool required, const char **out);
int scn_arg_size(struct scn_parser *P, const char *key, bool required, uint64_t *out);
bool scn_arg_flag(struct scn_parser *P, const char *flag);
/* Complain about the first argument nobody used. */
int scn_args_end(struct scn_parser *P);

/* Names: declare (error if already there), resolve (error if not). */
int scn_declare(struct scn_parser *P, enum scn_ns ns, const char *name, int info, int *id);
int scn_lookup(struct scn_parser *P, enum scn_ns ns, const char *name, int *id);
/* NAME or NAME+SIZE; the name resolved in @ns. */
int scn_parse_loc(struct scn_parser *P, enum scn_ns ns, const char *tok, struct scn_loc *out);
int scn_vis_add(struct scn_parser *P, int proc, int map);
bool scn_vis_has(const struct scn_parser *P, int proc, int map);
struct scn_vis *scn_vis_find(struct scn_parser *P, int proc, int map);
/* A mapping word checked to be visible in @proc. */
int scn_lookup_map(struct scn_parser *P, int proc, const char *tok, struct scn_loc *out);

/* One handler per command; @c is zeroed with kind and line set. */
int scn_parse_command(struct scn_parser *P, struct scn_cmd *c);

#endif
