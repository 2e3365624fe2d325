/* SPDX-License-Identifier: GPL-2.0-only */
/* The matrix renderings, compared byte for byte on a known matrix. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/memory.h>
#include <pinmm/scenario/report.h>


static void ran(struct scn_matrix *m, size_t s, size_t p, enum scn_cell got, enum scn_cell want,
		unsigned int line, const char *reason)
{
	struct scn_matrix_cell *c = scn_matrix_at(m, s, p);

	c->state = SCN_RAN;
	c->expected = want;
	c->res.cell = got;
	c->res.line = line;
	snprintf(c->res.reason, sizeof(c->res.reason), "%s", reason);
}

/*
 * 01 passes everywhere; 02 is a legacy bug as expected and a mainline corrupt
 * where refused was expected; 03 does not run under legacy and has no
 * interpreter under mainline.
 */
static void known_matrix(struct scn_matrix *m)
{
	static const char *const presets[] = { "legacy-2018", "mainline" };
	static const char *const scenarios[] = { "01-base", "02-ext4", "03-long-name-x" };
	struct scn_matrix_cell *c;

	assert_int_equal(scn_matrix_init(m, presets, 2, scenarios, 3), 0);
	ran(m, 0, 0, SCN_PASS, SCN_PASS, 0, "");
	ran(m, 0, 1, SCN_PASS, SCN_PASS, 0, "");
	ran(m, 1, 0, SCN_BUG, SCN_BUG, 12, "BUG ext4-like writepage: folio has no buffers");
	ran(m, 1, 1, SCN_CORRUPT, SCN_REFUSED, 9, "dma read found 0x11,\nexpected 0x33");
	c = scn_matrix_at(m, 2, 1);
	c->state = SCN_ERROR;
	c->error = -ENOSYS;
}

static char *render(void (*fn)(FILE *, const struct scn_matrix *), const struct scn_matrix *m)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	fn(f, m);
	fclose(f);
	return buf;
}

static void test_text(void **state)
{
	struct scn_matrix m;
	char *out;

	known_matrix(&m);
	out = render(scn_report_text, &m);
	assert_string_equal(out,
		"scenario        legacy-2018  mainline\n"
		"01-base         pass         pass\n"
		"02-ext4         bug          corrupt!\n"
		"03-long-name-x  -            skip\n"
		"\n"
		"02-ext4 / legacy-2018: bug (as expected) at line 12: BUG ext4-like writepage: folio has no buffers\n"
		"02-ext4 / mainline: corrupt, expected refused at line 9: dma read found 0x11, expected 0x33\n"
		"\n"
		"1 cell marked -: not run, the scenario's presets line leaves the preset out\n"
		"\n"
		"1 cell marked skip: no scenario interpreter is linked in\n"
		"\n"
		"3 scenarios x 2 presets: 3 as expected, 1 differs (marked !), 2 skipped\n");
	free(out);
	scn_matrix_free(&m);
}

/* A failed run is an error cell, which is a mismatch, not a skip. */
static void test_text_error_and_all_pass(void **state)
{
	static const char *const presets[] = { "mainline" };
	static const char *const scenarios[] = { "a", "b" };
	struct scn_matrix m;
	struct scn_tally t;
	char *out;

	assert_int_equal(scn_matrix_init(&m, presets, 1, scenarios, 2), 0);
	ran(&m, 0, 0, SCN_PASS, SCN_PASS, 0, "");
	scn_matrix_at(&m, 1, 0)->state = SCN_ERROR;
	scn_matrix_at(&m, 1, 0)->error = -ENOMEM;
	out = render(scn_report_text, &m);
	assert_string_equal(out,
		"scenario  mainline\n"
		"a         pass\n"
		"b         error!\n"
		"\n"
		"b / mainline: error: Cannot allocate memory\n"
		"\n"
		"2 scenarios x 1 preset: 1 as expected, 1 differs (marked !), 0 skipped\n");
	free(out);
	scn_matrix_tally(&m, &t);
	assert_int_equal(t.cells, 2);
	assert_int_equal(t.differ, 1);

	ran(&m, 1, 0, SCN_REFUSED, SCN_REFUSED, 4, "pin: EFAULT");
	out = render(scn_report_text, &m);
	assert_string_equal(out,
		"scenario  mainline\n"
		"a         pass\n"
		"b         refused\n"
		"\n"
		"b / mainline: refused (as expected) at line 4: pin: EFAULT\n"
		"\n"
		"2 scenarios x 1 preset: 2 as expected, 0 differ, 0 skipped\n");
	free(out);
	/* An unexpected pass is a mismatch too. */
	ran(&m, 1, 0, SCN_PASS, SCN_BUG, 0, "");
	scn_matrix_tally(&m, &t);
	assert_int_equal(t.differ, 1);
	out = render(scn_report_text, &m);
	assert_non_null(strstr(out, "b         pass!\n"));
	assert_non_null(strstr(out, "\nb / mainline: pass, expected bug\n"));
	free(out);
	scn_matrix_free(&m);
}

