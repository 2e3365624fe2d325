/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LRU lists and reclaim (mm/swap.c, mm/vmscan.c): one lruvec for the whole
 * machine; page-cache folios join on insertion, folios vm/ maps join through
 * folio_add_lru_hook. Reclaim unmaps, writes back, releases buffers and frees
 * clean folios whose reference count shows nobody else holds them.
 */
#ifndef PINMM_FS_VMSCAN_H
#define PINMM_FS_VMSCAN_H

#include <pinmm/fs/fs.h>

enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS,
};

/* Add to the LRU (sets PG_lru); the LRU holds no reference. */
void folio_add_lru(struct folio *folio);
/*
 * Take a folio off the LRU for the caller, who must hold a reference:
 * true if it was on the LRU (PG_lru cleared). folio_isolate_lru().
 */
bool folio_isolate_lru(struct folio *folio);
/* Put an isolated folio back. */
void folio_putback_lru(struct folio *folio);
/*
 * The folio leaves the page cache: off the LRU, and ->mapping cleared, in one
 * LRU-lock section (see lru.c).
 */
void folio_del_from_lru_uncache(struct folio *folio);
/* Reference bookkeeping of a read or write (folio_mark_accessed). */
void folio_mark_accessed(struct folio *folio);
unsigned long lru_count(enum lru_list lru);

/*
 * Reclaim up to @nr_pages pages from the file LRU: returns pages freed.
 * Counts PGSCAN and PGSTEAL.
 */
unsigned long reclaim(unsigned long nr_pages);
/*
 * shrink_folio_list(): try to free each of @n isolated folios (each with the
 * isolation reference); what cannot be freed goes back to the LRU. Returns
 * pages freed.
 */
unsigned long shrink_folio_list(struct folio **folios, size_t n);
/*
 * echo @what > /proc/sys/vm/drop_caches: 1 the page cache (returns the folios
 * dropped), 2 the shrinkers (drop_slab(): the deferred split queue), 3 both.
 */
unsigned long drop_caches(int what);

/* Install folio_add_lru_hook and fput_release_hook (idempotent; mount calls it). */
void fs_install_hooks(void);

#endif
