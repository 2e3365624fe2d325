/* SPDX-License-Identifier: GPL-2.0-only */
/* Taking file folios out of every address space: try_to_unmap, unmap_mapping_range. */
#include "internal.h"

struct ttu_arg {
	unsigned int flags;
};

static bool try_to_unmap_one(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, void *arg)
{
	struct ttu_arg *t = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct mmu_notifier_range range;
	unsigned long start = address < vma->vm_start ? vma->vm_start : address;
	unsigned long end = address + folio_size(folio);
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, address, 0);

	if (end > vma->vm_end)
		end = vma->vm_end;
	if ((t->flags & TTU_SPLIT_HUGE_PMD) && folio_test_large(folio)) {
		DEFINE_FOLIO_VMA_WALK(w, folio, vma, address, 0);

		while (page_vma_mapped_walk(&w)) {
			if (!w.pte) {
				pmd_t *pmd = w.pmd;
				unsigned long a = w.address;

				page_vma_mapped_walk_done(&w);
				split_huge_pmd(vma, pmd, a);
				break;
			}
		}
	}
	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, start, end);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	while (page_vma_mapped_walk(&pvmw)) {
		if (!pvmw.pte) {
			pmd_t old = pmdp_huge_get_and_clear(mm, pvmw.address, pvmw.pmd);
			struct page *pgtable = pgtable_trans_huge_withdraw(mm, pvmw.pmd);

			flush_tlb_range(vma, pvmw.address, pvmw.address + PMD_SIZE);
			if (pgtable)
				pte_table_free_unused(mm, pgtable);
			if (pmd_dirty(old))
				folio_mark_dirty(folio);
			folio_remove_rmap_pmd(folio, vma);
			add_mm_counter(mm, mm_counter(folio), -folio_nr_pages(folio));
			folio_put(folio);
			continue;
		}
		{
			pte_t old = ptep_get_and_clear(mm, pvmw.address, pvmw.pte);
			struct page *subpage = pfn_to_page(pte_pfn(old));

			flush_tlb_range(vma, pvmw.address, pvmw.address + PAGE_SIZE);
			if (pte_dirty(old))
				folio_mark_dirty(folio);
			folio_remove_rmap_pte(folio, subpage, vma);
			add_mm_counter(mm, mm_counter(folio), -1);
			folio_put(folio);
		}
	}
	mmu_notifier_invalidate_range_end(&range);
	return true;
}

static bool folio_not_mapped(struct folio *folio)
{
	return !folio_mapped(folio);
}

/*
 * Model: an anonymous folio goes to swap only through MADV_PAGEOUT, whose
 * reclaim unmaps it to swap entries itself (pageout.c); this try_to_unmap(),
 * the file LRU's, unmaps nothing of one and says so.
 */
bool try_to_unmap(struct folio *folio, unsigned int flags)
{
	struct ttu_arg t = { .flags = flags };
	struct rmap_walk_control rwc = {
		.arg = &t,
		.rmap_one = try_to_unmap_one,
		.done = folio_not_mapped,
	};

	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (folio_test_anon(folio))
		return !folio_mapped(folio);
	rmap_walk(folio, &rwc);
	mm_trace("try_to_unmap", "pfn=%#lx index=%lu mapped=%d", folio_pfn(folio), folio->index,
		 folio_mapcount(folio));
	return !folio_mapped(folio);
}

void unmap_mapping_range(struct address_space *mapping, loff_t holebegin, loff_t holelen,
			 int even_cows)
{
	struct zap_details details = { .mapping = mapping, .even_cows = even_cows != 0 };
	pgoff_t first, last;
	struct vm_area_struct *vma;

	if (!mapping || holebegin < 0 || holelen < 0)
		return;
	first = (pgoff_t)holebegin >> PAGE_SHIFT;
	if (holelen == 0)
		last = ~0UL;
	else
		last = ((pgoff_t)holebegin + (pgoff_t)holelen + PAGE_SIZE - 1) / PAGE_SIZE - 1;
	if (last < first)
		return;
	pthread_rwlock_rdlock(&mapping->i_mmap_rwsem);
	cds_list_for_each_entry(vma, &mapping->i_mmap, shared) {
		pgoff_t vstart = vma->vm_pgoff;
		pgoff_t vlast = vstart + vma_pages(vma) - 1;
		pgoff_t zs, ze;

		if (vlast < first || vstart > last)
			continue;
		zs = first > vstart ? first : vstart;
		ze = last < vlast ? last : vlast;
		unmap_vma_range(vma, vma_pgoff_address(vma, zs), vma_pgoff_address(vma, ze) + PAGE_SIZE,
				&details, MMU_NOTIFY_UNMAP);
	}
	pthread_rwlock_unlock(&mapping->i_mmap_rwsem);
	mm_trace("unmap_mapping_range", "start=%lld len=%lld even_cows=%d", (long long)holebegin,
		 (long long)holelen, even_cows);
}
