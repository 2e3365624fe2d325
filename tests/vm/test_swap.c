/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Swap: MADV_PAGEOUT to swap entries, swap-in with PageAnonExclusive carried
 * by SWP_EXCLUSIVE, fork of a swap PTE, THP swap-out, and pinned pages that
 * reclaim must leave alone (and, before 5.11/5.19, did not).
 */
#include "vm_test.h"
#include <pinmm/mem/kernel.h>
#include <pinmm/vm/migrate.h>
#include <pinmm/vm/swap.h>

#define RW (PROT_READ | PROT_WRITE)

static int swap_setup(void **state)
{
	if (vt_setup(state))
		return -1;
	return swapon_mem(8 * PMD_SIZE);
}

static int swap_teardown(void **state)
{
	kernel_override_clear();
	swapoff_mem();
	return vt_teardown(state);
}

static long map_thp(struct process *p)
{
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);

	assert_true(a > 0 && IS_ALIGNED((unsigned long)a, PMD_SIZE));
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	return a;
}

/* A base page goes out to a slot and comes back exclusive: no COW on the write. */
static void base_page_round_trip(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);
	unsigned long free0;
	struct page *pg;
	pte_t pte;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x5a, PAGE_SIZE);
	free0 = nr_free_pages();
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_true(is_swap_entry_pte(pte));
	assert_true(pte_swp_exclusive(pte));
	assert_int_equal(get_mm_counter(p->mm, MM_SWAPENTS), 1);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 0);
	assert_int_equal(nr_free_pages(), free0 + 1);
	assert_int_equal(swap_slots_used(), 1);
	/* The read brings it back, exclusive, so mapped writable at once. */
	assert_int_equal(vt_byte(p, (unsigned long)a + 17), 0x5a);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_true(pte_present(pte) && pte_write(pte));
	pg = vt_page(p->mm, (unsigned long)a);
	assert_true(PageAnonExclusive(pg));
	vt_fill(p, (unsigned long)a, 0x5b, 1);
	assert_ptr_equal(vt_page(p->mm, (unsigned long)a), pg);
	assert_int_equal(get_mm_counter(p->mm, MM_SWAPENTS), 0);
	process_destroy(p);
	assert_int_equal(swap_slots_used(), 0);
	vt_assert_all_free();
}

/* Without SWP_EXCLUSIVE (before 5.19) the page comes back read-only and maybe shared. */
static void no_swp_exclusive_before_519(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);
	pte_t pte;

	(void)state;
	kernel_override(KSW_SWP_EXCLUSIVE, 0);
	vt_fill(p, (unsigned long)a, 0x11, PAGE_SIZE);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_false(pte_swp_exclusive(vt_pte(p->mm, (unsigned long)a)));
	/* In the swap cache still (our read's), so not refcount 1: read-only, not exclusive. */
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x11);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_true(pte_present(pte));
	assert_false(pte_write(pte));
	assert_false(PageAnonExclusive(vt_page(p->mm, (unsigned long)a)));
	process_destroy(p);
	vt_assert_all_free();
}

/* fork() of a swap PTE: both name the slot, the parent's loses SWP_EXCLUSIVE. */
static void fork_shares_the_slot(void **state)
{
	struct process *p = process_create("p"), *c;
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);
	pte_t pte;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x21, PAGE_SIZE);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	c = process_fork(p, "c");
	assert_non_null(c);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_true(is_swap_entry_pte(pte));
	assert_false(pte_swp_exclusive(pte));
	assert_int_equal(__swap_count(pte_to_swp_entry(pte)), 2);
	assert_int_equal(get_mm_counter(c->mm, MM_SWAPENTS), 1);
	/* The parent writes: a copy, the child still reads what was swapped out. */
	vt_fill(p, (unsigned long)a, 0x22, PAGE_SIZE);
	assert_int_equal(vt_byte(c, (unsigned long)a + 5), 0x21);
	assert_int_equal(vt_byte(p, (unsigned long)a + 5), 0x22);
	assert_ptr_not_equal(vt_page(p->mm, (unsigned long)a), vt_page(c->mm, (unsigned long)a));
	process_destroy(c);
	process_destroy(p);
	assert_int_equal(swap_slots_used(), 0);
	vt_assert_all_free();
}

