/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pinning timeline: the behaviour-switch table (`pinmm list kernels`),
 * and for `pinmm run --timeline` the release and switch that changed each
 * scenario's cell. A switch is credited with a change only when running the
 * earlier release with that one switch turned on gives the later cell: the
 * attribution is an experiment, not a lookup. docs/timeline.md is both
 * (`pinmm run --timeline --markdown`).
 */
#include <stdio.h>
#include <string.h>

#include <pinmm/mem/kernel.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/report.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>

#include "pinmm.h"

#define MAX_CAUSES NR_KERNEL_SWITCHES

struct change {
	size_t from, to;		/* release columns: cell differs between them */
	enum scn_cell before, after;
	int causes[MAX_CAUSES];		/* switches that alone turn `before` into `after` */
	int nr_causes;
	bool together;			/* none alone; causes[0] and causes[1] together do */
};

static bool column_ran(const struct scn_matrix *m, size_t si, size_t pi, enum scn_cell *cell)
{
	const struct scn_matrix_cell *c = scn_matrix_at(m, si, pi);

	if (!c || c->state != SCN_RAN)
		return false;
	*cell = c->res.cell;
	return true;
}

/* Run @s on @release with switches @sw and @sw2 forced on (-1: none). */
static bool run_flipped(const struct scenario *s, const char *release, int sw, int sw2,
			enum scn_cell *cell)
{
	struct scenario_result res;
	int ret;

	kernel_override((enum kernel_switch)sw, 1);
	if (sw2 >= 0)
		kernel_override((enum kernel_switch)sw2, 1);
	ret = scenario_run(s, release, &res, NULL);
	kernel_override_clear();
	*cell = res.cell;
	return ret == 0;
}

/* Fill @out with what changed between consecutive release columns of row @si. */
static int scenario_changes(const struct scenario *s, const struct scn_matrix *m, size_t si,
			    struct change *out, int max)
{
	int n = 0;
	size_t prev = SIZE_MAX;
	enum scn_cell pcell = SCN_PASS, cell;

	for (size_t pi = 0; pi < m->nr_presets && n < max; pi++) {
		int cands[MAX_CAUSES], nr = 0;
		enum scn_cell got;
		struct change *c;

		if (!column_ran(m, si, pi, &cell))
			continue;
		if (prev == SIZE_MAX || cell == pcell) {
			prev = pi;
			pcell = cell;
			continue;
		}
		c = &out[n++];
		memset(c, 0, sizeof(*c));
		c->from = prev;
		c->to = pi;
		c->before = pcell;
		c->after = cell;
		for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++)
			if (kernel_release_has(m->presets[pi], (enum kernel_switch)sw) &&
			    !kernel_release_has(m->presets[prev], (enum kernel_switch)sw))
				cands[nr++] = sw;
		for (int i = 0; i < nr; i++)
			if (run_flipped(s, m->presets[prev], cands[i], -1, &got) && got == cell)
				c->causes[c->nr_causes++] = cands[i];
		/* A switch that needs another (fork's copy needs pins to be seen): pairs. */
		for (int i = 0; !c->nr_causes && i < nr; i++) {
			for (int j = i + 1; j < nr; j++) {
				if (run_flipped(s, m->presets[prev], cands[i], cands[j], &got) &&
				    got == cell) {
					c->together = true;
					c->causes[c->nr_causes++] = cands[i];
					c->causes[c->nr_causes++] = cands[j];
					break;
				}
			}
		}
		prev = pi;
		pcell = cell;
	}
	return n;
}

static void print_causes(FILE *f, const struct change *c)
{
	if (!c->nr_causes) {
		fputs("no one switch, nor two together, explains it\n", f);
		return;
	}
	for (int i = 0; i < c->nr_causes; i++) {
		const struct kernel_switch_desc *d = &kernel_switch_table[c->causes[i]];

		fprintf(f, "%s%s (%s, %s)", i ? (c->together ? " with " : ", ") : "", d->name,
			d->release, d->commit);
	}
	fputc('\n', f);
}

static void changes(FILE *f, const struct scenario_suite *suite, const struct scn_matrix *m)
{
	struct change ch[16];
	size_t w = 0, unchanged = 0;

	for (size_t si = 0; si < m->nr_scenarios; si++)
		if (strlen(m->scenarios[si]) > w)
			w = strlen(m->scenarios[si]);
	for (size_t si = 0; si < m->nr_scenarios; si++) {
		const struct scenario *s = scenario_suite_find(suite, m->scenarios[si]);
		int n = s ? scenario_changes(s, m, si, ch, 16) : 0;

		if (!n) {
			unchanged++;
			continue;
		}
		for (int i = 0; i < n; i++) {
			fprintf(f, "  %-*s  %-7s -> %-7s at %-6s ", (int)w, i ? "" : m->scenarios[si],
				scn_cell_names[ch[i].before], scn_cell_names[ch[i].after],
				m->presets[ch[i].to]);
			print_causes(f, &ch[i]);
		}
	}
	if (unchanged) {
		fputs("  the same in every release:", f);
		for (size_t si = 0; si < m->nr_scenarios; si++) {
			const struct scenario *s = scenario_suite_find(suite, m->scenarios[si]);
			struct change one[16];

			if (s && scenario_changes(s, m, si, one, 16))
				continue;
			fprintf(f, " %s", m->scenarios[si]);
		}
		fputc('\n', f);
	}
}

