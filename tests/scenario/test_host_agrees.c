/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model against the running kernel: every scenario of scenarios/ under
 * the host preset and under the release preset nearest to `uname -r`; any
 * cell where both ran and they differ fails. n/a cells (what the host cannot
 * carry out) are counted, not compared, and the run must have compared
 * enough cells to mean something. Skipped where the host cannot be driven.
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

#include <pinmm/host/host.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>
#include "../common/host_compare.h"

static void load(struct scenario_suite *suite)
{
	char err[SCN_ERR_MAX];

	if (scenario_suite_add_dir(suite, "scenarios", err, sizeof(err)))
		fail_msg("%s", err);
}

static void test_host_agrees_with_nearest_release(void **state)
{
	const char *release = scenario_host_release();
	const char *presets[2] = { SCN_HOST_PRESET, release };
	struct scenario_suite suite = { 0 };
	struct host_tally t;
	struct scn_matrix m;
	char why[160];

	(void)state;
	if (!scenario_host_usable(why, sizeof(why)))
		skip();
	load(&suite);
	assert_int_equal(scenario_suite_run(&suite, presets, 2, NULL, &m), 0);
	host_compare(&suite, &m, release, &t);
	print_message("# host vs %s: %zu compared, %zu n/a, %zu differ\n", release, t.compared,
		      t.na, t.differ);
	scn_matrix_free(&m);
	scenario_suite_free(&suite);
	assert_int_equal(t.differ, 0);
	/* The longterm matrix, fork, zero page, truncate, O_DIRECT (issue 17) at least. */
	assert_true(t.compared >= 12);
}

/* "v6.18", "6.18", "v4.14.1": major * 1000 + minor, 0 for anything else. */
static unsigned int version(const char *k)
{
	unsigned int major, minor;

	if (!k)
		return 0;
	k += *k == 'v';
	return sscanf(k, "%u.%u", &major, &minor) == 2 ? major * 1000 + minor : 0;
}

/* The host is compared with the newest release preset not newer than uname -r. */
static void test_nearest_release(void **state)
{
	const struct pin_preset *pick = pin_preset_find(scenario_host_release());
	unsigned int host = host_release(), best = 0;

	(void)state;
	assert_non_null(pick);
	assert_int_equal(pick->family, PRESET_RELEASE);
	for (size_t i = 0; pin_presets[i]; i++) {
		unsigned int v = pin_presets[i]->family == PRESET_RELEASE ?
				 version(pin_presets[i]->kernel) : 0;

		if (v && v <= host && v > best)
			best = v;
	}
	if (best)
		assert_int_equal(version(pick->kernel), best);
	assert_string_equal(scenario_verdict_preset(SCN_HOST_PRESET), pick->name);
	assert_string_equal(scenario_verdict_preset("mainline"), "mainline");
}

/* The host's checks can fail: a wrong expectation is corrupt, a refusal refused. */
static void test_host_cells_can_fail(void **state)
{
	static const char text[] =
		"scenario \"t\"\n"
		"memory 64M\n"
		"process p\n"
		"mmap p m anon len=8K private rw\n"
		"write p m+0 len=8K byte=0x11\n"
		"pin p m len=8K as=mr write longterm\n"
		"dma mr write byte=0x22 offset=4K\n"
		"read p m+0 len=8K expect=0x11\n";
	static const char ro[] =
		"scenario \"t\"\n"
		"process p\n"
		"mmap p m anon len=8K private ro\n"
		"pin p m len=8K as=mr write longterm\n";
	struct scenario_result res;
	struct scenario *s;
	char err[SCN_ERR_MAX], why[160];

	(void)state;
	if (!scenario_host_usable(why, sizeof(why)))
		skip();
	assert_int_equal(scenario_parse_buffer("t.pin", text, sizeof(text) - 1, &s, err,
					       sizeof(err)), 0);
	assert_int_equal(scenario_run(s, SCN_HOST_PRESET, &res, NULL), 0);
	assert_int_equal(res.cell, SCN_CORRUPT);
	assert_int_equal(res.line, 8);
	assert_non_null(strstr(res.reason, "0x22 at +4096"));
	scenario_free(s);

	assert_int_equal(scenario_parse_buffer("ro.pin", ro, sizeof(ro) - 1, &s, err,
					       sizeof(err)), 0);
	assert_int_equal(scenario_run(s, SCN_HOST_PRESET, &res, NULL), 0);
	assert_int_equal(res.cell, SCN_REFUSED);
	assert_non_null(strstr(res.reason, "EFAULT"));
	scenario_free(s);
}

/* What the host cannot do is n/a with the reason, never a pass. */
static void test_host_na_has_reason(void **state)
{
	static const char text[] =
		"scenario \"t\"\n"
		"process p\n"
		"mmap p m anon len=4K private rw\n"
		"pin p m len=4K as=h write longterm\n"
		"check pinned h yes\n";
	struct scenario_result res;
	struct scenario *s;
	char err[SCN_ERR_MAX], why[160];

	(void)state;
	if (!scenario_host_usable(why, sizeof(why)))
		skip();
	assert_int_equal(scenario_parse_buffer("t.pin", text, sizeof(text) - 1, &s, err,
					       sizeof(err)), 0);
	assert_int_equal(scenario_run(s, SCN_HOST_PRESET, &res, NULL), 0);
	assert_int_equal(res.cell, SCN_NA);
	assert_int_equal(res.line, 5);
	assert_non_null(strstr(res.reason, "pin count"));
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nearest_release),
		cmocka_unit_test(test_host_agrees_with_nearest_release),
		cmocka_unit_test(test_host_cells_can_fail),
		cmocka_unit_test(test_host_na_has_reason),
	};

	return RUN_TAP(tests, NULL, NULL);
}
