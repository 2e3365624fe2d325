/* SPDX-License-Identifier: GPL-2.0-only */
/* mremap(): shrink, grow in place, move; a move moves page tables, not pages. */
#include "vm_test.h"
#include <pinmm/vm/migrate.h>

#define RW (PROT_READ | PROT_WRITE)

/* A moved anon page keeps its identity, its pin, PageAnonExclusive and its mapcount. */
static void move_keeps_page_pin_and_exclusive(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 4 * PAGE_SIZE, RW, MAP_PRIVATE);
	long dst = vt_mmap_anon(p, 8 * PAGE_SIZE, RW, MAP_PRIVATE);
	struct page *pg;
	long rss;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x31, 4 * PAGE_SIZE);
	pg = vt_page(p->mm, (unsigned long)a + PAGE_SIZE);
	assert_int_equal(vt_pin_page(pg), 0);
	rss = get_mm_counter(p->mm, MM_ANONPAGES);
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, 4 * PAGE_SIZE, 4 * PAGE_SIZE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, (unsigned long)dst + 2 * PAGE_SIZE),
			 dst + 2 * (long)PAGE_SIZE);
	assert_null(vma_lookup(p->mm, (unsigned long)a));
	assert_ptr_equal(vt_page(p->mm, (unsigned long)dst + 3 * PAGE_SIZE), pg);
	assert_true(PageAnonExclusive(pg));
	assert_int_equal(folio_mapcount(page_folio(pg)), 1);
	assert_int_equal(vt_pincount(page_folio(pg)), 1);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), rss);
	/* Exclusive still: a write goes to the pinned page, no COW. */
	vt_fill(p, (unsigned long)dst + 3 * PAGE_SIZE, 0x32, 1);
	assert_ptr_equal(vt_page(p->mm, (unsigned long)dst + 3 * PAGE_SIZE), pg);
	assert_int_equal(vt_byte(p, (unsigned long)dst + 2 * PAGE_SIZE), 0x31);
	/* The FIXED target's old pages were unmapped; its other pages are still there. */
	assert_non_null(vma_lookup(p->mm, (unsigned long)dst));
	vt_unpin_page(pg);
	process_destroy(p);
	vt_assert_all_free();
}

/*
 * The new VMA keeps the old vm_pgoff: the rmap still finds a moved page, so
 * migration can unmap it and put its migration entry back at the new address.
 */
static void rmap_finds_moved_pages(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 2 * PAGE_SIZE, RW, MAP_PRIVATE);
	long dst = vt_mmap_anon(p, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE);
	struct page *pg;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x35, 2 * PAGE_SIZE);
	pg = vt_page(p->mm, (unsigned long)a + PAGE_SIZE);
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, (unsigned long)dst), dst);
	assert_int_equal(vma_lookup(p->mm, (unsigned long)dst)->vm_pgoff, (unsigned long)a >> PAGE_SHIFT);
	assert_int_equal(migrate_range(p->mm, (unsigned long)dst, 2 * PAGE_SIZE), 2);
	assert_ptr_not_equal(vt_page(p->mm, (unsigned long)dst + PAGE_SIZE), pg);
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)dst + PAGE_SIZE)));
	assert_int_equal(vt_byte(p, (unsigned long)dst + PAGE_SIZE + 9), 0x35);
	process_destroy(p);
	vt_assert_all_free();
}

static void shrink_and_grow_in_place(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 4 * PAGE_SIZE, RW, MAP_PRIVATE);
	struct vm_area_struct *vma;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x41, 4 * PAGE_SIZE);
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, 4 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0), a);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 2);
	assert_null(vma_lookup(p->mm, (unsigned long)a + 2 * PAGE_SIZE));
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, 2 * PAGE_SIZE, 6 * PAGE_SIZE, 0, 0), a);
	vma = vma_lookup(p->mm, (unsigned long)a);
	assert_int_equal(vma->vm_end, (unsigned long)a + 6 * PAGE_SIZE);
	/* The grown part is new, empty memory; the old part kept its data. */
	assert_int_equal(vt_byte(p, (unsigned long)a + 5 * PAGE_SIZE), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a + PAGE_SIZE), 0x41);
	process_destroy(p);
	vt_assert_all_free();
}

static void grow_without_room(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 2 * PAGE_SIZE, RW, MAP_PRIVATE);
	long b = vm_mmap(p->mm, (unsigned long)a + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	struct page *pg;
	long n;

	(void)state;
	assert_int_equal(b, a + 2 * (long)PAGE_SIZE);
	vt_fill(p, (unsigned long)a, 0x51, 2 * PAGE_SIZE);
	pg = vt_page(p->mm, (unsigned long)a);
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0, 0),
			 -ENOMEM);
	n = do_mremap(p->mm, (unsigned long)a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	assert_true(n > 0 && n != a);
	assert_ptr_equal(vt_page(p->mm, (unsigned long)n), pg);
	assert_int_equal(vma_lookup(p->mm, (unsigned long)n)->vm_end, (unsigned long)n + 4 * PAGE_SIZE);
	assert_null(vma_lookup(p->mm, (unsigned long)a));
	process_destroy(p);
	vt_assert_all_free();
}

