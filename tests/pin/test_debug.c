/* SPDX-License-Identifier: GPL-2.0-only */
/* The pin debug mode: unpin of an unpinned folio, put_page() of a pinned one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pinmm/pin/debug.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	if (pin_preset_apply(pin_preset_find("mainline")))
		return -1;
	return pin_debug_set(true);
}

static int teardown(void **state)
{
	pin_debug_set(false);
	mem_exit();
	return 0;
}

static void test_shadow_counts(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);

	assert_int_equal(pin_debug_pincount(folio), 0);
	assert_int_equal(pin_tracker_try_pin(folio, 3, 0), 0);
	assert_int_equal(pin_debug_pincount(folio), 3);
	pin_tracker_unpin(folio, 3);
	assert_int_equal(pin_debug_pincount(folio), 0);
	assert_int_equal(mm_event_count(), 0);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
}

static void test_unpin_of_unpinned(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	/* A get_user_pages() reference released with unpin_user_page(). */
	folio_get(folio);
	pin_tracker_unpin(folio, 1);
	assert_int_equal(mm_event_match(MM_EV_WARN, "not pinned"), 1);
	/* The bogus unpin did not subtract a bias from a refcount of 2. */
	assert_int_equal(folio_ref_count(folio), 2);
	assert_int_equal(pin_outstanding(), 0);
	folio_put(folio);
	folio_put(folio);
}

static void test_put_page_of_pinned(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(pin_tracker_try_pin(folio, 1, 0), 0);
	/* Dropping the owner's reference is fine ... */
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
	/* ... dropping one of the pin's is the bug the mode exists for. */
	folio_put(folio);
	assert_int_equal(mm_event_match(MM_EV_WARN, "put_page() of a DMA-pinned"), 1);
	/* And the unpin path notices the refcount no longer covers the pin. */
	pin_tracker_unpin(folio, 1);
	assert_int_equal(mm_event_match(MM_EV_WARN, "released with put_page()"), 1);
	/* Undo the damage the test did on purpose. */
	folio_ref_add(folio, 1);
	folio_put(folio);
}

static void test_refused_while_pinned(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(pin_tracker_try_pin(folio, 1, 0), 0);
	assert_int_equal(pin_debug_set(false), -EBUSY);
	assert_true(pin_config.debug);
	pin_tracker_unpin(folio, 1);
	assert_int_equal(pin_debug_set(false), 0);
	assert_false(pin_config.debug);
	assert_int_equal(pin_debug_pincount(folio), -1);
	folio_put(folio);
}

static void test_off_costs_nothing(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(pin_debug_set(false), 0);
	assert_null(folio_put_check_hook);
	folio_get(folio);
	/* Without the mode the mistake is silent (and corrupts the count). */
	assert_int_equal(pin_tracker_try_pin(folio, 1, 0), 0);
	folio_put(folio);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
	folio_ref_add(folio, 1);
	pin_tracker_unpin(folio, 1);
	assert_int_equal(folio_ref_count(folio), 1);
	folio_put(folio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shadow_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpin_of_unpinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_page_of_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_while_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_costs_nothing, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
