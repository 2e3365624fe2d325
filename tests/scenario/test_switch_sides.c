/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every behaviour switch of the release table shows both of its sides: for
 * each one, some scenario of scenarios/ or some kernel selftest case comes
 * out differently on the first release preset that has the switch when that
 * one switch is turned off (a later release may carry a second change that
 * hides the first: 5.19's PageAnonExclusive copies a pinned page at fork
 * whether or not 5.9's check is there). A switch no case can tell from its
 * absence is a claim nothing checks. Each test names the first case that
 * tells, with both cells.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/kernel.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>

/* Searched in this order; the selftests only for a switch scenarios/ does not show. */
static const char *const dirs[] = {
	"scenarios",
	"tests/kernel-selftests/cow",
	"tests/kernel-selftests/gup_longterm",
	"tests/kernel-selftests/gup_test",
};

static struct scenario_suite suite;
/* Each case on each release preset, as it is: computed on first use. */
static struct scenario_result *baseline;
static signed char *usable;	/* 0: not yet run, 1: ran, -1: n/a or failed */
static size_t nr_releases;

/* Does @s fill a 1 GiB hugetlb pool (`memory ... hugepages-1G=N`)? */
static bool needs_gigantic_pages(const struct scenario *s)
{
	for (size_t i = 0; i < s->nr_cmds; i++)
		if (s->cmds[i].kind == SCN_MEMORY && s->cmds[i].memory.hugepages_1g)
			return true;
	return false;
}

/*
 * The 1 GiB hugetlb cases are left out of the search: each run touches a
 * whole gigantic page (about 1.5 s plain, a minute and 10 GiB under TSan),
 * the search may run one on every release with and without a switch, and
 * every behaviour they show the 2 MiB cases beside them show too.
 */
static void drop_gigantic(struct scenario_suite *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nr; i++) {
		if (needs_gigantic_pages(s->v[i]))
			scenario_free(s->v[i]);
		else
			s->v[kept++] = s->v[i];
	}
	s->nr = kept;
}

static int setup(void **state)
{
	char err[SCN_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (scenario_suite_add_dir(&suite, dirs[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
	drop_gigantic(&suite);
	while (kernel_releases[nr_releases])
		nr_releases++;
	baseline = calloc(suite.nr * nr_releases, sizeof(*baseline));
	usable = calloc(suite.nr * nr_releases, sizeof(*usable));
	return baseline && usable ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(baseline);
	free(usable);
	scenario_suite_free(&suite);
	return 0;
}

/* Case @i on release @r, as the release is. */
static const struct scenario_result *base_result(size_t i, size_t r)
{
	size_t k = i * nr_releases + r;

	if (!usable[k])
		usable[k] = !scenario_run(suite.v[i], kernel_releases[r], &baseline[k], NULL) &&
			    baseline[k].cell != SCN_NA ? 1 : -1;
	return usable[k] > 0 ? &baseline[k] : NULL;
}

/*
 * A different cell, or the same cell for another reason (ext4's BUG and its
 * later WARN are both `bug`). n/a counts: a release without an interface
 * says so with n/a (the mTHP sizes before 6.8).
 */
static bool differs(const struct scenario_result *a, const struct scenario_result *b)
{
	return a->cell != b->cell || a->line != b->line || strcmp(a->reason, b->reason);
}

/*
 * Switches no scenario can reach, and the unit test that shows both sides
 * instead. Each is a skip with its reason, not a pass.
 */
static const struct {
	enum kernel_switch sw;
	const char *why;
} unit_only[] = {
	{ KSW_LARGE_PINCOUNT, "no release has foll-pin without it (both 5.7): tests/pin/test_bias.c "
			      "overrides it" },
	{ KSW_DEVMAP_PRIVATE_IDLE_ZERO, "scenarios cannot map device-private memory: "
					"tests/devmap/test_memremap.c" },
	{ KSW_ZERO_PAGE_NOT_PINNED, "its sides differ in the zero page's _refcount, which no "
				    "cell can judge (the overflow it prevented needs 2^21 pins): "
				    "tests/gup/test_zero_page.c" },
	{ KSW_SEALED_MEMFD_MAPS_RO, "no release preset lies in 6.7-6.11, where it alone decides (6.12 "
				    "hides it): tests/gup/test_memfd_seals.c overrides it" },
	{ KSW_MMAP_WRITABLE_CHECK_FIRST, "on v6.12 the case it decides, 20e, is n/a, and n/a is "
					 "no side to compare: tests/gup/test_memfd_seals.c turns it off "
					 "there" },
	{ KSW_DELAYED_RMAP, "no command holds a CPU store in flight across a zap's TLB flush: "
			    "tests/vm/test_fault_file.c runs both sides" },
	{ KSW_HUGE_ZERO_PMD_SPECIAL, "only get_user_pages_fast_only(), which no scenario "
				     "calls, sees it (GUP-fast gives the huge zero page to the "
				     "slow path, which pins it the same): tests/gup/test_zero_page.c" },
};

/* The first release preset that has @sw. */
static size_t first_release(enum kernel_switch sw)
{
	for (size_t r = 0; r < nr_releases; r++)
		if (kernel_release_has(kernel_releases[r], sw))
			return r;
	return nr_releases - 1;
}

static void switch_has_two_sides(void **state)
{
	enum kernel_switch sw = (enum kernel_switch)(uintptr_t)*state;
	const struct kernel_switch_desc *d = &kernel_switch_table[sw];
	size_t r = first_release(sw);
	const char *rel = kernel_releases[r];

	for (size_t i = 0; i < sizeof(unit_only) / sizeof(unit_only[0]); i++) {
		if (unit_only[i].sw == sw) {
			print_message("# %s: %s\n", d->name, unit_only[i].why);
			skip();
		}
	}
	for (size_t i = 0; i < suite.nr; i++) {
		const struct scenario_result *with = base_result(i, r);
		struct scenario_result res;
		int ret;

		if (!with)
			continue;
		kernel_override(sw, 0);
		ret = scenario_run(suite.v[i], rel, &res, NULL);
		kernel_override_clear();
		if (!ret && differs(with, &res)) {
			print_message("# %s (%s, %s): %s on %s: %s (line %u: %s) with it, %s "
				      "(line %u: %s) without\n", d->name, d->release, d->commit,
				      suite.v[i]->name, rel, scn_cell_names[with->cell], with->line,
				      with->reason, scn_cell_names[res.cell], res.line, res.reason);
			return;
		}
	}
	fail_msg("%s (%s): no scenario or selftest case on %s changes when it is off", d->name,
		 d->release, rel);
}

int main(void)
{
	static struct CMUnitTest tests[NR_KERNEL_SWITCHES];
	static char names[NR_KERNEL_SWITCHES][64];

	for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++) {
		snprintf(names[sw], sizeof(names[sw]), "switch %s", kernel_switch_table[sw].name);
		tests[sw] = (struct CMUnitTest){ .name = names[sw], .test_func = switch_has_two_sides,
						 .initial_state = (void *)(uintptr_t)sw };
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("switch_sides", tests, NR_KERNEL_SWITCHES, setup,
				       teardown);
}