static void test_tap(void **state)
{
	struct scn_matrix m;
	char *out;

	known_matrix(&m);
	out = render(scn_report_tap, &m);
	assert_string_equal(out,
		"1..6\n"
		"ok 1 - 01-base [legacy-2018]: pass\n"
		"ok 2 - 01-base [mainline]: pass\n"
		"ok 3 - 02-ext4 [legacy-2018]: bug\n"
		"# line 12: BUG ext4-like writepage: folio has no buffers\n"
		"not ok 4 - 02-ext4 [mainline]: corrupt, expected refused\n"
		"# line 9: dma read found 0x11, expected 0x33\n"
		"ok 5 - 03-long-name-x [legacy-2018] # SKIP not in the scenario's presets\n"
		"ok 6 - 03-long-name-x [mainline] # SKIP no interpreter linked in\n");
	free(out);
	scn_matrix_free(&m);
}

static void test_json(void **state)
{
	static const char *const presets[] = { "p" };
	static const char *const scenarios[] = { "s" };
	struct scn_matrix m;
	char *out;

	assert_int_equal(scn_matrix_init(&m, presets, 1, scenarios, 1), 0);
	ran(&m, 0, 0, SCN_CORRUPT, SCN_PASS, 3, "a\"b\\c\td\n");
	out = render(scn_report_json, &m);
	assert_string_equal(out,
		"{\n"
		"  \"presets\": [\"p\"],\n"
		"  \"scenarios\": [\"s\"],\n"
		"  \"cells\": [\n"
		"    {\"scenario\": \"s\", \"preset\": \"p\", \"state\": \"ran\", \"cell\": \"corrupt\", "
		"\"expected\": \"pass\", \"ok\": false, \"skipped\": false, \"line\": 3, "
		"\"reason\": \"a\\\"b\\\\c\\u0009d\\n\"}\n"
		"  ],\n"
		"  \"errors\": [],\n"
		"  \"summary\": {\"cells\": 1, \"as_expected\": 0, \"differ\": 1, \"skipped\": 0, \"file_errors\": 0}\n"
		"}\n");
	free(out);
	scn_matrix_free(&m);

	known_matrix(&m);
	out = render(scn_report_json, &m);
	assert_non_null(strstr(out, "{\"scenario\": \"03-long-name-x\", \"preset\": \"legacy-2018\", "
				    "\"state\": \"not-run\", \"cell\": null, \"expected\": \"pass\", "
				    "\"ok\": false, \"skipped\": true, \"line\": 0, \"reason\": \"\"}"));
	assert_non_null(strstr(out, "\"state\": \"error\", \"cell\": null, \"expected\": \"pass\", "
				    "\"ok\": false, \"skipped\": true, \"error\": \"Function not implemented\""));
	assert_non_null(strstr(out, "\"summary\": {\"cells\": 6, \"as_expected\": 3, \"differ\": 1, \"skipped\": 2, \"file_errors\": 0}"));
	free(out);
	scn_matrix_free(&m);
}

static void test_empty(void **state)
{
	struct scn_matrix m;
	char *out;

	assert_int_equal(scn_matrix_init(&m, NULL, 0, NULL, 0), 0);
	out = render(scn_report_tap, &m);
	assert_string_equal(out, "1..0\n");
	free(out);
	out = render(scn_report_text, &m);
	assert_string_equal(out, "scenario\n\n0 scenarios x 0 presets: 0 as expected, 0 differ, 0 skipped\n");
	free(out);
	scn_matrix_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_text_error_and_all_pass, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_tap, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_json, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_empty, boot_default_machine, halt_machine),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
