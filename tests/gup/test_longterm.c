/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FOLL_LONGTERM and where pages live: folios in ZONE_MOVABLE or CMA are
 * migrated before a long-term pin, really (copy, remap, free the old one).
 */
#include "gup_test.h"

static int setup_movable(void **state)
{
	struct mem_config cfg = { .movable_bytes = 16UL << 20 };

	return gt_boot(&cfg, "mainline");
}

static int setup_cma(void **state)
{
	struct mem_config cfg = { .cma_bytes = 8UL << 20 };

	return gt_boot(&cfg, "mainline");
}

static int setup_movable_legacy(void **state)
{
	struct mem_config cfg = { .movable_bytes = 16UL << 20 };

	return gt_boot(&cfg, "v4.14");
}

static bool page_movable_or_cma(struct page *page)
{
	return page_zonenum(page) == ZONE_MOVABLE || is_migrate_cma_page(page);
}

static void check_longterm_migrates(bool fast)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, -1);
	struct page *old[4], *pages[4];
	long migrated = node_page_state(PGMIGRATE_SUCCESS);
	unsigned long free_before;
	long n;

	for (int i = 0; i < 4; i++) {
		assert_int_equal(uaccess_memset(mm, addr + i * PAGE_SIZE, 0x10 + i, PAGE_SIZE), 0);
		old[i] = gt_mapped_page(mm, addr + i * PAGE_SIZE);
		/* User memory is allocated movable: it lands where a pin hurts. */
		assert_true(page_movable_or_cma(old[i]));
	}
	free_before = nr_free_pages();

	if (fast) {
		n = pin_user_pages_fast(mm, addr, 4, FOLL_WRITE | FOLL_LONGTERM, pages);
	} else {
		mmap_read_lock(mm);
		n = pin_user_pages(mm, addr, 4, FOLL_WRITE | FOLL_LONGTERM, pages);
		mmap_read_unlock(mm);
	}
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++) {
		assert_false(page_movable_or_cma(pages[i]));
		assert_ptr_not_equal(pages[i], old[i]);
		/* The process now maps the new page, with the old contents. */
		assert_ptr_equal(pages[i], gt_mapped_page(mm, addr + i * PAGE_SIZE));
		assert_int_equal(gt_peek(pages[i], 99), 0x10 + i);
		assert_true(PageAnonExclusive(pages[i]));
		assert_true(folio_maybe_dma_pinned(page_folio(pages[i])));
	}
	assert_int_equal(node_page_state(PGMIGRATE_SUCCESS) - migrated, 4);
	/* The old pages went back to the allocator: only the copies are held. */
	assert_int_equal(nr_free_pages(), free_before);
	/* Only the final pins are counted as pins outstanding. */
	assert_int_equal(gt_pins_acquired() - gt_pins_released(), 4);
	gt_poke(pages[2], 0x77);
	assert_int_equal(gt_uread(mm, addr + 2 * PAGE_SIZE), 0x77);
	unpin_user_pages(pages, 4);
	assert_int_equal(pin_outstanding(), 0);
}

static void test_slow_longterm_migrates_out_of_movable(void **state)
{
	check_longterm_migrates(false);
}

static void test_fast_longterm_migrates_out_of_movable(void **state)
{
	check_longterm_migrates(true);
}

static void test_longterm_migrates_out_of_cma(void **state)
{
	check_longterm_migrates(true);
}

/*
 * Pages a FOLL_LONGTERM call faults in itself are allocated inside
 * memalloc_pin_save(): never in ZONE_MOVABLE or CMA, so nothing is migrated
 * (5.13+). The scope ends with the call: the next ordinary fault is movable.
 */
static void check_longterm_faults_in_place(void)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, -1);
	long migrated = node_page_state(PGMIGRATE_SUCCESS);
	struct page *pages[4];

	assert_null(gt_mapped_page(mm, addr));
	assert_int_equal(pin_user_pages_fast(mm, addr, 4, FOLL_WRITE | FOLL_LONGTERM, pages), 4);
	for (int i = 0; i < 4; i++) {
		assert_false(page_movable_or_cma(pages[i]));
		assert_ptr_equal(pages[i], gt_mapped_page(mm, addr + i * PAGE_SIZE));
	}
	assert_int_equal(node_page_state(PGMIGRATE_SUCCESS), migrated);
	unpin_user_pages(pages, 4);
	assert_false(current_memalloc_pin);
	addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x33);
	assert_true(page_movable_or_cma(gt_mapped_page(mm, addr)));
	assert_int_equal(pin_outstanding(), 0);
}

static void test_longterm_faults_outside_movable(void **state)
{
	check_longterm_faults_in_place();
}

static void test_longterm_faults_outside_cma(void **state)
{
	check_longterm_faults_in_place();
}

static void test_short_pin_stays_in_movable(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *old = gt_mapped_page(mm, addr), *page;

	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	assert_ptr_equal(page, old);
	assert_true(page_movable_or_cma(page));
	unpin_user_page(page);
}

static void test_legacy_longterm_pins_in_place(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *old = gt_mapped_page(mm, addr), *page;

	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE | FOLL_LONGTERM, &page), 1);
	assert_ptr_equal(page, old);
	assert_int_equal(page_zonenum(page), ZONE_MOVABLE);
	unpin_user_page(page);
}

static void test_longterm_get_refused_before_migrating(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *before = gt_mapped_page(mm, addr), *page = NULL;

	/* Mainline refuses FOLL_LONGTERM without FOLL_PIN up front: nothing moves. */
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_LONGTERM), -EINVAL);
	assert_ptr_equal(gt_mapped_page(mm, addr), before);
	assert_true(page_movable_or_cma(before));
	assert_int_equal(node_page_state(PGMIGRATE_SUCCESS), 0);
	mm_events_reset();
}

static void test_longterm_thp_migrates(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr;
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	long n;

	transparent_hugepage = THP_MADVISE;
	addr = gt_thp(mm, 0x5a);
	assert_true(page_movable_or_cma(gt_mapped_page(mm, addr)));
	n = pin_user_pages_fast(mm, addr, HPAGE_PMD_NR, FOLL_WRITE | FOLL_LONGTERM, pages);
	assert_int_equal(n, HPAGE_PMD_NR);
	for (int i = 0; i < HPAGE_PMD_NR; i++) {
		assert_false(page_movable_or_cma(pages[i]));
		assert_ptr_equal(pages[i], gt_mapped_page(mm, addr + (unsigned long)i * PAGE_SIZE));
	}
	assert_int_equal(gt_peek(pages[300], 7), 0x5a);
	unpin_user_pages(pages, HPAGE_PMD_NR);
	free(pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_slow_longterm_migrates_out_of_movable, setup_movable, gt_teardown),
		cmocka_unit_test_setup_teardown(test_fast_longterm_migrates_out_of_movable, setup_movable, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_migrates_out_of_cma, setup_cma, gt_teardown),
		cmocka_unit_test_setup_teardown(test_short_pin_stays_in_movable, setup_movable, gt_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_longterm_pins_in_place, setup_movable_legacy, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_get_refused_before_migrating, setup_movable, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_thp_migrates, setup_movable, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_faults_outside_movable, setup_movable, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_faults_outside_cma, setup_cma, gt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
