/* SPDX-License-Identifier: GPL-2.0-only */
/* Anonymous THP: PMD faults, fork, COW by split, partial munmap/mprotect splitting. */
#include "vm_test.h"

static long map_thp(struct process *p, unsigned long len)
{
	long a = vt_mmap_anon(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	assert_true(a > 0);
	assert_true(IS_ALIGNED((unsigned long)a, PMD_SIZE));
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, len, MADV_HUGEPAGE), 0);
	return a;
}

static void fault_maps_one_pmd(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p, PMD_SIZE);
	struct folio *folio;
	long thps = node_page_state(NR_ANON_THPS);

	(void)state;
	vt_fill(p, (unsigned long)a + 5 * PAGE_SIZE, 0x21, 10);
	assert_true(pmd_trans_huge(vt_pmd(p->mm, (unsigned long)a)));
	assert_true(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(folio_order(folio), HPAGE_PMD_ORDER);
	assert_int_equal(folio_entire_mapcount(folio), 1);
	assert_int_equal(folio_mapcount(folio), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_true(PageAnonExclusive(&folio->page));
	assert_int_equal(node_page_state(NR_ANON_THPS), thps + 1);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), HPAGE_PMD_NR);
	assert_int_equal(vt_byte(p, (unsigned long)a + 5 * PAGE_SIZE + 3), 0x21);
	assert_int_equal(vt_byte(p, (unsigned long)a + 6 * PAGE_SIZE), 0);
	process_destroy(p);
	vt_assert_all_free();
}

static void thp_never_uses_ptes(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p, PMD_SIZE);

	(void)state;
	transparent_hugepage = THP_NEVER;
	vt_fill(p, (unsigned long)a, 1, 1);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 1);
	process_destroy(p);
	vt_assert_all_free();
}

/*
 * A partial munmap splits the PMD and leaves the folio whole, partially
 * mapped and queued for a deferred split, which only the shrinker carries
 * out (test_deferred_split.c). Before, the model split the folio at once, so cow.c's
 * "single PTE of THP" and "partially shared THP" could not be expressed.
 */
static void partial_munmap_splits_pmd_not_folio(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p, PMD_SIZE);
	long split_pmd = node_page_state(THP_SPLIT_PMD), split_page = node_page_state(THP_SPLIT_PAGE);
	unsigned long free_before;
	struct page *pg;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x5c, PMD_SIZE);
	free_before = nr_free_pages();
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + PAGE_SIZE, 10 * PAGE_SIZE), 0);
	assert_int_equal(node_page_state(THP_SPLIT_PMD), split_pmd + 1);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE), split_page);
	/* Nothing goes back yet: the folio is still mapped by 502 PTEs. */
	assert_int_equal(nr_free_pages(), free_before);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	pg = vt_page(p->mm, (unsigned long)a + 11 * PAGE_SIZE);
	assert_true(folio_test_large(page_folio(pg)));
	assert_int_equal(folio_order(page_folio(pg)), HPAGE_PMD_ORDER);
	assert_int_equal(folio_mapcount(page_folio(pg)), HPAGE_PMD_NR - 10);
	assert_true(PageAnonExclusive(pg));
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x5c);
	assert_int_equal(vt_byte(p, (unsigned long)a + PMD_SIZE - 1), 0x5c);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), HPAGE_PMD_NR - 10);
	process_destroy(p);
	vt_assert_all_free();
}

static void pinned_thp_is_not_split(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p, PMD_SIZE);
	struct folio *folio;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x5d, 1);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(pin_config.tracker->try_pin(folio, 1, 0), 0);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + PAGE_SIZE, PAGE_SIZE), 0);
	/* The PMD is split, the pinned folio stays whole. */
	assert_true(folio_test_large(folio));
	assert_int_equal(folio_mapcount(folio), HPAGE_PMD_NR - 1);
	pin_config.tracker->unpin(folio, 1);
	process_destroy(p);
	vt_assert_all_free();
}

static void partial_mprotect_splits_pmd_only(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p, PMD_SIZE);
	struct folio *folio;
	unsigned char b = 0;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x5e, 1);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, PAGE_SIZE, PROT_READ), 0);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a + PAGE_SIZE)), folio);
	assert_true(folio_test_large(folio));
	assert_int_equal(folio_entire_mapcount(folio), 0);
	assert_int_equal(folio_mapcount(folio), HPAGE_PMD_NR);
	assert_int_equal(folio_ref_count(folio), HPAGE_PMD_NR);
	assert_int_equal(uaccess_write(p->mm, (unsigned long)a, &b, 1), -EFAULT);
	assert_int_equal(uaccess_write(p->mm, (unsigned long)a + PAGE_SIZE, &b, 1), 0);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a + PAGE_SIZE)), folio);
	process_destroy(p);
	vt_assert_all_free();
}

