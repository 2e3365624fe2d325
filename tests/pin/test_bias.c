/* SPDX-License-Identifier: GPL-2.0-only */
/* The `bias` tracker: mainline's GUP_PIN_COUNTING_BIAS and large-folio _pincount. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/trackers.h>

static const struct pin_tracker *t = &bias_tracker;

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	return pin_tracker_set(&bias_tracker);
}

static int teardown(void **state)
{
	mem_exit();
	return 0;
}

static void test_small_folio_bias(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_int_equal(folio_ref_count(folio), 1 + 1024);
	assert_true(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), -1);
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(folio_ref_count(folio), 1 + 3 * 1024);
	t->unpin(folio, 3);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pin_refs(folio, 5), 5 * 1024);
	folio_put(folio);
}

static void test_small_folio_false_positive(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	/* Mainline accepts this: 1024 plain references look like a pin. */
	folio_ref_add(folio, 1022);
	assert_false(t->maybe_dma_pinned(folio));
	folio_ref_add(folio, 1);
	assert_true(t->maybe_dma_pinned(folio));
	folio_ref_sub(folio, 1023);
	folio_put(folio);
}

static void test_large_folio_exact(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 4);

	assert_non_null(folio);
	assert_true(folio_test_large(folio));
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(t->try_pin(folio, 16, 0), 0);
	assert_int_equal(folio_ref_count(folio), 1 + 16);
	assert_int_equal(atomic_load(&folio->_pincount), 16);
	assert_int_equal(t->pincount(folio), 16);
	assert_true(t->maybe_dma_pinned(folio));
	/* No false positive for large folios: references alone never read as pinned. */
	t->unpin(folio, 16);
	folio_ref_add(folio, 5000);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(t->pin_refs(folio, 5), 5);
	folio_ref_sub(folio, 5000);
	folio_put(folio);
}

static void test_unpin_frees_last_reference(void **state)
{
	unsigned long before = nr_free_pages();
	struct folio *small = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 2);

	assert_int_equal(t->try_pin(small, 1, 0), 0);
	assert_int_equal(t->try_pin(large, 4, 0), 0);
	/* The owner goes away (munmap); only the pins keep the memory alive. */
	folio_put(small);
	folio_put(large);
	assert_int_equal(nr_free_pages(), before - 5);
	assert_int_equal(folio_ref_count(small), 1024);
	t->unpin(small, 1);
	t->unpin(large, 4);
	assert_int_equal(nr_free_pages(), before);
	assert_int_equal(mm_event_count(), 0);
}

static void test_overflow_refused(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 1);

	/* One more bias would pass INT_MAX: refused, count untouched. */
	set_page_count(&folio->page, INT_MAX - 1000);
	assert_int_equal(t->try_pin(folio, 1, 0), -ENOMEM);
	assert_int_equal(folio_ref_count(folio), INT_MAX - 1000);
	set_page_count(&folio->page, 1);
	/* refs * 1024 itself overflowing an int. */
	assert_int_equal(t->try_pin(folio, INT_MAX / 1024 + 1, 0), -ENOMEM);
	assert_int_equal(folio_ref_count(folio), 1);

	set_page_count(&large->page, INT_MAX - 1);
	assert_int_equal(t->try_pin(large, 2, 0), -ENOMEM);
	assert_int_equal(atomic_load(&large->_pincount), 0);
	assert_int_equal(t->try_pin(large, 1, 0), 0);
	assert_int_equal(folio_ref_count(large), INT_MAX);
	t->unpin(large, 1);
	set_page_count(&large->page, 1);
	folio_put(large);
	folio_put(folio);
}

static void test_freed_folio_refused(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_true(folio_ref_freeze(folio, 1));
	assert_int_equal(t->try_pin(folio, 1, 0), -EAGAIN);
	assert_int_equal(folio_ref_count(folio), 0);
	folio_ref_unfreeze(folio, 1);
	assert_int_equal(t->try_pin(folio, 0, 0), -EINVAL);
	folio_put(folio);
}

/*
 * large-pincount off: 3faa52c03f44 without 47e29d32afba. A large folio's pins
 * are GUP_PIN_COUNTING_BIAS each on the head's _refcount, _pincount stays
 * untouched, and 1024 plain references read as a pin, as on a small folio.
 */
static void test_large_folio_bias_before_pincount(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 4);

	(void)state;
	assert_non_null(folio);
	kernel_override(KSW_LARGE_PINCOUNT, 0);
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(folio_ref_count(folio), 1 + 2 * 1024);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_true(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), -1);
	assert_int_equal(t->pin_refs(folio, 2), 2 * 1024);
	t->unpin(folio, 2);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_false(t->maybe_dma_pinned(folio));
	folio_ref_add(folio, 1024);
	assert_true(t->maybe_dma_pinned(folio));	/* the false positive */
	folio_ref_sub(folio, 1024);

	/* On: the same folio counts exactly (test_large_folio_exact). */
	kernel_override(KSW_LARGE_PINCOUNT, 1);
	folio_ref_add(folio, 1024);
	assert_false(t->maybe_dma_pinned(folio));
	folio_ref_sub(folio, 1024);
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(folio_ref_count(folio), 1 + 2);
	assert_int_equal(t->pincount(folio), 2);
	t->unpin(folio, 2);
	kernel_override_clear();
	folio_put(folio);
}

/* Both came in the 5.7 merge window: every release has both or neither. */
static void test_large_pincount_ships_with_foll_pin(void **state)
{
	(void)state;
	assert_string_equal(kernel_switch_table[KSW_LARGE_PINCOUNT].release,
			    kernel_switch_table[KSW_FOLL_PIN].release);
	for (int i = 0; kernel_releases[i]; i++)
		assert_int_equal(kernel_release_has(kernel_releases[i], KSW_LARGE_PINCOUNT),
				 kernel_release_has(kernel_releases[i], KSW_FOLL_PIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_small_folio_bias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_folio_false_positive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_folio_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_folio_bias_before_pincount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_pincount_ships_with_foll_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpin_frees_last_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freed_folio_refused, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
