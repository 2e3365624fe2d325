/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 1 GiB hugetlb pages: the gigantic pool (512 contiguous pageblocks out of
 * the buddy allocator and back), PUD leaves faulted, zapped, forked (COW, and
 * the copy of a maybe-pinned page), mprotected, pinned by GUP-fast and the
 * slow path as one folio, R/O pins unsharing, long-term pins of a pool page
 * that is never in CMA, and a 1 GiB hugetlbfs memfd.
 *
 * The machine is 3 GiB: RAM starts at 16 MiB, so ZONE_NORMAL holds two
 * 1 GiB-aligned ranges. Each test touches a few pages of the huge page, not
 * all of it: the arena is sparse, so a test costs what it writes.
 */
#include "gup_test.h"
#include <pinmm/fs/memfd.h>
#include <pinmm/vm/hugetlb.h>

#define RW (PROT_READ | PROT_WRITE)
#define GIGA (1UL << 30)
#define GIGA_NR (GIGA >> PAGE_SHIFT)
#define MAP_HUGE_1G (30UL << MAP_HUGE_SHIFT)

static struct hstate *giga(void)
{
	return size_to_hstate(GIGA);
}

static int setup_3g(void **state)
{
	struct mem_config cfg = { .ram_bytes = 3 * GIGA };

	(void)state;
	return gt_boot(&cfg, "mainline");
}

/* 3 GiB with the top 1 GiB of ZONE_NORMAL as CMA: one gigantic page fits below it. */
static int setup_3g_cma(void **state)
{
	struct mem_config cfg = { .ram_bytes = 3 * GIGA, .cma_bytes = GIGA };

	(void)state;
	return gt_boot(&cfg, "mainline");
}

static int teardown(void **state)
{
	if (gt_proc)
		process_destroy(gt_proc);
	gt_proc = NULL;
	hugetlb_pool_release();
	return gt_teardown(state);
}

static unsigned long free_giga(void)
{
	struct hstate_counts c;

	hugetlb_counts(giga(), &c);
	return c.free_huge_pages;
}

/* A private MAP_HUGETLB|MAP_HUGE_1GB mapping with a byte written at a few offsets. */
static unsigned long giga_map(struct mm_struct *mm, unsigned long flags, int fill)
{
	long a = vm_mmap(mm, 0, GIGA, RW, flags | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1G, NULL, 0);
	unsigned char c = (unsigned char)fill;

	assert_true(a > 0);
	assert_true(IS_ALIGNED((unsigned long)a, GIGA));
	assert_int_equal(uaccess_write(mm, (unsigned long)a, &c, 1), 0);
	assert_int_equal(uaccess_write(mm, (unsigned long)a + GIGA / 2 + 4097, &c, 1), 0);
	assert_int_equal(uaccess_write(mm, (unsigned long)a + GIGA - 1, &c, 1), 0);
	return (unsigned long)a;
}

static struct folio *mapped_folio(struct mm_struct *mm, unsigned long a)
{
	struct page *page = gt_mapped_page(mm, a);

	return page ? page_folio(page) : NULL;
}

/* nr_hugepages of hugepages-1048576kB: aligned order-18 folios in NORMAL, given back whole. */
static void test_pool_takes_contiguous_pageblocks(void **state)
{
	unsigned long free0 = nr_free_pages(), normal0 = zone_free_pages(ZONE_NORMAL);
	struct folio *folio;

	(void)state;
	assert_true(giga() && hstate_is_gigantic(giga()));
	assert_int_equal(huge_page_order(giga()), 18);
	assert_false(hstate_is_gigantic(&default_hstate));
	/* Three would need a third aligned 1 GiB of ZONE_NORMAL: there are two. */
	assert_int_equal(hugetlb_set_nr_pages(giga(), 3), 2);
	assert_int_equal(free_giga(), 2);
	assert_int_equal(nr_free_pages(), free0 - 2 * GIGA_NR);
	assert_int_equal(zone_free_pages(ZONE_NORMAL), normal0 - 2 * GIGA_NR);
	assert_int_equal(buddy_check_integrity(), 0);
	folio = dequeue_hugetlb_folio(giga(), GFP_HIGHUSER);
	assert_non_null(folio);
	assert_int_equal(folio_order(folio), 18);
	assert_true(folio_test_hugetlb(folio));
	assert_true(IS_ALIGNED(folio_pfn(folio), GIGA_NR));
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(atomic_load(&folio->_entire_mapcount), -1);
	assert_ptr_equal(page_folio(folio_page(folio, GIGA_NR - 1)), folio);
	folio_put(folio);		/* back to the pool, not to the buddy allocator */
	assert_int_equal(free_giga(), 2);
	assert_int_equal(nr_free_pages(), free0 - 2 * GIGA_NR);
	/* The 2 MiB pool still comes from what is left. */
	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 4), 4);
	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 0), 0);
	assert_int_equal(hugetlb_set_nr_pages(giga(), 0), 0);
	assert_int_equal(nr_free_pages(), free0);
	assert_int_equal(buddy_check_integrity(), 0);
	/* Back as pageblocks that merge into order-9 blocks again: a second pool forms. */
	assert_int_equal(hugetlb_set_nr_pages(giga(), 2), 2);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
}

