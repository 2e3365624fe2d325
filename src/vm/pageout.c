/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reclaim of anonymous folios to swap, as MADV_PAGEOUT drives it
 * (mm/madvise.c madvise_cold_or_pageout_pte_range(), then reclaim_pages() and
 * the anon part of mm/vmscan.c shrink_folio_list()), with try_to_unmap_one()'s
 * swap path (mm/rmap.c).
 *
 * A pinned page is never swapped out, for two reasons of two eras: since 5.11
 * reclaim does not put a maybe-pinned anon folio into the swap cache at all
 * (shrink_folio_list(), before add_to_swap()); since 5.19 try_to_unmap_one()
 * refuses to unmap an exclusive page that may be pinned
 * (folio_try_share_anon_rmap_pte()), which also catches a pin taken after
 * the first check. Before 5.11 the page was unmapped to swap under the pin.
 *
 * Model: anonymous folios are on no LRU list in pinmm, so MADV_PAGEOUT takes
 * them straight from the page tables (with a reference) instead of isolating
 * them from the LRU; file folios are not paged out (mainline pages out those
 * the caller could write to, and with no swap involved).
 */
#include <pinmm/vm/swap.h>
#include "internal.h"

static bool maybe_pinned(struct folio *folio)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	return t && t->maybe_dma_pinned(folio);
}

struct ttu_swap_arg {
	bool failed;
};

/* try_to_unmap_one() for an anon folio in the swap cache: PTEs become swap entries. */
static bool try_to_unmap_one_swap(struct folio *folio, struct vm_area_struct *vma,
				  unsigned long address, void *arg)
{
	struct ttu_swap_arg *t = arg;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long base = swp_offset(folio_swap_entry(folio));
	struct mmu_notifier_range range;

	/* TTU_SPLIT_HUGE_PMD: a PMD mapping is split first; the folio stays whole. */
	if (folio_test_large(folio))
		split_folio_pmd_mappings(folio, vma, address);
	folio_vma_invalidate_start(&range, MMU_NOTIFY_CLEAR, folio, vma, address);
	{
		DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, address, 0);

		while (page_vma_mapped_walk(&pvmw)) {
			struct page *subpage;
			swp_entry_t entry;
			bool anon_exclusive;
			pte_t pteval, swp_pte;

			if (!pvmw.pte) {
				page_vma_mapped_walk_done(&pvmw);
				t->failed = true;
				break;
			}
			subpage = pfn_to_page(pte_pfn(ptep_get(pvmw.pte)));
			entry = swp_swap_entry(base + (unsigned long)(subpage - &folio->page));
			anon_exclusive = kernel_has(KSW_ANON_EXCLUSIVE) && PageAnonExclusive(subpage);
			pteval = ptep_get_and_clear(mm, pvmw.address, pvmw.pte);
			flush_tlb_range(vma, pvmw.address, pvmw.address + PAGE_SIZE);
			if (swap_duplicate(entry) < 0) {
				set_pte_at(mm, pvmw.address, pvmw.pte, pteval);
				page_vma_mapped_walk_done(&pvmw);
				t->failed = true;
				break;
			}
			/*
			 * folio_try_share_anon_rmap_pte(), after the PTE is cleared so
			 * GUP-fast cannot pin it in between: a maybe-pinned exclusive
			 * page stays mapped where the device uses it.
			 */
			if (anon_exclusive && maybe_pinned(folio)) {
				swap_free(entry);
				set_pte_at(mm, pvmw.address, pvmw.pte, pteval);
				page_vma_mapped_walk_done(&pvmw);
				t->failed = true;
				break;
			}
			if (pte_dirty(pteval))
				folio_set_dirty(folio);
			/* Before 5.19 nothing read the bit; it goes either way. */
			if (PageAnonExclusive(subpage))
				ClearPageAnonExclusive(subpage);
			swp_pte = swp_entry_to_pte(entry);
			if (anon_exclusive && kernel_has(KSW_SWP_EXCLUSIVE))
				swp_pte = pte_swp_mkexclusive(swp_pte);
			set_pte_at(mm, pvmw.address, pvmw.pte, swp_pte);
			add_mm_counter(mm, MM_ANONPAGES, -1);
			add_mm_counter(mm, MM_SWAPENTS, 1);
			folio_remove_rmap_pte(folio, subpage, vma);
			folio_put(folio);
		}
	}
	mmu_notifier_invalidate_range_end(&range);
	return !t->failed;
}

