/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty tracking of file folios through their mappings: folio_mkclean()
 * write-protects and cleans every PTE so the next store faults (and dirties the
 * folio again through page_mkwrite); folio_mark_dirty() tells the filesystem.
 */
#include "internal.h"

struct mkclean_arg {
	int cleaned;
	int mapped;	/* PTEs found mapping the head page, for mkclean_end */
};

static bool invalid_mkclean_vma(struct vm_area_struct *vma, void *arg)
{
	(void)arg;
	/* Private mappings hold COW copies, never the file folio writable. */
	return !(READ_ONCE(vma->vm_flags) & VM_SHARED);
}

static bool page_mkclean_one(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, void *arg)
{
	struct mkclean_arg *a = arg;
	struct mmu_notifier_range range;
	unsigned long start = address < vma->vm_start ? vma->vm_start : address;
	unsigned long end = address + folio_size(folio);
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, address, PVMW_SYNC);

	if (end > vma->vm_end)
		end = vma->vm_end;
	mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_PAGE, 0, vma->vm_mm, start, end);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	while (page_vma_mapped_walk(&pvmw)) {
		bool was;

		if (pvmw.pte) {
			pte_t old = ptep_get(pvmw.pte);

			if (pte_pfn(old) == folio_pfn(folio))
				a->mapped++;
			if (!pte_dirty(old) && !pte_write(old))
				continue;
			old = ptep_modify(pvmw.pte, _PAGE_RW | _PAGE_DIRTY, 0);
			was = pte_dirty(old) || pte_write(old);
			/* After this no CPU stores through the old writable entry. */
			flush_tlb_range(vma, pvmw.address, pvmw.address + PAGE_SIZE);
		} else {
			pmd_t old = pmdp_get(pvmw.pmd);

			if (!pmd_dirty(old) && !pmd_write(old))
				continue;
			old = pmdp_modify(pvmw.pmd, _PAGE_RW | _PAGE_DIRTY, 0);
			was = pmd_dirty(old) || pmd_write(old);
			flush_tlb_range(vma, pvmw.address, pvmw.address + PMD_SIZE);
		}
		if (was)
			a->cleaned++;
	}
	mmu_notifier_invalidate_range_end(&range);
	return true;
}

int folio_mkclean_pinned(struct folio *folio, bool *pin_raced)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);
	struct mkclean_arg a = { .cleaned = 0, .mapped = 0 };
	struct rmap_walk_control rwc = {
		.arg = &a,
		.rmap_one = page_mkclean_one,
		.invalid_vma = invalid_mkclean_vma,
	};
	bool raced = false;

	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (pin_raced)
		*pin_raced = false;
	if (!folio_mapping(folio))
		return 0;
	if (t && t->mkclean_begin)
		t->mkclean_begin(folio);
	race_point(RACE_MKCLEAN, folio);
	if (folio_mapped(folio))
		rmap_walk(folio, &rwc);
	if (t && t->mkclean_end)
		raced = t->mkclean_end(folio, a.mapped);
	if (pin_raced)
		*pin_raced = raced;
	mm_trace("folio_mkclean", "pfn=%#lx index=%lu cleaned=%d maybe_dma_pinned=%d%s",
		 folio_pfn(folio), folio->index, a.cleaned,
		 READ_ONCE(mm_trace_on) ? folio_maybe_dma_pinned(folio) : 0,
		 raced ? " pin-raced" : "");
	return a.cleaned;
}

int folio_mkclean(struct folio *folio)
{
	return folio_mkclean_pinned(folio, NULL);
}

bool folio_mark_dirty(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	if (mapping && mapping->a_ops && mapping->a_ops->dirty_folio)
		return mapping->a_ops->dirty_folio(mapping, folio);
	return !folio_test_set_dirty(folio);
}

bool set_page_dirty_lock(struct page *page)
{
	struct folio *folio = page_folio(page);
	bool ret;

	folio_lock(folio);
	ret = folio_mark_dirty(folio);
	folio_unlock(folio);
	return ret;
}