/* A gigantic page is never movable (hugepage_movable_supported()): CMA pageblocks are out. */
static void test_pool_avoids_cma(void **state)
{
	struct folio *folio;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 2), 1);
	folio = dequeue_hugetlb_folio(giga(), GFP_HIGHUSER);
	assert_non_null(folio);
	assert_false(folio_is_cma(folio));
	assert_false(folio_is_zone_movable(folio));
	folio_put(folio);
}

/* One PUD leaf maps the folio; no PMD table exists under it; munmap gives it back to the pool. */
static void test_pud_fault_and_zap(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct folio *folio;
	unsigned long a;
	pud_t *pud;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 2), 2);
	a = giga_map(mm, MAP_PRIVATE, 0x21);
	pud = mm_find_pud(mm, a);
	assert_non_null(pud);
	assert_true(pud_leaf(pudp_get(pud)));
	assert_true(pud_val(pudp_get(pud)) & _PAGE_RW);
	assert_null(mm_find_pmd(mm, a));
	folio = mapped_folio(mm, a);
	assert_int_equal(folio_order(folio), 18);
	assert_true(folio_test_anon(folio));
	assert_true(PageAnonExclusive(&folio->page));
	assert_int_equal(folio_mapcount(folio), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_ptr_equal(gt_mapped_page(mm, a + GIGA / 2 + 4097), folio_page(folio, GIGA_NR / 2 + 1));
	assert_int_equal(gt_uread(mm, a + GIGA - 1), 0x21);
	assert_int_equal(gt_uread(mm, a + 12345), 0);	/* cleared on allocation */
	assert_int_equal(free_giga(), 1);
	/* hugetlb_vm_op_split(): no munmap of part of a 1 GiB page. */
	assert_int_equal(vm_munmap(mm, a, PMD_SIZE), -EINVAL);
	assert_int_equal(vm_munmap(mm, a, GIGA), 0);
	assert_int_equal(free_giga(), 2);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
}

/* MAP_FIXED must be 1 GiB aligned; MAP_HUGE_ with a size there is no hstate for is EINVAL. */
static void test_mmap_refusals(void **state)
{
	struct mm_struct *mm = gt_mm();

	(void)state;
	assert_int_equal(vm_mmap(mm, 0x40000000UL + PMD_SIZE, GIGA, RW,
				 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1G,
				 NULL, 0), -EINVAL);
	assert_int_equal(vm_mmap(mm, 0, GIGA, RW,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (16UL << MAP_HUGE_SHIFT),
				 NULL, 0), -EINVAL);
	/* An empty pool: the fault is SIGBUS, the access fails. */
	{
		long a = vm_mmap(mm, 0, GIGA, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1G,
				 NULL, 0);
		unsigned char c = 1;

		assert_true(a > 0);
		assert_int_not_equal(uaccess_write(mm, (unsigned long)a, &c, 1), 0);
	}
}

/* fork() shares the PUD read-only; the parent's write copies the 1 GiB page. */
static void test_fork_then_write_copies(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct folio *old, *new;
	struct process *c;
	unsigned char v = 0x99;
	unsigned long a;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 2), 2);
	a = giga_map(mm, MAP_PRIVATE, 0x31);
	old = mapped_folio(mm, a);
	c = process_fork(gt_proc, "c");
	assert_non_null(c);
	assert_ptr_equal(mapped_folio(c->mm, a), old);
	assert_int_equal(folio_mapcount(old), 2);
	assert_false(PageAnonExclusive(&old->page));
	assert_false(pud_val(pudp_get(mm_find_pud(mm, a))) & _PAGE_RW);
	assert_int_equal(uaccess_write(mm, a + 4096, &v, 1), 0);
	new = mapped_folio(mm, a);
	assert_ptr_not_equal(new, old);
	assert_int_equal(folio_order(new), 18);
	assert_true(PageAnonExclusive(&new->page));
	/* The copy carries every byte written before the fork. */
	assert_int_equal(gt_uread(mm, a), 0x31);
	assert_int_equal(gt_uread(mm, a + GIGA / 2 + 4097), 0x31);
	assert_int_equal(gt_uread(mm, a + GIGA - 1), 0x31);
	assert_int_equal(gt_uread(mm, a + 4096), 0x99);
	assert_int_equal(gt_uread(c->mm, a + 4096), 0);
	assert_int_equal(gt_uread(c->mm, a + GIGA - 1), 0x31);
	assert_int_equal(folio_mapcount(old), 1);
	assert_int_equal(free_giga(), 0);
	process_destroy(c);
	assert_int_equal(free_giga(), 1);
}

