/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anonymous transparent huge pages: a 2 MiB folio mapped by one PMD, its fault,
 * write-protect fault, fork copy, zap, mprotect, and splitting the PMD into
 * 512 PTEs (and the folio into small folios) when an operation covers part of it.
 */
#include "internal.h"

bool thp_vma_suitable(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long haddr = addr & PMD_MASK;
	unsigned long flags = READ_ONCE(vma->vm_flags);
	enum transparent_hugepage_mode mode = READ_ONCE(transparent_hugepage);

	if (!vma_is_anonymous(vma) || (flags & (VM_SHARED | VM_PFNMAP | VM_IO | VM_NOHUGEPAGE)))
		return false;
	if (haddr < vma->vm_start || haddr + PMD_SIZE > vma->vm_end)
		return false;
	return mode == THP_ALWAYS || (mode == THP_MADVISE && (flags & VM_HUGEPAGE));
}

/*
 * Model: no huge zero page. A read fault on THP-eligible memory allocates the
 * huge folio too, as mainline does with use_zero_page=0.
 */
vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long haddr = vmf->address & PMD_MASK;
	struct folio *folio;
	struct page *pgtable;
	spinlock_t *ptl;
	pmd_t entry;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	folio = folio_alloc(GFP_TRANSHUGE | __GFP_ZERO, HPAGE_PMD_ORDER);
	if (!folio)
		return VM_FAULT_FALLBACK;
	pgtable = pte_table_alloc(mm);
	if (!pgtable) {
		folio_put(folio);
		return VM_FAULT_FALLBACK;
	}
	folio_mark_uptodate(folio);
	entry = pmd_mkhuge(pfn_pmd(folio_pfn(folio), vma->vm_page_prot));
	entry = pmd_mkyoung(entry);
	if (READ_ONCE(vma->vm_flags) & VM_WRITE)
		entry = pmd_mkdirty(pmd_mkwrite(entry));

	ptl = pmd_lock(mm, vmf->pmd);
	if (!pmd_none(pmdp_get(vmf->pmd))) {
		spin_unlock(ptl);
		folio_put(folio);
		pte_table_free_unused(mm, pgtable);
		return VM_FAULT_RETRY;
	}
	folio_add_new_anon_rmap(folio, vma, haddr, true);
	pgtable_trans_huge_deposit(mm, vmf->pmd, pgtable);
	add_mm_counter(mm, MM_ANONPAGES, HPAGE_PMD_NR);
	lru_add_new(folio);	/* before the PMD publishes it: see do_anonymous_page() */
	set_pmd_at(mm, haddr, vmf->pmd, entry);
	spin_unlock(ptl);
	mm_trace("fault", "mm=%s addr=%#lx flags=%s -> thp pfn=%#lx", mm->owner, vmf->address,
		 (vmf->flags & FAULT_FLAG_WRITE) ? "write" : "read", folio_pfn(folio));
	return 0;
}

/*
 * Write (or unshare) fault on a read-only PMD: reuse an exclusive folio, or
 * split the PMD and let the PTE level COW the one page (as mainline since 5.8).
 */
vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool unshare = vmf->flags & FAULT_FLAG_UNSHARE;
	unsigned long haddr = vmf->address & PMD_MASK;
	spinlock_t *ptl = pmd_lock(mm, vmf->pmd);
	struct folio *folio;

	if (!pmd_same(pmdp_get(vmf->pmd), vmf->orig_pmd)) {
		spin_unlock(ptl);
		return VM_FAULT_RETRY;
	}
	folio = page_folio(pmd_page(vmf->orig_pmd));
	if (!(READ_ONCE(vma->vm_flags) & VM_SHARED) && folio_test_anon(folio)) {
		if (wp_can_reuse_anon(folio, &folio->page, true)) {
			if (kernel_has(KSW_ANON_EXCLUSIVE))
				SetPageAnonExclusive(&folio->page);
			if (!unshare)
				pmdp_modify(vmf->pmd, 0, _PAGE_DIRTY | _PAGE_ACCESSED |
					    ((READ_ONCE(vma->vm_flags) & VM_WRITE) ? _PAGE_RW : 0));
			spin_unlock(ptl);
			return 0;
		}
	}
	spin_unlock(ptl);
	split_huge_pmd(vma, vmf->pmd, haddr);
	return VM_FAULT_FALLBACK;
}

