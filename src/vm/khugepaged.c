/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Collapsing a PMD range of PTE-mapped anonymous memory into one PMD-mapped
 * THP: MADV_COLLAPSE (6.1) and khugepaged's scan of the same range. The new
 * folio is a copy, mapped by this mm alone (PageAnonExclusive on its head):
 * the old pages stay with whoever else maps them. A page with a reference no
 * mapping explains (a GUP pin, a FOLL_GET, a migration) makes the range
 * refused, as is_refcount_suitable() does at the scan and again once the PMD
 * is cleared: collapsing it would leave the device on the old page while the
 * process writes the new one.
 *
 * Model: no khugepaged thread. khugepaged_collapse_range() is one pass of its
 * scan over a range, with its limits (max_ptes_none, _swap, _shared) and the
 * sysfs settings enforced; its young/referenced heuristics are left out.
 */
#include "internal.h"

enum scan_result {
	SCAN_FAIL,
	SCAN_SUCCEED,
	SCAN_PMD_NULL,
	SCAN_PMD_MAPPED,
	SCAN_EXCEED_NONE_PTE,
	SCAN_EXCEED_SWAP_PTE,
	SCAN_EXCEED_SHARED_PTE,
	SCAN_PTE_NON_PRESENT,
	SCAN_PAGE_NULL,
	SCAN_PAGE_ANON,
	SCAN_PAGE_COUNT,
	SCAN_PAGE_LOCK,
	SCAN_VMA_CHECK,
	SCAN_ALLOC_HUGE_PAGE_FAIL,
};

/* /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_*: the defaults. */
int khugepaged_max_ptes_none = HPAGE_PMD_NR - 1;
int khugepaged_max_ptes_swap = HPAGE_PMD_NR / 8;
int khugepaged_max_ptes_shared = HPAGE_PMD_NR / 2;

/* Every reference is a mapping (plus the swap cache's, one per page). */
static bool is_refcount_suitable(struct folio *folio)
{
	int expected = folio_mapcount(folio);

	if (folio_test_swapcache(folio))
		expected += (int)folio_nr_pages(folio);
	return folio_ref_count(folio) == expected;
}

/*
 * hpage_collapse_scan_pmd() over the PTE table at @pmd; PTL held by the
 * caller. Counts the swap PTEs in *@swap for the caller to fault in first.
 */
static enum scan_result scan_ptes(struct vm_area_struct *vma, pte_t *pte, unsigned long haddr,
				  bool khugepaged, int *swap)
{
	int none = 0, shared = 0;

	*swap = 0;
	for (int i = 0; i < HPAGE_PMD_NR; i++) {
		unsigned long addr = haddr + ((unsigned long)i << PAGE_SHIFT);
		pte_t v = ptep_get(pte + i);
		struct folio *folio;
		struct page *page;

		if (pte_none(v) || (pte_present(v) && is_zero_pfn(pte_pfn(v)))) {
			if (++none > khugepaged_max_ptes_none && khugepaged)
				return SCAN_EXCEED_NONE_PTE;
			continue;
		}
		if (!pte_present(v)) {
			if (is_migration_pte(v))
				return SCAN_PTE_NON_PRESENT;
			if (++*swap > khugepaged_max_ptes_swap && khugepaged)
				return SCAN_EXCEED_SWAP_PTE;
			continue;
		}
		page = vm_normal_page(vma, addr, v);
		if (!page)
			return SCAN_PAGE_NULL;
		folio = page_folio(page);
		if (!folio_test_anon(folio))
			return SCAN_PAGE_ANON;
		if (folio_mapcount(folio) > 1 && ++shared > khugepaged_max_ptes_shared && khugepaged)
			return SCAN_EXCEED_SHARED_PTE;
		/* A GUP pin or any other reference no mapping explains. */
		if (!is_refcount_suitable(folio))
			return SCAN_PAGE_COUNT;
	}
	return SCAN_SUCCEED;
}

static enum scan_result scan_pmd(struct vm_area_struct *vma, unsigned long haddr,
				 bool khugepaged, int *swap)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t *pmd = mm_find_pmd(mm, haddr);
	enum scan_result r;
	spinlock_t *ptl;
	pte_t *pte;

	if (!pmd || pmd_none(pmdp_get(pmd)))
		return SCAN_PMD_NULL;
	if (pmd_leaf(pmdp_get(pmd)))
		return SCAN_PMD_MAPPED;
	pte = pte_offset_map_lock(mm, pmd, haddr, &ptl);
	if (!pte)
		return SCAN_PMD_NULL;
	r = scan_ptes(vma, pte, haddr, khugepaged, swap);
	pte_unmap_unlock(pte, ptl);
	return r;
}

