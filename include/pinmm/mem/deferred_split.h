/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The deferred split queue (mm/huge_memory.c's per-node split_queue): large
 * anonymous folios some of whose pages lost their last mapping while others
 * are still mapped. The queue only remembers them; the deferred_split
 * shrinker (vm/huge_memory.c: deferred_split_scan()) splits them, which frees
 * the unmapped pages.
 */
#ifndef PINMM_MEM_DEFERRED_SPLIT_H
#define PINMM_MEM_DEFERRED_SPLIT_H

#include <pinmm/mem/mm_types.h>
#include <pinmm/mem/page-flags.h>

/*
 * Both live in the first tail page's flags, as mainline keeps
 * PG_partially_mapped (FOLIO_SECOND_PAGE).
 * Model: mainline links a queued folio through _deferred_list in its third
 * page; pinmm's struct folio spans two pages, so the queue is an array of its
 * own and PG_deferred_list stands for !list_empty(&folio->_deferred_list).
 */
enum {
	PG_partially_mapped = PG_reclaim,
	PG_deferred_list = PG_active,
};

static inline bool folio_test_partially_mapped(const struct folio *folio)
{
	return folio_test_large(folio) && test_bit(PG_partially_mapped, &folio->_flags_1);
}

static inline bool folio_on_deferred_list(const struct folio *folio)
{
	return folio_test_large(folio) && test_bit(PG_deferred_list, &folio->_flags_1);
}

/*
 * Queue @folio (order 2 or more, not in the swap cache). partially_mapped
 * sets PG_partially_mapped and counts thp_deferred_split_page (PMD size) and
 * the size's split_deferred and nr_anon_partially_mapped, the first time only.
 */
void deferred_split_folio(struct folio *folio, bool partially_mapped);
/* Off the queue, if on it (a freed or a split folio): true if it was. */
bool folio_unqueue_deferred_split(struct folio *folio);
/* Queued folios, oldest first. */
unsigned long deferred_split_count(void);

/*
 * The shrinker's two halves around its splits: take up to @max queued folios
 * off the queue with a reference each (a folio whose last reference is going
 * is dropped instead), then hand back one that was not split: it goes back to
 * the tail if still partially mapped, else leaves the queue.
 */
size_t deferred_split_isolate(struct folio **out, size_t max);
void deferred_split_putback(struct folio *folio);

/* mem_exit(): forget the queue of a machine going away. */
void deferred_split_reset(void);

#endif
