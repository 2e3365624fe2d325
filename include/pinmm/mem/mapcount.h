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
/* folio_large_mapcount(): the same, read from _large_mapcount (large folios only). */
static inline int folio_large_mapcount(const struct folio *folio)
{
	return atomic_load_explicit(&((struct folio *)folio)->_large_mapcount,
				    memory_order_relaxed) + 1;
}

/*
 * CONFIG_MM_ID (6.15): a large folio remembers up to two mms that map it, with
 * a mapcount each, and a "maybe mapped shared" bit that is set as soon as a
 * second mm maps it (or one maps it while no slot is free) and cleared when
 * one slot holds every mapping again. mm_id 0 (MM_ID_DUMMY) is a free slot.
 */
#define MM_ID_DUMMY			0
#define MM_ID_BITS			31
#define FOLIO_MM_IDS_MASK		((1UL << MM_ID_BITS) - 1)
#define FOLIO_MM_IDS_LOCK_BITNUM	MM_ID_BITS
#define FOLIO_MM_IDS_SHIFT		(MM_ID_BITS + 1)
#define FOLIO_MM_IDS_SHARED_BITNUM	(2 * MM_ID_BITS + 1)
#define FOLIO_MM_IDS_SHARED_BIT		(1UL << FOLIO_MM_IDS_SHARED_BITNUM)

static inline unsigned int folio_mm_id(const struct folio *folio, int idx)
{
	unsigned long ids = READ_ONCE(folio->_mm_ids);

	return (unsigned int)((ids >> (idx ? FOLIO_MM_IDS_SHIFT : 0)) & FOLIO_MM_IDS_MASK);
}
/* folio_test_large_maybe_mapped_shared() */
static inline bool folio_test_large_maybe_mapped_shared(const struct folio *folio)
{
	return READ_ONCE(folio->_mm_ids) & FOLIO_MM_IDS_SHARED_BIT;
}
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
