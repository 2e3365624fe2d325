/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writeback (mm/page-writeback.c, fs/fs-writeback.c): find the dirty folios,
 * clean their PTEs and dirty bits, hand them to the filesystem's writepage;
 * synchronously for sync/fsync and from a flusher thread in the background.
 */
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/fs/filemap.h>
#include "internal.h"

const char *const wb_decision_names[] = {
	[WB_DO_WRITE] = "write",
	[WB_DO_BOUNCE] = "bounce",
	[WB_DO_SKIP] = "skip",
};

enum wb_decision writeback_decide(struct folio *folio, const struct writeback_control *wbc)
{
	/*
	 * A pin the tracker's mkclean_end hook saw racing with the rmap walk
	 * counts as a pin even if it is already gone from the count.
	 */
	if (!wbc->pin_raced &&
	    (!READ_ONCE(pin_config.tracker) || !folio_maybe_dma_pinned(folio)))
		return WB_DO_WRITE;
	switch (READ_ONCE(pin_config.writeback)) {
	case WB_BOUNCE:
		return WB_DO_BOUNCE;
	case WB_SKIP:
		/* Data integrity cannot skip: it writes a stable copy instead. */
		return wbc->sync_mode == WB_SYNC_ALL ? WB_DO_BOUNCE : WB_DO_SKIP;
	case WB_IGNORE:
	default:
		return WB_DO_WRITE;
	}
}

bool folio_clear_dirty_for_io(struct folio *folio)
{
	return __folio_clear_dirty_for_io(folio, NULL);
}

bool __folio_clear_dirty_for_io(struct folio *folio, bool *pin_raced)
{
	struct address_space *mapping = folio_mapping(folio);

	if (pin_raced)
		*pin_raced = false;
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (mapping && !shmem_mapping(mapping)) {
		/*
		 * Write-protect and clean every PTE first: a store after this
		 * faults into page_mkwrite and dirties the folio again, so it is
		 * written again. A dirty PTE's data moves to the folio's dirty bit.
		 */
		if (folio_mkclean_pinned(folio, pin_raced))
			folio_mark_dirty(folio);
		if (folio_test_clear_dirty(folio)) {
			mod_node_page_state(NR_FILE_DIRTY, -folio_nr_pages(folio));
			return true;
		}
		return false;
	}
	return folio_test_clear_dirty(folio);
}

void folio_redirty_for_writepage(struct writeback_control *wbc, struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	(void)wbc;
	if (mapping && mapping->a_ops && mapping->a_ops->dirty_folio)
		mapping->a_ops->dirty_folio(mapping, folio);
	else
		folio_set_dirty(folio);
}

static int __writeback_write_folio(struct folio *folio, struct writeback_control *wbc)
{
	struct address_space *mapping = folio_mapping(folio);

	if (!mapping || !__folio_clear_dirty_for_io(folio, &wbc->pin_raced)) {
		folio_unlock(folio);
		return 0;
	}
	if (!mapping->a_ops || !mapping->a_ops->writepage) {
		folio_redirty_for_writepage(wbc, folio);
		folio_unlock(folio);
		return 0;
	}
	return mapping->a_ops->writepage(folio, wbc);
}

/*
 * One folio of write_cache_pages(): folio_clear_dirty_for_io(), then ->writepage.
 * Model: traced as "__writepage" under every preset. The kernel's per-folio
 * step was the __writepage() callback, then writepage_cb(), and is now the
 * body of a writeback_iter() loop (6.12's writeback_use_writepage()); the
 * trace keeps the oldest name for all of them.
 */
int writeback_write_folio(struct folio *folio, struct writeback_control *wbc)
{
	int ret;

	mm_trace_enter("__writepage", "pfn=%#lx index=%lu sync_mode=%s", folio_pfn(folio),
		       folio->index, wbc->sync_mode == WB_SYNC_ALL ? "WB_SYNC_ALL" : "WB_SYNC_NONE");
	ret = __writeback_write_folio(folio, wbc);
	mm_trace_exit("__writepage", "%d", ret);
	return ret;
}

int write_cache_pages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct folio **batch;
	pgoff_t start, end;
	size_t n;
	int err = 0;

	if (!mapping || !wbc)
		return -EINVAL;
	/* tmpfs has nowhere to write to. */
	if (shmem_mapping(mapping))
		return 0;
	start = (pgoff_t)(wbc->range_start >> PAGE_SHIFT);
	end = wbc->range_end == LLONG_MAX ? ~0UL : (pgoff_t)(wbc->range_end >> PAGE_SHIFT);
	n = filemap_get_folios(mapping, start, end, FILEMAP_DIRTY, &batch);
	for (size_t i = 0; i < n; i++) {
		struct folio *folio = batch[i];
		int ret;

		if (wbc->nr_to_write <= 0 && wbc->sync_mode == WB_SYNC_NONE)
			break;
		/*
		 * Model: background writeback skips a folio someone holds
		 * locked; the kernel's writeback_get_folio() (and the older
		 * write_cache_pages() loop) takes folio_lock() in either mode and
		 * skips only folios already under writeback.
		 */
		if (wbc->sync_mode == WB_SYNC_NONE) {
			if (!folio_trylock(folio))
				continue;
		} else {
			folio_lock(folio);
		}
		if (folio_mapping(folio) != mapping || !folio_test_dirty(folio)) {
			folio_unlock(folio);
			continue;
		}
		if (folio_test_writeback(folio)) {
			if (wbc->sync_mode == WB_SYNC_NONE) {
				folio_unlock(folio);
				continue;
			}
			folio_wait_writeback(folio);
		}
		ret = writeback_write_folio(folio, wbc);
		if (ret < 0 && !err)
			err = ret;
		wbc->nr_to_write -= folio_nr_pages(folio);
	}
	folio_batch_release(batch, n);
	return err;
}

