/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Large folio set-up and the memory half of splitting one. Splitting a mapped
 * folio (PMD to PTEs, unmap, remap) is vm/'s job; it ends in __split_folio().
 */
#ifndef PINMM_MEM_FOLIO_H
#define PINMM_MEM_FOLIO_H

#include <pinmm/mem/mmzone.h>

/* Turn 2^order free pages starting at @page into one folio (head + tails). */
void prep_compound_page(struct page *page, unsigned int order);

/*
 * Split a frozen (refcount 0) folio into folios of @new_order. The folio must not
 * be PMD-mapped nor pinned (_pincount 0): -EBUSY otherwise. Head flags, mapping
 * and consecutive indices go to every new folio; each is left frozen for the
 * caller to folio_ref_unfreeze(). -EINVAL for a bad order.
 */
int __split_folio(struct folio *folio, unsigned int new_order);

/*
 * Split an unmapped, unpinned folio of which the caller holds the only
 * reference: every new folio comes back with refcount 1.
 */
int split_folio_unmapped(struct folio *folio, unsigned int new_order);

#endif
