/* SPDX-License-Identifier: GPL-2.0-only */
/* The built-in trackers, one object per src/pin/<name>.c, for code that names one. */
#ifndef PINMM_PIN_TRACKERS_H
#define PINMM_PIN_TRACKERS_H

#include <pinmm/pin/tracker.h>

extern const struct pin_tracker get_tracker;	/* pre-2019: a pin is a reference */
extern const struct pin_tracker bias_tracker;	/* mainline: GUP_PIN_COUNTING_BIAS / _pincount */
extern const struct pin_tracker proxy_tracker;	/* seed 000: a proxy object per pin, tagged pages[] entries */
extern const struct pin_tracker field_tracker;	/* Dec 2018: _dma_pinned_count, PAGE=72 only */
extern const struct pin_tracker page_ext_tracker; /* seed 000: a count per pfn in page_ext */
extern const struct pin_tracker lru_tracker;	/* Jul 2018: off the LRU, count in page->lru */
extern const struct pin_tracker lru_nov2018_tracker; /* Nov 2018 repost: marks pages on no LRU too (pgmap) */
extern const struct pin_tracker mapping_tracker; /* Dec 2018: counts in the mapping, PageDmaPinned */

/*
 * mapping tracker: unpins (GUP-fast back-outs included) that found no mapping,
 * or no count in it, to return their charge to, since this boot.
 */
long mapping_pins_unreturned(void);

/* exact tracker: folios with listed pins or references in its overflow table. */
long exact_overflow_entries(void);

#endif
