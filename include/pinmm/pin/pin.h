/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one door to the current tracker for code that takes or drops pins (gup/,
 * and anything that hands pins around). Besides calling the tracker it keeps
 * the count of outstanding pins that pin_tracker_set() checks, and the debug
 * shadow counts.
 */
#ifndef PINMM_PIN_PIN_H
#define PINMM_PIN_PIN_H

#include <pinmm/pin/tracker.h>

/* pin/ internals the inline entry points below need (debug mode only). */
void pin_sync_boot(void);
void pin_debug_pinned(struct folio *folio, int refs);
int pin_debug_unpinning(struct folio *folio, int refs);

/*
 * Take @refs pins on @folio through pin_config.tracker. 0, or the tracker's
 * -ENOMEM (a count would overflow) / -EAGAIN (the folio is being freed).
 * Inline: it is on GUP-fast's per-page path.
 */
static inline int pin_tracker_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);
	int ret = t->try_pin(folio, refs, gup_flags);

	if (ret)
		return ret;
	mod_node_page_state(NR_FOLL_PIN_ACQUIRED, refs);
	if (unlikely(READ_ONCE(pin_config.debug))) {
		pin_sync_boot();
		pin_debug_pinned(folio, refs);
	}
	return 0;
}

/* Drop @refs pins of @folio through pin_config.tracker; may free the folio. */
static inline void pin_tracker_unpin(struct folio *folio, int refs)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	if (unlikely(READ_ONCE(pin_config.debug))) {
		pin_sync_boot();
		refs = pin_debug_unpinning(folio, refs);
		if (!refs)
			return;
	}
	mod_node_page_state(NR_FOLL_PIN_RELEASED, refs);
	t->unpin(folio, refs);
}

/* Pins taken and not yet dropped since this boot of the machine, all trackers. */
long pin_outstanding(void);

#endif
