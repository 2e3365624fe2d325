/* SPDX-License-Identifier: GPL-2.0-only */
/* The shared zero page: pinned without counting, never unshared unless long-term. */
#include "gup_test.h"

static void test_readonly_pin_returns_zero_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, -1);
	int ref = folio_ref_count(page_folio(zero_page));
	struct page *pages[4];

	/* A read fault on untouched anonymous memory maps the zero page. */
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 4, pages, 0), 4);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(pages[i], zero_page);
		assert_ptr_equal(gt_mapped_page(mm, addr + i * PAGE_SIZE), zero_page);
	}
	/* Pinning pretends: no count moves, no vmstat, nothing outstanding. */
	assert_int_equal(folio_ref_count(page_folio(zero_page)), ref);
	assert_int_equal(gt_pins_acquired(), 0);
	assert_int_equal(pin_outstanding(), 0);
	/* And the fast path (which leaves special PTEs to the slow path) agrees. */
	assert_int_equal(pin_user_pages_fast(mm, addr, 4, 0, pages), 4);
	assert_ptr_equal(pages[3], zero_page);
	assert_int_equal(folio_ref_count(page_folio(zero_page)), ref);
	unpin_user_pages(pages, 4);
	unpin_user_page(zero_page);
	unpin_user_page_range_dirty_lock(zero_page, 1, true);
	assert_int_equal(folio_ref_count(page_folio(zero_page)), ref);
	assert_int_equal(gt_pins_released(), 0);
	assert_false(folio_test_dirty(page_folio(zero_page)));
	assert_int_equal(mm_event_count(), 0);
}

static void test_get_takes_a_real_reference(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, -1);
	int ref = folio_ref_count(page_folio(zero_page));
	struct page *page;

	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, 0), 1);
	assert_ptr_equal(page, zero_page);
	assert_int_equal(folio_ref_count(page_folio(zero_page)), ref + 1);
	put_page(page);
	assert_int_equal(folio_ref_count(page_folio(zero_page)), ref);
}

static void test_write_pin_replaces_zero_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, -1);
	struct page *page;

	assert_int_equal(gt_uread(mm, addr), 0);
	assert_ptr_equal(gt_mapped_page(mm, addr), zero_page);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	assert_ptr_not_equal(page, zero_page);
	assert_ptr_equal(page, gt_mapped_page(mm, addr));
	assert_true(PageAnonExclusive(page));
	assert_int_equal(gt_peek(page, 0), 0);
	unpin_user_page(page);
}

static void test_longterm_readonly_pin_unshares_zero_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, -1);
	struct page *page;

	assert_int_equal(gt_uread(mm, addr), 0);
	/*
	 * A later write fault would replace the zero page with a new page the
	 * device never sees: a long-term R/O pin unshares first (mainline 6.2+).
	 */
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_LONGTERM, &page), 1);
	assert_ptr_not_equal(page, zero_page);
	assert_ptr_equal(page, gt_mapped_page(mm, addr));
	assert_int_equal(gt_pins_acquired(), 1);
	/* The process writes; the device reads what it wrote. */
	assert_int_equal(uaccess_memset(mm, addr, 0x66, PAGE_SIZE), 0);
	assert_int_equal(gt_peek(page, 123), 0x66);
	unpin_user_page(page);
}

static void test_zero_page_is_longterm_pinnable(void **state)
{
	assert_true(folio_is_longterm_pinnable(page_folio(zero_page)));
	assert_false(folio_maybe_dma_pinned(page_folio(zero_page)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readonly_pin_returns_zero_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_get_takes_a_real_reference, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_write_pin_replaces_zero_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_readonly_pin_unshares_zero_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_zero_page_is_longterm_pinnable, gt_setup_mainline, gt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
