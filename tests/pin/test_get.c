/* SPDX-License-Identifier: GPL-2.0-only */
/* The `get` tracker: a pin is a plain reference and nobody can tell. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/trackers.h>

static const struct pin_tracker *t = &get_tracker;

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	return pin_tracker_set(&get_tracker);
}

static int teardown(void **state)
{
	mem_exit();
	return 0;
}

static void test_pin_is_a_reference(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 3);

	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(folio_ref_count(folio), 3);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), -1);

	assert_int_equal(t->try_pin(large, 8, 0), 0);
	assert_int_equal(folio_ref_count(large), 9);
	assert_int_equal(atomic_load(&large->_pincount), 0);
	assert_false(t->maybe_dma_pinned(large));
	assert_int_equal(t->pincount(large), -1);

	t->unpin(folio, 2);
	t->unpin(large, 8);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(folio_ref_count(large), 1);
	assert_int_equal(t->pin_refs(folio, 7), 7);
	folio_put(folio);
	folio_put(large);
}

static void test_unpin_frees(void **state)
{
	unsigned long before = nr_free_pages();
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	folio_put(folio);
	assert_int_equal(nr_free_pages(), before - 1);
	t->unpin(folio, 1);
	assert_int_equal(nr_free_pages(), before);
}

static void test_overflow_and_free_refused(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	set_page_count(&folio->page, INT_MAX);
	assert_int_equal(t->try_pin(folio, 1, 0), -ENOMEM);
	assert_int_equal(folio_ref_count(folio), INT_MAX);
	set_page_count(&folio->page, 1);
	assert_true(folio_ref_freeze(folio, 1));
	assert_int_equal(t->try_pin(folio, 1, 0), -EAGAIN);
	folio_ref_unfreeze(folio, 1);
	folio_put(folio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_is_a_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpin_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_and_free_refused, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
