/* SPDX-License-Identifier: GPL-2.0-only */
/* The shared zero page: pinned without counting, never unshared unless long-term. */
#include <pinmm/mem/kernel.h>
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

/*
 * zero-page-not-pinned off (before 6.5): a R/O pin of the zero page is a real
 * pin, GUP_PIN_COUNTING_BIAS on its one global _refcount, and vmstat counts
 * it. Shown on v6.1 and on the newest release with the switch overridden
 * off; v6.1 with it overridden on pins without counting, as 6.5 does.
 */
static void check_zero_page_pin_counted(bool counted)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, -1);
	int ref = folio_ref_count(page_folio(zero_page));
	long acquired = gt_pins_acquired(), released = gt_pins_released();
	struct page *page;

	assert_int_equal(pin_user_pages_unlocked(mm, addr, 1, &page, 0), 1);
	assert_ptr_equal(page, zero_page);
	assert_int_equal(folio_ref_count(page_folio(zero_page)),
			 ref + (counted ? (int)GUP_PIN_COUNTING_BIAS : 0));
	assert_int_equal(gt_pins_acquired() - acquired, counted ? 1 : 0);
	assert_int_equal(folio_maybe_dma_pinned(page_folio(zero_page)), counted);
	unpin_user_page(page);
	assert_int_equal(folio_ref_count(page_folio(zero_page)), ref);
	assert_int_equal(gt_pins_released() - released, counted ? 1 : 0);
	assert_int_equal(vm_munmap(mm, addr, PAGE_SIZE), 0);
	assert_int_equal(mm_event_count(), 0);
}

static int setup_v6_1(void **state)
{
	(void)state;
	return gt_boot(NULL, "v6.1");
}

static int teardown_overrides(void **state)
{
	kernel_override_clear();
	return gt_teardown(state);
}

static void test_zero_page_pinned_before_6_5(void **state)
{
	(void)state;
	check_zero_page_pin_counted(true);
	kernel_override(KSW_ZERO_PAGE_NOT_PINNED, 1);
	check_zero_page_pin_counted(false);
}

static void test_zero_page_switch_off_on_newest(void **state)
{
	(void)state;
	kernel_override(KSW_ZERO_PAGE_NOT_PINNED, 0);
	check_zero_page_pin_counted(true);
}

/* A THP-eligible PMD of @mm read-faulted onto the huge zero folio, at *@addr. */
static struct folio *map_huge_zero(struct mm_struct *mm, unsigned long *addr)
{
	struct folio *hz;

	transparent_hugepage = THP_MADVISE;
	*addr = gt_thp_area(mm);
	/* A read fault on an empty THP-eligible PMD maps the huge zero page. */
	assert_int_equal(gt_uread(mm, *addr), 0);
	hz = page_folio(gt_mapped_page(mm, *addr));
	assert_true(is_huge_zero_folio(hz));
	return hz;
}

/*
 * The huge zero page is not the zero page: is_zero_folio() is the 4 KiB one
 * alone, so a short-term R/O pin of a huge zero PMD is a real pin on the
 * huge zero folio (_pincount, one reference per page, vmstat), from either
 * path, and unpin gives it back. A long-term R/O pin unshares it (6.2+, a
 * COW mapping): the pin lands on a new anonymous page.
 */
