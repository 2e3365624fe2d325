/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `proxy` tracker's knobs for tests and `pinmm bench`: its object cache
 * (one per hash bucket, slab-like) and fault injection on it.
 */
#ifndef PINMM_PIN_PROXY_H
#define PINMM_PIN_PROXY_H

#include <pinmm/pin/tracker.h>

/*
 * Fault injection, like the kernel's fail-nth: the @nth proxy allocation from
 * now fails (1: the next one), as if the cache could not grow. 0: off.
 */
void proxy_cache_fail_nth(unsigned long nth);
/* Proxies allocated and not yet freed: every pin outstanding holds one. */
long proxy_cache_live(void);
/* Bytes the cache holds from the host allocator (slabs and the folio index), live or free. */
size_t proxy_cache_bytes(void);
/*
 * Folio records looked at by lookups since boot (all buckets): what a
 * folio_maybe_dma_pinned(), unpin or hand-out costs, counted, not timed.
 */
unsigned long proxy_index_steps(void);
#endif
