/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Deferred split: a large anon folio that a partial unmap leaves partly
 * mapped is queued (deferred_split_folio()), counted, and split by the
 * shrinker's scan, which frees its unmapped pages; a folio with a reference
 * no mapping explains (a pin, a GUP reference) is not split (EAGAIN) and
 * keeps them. The per-size counters of hugepages-<size>kB/stats/ follow.
 */
#include "vm_test.h"
#include <pinmm/mem/deferred_split.h>

#define RW (PROT_READ | PROT_WRITE)
#define SZ_64K (64UL << 10)

static unsigned long map_64k(struct process *p)
{
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);

	assert_true(a > 0 && IS_ALIGNED((unsigned long)a, PMD_SIZE));
	assert_int_equal(thp_set_anon_order_mode(HPAGE_PMD_ORDER, THP_ORDER_NEVER), 0);
	assert_int_equal(thp_set_anon_order_mode(4, THP_ORDER_ALWAYS), 0);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + SZ_64K, PMD_SIZE - SZ_64K), 0);
	vt_fill(p, (unsigned long)a, 0x5a, SZ_64K);
	return (unsigned long)a;
}

/* Unmapped pages stay allocated until the scan; after it, the mapped ones are 4K folios. */
static void partial_unmap_queues_and_scan_splits(void **state)
{
	struct process *p = process_create("p");
	unsigned long a = map_64k(p), before;
	struct folio *f;

	(void)state;
	f = page_folio(vt_page(p->mm, a));
	assert_int_equal(folio_order(f), 4);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_ANON_FAULT_ALLOC), 1);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_NR_ANON), 1);
	/* Unmapping all of it never queues it: nothing is left mapped. */
	assert_false(folio_on_deferred_list(f));
	before = nr_free_pages();
	assert_int_equal(vm_munmap(p->mm, a + 4 * PAGE_SIZE, 12 * PAGE_SIZE), 0);
	assert_int_equal(nr_free_pages(), before);		/* nothing freed yet */
	assert_true(folio_on_deferred_list(f));
	assert_true(folio_test_partially_mapped(f));
	assert_int_equal(deferred_split_count(), 1);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_SPLIT_DEFERRED), 1);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_NR_ANON_PARTIALLY_MAPPED), 1);
	/* thp_deferred_split_page is the PMD size's. */
	assert_int_equal(node_page_state(THP_DEFERRED_SPLIT_PAGE), 0);
	/* A second partial unmap of a queued folio counts nothing more. */
	assert_int_equal(vm_munmap(p->mm, a + 3 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_SPLIT_DEFERRED), 1);
	before = nr_free_pages();
	assert_int_equal(deferred_split_scan(~0UL), 1);
	assert_int_equal(nr_free_pages(), before + 13);		/* the 13 unmapped pages */
	assert_int_equal(deferred_split_count(), 0);
	for (int i = 0; i < 3; i++) {
		struct folio *g = page_folio(vt_page(p->mm, a + (unsigned long)i * PAGE_SIZE));

		assert_int_equal(folio_order(g), 0);
		assert_int_equal(folio_ref_count(g), 1);
		assert_int_equal(folio_mapcount(g), 1);
		assert_true(PageAnonExclusive(&g->page));
		assert_int_equal(vt_byte(p, a + (unsigned long)i * PAGE_SIZE), 0x5a);
	}
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_SPLIT), 1);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_NR_ANON), 0);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_NR_ANON_PARTIALLY_MAPPED), 0);
	thp_reset_anon_orders();
	process_destroy(p);
	vt_assert_all_free();
}

