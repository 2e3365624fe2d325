/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinmm run`: scenarios x presets into the matrix, judged against the verdicts. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pinmm/mem/event.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/report.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>

#include "pinmm.h"

size_t tool_preset_names(const char ***names)
{
	static const char *v[64];
	size_t n = 0;

	for (size_t i = 0; pin_presets[i] && n < 64; i++)
		v[n++] = pin_presets[i]->name;
	*names = v;
	return n;
}

int tool_load_builtin(struct scenario_suite *suite)
{
	char err[SCN_ERR_MAX];

	size_t nr;

	if (scenario_suite_load_builtin(suite, err, sizeof(err))) {
		scenario_builtin(&nr);
		fprintf(stderr, "%s\n", err);
		if (!nr)
			fprintf(stderr, "pinmm: this build has no built-in suite; run from the source tree "
				"or set PINMM_SCENARIOS to the scenarios/ directory\n");
		return PINMM_EXIT_USAGE;
	}
	return 0;
}

int tool_check_suite(const struct scenario_suite *suite)
{
	const char **pins, *names[65];
	size_t nr = tool_preset_names(&pins);
	char err[SCN_ERR_MAX];
	int ret = 0;

	/* A scenario may name the host preset too. */
	memcpy(names, pins, nr * sizeof(*names));
	names[nr++] = SCN_HOST_PRESET;
	for (size_t i = 0; i < suite->nr; i++) {
		if (scenario_check(suite->v[i], names, nr, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			ret = PINMM_EXIT_USAGE;
		}
	}
	return ret;
}

/*
 * What "the matrix of designs x scenarios" means to a kernel developer: the
 * 2018 LTS and the newest release (the two ends of the history, formerly
 * legacy-2018 and mainline) beside every design this build can run, and the
 * running kernel where it can be driven. The releases in between are
 * --timeline's; --all runs every preset (make check does).
 */
static size_t default_columns(const char **v, bool every, bool quiet)
{
	size_t n = 0;

	if (!every) {
		v[n++] = pin_preset_find("legacy-2018")->name;
		v[n++] = pin_preset_find("mainline")->name;
	}
	for (size_t i = 0; pin_presets[i]; i++) {
		const struct pin_preset *p = pin_presets[i];
		const char *why = pin_preset_unavailable(p);

		if (!every && p->family == PRESET_RELEASE)
			continue;
		if (!why)
			v[n++] = p->name;
		else if (!quiet)
			fprintf(stderr, "pinmm run: no '%s' column: %s\n", p->name, why);
	}
	if (scenario_host_usable(NULL, 0))
		v[n++] = SCN_HOST_PRESET;
	return n;
}

static void run_usage(FILE *f)
{
	fputs("usage: pinmm run [--preset NAME[,NAME...]]... [--all | --timeline [--markdown]]\n"
	      "                 [--trace[=CLASS,...]] [--trace-file F] [--trace-json F] [--trace-unfold]\n"
	      "                 [--json | --tap] [FILE.pin | DIR]...\n", f);
}

static void run_help(void)
{
	run_usage(stdout);
	fputs("\n"
	      "Run scenarios (default: the built-in suite; a DIR runs the *.pin files in it)\n"
	      "and print the preset x scenario matrix. The columns: v4.19 and v6.18 (the\n"
	      "releases legacy-2018 and mainline stand for) and every design preset, or\n"
	      "--all of them, or the --preset ones, or with --timeline the nine releases.\n"
	      "Each cell is what the scenario did under that preset:\n"
	      "  pass     every expectation met, no unexpected BUG/WARN\n"
	      "  refused  a pin, truncate or punch the scenario expected to succeed returned\n"
	      "           an errno (the design says no)\n"
	      "  corrupt  a data or state check failed (the design let something wrong happen)\n"
	      "  bug      a BUG or WARN event the scenario did not expect\n"
	      "  error!   the scenario itself is wrong (setup failed, an access to memory it\n"
	      "           never mapped): no cell is scored\n"
	      "A cell is judged against the scenario's 'verdict TARGET... CELL' lines (a\n"
	      "preset, an alias, releases, designs, or a range such as v4.14..v5.4; none:\n"
	      "pass); '!' marks a cell that differs, and the exit status is 1 if any does.\n"
	      "A file that does not parse is reported and the others still run (exit 2).\n"
	      "\n"
	      "  --preset NAME[,NAME]  run only these presets (pinmm list presets); repeatable;\n"
	      "                        an alias runs its release under the name given\n"
	      "  --all                 every preset: the releases and the designs\n"
	      "  --timeline            the releases (pinmm list kernels), then for each\n"
	      "                        scenario the release and switch that changed its cell:\n"
	      "                        the earlier release rerun with that switch on gives\n"
	      "                        the later cell\n"
	      "  --markdown            with --timeline: docs/timeline.md, that output and the\n"
	      "                        switch table (make docs/timeline.md)\n"
	      "  --trace[=CLASS,...]   print, per cell, each command and every fault, pin,\n"
	      "                        unpin, mkclean, writeback and DMA access the model\n"
	      "                        makes, in kernel function names, calls nested as\n"
	      "                        ftrace's function_graph shows them, with _refcount,\n"
	      "                        _pincount, mapcount and folio_maybe_dma_pinned() around\n"
	      "                        every pin and unpin, flags by name, and a dump_page()\n"
	      "                        block under each BUG/WARN; runs of calls or lines that\n"
	      "                        differ only in their numbers (per-page loops) are folded\n"
	      "                        into one and \"… ×N more\". CLASS: gup, fault,\n"
	      "                        writeback, dma, vm, reclaim, fs, devmap (default all;\n"
	      "                        BUG/WARN and the scenario's own lines always). To\n"
	      "                        stderr under --json/--tap, so their output stays\n"
	      "                        machine-readable\n"
	      "  --trace-file F        the trace into F instead (implies --trace)\n"
	      "  --trace-unfold        print every line of a per-page loop\n"
	      "  --trace-json F        the same events as Chrome trace-event JSON in F, one\n"
	      "                        process per cell and one track per thread (the CPU,\n"
	      "                        each during= context): open it in Perfetto\n"
	      "                        (ui.perfetto.dev) or chrome://tracing\n"
	      "  --json                the matrix as JSON: presets, scenarios, cells (state\n"
	      "                        ran|not-run|error, cell, expected, ok, skipped, line,\n"
	      "                        reason), errors (file, line, message) and a summary\n"
	      "  --tap                 the matrix as TAP: one test per cell, skips as # SKIP,\n"
	      "                        a file that did not parse as a failed test\n"
	      "\n"
	      "The language: docs/scenario-language.md, or pinmm list commands.\n"
	      "Exit status: 0 every cell as its verdict, 1 a cell differs, 2 an input error.\n",
	      stdout);
}

/* --preset a,b,c: names checked against the preset table, commas as in bench. */
static int add_presets(const char *arg, const char **all, size_t nr_all, const char **chosen,
		       size_t *nr_chosen, size_t cap)
{
	const char *p = arg;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *hit = NULL;
		char name[64], hint[512];

		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (!strcmp(name, SCN_HOST_PRESET)) {
			/* Not a model preset: scenario_run() hands it to the host backend. */
			hit = SCN_HOST_PRESET;
			for (size_t i = 0; i < *nr_chosen; i++)
				if (!strcmp(chosen[i], hit))
					hit = NULL;
			if (hit && *nr_chosen < cap)
				chosen[(*nr_chosen)++] = hit;
			if (!e)
				return 0;
			p = e + 1;
			continue;
		}
		for (size_t i = 0; i < nr_all; i++)
			if (!strcmp(all[i], name))
				hit = all[i];
		/* An alias runs its release, under the name the user gave. */
		for (size_t i = 0; !hit && pin_preset_aliases[i].alias; i++)
			if (!strcmp(pin_preset_aliases[i].alias, name))
				hit = pin_preset_aliases[i].alias;
		if (!hit) {
			const char *known[80];
			size_t nk = 0;

			for (size_t i = 0; i < nr_all && nk < 70; i++)
				known[nk++] = all[i];
			for (size_t i = 0; pin_preset_aliases[i].alias && nk < 80; i++)
				known[nk++] = pin_preset_aliases[i].alias;
			scn_suggest(hint, sizeof(hint), name, known, nk);
			fprintf(stderr, "pinmm run: unknown preset '%s' (%s)\n", name, hint);
			return -1;
		}
		if (pin_preset_unavailable(pin_preset_find(hit))) {
			fprintf(stderr, "pinmm run: preset '%s' is not runnable in this build: %s\n",
				hit, pin_preset_unavailable(pin_preset_find(hit)));
			return -1;
		}
		for (size_t i = 0; i < *nr_chosen; i++)
			if (chosen[i] == hit)
				hit = NULL;
		if (hit && *nr_chosen < cap)
			chosen[(*nr_chosen)++] = hit;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/* --trace=gup,fault: the classes to print. */
static int parse_classes(const char *arg, unsigned int *mask)
{
	const char *p = arg;

	*mask = 0;
	for (;;) {
		const char *e = strchr(p, ',');
		char name[32], hint[256];
		int cls;

		snprintf(name, sizeof(name), "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
		cls = mm_trace_class_parse(name);
		if (cls < 0) {
			scn_suggest(hint, sizeof(hint), name, mm_trace_class_names, MM_TRACE_NR_CLASSES);
			fprintf(stderr, "pinmm run: unknown trace class '%s' (%s)\n", name, hint);
			return -1;
		}
		*mask |= 1u << cls;
		if (!e)
			return 0;
		p = e + 1;
	}
}

struct run_errors {
	char **path, **msg;
	size_t nr;
};

static void note_error(struct run_errors *e, const char *path, const char *msg)
{
	char **p = realloc(e->path, (e->nr + 1) * sizeof(*p));
	char **m;

	if (!p)
		return;
	e->path = p;
	m = realloc(e->msg, (e->nr + 1) * sizeof(*m));
	if (!m)
		return;
	e->msg = m;
	e->path[e->nr] = strdup(path);
	e->msg[e->nr] = strdup(msg);
	if (e->path[e->nr] && e->msg[e->nr])
		e->nr++;
}

/* Parse, check and add one file; an error is noted and the run goes on. */
static void load_file(struct scenario_suite *suite, const char *path, struct run_errors *errs)
{
	const char **names;
	size_t nr = tool_preset_names(&names);
	char err[SCN_ERR_MAX];
	struct scenario *s;

	if (scenario_parse_file(path, &s, err, sizeof(err))) {
		note_error(errs, path, err);
		return;
	}
	if (scenario_check(s, names, nr, err, sizeof(err))) {
		note_error(errs, path, err);
		scenario_free(s);
		return;
	}
	if (scenario_suite_add(suite, s, err, sizeof(err)))
		note_error(errs, path, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory argument: its *.pin files in name order. */
static void load_dir(struct scenario_suite *suite, const char *dir, struct run_errors *errs)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, NULL);
	char **names;
	size_t nr = 0;

	if (n < 0) {
		char msg[SCN_ERR_MAX];

		snprintf(msg, sizeof(msg), "%s: %s", dir, strerror(errno));
		note_error(errs, dir, msg);
		return;
	}
	names = calloc((size_t)n + 1, sizeof(*names));
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (names && l > 4 && ents[i]->d_name[0] != '.' &&
		    !strcmp(ents[i]->d_name + l - 4, ".pin") &&
		    asprintf(&names[nr], "%s/%s", dir, ents[i]->d_name) >= 0)
			nr++;
		free(ents[i]);
	}
	free(ents);
	if (!names)
		return;
	qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr; i++) {
		load_file(suite, names[i], errs);
		free(names[i]);
	}
	free(names);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "preset", required_argument, NULL, 'p' },
		{ "trace", optional_argument, NULL, 't' },
		{ "trace-file", required_argument, NULL, 'F' },
		{ "trace-json", required_argument, NULL, 'J' },
		{ "trace-unfold", no_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'j' },
		{ "tap", no_argument, NULL, 'T' },
		{ "all", no_argument, NULL, 'a' },
		{ "timeline", no_argument, NULL, 'L' },
		{ "markdown", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char **all, **chosen;
	size_t nr_all = tool_preset_names(&all), nr_chosen = 0;
	struct scenario_suite suite = { 0 };
	struct run_errors errs = { 0 };
	bool trace = false, json = false, tap = false, unfold = false;
	bool every = false, timeline = false, markdown = false;
	const char *trace_file = NULL, *trace_json = NULL;
	FILE *trace_f = NULL, *json_f = NULL;
	unsigned int classes = ~0u;
	struct scn_matrix m;
	struct scn_tally t;
	int c, ret = PINMM_EXIT_USAGE;

	chosen = calloc(nr_all + 16, sizeof(*chosen));
	if (!chosen)
		return PINMM_EXIT_USAGE;
	optind = 0;
	opterr = 0;
	/* Options anywhere, as getopt permutes them: `pinmm run FILE --trace`; "--" ends them. */
	while ((c = getopt_long(argc, argv, ":p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (add_presets(optarg, all, nr_all, chosen, &nr_chosen, nr_all + 16))
				goto out;
			break;
		case 't':
			trace = true;
			if (optarg && parse_classes(optarg, &classes))
				goto out;
			break;
		case 'F': trace = true; trace_file = optarg; break;
		case 'J': trace_json = optarg; break;
		case 'U': unfold = true; break;
		case 'j': json = true; break;
		case 'T': tap = true; break;
		case 'a': every = true; break;
		case 'L': timeline = true; break;
		case 'M': markdown = true; break;
		case 'h': run_help(); ret = PINMM_EXIT_OK; goto out;
		case ':':
			fprintf(stderr, "pinmm run: option '%s' needs an argument\n", argv[optind - 1]);
			run_usage(stderr);
			goto out;
		default:
			fprintf(stderr, "pinmm run: bad option '%s' (pinmm run --help)\n", argv[optind - 1]);
			run_usage(stderr);
			goto out;
		}
	}
	if (json && tap) {
		fprintf(stderr, "pinmm run: --json and --tap are exclusive\n");
		goto out;
	}
	if ((every || timeline) && nr_chosen) {
		fprintf(stderr, "pinmm run: --%s chooses the presets; no --preset with it\n",
			every ? "all" : "timeline");
		goto out;
	}
	if (every && timeline) {
		fprintf(stderr, "pinmm run: --all and --timeline are exclusive\n");
		goto out;
	}
	if (markdown && (!timeline || json || tap)) {
		fprintf(stderr, "pinmm run: --markdown is a form of --timeline's text output\n");
		goto out;
	}
	if (timeline) {
		for (size_t i = 0; kernel_releases[i]; i++)
			chosen[nr_chosen++] = kernel_releases[i];
	} else if (!nr_chosen) {
		nr_chosen = default_columns(chosen, every, json || tap);
	}

	if (optind >= argc) {
		if (tool_load_builtin(&suite) || tool_check_suite(&suite))
			goto out;
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode))
			load_dir(&suite, argv[i], &errs);
		else
			load_file(&suite, argv[i], &errs);
	}
	/* Under --json/--tap the errors are in the report; in text, also on stderr at once. */
	if (!json && !tap)
		for (size_t i = 0; i < errs.nr; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);

	if (trace_file && !(trace_f = fopen(trace_file, "w"))) {
		fprintf(stderr, "pinmm run: %s: %s\n", trace_file, strerror(errno));
		goto out;
	}
	if (trace_json && !(json_f = fopen(trace_json, "w"))) {
		fprintf(stderr, "pinmm run: %s: %s\n", trace_json, strerror(errno));
		goto out;
	}
	mm_trace_set_classes(classes);
	mm_trace_set_fold(!unfold);
	if (json_f)
		mm_trace_json_start(json_f);
	/* Machine-readable output keeps stdout clean; the trace goes beside it. */
	c = scenario_suite_run(&suite, chosen, nr_chosen,
			       trace ? (trace_f ? trace_f : json || tap ? stderr : stdout) : NULL, &m);
	if (json_f)
		mm_trace_json_finish();
	if (c) {
		fprintf(stderr, "pinmm run: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < errs.nr; i++)
		scn_matrix_add_file_error(&m, errs.path[i], errs.msg[i]);
	if (json)
		scn_report_json(stdout, &m);
	else if (tap)
		scn_report_tap(stdout, &m);
	else if (markdown)
		tool_timeline_doc(stdout, &suite, &m);
	else
		scn_report_text(stdout, &m);
	if (timeline && !json && !tap && !markdown)
		tool_timeline_changes(stdout, &suite, &m);
	scn_matrix_tally(&m, &t);
	scn_matrix_free(&m);
	ret = t.file_errors ? PINMM_EXIT_USAGE : t.differ ? PINMM_EXIT_MISMATCH : PINMM_EXIT_OK;
out:
	if (trace_f)
		fclose(trace_f);
	if (json_f && fclose(json_f)) {
		fprintf(stderr, "pinmm run: %s: %s\n", trace_json, strerror(errno));
		ret = PINMM_EXIT_USAGE;
	}
	for (size_t i = 0; i < errs.nr; i++) {
		free(errs.path[i]);
		free(errs.msg[i]);
	}
	free(errs.path);
	free(errs.msg);
	scenario_suite_free(&suite);
	free(chosen);
	return ret;
}
