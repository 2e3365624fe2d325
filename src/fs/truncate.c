/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dropping page-cache folios (mm/truncate.c): truncate and hole punch remove
 * folios whatever holds them (a pinned folio leaves the file and lives on as
 * an orphan until the pin is dropped); invalidation for drop_caches only
 * evicts what nobody uses.
 */
#include <pinmm/mem/highmem.h>
#include <pinmm/vm/mm.h>
#include <pinmm/pin/tracker.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/buffer_head.h>
#include "internal.h"

void folio_cancel_dirty(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	if (folio_test_clear_dirty(folio) && mapping && !shmem_mapping(mapping))
		mod_node_page_state(NR_FILE_DIRTY, -folio_nr_pages(folio));
}

static void folio_invalidate(struct folio *folio, size_t offset, size_t len)
{
	struct address_space *mapping = folio_mapping(folio);

	if (!folio_has_private(folio))
		return;
	if (mapping && mapping->a_ops && mapping->a_ops->invalidate_folio)
		mapping->a_ops->invalidate_folio(folio, offset, len);
	else if (offset == 0 && len >= folio_size(folio))
		folio_drop_buffers(folio);
}

/* The whole (locked, referenced) folio goes. */
static void truncate_inode_folio(struct address_space *mapping, struct folio *folio)
{
	folio_wait_writeback(folio);
	if (folio_mapping(folio) != mapping)
		return;
	if (folio_mapped(folio))
		unmap_mapping_range(mapping, (loff_t)folio->index << PAGE_SHIFT,
				    (loff_t)folio_size(folio), 0);
	race_point(RACE_TRUNCATE, folio);
	folio_invalidate(folio, 0, folio_size(folio));
	folio_cancel_dirty(folio);
	filemap_remove_folio(folio);
}

void truncate_inode_pages_range(struct address_space *mapping, loff_t lstart, loff_t lend)
{
	struct folio **batch;
	pgoff_t last;
	size_t n;

	if (!mapping || lstart < 0 || (lend != -1 && lend < lstart))
		return;
	last = lend == -1 ? ~0UL : (pgoff_t)(lend >> PAGE_SHIFT);
	n = filemap_get_folios(mapping, (pgoff_t)(lstart >> PAGE_SHIFT), last, 0, &batch);
	for (size_t i = 0; i < n; i++) {
		struct folio *folio = batch[i];
		loff_t fstart, fend, zs, ze;

		folio_lock(folio);
		if (folio_mapping(folio) != mapping) {
			folio_unlock(folio);
			continue;
		}
		fstart = (loff_t)folio->index << PAGE_SHIFT;
		fend = fstart + (loff_t)folio_size(folio) - 1;
		if (fstart >= lstart && (lend == -1 || fend <= lend)) {
			truncate_inode_folio(mapping, folio);
		} else {
			/* Partial: zero the covered bytes, keep the folio. */
			folio_wait_writeback(folio);
			zs = fstart > lstart ? fstart : lstart;
			ze = (lend == -1 || fend < lend) ? fend : lend;
			if (ze >= zs) {
				folio_zero_range(folio, (size_t)(zs - fstart), (size_t)(ze - zs + 1));
				folio_invalidate(folio, (size_t)(zs - fstart), (size_t)(ze - zs + 1));
			}
		}
		folio_unlock(folio);
	}
	folio_batch_release(batch, n);
}

void truncate_pagecache_range(struct inode *inode, loff_t lstart, loff_t lend)
{
	struct address_space *mapping = inode->i_mapping;
	loff_t ustart = ALIGN_UP(lstart, (loff_t)PAGE_SIZE);
	loff_t ulen = 0;

	/* Whole pages leave every mm, private COW copies included (even_cows). */
	if (lend != -1) {
		loff_t uend = ALIGN_DOWN(lend + 1, (loff_t)PAGE_SIZE);

		if (uend <= ustart)
			goto pages;
		ulen = uend - ustart;
	}
	unmap_mapping_range(mapping, ustart, ulen, 1);
pages:
	truncate_inode_pages_range(mapping, lstart, lend);
}

int filemap_range_busy(struct inode *inode, loff_t lstart, loff_t lend)
{
	struct address_space *mapping = inode->i_mapping;
	loff_t ustart = ALIGN_DOWN(lstart, (loff_t)PAGE_SIZE);
	struct folio **batch;
	int err = 0;
	size_t n;

	/*
	 * Unmap first: then GUP-fast finds no PTE to pin through and a fault
	 * waits for the invalidate_lock our caller holds, so no pin comes in
	 * after the look below (reclaim relies on the same order). Unmapping
	 * is invisible to the process: the next access faults the folio back.
	 */
	unmap_mapping_range(mapping, ustart, lend == -1 ? 0 : lend + 1 - ustart, 0);
	n = filemap_get_folios(mapping, (pgoff_t)(lstart >> PAGE_SHIFT),
			       lend == -1 ? ~0UL : (pgoff_t)(lend >> PAGE_SHIFT), 0, &batch);
	for (size_t i = 0; i < n && !err; i++)
		if (folio_maybe_dma_pinned(batch[i])) {
			mm_trace("truncate", "ino=%lu index=%lu pfn=%#lx pinned: ETXTBSY",
				 inode->i_ino, batch[i]->index, folio_pfn(batch[i]));
			err = -ETXTBSY;
		}
	folio_batch_release(batch, n);
	return err;
}

unsigned long invalidate_mapping_pages(struct address_space *mapping, pgoff_t start,
				       pgoff_t end)
{
	struct folio **batch;
	unsigned long dropped = 0;
	size_t n;

	if (!mapping || shmem_mapping(mapping))
		return 0;
	n = filemap_get_folios(mapping, start, end, 0, &batch);
	for (size_t i = 0; i < n; i++) {
		struct folio *folio = batch[i];
		long expected = 1 + folio_nr_pages(folio);

		if (!folio_trylock(folio))
			continue;
		if (folio_mapping(folio) != mapping || folio_test_dirty(folio) ||
		    folio_test_writeback(folio) || folio_mapped(folio))
			goto unlock;
		/*
		 * Model: mapping_evict_folio() asks nothing about pins; the
		 * refcount test below refuses a pinned folio already, since
		 * every tracker's pin holds a reference.
		 */
		if (READ_ONCE(pin_config.tracker) && folio_maybe_dma_pinned(folio))
			goto unlock;
		/* mapping_evict_folio(): someone else holds it, leave it alone. */
		if (folio_ref_count(folio) > expected + (folio_has_private(folio) ? 1 : 0))
			goto unlock;
		if (folio_has_private(folio) && !filemap_release_folio(folio, 0))
			goto unlock;
		if (remove_mapping(mapping, folio))
			dropped++;
unlock:
		folio_unlock(folio);
	}
	folio_batch_release(batch, n);
	return dropped;
}
