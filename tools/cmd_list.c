/* SPDX-License-Identifier: GPL-2.0-only */
/* `pinmm list`: the presets, trackers, policies and scenarios built in. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <pinmm/mem/kernel.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/reference.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>

#include "pinmm.h"

static const char *const longterm_help[NR_LONGTERM_POLICIES] = {
	[LONGTERM_ALLOW] = "FOLL_LONGTERM pins anything (kernels before the checks)",
	[LONGTERM_MAINLINE] = "the release's rules, each a switch: refuse fsdax (4.15) and writable "
			      "pins of dirty-tracked files (EFAULT, 6.5); migrate out of CMA (5.1) "
			      "and ZONE_MOVABLE (5.13) first",
	[LONGTERM_LEASE] = "allowed under a file layout lease (vaddr_pin_pages); truncate and "
			   "punch of a leased range fail with ETXTBSY",
	[LONGTERM_BUSY] = "pinmm: writable pins of shared files allowed (bounce writeback copes); "
			  "truncate and punch over a pinned page-cache range fail with ETXTBSY; "
			  "fsdax needs a lease; migrate out of ZONE_MOVABLE/CMA first",
};

static const char *const writeback_help[NR_WRITEBACK_POLICIES] = {
	[WB_IGNORE] = "write what is in the pinned folio and mark it clean (mainline today)",
	[WB_BOUNCE] = ("checksum and write a stable copy made under the folio lock; a writably "
		       "pinned folio stays dirty, rewritten only when its bytes changed"),
	[WB_SKIP] = "leave pinned folios dirty; a data-integrity sync bounces them",
};

static void list_presets(void)
{
	printf("presets (tracker / longterm / writeback; release whose switches it runs):\n");
	for (size_t i = 0; pin_presets[i]; i++) {
		const struct pin_preset *p = pin_presets[i];
		const char *why = pin_preset_unavailable(p);

		printf("  %-14s %s / %s / %s; %s%s%s\n  %-14s %s\n", p->name, p->tracker,
		       longterm_policy_names[p->longterm], writeback_policy_names[p->writeback],
		       p->kernel ? p->kernel : KERNEL_NEWEST_RELEASE,
		       p->family == PRESET_DESIGN ? " (design)" : "",
		       why ? "  [not in this build]" : "", "", p->summary ? p->summary : "");
		if (why)
			printf("  %-14s %s\n", "", why);
	}
	for (size_t i = 0; pin_preset_aliases[i].alias; i++)
		printf("  %-14s alias of %s\n", pin_preset_aliases[i].alias, pin_preset_aliases[i].target);
	{
		char why[160];
		bool ok = scenario_host_usable(why, sizeof(why));

		printf("  %-14s the running kernel, through system calls (docs/host.md)\n"
		       "  %-14s judged by %s's verdicts; %s%s\n", SCN_HOST_PRESET, "",
		       scenario_host_release(), ok ? "usable here" : "not usable here: ", ok ? "" : why);
	}
}

static void list_trackers(void)
{
	printf("trackers:\n");
	for (size_t i = 0; pin_trackers[i]; i++) {
		const struct pin_tracker *t = pin_trackers[i];

		printf("  %-10s %s\n", t->name, t->summary ? t->summary : "");
		printf("  %-10s adds %u bytes per page, %u per pin%s%s\n", "", t->bytes_per_page,
		       t->bytes_per_pin, t->unavailable ? "; not in this build: " : "",
		       t->unavailable ? t->unavailable : "");
	}
}

static void list_policies(void)
{
	printf("longterm policies:\n");
	for (int i = 0; i < NR_LONGTERM_POLICIES; i++)
		printf("  %-10s %s\n", longterm_policy_names[i], longterm_help[i]);
	printf("writeback policies:\n");
	for (int i = 0; i < NR_WRITEBACK_POLICIES; i++)
		printf("  %-10s %s\n", writeback_policy_names[i], writeback_help[i]);
}

static int list_scenarios(void)
{
	struct scenario_suite suite = { 0 };
	int ret = tool_load_builtin(&suite);
	size_t w = 0;

	if (ret)
		return ret;

	for (size_t i = 0; i < suite.nr; i++)
		if (strlen(suite.v[i]->name) > w)
			w = strlen(suite.v[i]->name);
	printf("scenarios:\n");
	for (size_t i = 0; i < suite.nr; i++)
		printf("  %-*s  %s\n", (int)w, suite.v[i]->name, suite.v[i]->title);
	scenario_suite_free(&suite);
	return PINMM_EXIT_OK;
}

static void list_vmstat(void)
{
	printf("vmstat counters (check vmstat NAME=VALUE):\n");
	for (size_t i = 0; scn_vmstat_docs[i].name; i++)
		printf("  %-32s %s\n", scn_vmstat_docs[i].name, scn_vmstat_docs[i].help);
}

static void list_usage(FILE *f)
{
	fputs("usage: pinmm list [presets | kernels [--markdown] | trackers | policies | scenarios\n"
	      "                  | commands [--markdown] | checks | vmstat]\n"
	      "\n"
	      "  presets    the presets a scenario runs under: tracker / longterm / writeback; release\n"
	      "  kernels    the releases and their behaviour switches (first release, commit)\n"
	      "  trackers   the pin-tracking designs, with their memory cost\n"
	      "  policies   the longterm and writeback policies presets combine\n"
	      "  scenarios  the built-in suite\n"
	      "  commands   the scenario language's commands (--markdown: the reference section\n"
	      "             of docs/scenario-language.md, as make docs writes it)\n"
	      "  checks     the check and expect commands\n"
	      "  vmstat     the counters check vmstat can name\n"
	      "With no argument: presets, trackers, policies and scenarios.\n", f);
}

int cmd_list(int argc, char **argv)
{
	static const char *const lists[] = {
		"presets", "kernels", "trackers", "policies", "scenarios", "commands", "checks", "vmstat",
	};
	const char *what = argc > 1 ? argv[1] : NULL;
	bool markdown = argc == 3 && what && !strcmp(what, "commands") &&
			!strcmp(argv[2], "--markdown");

	if (what && !strcmp(what, "kernels") &&
	    (argc == 2 || (argc == 3 && !strcmp(argv[2], "--markdown")))) {
		tool_list_kernels(stdout, argc == 3);
		return PINMM_EXIT_OK;
	}
	if ((argc > 2 && !markdown) || (what && (!strcmp(what, "--help") || !strcmp(what, "-h")))) {
		list_usage(argc > 2 && !markdown ? stderr : stdout);
		return argc > 2 ? PINMM_EXIT_USAGE : PINMM_EXIT_OK;
	}
	if (!what) {
		list_presets();
		putchar('\n');
		tool_list_kernels(stdout, false);
		putchar('\n');
		list_trackers();
		putchar('\n');
		list_policies();
		putchar('\n');
		return list_scenarios();
	}
	if (!strcmp(what, "presets"))
		list_presets();
	else if (!strcmp(what, "trackers"))
		list_trackers();
	else if (!strcmp(what, "policies"))
		list_policies();
	else if (!strcmp(what, "scenarios"))
		return list_scenarios();
	else if (!strcmp(what, "commands") && markdown)
		scn_reference_markdown(stdout);
	else if (!strcmp(what, "commands"))
		scn_reference_text(stdout, false);
	else if (!strcmp(what, "checks"))
		scn_reference_text(stdout, true);
	else if (!strcmp(what, "vmstat"))
		list_vmstat();
	else {
		char hint[256];

		scn_suggest(hint, sizeof(hint), what, lists, sizeof(lists) / sizeof(lists[0]));
		fprintf(stderr, "pinmm list: unknown list '%s' (%s)\n", what, hint);
		return PINMM_EXIT_USAGE;
	}
	return PINMM_EXIT_OK;
}
