/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vm_normal_page() and zapping page ranges (zap_page_range_single(),
 * unmap_vma_range()): what munmap, MADV_DONTNEED and truncate take out of the
 * page tables, with the rmap, RSS and reference bookkeeping of each entry.
 */
#include <pinmm/vm/swap.h>
#include "internal.h"

struct page *vm_normal_page(struct vm_area_struct *vma, unsigned long addr, pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);

	(void)addr;
	if (!pte_present(pte) || pte_special(pte))
		return NULL;
	if (READ_ONCE(vma->vm_flags) & VM_PFNMAP)
		return NULL;
	if (is_zero_pfn(pfn) || !pfn_valid(pfn))
		return NULL;
	return pfn_to_page(pfn);
}

struct folio *vm_normal_folio(struct vm_area_struct *vma, unsigned long addr, pte_t pte)
{
	struct page *page = vm_normal_page(vma, addr, pte);

	return page ? page_folio(page) : NULL;
}

struct page *vm_normal_page_pmd(struct vm_area_struct *vma, unsigned long addr, pmd_t pmd)
{
	unsigned long pfn = pmd_pfn(pmd);

	(void)vma;
	if (!pmd_leaf(pmd) || pmd_devmap(pmd) || !pfn_valid(pfn) || is_huge_zero_pmd(pmd))
		return NULL;
	return pfn_to_page(pfn) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
}

struct folio *vm_normal_folio_pmd(struct vm_area_struct *vma, unsigned long addr, pmd_t pmd)
{
	struct page *page = vm_normal_page_pmd(vma, addr, pmd);

	return page ? page_folio(page) : NULL;
}

/* ---- Zap ---- */

/*
 * A large anon folio that a zap leaves partially mapped stays whole: the
 * rmap queues it for a deferred split (deferred_split_folio()), which the
 * thp-deferred_split shrinker carries out (deferred_split_scan(): reclaim,
 * drop_caches 2). cow.c's "single PTE of THP" and "partially shared THP"
 * rely on the folio staying whole until then.
 */
static bool should_zap_folio(const struct zap_details *details, struct folio *folio)
{
	if (!details || details->even_cows || !folio)
		return true;
	return !folio_test_anon(folio);
}

static void zap_pte_range(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			  unsigned long end, const struct zap_details *details)
{
	struct mm_struct *mm = vma->vm_mm;
	struct folio *batch[PTRS_PER_PTE];
	struct page *delayed[PTRS_PER_PTE];	/* rmap still to remove, or NULL */
	unsigned long start = addr;
	int nr = 0, nr_delayed = 0;
	bool flush = false;
	spinlock_t *ptl;
	pte_t *pte = pte_offset_map_lock(mm, pmd, addr, &ptl);

	if (!pte)
		return;
	for (; addr < end; addr += PAGE_SIZE, pte++) {
		pte_t ptent = ptep_get(pte);
		struct page *page;
		struct folio *folio;

		if (pte_none(ptent))
			continue;
		if (!pte_present(ptent)) {
			if (is_swap_entry_pte(ptent)) {
				swp_entry_t e = swp_entry_plain(pte_to_swp_entry(ptent));

				/* A swap entry is an anon page: not a file's to zap. */
				if (details && !details->even_cows)
					continue;
				pte_clear(mm, addr, pte);
				add_mm_counter(mm, MM_SWAPENTS, -1);
				free_swap_and_cache(e);
			} else if (is_migration_pte(ptent)) {
				swp_entry_t e = pte_to_swp_entry(ptent);

				if (details && !details->even_cows && is_anon_migration_entry(e))
					continue;
				pte_clear(mm, addr, pte);
				add_mm_counter(mm, mm_counter_swp(vma, e), -1);
			} else {
				WARN_ON_ONCE(1);
				pte_clear(mm, addr, pte);
			}
			continue;
		}
		page = vm_normal_page(vma, addr, ptent);
		folio = page ? page_folio(page) : NULL;
		if (!should_zap_folio(details, folio))
			continue;
		ptent = ptep_get_and_clear(mm, addr, pte);
		flush = true;
		if (!page)
			continue;
		delayed[nr] = NULL;
		if (!folio_test_anon(folio)) {
			/* zap_pte_range: the PTE's dirty bit is the only record of the store. */
			if (pte_dirty(ptent)) {
				folio_mark_dirty(folio);
				if (kernel_has(KSW_DELAYED_RMAP)) {
					delayed[nr] = page;
					nr_delayed++;
				}
			}
			if (pte_young(ptent))
				folio_set_referenced(folio);
		}
		if (!delayed[nr])
			folio_remove_rmap_pte(folio, page, vma);
		add_mm_counter(mm, mm_counter(folio), -1);
		batch[nr++] = folio;
	}
	/*
	 * tlb_flush_rmaps() (5df397dec7c4): a dirty shared page leaves the rmap
	 * only after the flush, with the PTL still held. Until then a CPU may
	 * store through its stale TLB entry, and folio_mkclean() must find the
	 * mapping and wait on the PTL, or writeback cleans the folio under it,
	 * as it could before 6.2.
	 */
	if (nr_delayed) {
		flush_tlb_range(vma, start, end);
		flush = false;
		for (int i = 0; i < nr; i++)
			if (delayed[i])
				folio_remove_rmap_pte(batch[i], delayed[i], vma);
	}
	pte_unmap_unlock(pte - 1, ptl);
	/* Pages are freed only after no CPU can still be using the translation. */
	if (flush)
		flush_tlb_range(vma, start, end);
	for (int i = 0; i < nr; i++) {
		free_swap_cache(batch[i]);
		folio_put(batch[i]);
	}
	if (nr)
		mm_trace("zap", "mm=%s start=%#lx end=%#lx pages=%d", VM_TRACE_MM(vma), start, end, nr);
}

