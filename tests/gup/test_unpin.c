/* SPDX-License-Identifier: GPL-2.0-only */
/* The unpin family, the 2018 names, and the debug mode's checks. */
#include "gup_test.h"
#include <pinmm/pin/debug.h>

static void test_unpin_variants(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[4];
	struct folio *folios[3];

	assert_int_equal(pin_user_pages_fast(mm, addr, 4, 0, pages), 4);
	unpin_user_page(pages[0]);
	assert_false(page_maybe_dma_pinned(pages[0]));
	assert_true(page_maybe_dma_pinned(pages[1]));
	unpin_folio(page_folio(pages[1]));
	folios[0] = page_folio(pages[2]);
	folios[1] = page_folio(pages[3]);
	unpin_folios(folios, 2);
	for (int i = 0; i < 4; i++)
		assert_false(page_maybe_dma_pinned(pages[i]));

	/* Repeated folios in unpin_folios() drop one pin each. */
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, pages), 1);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, pages + 1), 1);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, pages + 2), 1);
	folios[0] = folios[1] = folios[2] = page_folio(pages[0]);
	assert_int_equal(folio_ref_count(folios[0]), 1 + 3 * 1024);
	unpin_folios(folios, 3);
	assert_int_equal(folio_ref_count(folios[0]), 1);
	assert_int_equal(pin_outstanding(), 0);
}

static void test_legacy_names(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[2];

	assert_int_equal(pin_user_pages_fast(mm, addr, 2, 0, pages), 2);
	put_user_page(pages[0]);
	assert_false(page_maybe_dma_pinned(pages[0]));
	put_user_pages(pages + 1, 1);
	assert_false(page_maybe_dma_pinned(pages[1]));
	assert_int_equal(pin_user_pages_fast(mm, addr, 2, 0, pages), 2);
	folio_clear_dirty(page_folio(pages[0]));
	put_user_pages_dirty_lock(pages, 2, true);
	assert_true(folio_test_dirty(page_folio(pages[0])));
	assert_int_equal(pin_outstanding(), 0);
}

static void test_dirty_lock_marks_dirty(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[2];

	/* A read pin (the device will write: the caller dirties at unpin). */
	assert_int_equal(pin_user_pages_fast(mm, addr, 2, 0, pages), 2);
	folio_clear_dirty(page_folio(pages[0]));
	folio_clear_dirty(page_folio(pages[1]));
	unpin_user_pages_dirty_lock(pages, 1, false);
	assert_false(folio_test_dirty(page_folio(pages[0])));
	unpin_user_pages_dirty_lock(pages + 1, 1, true);
	assert_true(folio_test_dirty(page_folio(pages[1])));
	assert_false(folio_test_locked(page_folio(pages[1])));
}

static void test_range_dirty_lock_over_thp(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr;
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct folio *folio;

	transparent_hugepage = THP_MADVISE;
	addr = gt_thp(mm, 0x22);
	folio = page_folio(gt_mapped_page(mm, addr));
	assert_int_equal(pin_user_pages_fast(mm, addr + 100 * PAGE_SIZE, 50, 0, pages), 50);
	assert_int_equal(atomic_load(&folio->_pincount), 50);
	folio_clear_dirty(folio);
	unpin_user_page_range_dirty_lock(pages[0], 50, true);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_true(folio_test_dirty(folio));
	free(pages);
}

