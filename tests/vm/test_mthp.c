/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mTHP: the per-size settings, the order a write fault allocates, the large
 * mapcount and MM-ID slots of a PTE-mapped folio, COW reuse of it (6.15) and
 * what fork and a partial unmap do to it.
 */
#include "vm_test.h"
#include <pinmm/mem/kernel.h>

#define RW (PROT_READ | PROT_WRITE)
#define SZ_64K (64UL << 10)

/* A 64K-aligned MADV_HUGEPAGE area of @len, with only 64K folios enabled. */
static unsigned long map_mthp(struct process *p, unsigned long len)
{
	long a = vt_mmap_anon(p, PMD_SIZE, RW, MAP_PRIVATE);

	assert_true(a > 0 && IS_ALIGNED((unsigned long)a, PMD_SIZE));
	assert_int_equal(thp_set_anon_order_mode(HPAGE_PMD_ORDER, THP_ORDER_NEVER), 0);
	assert_int_equal(thp_set_anon_order_mode(4, THP_ORDER_ALWAYS), 0);
	if (len < PMD_SIZE)
		assert_int_equal(vm_munmap(p->mm, (unsigned long)a + len, PMD_SIZE - len), 0);
	return (unsigned long)a;
}

static void settings_follow_sysfs(void **state)
{
	(void)state;
	thp_reset_anon_orders();
	assert_int_equal(thp_anon_order_mode(HPAGE_PMD_ORDER), THP_ORDER_INHERIT);
	assert_int_equal(thp_anon_order_mode(4), THP_ORDER_NEVER);
	/* hugepages-8kB has no anon "enabled"; 4K and 4M have no directory. */
	assert_int_equal(thp_set_anon_order_mode(1, THP_ORDER_ALWAYS), -ENOENT);
	assert_int_equal(thp_set_anon_order_mode(0, THP_ORDER_ALWAYS), -ENOENT);
	assert_int_equal(thp_set_anon_order_mode(10, THP_ORDER_ALWAYS), -ENOENT);
	assert_int_equal(thp_set_anon_order_mode(4, THP_ORDER_MADVISE), 0);
	assert_int_equal(thp_anon_order_mode(4), THP_ORDER_MADVISE);
	/* 6.6 has no per-size files at all. */
	assert_int_equal(kernel_select("v6.6"), 0);
	assert_int_equal(thp_set_anon_order_mode(4, THP_ORDER_ALWAYS), -ENOENT);
	assert_int_equal(kernel_select(NULL), 0);
	thp_reset_anon_orders();
}

/* A write fault maps a whole 64K folio by 16 PTEs, each page exclusive. */
static void write_fault_maps_64k_folio(void **state)
{
	struct process *p = process_create("p");
	unsigned long a = map_mthp(p, PMD_SIZE);
	struct page *pg;
	struct folio *f;

	(void)state;
	/* madvise-only sizes need MADV_HUGEPAGE; "always" does not. */
	vt_fill(p, a + 5 * PAGE_SIZE, 0x11, 1);
	pg = vt_page(p->mm, a + 5 * PAGE_SIZE);
	f = page_folio(pg);
	assert_int_equal(folio_order(f), 4);
	assert_ptr_equal(&f->page, vt_page(p->mm, a));
	assert_ptr_equal(folio_page(f, 15), vt_page(p->mm, a + 15 * PAGE_SIZE));
	assert_null(vt_page(p->mm, a + 16 * PAGE_SIZE));
	assert_int_equal(folio_large_mapcount(f), 16);
	assert_int_equal(folio_ref_count(f), 16);
	assert_int_equal(folio_mm_id(f, 0), p->mm->mm_id);
	assert_false(folio_test_large_maybe_mapped_shared(f));
	for (int i = 0; i < 16; i++)
		assert_true(PageAnonExclusive(folio_page(f, i)));
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 16);
	/* A read fault of untouched memory still maps the zero page. */
	assert_int_equal(vt_byte(p, a + 32 * PAGE_SIZE), 0);
	assert_true(is_zero_page(vt_page(p->mm, a + 32 * PAGE_SIZE)));
	process_destroy(p);
	vt_assert_all_free();
}

/* The largest order that fits: a 64K range with a PTE in it gets 32K or smaller. */
static void order_falls_back_when_ptes_are_taken(void **state)
{
	struct process *p = process_create("p");
	unsigned long a = map_mthp(p, PMD_SIZE);

	(void)state;
	assert_int_equal(thp_set_anon_order_mode(3, THP_ORDER_ALWAYS), 0);
	assert_int_equal(thp_set_anon_order_mode(2, THP_ORDER_ALWAYS), 0);
	/* The zero page at page 12 leaves [0,32K) free for an order-3 folio. */
	assert_int_equal(vt_byte(p, a + 12 * PAGE_SIZE), 0);
	vt_fill(p, a, 0x22, 1);
	assert_int_equal(folio_order(page_folio(vt_page(p->mm, a))), 3);
	vt_fill(p, a + 8 * PAGE_SIZE, 0x22, 1);
	assert_int_equal(folio_order(page_folio(vt_page(p->mm, a + 8 * PAGE_SIZE))), 2);
	/* A VMA too small for any enabled order gets a base page. */
	assert_int_equal(vm_munmap(p->mm, a + 64 * PAGE_SIZE, PMD_SIZE - 64 * PAGE_SIZE), 0);
	assert_int_equal(vm_munmap(p->mm, a + 61 * PAGE_SIZE, 3 * PAGE_SIZE), 0);
	vt_fill(p, a + 60 * PAGE_SIZE, 0x22, 1);
	assert_false(folio_test_large(page_folio(vt_page(p->mm, a + 60 * PAGE_SIZE))));
	thp_reset_anon_orders();
	process_destroy(p);
	vt_assert_all_free();
}

