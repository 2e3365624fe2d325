/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinmm run`: scenarios x presets into the matrix, judged against the verdicts. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/report.h>
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
	const char **names;
	size_t nr = tool_preset_names(&names);
	char err[SCN_ERR_MAX];
	int ret = 0;

	for (size_t i = 0; i < suite->nr; i++) {
		if (scenario_check(suite->v[i], names, nr, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			ret = PINMM_EXIT_USAGE;
		}
	}
	return ret;
}

static void run_usage(FILE *f)
{
	fputs("usage: pinmm run [--preset NAME]... [--trace] [--json | --tap] [FILE.pin]...\n", f);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "preset", required_argument, NULL, 'p' },
		{ "trace", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "tap", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char **all, **chosen;
	size_t nr_all = tool_preset_names(&all), nr_chosen = 0;
	struct scenario_suite suite = { 0 };
	bool trace = false, json = false, tap = false;
	struct scn_matrix m;
	struct scn_tally t;
	char err[SCN_ERR_MAX];
	int c, ret = PINMM_EXIT_USAGE;

	chosen = calloc((size_t)argc + nr_all + 1, sizeof(*chosen));
	if (!chosen)
		return PINMM_EXIT_USAGE;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			bool known = false;

			for (size_t i = 0; i < nr_all; i++)
				known |= !strcmp(all[i], optarg);
			if (!known) {
				fprintf(stderr, "pinmm run: unknown preset '%s' (see: pinmm list presets)\n",
					optarg);
				goto out;
			}
			if (pin_preset_unavailable(pin_preset_find(optarg))) {
				fprintf(stderr, "pinmm run: preset '%s' is not runnable in this build: %s\n",
					optarg, pin_preset_unavailable(pin_preset_find(optarg)));
				goto out;
			}
			chosen[nr_chosen++] = optarg;
			break;
		}
		case 't': trace = true; break;
		case 'j': json = true; break;
		case 'T': tap = true; break;
		case 'h': run_usage(stdout); ret = PINMM_EXIT_OK; goto out;
		case ':':
			fprintf(stderr, "pinmm run: option '%s' needs an argument\n", argv[optind - 1]);
			run_usage(stderr);
			goto out;
		default:
			fprintf(stderr, "pinmm run: bad option '%s'\n", argv[optind - 1]);
			run_usage(stderr);
			goto out;
		}
	}
	if (json && tap) {
		fprintf(stderr, "pinmm run: --json and --tap are exclusive\n");
		goto out;
	}
	/* Every preset this build can run; the others are named, not shown as columns. */
	if (!nr_chosen) {
		for (size_t i = 0; i < nr_all; i++) {
			const char *why = pin_preset_unavailable(pin_preset_find(all[i]));

			if (!why)
				chosen[nr_chosen++] = all[i];
			else if (!json && !tap)
				fprintf(stderr, "pinmm run: no '%s' column: %s\n", all[i], why);
		}
	}

	if (optind >= argc) {
		if (tool_load_builtin(&suite))
			goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (scenario_suite_add_file(&suite, argv[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			goto out;
		}
	}
	if (tool_check_suite(&suite))
		goto out;

	/* Machine-readable output keeps stdout clean; the trace goes beside it. */
	if (scenario_suite_run(&suite, chosen, nr_chosen,
			       trace ? (json || tap ? stderr : stdout) : NULL, &m)) {
		fprintf(stderr, "pinmm run: out of memory\n");
		goto out;
	}
	if (json)
		scn_report_json(stdout, &m);
	else if (tap)
		scn_report_tap(stdout, &m);
	else
		scn_report_text(stdout, &m);
	scn_matrix_tally(&m, &t);
	scn_matrix_free(&m);
	ret = t.differ ? PINMM_EXIT_MISMATCH : PINMM_EXIT_OK;
out:
	scenario_suite_free(&suite);
	free(chosen);
	return ret;
}
