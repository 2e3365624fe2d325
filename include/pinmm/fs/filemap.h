/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page cache (mm/filemap.c): folios of a file indexed by page offset in
 * mapping->i_pages. Lookups are lockless under RCU and take a speculative
 * reference that is re-checked against the index; insertion and removal are
 * serialised by i_pages_lock. The cache holds folio_nr_pages() references on
 * each folio it indexes.
 */
#ifndef PINMM_FS_FILEMAP_H
#define PINMM_FS_FILEMAP_H

#include <pinmm/fs/fs.h>

/* __filemap_get_folio() flags */
#define FGP_ACCESSED	0x01u
#define FGP_LOCK	0x02u
#define FGP_CREAT	0x04u
#define FGP_WRITE	0x08u
#define FGP_NOWAIT	0x10u

/* Create / destroy the i_pages index of @mapping (the cache must be empty). */
int mapping_init_pages(struct address_space *mapping);
void mapping_destroy_pages(struct address_space *mapping);

/*
 * Insert the locked @folio at @index: sets ->mapping and ->index, takes the
 * cache's references, adds the folio to the LRU. -EEXIST if the slot is taken,
 * -ENOMEM, -EINVAL for a misaligned large folio.
 */
int filemap_add_folio(struct address_space *mapping, struct folio *folio,
		      pgoff_t index, gfp_t gfp);
/* Remove a locked folio from the cache; the caller still holds its own reference. */
void filemap_remove_folio(struct folio *folio);
/* The same with i_pages_lock held; the cache's references are left to the caller. */
void __filemap_remove_folio(struct folio *folio, void *shadow);
/* Drop the references the cache held on a folio __filemap_remove_folio() removed. */
void filemap_free_folio(struct address_space *mapping, struct folio *folio);

/* Lockless lookup: the folio covering @index with a reference, or NULL. */
struct folio *filemap_get_folio(struct address_space *mapping, pgoff_t index);
/*
 * Find, and with FGP_CREAT create (order 0, @gfp), the folio at @index, locked
 * with FGP_LOCK (and re-checked to still be in @mapping). ERR_PTR-style errors
 * are returned in *err with NULL: -ENOENT, -ENOMEM, -EAGAIN (FGP_NOWAIT).
 */
struct folio *__filemap_get_folio(struct address_space *mapping, pgoff_t index,
				  unsigned int fgp_flags, gfp_t gfp, int *err);

#define FILEMAP_DIRTY	0x1u	/* only folios with PG_dirty (a tagged lookup) */
/*
 * Collect the folios starting at indices in [start, end] with a reference
 * each, in index order, into a malloc'd array (*out; NULL if none). Returns how
 * many. Release with folio_batch_release().
 */
size_t filemap_get_folios(struct address_space *mapping, pgoff_t start, pgoff_t end,
			  unsigned int flags, struct folio ***out);
void folio_batch_release(struct folio **folios, size_t nr);

/* mapping->a_ops->release_folio if the folio has private state; true if gone. */
bool filemap_release_folio(struct folio *folio, gfp_t gfp);
/*
 * a_ops->migrate_folio for the page cache: move @src's slot, its cache
 * references and its buffers to @dst (both locked); vm/ copies data and flags.
 */
int filemap_migrate_folio(struct address_space *mapping, struct folio *dst, struct folio *src);
/* Wait for writeback to finish on a folio the caller may write (stable pages). */
void folio_wait_stable(struct folio *folio);

/*
 * Drop the cache over [lstart, lend] (bytes, lend inclusive; -1 for EOF):
 * whole folios are waited for, invalidated and removed; partial ones have the
 * range zeroed. Mapped folios are unmapped first.
 */
void truncate_inode_pages_range(struct address_space *mapping, loff_t lstart, loff_t lend);
static inline void truncate_inode_pages(struct address_space *mapping, loff_t lstart)
{
	truncate_inode_pages_range(mapping, lstart, -1);
}
/*
 * -ETXTBSY if a folio of [lstart, lend] (-1: to EOF) is pinned, 0 otherwise.
 * Unmaps the range first; the caller holds the invalidate_lock exclusively,
 * so no pin can come in until it is dropped.
 */
int filemap_range_busy(struct inode *inode, loff_t lstart, loff_t lend);
/* unmap_mapping_range() + truncate_inode_pages_range(), as truncate_pagecache_range. */
void truncate_pagecache_range(struct inode *inode, loff_t lstart, loff_t lend);
/*
 * Evict the clean, unmapped, unpinned folios of a mapping (drop_caches):
 * returns how many folios were dropped.
 */
unsigned long invalidate_mapping_pages(struct address_space *mapping, pgoff_t start,
				       pgoff_t end);

#endif
