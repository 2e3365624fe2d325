/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page flags: atomic bit operations on page->flags, kernel names. Folio-level flags
 * live on the head page; PageAnonExclusive is per page, as in mainline.
 */
#ifndef PINMM_MEM_PAGE_FLAGS_H
#define PINMM_MEM_PAGE_FLAGS_H

#include <pinmm/mem/mm_types.h>
#include <pinmm/mem/proxy.h>

enum pageflags {
	PG_locked,
	PG_writeback,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_head,
	PG_waiters,
	PG_active,
	PG_workingset,
	PG_owner_priv_1,	/* PG_checked for filesystems */
	PG_reserved,
	PG_private,		/* folio->private holds buffers */
	PG_private_2,
	PG_mappedtodisk,
	PG_reclaim,
	PG_swapbacked,
	PG_unevictable,
	PG_mlocked,
	/*
	 * Model: mainline aliases PG_anon_exclusive onto PG_mappedtodisk (anon pages
	 * never use the latter); a bit of its own keeps dump_page() unambiguous.
	 */
	PG_anon_exclusive,
	/*
	 * Model: mainline aliases PG_swapcache onto PG_owner_priv_1 for swap-backed
	 * folios; a bit of its own, for the same reason.
	 */
	PG_swapcache,
	/*
	 * Model: the "PagePin"/PageDmaPinned bit several 2018-2019 proposals needed
	 * (seed 004, the lru RFC). Mainline has no such bit; only trackers that need
	 * it touch it.
	 */
	PG_dma_pinned,
	__NR_PAGEFLAGS,
	PG_checked = PG_owner_priv_1,
};

/* The zone number sits in the top bits of page->flags, as in mainline. */
#define ZONES_WIDTH	2
#define ZONES_PGSHIFT	(64 - ZONES_WIDTH)
#define ZONES_MASK	((1UL << ZONES_WIDTH) - 1)
_Static_assert(__NR_PAGEFLAGS <= ZONES_PGSHIFT, "page flags overlap the zone field");
#define PAGE_FLAGS_MASK	((1UL << __NR_PAGEFLAGS) - 1)

static inline bool test_bit(int nr, const unsigned long *addr)
{
	return (__atomic_load_n(addr, __ATOMIC_RELAXED) >> nr) & 1;
}
static inline void set_bit(int nr, unsigned long *addr)
{
	__atomic_fetch_or(addr, BIT(nr), __ATOMIC_RELAXED);
}
static inline void clear_bit(int nr, unsigned long *addr)
{
	__atomic_fetch_and(addr, ~BIT(nr), __ATOMIC_RELAXED);
}
/* Value-returning RMW bit operations are fully ordered, as in the kernel. */
static inline bool test_and_set_bit(int nr, unsigned long *addr)
{
	return (__atomic_fetch_or(addr, BIT(nr), __ATOMIC_SEQ_CST) >> nr) & 1;
}
static inline bool test_and_clear_bit(int nr, unsigned long *addr)
{
	return (__atomic_fetch_and(addr, ~BIT(nr), __ATOMIC_SEQ_CST) >> nr) & 1;
}
static inline bool test_and_set_bit_lock(int nr, unsigned long *addr)
{
	return (__atomic_fetch_or(addr, BIT(nr), __ATOMIC_ACQUIRE) >> nr) & 1;
}
static inline void clear_bit_unlock(int nr, unsigned long *addr)
{
	__atomic_fetch_and(addr, ~BIT(nr), __ATOMIC_SEQ_CST);
}

static inline struct folio *page_folio(const struct page *page)
{
	unsigned long head;

	page = canonical_page(page);
	head = READ_ONCE(page->compound_head);

	if (unlikely(head & 1))
		return (struct folio *)(head - 1);
	return (struct folio *)page;
}

static inline bool PageTail(const struct page *page)
{
	return READ_ONCE(canonical_page(page)->compound_head) & 1;
}