/*
 * 6.15: after the child that shared it is gone, a write fault reuses the
 * page of a folio this mm alone maps; 6.12 copies it. A pin stops the reuse.
 */
static void cow_reuse_of_exclusive_large_folio(void **state)
{
	const char *rel[] = { "v6.12", "v6.18" };

	(void)state;
	for (int r = 0; r < 2; r++) {
		struct process *p, *c;
		unsigned long a;
		struct page *pg;
		struct folio *f;

		assert_int_equal(kernel_select(rel[r]), 0);
		p = process_create("p");
		a = map_mthp(p, SZ_64K);
		vt_fill(p, a, 0x33, SZ_64K);
		pg = vt_page(p->mm, a + PAGE_SIZE);
		f = page_folio(pg);
		c = process_fork(p, "c");
		assert_true(folio_test_large_maybe_mapped_shared(f));
		assert_int_equal(folio_large_mapcount(f), 32);
		assert_false(PageAnonExclusive(pg));
		process_destroy(c);
		assert_false(folio_test_large_maybe_mapped_shared(f));
		assert_int_equal(folio_large_mapcount(f), 16);
		vt_fill(p, a + PAGE_SIZE, 0x34, 1);
		if (r == 1) {
			assert_ptr_equal(vt_page(p->mm, a + PAGE_SIZE), pg);
			assert_true(PageAnonExclusive(pg));
		} else {
			assert_ptr_not_equal(vt_page(p->mm, a + PAGE_SIZE), pg);
		}
		/* A pinned folio has a reference no mapping explains: copied. */
		pg = vt_page(p->mm, a + 2 * PAGE_SIZE);
		assert_int_equal(vt_pin_page(pg), 0);
		vt_fill(p, a + 2 * PAGE_SIZE, 0x35, 1);
		assert_ptr_not_equal(vt_page(p->mm, a + 2 * PAGE_SIZE), pg);
		vt_unpin_page(pg);
		thp_reset_anon_orders();
		process_destroy(p);
		vt_assert_all_free();
	}
	assert_int_equal(kernel_select(NULL), 0);
}

/*
 * fork of a folio with a pinned page: folio_maybe_dma_pinned() is the
 * folio's, so every exclusive page of it is copied for the child, and the
 * parent keeps the whole folio exclusive.
 */
static void fork_copies_pinned_page_of_large_folio(void **state)
{
	struct process *p = process_create("p"), *c;
	unsigned long a = map_mthp(p, SZ_64K);
	struct page *pinned, *other;

	(void)state;
	vt_fill(p, a, 0x44, SZ_64K);
	pinned = vt_page(p->mm, a + 3 * PAGE_SIZE);
	other = vt_page(p->mm, a + 4 * PAGE_SIZE);
	assert_int_equal(vt_pin_page(pinned), 0);
	set_bit(MMF_HAS_PINNED, &p->mm->flags);
	c = process_fork(p, "c");
	assert_ptr_not_equal(vt_page(c->mm, a + 3 * PAGE_SIZE), pinned);
	assert_ptr_not_equal(vt_page(c->mm, a + 4 * PAGE_SIZE), other);
	assert_false(folio_test_large(page_folio(vt_page(c->mm, a + 4 * PAGE_SIZE))));
	assert_int_equal(vt_byte(c, a + 4 * PAGE_SIZE), 0x44);
	assert_true(PageAnonExclusive(pinned));
	assert_true(PageAnonExclusive(other));
	assert_int_equal(folio_large_mapcount(page_folio(pinned)), 16);
	assert_false(folio_test_large_maybe_mapped_shared(page_folio(pinned)));
	vt_unpin_page(pinned);
	process_destroy(c);
	thp_reset_anon_orders();
	process_destroy(p);
	vt_assert_all_free();
}

/* A partial unmap leaves the folio whole until the deferred split shrinker runs. */
static void partial_unmap_keeps_folio(void **state)
{
	struct process *p = process_create("p");
	unsigned long a = map_mthp(p, SZ_64K);
	struct folio *f;

	(void)state;
	vt_fill(p, a, 0x55, SZ_64K);
	f = page_folio(vt_page(p->mm, a));
	assert_int_equal(do_madvise(p->mm, a + PAGE_SIZE, SZ_64K - PAGE_SIZE, MADV_DONTNEED), 0);
	assert_ptr_equal(page_folio(vt_page(p->mm, a)), f);
	assert_int_equal(folio_order(f), 4);
	assert_int_equal(folio_large_mapcount(f), 1);
	assert_int_equal(folio_ref_count(f), 1);
	assert_int_equal(vt_byte(p, a), 0x55);
	thp_reset_anon_orders();
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(settings_follow_sysfs, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(write_fault_maps_64k_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(order_falls_back_when_ptes_are_taken, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(cow_reuse_of_exclusive_large_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(fork_copies_pinned_page_of_large_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(partial_unmap_keeps_folio, vt_setup, vt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
