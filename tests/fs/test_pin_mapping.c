/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `mapping` tracker (seed 000): counts kept by the mapping a page's
 * ->mapping points to, plus PageDmaPinned. Exact while pages stay in their
 * mapping; a page disconnected while pinned strands its charge there.
 */
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>
#include "fs_test.h"

static const struct pin_tracker *t = &mapping_tracker;

static struct folio *cached(struct file *f, pgoff_t idx)
{
	struct folio *folio = filemap_get_folio(f->f_mapping, idx);

	assert_non_null(folio);
	return folio;
}

static void test_counts_per_mapping_and_index(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a"), *g = fx_open(fx, "b");
	struct folio *f0, *f1, *g0;
	int ref0;

	fx_fill(f, 0, 2, 0x10);
	fx_fill(g, 0, 1, 0x20);
	assert_int_equal(pin_preset_apply(pin_preset_find("mapping")), 0);
	f0 = cached(f, 0);
	f1 = cached(f, 1);
	g0 = cached(g, 0);
	ref0 = folio_ref_count(f0);

	assert_false(t->maybe_dma_pinned(f0));
	assert_int_equal(t->try_pin(f0, 1, 0), 0);
	assert_int_equal(t->try_pin(f0, 2, 0), 0);
	assert_int_equal(t->try_pin(g0, 1, 0), 0);
	assert_true(folio_test_dma_pinned(f0));
	assert_true(t->maybe_dma_pinned(f0));
	assert_false(t->maybe_dma_pinned(f1));
	assert_int_equal(t->pincount(f0), 3);
	assert_int_equal(t->pincount(f1), 0);
	assert_int_equal(t->pincount(g0), 1);
	assert_int_equal(folio_ref_count(f0), ref0 + 3);
	/* References are not pins. */
	folio_ref_add(f1, 2000);
	assert_false(t->maybe_dma_pinned(f1));
	folio_ref_sub(f1, 2000);

	t->unpin(f0, 2);
	assert_true(t->maybe_dma_pinned(f0));
	t->unpin(f0, 1);
	t->unpin(g0, 1);
	assert_false(t->maybe_dma_pinned(f0));
	assert_false(t->maybe_dma_pinned(g0));
	assert_int_equal(t->pincount(f0), 0);
	assert_int_equal(folio_ref_count(f0), ref0);
	assert_int_equal(mapping_pins_unreturned(), 0);
	folio_put(f0);
	folio_put(f1);
	folio_put(g0);
	fput(f);
	fput(g);
}

static void test_disconnected_page_strands_its_charge(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *old, *fresh;

	fx_fill(f, 0, 1, 0x10);
	assert_int_equal(pin_preset_apply(pin_preset_find("mapping")), 0);
	old = cached(f, 0);
	assert_int_equal(t->try_pin(old, 1, 0), 0);
	/* Hole punch disconnects the page the device holds. */
	assert_int_equal(fs_fallocate_punch_hole(f, 0, PAGE_SIZE), 0);
	assert_null(READ_ONCE(old->mapping));
	folio_put(old);
	/* The unpin cannot reach f's count through ->mapping any more. */
	t->unpin(old, 1);
	assert_int_equal(mapping_pins_unreturned(), 1);

	/* The page that takes index 0 next inherits the stranded count. */
	fx_fill(f, 0, 1, 0x30);
	fresh = cached(f, 0);
	assert_int_equal(t->pincount(fresh), 1);
	assert_false(t->maybe_dma_pinned(fresh));
	assert_int_equal(t->try_pin(fresh, 1, 0), 0);
	t->unpin(fresh, 1);
	/* Pinned once, unpinned once, and still pinned for ever. */
	assert_true(t->maybe_dma_pinned(fresh));
	assert_int_equal(t->pincount(fresh), 1);
	/* Let the fixture's teardown free it. */
	folio_test_clear_dma_pinned(fresh);
	folio_put(fresh);
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_per_mapping_and_index, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_disconnected_page_strands_its_charge, fx_setup,
						fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