static void refusals(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 4 * PAGE_SIZE, RW, MAP_PRIVATE);

	(void)state;
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, PAGE_SIZE, PAGE_SIZE, MREMAP_FIXED,
				   (unsigned long)a + 8 * PAGE_SIZE), -EINVAL);
	assert_int_equal(do_mremap(p->mm, (unsigned long)a + 1, PAGE_SIZE, PAGE_SIZE, 0, 0), -EINVAL);
	/* The target overlaps the source. */
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, (unsigned long)a + PAGE_SIZE),
			 -EINVAL);
	/* Past the VMA's end. */
	assert_int_equal(do_mremap(p->mm, (unsigned long)a, 5 * PAGE_SIZE, 8 * PAGE_SIZE,
				   MREMAP_MAYMOVE, 0), -EFAULT);
	assert_int_equal(do_mremap(p->mm, (unsigned long)a + 64 * PAGE_SIZE, PAGE_SIZE,
				   2 * PAGE_SIZE, MREMAP_MAYMOVE, 0), -EFAULT);
	process_destroy(p);
	vt_assert_all_free();
}

static long map_thp(struct process *p)
{
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);

	assert_true(a > 0 && IS_ALIGNED((unsigned long)a, PMD_SIZE));
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	vt_fill(p, (unsigned long)a, 0x61, PMD_SIZE);
	assert_true(pmd_trans_huge(vt_pmd(p->mm, (unsigned long)a)));
	return a;
}

/* cow.c's "partially mremap()'ed THP": the PMD is split, the folio is not. */
static void half_thp_move_splits_pmd_not_folio(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p), dst = vt_mmap_anon(p, PMD_SIZE / 2, RW, MAP_PRIVATE);
	long split_page = node_page_state(THP_SPLIT_PAGE);
	unsigned long half = (unsigned long)a + PMD_SIZE / 2;
	struct folio *folio = page_folio(vt_page(p->mm, (unsigned long)a));
	struct page *upper = vt_page(p->mm, half);

	(void)state;
	assert_int_equal(vt_pin_page(upper), 0);
	assert_int_equal(do_mremap(p->mm, half, PMD_SIZE / 2, PMD_SIZE / 2,
				   MREMAP_MAYMOVE | MREMAP_FIXED, (unsigned long)dst), dst);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(node_page_state(THP_SPLIT_PAGE), split_page);
	assert_int_equal(folio_order(folio), HPAGE_PMD_ORDER);
	assert_int_equal(folio_entire_mapcount(folio), 0);
	assert_int_equal(folio_mapcount(folio), HPAGE_PMD_NR);
	assert_ptr_equal(vt_page(p->mm, (unsigned long)dst), upper);
	assert_true(PageAnonExclusive(upper));
	assert_int_equal(vt_pincount(folio), 1);
	assert_null(vma_lookup(p->mm, half));
	assert_int_equal(vt_byte(p, (unsigned long)dst + 7), 0x61);
	vt_unpin_page(upper);
	process_destroy(p);
	vt_assert_all_free();
}

/* A whole, aligned PMD moves as a PMD: still one PMD mapping of the folio. */
static void whole_thp_moves_as_pmd(void **state)
{
	struct process *p = process_create("p");
	long a = map_thp(p);
	struct folio *folio = page_folio(vt_page(p->mm, (unsigned long)a));
	long n;

	(void)state;
	n = do_mremap(p->mm, (unsigned long)a, PMD_SIZE, 2 * PMD_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		      (unsigned long)a + 4 * PMD_SIZE);
	assert_int_equal(n, a + 4 * (long)PMD_SIZE);
	assert_true(pmd_trans_huge(vt_pmd(p->mm, (unsigned long)n)));
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)n)), folio);
	assert_int_equal(folio_entire_mapcount(folio), 1);
	assert_int_equal(folio_mapcount(folio), 1);
	/* The deposited table moved with it: a later split still works. */
	assert_int_equal(vm_munmap(p->mm, (unsigned long)n + PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(folio_mapcount(folio), HPAGE_PMD_NR - 1);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(move_keeps_page_pin_and_exclusive, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(rmap_finds_moved_pages, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(shrink_and_grow_in_place, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(grow_without_room, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(refusals, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(half_thp_move_splits_pmd_not_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(whole_thp_moves_as_pmd, vt_setup, vt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
