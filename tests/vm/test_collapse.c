/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MADV_COLLAPSE and one khugepaged pass: PTE-mapped anonymous memory becomes
 * a PMD-mapped THP (a copy this mm alone maps), unless a page has a reference
 * no mapping explains; and the huge zero page a read fault maps.
 */
#include "vm_test.h"
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/mem/rcu.h>

#define RW (PROT_READ | PROT_WRITE)

/* 2M of base pages (THP off for the VMA while it is filled), then MADV_HUGEPAGE. */
static unsigned long map_small_pages(struct process *p, int c)
{
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);

	assert_true(a > 0 && IS_ALIGNED((unsigned long)a, PMD_SIZE));
	vt_fill(p, (unsigned long)a, c, PMD_SIZE);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	return (unsigned long)a;
}

static void collapse_makes_exclusive_pmd_thp(void **state)
{
	struct process *p = process_create("p"), *c;
	unsigned long a = map_small_pages(p, 0x21);
	struct page *old = vt_page(p->mm, a + PAGE_SIZE), *head;

	(void)state;
	c = process_fork(p, "c");
	assert_int_equal(do_madvise(p->mm, a, PMD_SIZE, MADV_COLLAPSE), 0);
	assert_true(pmd_leaf(vt_pmd(p->mm, a)));
	head = vt_page(p->mm, a);
	assert_int_equal(folio_order(page_folio(head)), HPAGE_PMD_ORDER);
	assert_true(PageAnonExclusive(head));
	assert_int_equal(folio_mapcount(page_folio(head)), 1);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), HPAGE_PMD_NR);
	/* The child keeps the old, now unshared, pages; the data came along. */
	assert_ptr_equal(vt_page(c->mm, a + PAGE_SIZE), old);
	assert_int_equal(folio_mapcount(page_folio(old)), 1);
	assert_int_equal(vt_byte(p, a + PAGE_SIZE + 7), 0x21);
	vt_fill(p, a, 0x22, PMD_SIZE);
	assert_int_equal(vt_byte(c, a + PAGE_SIZE + 7), 0x21);
	/* A PMD-mapped range is already collapsed. */
	assert_int_equal(do_madvise(p->mm, a, PMD_SIZE, MADV_COLLAPSE), 0);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

/* A pinned page refuses the range; nothing changes. */
static void pinned_page_refuses_collapse(void **state)
{
	struct process *p = process_create("p");
	unsigned long a = map_small_pages(p, 0x31);
	struct page *pg = vt_page(p->mm, a + 9 * PAGE_SIZE);

	(void)state;
	assert_int_equal(vt_pin_page(pg), 0);
	assert_int_equal(do_madvise(p->mm, a, PMD_SIZE, MADV_COLLAPSE), -EAGAIN);
	assert_int_equal(khugepaged_collapse_range(p->mm, a, a + PMD_SIZE), -EAGAIN);
	assert_false(pmd_leaf(vt_pmd(p->mm, a)));
	assert_ptr_equal(vt_page(p->mm, a + 9 * PAGE_SIZE), pg);
	vt_unpin_page(pg);
	assert_int_equal(do_madvise(p->mm, a, PMD_SIZE, MADV_COLLAPSE), 0);
	assert_true(pmd_leaf(vt_pmd(p->mm, a)));
	process_destroy(p);
	vt_assert_all_free();
}

/* khugepaged obeys max_ptes_none and the sysfs settings; MADV_COLLAPSE neither. */
static void khugepaged_limits(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);
	int saved = khugepaged_max_ptes_none;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x41, PAGE_SIZE);
	/* No MADV_HUGEPAGE and "madvise": khugepaged may not touch it. */
	assert_int_equal(khugepaged_collapse_range(p->mm, (unsigned long)a, (unsigned long)a + PMD_SIZE),
			 -EINVAL);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	khugepaged_max_ptes_none = 0;
	assert_int_equal(khugepaged_collapse_range(p->mm, (unsigned long)a, (unsigned long)a + PMD_SIZE),
			 -ENOMEM);
	khugepaged_max_ptes_none = saved;
	assert_int_equal(khugepaged_collapse_range(p->mm, (unsigned long)a, (unsigned long)a + PMD_SIZE), 0);
	assert_true(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(vt_byte(p, (unsigned long)a + 5), 0x41);
	assert_int_equal(vt_byte(p, (unsigned long)a + 5 * PAGE_SIZE), 0);
	/* 6.0 has no MADV_COLLAPSE. */
	assert_int_equal(kernel_select("v5.15"), 0);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_COLLAPSE), -EINVAL);
	assert_int_equal(kernel_select(NULL), 0);
	process_destroy(p);
	vt_assert_all_free();
}

