/* SPDX-License-Identifier: GPL-2.0-only */
/* Between the files of gup/ (mainline keeps these in mm/internal.h and mm/gup.c). */
#ifndef PINMM_SRC_GUP_INTERNAL_H
#define PINMM_SRC_GUP_INTERNAL_H

#include <pinmm/gup/gup.h>
#include <pinmm/vm/mm.h>
#include <pinmm/mem/kernel.h>

/* Check and complete the flags of a public entry point; false (with a WARN) if bad. */
bool is_valid_gup_args(struct page **pages, int *locked, unsigned int *gup_flags_p,
		       unsigned int to_set);

/* FOLL_PIN was used on @mm: from now on fork must copy pinned anon pages. */
static inline void mm_set_has_pinned_flag(struct mm_struct *mm)
{
	if (!test_bit(MMF_HAS_PINNED, &mm->flags))
		set_bit(MMF_HAS_PINNED, &mm->flags);
}

/*
 * What a FOLL_PIN call stores in pages[] for @nr pages of one folio from
 * @page, whose pins it has just taken, found through @vma at @addr (NULL: no
 * VMA, as in GUP-fast): the pages, or the tracker's proxies with the file
 * and offset they were found through (a proxy's own mapping/index, seed
 * 000). Anonymous folios have no file; the zero page (never really pinned)
 * gets no proxy.
 */
static inline void gup_pin_entries(struct page *page, unsigned int nr, struct vm_area_struct *vma,
				   unsigned long addr, unsigned int flags, struct page **out)
{
	struct folio *folio;

	if (likely(!pin_tracker_has_entries()) || !(flags & FOLL_PIN) ||
	    is_zero_folio(folio = page_folio(page))) {
		gup_pages_fill(out, page, nr);
		return;
	}
	if (folio_test_anon(folio) || !vma || !vma->vm_file)
		pin_tracker_entries(page, nr, NULL, 0, out);
	else
		pin_tracker_entries(page, nr, vma->vm_file->f_mapping,
				    linear_page_index(vma, addr), out);
}

/* The slow path, mmap_lock held (or taken when *locked == 0). */
long __get_user_pages_locked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages, int *locked,
			     unsigned int flags);
/* The slow path plus FOLL_LONGTERM's migration of unpinnable folios. */
long __gup_longterm_locked(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, struct page **pages, int *locked,
			   unsigned int gup_flags);
/*
 * For trackers with pin_post (the page-lock plan): record the @nr pins GUP
 * took at @start under each folio's lock, re-asking the slow path for pages
 * whose mapping changed. Returns how many of the entries are now pins (the
 * rest were released), or the slow path's -errno when none is. No-op (@nr)
 * for every other tracker.
 */
long gup_pin_post(struct mm_struct *mm, unsigned long start, struct page **pages, long nr,
		  int *locked, unsigned int flags);

/* GUP-fast with the slow-path fallback. */
long internal_get_user_pages_fast(struct mm_struct *mm, unsigned long start,
				  unsigned long nr_pages, unsigned int gup_flags,
				  struct page **pages);

/*
 * Does the current longterm policy make FOLL_LONGTERM move this folio first?
 * (ZONE_MOVABLE and CMA under the mainline and lease policies.)
 */
bool gup_longterm_must_migrate(struct folio *folio);
/*
 * May a writable FOLL_LONGTERM pin be taken in a mapping that @vma is (slow
 * path) - mainline's writable_file_mapping_allowed() under the policy.
 */
bool gup_writable_file_mapping_allowed(struct vm_area_struct *vma, unsigned int gup_flags);
/* The lease policy, a vaddr_pin_pages() call and a lease on the mapped file. */
bool gup_vma_layout_leased(struct vm_area_struct *vma, unsigned int gup_flags);
/* GUP-fast's version of the same, from the folio alone (gup_fast_folio_allowed()). */
bool gup_fast_folio_allowed(struct folio *folio, unsigned int flags);

#endif
