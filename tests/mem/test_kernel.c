/* SPDX-License-Identifier: GPL-2.0-only */
/* The behaviour-switch table: releases, ordering, selection and overrides. */
#include <string.h>
#include "../common/cmocka_tap.h"
#include <pinmm/mem/kernel.h>

static void table_is_complete_and_dated(void **state)
{
	(void)state;
	for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++) {
		const struct kernel_switch_desc *d = &kernel_switch_table[sw];
		enum kernel_switch found;
		int cmp;

		assert_non_null(d->name);
		assert_non_null(d->subject);
		assert_non_null(d->history);
		assert_int_equal(strlen(d->commit), 12);
		assert_int_equal(strspn(d->commit, "0123456789abcdef"), 12);
		assert_int_equal(kernel_release_cmp(d->release, "v4.14", &cmp), 0);
		assert_true(cmp > 0);
		assert_int_equal(kernel_switch_lookup(d->name, &found), 0);
		assert_int_equal(found, sw);
	}
}

/* `pinmm list kernels` and docs/timeline.md list the switches in enum order. */
static void table_is_in_release_order(void **state)
{
	int cmp;

	(void)state;
	for (int sw = 1; sw < NR_KERNEL_SWITCHES; sw++) {
		assert_int_equal(kernel_release_cmp(kernel_switch_table[sw - 1].release,
						    kernel_switch_table[sw].release, &cmp), 0);
		if (cmp > 0)
			fail_msg("%s (%s) is listed after %s (%s)", kernel_switch_table[sw].name,
				 kernel_switch_table[sw].release, kernel_switch_table[sw - 1].name,
				 kernel_switch_table[sw - 1].release);
	}
}

/*
 * Releases checked against the merge history where a stable backport or a
 * late merge makes the first mainline release easy to get wrong:
 * d824ec2a1546 went to Linus in the 6.4 merge window (6.3.y has it only as a
 * stable backport); ec33687c6749 was in mm-stable in May 2024, after 6.9.
 */
static void releases_of_late_merges(void **state)
{
	(void)state;
	assert_false(kernel_release_has("v6.3", KSW_RECLAIM_KEEPS_PINNED_PRIVATE));
	assert_true(kernel_release_has("v6.4", KSW_RECLAIM_KEEPS_PINNED_PRIVATE));
	assert_false(kernel_release_has("v6.9", KSW_MTHP_STATS));
	assert_true(kernel_release_has("v6.10", KSW_MTHP_STATS));
	/* 4003f107fa2e's FOLL_PCI_P2PDMA (6.2) needs no switch: P2PDMA memory had no user mapping before. */
}

static void releases_are_ordered(void **state)
{
	int cmp;

	(void)state;
	for (int i = 1; kernel_releases[i]; i++) {
		assert_int_equal(kernel_release_cmp(kernel_releases[i - 1], kernel_releases[i], &cmp), 0);
		assert_true(cmp < 0);
	}
	assert_int_equal(kernel_release_cmp("v5.4", "v5.10", &cmp), 0);
	assert_true(cmp < 0);
	assert_int_equal(kernel_release_cmp("v6.18", "v6.2", &cmp), 0);
	assert_true(cmp > 0);
	assert_int_equal(kernel_release_cmp("v5", "v5.10", &cmp), -EINVAL);
	assert_int_equal(kernel_release_cmp("5.4", "v5.10", &cmp), -EINVAL);
	assert_int_equal(kernel_release_cmp("v5.4x", "v5.10", &cmp), -EINVAL);
}

static void select_sets_the_release_switches(void **state)
{
	(void)state;
	assert_int_equal(kernel_select("v4.14"), 0);
	assert_string_equal(kernel_selected(), "v4.14");
	for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++)
		assert_false(kernel_has((enum kernel_switch)sw));
	assert_int_equal(kernel_select("v5.10"), 0);
	assert_true(kernel_has(KSW_FOLL_PIN));
	assert_true(kernel_has(KSW_COW_REUSE_REFCOUNT));
	assert_false(kernel_has(KSW_ANON_EXCLUSIVE));
	assert_false(kernel_has(KSW_LONGTERM_MIGRATES_MOVABLE));
	assert_int_equal(kernel_select(NULL), 0);
	assert_string_equal(kernel_selected(), KERNEL_NEWEST_RELEASE);
	for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++)
		assert_true(kernel_has((enum kernel_switch)sw));
	/* Not a preset release: refused, and nothing changes. */
	assert_int_equal(kernel_select("v5.8"), -EINVAL);
	assert_int_equal(kernel_select("mainline"), -EINVAL);
	assert_string_equal(kernel_selected(), KERNEL_NEWEST_RELEASE);
	assert_true(kernel_release_has("v5.8", KSW_FOLL_PIN));
	assert_false(kernel_release_has("v5.6", KSW_FOLL_PIN));
	assert_false(kernel_release_has("nonsense", KSW_FOLL_PIN));
}

static void overrides_survive_select(void **state)
{
	(void)state;
	assert_int_equal(kernel_select("v4.19"), 0);
	kernel_override(KSW_ANON_EXCLUSIVE, 1);
	assert_true(kernel_has(KSW_ANON_EXCLUSIVE));
	assert_int_equal(kernel_select("v6.18"), 0);
	kernel_override(KSW_FOLL_PIN, 0);
	assert_false(kernel_has(KSW_FOLL_PIN));
	assert_int_equal(kernel_select("v4.19"), 0);
	assert_true(kernel_has(KSW_ANON_EXCLUSIVE));
	assert_false(kernel_has(KSW_FOLL_PIN));
	kernel_override(KSW_ANON_EXCLUSIVE, -1);
	assert_false(kernel_has(KSW_ANON_EXCLUSIVE));
	kernel_override_clear();
	assert_int_equal(kernel_select(NULL), 0);
	assert_true(kernel_has(KSW_FOLL_PIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_complete_and_dated),
		cmocka_unit_test(table_is_in_release_order),
		cmocka_unit_test(releases_of_late_merges),
		cmocka_unit_test(releases_are_ordered),
		cmocka_unit_test(select_sets_the_release_switches),
		cmocka_unit_test(overrides_survive_select),
	};

	return RUN_TAP(tests, NULL, NULL);
}
