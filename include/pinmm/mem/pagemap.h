/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page lock and the writeback wait. A locked folio's waiters really sleep:
 * on a hashed table of wait queues like the kernel's folio_wait_table, woken
 * when the bit clears.
 */
#ifndef PINMM_MEM_PAGEMAP_H
#define PINMM_MEM_PAGEMAP_H

#include <pinmm/mem/mmzone.h>

static inline bool folio_trylock(struct folio *folio)
{
	return !test_and_set_bit_lock(PG_locked, &folio->flags);
}
void __folio_lock(struct folio *folio);
static inline void folio_lock(struct folio *folio)
{
	if (!folio_trylock(folio))
		__folio_lock(folio);
}
void folio_unlock(struct folio *folio);
static inline void lock_page(struct page *page)
{
	folio_lock(page_folio(page));
}
static inline void unlock_page(struct page *page)
{
	folio_unlock(page_folio(page));
}

/* Sleep until @bit of folio->flags is clear. */
void folio_wait_bit(struct folio *folio, int bit);
/* Wake every waiter on @bit of this folio (call after clearing it). */
void folio_wake_bit(struct folio *folio, int bit);

static inline void folio_wait_writeback(struct folio *folio)
{
	while (folio_test_writeback(folio))
		folio_wait_bit(folio, PG_writeback);
}
/* Set PG_writeback; the folio must be locked. */
void folio_start_writeback(struct folio *folio);
void folio_end_writeback(struct folio *folio);

/* How many times a waiter has gone to sleep (tests use it to prove a thread slept). */
unsigned long folio_wait_sleepers(void);

#endif
