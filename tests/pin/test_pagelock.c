/* SPDX-License-Identifier: GPL-2.0-only */
/* The `pagelock` tracker (seed 004, John Hubbard's plan A): pins recorded under the folio lock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/trackers.h>

static const struct pin_tracker *t;

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	t = pin_tracker_find("pagelock");
	return t ? 0 : -1;
}

static int teardown(void **state)
{
	mem_exit();
	return 0;
}

static void test_pin_recorded_only_by_the_post_pass(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	page_mapcount_inc(&folio->page);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	/* GUP's walk took the reference; nothing is recorded yet. */
	assert_int_equal(folio_ref_count(folio), 2);
	assert_int_equal(page_mapcount(&folio->page), 1);
	assert_false(t->maybe_dma_pinned(folio));
	folio_lock(folio);
	t->pin_post(folio, 1, 0);
	folio_unlock(folio);
	assert_int_equal(page_mapcount(&folio->page), 2);
	assert_true(t->maybe_dma_pinned(folio));
	t->unpin(folio, 1);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(page_mapcount(&folio->page), 1);
	page_mapcount_dec(&folio->page);
	folio_put(folio);
}

/* Under the lock the count is stable: the flag goes only when no pin is left. */
static void test_mkclean_clears_only_a_stale_flag(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	page_mapcount_inc(&folio->page);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	folio_lock(folio);
	t->pin_post(folio, 1, 0);
	t->mkclean_begin(folio);
	assert_true(t->maybe_dma_pinned(folio));	/* never toggled: no observer problem */
	t->mkclean_end(folio, 1);
	assert_true(t->maybe_dma_pinned(folio));
	folio_unlock(folio);
	t->unpin(folio, 1);
	assert_true(t->maybe_dma_pinned(folio));	/* stale until page_mkclean looks */
	folio_lock(folio);
	t->mkclean_begin(folio);
	t->mkclean_end(folio, 1);
	folio_unlock(folio);
	assert_false(t->maybe_dma_pinned(folio));
	page_mapcount_dec(&folio->page);
	folio_put(folio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_recorded_only_by_the_post_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkclean_clears_only_a_stale_flag, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