/* PMD lock held. Replace the PMD mapping by a table of 512 PTEs. */
void __split_huge_pmd_locked(struct vm_area_struct *vma, pmd_t *pmd, unsigned long haddr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *pgtable = pgtable_trans_huge_withdraw(mm, pmd);
	struct folio *folio;
	struct page *page;
	bool anon, exclusive;
	pmd_t old;
	pte_t *ptes;
	unsigned long prot;

	if (!pgtable)
		return;
	old = pmdp_huge_get_and_clear(mm, haddr, pmd);
	flush_tlb_range(vma, haddr, haddr + PMD_SIZE);
	page = pmd_page(old);
	folio = page_folio(page);
	anon = folio_test_anon(folio);
	exclusive = anon && PageAnonExclusive(page);
	prot = pgprot_val(vma->vm_page_prot) & ~_PAGE_RW;
	if (pmd_write(old))
		prot |= _PAGE_RW;
	if (pmd_dirty(old))
		prot |= _PAGE_DIRTY;
	if (pmd_young(old))
		prot |= _PAGE_ACCESSED;
	if (pmd_protnone(old))
		prot = (prot & ~_PAGE_PRESENT) | _PAGE_PROTNONE;
	ptes = page_address(pgtable);
	/* Each PTE holds a reference, the PMD held one. */
	folio_ref_add(folio, HPAGE_PMD_NR - 1);
	for (int i = 0; i < HPAGE_PMD_NR; i++) {
		unsigned long addr = haddr + ((unsigned long)i << PAGE_SHIFT);

		if (anon)
			folio_add_anon_rmap_pte(folio, page + i, vma, addr, exclusive);
		else
			folio_add_file_rmap_pte(folio, page + i, vma);
		__atomic_store_n(&ptes[i].pte, pte_val(pfn_pte(page_to_pfn(page + i), __pgprot(prot))),
				 __ATOMIC_RELAXED);
	}
	folio_remove_rmap_pmd(folio, vma);
	pmd_populate(mm, pmd, pgtable);
	count_vm_event(THP_SPLIT_PMD);
	mm_trace("thp_split_pmd", "mm=%s addr=%#lx pfn=%#lx", mm->owner, haddr, folio_pfn(folio));
}

void split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long address)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long haddr = address & PMD_MASK;
	struct mmu_notifier_range range;
	spinlock_t *ptl;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, haddr, haddr + PMD_SIZE);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	ptl = pmd_lock(mm, pmd);
	if (pmd_trans_huge(pmdp_get(pmd)))
		__split_huge_pmd_locked(vma, pmd, haddr);
	spin_unlock(ptl);
	mmu_notifier_invalidate_range_end(&range);
}

void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long address)
{
	pmd_t *pmd;

	if (!(address & ~PMD_MASK))
		return;
	pmd = mm_find_pmd(vma->vm_mm, address);
	if (pmd && pmd_trans_huge(pmdp_get(pmd)))
		split_huge_pmd(vma, pmd, address);
}

void zap_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, spinlock_t *ptl)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t old = pmdp_huge_get_and_clear(mm, addr, pmd);
	struct page *pgtable = pgtable_trans_huge_withdraw(mm, pmd);
	struct folio *folio = page_folio(pmd_page(old));

	spin_unlock(ptl);
	flush_tlb_range(vma, addr, addr + PMD_SIZE);
	if (pgtable)
		pte_table_free_unused(mm, pgtable);
	if (!folio_test_anon(folio) && pmd_dirty(old))
		folio_mark_dirty(folio);
	folio_remove_rmap_pmd(folio, vma);
	add_mm_counter(mm, mm_counter(folio), -HPAGE_PMD_NR);
	mm_trace("zap", "mm=%s start=%#lx thp pfn=%#lx", mm->owner, addr, folio_pfn(folio));
	folio_put(folio);
}