/* GUP-fast pins 1 GiB as one folio: one grab, _pincount counts every page. */
static void test_pin_fast_one_folio(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page **pages = calloc(GIGA_NR, sizeof(*pages));
	struct folio *folio;
	unsigned long a;
	int ref;

	(void)state;
	assert_non_null(pages);
	assert_int_equal(hugetlb_set_nr_pages(giga(), 1), 1);
	a = giga_map(mm, MAP_PRIVATE, 0x41);
	folio = mapped_folio(mm, a);
	ref = folio_ref_count(folio);
	assert_int_equal(pin_user_pages_fast(mm, a, (int)GIGA_NR, FOLL_WRITE, pages), (int)GIGA_NR);
	for (unsigned long i = 0; i < GIGA_NR; i += 4099)
		assert_ptr_equal(pages[i], folio_page(folio, i));
	assert_ptr_equal(pages[GIGA_NR - 1], folio_page(folio, GIGA_NR - 1));
	assert_int_equal(atomic_load(&folio->_pincount), (int)GIGA_NR);
	assert_int_equal(folio_ref_count(folio), ref + (int)GIGA_NR);
	assert_true(folio_maybe_dma_pinned(folio));
	unpin_user_pages(pages, GIGA_NR);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(folio_ref_count(folio), ref);
	/* GUP-fast alone (gup_fast_pud_leaf): no fallback to the slow path. */
	assert_int_equal(get_user_pages_fast_only(mm, a + GIGA / 2, 4, FOLL_WRITE, pages), 4);
	assert_ptr_equal(pages[3], folio_page(folio, GIGA_NR / 2 + 3));
	assert_int_equal(folio_ref_count(folio), ref + 4);
	for (int i = 0; i < 4; i++)
		put_page(pages[i]);
	assert_int_equal(folio_ref_count(folio), ref);
	/* The slow path (follow_huge_pud) takes a part of it the same way. */
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, a + GIGA - 8 * PAGE_SIZE, 8, FOLL_WRITE, pages), 8);
	mmap_read_unlock(mm);
	assert_ptr_equal(pages[7], folio_page(folio, GIGA_NR - 1));
	assert_int_equal(atomic_load(&folio->_pincount), 8);
	unpin_user_pages(pages, 8);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(pin_outstanding(), 0);
	free(pages);
}

/* fork() with a pinned exclusive 1 GiB page: the child gets its copy at once. */
static void test_fork_copies_pinned(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page *page = NULL;
	struct folio *folio;
	struct process *c;
	unsigned long a;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 2), 2);
	a = giga_map(mm, MAP_PRIVATE, 0x51);
	folio = mapped_folio(mm, a);
	assert_int_equal(pin_user_pages_fast(mm, a, 1, FOLL_WRITE, &page), 1);
	c = process_fork(gt_proc, "c");
	assert_non_null(c);
	assert_ptr_not_equal(mapped_folio(c->mm, a), folio);
	assert_int_equal(gt_uread(c->mm, a + GIGA - 1), 0x51);
	/* The parent keeps the pinned page, writable and exclusive. */
	assert_ptr_equal(mapped_folio(mm, a), folio);
	assert_true(PageAnonExclusive(&folio->page));
	assert_true(pud_val(pudp_get(mm_find_pud(mm, a))) & _PAGE_RW);
	gt_poke(page, 0x77);
	assert_int_equal(gt_uread(mm, a), 0x77);
	assert_int_equal(gt_uread(c->mm, a), 0x51);
	unpin_user_pages(&page, 1);
	process_destroy(c);
}

/* A R/O pin of a 1 GiB page shared with a child unshares it (FAULT_FLAG_UNSHARE). */
static void test_ro_pin_unshares(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page *page = NULL;
	struct folio *old;
	struct process *c;
	unsigned long a;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 2), 2);
	a = giga_map(mm, MAP_PRIVATE, 0x61);
	old = mapped_folio(mm, a);
	c = process_fork(gt_proc, "c");
	assert_int_equal(pin_user_pages_fast(mm, a, 1, 0, &page), 1);
	assert_ptr_not_equal(page_folio(page), old);
	assert_true(PageAnonExclusive(&page_folio(page)->page));
	/* Unshare keeps the new PUD read-only. */
	assert_false(pud_val(pudp_get(mm_find_pud(mm, a))) & _PAGE_RW);
	assert_int_equal(gt_peek(page, 0), 0x61);
	unpin_user_pages(&page, 1);
	process_destroy(c);
}

