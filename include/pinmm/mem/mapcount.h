/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mapcounts. Every page's _mapcount starts at -1 (unmapped) and counts the PTEs
 * that map it; a large folio's _entire_mapcount (first tail page) counts PMD
 * mappings of the whole folio. The rmap code in vm/ is the only writer.
 */
#ifndef PINMM_MEM_MAPCOUNT_H
#define PINMM_MEM_MAPCOUNT_H

#include <pinmm/mem/mmzone.h>

static inline int page_mapcount_raw(const struct page *page)
{
	return atomic_load_explicit(&((struct page *)page)->_mapcount, memory_order_relaxed);
}
static inline void page_mapcount_reset(struct page *page)
{
	atomic_store_explicit(&page->_mapcount, -1, memory_order_relaxed);
}
static inline int folio_entire_mapcount(const struct folio *folio)
{
	if (!folio_test_large(folio))
		return 0;
	return atomic_load_explicit(&((struct folio *)folio)->_entire_mapcount,
				    memory_order_relaxed) + 1;
}
/* PTE mappings of this page plus PMD mappings of its folio. */
static inline int page_mapcount(const struct page *page)
{
	int mc = page_mapcount_raw(page) + 1;
	struct folio *folio = page_folio(page);

	if (folio_test_large(folio))
		mc += folio_entire_mapcount(folio);
	return mc;
}
/* Every mapping of every page of the folio, each PMD mapping counted once. */
int folio_mapcount(const struct folio *folio);
static inline bool folio_mapped(const struct folio *folio)
{
	return folio_mapcount(folio) > 0;
}

/* true when this took the page from unmapped to mapped */
static inline bool page_mapcount_inc(struct page *page)
{
	return atomic_fetch_add_explicit(&page->_mapcount, 1, memory_order_relaxed) == -1;
}
/* true when this was the page's last PTE mapping */
static inline bool page_mapcount_dec(struct page *page)
{
	return atomic_fetch_sub_explicit(&page->_mapcount, 1, memory_order_relaxed) == 0;
}
static inline bool folio_entire_mapcount_inc(struct folio *folio)
{
	return atomic_fetch_add_explicit(&folio->_entire_mapcount, 1, memory_order_relaxed) == -1;
}
static inline bool folio_entire_mapcount_dec(struct folio *folio)
{
	return atomic_fetch_sub_explicit(&folio->_entire_mapcount, 1, memory_order_relaxed) == 0;
}

#endif