/* A pin, and a plain GUP reference, each keep the folio whole and queued. */
static void pinned_folio_is_not_split(void **state)
{
	struct process *p = process_create("p");
	unsigned long a = map_64k(p), before;
	struct page *pg = vt_page(p->mm, a + PAGE_SIZE);
	struct folio *f = page_folio(pg);

	(void)state;
	assert_int_equal(vt_pin_page(pg), 0);
	assert_int_equal(vm_munmap(p->mm, a + 8 * PAGE_SIZE, 8 * PAGE_SIZE), 0);
	assert_true(folio_on_deferred_list(f));
	before = nr_free_pages();
	assert_int_equal(deferred_split_scan(~0UL), 0);
	assert_int_equal(nr_free_pages(), before);		/* the unmapped half stays */
	assert_int_equal(folio_order(f), 4);
	assert_true(folio_on_deferred_list(f));
	assert_int_equal(deferred_split_count(), 1);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_SPLIT_FAILED), 1);
	/* split_folio() itself (the caller holds a reference): EAGAIN, before anything is unmapped. */
	folio_get(f);
	folio_lock(f);
	assert_int_equal(split_anon_folio(f), -EAGAIN);
	folio_unlock(f);
	folio_put(f);
	assert_ptr_equal(vt_page(p->mm, a), &f->page);
	assert_int_equal(folio_large_mapcount(f), 8);
	vt_unpin_page(pg);
	/* A FOLL_GET reference is just as unexplained. */
	folio_get(f);
	assert_int_equal(deferred_split_scan(~0UL), 0);
	assert_int_equal(folio_order(f), 4);
	folio_put(f);
	before = nr_free_pages();
	assert_int_equal(deferred_split_scan(~0UL), 1);
	assert_int_equal(nr_free_pages(), before + 8);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_SPLIT), 1);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_SPLIT_FAILED), 3);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE_FAILED), 0);	/* the PMD size's */
	thp_reset_anon_orders();
	process_destroy(p);
	vt_assert_all_free();
}

/* A queued folio that is freed whole (its last mapping goes) leaves the queue. */
static void freed_folio_leaves_queue(void **state)
{
	struct process *p = process_create("p");
	unsigned long a = map_64k(p);

	(void)state;
	assert_int_equal(vm_munmap(p->mm, a + PAGE_SIZE, 15 * PAGE_SIZE), 0);
	assert_int_equal(deferred_split_count(), 1);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_NR_ANON_PARTIALLY_MAPPED), 1);
	assert_int_equal(vm_munmap(p->mm, a, PAGE_SIZE), 0);
	assert_int_equal(deferred_split_count(), 0);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_NR_ANON_PARTIALLY_MAPPED), 0);
	assert_int_equal(mthp_stat_read(4, MTHP_STAT_NR_ANON), 0);
	assert_int_equal(deferred_split_scan(~0UL), 0);
	thp_reset_anon_orders();
	process_destroy(p);
	vt_assert_all_free();
}

/* A PMD THP: munmap of half splits the PMD, queues the folio; the scan frees 1M. */
static void pmd_thp_partial_unmap(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);
	unsigned long before;
	struct folio *f;

	(void)state;
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	vt_fill(p, (unsigned long)a, 0x77, PAGE_SIZE);
	f = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(folio_order(f), HPAGE_PMD_ORDER);
	assert_int_equal(mthp_stat_read(HPAGE_PMD_ORDER, MTHP_STAT_ANON_FAULT_ALLOC), 1);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + PMD_SIZE / 2, PMD_SIZE / 2), 0);
	assert_int_equal(node_page_state(THP_SPLIT_PMD), 1);
	assert_int_equal(node_page_state(THP_DEFERRED_SPLIT_PAGE), 1);
	assert_int_equal(mthp_stat_read(HPAGE_PMD_ORDER, MTHP_STAT_SPLIT_DEFERRED), 1);
	before = nr_free_pages();
	assert_int_equal(deferred_split_scan(~0UL), 1);
	assert_int_equal(nr_free_pages(), before + HPAGE_PMD_NR / 2);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE), 1);
	assert_int_equal(node_page_state(THP_SPLIT_PAGE_FAILED), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x77);
	assert_int_equal(folio_order(page_folio(vt_page(p->mm, (unsigned long)a))), 0);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(partial_unmap_queues_and_scan_splits, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pinned_folio_is_not_split, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(freed_folio_leaves_queue, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pmd_thp_partial_unmap, vt_setup, vt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
