/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reclaim (mm/vmscan.c) of page-cache folios. The order of the steps is
 * mainline's, and it matters: buffers are released *before* the reference
 * count is frozen, so a clean folio that someone holds (a GUP reference the
 * tracker cannot tell from a pin) loses its buffers and stays in the cache.
 * That is the 2018 ext4 crash: the device later dirties it with
 * set_page_dirty_lock() and writeback finds no buffers.
 */
#include <pinmm/mem/kernel.h>
#include <pinmm/vm/mm.h>
#include <pinmm/pin/tracker.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/buffer_head.h>
#include "internal.h"

#define SWAP_CLUSTER_MAX 32

bool remove_mapping(struct address_space *mapping, struct folio *folio)
{
	int refs = 1 + (int)folio_nr_pages(folio);

	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	pthread_mutex_lock(&mapping->i_pages_lock);
	/*
	 * Exactly our reference and the cache's: anything more is a GUP
	 * reference or a pin (under every tracker, since a pin holds at least
	 * one reference), and the folio must stay.
	 */
	if (!folio_ref_freeze(folio, refs)) {
		pthread_mutex_unlock(&mapping->i_pages_lock);
		return false;
	}
	if (folio_test_dirty(folio) || folio_has_private(folio)) {
		folio_ref_unfreeze(folio, refs);
		pthread_mutex_unlock(&mapping->i_pages_lock);
		return false;
	}
	__filemap_remove_folio(folio, NULL);
	pthread_mutex_unlock(&mapping->i_pages_lock);
	/* The cache's references went with the slot; ours remains. */
	folio_ref_unfreeze(folio, 1);
	return true;
}

/* Before 6.4 reclaim did not ask, and released a pinned folio's buffers. */
static bool folio_pinned_for_reclaim(struct folio *folio)
{
	return kernel_has(KSW_RECLAIM_KEEPS_PINNED_PRIVATE) && READ_ONCE(pin_config.tracker) &&
	       folio_maybe_dma_pinned(folio);
}

/*
 * pageout(): write a dirty locked folio; returns with it unlocked.
 * Model: every reclaim call writes dirty file folios itself, as kswapd does;
 * mainline's direct reclaim leaves them to the flusher.
 */
static void pageout(struct folio *folio)
{
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_NONE,
		.nr_to_write = 1,
		.range_start = 0,
		.range_end = LLONG_MAX,
		.for_reclaim = true,
	};

	writeback_write_folio(folio, &wbc);
}

static unsigned long __shrink_folio_list(struct folio **folios, size_t n);

unsigned long shrink_folio_list(struct folio **folios, size_t n)
{
	unsigned long freed;

	mm_trace_enter("shrink_folio_list", "nr_folios=%zu", n);
	freed = __shrink_folio_list(folios, n);
	mm_trace_exit("shrink_folio_list", "%lu freed", freed);
	return freed;
}

static unsigned long __shrink_folio_list(struct folio **folios, size_t n)
{
	unsigned long freed = 0;

	for (size_t i = 0; i < n; i++) {
		struct folio *folio = folios[i];
		struct address_space *mapping;
		long nr = folio_nr_pages(folio);

		/*
		 * Model: anonymous folios go to swap only through MADV_PAGEOUT
		 * (vm/pageout.c), and shmem is never swapped, so this pass over
		 * the file LRU leaves both alone.
		 */
		if (folio_test_anon(folio) || !folio_mapping(folio))
			goto keep;
		if (!folio_trylock(folio))
			goto keep;
		mapping = folio_mapping(folio);
		if (!mapping || shmem_mapping(mapping) || folio_test_writeback(folio) ||
		    folio_test_unevictable(folio))
			goto keep_locked;
		if (folio_mapped(folio) && !try_to_unmap(folio, 0))
			goto activate_locked;
		/*
		 * Leave what a device may be using, as mainline does. Asked only
		 * now that no PTE maps the folio: GUP-fast can no longer find it and
		 * a fault needs the folio lock we hold, so no pin can come in after
		 * this check (before the unmap one could, and the folio would lose
		 * its buffers under it: the 2018 state).
		 */
		race_point(RACE_RECLAIM, folio);
		if (folio_pinned_for_reclaim(folio)) {
			mm_trace("shrink_folio_list", "pfn=%#lx index=%lu maybe_dma_pinned=1: activate_locked",
				 folio_pfn(folio), folio->index);
			goto activate_locked;
		}
		if (folio_test_dirty(folio)) {
			pageout(folio);
			/* Written synchronously: relock and look again. */
			if (!folio_trylock(folio))
				goto keep;
			if (folio_mapping(folio) != mapping || folio_test_dirty(folio) ||
			    folio_test_writeback(folio))
				goto keep_locked;
		}
		/* No refcount check here, as in mainline: see the comment on top. */
		if (folio_has_private(folio) && !filemap_release_folio(folio, GFP_KERNEL))
			goto activate_locked;
		if (!remove_mapping(mapping, folio))
			goto keep_locked;
		folio_unlock(folio);
		mm_trace("reclaim", "freed pfn=%#lx index=%lu", folio_pfn(folio), folio->index);
		mod_node_page_state(PGSTEAL, nr);
		folio_put(folio);
		freed += (unsigned long)nr;
		continue;
activate_locked:
		folio_set_active(folio);
keep_locked:
		folio_unlock(folio);
keep:
		folio_putback_lru(folio);
	}
	return freed;
}

unsigned long reclaim(unsigned long nr_pages)
{
	unsigned long freed = 0;
	unsigned long budget;

	if (!mem_initialized() || nr_pages == 0)
		return 0;
	/* Look at each folio at most twice: once inactive, once after deactivation. */
	budget = 2 * (lru_count(LRU_INACTIVE_FILE) + lru_count(LRU_ACTIVE_FILE)) + 1;
	while (freed < nr_pages && budget > 0) {
		struct folio *batch[SWAP_CLUSTER_MAX];
		size_t n;

		n = lru_isolate_tail(LRU_INACTIVE_FILE, SWAP_CLUSTER_MAX, batch);
		if (!n) {
			if (!lru_count(LRU_ACTIVE_FILE))
				break;
			lru_deactivate_file();
			n = lru_isolate_tail(LRU_INACTIVE_FILE, SWAP_CLUSTER_MAX, batch);
			if (!n)
				break;
		}
		mod_node_page_state(PGSCAN, (long)n);
		freed += shrink_folio_list(batch, n);
		budget = budget > n ? budget - n : 0;
	}
	/*
	 * shrink_node(): after the LRUs, shrink_slab(), whose thp-deferred_split
	 * shrinker splits the partially mapped large folios it can. Model: the
	 * whole queue, whatever the pressure.
	 */
	deferred_split_scan(~0UL);
	return freed;
}

static void drop_super_caches(struct super_block *sb, void *arg)
{
	unsigned long *dropped = arg;
	struct inode *inode;

	if (sb->s_flags & SB_SHMEM)
		return;
	pthread_mutex_lock(&sb->s_inode_lock);
	cds_list_for_each_entry(inode, &sb->s_inodes, i_sb_list)
		*dropped += invalidate_mapping_pages(inode->i_mapping, 0, ~0UL);
	pthread_mutex_unlock(&sb->s_inode_lock);
}

unsigned long drop_caches(int what)
{
	unsigned long dropped = 0;

	if (what & 1)
		fs_for_each_super(drop_super_caches, &dropped);
	/*
	 * drop_slab(): every shrinker; pinmm's one is thp-deferred_split (no
	 * dentry or inode caches are modelled).
	 */
	if (what & 2)
		deferred_split_scan(~0UL);
	return dropped;
}
