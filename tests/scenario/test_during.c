/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * during=POINT lands the armed command at every race point the model has,
 * in another context: each scenario below arms a command and runs the
 * operation that reaches the point, and the trace must say the command ran
 * inside it (not at the end of the command). during=any must run once per
 * point plus once after, and keep the worst cell.
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

#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>

#define HEAD "scenario \"t\"\nmemory 64M\ndisk d0 size=16M\nfile f on d0 size=16K fill=0x11\n" \
	     "process p\nmmap p m file=f len=16K shared rw\nwrite p m len=16K byte=0x22\n"

/* Run @text under @preset; return the trace (free it) and the result. */
static char *run(const char *text, const char *preset, struct scenario_result *res)
{
	char err[SCN_ERR_MAX], *buf = NULL;
	struct scenario *s;
	size_t len = 0;
	FILE *trace;

	if (scenario_parse_buffer("t.pin", text, strlen(text), &s, err, sizeof(err)))
		fail_msg("%s", err);
	trace = open_memstream(&buf, &len);
	assert_non_null(trace);
	assert_int_equal(scenario_run(s, preset, res, trace), 0);
	fclose(trace);
	scenario_free(s);
	return buf;
}

static void expect_landing(const char *text, const char *point)
{
	struct scenario_result res;
	char want[64], *trace = run(text, "mainline", &res);

	snprintf(want, sizeof(want), "runs inside %s (", point);
	if (!strstr(trace, want))
		fail_msg("the armed command did not land inside %s:\n%s", point, trace);
	free(trace);
}

static void test_writeback(void **state)
{
	expect_landing(HEAD "pin p m len=4K as=h write\ndma h write byte=0x33 during=writeback\n"
		       "sync d0\nunpin h\n", "writeback");
}

static void test_mkclean(void **state)
{
	const char *text = HEAD "pin p m len=4K as=h write fast during=mkclean\nsync d0\nunpin h\n";
	struct scenario_result res;
	char *trace;

	expect_landing(text, "mkclean");
	/* The page-lock post-pass sleeps on the folio lock writeback holds; writeback goes on. */
	trace = run(text, "pagelock", &res);
	assert_non_null(strstr(trace, "runs inside mkclean ("));
	assert_non_null(strstr(trace, "sleeps on a lock; the interrupted context goes on"));
	assert_int_equal(res.cell, SCN_PASS);
	free(trace);
}

static void test_reclaim(void **state)
{
	expect_landing(HEAD "sync d0\nread p m len=4K expect=0x22 during=reclaim\nreclaim\n",
		       "reclaim");
}

static void test_migrate(void **state)
{
	expect_landing(HEAD "read p m len=4K expect=0x22 during=migrate\nmigrate p m\n", "migrate");
}

/* fork holds mmap_lock for writing: the armed write sleeps on it, fork goes on. */
static void test_fork(void **state)
{
	expect_landing("scenario \"t\"\nmemory 64M\nprocess p\nmmap p m anon len=16K private rw populate\n"
		       "write p m len=4K byte=0x44 during=fork\nfork p q\nread p m len=4K expect=0x44\n",
		       "fork");
}

static void test_truncate(void **state)
{
	expect_landing(HEAD "pin p m len=4K as=h write\ndma h write byte=0x33 during=truncate\n"
		       "truncate f size=0\nunpin h\n", "truncate");
}

static void test_gup_fast(void **state)
{
	expect_landing(HEAD "sync d0 during=gup-fast\npin p m len=4K as=h write fast\nunpin h\n",
		       "gup-fast");
}

static void test_pin(void **state)
{
	struct scenario_result res;
	char *trace = run(HEAD "sync d0 during=pin\npin p m len=4K as=h write\nunpin h\n",
			  "mapcount", &res);

	assert_non_null(strstr(trace, "runs inside pin ("));
	free(trace);
}

/* A point the next command never reaches: the command lands when it ends. */
static void test_not_reached(void **state)
{
	struct scenario_result res;
	char *trace = run(HEAD "write p m len=4K byte=0x55 during=migrate\nsync d0\n"
			  "read p m len=4K expect=0x55\n", "mainline", &res);

	assert_non_null(strstr(trace, "runs when the command ends (no race point reached)"));
	assert_int_equal(res.cell, SCN_PASS);
	free(trace);
}

/* during=any: one run after, one per point, the worst kept with where it landed. */
static void test_any_keeps_the_worst(void **state)
{
	const char *text = "scenario \"t\"\nmemory 64M\ndisk d0 size=16M checksum\n"
			   "file f on d0 size=16K fill=0x11\nprocess p\n"
			   "mmap p m file=f len=16K shared rw\nwrite p m len=16K byte=0x22\n"
			   "pin p m len=16K as=h write fast\n"
			   "dma h write byte=0x33 during=any\nwriteback d0\ncheck fsck d0\nunpin h\n";
	struct scenario_result res;
	char *trace = run(text, "mainline", &res);

	/* mainline writes in place: a DMA in the I/O window breaks the guard tag. */
	assert_non_null(strstr(trace, "during=any: run 2 of"));
	assert_int_equal(res.cell, SCN_CORRUPT);
	assert_non_null(strstr(res.reason, "during=any at writeback (race point"));
	assert_non_null(strstr(res.reason, "guard tag mismatch"));
	free(trace);
	/* Landing after the command (no point) would have passed under mainline too. */
	trace = run(text, "pinmm", &res);
	assert_int_equal(res.cell, SCN_PASS);
	free(trace);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writeback),
		cmocka_unit_test(test_mkclean),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_gup_fast),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_not_reached),
		cmocka_unit_test(test_any_keeps_the_worst),
	};

	return RUN_TAP(tests, NULL, NULL);
}
