/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `lru` tracker (the July 2018 RFC) against the real LRU: the first pin
 * takes a page-cache folio off its list and keeps flag and count in ->lru,
 * the last unpin puts it back; a folio that is not on a list at the first pin
 * (isolated by reclaim or migration) cannot be marked.
 */
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/lru.h>
#include <pinmm/pin/trackers.h>
#include <pinmm/vm/mm.h>
#include <pinmm/vm/process.h>
#include "fs_test.h"

static unsigned long file_lru(void)
{
	return lru_count(LRU_INACTIVE_FILE) + lru_count(LRU_ACTIVE_FILE);
}

static struct folio *cached_folio(struct fs_fixture *fx, struct file **fp)
{
	struct file *f = fx_open(fx, "a");
	struct folio *folio;

	fx_fill(f, 0, 1, 0x5a);
	folio = filemap_get_folio(f->f_mapping, 0);
	assert_non_null(folio);
	assert_true(folio_test_lru(folio));
	assert_int_equal(pin_preset_apply(pin_preset_find("lru")), 0);
	*fp = f;
	return folio;
}

static void test_pin_takes_folio_off_lru(void **state)
{
	struct fs_fixture *fx = *state;
	const struct pin_tracker *t = &lru_tracker;
	struct file *f;
	struct folio *folio = cached_folio(fx, &f);
	unsigned long lru0 = file_lru();
	int ref0 = folio_ref_count(folio);

	/* The words the RFC reuses: lru.next is compound_head and pgmap, lru.prev is zone_device_data. */
	assert_int_equal(offsetof(struct page, lru.next), offsetof(struct page, pgmap));
	assert_int_equal(offsetof(struct page, lru.prev), offsetof(struct page, zone_device_data));

	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_false(folio_test_lru(folio));
	assert_int_equal(file_lru(), lru0 - 1);
	assert_int_equal((unsigned long)folio->lru.next, 0x2);	/* PAGE_DMA_PINNED, tail bit clear */
	assert_int_equal((unsigned long)folio->lru.prev, 1);
	assert_ptr_equal(page_folio(&folio->page), folio);
	assert_true(t->maybe_dma_pinned(folio));
	assert_true(folio_lru_dma_pinned(folio));
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(t->pincount(folio), 3);
	assert_int_equal(folio_ref_count(folio), ref0 + 3);

	/* Every way back onto a list is refused while the count lives there. */
	folio_add_lru(folio);
	folio_get(folio);
	folio_putback_lru(folio);
	assert_false(folio_test_lru(folio));
	assert_int_equal((unsigned long)folio->lru.prev, 3);

	t->unpin(folio, 2);
	assert_int_equal(t->pincount(folio), 1);
	assert_false(folio_test_lru(folio));
	t->unpin(folio, 1);
	/* The last unpin: fields cleared, back on the LRU. */
	assert_true(folio_test_lru(folio));
	assert_int_equal(file_lru(), lru0);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(folio_ref_count(folio), ref0);
	folio_put(folio);
	fput(f);
}

static void test_isolated_folio_is_pinned_untracked(void **state)
{
	struct fs_fixture *fx = *state;
	const struct pin_tracker *t = &lru_tracker;
	struct file *f;
	struct folio *folio = cached_folio(fx, &f);
	long untracked0 = lru_pins_untracked();
	int ref0 = folio_ref_count(folio);

	/* Reclaim (or migration) has it on its private list. */
	assert_true(folio_isolate_lru(folio));
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	/* Its ->lru is not the tracker's: a plain reference, invisible. */
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(lru_pins_untracked(), untracked0 + 1);
	assert_int_equal(folio_ref_count(folio), ref0 + 1);

	/* Reclaim gives it back; a second pin is tracked. */
	folio_get(folio);
	folio_putback_lru(folio);
	assert_true(folio_test_lru(folio));
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_true(t->maybe_dma_pinned(folio));

	/*
	 * The first pin's unpin cannot be told from the second's: it ends the
	 * tracking while the second pin is still held.
	 */
	t->unpin(folio, 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(folio_ref_count(folio), ref0 + 1);
	t->unpin(folio, 1);
	assert_true(folio_test_lru(folio));
	folio_put(folio);
	fput(f);
}

static void test_truncated_while_pinned_stays_off_lru(void **state)
{
	struct fs_fixture *fx = *state;
	const struct pin_tracker *t = &lru_tracker;
	struct file *f;
	struct folio *folio = cached_folio(fx, &f);

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_int_equal(fs_truncate(f, 0), 0);
	assert_null(READ_ONCE(folio->mapping));
	assert_true(t->maybe_dma_pinned(folio));
	folio_put(folio);
	/* The last unpin has no list to put it on: it is freed. */
	t->unpin(folio, 1);
	assert_int_equal(mm_event_count(), 0);
	fput(f);
}

/*
 * A folio on no list at all (the huge zero folio, which GUP-fast pins before
 * it sees that a R/O pin must unshare): the July series cannot take it off an
 * LRU and leaves the pin untracked; the November repost marks it, and since
 * nobody's list runs through its ->lru, nothing breaks.
 */
static void test_unlisted_folio_july_untracked_nov_marked(void **state)
{
	struct process *p = process_create("p");
	struct folio *zero;
	long untracked0 = lru_pins_untracked();
	int ref0;

	(void)state;
	assert_non_null(p);
	zero = mm_get_huge_zero_folio(p->mm);
	assert_non_null(zero);
	assert_false(folio_test_lru(zero));
	ref0 = folio_ref_count(zero);

	assert_int_equal(pin_preset_apply(pin_preset_find("lru")), 0);
	assert_int_equal(lru_tracker.try_pin(zero, 1, 0), 0);
	assert_false(lru_tracker.maybe_dma_pinned(zero));
	assert_int_equal(lru_pins_untracked(), untracked0 + 1);
	lru_tracker.unpin(zero, 1);

	assert_int_equal(pin_preset_apply(pin_preset_find("lru-nov2018")), 0);
	assert_int_equal(lru_nov2018_tracker.try_pin(zero, 2, 0), 0);
	assert_true(lru_nov2018_tracker.maybe_dma_pinned(zero));
	assert_int_equal(lru_nov2018_tracker.pincount(zero), 2);
	lru_nov2018_tracker.unpin(zero, 1);
	assert_true(lru_nov2018_tracker.maybe_dma_pinned(zero));
	lru_nov2018_tracker.unpin(zero, 1);
	assert_false(lru_nov2018_tracker.maybe_dma_pinned(zero));
	assert_int_equal(lru_nov2018_tracker.pincount(zero), 0);
	assert_false(folio_test_lru(zero));
	assert_int_equal(folio_ref_count(zero), ref0);
	/* No BUG: no list was written. */
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	process_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_takes_folio_off_lru, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_isolated_folio_is_pinned_untracked, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_while_pinned_stays_off_lru, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unlisted_folio_july_untracked_nov_marked, fx_setup,
						fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