static inline struct page *compound_head(const struct page *page)
{
	return &page_folio(page)->page;
}

#define FOLIO_FLAG(name, bit)							\
static inline bool folio_test_##name(const struct folio *folio)			\
{ return test_bit(bit, &folio->flags); }					\
static inline void folio_set_##name(struct folio *folio)			\
{ set_bit(bit, &folio->flags); }						\
static inline void folio_clear_##name(struct folio *folio)			\
{ clear_bit(bit, &folio->flags); }						\
static inline bool folio_test_set_##name(struct folio *folio)			\
{ return test_and_set_bit(bit, &folio->flags); }				\
static inline bool folio_test_clear_##name(struct folio *folio)			\
{ return test_and_clear_bit(bit, &folio->flags); }				\
static inline void __folio_set_##name(struct folio *folio)			\
{ folio->flags |= BIT(bit); }							\
static inline void __folio_clear_##name(struct folio *folio)			\
{ folio->flags &= ~BIT(bit); }

FOLIO_FLAG(locked, PG_locked)
FOLIO_FLAG(writeback, PG_writeback)
FOLIO_FLAG(referenced, PG_referenced)
FOLIO_FLAG(dirty, PG_dirty)
FOLIO_FLAG(lru, PG_lru)
FOLIO_FLAG(head, PG_head)
FOLIO_FLAG(waiters, PG_waiters)
FOLIO_FLAG(active, PG_active)
FOLIO_FLAG(workingset, PG_workingset)
FOLIO_FLAG(checked, PG_checked)
FOLIO_FLAG(reserved, PG_reserved)
FOLIO_FLAG(private, PG_private)
FOLIO_FLAG(private_2, PG_private_2)
FOLIO_FLAG(mappedtodisk, PG_mappedtodisk)
FOLIO_FLAG(reclaim, PG_reclaim)
FOLIO_FLAG(swapbacked, PG_swapbacked)
FOLIO_FLAG(unevictable, PG_unevictable)
FOLIO_FLAG(mlocked, PG_mlocked)
FOLIO_FLAG(dma_pinned, PG_dma_pinned)
FOLIO_FLAG(swapcache, PG_swapcache)
#undef FOLIO_FLAG

/*
 * PG_uptodate orders the folio's contents: whoever sees it set sees the data
 * written before it was set.
 */
static inline bool folio_test_uptodate(const struct folio *folio)
{
	return (__atomic_load_n(&folio->flags, __ATOMIC_ACQUIRE) >> PG_uptodate) & 1;
}
static inline void folio_mark_uptodate(struct folio *folio)
{
	__atomic_fetch_or(&folio->flags, BIT(PG_uptodate), __ATOMIC_RELEASE);
}
static inline void folio_clear_uptodate(struct folio *folio)
{
	clear_bit(PG_uptodate, &folio->flags);
}

static inline bool folio_test_large(const struct folio *folio)
{
	return folio_test_head(folio);
}

static inline bool folio_test_anon(const struct folio *folio)
{
	return ((unsigned long)READ_ONCE(folio->mapping) & PAGE_MAPPING_ANON) != 0;
}

/* Per-page: may this anonymous page be pinned without COW-unsharing it first? */
static inline bool PageAnonExclusive(const struct page *page)
{
	return test_bit(PG_anon_exclusive, &canonical_page(page)->flags);
}
static inline void SetPageAnonExclusive(struct page *page)
{
	set_bit(PG_anon_exclusive, &page->flags);
}
static inline void ClearPageAnonExclusive(struct page *page)
{
	clear_bit(PG_anon_exclusive, &page->flags);
}

static inline bool PageBuddy(const struct page *page)
{
	return __atomic_load_n(&page->page_type, __ATOMIC_RELAXED) == PGTY_buddy;
}

/* Names, in bit order, for dump_page() and traces. */
extern const char *const pageflag_names[__NR_PAGEFLAGS];
int format_page_flags(char *buf, size_t len, unsigned long flags);

#endif
