/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pins and COW. A pinned anonymous page must stay the page the process sees:
 * a read-only pin first unshares a page that a COW could later replace
 * (FAULT_FLAG_UNSHARE), every pinned anon page is PageAnonExclusive, and fork
 * copies such a page for the child instead of sharing it (vm/'s copy_page_range
 * asks folio_needs_cow_for_dma()).
 */
#ifndef PINMM_GUP_UNSHARE_H
#define PINMM_GUP_UNSHARE_H

#include <pinmm/gup/gup.h>
#include <pinmm/vm/mm.h>

/*
 * Must GUP trigger FAULT_FLAG_UNSHARE before taking this page with @flags,
 * because its PTE is read-only? @vma is NULL in GUP-fast (then "maybe" is yes).
 */
bool gup_must_unshare(struct vm_area_struct *vma, unsigned int flags, struct page *page);
/* page form of vm/'s folio_needs_cow_for_dma() */
bool page_needs_cow_for_dma(struct vm_area_struct *vma, struct page *page);
/* May this folio be pinned FOLL_LONGTERM where it is (not ZONE_MOVABLE, not CMA)? */
bool folio_is_longterm_pinnable(struct folio *folio);

#endif