static void test_huge_zero_page_pinned_for_real(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	unsigned long addr;
	struct folio *hz = map_huge_zero(mm, &addr);
	int ref;

	assert_non_null(pages);
	assert_false(is_zero_folio(hz));
	ref = folio_ref_count(hz);

	for (int fast = 0; fast < 2; fast++) {
		long acquired = gt_pins_acquired(), released = gt_pins_released();

		assert_int_equal(fast ? pin_user_pages_fast(mm, addr, HPAGE_PMD_NR, 0, pages) :
				 pin_user_pages_unlocked(mm, addr, HPAGE_PMD_NR, pages, 0),
				 HPAGE_PMD_NR);
		assert_ptr_equal(pages[0], &hz->page);
		assert_ptr_equal(pages[HPAGE_PMD_NR - 1], folio_page(hz, HPAGE_PMD_NR - 1));
		assert_true(folio_maybe_dma_pinned(hz));
		assert_int_equal(atomic_load(&hz->_pincount), HPAGE_PMD_NR);
		assert_int_equal(folio_ref_count(hz), ref + HPAGE_PMD_NR);
		assert_int_equal(gt_pins_acquired() - acquired, HPAGE_PMD_NR);
		unpin_user_pages(pages, HPAGE_PMD_NR);
		assert_false(folio_maybe_dma_pinned(hz));
		assert_int_equal(folio_ref_count(hz), ref);
		assert_int_equal(gt_pins_released() - released, HPAGE_PMD_NR);
	}

	assert_int_equal(pin_user_pages_fast(mm, addr, HPAGE_PMD_NR, FOLL_LONGTERM, pages),
			 HPAGE_PMD_NR);
	assert_false(is_huge_zero_folio(page_folio(pages[0])));
	assert_true(folio_test_anon(page_folio(pages[0])));
	assert_ptr_equal(pages[0], gt_mapped_page(mm, addr));
	assert_false(folio_maybe_dma_pinned(hz));
	unpin_user_pages(pages, HPAGE_PMD_NR);
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(mm_event_count(), 0);
	free(pages);
}

/*
 * GUP-fast and the huge zero page: from 6.18 its PMD is pmd_special() and
 * GUP-fast leaves it alone, so get_user_pages_fast_only() gets nothing and
 * pin_user_pages_fast() takes its pins in the slow path; 6.12's GUP-fast
 * took the references itself.
 */
static void check_huge_zero_fast_only(bool special)
{
	struct mm_struct *mm = gt_mm();
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	unsigned long addr;
	struct folio *hz = map_huge_zero(mm, &addr);
	int ref, n;

	assert_non_null(pages);
	ref = folio_ref_count(hz);
	n = get_user_pages_fast_only(mm, addr, HPAGE_PMD_NR, 0, pages);
	assert_int_equal(n, special ? 0 : HPAGE_PMD_NR);
	assert_int_equal(folio_ref_count(hz), ref + n);
	for (int i = 0; i < n; i++)
		put_page(pages[i]);
	assert_int_equal(pin_user_pages_fast(mm, addr, HPAGE_PMD_NR, 0, pages), HPAGE_PMD_NR);
	assert_int_equal(atomic_load(&hz->_pincount), HPAGE_PMD_NR);
	unpin_user_pages(pages, HPAGE_PMD_NR);
	assert_int_equal(folio_ref_count(hz), ref);
	assert_int_equal(vm_munmap(mm, addr, PMD_SIZE), 0);
	free(pages);
}

static void test_huge_zero_pmd_special_from_6_18(void **state)
{
	(void)state;
	check_huge_zero_fast_only(true);
	kernel_override(KSW_HUGE_ZERO_PMD_SPECIAL, 0);
	check_huge_zero_fast_only(false);
}

static int setup_v6_12(void **state)
{
	(void)state;
	return gt_boot(NULL, "v6.12");
}

static void test_huge_zero_pmd_ordinary_in_6_12(void **state)
{
	(void)state;
	check_huge_zero_fast_only(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readonly_pin_returns_zero_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_get_takes_a_real_reference, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_write_pin_replaces_zero_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_readonly_pin_unshares_zero_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_zero_page_is_longterm_pinnable, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_zero_page_pinned_before_6_5, setup_v6_1, teardown_overrides),
		cmocka_unit_test_setup_teardown(test_zero_page_switch_off_on_newest, gt_setup_mainline, teardown_overrides),
		cmocka_unit_test_setup_teardown(test_huge_zero_page_pinned_for_real, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_huge_zero_pmd_special_from_6_18, gt_setup_mainline, teardown_overrides),
		cmocka_unit_test_setup_teardown(test_huge_zero_pmd_ordinary_in_6_12, setup_v6_12, gt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
