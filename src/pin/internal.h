/* SPDX-License-Identifier: GPL-2.0-only */
/* Between the files of pin/: boot tracking and the debug shadow's hot-path hooks. */
#ifndef PINMM_SRC_PIN_INTERNAL_H
#define PINMM_SRC_PIN_INTERNAL_H

#include <pinmm/pin/tracker.h>

/*
 * Bring pin/'s own state (outstanding counts, debug shadow) to the machine's
 * current boot: mem_init() starts a new machine, so whatever a previous one
 * left pinned is forgotten. Cheap when nothing changed.
 */
void pin_sync_boot(void);
/* Called with pin/'s boot lock held when a new boot is noticed. */
void pin_debug_boot(void);

void pin_debug_pinned(struct folio *folio, int refs);
/* Returns how many of @refs pins the folio really holds (what to drop). */
int pin_debug_unpinning(struct folio *folio, int refs);

#endif
