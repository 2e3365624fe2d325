/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hugetlb: the pool, private and shared MAP_HUGETLB faults, COW by mapcount,
 * fork of a maybe-pinned page (and the release before 4eae4efa2c29), zap back
 * to the pool, the alignment refusals, and migration out of ZONE_MOVABLE.
 */
#include "vm_test.h"
#include <pinmm/mem/kernel.h>
#include <pinmm/vm/hugetlb.h>

#define RW (PROT_READ | PROT_WRITE)

static long ht_mmap(struct process *p, unsigned long len, unsigned long flags)
{
	return vm_mmap(p->mm, 0, len, RW, flags | MAP_ANONYMOUS | MAP_HUGETLB, NULL, 0);
}

static unsigned long ht_free(void)
{
	struct hstate_counts c;

	hugetlb_counts(&default_hstate, &c);
	return c.free_huge_pages;
}

/* Before vt_assert_all_free(): the pool's pages go back to the buddy allocator. */
static void ht_release_and_assert_free(void)
{
	hugetlb_pool_release();
	vt_assert_all_free();
}

/* A private fault takes one pool folio: anonymous, exclusive, order 9, one PMD. */
static void private_fault_maps_one_pool_folio(void **state)
{
	struct process *p = process_create("p");
	struct folio *folio;
	long a;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 2), 2);
	a = ht_mmap(p, PAGE_SIZE, MAP_PRIVATE);		/* rounded up to 2 MiB */
	assert_true(a > 0);
	assert_true(IS_ALIGNED((unsigned long)a, HPAGE_SIZE));
	assert_int_equal(vma_lookup(p->mm, (unsigned long)a)->vm_end, (unsigned long)a + HPAGE_SIZE);
	assert_int_equal(vt_byte(p, (unsigned long)a + 12345), 0);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_true(folio_test_hugetlb(folio));
	assert_true(folio_test_anon(folio));
	assert_true(PageAnonExclusive(&folio->page));
	assert_int_equal(folio_order(folio), HUGETLB_PAGE_ORDER);
	assert_int_equal(folio_mapcount(folio), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_false(folio_test_lru(folio));
	/* The read fault mapped it read-only; the write reuses it in place. */
	assert_false(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	vt_fill(p, (unsigned long)a, 0x11, HPAGE_SIZE);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), folio);
	assert_true(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(ht_free(), 1);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a, HPAGE_SIZE), 0);
	assert_int_equal(ht_free(), 2);		/* back to the pool, not the buddy allocator */
	process_destroy(p);
	ht_release_and_assert_free();
}

/* fork: both share the folio read-only; the parent's write copies (mapcount 2). */
static void fork_then_write_copies(void **state)
{
	struct process *p = process_create("p"), *c;
	struct folio *folio;
	long a;

	(void)state;
	hugetlb_set_nr_pages(&default_hstate, 2);
	a = ht_mmap(p, HPAGE_SIZE, MAP_PRIVATE);
	vt_fill(p, (unsigned long)a, 0x21, HPAGE_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	c = process_fork(p, "c");
	assert_int_equal(folio_mapcount(folio), 2);
	assert_false(PageAnonExclusive(&folio->page));
	vt_fill(p, (unsigned long)a, 0x22, 1);
	assert_ptr_not_equal(page_folio(vt_page(p->mm, (unsigned long)a)), folio);
	assert_int_equal(vt_byte(c, (unsigned long)a), 0x21);
	assert_int_equal(vt_byte(c, (unsigned long)a + HPAGE_SIZE - 1), 0x21);
	assert_int_equal(vt_byte(p, (unsigned long)a + 1), 0x21);
	assert_int_equal(folio_mapcount(folio), 1);
	process_destroy(c);
	process_destroy(p);
	ht_release_and_assert_free();
}

/*
 * The reuse rule is the mapcount: a reference from outside (FOLL_GET, as
 * vmsplice() takes) does not stop the last mapper from writing the page in
 * place, which is cow.c's expected failure on hugetlb.
 */
static void reuse_ignores_extra_reference(void **state)
{
	struct process *p = process_create("p"), *c;
	struct folio *folio;
	long a;

	(void)state;
	hugetlb_set_nr_pages(&default_hstate, 2);
	a = ht_mmap(p, HPAGE_SIZE, MAP_PRIVATE);
	vt_fill(p, (unsigned long)a, 0x31, HPAGE_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	c = process_fork(p, "c");
	folio_get(folio);			/* the pipe's reference */
	process_destroy(c);
	assert_int_equal(folio_mapcount(folio), 1);
	vt_fill(p, (unsigned long)a, 0x32, 1);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), folio);
	assert_true(PageAnonExclusive(&folio->page));
	assert_int_equal(((unsigned char *)folio_address(folio))[0], 0x32);
	folio_put(folio);
	process_destroy(p);
	ht_release_and_assert_free();
}