/* A pinned page stays mapped: 5.19's try_to_unmap refusal and 5.11's reclaim check. */
static void pinned_page_is_not_swapped(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);
	struct page *pg;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x31, PAGE_SIZE);
	pg = vt_page(p->mm, (unsigned long)a);
	assert_int_equal(vt_pin_page(pg), 0);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)a)));
	assert_int_equal(swap_slots_used(), 0);
	/* Without the 5.11 check, try_to_unmap_one's (5.19) alone keeps it mapped. */
	kernel_override(KSW_SWAP_SKIPS_PINNED, 0);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)a)));
	assert_ptr_equal(vt_page(p->mm, (unsigned long)a), pg);
	assert_true(PageAnonExclusive(pg));
	vt_unpin_page(pg);
	process_destroy(p);
	assert_int_equal(swap_slots_used(), 0);
	vt_assert_all_free();
}

/*
 * 5.9-5.10: nothing stopped reclaim. The pinned page went to swap, stayed in
 * the swap cache (the pin's reference), came back read-only, and the write
 * copied it away from the pin: the device and the process part.
 */
static void pinned_page_swapped_before_511(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);
	struct page *pg;

	(void)state;
	kernel_override(KSW_SWAP_SKIPS_PINNED, 0);
	kernel_override(KSW_ANON_EXCLUSIVE, 0);
	kernel_override(KSW_SWP_EXCLUSIVE, 0);
	vt_fill(p, (unsigned long)a, 0x41, PAGE_SIZE);
	pg = vt_page(p->mm, (unsigned long)a);
	assert_int_equal(vt_pin_page(pg), 0);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_true(is_swap_entry_pte(vt_pte(p->mm, (unsigned long)a)));
	assert_true(folio_test_swapcache(page_folio(pg)));
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x41);
	assert_ptr_equal(vt_page(p->mm, (unsigned long)a), pg);	/* the swap cache hit */
	vt_fill(p, (unsigned long)a, 0x42, PAGE_SIZE);
	assert_ptr_not_equal(vt_page(p->mm, (unsigned long)a), pg);	/* COW away from the pin */
	vt_unpin_page(pg);
	process_destroy(p);
	/* The old page is an orphan in the swap cache, for reclaim (or swapoff) to drop. */
	assert_int_equal(swap_slots_used(), 1);
	assert_true(folio_test_swapcache(page_folio(pg)));
	assert_int_equal(swapoff_mem(), 0);
	assert_int_equal(swapon_mem(PMD_SIZE), 0);
	vt_assert_all_free();
}

/* A PMD-mapped THP goes out whole (one cluster, PTE swap entries) and comes back in pages. */
static void thp_swaps_out_whole(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p);
	long swpout = node_page_state(THP_SWPOUT), split = node_page_state(THP_SPLIT_PAGE);
	struct page *pg;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x61, PMD_SIZE);
	assert_true(pmd_trans_huge(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_PAGEOUT), 0);
	assert_int_equal(node_page_state(THP_SWPOUT), swpout + 1);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE), split);
	assert_int_equal(get_mm_counter(p->mm, MM_SWAPENTS), HPAGE_PMD_NR);
	for (unsigned long off = 0; off < PMD_SIZE; off += PAGE_SIZE)
		assert_true(pte_swp_exclusive(vt_pte(p->mm, (unsigned long)a + off)));
	assert_int_equal(vt_byte(p, (unsigned long)a + PMD_SIZE - 1), 0x61);
	pg = vt_page(p->mm, (unsigned long)a + PMD_SIZE - 1);
	assert_false(folio_test_large(page_folio(pg)));
	assert_true(PageAnonExclusive(pg));
	process_destroy(p);
	assert_int_equal(swap_slots_used(), 0);
	vt_assert_all_free();
}

/* A single PTE left of a THP: the folio is split first and that page goes alone. */
static void single_pte_of_thp_splits(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p);
	long split = node_page_state(THP_SPLIT_PAGE);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x71, PMD_SIZE);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a + PAGE_SIZE, PMD_SIZE - PAGE_SIZE,
				    MADV_DONTNEED), 0);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE), split + 1);
	assert_true(is_swap_entry_pte(vt_pte(p->mm, (unsigned long)a)));
	assert_int_equal(swap_slots_used(), 1);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x71);
	process_destroy(p);
	vt_assert_all_free();
}