static bool count_mapped(struct folio *folio, struct vm_area_struct *vma, unsigned long addr,
			 void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, PVMW_SYNC);

	while (page_vma_mapped_walk(&pvmw))
		(*(int *)arg)++;
	return true;
}

/*
 * PVMW_SYNC (what TTU_SYNC and folio_mkclean() pass) only makes the walk take
 * the PTL before looking; it still visits every PTE that maps the folio.
 */
static void pvmw_sync_walks_the_whole_folio(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p, PMD_SIZE);
	struct rmap_walk_control rwc = { .rmap_one = count_mapped };
	struct folio *folio;
	int n = 0;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x5f, 1);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, PAGE_SIZE, PROT_READ), 0);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	rwc.arg = &n;
	rmap_walk(folio, &rwc);
	assert_int_equal(n, HPAGE_PMD_NR);
	assert_int_equal(PVMW_SYNC, 1 << 0);
	assert_int_equal(PVMW_MIGRATION, 1 << 1);
	process_destroy(p);
	vt_assert_all_free();
}

static void fork_shares_pmd_and_cow_splits(void **state)
{
	struct process *p = process_create("p"), *c;
	long a = map_thp(p, PMD_SIZE);
	struct folio *folio;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x61, PMD_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	c = process_fork(p, "c");
	assert_true(pmd_trans_huge(vt_pmd(c->mm, (unsigned long)a)));
	assert_false(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(folio_entire_mapcount(folio), 2);
	assert_false(PageAnonExclusive(&folio->page));
	/* The child writes one byte: its PMD is split and only that page copied. */
	vt_fill(c, (unsigned long)a + 3 * PAGE_SIZE, 0x62, 1);
	assert_false(pmd_leaf(vt_pmd(c->mm, (unsigned long)a)));
	assert_ptr_not_equal(page_folio(vt_page(c->mm, (unsigned long)a + 3 * PAGE_SIZE)), folio);
	assert_ptr_equal(page_folio(vt_page(c->mm, (unsigned long)a + 4 * PAGE_SIZE)), folio);
	assert_int_equal(vt_byte(p, (unsigned long)a + 3 * PAGE_SIZE), 0x61);
	assert_int_equal(vt_byte(c, (unsigned long)a + 3 * PAGE_SIZE), 0x62);
	/* The parent still maps it by PMD. */
	assert_true(pmd_trans_huge(vt_pmd(p->mm, (unsigned long)a)));
	process_destroy(c);
	/* Now the parent is alone: its write reuses the folio in place. */
	vt_fill(p, (unsigned long)a, 0x63, 1);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), folio);
	assert_true(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	process_destroy(p);
	vt_assert_all_free();
}

static void fork_of_pinned_thp_copies_for_child(void **state)
{
	struct process *p = process_create("p"), *c;
	long a = map_thp(p, PMD_SIZE);
	struct folio *folio;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x64, PMD_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(pin_config.tracker->try_pin(folio, 1, 0), 0);
	set_bit(MMF_HAS_PINNED, &p->mm->flags);
	c = process_fork(p, "c");
	assert_non_null(c);
	for (unsigned long off = 0; off < PMD_SIZE; off += 64 * PAGE_SIZE) {
		assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a + off)), folio);
		assert_ptr_not_equal(page_folio(vt_page(c->mm, (unsigned long)a + off)), folio);
		assert_int_equal(vt_byte(c, (unsigned long)a + off), 0x64);
	}
	assert_int_equal(get_mm_counter(c->mm, MM_ANONPAGES), HPAGE_PMD_NR);
	pin_config.tracker->unpin(folio, 1);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fault_maps_one_pmd, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(thp_never_uses_ptes, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(partial_munmap_splits_pmd_not_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pinned_thp_is_not_split, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(partial_mprotect_splits_pmd_only, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pvmw_sync_walks_the_whole_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(fork_shares_pmd_and_cow_splits, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(fork_of_pinned_thp_copies_for_child, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