static void test_debug_catches_put_page_of_pinned(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;

	assert_int_equal(pin_debug_set(true), 0);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &page), 1);
	assert_int_equal(pin_debug_pincount(page_folio(page)), 1);
	/*
	 * The 2018 driver bug: releasing a pinned page with put_page(). The page
	 * is still mapped, so the mapping's reference is accounted for: the
	 * very first stray put is caught, not a later innocent one.
	 */
	put_page(page);
	assert_int_equal(mm_event_match(MM_EV_WARN, "put_page() of a DMA-pinned"), 1);
	folio_ref_add(page_folio(page), 1);
	/* A legitimate extra reference and its put are not flagged. */
	get_page(page);
	put_page(page);
	assert_int_equal(mm_event_count(), 1);
	unpin_user_page(page);
	/* ... and its mirror: unpinning a page that was only gotten. */
	assert_int_equal(get_user_pages_fast(mm, addr, 1, 0, &page), 1);
	unpin_user_page(page);
	assert_int_equal(mm_event_match(MM_EV_WARN, "not pinned"), 1);
	put_page(page);
	assert_int_equal(folio_ref_count(page_folio(page)), 1);
	assert_int_equal(pin_debug_set(false), 0);
}

static void test_debug_sanity_checks_anon_exclusive(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;

	assert_int_equal(pin_debug_set(true), 0);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &page), 1);
	unpin_user_page(page);
	assert_int_equal(mm_event_count(), 0);
	/* A COW behind the pin's back (what a buggy fork would do) is caught at unpin. */
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &page), 1);
	ClearPageAnonExclusive(page);
	unpin_user_page(page);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 1);
	SetPageAnonExclusive(page);
	assert_int_equal(pin_debug_set(false), 0);
}

/*
 * unpin_user_pages_flags() (pinmm's, not the kernel's) carries FOLL_WRITE to
 * the tracker: under exact the writable count is then exact; the kernel's
 * unpin_user_pages() leaves it the bound min(writable, pins).
 */
static void test_unpin_flags_carries_foll_write(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *w, *ro;

	assert_int_equal(pin_preset_apply(pin_preset_find("exact")), 0);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &w), 1);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &ro), 1);
	assert_ptr_equal(w, ro);
	assert_true(folio_maybe_dma_pinned_writable(page_folio(w)));
	unpin_user_pages_flags(&w, 1, FOLL_WRITE, true);
	assert_true(page_maybe_dma_pinned(ro));
	assert_false(folio_maybe_dma_pinned_writable(page_folio(ro)));
	unpin_user_pages_flags(&ro, 1, 0, false);

	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &w), 1);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &ro), 1);
	unpin_user_pages(&w, 1);
	assert_true(folio_maybe_dma_pinned_writable(page_folio(ro)));
	unpin_user_pages(&ro, 1);
	assert_false(page_maybe_dma_pinned(ro));
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(mm_event_count(), 0);
}

/*
 * Before 5.19 a R/O pin does not unshare: pinning a page still shared with a
 * child is the kernel's behaviour there, and the unpin's exclusivity check
 * (which came with the unsharing) must not call it a bug. With the switch
 * overridden on, the same pin unshares and the page is exclusive.
 */
static void test_debug_sanity_check_only_from_5_19(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *shared = gt_mapped_page(mm, addr), *page;
	struct process *c;

	assert_int_equal(pin_preset_apply(pin_preset_find("v5.15")), 0);
	assert_int_equal(pin_debug_set(true), 0);
	c = process_fork(gt_proc, "c");
	assert_non_null(c);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &page), 1);
	assert_ptr_equal(page, shared);
	assert_false(PageAnonExclusive(page));
	unpin_user_page(page);
	assert_int_equal(mm_event_count(), 0);

	kernel_override(KSW_UNSHARE_RO_ANON, 1);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &page), 1);
	assert_ptr_not_equal(page, shared);
	assert_true(PageAnonExclusive(page));
	unpin_user_page(page);
	assert_int_equal(mm_event_count(), 0);
	kernel_override_clear();
	process_destroy(c);
	assert_int_equal(pin_debug_set(false), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unpin_variants, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_names, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_unpin_flags_carries_foll_write, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_dirty_lock_marks_dirty, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_range_dirty_lock_over_thp, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_debug_catches_put_page_of_pinned, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_debug_sanity_checks_anon_exclusive, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_debug_sanity_check_only_from_5_19, gt_setup_mainline, gt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