int filemap_write_and_wait_range(struct address_space *mapping, loff_t start, loff_t end)
{
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_ALL,
		.nr_to_write = LONG_MAX,
		.range_start = start,
		.range_end = end,
	};
	struct folio **batch;
	size_t n;
	int err;

	if (!mapping || start < 0 || end < start)
		return -EINVAL;
	err = write_cache_pages(mapping, &wbc);
	/* Wait for writeback others started in the range (filemap_fdatawait). */
	n = filemap_get_folios(mapping, (pgoff_t)(start >> PAGE_SHIFT),
			       end == LLONG_MAX ? ~0UL : (pgoff_t)(end >> PAGE_SHIFT), 0, &batch);
	for (size_t i = 0; i < n; i++)
		folio_wait_writeback(batch[i]);
	folio_batch_release(batch, n);
	if (test_and_clear_bit(AS_EIO, &mapping->flags) && !err)
		err = -EIO;
	return err;
}

long writeback_inodes(struct super_block *sb, enum writeback_sync_modes sync_mode)
{
	struct inode **inodes = NULL;
	struct inode *inode;
	size_t n = 0, cap = 0;
	long written = 0;

	if (!sb || (sb->s_flags & SB_SHMEM))
		return 0;
	/* Inodes live until unmount, which stops the flusher first. */
	pthread_mutex_lock(&sb->s_inode_lock);
	cds_list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct inode **ni = realloc(inodes, ncap * sizeof(*ni));

			if (!ni)
				break;
			inodes = ni;
			cap = ncap;
		}
		inodes[n++] = inode;
	}
	pthread_mutex_unlock(&sb->s_inode_lock);
	for (size_t i = 0; i < n; i++) {
		struct writeback_control wbc = {
			.sync_mode = sync_mode,
			.nr_to_write = LONG_MAX,
			.range_start = 0,
			.range_end = LLONG_MAX,
		};

		write_cache_pages(inodes[i]->i_mapping, &wbc);
		written += wbc.nr_written;
	}
	free(inodes);
	return written;
}

static void *flusher_main(void *arg)
{
	struct super_block *sb = arg;

	pthread_mutex_lock(&sb->s_flush_lock);
	while (!sb->s_flusher_stop) {
		struct timespec ts;
		unsigned int ms = sb->s_flush_interval_ms;

		pthread_mutex_unlock(&sb->s_flush_lock);
		writeback_inodes(sb, WB_SYNC_NONE);
		atomic_fetch_add(&sb->s_flush_passes, 1);
		pthread_mutex_lock(&sb->s_flush_lock);
		if (sb->s_flusher_stop)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sb->s_flush_cond, &sb->s_flush_lock, &ts);
	}
	pthread_mutex_unlock(&sb->s_flush_lock);
	return NULL;
}

int writeback_start_flusher(struct super_block *sb, unsigned int interval_ms)
{
	int ret = 0;

	if (!sb || interval_ms == 0)
		return -EINVAL;
	pthread_mutex_lock(&sb->s_flush_lock);
	if (sb->s_flusher_running) {
		ret = -EBUSY;
	} else {
		sb->s_flusher_stop = false;
		sb->s_flush_interval_ms = interval_ms;
		if (pthread_create(&sb->s_flusher, NULL, flusher_main, sb))
			ret = -ENOMEM;
		else
			sb->s_flusher_running = true;
	}
	pthread_mutex_unlock(&sb->s_flush_lock);
	return ret;
}

void writeback_stop_flusher(struct super_block *sb)
{
	bool running;

	if (!sb)
		return;
	pthread_mutex_lock(&sb->s_flush_lock);
	running = sb->s_flusher_running;
	sb->s_flusher_stop = true;
	pthread_cond_broadcast(&sb->s_flush_cond);
	pthread_mutex_unlock(&sb->s_flush_lock);
	if (!running)
		return;
	pthread_join(sb->s_flusher, NULL);
	pthread_mutex_lock(&sb->s_flush_lock);
	sb->s_flusher_running = false;
	pthread_mutex_unlock(&sb->s_flush_lock);
}

void writeback_kick_flusher(struct super_block *sb)
{
	if (!sb)
		return;
	pthread_mutex_lock(&sb->s_flush_lock);
	pthread_cond_broadcast(&sb->s_flush_cond);
	pthread_mutex_unlock(&sb->s_flush_lock);
}
