/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pins and COW, end to end: a pinned anonymous page stays the page the
 * process sees, across read-only pins of shared pages and across fork.
 */
#include <pinmm/mem/kernel.h>
#include "gup_test.h"

static void test_pinned_anon_pages_are_exclusive(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[4];

	assert_false(mm_flags_test(MMF_HAS_PINNED, mm));
	assert_int_equal(pin_user_pages_fast(mm, addr, 2, 0, pages), 2);
	assert_int_equal(pin_user_pages_unlocked(mm, addr + 2 * PAGE_SIZE, 2, pages + 2,
						 FOLL_WRITE), 2);
	for (int i = 0; i < 4; i++) {
		assert_true(folio_test_anon(page_folio(pages[i])));
		assert_true(PageAnonExclusive(pages[i]));
	}
	assert_true(mm_flags_test(MMF_HAS_PINNED, mm));
	unpin_user_pages(pages, 4);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
}

static void test_readonly_pin_unshares_cow_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct process *child = process_fork(gt_proc, "child");
	struct page *shared = gt_mapped_page(mm, addr), *page;

	assert_non_null(child);
	assert_ptr_equal(shared, gt_mapped_page(child->mm, addr));
	assert_false(PageAnonExclusive(shared));

	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 1, 0, &page), 1);
	mmap_read_unlock(mm);
	/* FAULT_FLAG_UNSHARE gave the parent its own copy, still read-only. */
	assert_ptr_not_equal(page, shared);
	assert_ptr_equal(page, gt_mapped_page(mm, addr));
	assert_true(PageAnonExclusive(page));
	assert_int_equal(gt_peek(page, 5), 0x11);

	/*
	 * The point of it: the parent's next write must land in the pinned page
	 * (it is exclusive, so the write fault reuses it), and the child's
	 * writes never reach it.
	 */
	assert_int_equal(uaccess_memset(mm, addr, 0x22, PAGE_SIZE), 0);
	assert_ptr_equal(gt_mapped_page(mm, addr), page);
	assert_int_equal(gt_peek(page, 5), 0x22);
	assert_int_equal(uaccess_memset(child->mm, addr, 0x33, PAGE_SIZE), 0);
	assert_int_equal(gt_peek(page, 5), 0x22);
	assert_int_equal(gt_uread(child->mm, addr), 0x33);
	unpin_user_page(page);
	process_destroy(child);
}

static void test_fork_copies_pinned_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, 0x11);
	struct page *page, *unpinned = gt_mapped_page(mm, addr + PAGE_SIZE);
	struct process *child;

	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	child = process_fork(gt_proc, "child");
	assert_non_null(child);

	/* The pinned page stays the parent's, writable, exclusive... */
	assert_ptr_equal(gt_mapped_page(mm, addr), page);
	assert_true(PageAnonExclusive(page));
	/* ... the child got a copy of its contents ... */
	assert_ptr_not_equal(gt_mapped_page(child->mm, addr), page);
	assert_int_equal(gt_uread(child->mm, addr), 0x11);
	/* ... while an unpinned page is shared as usual. */
	assert_ptr_equal(gt_mapped_page(child->mm, addr + PAGE_SIZE), unpinned);

	/* DMA into the pinned page reaches the parent, never the child. */
	gt_poke(page, 0x44);
	assert_int_equal(gt_uread(mm, addr), 0x44);
	assert_int_equal(gt_uread(child->mm, addr), 0x11);
	/* And the parent writing does not COW away from the device. */
	assert_int_equal(uaccess_memset(mm, addr, 0x55, 1), 0);
	assert_ptr_equal(gt_mapped_page(mm, addr), page);
	unpin_user_page(page);
	process_destroy(child);
}

/*
 * The 2018 failure: with `get`, fork cannot see the pin, shares the page, and
 * the parent's next write COWs it away from the device.
 */
static void test_legacy_fork_loses_the_pin(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;
	struct process *child;

	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	child = process_fork(gt_proc, "child");
	assert_ptr_equal(gt_mapped_page(child->mm, addr), page);
	assert_int_equal(uaccess_memset(mm, addr, 0x55, 1), 0);
	assert_ptr_not_equal(gt_mapped_page(mm, addr), page);
	/* The device's write goes to a page the parent no longer maps. */
	gt_poke(page, 0x44);
	assert_int_equal(gt_uread(mm, addr), 0x55);
	unpin_user_page(page);
	process_destroy(child);
}

static void test_fork_of_pinned_thp(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr;
	struct page *page;
	struct process *child;

	transparent_hugepage = THP_MADVISE;
	addr = gt_thp(mm, 0x11);
	assert_int_equal(pin_user_pages_fast(mm, addr + 3 * PAGE_SIZE, 1, FOLL_WRITE, &page), 1);
	child = process_fork(gt_proc, "child");
	assert_non_null(child);
	assert_ptr_equal(gt_mapped_page(mm, addr + 3 * PAGE_SIZE), page);
	assert_ptr_not_equal(gt_mapped_page(child->mm, addr + 3 * PAGE_SIZE), page);
	gt_poke(page, 0x44);
	assert_int_equal(gt_uread(child->mm, addr + 3 * PAGE_SIZE), 0x11);
	assert_int_equal(gt_uread(mm, addr + 3 * PAGE_SIZE), 0x44);
	unpin_user_page(page);
	process_destroy(child);
}

static int setup_v4_19(void **state)
{
	(void)state;
	return gt_boot(NULL, "v4.19");
}

