/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reverse mapping: from a folio to every (mm, address) that maps it. Anonymous
 * folios find their VMAs through folio->mapping = anon_vma | PAGE_MAPPING_ANON,
 * file folios through mapping->i_mmap; the address is vm_start plus the
 * folio's index minus vm_pgoff in both cases.
 */
#ifndef PINMM_VM_RMAP_H
#define PINMM_VM_RMAP_H

#include <pinmm/vm/mm_types.h>

/* Give @vma an anon_vma before its first anonymous page. 0 or -ENOMEM. */
int anon_vma_prepare(struct vm_area_struct *vma);
static inline struct anon_vma *folio_anon_vma(const struct folio *folio)
{
	unsigned long m = (unsigned long)READ_ONCE(folio->mapping);

	if (!(m & PAGE_MAPPING_ANON))
		return NULL;
	return (struct anon_vma *)(m & ~PAGE_MAPPING_FLAGS);
}

/* ---- Adding and removing mappings (mapcount, stats, PageAnonExclusive) ---- */
/* A new exclusive anon folio mapped at @address, by PTEs or one PMD (@pmd). */
void folio_add_new_anon_rmap(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, bool pmd);
/* Map one page of an existing anon folio; @exclusive sets PageAnonExclusive. */
void folio_add_anon_rmap_pte(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma, unsigned long address, bool exclusive);
void folio_add_file_rmap_pte(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma);
void folio_add_file_rmap_pmd(struct folio *folio, struct vm_area_struct *vma);
void folio_remove_rmap_pte(struct folio *folio, struct page *page,
			   struct vm_area_struct *vma);
void folio_remove_rmap_pmd(struct folio *folio, struct vm_area_struct *vma);
/*
 * fork: share one more mapping of an anon page (PTE) or folio (PMD: @page is
 * the head). -EBUSY when the page is exclusive and folio_needs_cow_for_dma():
 * then the child must get a copy (a pinned page is never shared by fork).
 */
int folio_try_dup_anon_rmap_pte(struct folio *folio, struct page *page,
				struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);
int folio_try_dup_anon_rmap_pmd(struct folio *folio, struct vm_area_struct *dst_vma,
				struct vm_area_struct *src_vma);

/*
 * The bit spinlock in folio->_mm_ids that orders a large folio's mapcount
 * changes against a reader comparing it with the refcount (COW reuse).
 */
void folio_lock_large_mapcount(struct folio *folio);
void folio_unlock_large_mapcount(struct folio *folio);

/* ---- Walking ---- */
struct rmap_walk_control {
	void *arg;
	/*
	 * Called for each VMA that may map the folio, with the address where the
	 * folio's first page would be mapped there (it may lie outside the VMA for
	 * a large folio). Return false to stop the walk.
	 */
	bool (*rmap_one)(struct folio *folio, struct vm_area_struct *vma,
			 unsigned long address, void *arg);
	bool (*done)(struct folio *folio);		/* stop early when true */
	bool (*invalid_vma)(struct vm_area_struct *vma, void *arg);
	/*
	 * The caller holds a reference on the folio's anon_vma (migration, which
	 * walks a folio its migration entries left unmapped): use ->mapping as
	 * it is. Otherwise an unmapped anon folio's anon_vma may be gone, and
	 * the walk finds nothing, as mainline's folio_lock_anon_vma_read().
	 */
	bool anon_vma_held;
};
/*
 * Walk the rmap of @folio, holding the anon_vma or i_mmap lock for reading.
 * The folio must be locked (as in mainline for anything but anon reads) or
 * otherwise stable.
 */
void rmap_walk(struct folio *folio, const struct rmap_walk_control *rwc);

/* Where page @pgoff of a file/anon object sits in @vma (may be outside it). */
static inline unsigned long vma_pgoff_address(const struct vm_area_struct *vma, pgoff_t pgoff)
{
	return vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
}

/*
 * Model: PVMW_SYNC asks mainline's walk to take the PTL before it looks at a
 * PTE; pinmm's walk always does, so the flag changes nothing here.
 */
#define PVMW_SYNC	(1u << 0)	/* avoid racy checks */
#define PVMW_MIGRATION	(1u << 1)	/* look for migration entries, not present PTEs */

/*
 * Iterate over the entries of @vma that map pfns [pfn, pfn + nr_pages) between
 * address and the folio's end. Each true return leaves either pmd set and
 * pte NULL (a PMD mapping, PMD lock held) or pte set (PTE lock held); the
 * next call moves on. page_vma_mapped_walk_done() when stopping early.
 */
struct page_vma_mapped_walk {
	unsigned long pfn;
	unsigned long nr_pages;
	pgoff_t pgoff;
	struct vm_area_struct *vma;
	unsigned long address;
	pmd_t *pmd;
	pte_t *pte;
	spinlock_t *ptl;
	unsigned int flags;
	unsigned long end;		/* private */
};
#define DEFINE_FOLIO_VMA_WALK(name, _folio, _vma, _address, _flags)		\
	struct page_vma_mapped_walk name = {					\
		.pfn = folio_pfn(_folio),					\
		.nr_pages = (unsigned long)folio_nr_pages(_folio),		\
		.pgoff = (_folio)->index,					\
		.vma = (_vma),							\
		.address = (_address),						\
		.flags = (_flags),						\
	}
bool page_vma_mapped_walk(struct page_vma_mapped_walk *pvmw);
void page_vma_mapped_walk_done(struct page_vma_mapped_walk *pvmw);

/* try_to_unmap() flags */
#define TTU_SPLIT_HUGE_PMD	(1u << 2)	/* split PMD mappings first */
#define TTU_IGNORE_MLOCK	(1u << 3)
#define TTU_SYNC		(1u << 4)

/* How many (vma, PTE/PMD) mappings of @folio an rmap walk finds. */
int folio_rmap_count(struct folio *folio);

#endif
