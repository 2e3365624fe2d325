/* SPDX-License-Identifier: GPL-2.0-only */
/* Typed commands back to canonical .pin text. */
#ifndef PINMM_SCENARIO_FORMAT_H
#define PINMM_SCENARIO_FORMAT_H

#include <stddef.h>
#include <stdio.h>
#include <pinmm/scenario/ast.h>

/*
 * Write @c as one .pin line (no newline) into @buf, truncated to @len - 1
 * bytes; returns the length the whole line needs, as snprintf() does. The
 * line parses back to the same command (in a scenario declaring the same names).
 */
size_t scn_cmd_format(const struct scenario *s, const struct scn_cmd *c, char *buf, size_t len);

/* The whole scenario in canonical form: description, header lines, commands. */
void scenario_format(const struct scenario *s, FILE *f);

#endif