static int setup_v5_10(void **state)
{
	(void)state;
	return gt_boot(NULL, "v5.10");
}

static int teardown_overrides(void **state)
{
	kernel_override_clear();
	return gt_teardown(state);
}

/*
 * A R/O pin of an anon page the child shares, in a release without R/O
 * unsharing (before 5.19): GUP pins the shared page, which nothing then keeps
 * exclusive, so follow_page_*'s "pinned anon pages are exclusive" VM_BUG_ON
 * has no invariant to check and must stay quiet. The model used to raise it
 * for a PMD-mapped THP under v4.19 (the 4 KiB case passed), and for both
 * sizes under v5.10's FOLL_PIN tracker.
 */
static void ro_pin_of_shared_anon(bool thp)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr;
	struct process *child;
	struct page *shared, *page = NULL;

	transparent_hugepage = THP_MADVISE;
	addr = thp ? gt_thp(mm, 0x11) + 3 * PAGE_SIZE : gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	if (thp)
		assert_true(folio_test_large(page_folio(gt_mapped_page(mm, addr))));
	child = process_fork(gt_proc, "child");
	assert_non_null(child);
	shared = gt_mapped_page(mm, addr);
	assert_ptr_equal(shared, gt_mapped_page(child->mm, addr));

	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 1, 0, &page), 1);
	mmap_read_unlock(mm);
	/* Before 5.19 the pin is on the page the child shares. */
	assert_ptr_equal(page, shared);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	unpin_user_page(page);
	process_destroy(child);
}

static void test_legacy_ro_pin_of_shared_thp_no_bug(void **state)
{
	(void)state;
	ro_pin_of_shared_anon(true);
}

static void test_legacy_ro_pin_of_shared_page_no_bug(void **state)
{
	(void)state;
	ro_pin_of_shared_anon(false);
}

/*
 * unshare-ro-anon, both sides on the newest release: with it the R/O pin gets
 * the parent's own copy (test_readonly_pin_unshares_cow_page); without it,
 * the page the child shares, and no VM_BUG_ON.
 */
static void test_unshare_ro_anon_off_pins_the_shared_page(void **state)
{
	kernel_override(KSW_UNSHARE_RO_ANON, 0);
	ro_pin_of_shared_anon(false);
	ro_pin_of_shared_anon(true);
	(void)state;
}

static int setup_v5_15(void **state)
{
	(void)state;
	return gt_boot(NULL, "v5.15");
}

/*
 * CVE-2020-29374 with a THP (thp-reuse-refcount, both sides on v5.15): the
 * child takes a R/O reference (FOLL_GET, as vmsplice()) to a page of the
 * THP it shares with the parent and unmaps it; the parent's store then
 * faults on its write-protected PMD. Before 5.18 do_huge_pmd_wp_page()
 * asked the mapcount (one: the parent's PMD) and wrote the THP in place,
 * under the child's reference; from 5.18 the reference (refcount above one)
 * makes it split the PMD and copy the one page.
 */
static void thp_child_ref_then_parent_store(bool refcount_rule)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr;
	struct process *child;
	struct page *page = NULL;
	unsigned char c = 0x22;

	kernel_override(KSW_THP_REUSE_REFCOUNT, refcount_rule);
	transparent_hugepage = THP_MADVISE;
	addr = gt_thp(mm, 0x11) + 3 * PAGE_SIZE;
	child = process_fork(gt_proc, "child");
	assert_non_null(child);
	assert_int_equal(get_user_pages_fast(child->mm, addr, 1, 0, &page), 1);
	assert_true(folio_test_large(page_folio(page)));
	assert_int_equal(vm_munmap(child->mm, addr & PMD_MASK, PMD_SIZE), 0);
	assert_int_equal(uaccess_write(mm, addr, &c, 1), 0);
	if (refcount_rule) {
		assert_ptr_not_equal(gt_mapped_page(mm, addr), page);
		assert_int_equal(gt_peek(page, 0), 0x11);
	} else {
		assert_ptr_equal(gt_mapped_page(mm, addr), page);
		assert_int_equal(gt_peek(page, 0), 0x22);
	}
	assert_int_equal(gt_uread(mm, addr), 0x22);
	put_page(page);
	process_destroy(child);
}

static void test_thp_reuse_by_mapcount_before_5_18(void **state)
{
	(void)state;
	thp_child_ref_then_parent_store(false);
}

static void test_thp_reuse_by_refcount_from_5_18(void **state)
{
	(void)state;
	thp_child_ref_then_parent_store(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pinned_anon_pages_are_exclusive, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_readonly_pin_unshares_cow_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_fork_copies_pinned_page, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_fork_loses_the_pin, gt_setup_legacy, gt_teardown),
		cmocka_unit_test_setup_teardown(test_fork_of_pinned_thp, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_ro_pin_of_shared_thp_no_bug, setup_v4_19, gt_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_ro_pin_of_shared_page_no_bug, setup_v4_19, gt_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_ro_pin_of_shared_thp_no_bug, setup_v5_10, gt_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_ro_pin_of_shared_page_no_bug, setup_v5_10, gt_teardown),
		cmocka_unit_test_setup_teardown(test_unshare_ro_anon_off_pins_the_shared_page, gt_setup_mainline, teardown_overrides),
		cmocka_unit_test_setup_teardown(test_thp_reuse_by_mapcount_before_5_18, setup_v5_15, teardown_overrides),
		cmocka_unit_test_setup_teardown(test_thp_reuse_by_refcount_from_5_18, setup_v5_15, teardown_overrides),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
