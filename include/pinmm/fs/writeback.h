/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writeback: dirty page-cache folios to their blocks. folio_clear_dirty_for_io()
 * cleans every PTE through rmap (folio_mkclean), then the filesystem's
 * writepage checksums and writes the folio. A folio the pin tracker reports
 * pinned is handled by pin_config.writeback (ignore, bounce, skip).
 */
#ifndef PINMM_FS_WRITEBACK_H
#define PINMM_FS_WRITEBACK_H

#include <pinmm/fs/fs.h>
#include <pinmm/pin/tracker.h>

enum writeback_sync_modes {
	WB_SYNC_NONE,	/* background: skip what would block */
	WB_SYNC_ALL,	/* data integrity: wait for every folio */
};

struct writeback_control {
	long nr_to_write;		/* folios still to write; decremented */
	loff_t range_start;
	loff_t range_end;		/* inclusive; LLONG_MAX for all */
	enum writeback_sync_modes sync_mode;
	bool for_reclaim;		/* pageout() from reclaim */
	/* the folio being written: the tracker's mkclean_end saw a pin race in */
	bool pin_raced;
	/* results */
	long nr_written;		/* folios written (directly or from a stable copy) */
	long nr_copied;			/* pinned folios written from a stable copy */
	long nr_unchanged;		/* of their pages: already on disk as they are, not rewritten */
	long nr_skipped;		/* pinned folios left dirty by WB_SKIP */
};

/* What writeback does with this folio, and why (for the trace). */
enum wb_decision {
	WB_DO_WRITE,	/* not pinned, or WB_IGNORE */
	WB_DO_BOUNCE,
	WB_DO_SKIP,
};
enum wb_decision writeback_decide(struct folio *folio, const struct writeback_control *wbc);
extern const char *const wb_decision_names[];

/*
 * Between the checksum and the device's transfer of a folio written in place
 * (WB_DO_WRITE), writeback reaches race_point(RACE_WRITEBACK, folio): the
 * window in which a device that holds a pin can still change the bytes the
 * disk will store.
 */

/* Clean the PTEs and the dirty bit of a locked folio; true if it was dirty. */
bool folio_clear_dirty_for_io(struct folio *folio);
/* The same, reporting whether the tracker saw a pin race with the PTE walk. */
bool __folio_clear_dirty_for_io(struct folio *folio, bool *pin_raced);
/* Put the dirty bit back on a folio writepage chose not to write. */
void folio_redirty_for_writepage(struct writeback_control *wbc, struct folio *folio);

/* write_cache_pages(): write the dirty folios of @mapping in index order. */
int write_cache_pages(struct address_space *mapping, struct writeback_control *wbc);
/* Write back [start, end] and wait for it (filemap_write_and_wait_range). */
int filemap_write_and_wait_range(struct address_space *mapping, loff_t start, loff_t end);

/* Every inode of @sb; @sync_mode WB_SYNC_ALL waits for everything. Folios written. */
long writeback_inodes(struct super_block *sb, enum writeback_sync_modes sync_mode);
static inline long sync_filesystem(struct super_block *sb, enum writeback_sync_modes mode)
{
	return writeback_inodes(sb, mode);
}

/* The background flusher: one joinable thread per super block. */
int writeback_start_flusher(struct super_block *sb, unsigned int interval_ms);
void writeback_stop_flusher(struct super_block *sb);
/* Wake the flusher now (wakeup_flusher_threads). */
void writeback_kick_flusher(struct super_block *sb);

#endif
