/* SPDX-License-Identifier: GPL-2.0-only */
/* vm/-private interfaces between the files of the layer. */
#ifndef PINMM_SRC_VM_INTERNAL_H
#define PINMM_SRC_VM_INTERNAL_H

#include <pinmm/mem/memory.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/mem/deferred_split.h>
#include <pinmm/pin/tracker.h>
#include <pinmm/vm/mm.h>
#include <pinmm/vm/hugetlb.h>

/* pgtable.c */
int mm_alloc_pgd(struct mm_struct *mm);
void mm_free_pgd(struct mm_struct *mm);
pmd_t *mm_alloc_pmd(struct mm_struct *mm, unsigned long addr);
int __pte_alloc(struct mm_struct *mm, pmd_t *pmd);
pte_t *pte_alloc_map_lock(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,
			  spinlock_t **ptlp);
struct page *pte_table_alloc(struct mm_struct *mm);
void pte_table_free_unused(struct mm_struct *mm, struct page *page);
void pmd_populate(struct mm_struct *mm, pmd_t *pmd, struct page *table);
void pt_free_deferred(struct mm_struct *mm, struct page *page);
void pgtable_trans_huge_deposit(struct mm_struct *mm, pmd_t *pmd, struct page *pgtable);
struct page *pgtable_trans_huge_withdraw(struct mm_struct *mm, pmd_t *pmd);
void free_pgd_range(struct mm_struct *mm, unsigned long start, unsigned long end);

/* swapin.c */
vm_fault_t do_swap_page(struct vm_fault *vmf);

/* memory.c: the COW reuse rule of the release the machine runs. */
bool wp_can_reuse_anon(struct folio *folio, struct page *page, bool pmd_mapped);

/* mm.c */
void add_mm_counter(struct mm_struct *mm, int member, long value);
int mm_counter(struct folio *folio);
/* The RSS counter a migration entry is accounted in. */
int mm_counter_swp(struct vm_area_struct *vma, swp_entry_t entry);
void lru_add_new(struct folio *folio);

/* vma.c */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig);
struct vm_area_struct *vma_prev(struct vm_area_struct *vma);
struct vm_area_struct *vma_next(struct vm_area_struct *vma);
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
void remove_vma(struct vm_area_struct *vma);
void vm_area_free_raw(struct vm_area_struct *vma);
int split_vma(struct vm_area_struct *vma, unsigned long addr, int new_below);
struct vm_area_struct *vma_merge_neighbours(struct vm_area_struct *vma);

/* rmap.c */
void anon_vma_attach(struct vm_area_struct *vma, struct anon_vma *av);
void anon_vma_detach(struct vm_area_struct *vma);
struct anon_vma *anon_vma_get_folio(struct folio *folio);
void anon_vma_put(struct anon_vma *av);

/* zap.c */
struct zap_details {
	struct address_space *mapping;	/* only folios of this mapping... */
	bool even_cows;			/* ...unless private COW copies go too */
};
void unmap_vma_range(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		     const struct zap_details *details, enum mmu_notifier_event event);

/* rmap walks (pageout.c, migrate.c) */
/*
 * An rmap walk's one-VMA step (try_to_unmap_one(), try_to_migrate_one()):
 * notify the range @folio may be mapped at from @address, clipped to @vma.
 */
static inline void folio_vma_invalidate_start(struct mmu_notifier_range *range,
					      enum mmu_notifier_event event, struct folio *folio,
					      struct vm_area_struct *vma, unsigned long address)
{
	unsigned long end = address + folio_size(folio);

	mmu_notifier_range_init(range, event, 0, vma->vm_mm,
				address < vma->vm_start ? vma->vm_start : address,
				end > vma->vm_end ? vma->vm_end : end);
	range->vma = vma;
	mmu_notifier_invalidate_range_start(range);
}

/* memory.c: faults */
vm_fault_t do_wp_page_locked(struct vm_fault *vmf);

/* huge_memory.c */
vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf);
/* The folio an anonymous write fault maps: the largest mTHP order that fits, or order 0. */
struct folio *alloc_anon_folio(struct vm_fault *vmf);
vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf);
/* Zap a whole PMD mapping; the PMD lock is held and released. Returns the folio put. */
void zap_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, spinlock_t *ptl);
int copy_huge_pmd(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
		  pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr);
void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long address);
void __split_huge_pmd_locked(struct vm_area_struct *vma, pmd_t *pmd, unsigned long haddr);
void change_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
		     pgprot_t newprot);

/* hugetlb.c: move a hugetlbfs page-cache slot from @src to @dst (migration). */
int hugetlbfs_replace_folio(struct address_space *mapping, struct folio *src, struct folio *dst);

/* migrate.c */
bool try_to_migrate(struct folio *folio);
/* Split every PMD mapping of @folio in @vma into PTEs (TTU_SPLIT_HUGE_PMD). */
void split_folio_pmd_mappings(struct folio *folio, struct vm_area_struct *vma,
			      unsigned long address);
void remove_migration_ptes(struct folio *src, struct folio *dst);
void migration_entry_wait(struct mm_struct *mm, pmd_t *pmd, unsigned long address);

/* mmap.c: under mmap_lock for writing */
long get_unmapped_area(struct mm_struct *mm, unsigned long hint, unsigned long len);
int do_munmap_locked(struct mm_struct *mm, unsigned long start, unsigned long end);

/* vma.c: the rmap locks a page-table move holds (take_rmap_locks) */
void vma_rmap_lock(struct vm_area_struct *vma);
void vma_rmap_unlock(struct vm_area_struct *vma);

/* shmem_anon.c */
int shmem_zero_setup(struct vm_area_struct *vma);

/* Trace helpers */
#define VM_TRACE_MM(vma) ((vma)->vm_mm->owner)

#endif
