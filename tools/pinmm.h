/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `pinmm` command line: one function per subcommand, each taking the
 * arguments after the program name (argv[0] is the subcommand) and returning
 * the exit status: 0 ok, 1 a cell differs from its verdict, 2 usage or input.
 */
#ifndef PINMM_TOOLS_PINMM_H
#define PINMM_TOOLS_PINMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Bumped by hand with what a release changes; the language when a .pin could parse differently. */
#define PINMM_VERSION		"0.2"
#define PINMM_LANGUAGE_VERSION	"2"

#define PINMM_EXIT_OK		0
#define PINMM_EXIT_MISMATCH	1
#define PINMM_EXIT_USAGE	2

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_explain(int argc, char **argv);
/* tools/bench*.c */
int bench_main(int argc, char **argv);

/* Every preset name of the pin layer, in table order. */
size_t tool_preset_names(const char ***names);
/* The built-in suite (or ./scenarios); prints "file:line: message" on error. */
struct scenario_suite;
int tool_load_builtin(struct scenario_suite *suite);
/* Parse-time and preset/vmstat checks of every scenario; prints errors. */
int tool_check_suite(const struct scenario_suite *suite);

/*
 * tools/timeline.c, for `pinmm run --timeline` over a scenario x release
 * matrix @m of @suite: for each scenario, each release where its cell
 * changes and the switch that changed it (found by running the earlier
 * release with that switch on).
 */
struct scn_matrix;
void tool_timeline_changes(FILE *f, const struct scenario_suite *suite, const struct scn_matrix *m);
/* docs/timeline.md: @m (the releases' matrix), what changed each cell, and the switches. */
void tool_timeline_doc(FILE *f, const struct scenario_suite *suite, const struct scn_matrix *m);
/* `pinmm list kernels`: the switch table (Markdown: the tables of docs/timeline.md). */
void tool_list_kernels(FILE *f, bool markdown);

#endif
