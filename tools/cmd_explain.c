/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinmm explain`: a scenario's story, its commands and the matrix row it must produce. */
#include <stdio.h>
#include <string.h>

#include <pinmm/scenario/format.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>

#include "pinmm.h"

static void explain(const struct scenario *s)
{
	const char **presets;
	size_t nr = tool_preset_names(&presets);
	char line[1024];

	printf("%s: %s\n(%s)\n", s->name, s->title, s->path);
	if (s->description[0])
		printf("\n%s\n", s->description);

	printf("\nexpected cells:\n");
	for (size_t i = 0; i < nr; i++) {
		if (!scenario_wants_preset(s, presets[i]))
			printf("  %-14s not run (presets line)\n", presets[i]);
		else
			printf("  %-14s %s\n", presets[i],
			       scn_cell_names[scenario_expected(s, presets[i])]);
	}
	printf("  %-14s %s (the verdict of %s, the release nearest to this kernel)\n",
	       SCN_HOST_PRESET, scn_cell_names[scenario_expected(s, scenario_host_release())],
	       scenario_host_release());

	printf("\ncommands:\n");
	for (size_t i = 0; i < s->nr_cmds; i++) {
		scn_cmd_format(s, &s->cmds[i], line, sizeof(line));
		if (s->cmds[i].comment)
			printf("  %4u  %-44s # %s\n", s->cmds[i].line, line, s->cmds[i].comment);
		else
			printf("  %4u  %s\n", s->cmds[i].line, line);
	}
}

int cmd_explain(int argc, char **argv)
{
	struct scenario_suite suite = { 0 };
	const struct scenario *s;
	char err[SCN_ERR_MAX];
	int ret;

	if (argc != 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fprintf(argc == 2 ? stdout : stderr, "usage: pinmm explain SCENARIO | FILE.pin\n");
		return argc == 2 ? PINMM_EXIT_OK : PINMM_EXIT_USAGE;
	}
	if (strchr(argv[1], '/') || strstr(argv[1], ".pin")) {
		ret = scenario_suite_add_file(&suite, argv[1], err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s\n", err);
			return PINMM_EXIT_USAGE;
		}
		s = suite.v[0];
	} else {
		ret = tool_load_builtin(&suite);
		if (ret)
			return ret;
		s = scenario_suite_find(&suite, argv[1]);
		if (!s) {
			fprintf(stderr, "pinmm explain: no scenario '%s' (see: pinmm list scenarios)\n",
				argv[1]);
			scenario_suite_free(&suite);
			return PINMM_EXIT_USAGE;
		}
	}
	ret = tool_check_suite(&suite);
	if (!ret)
		explain(s);
	scenario_suite_free(&suite);
	return ret;
}
