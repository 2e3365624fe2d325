/* SPDX-License-Identifier: GPL-2.0-only */
/* nr_foll_pin_acquired / nr_foll_pin_released, and counts that would overflow. */
#include "gup_test.h"

static void test_counts_per_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 8, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[8];

	assert_int_equal(pin_user_pages_fast(mm, addr, 8, FOLL_WRITE, pages), 8);
	assert_int_equal(gt_pins_acquired(), 8);
	assert_int_equal(gt_pins_released(), 0);
	unpin_user_pages(pages, 3);
	assert_int_equal(gt_pins_released(), 3);
	unpin_user_pages_dirty_lock(pages + 3, 5, true);
	assert_int_equal(gt_pins_released(), 8);

	/* References are not pins. */
	assert_int_equal(get_user_pages_fast(mm, addr, 8, 0, pages), 8);
	assert_int_equal(gt_pins_acquired(), 8);
	for (int i = 0; i < 8; i++)
		put_page(pages[i]);
}

static void test_thp_counts_every_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr;
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));

	transparent_hugepage = THP_MADVISE;
	addr = gt_thp(mm, 0x22);
	assert_int_equal(pin_user_pages_fast(mm, addr, HPAGE_PMD_NR, 0, pages), HPAGE_PMD_NR);
	/* Mainline's meaning for large folios: one per page, not one per folio. */
	assert_int_equal(gt_pins_acquired(), HPAGE_PMD_NR);
	unpin_user_page_range_dirty_lock(pages[0], HPAGE_PMD_NR, false);
	assert_int_equal(gt_pins_released(), HPAGE_PMD_NR);
	free(pages);
}

static void test_overflow_fails_cleanly(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, 0x11);
	struct page *first = gt_mapped_page(mm, addr);
	struct page *second = gt_mapped_page(mm, addr + PAGE_SIZE);
	struct page *pages[2];
	int ref = page_ref_count(first);

	/* One more bias would wrap the count: the whole call fails, -ENOMEM. */
	set_page_count(first, INT_MAX - 1000);
	assert_int_equal(pin_user_pages_fast(mm, addr, 2, FOLL_WRITE, pages), -ENOMEM);
	assert_int_equal(page_ref_count(first), INT_MAX - 1000);
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 2, FOLL_WRITE, pages), -ENOMEM);
	mmap_read_unlock(mm);
	assert_int_equal(page_ref_count(first), INT_MAX - 1000);
	assert_int_equal(gt_pins_acquired(), 0);
	set_page_count(first, ref);

	/* The second page would overflow: the first is pinned, the count says so. */
	set_page_count(second, INT_MAX - 10);
	assert_int_equal(pin_user_pages_fast(mm, addr, 2, FOLL_WRITE, pages), 1);
	assert_ptr_equal(pages[0], first);
	assert_int_equal(page_ref_count(second), INT_MAX - 10);
	/* References overflow the same way. */
	assert_int_equal(get_user_pages_unlocked(mm, addr + PAGE_SIZE, 1, pages + 1, 0), 1);
	put_page(pages[1]);
	set_page_count(second, INT_MAX);
	assert_int_equal(get_user_pages_unlocked(mm, addr + PAGE_SIZE, 1, pages + 1, 0), -ENOMEM);
	set_page_count(second, ref);
	unpin_user_page(pages[0]);
	assert_int_equal(gt_pins_acquired(), gt_pins_released());
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_per_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_thp_counts_every_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_overflow_fails_cleanly, gt_setup_mainline, gt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
