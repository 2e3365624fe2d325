/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * do_swap_page(): a fault on a swap PTE. The page comes from the swap cache
 * or is read from its slot; whether it may be mapped writable, as this
 * process's own, is the release's rule:
 * - 5.19+: the swap PTE's SWP_EXCLUSIVE bit restores PageAnonExclusive, and a
 *   page no one else references (refcount 1 once the swap cache let go) is
 *   exclusive too; anything else is mapped read-only and a write COWs;
 * - before: reuse_swap_page() decided for write faults alone, by the
 *   mappings and swap PTEs left (not by references, so a pinned page was
 *   reused; a read fault mapped it read-only and 5.9's refcount rule in
 *   do_wp_page() then copied it away from the pin).
 *
 * Model: 5.18, where do_swap_page() first asked the refcount, is not told
 * apart from the releases before it. A large folio found in the swap cache is
 * mapped one PTE per fault (mainline maps every page of it whose swap PTE is
 * there).
 */
#include <pinmm/vm/swap.h>
#include "internal.h"

/* reuse_swap_page(): nothing else maps the page or names its slot. */
static bool reuse_swap_page(struct folio *folio, struct page *page, swp_entry_t entry)
{
	return page_mapcount(page) == 0 && __swap_count(entry) == 0 && !folio_test_large(folio);
}

vm_fault_t do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	swp_entry_t entry = swp_entry_plain(pte_to_swp_entry(vmf->orig_pte));
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool new, exclusive, reuse;
	struct folio *folio;
	struct page *page;
	unsigned long idx;
	vm_fault_t ret = 0;
	pte_t pte;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	folio = swapin_folio(entry, &new);
	if (!folio) {
		bool same;

		/* Out of memory, or the swap PTE went (a zap, another swap-in). */
		vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
		if (!vmf->pte)
			return VM_FAULT_RETRY;
		same = pte_same(ptep_get(vmf->pte), vmf->orig_pte);
		pte_unmap_unlock(vmf->pte, vmf->ptl);
		return same ? VM_FAULT_OOM : VM_FAULT_RETRY;
	}
	if (new) {
		ret = VM_FAULT_MAJOR;
		count_vm_event(PGMAJFAULT);
	} else {
		folio_lock(folio);
	}
	/* The cache may have let go of it while we waited for the lock. */
	idx = swp_offset(entry) - swp_offset(folio_swap_entry(folio));
	if (!folio_test_swapcache(folio) || non_swap_entry(folio_swap_entry(folio)) ||
	    idx >= (unsigned long)folio_nr_pages(folio)) {
		folio_unlock(folio);
		folio_put(folio);
		return VM_FAULT_RETRY;
	}
	page = folio_page(folio, idx);
	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
	if (!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)) {
		if (vmf->pte)
			pte_unmap_unlock(vmf->pte, vmf->ptl);
		folio_unlock(folio);
		folio_put(folio);
		return VM_FAULT_RETRY;
	}

	/* Model: no KSM and no device with stable writes, so the bit is the answer. */
	exclusive = kernel_has(KSW_SWP_EXCLUSIVE) && pte_swp_exclusive(vmf->orig_pte);
	swap_free(entry);
	/*
	 * should_try_to_free_swap(): a write fault wants the page to itself;
	 * dropping the swap cache's reference lets the refcount say so.
	 */
	if (write && folio_ref_count(folio) == 1 + folio_nr_pages(folio))
		folio_free_swap(folio);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	add_mm_counter(mm, MM_SWAPENTS, -1);
	if (kernel_has(KSW_ANON_EXCLUSIVE))
		reuse = exclusive || folio_ref_count(folio) == 1;
	else
		reuse = write && reuse_swap_page(folio, page, entry);
	pte = pte_mkyoung(mk_pte(page, vma->vm_page_prot));
	if (reuse) {
		if (READ_ONCE(vma->vm_flags) & VM_WRITE) {
			pte = pte_mkwrite(pte);
			if (write) {
				pte = pte_mkdirty(pte);
				write = false;
			}
		}
		if (!kernel_has(KSW_ANON_EXCLUSIVE) && folio_test_swapcache(folio))
			folio_free_swap(folio);
	}
	if (!folio_test_anon(folio)) {
		/* Read from its slot: a new anon folio of this VMA. */
		folio_add_new_anon_rmap(folio, vma, vmf->address, false);
		if (!reuse)
			ClearPageAnonExclusive(page);
		lru_add_new(folio);
	} else {
		folio_add_anon_rmap_pte(folio, page, vma, vmf->address, reuse);
	}
	set_pte_at(mm, vmf->address, vmf->pte, pte);
	folio_unlock(folio);
	mm_trace("do_swap_page", "mm=%s addr=%#lx slot=%lu -> pfn=%#lx%s%s%s", mm->owner,
		 vmf->address, swp_offset(entry), page_to_pfn(page), new ? " (read)" : " (swap cache)",
		 exclusive ? " exclusive" : "", reuse ? " writable" : "");
	/* Our reference from the swap cache lookup (or the read) is the PTE's now. */
	if (write) {
		/* A write to what could not be mapped writable: COW now. */
		vmf->orig_pte = ptep_get(vmf->pte);
		return ret | do_wp_page_locked(vmf);
	}
	pte_unmap_unlock(vmf->pte, vmf->ptl);
	return ret;
}