/* A read fault maps the huge zero page; a write splits it and COWs one page. */
static void huge_zero_page(void **state)
{
	struct process *p = process_create("p"), *c;
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);
	struct folio *zero;

	(void)state;
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a + 3 * PAGE_SIZE), 0);
	assert_true(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	zero = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_true(is_huge_zero_folio(zero));
	assert_true(is_huge_zero_pmd(vt_pmd(p->mm, (unsigned long)a)));
	assert_false(pmd_write(vt_pmd(p->mm, (unsigned long)a)));
	assert_false(folio_mapped(zero));
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 0);
	c = process_fork(p, "c");
	assert_true(is_huge_zero_pmd(vt_pmd(c->mm, (unsigned long)a)));
	vt_fill(p, (unsigned long)a + 5 * PAGE_SIZE, 0x51, 1);
	assert_false(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_true(is_zero_page(vt_page(p->mm, (unsigned long)a + 4 * PAGE_SIZE)));
	assert_true(PageAnonExclusive(vt_page(p->mm, (unsigned long)a + 5 * PAGE_SIZE)));
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 1);
	assert_int_equal(vt_byte(c, (unsigned long)a + 5 * PAGE_SIZE), 0);
	process_destroy(c);
	process_destroy(p);
	/* The last mm's reference gone, the huge zero folio is freed. */
	vt_assert_all_free();
	/* use_zero_page=0: a read fault allocates the THP itself. */
	huge_zero_page_enabled = false;
	p = process_create("p");
	a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0);
	assert_true(folio_test_anon(page_folio(vt_page(p->mm, (unsigned long)a))));
	huge_zero_page_enabled = true;
	process_destroy(p);
	vt_assert_all_free();
}

struct collapse_zap {
	struct process *p;
	unsigned long a;
	int collapse, munmap;
	atomic_bool done;
};

static void *collapse_then_zap(void *arg)
{
	struct collapse_zap *cz = arg;

	cz->collapse = do_madvise(cz->p->mm, cz->a, PMD_SIZE, MADV_COLLAPSE);
	/* zap_huge_pmd() frees the deposited table at once (zap_deposited_table). */
	cz->munmap = vm_munmap(cz->p->mm, cz->a, PMD_SIZE);
	atomic_store(&cz->done, true);
	return NULL;
}

/*
 * The collapsed range's PTE table becomes the new PMD's deposit, which a zap
 * frees without a grace period. A GUP-fast walker that loaded the old PMD is
 * still reading that table, so the collapse must wait for it first (mainline's
 * tlb_remove_table_sync_one() after pmdp_collapse_flush()).
 */
static void collapse_waits_for_lockless_walker(void **state)
{
	struct process *p = process_create("p");
	struct collapse_zap cz = { .p = p, .a = map_small_pages(p, 0x51) };
	struct page *table;
	pthread_t t;
	pte_t *pte;
	bool freed_under_reader = false;

	(void)state;
	atomic_init(&cz.done, false);
	pte = pte_offset_map(mm_find_pmd(p->mm, cz.a), cz.a);
	assert_non_null(pte);
	table = virt_to_table_page(pte);
	assert_int_equal(pthread_create(&t, NULL, collapse_then_zap, &cz), 0);
	for (int i = 0; i < 300 && !atomic_load(&cz.done); i++)
		usleep(1000);
	if (atomic_load(&cz.done))
		freed_under_reader = PageBuddy(table);
	pte_unmap(pte);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(freed_under_reader);
	assert_int_equal(cz.collapse, 0);
	assert_int_equal(cz.munmap, 0);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(collapse_makes_exclusive_pmd_thp, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pinned_page_refuses_collapse, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(khugepaged_limits, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(huge_zero_page, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(collapse_waits_for_lockless_walker, vt_setup,
						vt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