/* mprotect(PROT_READ) write-protects the PUD; PROT_READ|PROT_WRITE lets a fault make it writable. */
static void test_mprotect(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned char v = 3;
	unsigned long a;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 1), 1);
	a = giga_map(mm, MAP_PRIVATE, 0x71);
	assert_int_equal(do_mprotect(mm, a, GIGA, PROT_READ), 0);
	assert_false(pud_val(pudp_get(mm_find_pud(mm, a))) & _PAGE_RW);
	assert_int_not_equal(uaccess_write(mm, a, &v, 1), 0);
	assert_int_equal(gt_uread(mm, a), 0x71);
	assert_int_equal(do_mprotect(mm, a, GIGA, RW), 0);
	assert_int_equal(uaccess_write(mm, a, &v, 1), 0);
	assert_true(pud_val(pudp_get(mm_find_pud(mm, a))) & _PAGE_RW);
	assert_int_equal(gt_uread(mm, a), 3);
}

/* FOLL_LONGTERM: a gigantic pool page is never in CMA, so the pin stays where it is. */
static void test_longterm_pin_needs_no_migration(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page *page = NULL;
	struct folio *folio;
	unsigned long a;
	long n;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 1), 1);
	a = giga_map(mm, MAP_PRIVATE, 0x13);
	folio = mapped_folio(mm, a);
	mmap_read_lock(mm);
	n = pin_user_pages(mm, a, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	mmap_read_unlock(mm);
	assert_int_equal(n, 1);
	assert_ptr_equal(page_folio(page), folio);
	assert_false(folio_is_cma(folio));
	unpin_user_pages(&page, 1);
	/* No temporary gigantic target exists: only a free pool page could take it. */
	assert_int_equal(migrate_hugetlb_folio(folio, GFP_HIGHUSER, NULL), -ENOMEM);
}

/* memfd_create(MFD_HUGETLB|MFD_HUGE_1GB): a shared mapping and a private one COWing from it. */
static void test_memfd_1g(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *f;
	struct folio *cache;
	unsigned char v = 0xab;
	long s, p;
	int err = 0;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(giga(), 2), 2);
	/* A page size there is no hstate for (MFD_HUGE_16MB): hugetlb_file_setup()'s -ENODEV. */
	assert_null(memfd_create_hugetlb(GIGA, 24U << MFD_HUGE_SHIFT, &err));
	assert_int_equal(err, -ENODEV);
	f = memfd_create_hugetlb(GIGA, MFD_HUGE_1GB, &err);
	assert_non_null(f);
	assert_int_equal(err, 0);
	assert_ptr_equal(hstate_file(f), giga());
	assert_int_equal(hugetlbfs_fallocate(f, 0, GIGA), 0);
	assert_int_equal(free_giga(), 1);
	s = vm_mmap(mm, 0, GIGA, RW, MAP_SHARED, f, 0);
	p = vm_mmap(mm, 0, GIGA, RW, MAP_PRIVATE, f, 0);
	assert_true(s > 0 && p > 0);
	assert_true(IS_ALIGNED((unsigned long)s, GIGA) && IS_ALIGNED((unsigned long)p, GIGA));
	assert_int_equal(uaccess_write(mm, (unsigned long)s + 100, &v, 1), 0);
	cache = mapped_folio(mm, (unsigned long)s);
	assert_false(folio_test_anon(cache));
	assert_int_equal(gt_uread(mm, (unsigned long)p + 100), 0xab);
	assert_ptr_equal(mapped_folio(mm, (unsigned long)p), cache);
	v = 0xcd;
	assert_int_equal(uaccess_write(mm, (unsigned long)p + 100, &v, 1), 0);
	assert_ptr_not_equal(mapped_folio(mm, (unsigned long)p), cache);
	assert_int_equal(gt_uread(mm, (unsigned long)s + 100), 0xab);
	assert_int_equal(free_giga(), 0);
	assert_int_equal(vm_munmap(mm, (unsigned long)p, GIGA), 0);
	assert_int_equal(vm_munmap(mm, (unsigned long)s, GIGA), 0);
	fput(f);
	assert_int_equal(free_giga(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pool_takes_contiguous_pageblocks, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_pool_avoids_cma, setup_3g_cma, teardown),
		cmocka_unit_test_setup_teardown(test_pud_fault_and_zap, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_mmap_refusals, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_fork_then_write_copies, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_pin_fast_one_folio, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_fork_copies_pinned, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_ro_pin_unshares, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect, setup_3g, teardown),
		cmocka_unit_test_setup_teardown(test_longterm_pin_needs_no_migration, setup_3g_cma,
						teardown),
		cmocka_unit_test_setup_teardown(test_memfd_1g, setup_3g, teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
