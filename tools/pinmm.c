/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinmm`: run scenarios, list what is built in, explain a scenario, benchmark. */
#include <stdio.h>
#include <string.h>

#include "pinmm.h"

static void usage(FILE *f)
{
	fputs("usage: pinmm COMMAND [ARGS]\n"
	      "\n"
	      "  run [--preset NAME]... [--trace] [--json | --tap] [FILE.pin]...\n"
	      "        run scenario files (default: the built-in suite) under every preset\n"
	      "        (or the --preset ones) and print the preset x scenario matrix;\n"
	      "        exit 1 if any cell differs from the scenario's verdict lines\n"
	      "  list [presets | trackers | policies | scenarios | commands | checks | vmstat]\n"
	      "        what is built in (default: the first four); commands, checks and\n"
	      "        vmstat are the scenario language's (docs/scenario-language.md)\n"
	      "  explain SCENARIO | FILE.pin\n"
	      "        a scenario's story, its commands and the cells it must produce\n"
	      "  bench [gup_test options]\n"
	      "        the pin/unpin benchmark (pinmm bench --help)\n"
	      "  version | --version\n"
	      "        the pinmm and scenario-language versions\n"
	      "\n"
	      "pinmm COMMAND --help explains a command's options.\n"
	      "Exit status: 0 ok, 1 a cell differs from its verdict, 2 usage or input error.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "run", cmd_run },
		{ "list", cmd_list },
		{ "explain", cmd_explain },
		{ "bench", bench_main },
	};

	if (argc < 2) {
		usage(stderr);
		return PINMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return PINMM_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("pinmm %s (scenario language %s)\n", PINMM_VERSION, PINMM_LANGUAGE_VERSION);
		return PINMM_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pinmm: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return PINMM_EXIT_USAGE;
}
