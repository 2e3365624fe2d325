/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault handlers that install the PTE themselves (and return VM_FAULT_NOPAGE):
 * how fsdax maps a block's pfn. Mainline keeps these in mm/memory.c.
 */
#ifndef PINMM_VM_VMF_INSERT_H
#define PINMM_VM_VMF_INSERT_H

#include <pinmm/vm/mm_types.h>

/*
 * insert_pfn(): map @pfn at @addr with no page reference and no rmap: a
 * special PTE, also pte_devmap for a ZONE_DEVICE pfn (the legacy fsdax
 * mapping). Writable (and dirty) only with @write; a read maps it read-only
 * so the first store faults again (pfn_mkwrite). An existing entry for the
 * same pfn is made writable if @write; an existing special entry for another
 * pfn (a hole's zero page) is replaced. VM_FAULT_NOPAGE, or VM_FAULT_OOM.
 */
vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn,
			    bool write);
/*
 * Map @page with a reference and rmap, as for any page (the IDLE_ZERO fsdax
 * mapping, mainline since 6.15). The caller holds a reference on @page.
 * Same rules for existing entries as vmf_insert_mixed().
 * Model: a ZONE_DEVICE page keeps the devmap bit (without special) so GUP-fast
 * still recognises it; mainline dropped pte_devmap after 6.15.
 */
vm_fault_t vmf_insert_page_mkwrite(struct vm_fault *vmf, struct page *page, bool write);

#endif
