/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The preset x scenario matrix and its three renderings: an aligned text
 * table for people, JSON for the record, TAP for `make check`. Every cell is
 * judged against the scenario's verdict for that preset (pass when none).
 */
#ifndef PINMM_SCENARIO_REPORT_H
#define PINMM_SCENARIO_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <pinmm/scenario/run.h>

enum scn_state {
	SCN_RAN,		/* res is the outcome */
	SCN_NOT_RUN,		/* the scenario's presets line does not name this preset */
	SCN_ERROR,		/* scenario_run() returned error; -ENOSYS: no interpreter */
};

struct scn_matrix_cell {
	enum scn_state state;
	int error;			/* -errno for SCN_ERROR */
	enum scn_cell expected;
	struct scenario_result res;
};

/* A file that could not be run: a parse error, an unknown preset, a duplicate name. */
struct scn_file_error {
	char *path;
	unsigned int line;		/* 0: not about one line */
	char *message;			/* the full "file:line: message" */
};

struct scn_matrix {
	size_t nr_presets, nr_scenarios;
	struct scn_file_error *file_errors;
	size_t nr_file_errors;
	const char **presets;		/* borrowed names, column order */
	const char **scenarios;		/* borrowed names, row order */
	struct scn_matrix_cell *cells;	/* [scenario * nr_presets + preset] */
};

/* Cells start SCN_NOT_RUN, expected pass. -ENOMEM. The names must outlive @m. */
int scn_matrix_init(struct scn_matrix *m, const char *const *presets, size_t nr_presets,
		    const char *const *scenarios, size_t nr_scenarios);
void scn_matrix_free(struct scn_matrix *m);
/* Record that @path was not run; @message is "path:line: text" or "path: text". -ENOMEM. */
int scn_matrix_add_file_error(struct scn_matrix *m, const char *path, const char *message);
struct scn_matrix_cell *scn_matrix_at(const struct scn_matrix *m, size_t scenario,
				      size_t preset);

/*
 * What the table says about a cell. Not-run cells and cells with no
 * interpreter (-ENOSYS) are skips; a skip is neither a match nor a mismatch.
 */
bool scn_cell_skipped(const struct scn_matrix_cell *c);
bool scn_cell_as_expected(const struct scn_matrix_cell *c);

struct scn_tally {
	size_t cells, as_expected, differ, skipped;
	size_t file_errors;		/* files not run at all */
};
void scn_matrix_tally(const struct scn_matrix *m, struct scn_tally *t);

void scn_report_text(FILE *f, const struct scn_matrix *m);
void scn_report_json(FILE *f, const struct scn_matrix *m);
void scn_report_tap(FILE *f, const struct scn_matrix *m);

#endif
