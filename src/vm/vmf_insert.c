/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Installing a PTE from a ->fault handler (vmf_insert_mixed and
 * vmf_insert_page_mkwrite): the fsdax fault path, where the "page" is the
 * device's memory and no page cache is involved.
 */
#include <pinmm/mem/whatif.h>
#include <pinmm/vm/vmf_insert.h>
#include "internal.h"

static pte_t dax_entry(struct vm_area_struct *vma, unsigned long pfn, bool write)
{
	pgprot_t prot = vma->vm_page_prot;
	pte_t entry;

	if (!write)
		prot = __pgprot(pgprot_val(prot) & ~_PAGE_RW);
	entry = pte_mkyoung(pfn_pte(pfn, prot));
	if (write)
		entry = pte_mkdirty(pte_mkwrite(entry));
	return entry;
}

/*
 * Set @entry at @addr unless a PTE is there. @page: the reference and rmap
 * the new entry carries, or NULL for a special entry.
 */
static vm_fault_t insert_entry(struct vm_area_struct *vma, unsigned long addr, pte_t entry,
			       struct page *page, bool write)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pmd_t *pmd;
	pte_t *pte, old;

	pmd = mm_alloc_pmd(mm, addr);
	if (!pmd)
		return VM_FAULT_OOM;
	pte = pte_alloc_map_lock(mm, pmd, addr, &ptl);
	if (!pte)
		return VM_FAULT_OOM;
	old = ptep_get(pte);
	if (!pte_none(old)) {
		if (pte_present(old) && pte_pfn(old) == pte_pfn(entry)) {
			/* insert_pfn(mkwrite): the entry is there, the store makes it writable. */
			if (write && !pte_write(old))
				ptep_modify(pte, 0, _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
			pte_unmap_unlock(pte, ptl);
			return VM_FAULT_NOPAGE;
		}
		if (!pte_present(old) || !pte_special(old)) {
			/* Somebody else's page got here first: the CPU retries. */
			pte_unmap_unlock(pte, ptl);
			return VM_FAULT_NOPAGE;
		}
		/* The zero page of a hole gives way to the block a write allocated. */
		ptep_get_and_clear(mm, addr, pte);
		flush_tlb_range(vma, addr, addr + PAGE_SIZE);
	}
	if (page) {
		struct folio *folio = page_folio(page);

		folio_get(folio);
		folio_add_file_rmap_pte(folio, page, vma);
		add_mm_counter(mm, mm_counter(folio), 1);
	}
	set_pte_at(mm, addr, pte, entry);
	pte_unmap_unlock(pte, ptl);
	return VM_FAULT_NOPAGE;
}

/*
 * Model: the machine is x86-64, with CONFIG_ARCH_HAS_PTE_SPECIAL and
 * pte_devmap, so vmf_insert_mixed() builds only special (and, for ZONE_DEVICE,
 * devmap) PTEs, as insert_pfn() does there, and vmf_insert_page_mkwrite()
 * only normal ones. The no-pte-special what-if is the other architectures:
 * a pfn with a struct page goes through insert_page(), with get_page() and
 * rmap (seed 003's VM_BUG_ON on a page idling at 0). The zero page stays
 * special either way: its references are not what any scenario checks.
 */
vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn,
			    bool write)
{
	pte_t entry;

	if (!vma || addr < vma->vm_start || addr >= vma->vm_end || !pfn_valid(pfn))
		return VM_FAULT_SIGBUS;
	/* Never a writable zero page. */
	if (is_zero_pfn(pfn))
		write = false;
	else if (whatif(WHATIF_NO_PTE_SPECIAL))
		/* insert_page(): validate_page_before_insert() says nothing against it. */
		return insert_entry(vma, addr & PAGE_MASK, dax_entry(vma, pfn, write),
				    pfn_to_page(pfn), write);
	entry = pte_mkspecial(dax_entry(vma, pfn, write));
	if (is_zone_device_page(pfn_to_page(pfn)))
		entry = pte_mkdevmap(entry);
	return insert_entry(vma, addr & PAGE_MASK, entry, NULL, write);
}

vm_fault_t vmf_insert_page_mkwrite(struct vm_fault *vmf, struct page *page, bool write)
{
	struct vm_area_struct *vma = vmf->vma;
	pte_t entry;

	if (!page || page_ref_count(page) <= 0)
		return VM_FAULT_SIGBUS;
	entry = dax_entry(vma, page_to_pfn(page), write);
	if (is_zone_device_page(page))
		entry = __pte(pte_val(entry) | _PAGE_DEVMAP);
	return insert_entry(vma, vmf->address, entry, page, write);
}