static void zap_pmd_range(struct vm_area_struct *vma, unsigned long addr, unsigned long end,
			  const struct zap_details *details)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long next;

	for (; addr < end; addr = next) {
		pmd_t *pmd = mm_find_pmd(mm, addr);
		pmd_t v;

		next = pmd_addr_end(addr, end);
		if (!pmd)
			continue;
		v = pmdp_get(pmd);
		if (pmd_none(v)) {
			spinlock_t *ptl;

			/*
			 * A THP split clears the PMD and populates the new table
			 * under the PMD lock: an empty entry seen without it may be
			 * a split in flight, whose PTEs must be zapped too.
			 */
			ptl = pmd_lock(mm, pmd);
			v = pmdp_get(pmd);
			spin_unlock(ptl);
			if (pmd_none(v))
				continue;
		}
		if (pmd_leaf(v)) {
			if (addr == (addr & PMD_MASK) && next - addr == PMD_SIZE) {
				struct folio *folio = pmd_page(v) ? page_folio(pmd_page(v)) : NULL;
				spinlock_t *ptl;

				if (!should_zap_folio(details, folio))
					continue;
				ptl = pmd_lock(mm, pmd);
				if (pmd_leaf(pmdp_get(pmd))) {
					zap_huge_pmd(vma, pmd, addr, ptl);
					continue;
				}
				spin_unlock(ptl);
			} else {
				split_huge_pmd(vma, pmd, addr);
			}
		}
		zap_pte_range(vma, pmd, addr, next, details);
	}
}

/* unmap_page_range() with the mmu-notifier bracket, for one VMA. */
void unmap_vma_range(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		     const struct zap_details *details, enum mmu_notifier_event event)
{
	struct mmu_notifier_range range;

	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	if (start >= end)
		return;
	mmu_notifier_range_init(&range, event, 0, vma->vm_mm, start, end);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	if (is_vm_hugetlb_page(vma))
		unmap_hugepage_range(vma, start, end);
	else
		zap_pmd_range(vma, start, end, details);
	mmu_notifier_invalidate_range_end(&range);
}

void zap_page_range_single(struct vm_area_struct *vma, unsigned long address,
			   unsigned long size)
{
	unmap_vma_range(vma, address, address + size, NULL, MMU_NOTIFY_CLEAR);
}
