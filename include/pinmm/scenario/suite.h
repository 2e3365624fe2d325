/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A set of parsed scenarios and the driver that runs each under each preset
 * into a matrix. The built-in suite is the .pin files of scenarios/, compiled
 * into pinmm by mk/embed-scenarios.sh; without that, read from a directory.
 */
#ifndef PINMM_SCENARIO_SUITE_H
#define PINMM_SCENARIO_SUITE_H

#include <stdio.h>
#include <pinmm/scenario/ast.h>
#include <pinmm/scenario/report.h>

/* One embedded file: "scenarios/02-ext4-bug.pin" and its bytes. */
struct scenario_source {
	const char *name;
	const char *text;
	size_t len;
};

/*
 * The embedded files, sorted by name; *nr = 0 and NULL when none were
 * generated (a weak fallback in suite.c; the generated file overrides it).
 */
const struct scenario_source *scenario_builtin(size_t *nr);

struct scenario_suite {
	struct scenario **v;
	size_t nr, cap;
};

/* Take ownership of @s. -ENOMEM (and @s freed), -EEXIST for a duplicate name. */
int scenario_suite_add(struct scenario_suite *suite, struct scenario *s, char *err, size_t errlen);
int scenario_suite_add_file(struct scenario_suite *suite, const char *path, char *err,
			    size_t errlen);
/* Every *.pin in @dir, in name order. */
int scenario_suite_add_dir(struct scenario_suite *suite, const char *dir, char *err,
			   size_t errlen);
/*
 * The built-in suite; when nothing is embedded, $PINMM_SCENARIOS or
 * ./scenarios instead (so a tree whose Makefile does not embed yet still runs).
 */
int scenario_suite_load_builtin(struct scenario_suite *suite, char *err, size_t errlen);
const struct scenario *scenario_suite_find(const struct scenario_suite *suite, const char *name);
void scenario_suite_free(struct scenario_suite *suite);

/*
 * Run every scenario under every preset in @presets into @m (initialised here;
 * scn_matrix_free() it). A scenario whose presets line leaves a preset out gets
 * SCN_NOT_RUN there. @trace as for scenario_run(); a "# scenario / preset" line
 * precedes each run in it. 0 or -ENOMEM; per-cell errors land in the cells.
 */
int scenario_suite_run(const struct scenario_suite *suite, const char *const *presets,
		       size_t nr_presets, FILE *trace, struct scn_matrix *m);

#endif
