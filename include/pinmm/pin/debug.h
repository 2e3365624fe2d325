/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pin debug mode the 2019 threads asked for before converting every
 * get_user_pages() caller: "so that put_page() and put_user_page() can verify
 * that the right call was made". With pin_config.debug on, an exact shadow pin
 * count per folio is kept beside the tracker, and
 *  - unpinning a folio that holds fewer pins than are being dropped, and
 *  - releasing a pinned folio's pin reference with put_page()
 * are recorded as WARN events naming the page.
 */
#ifndef PINMM_PIN_DEBUG_H
#define PINMM_PIN_DEBUG_H

#include <pinmm/pin/tracker.h>

/*
 * Turn the debug mode on or off. The shadow starts empty, so the switch is
 * refused (-EBUSY) while pins are outstanding; -ENOMEM if the shadow cannot be
 * allocated.
 */
int pin_debug_set(bool on);

/* Pins the shadow holds for @folio; -1 when the debug mode is off. */
long pin_debug_pincount(struct folio *folio);

/*
 * The put_page() side check: call before @refs plain references of @folio are
 * dropped. Records an event if the drop would eat into the references the
 * folio's pins hold. Meant for a hook in folio_put_refs().
 */
void pin_debug_check_put(struct folio *folio, int refs);

#endif