void tool_timeline_changes(FILE *f, const struct scenario_suite *suite, const struct scn_matrix *m)
{
	fputs("\nwhat changed each cell (the earlier release run with that one switch on gives the later cell):\n",
	      f);
	changes(f, suite, m);
}

static void switch_grid(FILE *f, bool md)
{
	if (md) {
		fputs("| switch |", f);
		for (int r = 0; kernel_releases[r]; r++)
			fprintf(f, " %s |", kernel_releases[r]);
		fputs("\n|---|", f);
		for (int r = 0; kernel_releases[r]; r++)
			fputs(":-:|", f);
		fputc('\n', f);
	} else {
		fprintf(f, "  %-30s", "switch");
		for (int r = 0; kernel_releases[r]; r++)
			fprintf(f, " %-6s", kernel_releases[r]);
		fputc('\n', f);
	}
	for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++) {
		fprintf(f, md ? "| `%s` |" : "  %-30s", kernel_switch_table[sw].name);
		for (int r = 0; kernel_releases[r]; r++) {
			bool on = kernel_release_has(kernel_releases[r], (enum kernel_switch)sw);

			fprintf(f, md ? " %s |" : " %-6s", on ? (md ? "✓" : "x") : (md ? "" : "."));
		}
		fputc('\n', f);
	}
}

void tool_list_kernels(FILE *f, bool md)
{
	if (md) {
		fputs("| switch | first | commit | subject | what changed |\n|---|---|---|---|---|\n", f);
		for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++) {
			const struct kernel_switch_desc *d = &kernel_switch_table[sw];

			fprintf(f, "| `%s` | %s | `%s` | %s | %s |\n", d->name, d->release, d->commit,
				d->subject, d->history);
		}
		fputc('\n', f);
		switch_grid(f, true);
		return;
	}
	fputs("kernel releases (release presets):", f);
	for (int r = 0; kernel_releases[r]; r++)
		fprintf(f, " %s", kernel_releases[r]);
	fputs("\naliases:", f);
	for (size_t i = 0; pin_preset_aliases[i].alias; i++)
		fprintf(f, " %s = %s%s", pin_preset_aliases[i].alias, pin_preset_aliases[i].target,
			pin_preset_aliases[i + 1].alias ? "," : "");
	fputs("\ndesign presets run the newest release's switches (" KERNEL_NEWEST_RELEASE ")\n\n"
	      "behaviour switches (first release, commit, subject; then what changed):\n", f);
	for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++) {
		const struct kernel_switch_desc *d = &kernel_switch_table[sw];

		fprintf(f, "  %-30s %-6s %s  %s\n  %-30s %s\n", d->name, d->release, d->commit,
			d->subject, "", d->history);
	}
	fputc('\n', f);
	switch_grid(f, false);
}

void tool_timeline_doc(FILE *f, const struct scenario_suite *suite, const struct scn_matrix *m)
{
	fputs("<!-- Generated by `pinmm run --timeline --markdown` (make docs/timeline.md): do not edit. -->\n"
	      "# The pinning timeline\n\n"
	      "Which kernel releases have which pinning behaviour, and so which bug. Every\n"
	      "release-dependent behaviour of pinmm is one switch (`include/pinmm/mem/kernel.h`,\n"
	      "`src/mem/kernel.c`), listed below with the release it first shipped in, its\n"
	      "commit and one line of history; code asks `kernel_has(SWITCH)` and never\n"
	      "compares versions. A release preset runs its release's switches; `legacy-2018`\n"
	      "and `mainline` are aliases of `v4.19` and `v6.18`; design presets run the newest\n"
	      "release's switches.\n\n"
	      "## The scenarios in each release\n\n"
	      "`pinmm run --timeline` as it prints it: the built-in suite under the nine\n"
	      "releases, each cell judged against the scenario's `verdict` lines, then for each\n"
	      "change between two releases the switch behind it. A switch is credited only\n"
	      "when the earlier release, rerun with that switch on (or with it and one\n"
	      "other), gives the later release's cell.\n\n"
	      "```\n", f);
	scn_report_text(f, m);
	tool_timeline_changes(f, suite, m);
	fputs("```\n\n## Behaviour switches\n\n", f);
	tool_list_kernels(f, true);
}
