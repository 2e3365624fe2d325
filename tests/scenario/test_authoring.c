/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a scenario author meets at run time (issue 19): the scenario's own
 * mistakes are scenario errors, not cells; a full disk is ENOSPC; thp
 * populate maps huge pages; dma -> ERRNO, DMA at an offset into a handle,
 * only=, pwrite, check zone and a partial munmap do what the reference says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>

static struct scenario_result run(const char *text, const char *preset)
{
	struct scenario_result r;
	char err[SCN_ERR_MAX];
	struct scenario *s;

	if (scenario_parse_buffer("t.pin", text, strlen(text), &s, err, sizeof(err)))
		fail_msg("parse: %s", err);
	assert_int_equal(scenario_run(s, preset, &r, NULL), 0);
	scenario_free(s);
	return r;
}

#define HDR "scenario \"t\"\nmemory 64M\n"

static void test_full_disk_is_enospc(void **state)
{
	struct scenario_result r = run(HDR "disk d0 size=64K\nfile f on d0 size=128K fill=0x11\n",
				       "mainline");

	assert_true(r.scenario_error);
	assert_int_equal(r.line, 4);
	assert_non_null(strstr(r.reason, "ENOSPC"));
	r = run(HDR "disk d0 size=64K\nfile f on d0 size=128K fill=0x11 -> ENOSPC\n", "mainline");
	assert_false(r.scenario_error);
	assert_int_equal(r.cell, SCN_PASS);
	r = run(HDR "disk d0 size=64K\nfile f on d0 size=32K\npwrite f+16K len=64K byte=1 -> ENOSPC\n",
		"mainline");
	assert_int_equal(r.cell, SCN_PASS);
	assert_false(r.scenario_error);
}

/* Setup and CPU accesses no preset changes: their failure is the scenario's. */
static void test_scenario_errors_are_not_cells(void **state)
{
	const char *t = HDR "process p\nmmap p m anon len=16K private rw\nmunmap p m+4K len=4K -> ok\n"
			"write p m len=8K byte=1\n";
	struct scenario_result r = run(t, "legacy-2018");

	assert_true(r.scenario_error);
	assert_int_equal(r.line, 6);
	assert_non_null(strstr(r.reason, "EFAULT"));
	assert_int_equal(r.cell, SCN_PASS);
}

static void test_partial_munmap(void **state)
{
	struct scenario_result r = run(HDR "process p\nmmap p m anon len=16K private rw\n"
				       "write p m len=16K byte=1\nmunmap p m+4K len=4K\n"
				       "read p m len=4K expect=1\nread p m+8K len=8K expect=1\n"
				       "read p m+4K len=4K -> EFAULT\n"
				       "pin p m len=16K as=h -> EFAULT\n", "mainline");

	assert_false(r.scenario_error);
	assert_int_equal(r.cell, SCN_PASS);
}

static void test_thp_populate_maps_a_thp(void **state)
{
	struct scenario_result r = run(HDR "process p\nmmap p m anon len=2M private rw thp populate\n"
				       "check vmstat nr_anon_transparent_hugepages=1 pgfault=1\n",
				       "mainline");

	assert_false(r.scenario_error);
	assert_int_equal(r.cell, SCN_PASS);
}

/* An ODP mirror of a truncated file: the device's fault fails, and saying so passes. */
static void test_dma_expected_to_fail(void **state)
{
	const char *t = HDR "disk d0 size=16M\nfile f on d0 size=16K fill=0x11\nprocess p\n"
			"device nic odp\nmmap p m file=f len=16K shared rw\n"
			"pin p m len=16K as=mr write dev=nic\ntruncate f size=0\n"
			"dma mr write byte=0x33%s\n";
	char text[512];
	struct scenario_result r;

	snprintf(text, sizeof(text), t, " -> EFAULT");
	r = run(text, "mainline");
	assert_int_equal(r.cell, SCN_PASS);
	snprintf(text, sizeof(text), t, "");
	r = run(text, "mainline");
	assert_int_equal(r.cell, SCN_CORRUPT);
	assert_non_null(strstr(r.reason, "dma write"));
}

/* A handle's byte 0 is the address pinned, not the page below it. */
static void test_dma_offset_into_handle(void **state)
{
	struct scenario_result r = run(HDR "process p\nmmap p m anon len=16K private rw\n"
				       "write p m len=16K byte=0x11\npin p m+100 len=8K as=h write\n"
				       "dma h write byte=0x22 offset=4K len=16\n"
				       "read p m+4196 len=16 expect=0x22\nread p m+4180 len=16 expect=0x11\n"
				       "read p m+4212 len=16 expect=0x11\n", "mainline");

	assert_int_equal(r.cell, SCN_PASS);
}

/* only=: the get tracker cannot tell a pin from a reference; the check applies where it can. */
static void test_only_presets(void **state)
{
	const char *t = HDR "process p\nmmap p m anon len=4K private rw\nwrite p m len=4K byte=1\n"
			"pin p m len=4K as=h\n"
			"check pinned h yes%s\n";
	char text[256];

	snprintf(text, sizeof(text), t, "");
	assert_int_equal(run(text, "legacy-2018").cell, SCN_CORRUPT);
	assert_int_equal(run(text, "mainline").cell, SCN_PASS);
	snprintf(text, sizeof(text), t, " only=mainline");
	assert_int_equal(run(text, "legacy-2018").cell, SCN_PASS);
	assert_int_equal(run(text, "mainline").cell, SCN_PASS);
}

static void test_check_zone(void **state)
{
	const char *t = "scenario \"t\"\nmemory 64M movable=32M\nprocess p\n"
			"mmap p m anon len=64K private rw\nwrite p m len=64K byte=1\n"
			"pin p m len=64K as=h write longterm\ncheck zone h %s\n";
	char text[512];

	snprintf(text, sizeof(text), t, "normal");
	assert_int_equal(run(text, "mainline").cell, SCN_PASS);
	/* legacy-2018 pins the ZONE_MOVABLE pages where they are. */
	assert_int_equal(run(text, "legacy-2018").cell, SCN_CORRUPT);
	snprintf(text, sizeof(text), t, "movable");
	assert_int_equal(run(text, "legacy-2018").cell, SCN_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_disk_is_enospc),
		cmocka_unit_test(test_scenario_errors_are_not_cells),
		cmocka_unit_test(test_partial_munmap),
		cmocka_unit_test(test_thp_populate_maps_a_thp),
		cmocka_unit_test(test_dma_expected_to_fail),
		cmocka_unit_test(test_dma_offset_into_handle),
		cmocka_unit_test(test_only_presets),
		cmocka_unit_test(test_check_zone),
	};

	return RUN_TAP(tests, NULL, NULL);
}