int copy_huge_pmd(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
		  pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr)
{
	struct mm_struct *dst_mm = dst_vma->vm_mm, *src_mm = src_vma->vm_mm;
	struct page *pgtable = pte_table_alloc(dst_mm);
	spinlock_t *src_ptl, *dst_ptl;
	struct folio *folio;
	pmd_t pmd;

	if (!pgtable)
		return -ENOMEM;
	src_ptl = pmd_lock(src_mm, src_pmd);
	dst_ptl = pmd_lock(dst_mm, dst_pmd);
	pmd = pmdp_get(src_pmd);
	if (!pmd_trans_huge(pmd)) {
		spin_unlock(dst_ptl);
		spin_unlock(src_ptl);
		pte_table_free_unused(dst_mm, pgtable);
		return -EAGAIN;
	}
	folio = page_folio(pmd_page(pmd));
	if (folio_try_dup_anon_rmap_pmd(folio, src_vma)) {
		/* Maybe pinned: split, and let the PTE copy give the child copies. */
		spin_unlock(dst_ptl);
		spin_unlock(src_ptl);
		pte_table_free_unused(dst_mm, pgtable);
		split_huge_pmd(src_vma, src_pmd, addr);
		return -EAGAIN;
	}
	folio_get(folio);
	add_mm_counter(dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	pgtable_trans_huge_deposit(dst_mm, dst_pmd, pgtable);
	if (pmd_write(pmd)) {
		pmdp_set_wrprotect(src_mm, addr, src_pmd);
		pmd = pmd_wrprotect(pmd);
	}
	set_pmd_at(dst_mm, addr, dst_pmd, pmd);
	spin_unlock(dst_ptl);
	spin_unlock(src_ptl);
	return 0;
}

void change_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
		     pgprot_t newprot)
{
	spinlock_t *ptl = pmd_lock(vma->vm_mm, pmd);
	pmd_t old = pmdp_get(pmd);

	if (pmd_leaf(old)) {
		pmd_t entry = pmd_modify(old, newprot);

		/* mprotect never grants write by itself: a later fault decides. */
		if (!pmd_write(old))
			entry = pmd_wrprotect(entry);
		set_pmd_at(vma->vm_mm, addr, pmd, entry);
		flush_tlb_range(vma, addr, addr + PMD_SIZE);
	}
	spin_unlock(ptl);
}

int split_anon_folio(struct folio *folio)
{
	unsigned long nr = (unsigned long)folio_nr_pages(folio);
	struct anon_vma *av;
	struct folio *parts[HPAGE_PMD_NR];
	int err;

	if (!folio_test_anon(folio) || !folio_test_large(folio) || nr > HPAGE_PMD_NR)
		return -EINVAL;
	/*
	 * Model: a folio in the swap cache is not split (mainline splits its
	 * cache entries with it); reclaim splits before add_to_swap().
	 */
	if (folio_test_swapcache(folio))
		return -EBUSY;
	av = anon_vma_get_folio(folio);
	if (!av)
		return -EBUSY;
	if (!try_to_migrate(folio)) {
		remove_migration_ptes(folio, folio);
		anon_vma_put(av);
		return -EBUSY;
	}
	/* Now only the caller's reference may remain. */
	if (!folio_ref_freeze(folio, 1)) {
		remove_migration_ptes(folio, folio);
		anon_vma_put(av);
		return -EBUSY;
	}
	err = __split_folio(folio, 0);
	if (err) {
		folio_ref_unfreeze(folio, 1);
		remove_migration_ptes(folio, folio);
		anon_vma_put(av);
		return -EBUSY;
	}
	for (unsigned long i = 0; i < nr; i++) {
		parts[i] = page_folio(folio_page(folio, i));
		/* The head keeps the caller's reference; tails get a temporary one. */
		folio_ref_unfreeze(parts[i], 1);
	}
	for (unsigned long i = 0; i < nr; i++)
		remove_migration_ptes(parts[i], parts[i]);
	for (unsigned long i = 1; i < nr; i++)
		folio_put(parts[i]);
	count_vm_event(THP_SPLIT_PAGE);
	mm_trace("thp_split_page", "pfn=%#lx", folio_pfn(folio));
	anon_vma_put(av);
	return 0;
}
