/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shipped suite: every scenarios/ file parses, names only presets and
 * counters that exist, tells its story, and survives a format round trip; the
 * suite driver fills the matrix the way the verdict lines say. Run from the
 * repository root, as `make check` does.
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

#include <pinmm/mem/memory.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/format.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/suite.h>


static size_t preset_names(const char **v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; pin_presets[i] && n < max; i++)
		v[n++] = pin_presets[i]->name;
	return n;
}

static void load(struct scenario_suite *suite)
{
	char err[SCN_ERR_MAX];
	int ret = scenario_suite_add_dir(suite, "scenarios", err, sizeof(err));

	if (ret)
		fail_msg("%s", err);
}

static void test_every_file_parses_and_checks(void **state)
{
	struct scenario_suite suite = { 0 };
	const char *presets[64];
	size_t np = preset_names(presets, 64);
	char err[SCN_ERR_MAX];

	load(&suite);
	/* 01..08 with 07 as five files and 06/08 split: at least 15. */
	assert_true(suite.nr >= 15);
	for (size_t i = 0; i < suite.nr; i++) {
		const struct scenario *s = suite.v[i];

		if (scenario_check(s, presets, np, err, sizeof(err)))
			fail_msg("%s", err);
		/* Each file says what real bug or case it is. */
		if (strlen(s->description) < 200)
			fail_msg("%s: header comment too short to tell its story", s->path);
		assert_true(s->nr_cmds >= 5);
		assert_true(strlen(s->title) > 10);
		assert_true(strncmp(s->path, "scenarios/", 10) == 0);
	}
	/* Sorted by name, which is the matrix row order. */
	for (size_t i = 1; i < suite.nr; i++)
		assert_true(strcmp(suite.v[i - 1]->name, suite.v[i]->name) < 0);
	scenario_suite_free(&suite);
}

/* The matrix the suite promises (DESIGN.md): legacy-2018 fails 02-05. */
static void test_expected_matrix(void **state)
{
	static const struct { const char *scenario, *preset; enum scn_cell cell; } want[] = {
		{ "01-dio-baseline", "v4.14", SCN_PASS },
		{ "01-dio-baseline", "mainline", SCN_PASS },
		{ "02-ext4-dirty-no-buffers", "v4.14", SCN_BUG },
		{ "02-ext4-dirty-no-buffers", "mainline", SCN_REFUSED },
		{ "03-stable-pages", "v4.14", SCN_CORRUPT },
		{ "03-stable-pages", "mainline", SCN_CORRUPT },
		{ "04-dax-truncate", "v4.14", SCN_CORRUPT },
		{ "04-dax-truncate", "mainline", SCN_REFUSED },
		{ "05-fork-pinned-anon", "v4.14", SCN_CORRUPT },
		{ "05-fork-pinned-anon", "mainline", SCN_PASS },
		{ "07a-longterm-shared-blkfs-rw", "mainline", SCN_REFUSED },
		{ "07a-longterm-shared-blkfs-rw", "v4.14", SCN_PASS },
		{ "07b-longterm-shared-blkfs-ro", "mainline", SCN_PASS },
		{ "07d-longterm-shared-shmem", "mainline", SCN_PASS },
	};
	struct scenario_suite suite = { 0 };

	load(&suite);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct scenario *s = scenario_suite_find(&suite, want[i].scenario);

		if (!s)
			fail_msg("scenario %s missing", want[i].scenario);
		assert_true(scenario_wants_preset(s, want[i].preset));
		if (scenario_expected(s, want[i].preset) != want[i].cell)
			fail_msg("%s under %s: verdict %s, want %s", want[i].scenario, want[i].preset,
				 scn_cell_names[scenario_expected(s, want[i].preset)],
				 scn_cell_names[want[i].cell]);
	}
	scenario_suite_free(&suite);
}

static char *format_all(const struct scenario *s)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	assert_non_null(f);
	scenario_format(s, f);
	fclose(f);
	return text;
}

