/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rendering the preset x scenario matrix. The text table is what a developer
 * reads after `pinmm run`: one row per scenario, one column per preset, a '!'
 * on every cell that differs from its verdict, then one line of reason for
 * every cell that is not a plain pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/scenario/report.h>

int scn_matrix_init(struct scn_matrix *m, const char *const *presets, size_t nr_presets,
		    const char *const *scenarios, size_t nr_scenarios)
{
	size_t n = nr_presets * nr_scenarios;

	memset(m, 0, sizeof(*m));
	if (nr_presets && n / nr_presets != nr_scenarios)
		return -ENOMEM;
	m->cells = calloc(n ? n : 1, sizeof(*m->cells));
	m->presets = calloc(nr_presets ? nr_presets : 1, sizeof(*m->presets));
	m->scenarios = calloc(nr_scenarios ? nr_scenarios : 1, sizeof(*m->scenarios));
	if (!m->cells || !m->presets || !m->scenarios) {
		scn_matrix_free(m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr_presets; i++)
		m->presets[i] = presets[i];
	for (size_t i = 0; i < nr_scenarios; i++)
		m->scenarios[i] = scenarios[i];
	for (size_t i = 0; i < n; i++) {
		m->cells[i].state = SCN_NOT_RUN;
		m->cells[i].expected = SCN_PASS;
	}
	m->nr_presets = nr_presets;
	m->nr_scenarios = nr_scenarios;
	return 0;
}

int scn_matrix_add_file_error(struct scn_matrix *m, const char *path, const char *message)
{
	struct scn_file_error *v = realloc(m->file_errors, (m->nr_file_errors + 1) * sizeof(*v));
	size_t n = strlen(path);
	struct scn_file_error *e;

	if (!v)
		return -ENOMEM;
	m->file_errors = v;
	e = &v[m->nr_file_errors];
	e->path = strdup(path);
	e->message = strdup(message);
	e->line = 0;
	if (!e->path || !e->message) {
		free(e->path);
		free(e->message);
		return -ENOMEM;
	}
	if (!strncmp(message, path, n) && message[n] == ':')
		e->line = (unsigned int)strtoul(message + n + 1, NULL, 10);
	m->nr_file_errors++;
	return 0;
}

void scn_matrix_free(struct scn_matrix *m)
{
	for (size_t i = 0; i < m->nr_file_errors; i++) {
		free(m->file_errors[i].path);
		free(m->file_errors[i].message);
	}
	free(m->file_errors);
	free(m->cells);
	free(m->presets);
	free(m->scenarios);
	memset(m, 0, sizeof(*m));
}

struct scn_matrix_cell *scn_matrix_at(const struct scn_matrix *m, size_t scenario, size_t preset)
{
	if (scenario >= m->nr_scenarios || preset >= m->nr_presets)
		return NULL;
	return &m->cells[scenario * m->nr_presets + preset];
}

bool scn_cell_skipped(const struct scn_matrix_cell *c)
{
	return c->state == SCN_NOT_RUN || (c->state == SCN_ERROR && c->error == -ENOSYS) ||
	       (c->state == SCN_RAN && c->res.cell == SCN_NA);
}

bool scn_cell_as_expected(const struct scn_matrix_cell *c)
{
	return c->state == SCN_RAN && c->res.cell == c->expected;
}

void scn_matrix_tally(const struct scn_matrix *m, struct scn_tally *t)
{
	memset(t, 0, sizeof(*t));
	t->cells = m->nr_presets * m->nr_scenarios;
	t->file_errors = m->nr_file_errors;
	for (size_t i = 0; i < t->cells; i++) {
		if (scn_cell_skipped(&m->cells[i]))
			t->skipped++;
		else if (scn_cell_as_expected(&m->cells[i]))
			t->as_expected++;
		else
			t->differ++;
	}
}

static const char *cell_text(const struct scn_matrix_cell *c, char *buf, size_t len)
{
	switch (c->state) {
	case SCN_NOT_RUN:
		/* Not "n/a": that is a cell that ran and could not be carried out. */
		return "-";
	case SCN_ERROR:
		return c->error == -ENOSYS ? "skip" : "error!";
	case SCN_RAN:
		break;
	}
	if (c->res.cell == SCN_NA)
		return "n/a";
	snprintf(buf, len, "%s%s", scn_cell_names[c->res.cell],
		 scn_cell_as_expected(c) ? "" : "!");
	return buf;
}

/* Reasons come from the model and may hold anything; keep each on one line. */
static void put_oneline(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static void text_reason(FILE *f, const struct scn_matrix *m, size_t si, size_t pi)
{
	const struct scn_matrix_cell *c = scn_matrix_at(m, si, pi);

	fprintf(f, "%s / %s: ", m->scenarios[si], m->presets[pi]);
	if (c->state == SCN_ERROR && c->res.scenario_error) {
		fprintf(f, "scenario error at line %u: ", c->res.line);
		put_oneline(f, c->res.reason);
		fputc('\n', f);
		return;
	}
	if (c->state == SCN_ERROR) {
		fprintf(f, "error: %s\n", strerror(-c->error));
		return;
	}
	fprintf(f, "%s", scn_cell_names[c->res.cell]);
	if (scn_cell_as_expected(c))
		fprintf(f, " (as expected)");
	else if (c->res.cell != SCN_NA)
		fprintf(f, ", expected %s", scn_cell_names[c->expected]);
	if (c->res.line)
		fprintf(f, " at line %u", c->res.line);
	if (c->res.reason[0]) {
		fprintf(f, ": ");
		put_oneline(f, c->res.reason);
	}
	fputc('\n', f);
}

void scn_report_text(FILE *f, const struct scn_matrix *m)
{
	size_t w0 = strlen("scenario");
	size_t *w = calloc(m->nr_presets ? m->nr_presets : 1, sizeof(*w));
	struct scn_tally t;
	size_t nosys = 0, not_run = 0;
	char buf[32];

	if (!w) {
		fprintf(f, "(out of memory printing the matrix)\n");
		return;
	}
	for (size_t si = 0; si < m->nr_scenarios; si++)
		if (strlen(m->scenarios[si]) > w0)
			w0 = strlen(m->scenarios[si]);
	for (size_t pi = 0; pi < m->nr_presets; pi++) {
		w[pi] = strlen(m->presets[pi]);
		for (size_t si = 0; si < m->nr_scenarios; si++) {
			size_t n = strlen(cell_text(scn_matrix_at(m, si, pi), buf, sizeof(buf)));

			if (n > w[pi])
				w[pi] = n;
		}
	}

	fprintf(f, "%-*s", m->nr_presets ? (int)w0 : 0, "scenario");
	for (size_t pi = 0; pi < m->nr_presets; pi++)
		fprintf(f, "  %-*s", pi + 1 < m->nr_presets ? (int)w[pi] : 0, m->presets[pi]);
	fputc('\n', f);
	for (size_t si = 0; si < m->nr_scenarios; si++) {
		fprintf(f, "%-*s", m->nr_presets ? (int)w0 : 0, m->scenarios[si]);
		for (size_t pi = 0; pi < m->nr_presets; pi++)
			fprintf(f, "  %-*s", pi + 1 < m->nr_presets ? (int)w[pi] : 0,
				cell_text(scn_matrix_at(m, si, pi), buf, sizeof(buf)));
		fputc('\n', f);
	}
	free(w);

	for (size_t si = 0, any = 0; si < m->nr_scenarios; si++) {
		for (size_t pi = 0; pi < m->nr_presets; pi++) {
			const struct scn_matrix_cell *c = scn_matrix_at(m, si, pi);

			if (c->state == SCN_ERROR && c->error == -ENOSYS) {
				nosys++;
				continue;
			}
			not_run += c->state == SCN_NOT_RUN;
			if (c->state == SCN_NOT_RUN ||
			    (c->state == SCN_RAN && c->res.cell == SCN_PASS && scn_cell_as_expected(c)))
				continue;
			if (!any++)
				fputc('\n', f);
			text_reason(f, m, si, pi);
		}
	}
	if (not_run)
		fprintf(f, "\n%zu cell%s marked -: not run, the scenario's presets line leaves the preset out\n",
			not_run, not_run == 1 ? "" : "s");
	/* One note, not a line per cell: it is the build, not the scenarios. */
	if (nosys)
		fprintf(f, "\n%zu cell%s marked skip: no scenario interpreter is linked in\n",
			nosys, nosys == 1 ? "" : "s");
	if (m->nr_file_errors)
		fputc('\n', f);
	for (size_t i = 0; i < m->nr_file_errors; i++) {
		fputs("not run: ", f);
		put_oneline(f, m->file_errors[i].message);
		fputc('\n', f);
	}
	scn_matrix_tally(m, &t);
	fprintf(f, "\n%zu scenario%s x %zu preset%s: %zu as expected, %zu differ%s%s, %zu skipped",
		m->nr_scenarios, m->nr_scenarios == 1 ? "" : "s",
		m->nr_presets, m->nr_presets == 1 ? "" : "s",
		t.as_expected, t.differ, t.differ == 1 ? "s" : "",
		t.differ ? " (marked !)" : "", t.skipped);
	if (t.file_errors)
		fprintf(f, "; %zu file%s not run (errors above)", t.file_errors,
			t.file_errors == 1 ? "" : "s");
	fputc('\n', f);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *state_names[] = {
	[SCN_RAN] = "ran", [SCN_NOT_RUN] = "not-run", [SCN_ERROR] = "error",
};

void scn_report_json(FILE *f, const struct scn_matrix *m)
{
	struct scn_tally t;
	bool first = true;

	fputs("{\n  \"presets\": [", f);
	for (size_t pi = 0; pi < m->nr_presets; pi++) {
		fputs(pi ? ", " : "", f);
		json_str(f, m->presets[pi]);
	}
	fputs("],\n  \"scenarios\": [", f);
	for (size_t si = 0; si < m->nr_scenarios; si++) {
		fputs(si ? ", " : "", f);
		json_str(f, m->scenarios[si]);
	}
	fputs("],\n  \"cells\": [", f);
	for (size_t si = 0; si < m->nr_scenarios; si++) {
		for (size_t pi = 0; pi < m->nr_presets; pi++) {
			const struct scn_matrix_cell *c = scn_matrix_at(m, si, pi);

			fputs(first ? "\n    {" : ",\n    {", f);
			first = false;
			fputs("\"scenario\": ", f);
			json_str(f, m->scenarios[si]);
			fputs(", \"preset\": ", f);
			json_str(f, m->presets[pi]);
			fprintf(f, ", \"state\": \"%s\"", state_names[c->state]);
			if (c->state == SCN_RAN)
				fprintf(f, ", \"cell\": \"%s\"", scn_cell_names[c->res.cell]);
			else
				fputs(", \"cell\": null", f);
			fprintf(f, ", \"expected\": \"%s\", \"ok\": %s, \"skipped\": %s",
				scn_cell_names[c->expected],
				scn_cell_as_expected(c) ? "true" : "false",
				scn_cell_skipped(c) ? "true" : "false");
			if (c->state == SCN_ERROR) {
				fputs(", \"error\": ", f);
				json_str(f, c->res.scenario_error ? "scenario error" : strerror(-c->error));
			}
			fprintf(f, ", \"line\": %u, \"reason\": ",
				c->state == SCN_RAN || c->res.scenario_error ? c->res.line : 0);
			json_str(f, c->state == SCN_RAN || c->res.scenario_error ? c->res.reason : "");
			fputc('}', f);
		}
	}
	fprintf(f, "%s],\n  \"errors\": [", first ? "" : "\n  ");
	for (size_t i = 0; i < m->nr_file_errors; i++) {
		const struct scn_file_error *e = &m->file_errors[i];

		fputs(i ? ",\n    {\"file\": " : "\n    {\"file\": ", f);
		json_str(f, e->path);
		fprintf(f, ", \"line\": %u, \"message\": ", e->line);
		json_str(f, e->message);
		fputc('}', f);
	}
	scn_matrix_tally(m, &t);
	fprintf(f, "%s],\n  \"summary\": {\"cells\": %zu, \"as_expected\": %zu, \"differ\": %zu, \"skipped\": %zu, \"file_errors\": %zu}\n}\n",
		m->nr_file_errors ? "\n  " : "", t.cells, t.as_expected, t.differ, t.skipped,
		t.file_errors);
}

void scn_report_tap(FILE *f, const struct scn_matrix *m)
{
	size_t n = 0;

	fprintf(f, "1..%zu\n", m->nr_presets * m->nr_scenarios + m->nr_file_errors);
	/* A file that did not parse is one failed test, not a stream cut short. */
	for (size_t i = 0; i < m->nr_file_errors; i++) {
		fprintf(f, "not ok %zu - %s: not run: ", ++n, m->file_errors[i].path);
		put_oneline(f, m->file_errors[i].message);
		fputc('\n', f);
	}
	for (size_t si = 0; si < m->nr_scenarios; si++) {
		for (size_t pi = 0; pi < m->nr_presets; pi++) {
			const struct scn_matrix_cell *c = scn_matrix_at(m, si, pi);
			const char *sn = m->scenarios[si], *pn = m->presets[pi];

			n++;
			if (c->state == SCN_NOT_RUN) {
				fprintf(f, "ok %zu - %s [%s] # SKIP not in the scenario's presets\n",
					n, sn, pn);
				continue;
			}
			if (c->state == SCN_ERROR) {
				if (c->error == -ENOSYS)
					fprintf(f, "ok %zu - %s [%s] # SKIP no interpreter linked in\n",
						n, sn, pn);
				else if (c->res.scenario_error)
					fprintf(f, "not ok %zu - %s [%s]: scenario error at line %u: %s\n",
						n, sn, pn, c->res.line, c->res.reason);
				else
					fprintf(f, "not ok %zu - %s [%s]: error: %s\n", n, sn, pn,
						strerror(-c->error));
				continue;
			}
			if (c->res.cell == SCN_NA) {
				fprintf(f, "ok %zu - %s [%s] # SKIP n/a at line %u: ", n, sn, pn,
					c->res.line);
				put_oneline(f, c->res.reason);
				fputc('\n', f);
				continue;
			}
			if (scn_cell_as_expected(c))
				fprintf(f, "ok %zu - %s [%s]: %s\n", n, sn, pn,
					scn_cell_names[c->res.cell]);
			else
				fprintf(f, "not ok %zu - %s [%s]: %s, expected %s\n", n, sn, pn,
					scn_cell_names[c->res.cell], scn_cell_names[c->expected]);
			if (c->res.line || c->res.reason[0]) {
				fprintf(f, "# line %u: ", c->res.line);
				put_oneline(f, c->res.reason);
				fputc('\n', f);
			}
		}
	}
}
