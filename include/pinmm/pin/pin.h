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

/*
 * Take @refs pins on @folio through pin_config.tracker. 0, or the tracker's
 * -ENOMEM (a count would overflow) / -EAGAIN (the folio is being freed).
 */
int pin_tracker_try_pin(struct folio *folio, int refs, unsigned int gup_flags);
/* Drop @refs pins of @folio through pin_config.tracker; may free the folio. */
void pin_tracker_unpin(struct folio *folio, int refs);

/* Pins taken and not yet dropped since this boot of the machine, all trackers. */
long pin_outstanding(void);

#endif