/* A maybe-pinned exclusive folio is copied for the child; the parent keeps it. */
static void fork_copies_pinned_folio(void **state)
{
	struct process *p = process_create("p"), *c;
	struct folio *folio;
	long a;

	(void)state;
	hugetlb_set_nr_pages(&default_hstate, 2);
	a = ht_mmap(p, HPAGE_SIZE, MAP_PRIVATE);
	vt_fill(p, (unsigned long)a, 0x41, HPAGE_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(vt_pin_page(&folio->page), 0);
	set_bit(MMF_HAS_PINNED, &p->mm->flags);
	c = process_fork(p, "c");
	assert_ptr_not_equal(page_folio(vt_page(c->mm, (unsigned long)a)), folio);
	assert_true(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	assert_true(PageAnonExclusive(&folio->page));
	assert_int_equal(folio_mapcount(folio), 1);
	assert_int_equal(vt_byte(c, (unsigned long)a + 77), 0x41);
	vt_fill(p, (unsigned long)a, 0x42, 1);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), folio);
	assert_int_equal(vt_byte(c, (unsigned long)a), 0x41);
	assert_int_equal(ht_free(), 0);
	vt_unpin_page(&folio->page);
	process_destroy(c);
	process_destroy(p);
	ht_release_and_assert_free();
}

/* Before 5.12 the child shared it, and the parent's write left the pinned folio. */
static void fork_shared_pinned_folio_before_5_12(void **state)
{
	struct process *p = process_create("p"), *c;
	struct folio *folio;
	long a;

	(void)state;
	assert_int_equal(kernel_select("v5.10"), 0);
	assert_false(kernel_has(KSW_HUGETLB_FORK_COPIES_PINNED));
	hugetlb_set_nr_pages(&default_hstate, 2);
	a = ht_mmap(p, HPAGE_SIZE, MAP_PRIVATE);
	vt_fill(p, (unsigned long)a, 0x51, HPAGE_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_int_equal(vt_pin_page(&folio->page), 0);
	set_bit(MMF_HAS_PINNED, &p->mm->flags);
	c = process_fork(p, "c");
	assert_ptr_equal(page_folio(vt_page(c->mm, (unsigned long)a)), folio);
	vt_fill(p, (unsigned long)a, 0x52, 1);
	assert_ptr_not_equal(page_folio(vt_page(p->mm, (unsigned long)a)), folio);
	vt_unpin_page(&folio->page);
	process_destroy(c);
	process_destroy(p);
	assert_int_equal(kernel_select(NULL), 0);
	ht_release_and_assert_free();
}

/* MAP_SHARED: one page-cache folio, writable in place, seen by the child. */
static void shared_mapping_shares_cache_folio(void **state)
{
	struct process *p = process_create("p"), *c;
	struct folio *folio;
	long a;

	(void)state;
	hugetlb_set_nr_pages(&default_hstate, 1);
	a = ht_mmap(p, HPAGE_SIZE, MAP_SHARED);
	vt_fill(p, (unsigned long)a, 0x61, HPAGE_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_false(folio_test_anon(folio));
	assert_true(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(folio_ref_count(folio), 2);	/* cache + mapping */
	c = process_fork(p, "c");
	vt_fill(c, (unsigned long)a + 5, 0x62, 1);
	assert_ptr_equal(page_folio(vt_page(c->mm, (unsigned long)a)), folio);
	assert_int_equal(vt_byte(p, (unsigned long)a + 5), 0x62);
	assert_int_equal(ht_free(), 0);
	process_destroy(c);
	process_destroy(p);
	assert_int_equal(ht_free(), 1);		/* the file went with its last mapping */
	ht_release_and_assert_free();
}

static void alignment_and_empty_pool(void **state)
{
	struct process *p = process_create("p");
	unsigned char b;
	long a;

	(void)state;
	hugetlb_set_nr_pages(&default_hstate, 1);
	a = ht_mmap(p, 2 * HPAGE_SIZE, MAP_PRIVATE);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + PAGE_SIZE, PAGE_SIZE), -EINVAL);
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, PAGE_SIZE, PROT_READ), -EINVAL);
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, HPAGE_SIZE, HPAGE_SIZE, MREMAP_MAYMOVE, 0),
			 -EINVAL);
	assert_int_equal(vm_mmap(p->mm, (unsigned long)a + PAGE_SIZE, HPAGE_SIZE, RW,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, NULL, 0), -EINVAL);
	/* MADV_DONTNEED: a huge page boundary to start at; a partial one at the end stays. */
	vt_fill(p, (unsigned long)a, 0x70, 1);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED),
			 -EINVAL);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, HPAGE_SIZE - PAGE_SIZE, MADV_DONTNEED), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x70);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, HPAGE_SIZE, MADV_DONTNEED), 0);
	assert_int_equal(ht_free(), 1);
	vt_fill(p, (unsigned long)a, 0x71, 1);
	/* The pool is empty now: the second huge page's fault is SIGBUS. */
	assert_int_not_equal(uaccess_read(p->mm, (unsigned long)a + HPAGE_SIZE, &b, 1), 0);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a, HPAGE_SIZE), 0);
	assert_int_equal(ht_free(), 1);
	process_destroy(p);
	ht_release_and_assert_free();
}