/* __collapse_huge_page_swapin(): fault the swapped-out pages back first. */
static void swapin_range(struct vm_area_struct *vma, unsigned long haddr)
{
	pmd_t *pmd = mm_find_pmd(vma->vm_mm, haddr);
	bool swapped[HPAGE_PMD_NR] = { false };
	spinlock_t *ptl;
	pte_t *pte;

	pte = pmd ? pte_offset_map_lock(vma->vm_mm, pmd, haddr, &ptl) : NULL;
	if (!pte)
		return;
	for (int i = 0; i < HPAGE_PMD_NR; i++) {
		pte_t v = ptep_get(pte + i);

		swapped[i] = !pte_none(v) && !pte_present(v) && !is_migration_pte(v);
	}
	pte_unmap_unlock(pte, ptl);
	for (int i = 0; i < HPAGE_PMD_NR; i++)
		if (swapped[i])
			handle_mm_fault(vma, haddr + ((unsigned long)i << PAGE_SHIFT), 0);
}

static bool folio_in(struct folio *const *v, int n, const struct folio *folio)
{
	for (int i = 0; i < n; i++)
		if (v[i] == folio)
			return true;
	return false;
}

/*
 * collapse_huge_page(): mmap_lock held for writing. The PMD is cleared (and
 * the TLB flushed, which GUP-fast's re-check of the PMD pairs with) before the
 * refcounts are checked again: a GUP that got in first is seen, a later one
 * finds no PTEs.
 */
static enum scan_result collapse_huge_page(struct vm_area_struct *vma, unsigned long haddr,
					   bool khugepaged)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mmu_notifier_range range;
	struct folio *locked[HPAGE_PMD_NR];
	struct folio *new;
	struct page *table;
	enum scan_result r;
	int nr_locked = 0, swap;
	spinlock_t *pml;
	pmd_t *pmd, old, entry;
	pte_t *pte;

	new = folio_alloc(GFP_TRANSHUGE | __GFP_ZERO, HPAGE_PMD_ORDER);
	if (!new)
		return SCAN_ALLOC_HUGE_PAGE_FAIL;
	count_vm_event(THP_COLLAPSE_ALLOC);
	r = scan_pmd(vma, haddr, khugepaged, &swap);
	if (r != SCAN_SUCCEED)
		goto out_free;
	pmd = mm_find_pmd(mm, haddr);
	vma_rmap_lock(vma);
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, haddr, haddr + PMD_SIZE);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	pml = pmd_lock(mm, pmd);
	old = pmdp_huge_get_and_clear(mm, haddr, pmd);
	spin_unlock(pml);
	flush_tlb_range(vma, haddr, haddr + PMD_SIZE);
	mmu_notifier_invalidate_range_end(&range);
	/*
	 * tlb_remove_table_sync_one(): the PTE table becomes the new PMD's
	 * deposit, and a zap frees a deposit without a grace period. A GUP-fast
	 * walker that loaded the old PMD may still be reading the table.
	 */
	mm_synchronize_rcu();

	/* __collapse_huge_page_isolate(): lock every folio, check again. */
	table = pfn_to_page(pmd_pfn(old));
	pte = pmd_pgtable(old);
	r = SCAN_SUCCEED;
	for (int i = 0; i < HPAGE_PMD_NR && r == SCAN_SUCCEED; i++) {
		pte_t v = ptep_get(pte + i);
		struct folio *folio;

		if (pte_none(v) || is_zero_pfn(pte_pfn(v)))
			continue;
		if (!pte_present(v)) {
			r = SCAN_PTE_NON_PRESENT;
			break;
		}
		folio = page_folio(pfn_to_page(pte_pfn(v)));
		if (folio_in(locked, nr_locked, folio))
			continue;	/* another page of a large folio locked already */
		if (!folio_trylock(folio)) {
			r = SCAN_PAGE_LOCK;
			break;
		}
		locked[nr_locked++] = folio;
		if (!is_refcount_suitable(folio))
			r = SCAN_PAGE_COUNT;
		/* Held until the copy is done, as the kernel's LRU isolation holds one. */
		folio_get(folio);
	}
	if (r != SCAN_SUCCEED) {
		/* Put the PTE table back as it was. */
		pml = pmd_lock(mm, pmd);
		pmd_populate(mm, pmd, table);
		spin_unlock(pml);
		goto out_unlock;
	}

	/* __collapse_huge_page_copy(): the old pages' data into the new folio. */
	for (int i = 0; i < HPAGE_PMD_NR; i++) {
		unsigned long addr = haddr + ((unsigned long)i << PAGE_SHIFT);
		pte_t v = ptep_get_and_clear(mm, addr, pte + i);
		struct page *page;
		struct folio *folio;

		if (pte_none(v) || is_zero_pfn(pte_pfn(v))) {
			add_mm_counter(mm, MM_ANONPAGES, 1);
			continue;
		}
		page = pfn_to_page(pte_pfn(v));
		folio = page_folio(page);
		copy_highpage(folio_page(new, (unsigned long)i), page);
		folio_remove_rmap_pte(folio, page, vma);
		folio_put(folio);	/* the PTE's reference; ours are the locks' */
	}
	folio_mark_uptodate(new);
	entry = pmd_mkhuge(pfn_pmd(folio_pfn(new), vma->vm_page_prot));
	entry = pmd_mkyoung(pmd_mkdirty(entry));
	if (READ_ONCE(vma->vm_flags) & VM_WRITE)
		entry = pmd_mkwrite(entry);
	else
		entry = pmd_wrprotect(entry);
	pml = pmd_lock(mm, pmd);
	folio_add_new_anon_rmap(new, vma, haddr, true);
	lru_add_new(new);
	/* The emptied PTE table is the one a later split of the new PMD will use. */
	pgtable_trans_huge_deposit(mm, pmd, table);
	set_pmd_at(mm, haddr, pmd, entry);
	spin_unlock(pml);
	new = NULL;
	mm_trace("collapse", "mm=%s addr=%#lx -> thp pfn=%#lx", mm->owner, haddr,
		 page_to_pfn(pfn_to_page(pmd_pfn(entry))));
