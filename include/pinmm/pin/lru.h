/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the `lru` tracker (src/pin/lru.c) needs from the layer that owns the
 * LRU lists (fs/lru.c, above pin/): take a folio off its list and give it
 * back, with the tracker's marking done under the LRU lock so that no putback
 * can slip in between and reuse ->lru.
 */
#ifndef PINMM_PIN_LRU_H
#define PINMM_PIN_LRU_H

#include <pinmm/pin/tracker.h>

struct pin_lru_ops {
	/*
	 * Under the LRU lock: if @folio is on an LRU list, take it off (PG_lru
	 * cleared), call @mark and return true; otherwise false (isolated by
	 * reclaim or migration, or never on a list).
	 */
	bool (*isolate)(struct folio *folio, void (*mark)(struct folio *folio));
	/* Under the LRU lock: call @unmark, then put @folio back if it is still live. */
	void (*putback)(struct folio *folio, void (*unmark)(struct folio *folio));
	/*
	 * @folio is on no list at all, so its ->lru words are nobody's (the
	 * huge zero folio), where isolate() found it on none of the LRUs. False
	 * for a folio another list may hold (reclaim's, migration's, the
	 * hstate's) and for a ZONE_DEVICE one (pgmap, zone_device_data).
	 */
	bool (*lru_unused)(const struct folio *folio);
};
/* Set by fs_install_hooks(); NULL: no LRU (pin-layer tests), every isolation fails. */
extern const struct pin_lru_ops *pin_lru_ops;

/*
 * What keeps a pinned page from going back onto an LRU, which the design
 * needs: true while the lru tracker keeps its pin count in @folio->lru.
 * Every path that puts a folio on a list asks, under the LRU lock.
 */
bool folio_lru_dma_pinned(const struct folio *folio);

/* Pins the lru tracker took without being able to mark the folio (since boot). */
long lru_pins_untracked(void);

#endif
