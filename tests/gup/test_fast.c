/* SPDX-License-Identifier: GPL-2.0-only */
/* GUP-fast: the lockless walk, its re-checks, its refusals and its fallback. */
#include "gup_test.h"

/* A tracker that is `bias` plus a call counter and an optional meddler. */
static atomic_int try_pin_calls, unpin_calls;
static void (*meddle)(struct folio *folio);

static int counting_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	int ret;

	atomic_fetch_add(&try_pin_calls, 1);
	ret = bias_tracker.try_pin(folio, refs, gup_flags);
	if (!ret && meddle)
		meddle(folio);
	return ret;
}

static void counting_unpin(struct folio *folio, int refs)
{
	atomic_fetch_add(&unpin_calls, 1);
	bias_tracker.unpin(folio, refs);
}

static struct pin_tracker counting_tracker;

/*
 * fork()'s write-protect section, as copy_page_range() brackets it. (The
 * seqcount helpers use fences, which gcc's TSan cannot instrument; a seq_cst
 * RMW orders at least as strongly.)
 */
static void fork_wp_begin(struct mm_struct *mm)
{
	__atomic_fetch_add(&mm->write_protect_seq.sequence, 1u, __ATOMIC_SEQ_CST);
}

static void fork_wp_end(struct mm_struct *mm)
{
	__atomic_fetch_add(&mm->write_protect_seq.sequence, 1u, __ATOMIC_SEQ_CST);
}

static int setup(void **state)
{
	if (gt_setup_mainline(state))
		return -1;
	counting_tracker = bias_tracker;
	counting_tracker.name = "counting-bias";
	counting_tracker.try_pin = counting_try_pin;
	counting_tracker.unpin = counting_unpin;
	/* Its pins are not only references any more: GUP must call it for each. */
	counting_tracker.small_pin.one = 0;
	atomic_store(&try_pin_calls, 0);
	atomic_store(&unpin_calls, 0);
	meddle = NULL;
	transparent_hugepage = THP_MADVISE;
	return pin_tracker_set(&counting_tracker);
}

static int teardown(void **state)
{
	meddle = NULL;
	gt_teardown(state);
	return pin_tracker_set(&bias_tracker);
}

static void test_fast_pins_present_pages(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 8, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[8];

	assert_int_equal(get_user_pages_fast_only(mm, addr, 8, FOLL_WRITE, pages), 8);
	for (int i = 0; i < 8; i++) {
		assert_ptr_equal(pages[i], gt_mapped_page(mm, addr + i * PAGE_SIZE));
		put_page(pages[i]);
	}
	assert_int_equal(pin_user_pages_fast(mm, addr, 8, FOLL_WRITE, pages), 8);
	assert_int_equal(atomic_load(&try_pin_calls), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(folio_ref_count(page_folio(pages[i])), 1 + 1024);
	assert_true(mm_flags_test(MMF_HAS_PINNED, mm));
	unpin_user_pages(pages, 8);
	assert_int_equal(atomic_load(&unpin_calls), 8);
	assert_int_equal(folio_ref_count(page_folio(pages[0])), 1);
}

static void test_fast_falls_back_for_missing_pages(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, -1);
	struct page *pages[4];

	assert_int_equal(uaccess_memset(mm, addr, 0x11, 2 * PAGE_SIZE), 0);
	/* Fast-only stops where the page tables end... */
	assert_int_equal(get_user_pages_fast_only(mm, addr, 4, FOLL_WRITE, pages), 2);
	put_page(pages[0]);
	put_page(pages[1]);
	/* ... the full call faults the rest in under mmap_lock. */
	assert_int_equal(pin_user_pages_fast(mm, addr, 4, FOLL_WRITE, pages), 4);
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(pages[i], gt_mapped_page(mm, addr + i * PAGE_SIZE));
	unpin_user_pages(pages, 4);
}

static void test_fast_refuses_write_to_readonly_pte(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct process *child = process_fork(gt_proc, "child");
	struct page *shared = gt_mapped_page(mm, addr), *page;

	/* fork write-protected the PTE: the fast path cannot break COW. */
	assert_int_equal(get_user_pages_fast_only(mm, addr, 1, FOLL_WRITE, &page), 0);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	assert_ptr_not_equal(page, shared);
	assert_ptr_equal(page, gt_mapped_page(mm, addr));
	unpin_user_page(page);
	process_destroy(child);
}

static void test_fast_readonly_pin_must_unshare(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct process *child = process_fork(gt_proc, "child");
	struct page *shared = gt_mapped_page(mm, addr), *page;

	/* A read reference may share; a read pin may not (gup_must_unshare). */
	assert_int_equal(get_user_pages_fast_only(mm, addr, 1, 0, &page), 1);
	assert_ptr_equal(page, shared);
	put_page(page);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &page), 1);
	assert_ptr_not_equal(page, shared);
	assert_ptr_equal(page, gt_mapped_page(mm, addr));
	assert_true(PageAnonExclusive(page));
	assert_ptr_equal(shared, gt_mapped_page(child->mm, addr));
	unpin_user_page(page);
	process_destroy(child);
}