static bool folio_not_mapped(struct folio *folio)
{
	return !folio_mapped(folio);
}

static bool try_to_unmap_swap(struct folio *folio)
{
	struct ttu_swap_arg t = { .failed = false };
	struct rmap_walk_control rwc = {
		.arg = &t,
		.rmap_one = try_to_unmap_one_swap,
		.done = folio_not_mapped,
	};

	rmap_walk(folio, &rwc);
	mm_trace("try_to_unmap", "pfn=%#lx swap slot=%lu mapped=%d%s", folio_pfn(folio),
		 swp_offset(folio_swap_entry(folio)), folio_mapcount(folio),
		 t.failed ? " (refused)" : "");
	return !folio_mapped(folio);
}

enum pageout_result {
	PAGEOUT_KEEP,		/* the folio stays (mapped, or in the swap cache) */
	PAGEOUT_FREED,		/* written out and out of the swap cache: the caller's put frees it */
	PAGEOUT_SPLIT,		/* no cluster for a large folio: split it and retry the pages */
};

/* shrink_folio_list() for one locked anon folio the caller holds a reference on. */
static enum pageout_result shrink_anon_folio(struct folio *folio)
{
	int nr = (int)folio_nr_pages(folio);

	if (!folio_test_swapcache(folio)) {
		if (!swap_enabled())
			return PAGEOUT_KEEP;
		if (kernel_has(KSW_SWAP_SKIPS_PINNED) && maybe_pinned(folio)) {
			mm_trace("shrink_folio_list", "pfn=%#lx maybe_dma_pinned=1: keep_locked, not added to swap",
				 folio_pfn(folio));
			return PAGEOUT_KEEP;
		}
		if (!add_to_swap(folio))
			return folio_test_large(folio) ? PAGEOUT_SPLIT : PAGEOUT_KEEP;
	}
	if (folio_mapped(folio) && !try_to_unmap_swap(folio))
		return PAGEOUT_KEEP;
	/* "Folio is unmapped now so it cannot be newly pinned anymore" (6.4). */
	if (kernel_has(KSW_RECLAIM_KEEPS_PINNED_PRIVATE) && maybe_pinned(folio)) {
		mm_trace("shrink_folio_list", "pfn=%#lx maybe_dma_pinned=1 after unmap: activate_locked",
			 folio_pfn(folio));
		return PAGEOUT_KEEP;
	}
	if (folio_test_dirty(folio))
		swap_writepage(folio);
	/* __remove_mapping(): nobody but the swap cache and us may hold it. */
	if (!folio_ref_freeze(folio, 1 + nr))
		return PAGEOUT_KEEP;
	__delete_from_swap_cache(folio);
	folio_ref_unfreeze(folio, 1);
	mod_node_page_state(PGSTEAL, nr);
	return PAGEOUT_FREED;
}

/* reclaim_pages() for the folios MADV_PAGEOUT collected (one reference each). */
static void reclaim_anon_folios(struct folio **batch, int n)
{
	for (int i = 0; i < n; i++) {
		struct folio *folio = batch[i];
		enum pageout_result r;

		mod_node_page_state(PGSCAN, folio_nr_pages(folio));
		if (!folio_trylock(folio)) {
			folio_put(folio);
			continue;
		}
		r = shrink_anon_folio(folio);
		if (r == PAGEOUT_SPLIT) {
			unsigned long nr = (unsigned long)folio_nr_pages(folio);
			struct folio *parts[HPAGE_PMD_NR];
			unsigned long np = 0;

			/* split_folio_to_list(): each page that stays mapped takes its own pass. */
			if (!split_anon_folio(folio)) {
				/* No swap cluster for the whole folio: its pages go one by one. */
				count_mthp_stat(__builtin_ctzl(nr), MTHP_STAT_SWPOUT_FALLBACK);
				for (unsigned long j = 1; j < nr; j++) {
					struct folio *f = page_folio(folio_page(folio, j));

					if (folio_mapped(f) && folio_try_get(f))
						parts[np++] = f;
				}
				r = shrink_anon_folio(folio);
			} else {
				r = PAGEOUT_KEEP;
			}
			folio_unlock(folio);
			folio_put(folio);
			for (unsigned long j = 0; j < np; j++) {
				if (folio_trylock(parts[j])) {
					shrink_anon_folio(parts[j]);
					folio_unlock(parts[j]);
				}
				folio_put(parts[j]);
			}
			continue;
		}
		folio_unlock(folio);
		folio_put(folio);
	}
}