out_unlock:
	for (int i = 0; i < nr_locked; i++) {
		folio_unlock(locked[i]);
		folio_put(locked[i]);
	}
	vma_rmap_unlock(vma);
out_free:
	if (new)
		folio_put(new);
	return r;
}

/* hugepage_vma_check() for a collapse: anonymous, private, whole PMD inside. */
static bool collapse_vma_ok(struct vm_area_struct *vma, unsigned long haddr, bool khugepaged)
{
	unsigned long flags = READ_ONCE(vma->vm_flags);

	if (!vma_is_anonymous(vma) || (flags & (VM_SHARED | VM_PFNMAP | VM_IO | VM_NOHUGEPAGE)))
		return false;
	if (haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end)
		return false;
	/* MADV_COLLAPSE ignores the sysfs settings; khugepaged obeys them. */
	return !khugepaged || thp_vma_allowable_orders(vma, BIT(HPAGE_PMD_ORDER));
}

static int collapse_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			  bool khugepaged)
{
	unsigned long hstart = ALIGN_UP(start, PMD_SIZE), hend = ALIGN_DOWN(end, PMD_SIZE);
	enum scan_result last = SCAN_SUCCEED;
	unsigned long thps = 0;

	if (hstart >= hend)
		return 0;
	mmap_write_lock(mm);
	for (unsigned long a = hstart; a < hend; a += PMD_SIZE) {
		struct vm_area_struct *vma = vma_lookup(mm, a);
		enum scan_result r;
		int swap;

		if (!vma || !collapse_vma_ok(vma, a, khugepaged) || anon_vma_prepare(vma)) {
			last = SCAN_VMA_CHECK;
			break;
		}
		r = scan_pmd(vma, a, khugepaged, &swap);
		if (r == SCAN_SUCCEED && swap) {
			swapin_range(vma, a);
			r = scan_pmd(vma, a, khugepaged, &swap);
			if (r == SCAN_SUCCEED && swap)
				r = SCAN_EXCEED_SWAP_PTE;
		}
		if (r == SCAN_SUCCEED)
			r = collapse_huge_page(vma, a, khugepaged);
		if (r == SCAN_SUCCEED || r == SCAN_PMD_MAPPED) {
			thps++;
			continue;
		}
		last = r;
		/* The results madvise_collapse() goes on after; the rest end it. */
		if (r != SCAN_PMD_NULL && r != SCAN_PTE_NON_PRESENT && r != SCAN_PAGE_NULL &&
		    r != SCAN_PAGE_COUNT && r != SCAN_PAGE_LOCK)
			break;
	}
	mmap_write_unlock(mm);
	mm_trace("madvise", "mm=%s addr=%#lx end=%#lx collapse -> %lu of %lu", mm->owner, start, end,
		 thps, (hend - hstart) / PMD_SIZE);
	if (thps == (hend - hstart) / PMD_SIZE)
		return 0;
	/* madvise_collapse_errno() */
	switch (last) {
	case SCAN_ALLOC_HUGE_PAGE_FAIL:
	case SCAN_EXCEED_NONE_PTE:
		return -ENOMEM;
	case SCAN_PAGE_COUNT:
	case SCAN_PAGE_LOCK:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
}

int madvise_collapse(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	return collapse_range(mm, start, end, false);
}

int khugepaged_collapse_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	return collapse_range(mm, start, end, true);
}
