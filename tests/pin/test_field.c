/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `field` tracker: _dma_pinned_count in a 72-byte struct page. In the
 * default build the tracker must be refused and struct page stay 64 bytes.
 */
#include "../common/cmocka_tap.h"
#include <limits.h>
#include <string.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>

extern const struct pin_tracker field_tracker;
static const struct pin_tracker *t = &field_tracker;

#ifdef PINMM_FIELD_TRACKER_PAGE

static int setup(void **state)
{
	if (boot_default_machine(state))
		return -1;
	return pin_preset_apply(pin_preset_find("field"));
}

static void test_small_folio_exact(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	(void)state;
	assert_null(pin_preset_unavailable(pin_preset_find("field")));
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	/* One reference per pin, and the exact count beside it. */
	assert_int_equal(folio_ref_count(folio), 1 + 3);
	assert_int_equal(atomic_load(&folio->page._dma_pinned_count), 3);
	assert_int_equal(t->pincount(folio), 3);
	assert_true(t->maybe_dma_pinned(folio));
	t->unpin(folio, 2);
	assert_int_equal(t->pincount(folio), 1);
	assert_true(t->maybe_dma_pinned(folio));
	t->unpin(folio, 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(t->pin_refs(folio, 7), 7);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
}

static void test_no_false_positive(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	(void)state;
	/* bias reads 1024 references as a pin; the field never does. */
	folio_ref_add(folio, 5000);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	folio_ref_sub(folio, 5000);
	folio_put(folio);
}

static void test_large_folio_counts_on_head(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 4);

	(void)state;
	assert_non_null(folio);
	assert_int_equal(t->try_pin(folio, 16, 0), 0);
	assert_int_equal(t->pincount(folio), 16);
	assert_int_equal(atomic_load(&folio->page._dma_pinned_count), 16);
	/* Tail pages' fields are untouched: the folio's count is on its head. */
	for (int i = 1; i < 16; i++)
		assert_int_equal(atomic_load(&folio_page(folio, i)->_dma_pinned_count), 0);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	t->unpin(folio, 16);
	assert_false(t->maybe_dma_pinned(folio));
	folio_put(folio);
}

static void test_unpin_frees_and_overflow(void **state)
{
	unsigned long before = nr_free_pages();
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	(void)state;
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	folio_put(folio);
	assert_int_equal(nr_free_pages(), before - 1);
	t->unpin(folio, 1);
	assert_int_equal(nr_free_pages(), before);

	folio = folio_alloc(GFP_KERNEL, 0);
	set_page_count(&folio->page, INT_MAX);
	assert_int_equal(t->try_pin(folio, 1, 0), -ENOMEM);
	assert_int_equal(t->pincount(folio), 0);
	set_page_count(&folio->page, 1);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_folio_exact),
		cmocka_unit_test(test_no_false_positive),
		cmocka_unit_test(test_large_folio_counts_on_head),
		cmocka_unit_test(test_unpin_frees_and_overflow),
	};
	return RUN_TAP(tests, setup, halt_machine) ? 1 : 0;
}

#else /* the default, 64-byte build */

static void test_refused_outside_page72(void **state)
{
	const struct pin_preset *p = pin_preset_find("field");

	(void)state;
	assert_int_equal(sizeof(struct page), 64);
	assert_non_null(p);
	assert_non_null(pin_preset_unavailable(p));
	assert_non_null(strstr(pin_preset_unavailable(p), "make PAGE=72"));
	assert_int_equal(pin_tracker_set(t), -EOPNOTSUPP);
	assert_int_equal(pin_preset_apply(p), -EOPNOTSUPP);
	/* Refused before anything changed. */
	assert_string_equal(pin_config.tracker->name, "bias");
	assert_int_equal(t->bytes_per_page, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_outside_page72),
	};
	return RUN_TAP(tests, boot_default_machine, halt_machine) ? 1 : 0;
}

#endif