/* Gather the anon folios MADV_PAGEOUT may reclaim from one PTE table's part. */
static int pageout_pte_range(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			     unsigned long end, struct folio **batch, int max)
{
	struct mm_struct *mm = vma->vm_mm;
	const unsigned long start = addr;
	spinlock_t *ptl;
	pte_t *pte;
	int n = 0;

again:
	pte = pte_offset_map_lock(mm, pmd, addr, &ptl);
	if (!pte)
		return n;
	for (; addr < end && n < max; addr += PAGE_SIZE, pte++) {
		pte_t ptent = ptep_get(pte);
		struct folio *folio;
		bool dup = false;

		if (!pte_present(ptent))
			continue;
		folio = vm_normal_folio(vma, addr, ptent);
		if (!folio || !folio_test_anon(folio))
			continue;
		if (folio_test_large(folio)) {
			unsigned long first = addr - ((pte_pfn(ptent) - folio_pfn(folio)) << PAGE_SHIFT);
			unsigned long last = first + folio_size(folio);

			/*
			 * Only a folio mapped whole inside the range goes out whole;
			 * one mapped in part is split first (if nobody else maps it).
			 */
			if (first < start || last > end ||
			    folio_mapcount(folio) != folio_nr_pages(folio)) {
				int err;

				if (folio_mapcount(folio) > folio_nr_pages(folio) || !folio_trylock(folio))
					continue;
				folio_get(folio);
				pte_unmap_unlock(pte, ptl);
				err = split_anon_folio(folio);
				folio_unlock(folio);
				folio_put(folio);
				if (!err)
					goto again;
				addr += PAGE_SIZE;
				if (addr >= end)
					return n;
				goto again;
			}
		}
		/* Leave folios other mappings share alone. */
		if (folio_mapcount(folio) != folio_nr_pages(folio))
			continue;
		for (int i = 0; i < n; i++)
			dup |= batch[i] == folio;
		if (dup)
			continue;
		folio_get(folio);
		batch[n++] = folio;
	}
	pte_unmap_unlock(pte - 1, ptl);
	return n;
}

void madvise_pageout_vma(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	struct folio *batch[PTRS_PER_PTE];
	unsigned long next;

	if (start < vma->vm_start)
		start = vma->vm_start;
	if (end > vma->vm_end)
		end = vma->vm_end;
	for (unsigned long a = start; a < end; a = next) {
		pmd_t *pmd = mm_find_pmd(mm, a);
		int n = 0;
		pmd_t v;

		next = pmd_addr_end(a, end);
		if (!pmd)
			continue;
		v = pmdp_get(pmd);
		if (pmd_none(v))
			continue;
		if (pmd_trans_huge(v)) {
			spinlock_t *ptl = pmd_lock(mm, pmd);
			struct folio *folio = NULL;

			v = pmdp_get(pmd);
			if (pmd_trans_huge(v))
				folio = vm_normal_folio_pmd(vma, a & PMD_MASK, v);
			if (folio && (!folio_test_anon(folio) || folio_mapcount(folio) != 1))
				folio = NULL;
			if (folio)
				folio_get(folio);
			spin_unlock(ptl);
			if (!folio) {
				if (!pmd_leaf(pmdp_get(pmd)))
					goto ptes;
				continue;
			}
			if (next - a == PMD_SIZE) {
				reclaim_anon_folios(&folio, 1);
				continue;
			}
			/* Part of a PMD-mapped THP: split the folio, then its pages. */
			if (folio_trylock(folio)) {
				split_anon_folio(folio);
				folio_unlock(folio);
			}
			folio_put(folio);
			if (pmd_leaf(pmdp_get(pmd)))
				continue;
		}
ptes:
		n = pageout_pte_range(vma, pmd, a, next, batch, PTRS_PER_PTE);
		reclaim_anon_folios(batch, n);
	}
}

long mm_range_swapped(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	long n = 0;

	mmap_read_lock(mm);
	for (unsigned long a = start; a < start + len; a += PAGE_SIZE) {
		pmd_t *pmd = mm_find_pmd(mm, a);
		spinlock_t *ptl;
		pte_t *pte;

		if (!pmd)
			continue;
		pte = pte_offset_map_lock(mm, pmd, a, &ptl);
		if (!pte)
			continue;
		n += is_swap_pte(ptep_get(pte));
		pte_unmap_unlock(pte, ptl);
	}
	mmap_read_unlock(mm);
	return n;
}