static void test_roundtrip(void **state)
{
	struct scenario_suite suite = { 0 };
	char err[SCN_ERR_MAX];

	load(&suite);
	for (size_t i = 0; i < suite.nr; i++) {
		char *text = format_all(suite.v[i]), *again;
		struct scenario *s2;

		if (scenario_parse_buffer(suite.v[i]->path, text, strlen(text), &s2, err, sizeof(err)))
			fail_msg("canonical form of %s does not parse: %s\n%s", suite.v[i]->path, err, text);
		again = format_all(s2);
		assert_string_equal(text, again);
		assert_string_equal(s2->description, suite.v[i]->description);
		assert_int_equal(s2->nr_cmds, suite.v[i]->nr_cmds);
		free(again);
		free(text);
		scenario_free(s2);
	}
	scenario_suite_free(&suite);
}

/*
 * The driver: cells outside a presets line are not run, every other cell
 * carries its verdict, and a file loaded twice is refused.
 */
static void test_driver(void **state)
{
	static const char *const presets[] = { "v4.14", "mainline" };
	const char *text = "scenario \"t\"\npresets mainline\nverdict mainline corrupt\n"
			   "process p\nmmap p m anon len=4K private rw\n";
	struct scenario_suite suite = { 0 };
	struct scn_matrix m;
	struct scenario *s;
	char err[SCN_ERR_MAX];

	assert_int_equal(scenario_parse_buffer("x/only-mainline.pin", text, strlen(text), &s, err,
					       sizeof(err)), 0);
	assert_int_equal(scenario_suite_add(&suite, s, err, sizeof(err)), 0);
	assert_int_equal(scenario_parse_buffer("y/only-mainline.pin", text, strlen(text), &s, err,
					       sizeof(err)), 0);
	assert_int_equal(scenario_suite_add(&suite, s, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "y/only-mainline.pin: scenario 'only-mainline' already loaded from x/only-mainline.pin");
	assert_int_equal(suite.nr, 1);

	/* The interpreter brings up a machine of its own for every cell. */
	mem_exit();
	assert_int_equal(scenario_suite_run(&suite, presets, 2, NULL, &m), 0);
	assert_int_equal(mem_init(NULL), 0);
	assert_int_equal(m.nr_scenarios, 1);
	assert_int_equal(m.nr_presets, 2);
	assert_string_equal(m.scenarios[0], "only-mainline");
	assert_int_equal(scn_matrix_at(&m, 0, 0)->state, SCN_NOT_RUN);
	assert_int_equal(scn_matrix_at(&m, 0, 0)->expected, SCN_PASS);
	assert_true(scn_cell_skipped(scn_matrix_at(&m, 0, 0)));
	/* It ran, did nothing wrong (pass), and so differs from its verdict. */
	assert_int_equal(scn_matrix_at(&m, 0, 1)->state, SCN_RAN);
	assert_int_equal(scn_matrix_at(&m, 0, 1)->res.cell, SCN_PASS);
	assert_int_equal(scn_matrix_at(&m, 0, 1)->expected, SCN_CORRUPT);
	assert_null(scn_matrix_at(&m, 1, 0));
	assert_null(scn_matrix_at(&m, 0, 2));
	scn_matrix_free(&m);
	scenario_suite_free(&suite);
}

/* Without an embedded suite the loader reads $PINMM_SCENARIOS. */
static void test_builtin_fallback(void **state)
{
	struct scenario_suite suite = { 0 };
	char err[SCN_ERR_MAX];
	size_t nr;

	if (scenario_builtin(&nr) && nr)
		skip();
	setenv("PINMM_SCENARIOS", "tests/scenario/no-such-dir", 1);
	assert_int_equal(scenario_suite_load_builtin(&suite, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "tests/scenario/no-such-dir: No such file or directory");
	unsetenv("PINMM_SCENARIOS");
	assert_int_equal(scenario_suite_load_builtin(&suite, err, sizeof(err)), 0);
	assert_non_null(scenario_suite_find(&suite, "01-dio-baseline"));
	scenario_suite_free(&suite);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_file_parses_and_checks, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_expected_matrix, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_roundtrip, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_driver, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_builtin_fallback, boot_default_machine, halt_machine),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