/* swapoff with a swap PTE left is refused; without a device nothing is paged out. */
static void swapoff_and_no_device(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x01, PAGE_SIZE);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_int_equal(swapoff_mem(), -EBUSY);
	assert_int_equal(swapon_mem(PMD_SIZE), -EBUSY);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x01);
	assert_int_equal(swapoff_mem(), 0);	/* the idle cache folio is dropped */
	assert_false(folio_test_swapcache(page_folio(vt_page(p->mm, (unsigned long)a))));
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)a)));
	assert_int_equal(swapon_mem(3 * PAGE_SIZE), -EINVAL);
	process_destroy(p);
	vt_assert_all_free();
}

/* MADV_PAGEOUT leaves a page another process maps alone (mapcount != nr_pages). */
static void shared_page_stays(void **state)
{
	struct process *p = process_create("p"), *c;
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x51, PAGE_SIZE);
	c = process_fork(p, "c");
	assert_non_null(c);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)a)));
	assert_int_equal(swap_slots_used(), 0);
	process_destroy(c);
	/* Alone again: now it goes. */
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_true(is_swap_entry_pte(vt_pte(p->mm, (unsigned long)a)));
	process_destroy(p);
	vt_assert_all_free();
}

/*
 * Migration of a page in the swap cache moves the cache entry with it: the
 * child, whose swap PTE still names the slot, finds the new page there.
 */
static void migration_moves_swap_cache_entry(void **state)
{
	struct process *p = process_create("p"), *c;
	long a = vt_mmap_anon(p, PAGE_SIZE, RW, MAP_PRIVATE);
	struct folio *old, *new;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x52, PAGE_SIZE);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_PAGEOUT), 0);
	c = process_fork(p, "c");
	assert_non_null(c);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x52);	/* the parent's swap-in */
	old = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_true(folio_test_swapcache(old));
	assert_int_equal(migrate_range(p->mm, (unsigned long)a, PAGE_SIZE), 1);
	new = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_ptr_not_equal(new, old);
	assert_true(folio_test_swapcache(new));
	assert_false(folio_test_swapcache(old));
	assert_int_equal(vt_byte(c, (unsigned long)a + 1), 0x52);	/* the child's: a cache hit */
	assert_ptr_equal(page_folio(vt_page(c->mm, (unsigned long)a)), new);
	process_destroy(c);
	process_destroy(p);
	assert_int_equal(swap_slots_used(), 0);
	vt_assert_all_free();
}

/* Part of a PMD-mapped THP: the folio is split, the page in the range goes, the rest stays. */
static void part_of_pmd_thp_splits(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p);
	long split = node_page_state(THP_SPLIT_PAGE);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x81, PMD_SIZE);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a + PAGE_SIZE, PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE), split + 1);
	assert_true(is_swap_entry_pte(vt_pte(p->mm, (unsigned long)a + PAGE_SIZE)));
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)a)));
	assert_false(folio_test_large(page_folio(vt_page(p->mm, (unsigned long)a))));
	assert_int_equal(get_mm_counter(p->mm, MM_SWAPENTS), 1);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), HPAGE_PMD_NR - 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + PAGE_SIZE), 0x81);
	process_destroy(p);
	vt_assert_all_free();
}

/* A PTE-mapped THP the range covers all but its first page of: split, not out whole. */
static void pte_thp_in_part_splits(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p);
	long split = node_page_state(THP_SPLIT_PAGE), swpout = node_page_state(THP_SWPOUT);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x82, PMD_SIZE);
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, PAGE_SIZE, RW), 0);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(do_madvise(p->mm, (unsigned long)a + PAGE_SIZE, PMD_SIZE - PAGE_SIZE,
				    MADV_PAGEOUT), 0);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE), split + 1);
	assert_int_equal(node_page_state(THP_SWPOUT), swpout);
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)a)));
	assert_int_equal(get_mm_counter(p->mm, MM_SWAPENTS), HPAGE_PMD_NR - 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + PMD_SIZE - 1), 0x82);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(base_page_round_trip, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(no_swp_exclusive_before_519, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(fork_shares_the_slot, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(pinned_page_is_not_swapped, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(pinned_page_swapped_before_511, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(thp_swaps_out_whole, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(single_pte_of_thp_splits, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(swapoff_and_no_device, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(shared_page_stays, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(part_of_pmd_thp_splits, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(pte_thp_in_part_splits, swap_setup, swap_teardown),
		cmocka_unit_test_setup_teardown(migration_moves_swap_cache_entry, swap_setup, swap_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