/* A pool folio in ZONE_MOVABLE migrates to one outside it; a pinned one does not. */
static void migrate_out_of_movable(void **state)
{
	struct mem_config cfg = { .movable_bytes = 16UL << 20 };
	struct process *p;
	struct folio *folio, *dst = NULL;
	long a;

	(void)state;
	vt_teardown(NULL);
	assert_int_equal(mem_init(&cfg), 0);
	vt_pins = calloc(contig_page_data.node_spanned_pages, sizeof(*vt_pins));
	pin_config.tracker = &vt_tracker;
	vt_free0 = nr_free_pages();
	p = process_create("p");
	/* htlb_alloc_mask() is movable: the pool fills ZONE_MOVABLE first. */
	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 1), 1);
	a = ht_mmap(p, HPAGE_SIZE, MAP_PRIVATE);
	vt_fill(p, (unsigned long)a, 0x81, HPAGE_SIZE);
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_true(folio_is_zone_movable(folio));
	assert_int_equal(vt_pin_page(&folio->page), 0);
	folio_get(folio);			/* the migration caller's reference */
	assert_int_equal(migrate_folio_to(folio, GFP_HIGHUSER, &dst), -EAGAIN);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), folio);
	assert_int_equal(folio_mapcount(folio), 1);
	vt_unpin_page(&folio->page);
	assert_int_equal(migrate_folio_to(folio, GFP_HIGHUSER, &dst), 0);
	folio_put(folio);
	/* The target was temporary (the pool had no other page); the pool keeps its size. */
	assert_false(folio_is_zone_movable(dst));
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), dst);
	assert_true(PageAnonExclusive(&dst->page));
	assert_true(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(vt_byte(p, (unsigned long)a + HPAGE_SIZE - 1), 0x81);
	assert_false(folio_test_hugetlb_temporary(dst));
	process_destroy(p);
	assert_int_equal(ht_free(), 1);
	ht_release_and_assert_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(private_fault_maps_one_pool_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(fork_then_write_copies, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(reuse_ignores_extra_reference, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(fork_copies_pinned_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(fork_shared_pinned_folio_before_5_12, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(shared_mapping_shares_cache_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(alignment_and_empty_pool, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(migrate_out_of_movable, vt_setup, vt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