/* Change the PTE between the grab and the re-check, as a racing unmap would. */
static unsigned long meddle_addr;
static void meddle_pte(struct folio *folio)
{
	pmd_t *pmdp = mm_find_pmd(gt_mm(), meddle_addr);
	pte_t *ptep = pmd_pgtable(pmdp_get(pmdp)) + pte_index(meddle_addr);

	if (pte_young(ptep_get(ptep)))
		ptep_modify(ptep, _PAGE_ACCESSED, 0);
	else
		ptep_modify(ptep, 0, _PAGE_ACCESSED);
	meddle = NULL;
}

static void test_fast_undoes_pin_when_pte_changed(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct folio *folio = page_folio(gt_mapped_page(mm, addr));
	long acquired = gt_pins_acquired();
	struct page *pinned;

	meddle_addr = addr;
	meddle = meddle_pte;
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, 0, &pinned), 1);
	/* The fast path saw the change, dropped its pin, and the slow path pinned. */
	assert_int_equal(atomic_load(&try_pin_calls), 2);
	assert_int_equal(atomic_load(&unpin_calls), 1);
	assert_ptr_equal(page_folio(pinned), folio);
	assert_int_equal(folio_ref_count(folio), 1 + 1024);
	unpin_user_page(pinned);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(gt_pins_acquired() - acquired, 2);
	assert_int_equal(gt_pins_released() - acquired, 2);
	assert_int_equal(pin_outstanding(), 0);
}

static void test_fast_gives_up_during_fork(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;

	/* fork() is inside its write-protect section: no pin is even tried. */
	fork_wp_begin(mm);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	/* (that one came from the slow path, which fork's mmap_lock would hold off) */
	assert_int_equal(atomic_load(&try_pin_calls), 1);
	unpin_user_page(page);
	/* References do not care about fork. */
	assert_int_equal(get_user_pages_fast_only(mm, addr, 1, FOLL_WRITE, &page), 1);
	put_page(page);
	fork_wp_end(mm);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	assert_int_equal(atomic_load(&try_pin_calls), 2);
	unpin_user_page(page);
}

/* A whole fork write-protect section runs while GUP-fast walks. */
static void meddle_fork(struct folio *folio)
{
	fork_wp_begin(gt_mm());
	fork_wp_end(gt_mm());
	meddle = NULL;
}

static void test_fast_undoes_pins_when_fork_ran(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[4];

	meddle = meddle_fork;
	assert_int_equal(pin_user_pages_fast(mm, addr, 4, FOLL_WRITE, pages), 4);
	/* 4 fast pins all dropped, then 4 slow ones. */
	assert_int_equal(atomic_load(&try_pin_calls), 8);
	assert_int_equal(atomic_load(&unpin_calls), 4);
	unpin_user_pages(pages, 4);
	assert_int_equal(pin_outstanding(), 0);
}

static void test_thp_pinned_with_one_tracker_call(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_thp(mm, 0x5a);
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct folio *folio;
	long acquired = gt_pins_acquired();
	int ref;

	folio = page_folio(gt_mapped_page(mm, addr));
	assert_true(folio_test_large(folio));
	assert_int_equal(folio_order(folio), HPAGE_PMD_ORDER);
	ref = folio_ref_count(folio);

	assert_int_equal(pin_user_pages_fast(mm, addr, HPAGE_PMD_NR, FOLL_WRITE, pages),
			 HPAGE_PMD_NR);
	assert_int_equal(atomic_load(&try_pin_calls), 1);
	for (int i = 0; i < HPAGE_PMD_NR; i++)
		assert_ptr_equal(pages[i], folio_page(folio, i));
	assert_int_equal(folio_ref_count(folio), ref + HPAGE_PMD_NR);
	assert_int_equal(atomic_load(&folio->_pincount), HPAGE_PMD_NR);
	assert_int_equal(gt_pins_acquired() - acquired, HPAGE_PMD_NR);
	/* Unpinning batches per folio too. */
	unpin_user_pages(pages, HPAGE_PMD_NR);
	assert_int_equal(atomic_load(&unpin_calls), 1);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(folio_ref_count(folio), ref);

	/* A sub-range: refs = the pages covered. */
	assert_int_equal(pin_user_pages_fast(mm, addr + 10 * PAGE_SIZE, 7, 0, pages), 7);
	assert_int_equal(atomic_load(&folio->_pincount), 7);
	assert_ptr_equal(pages[0], folio_page(folio, 10));
	unpin_user_pages(pages, 7);
	free(pages);
}

static void test_thp_slow_path_single_grab(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_thp(mm, 0x5a);
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct folio *folio = page_folio(gt_mapped_page(mm, addr));

	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, HPAGE_PMD_NR, 0, pages), HPAGE_PMD_NR);
	mmap_read_unlock(mm);
	/* One for the first page, one for the rest of the PMD. */
	assert_int_equal(atomic_load(&try_pin_calls), 2);
	assert_int_equal(atomic_load(&folio->_pincount), HPAGE_PMD_NR);
	unpin_user_pages(pages, HPAGE_PMD_NR);
	free(pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fast_pins_present_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_falls_back_for_missing_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_refuses_write_to_readonly_pte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_readonly_pin_must_unshare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_undoes_pin_when_pte_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_gives_up_during_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_undoes_pins_when_fork_ran, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thp_pinned_with_one_tracker_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thp_slow_path_single_grab, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
