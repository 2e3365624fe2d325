/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reference counts. folio_try_get() and folio_ref_try_add() refuse a freed folio
 * (count 0) and a count that would pass INT_MAX.
 *
 * Model: stricter than mainline. Since the 2019 refcount-overflow fixes
 * (CVE-2019-11487) the kernel refuses a get or pin when the count is already
 * negative (with a WARN), so one increment may still wrap it; pinmm refuses
 * the increment that would wrap, which is what the GUP issue asks for and
 * what a fix would do. A wrapped count never exists here.
 */
#ifndef PINMM_MEM_PAGE_REF_H
#define PINMM_MEM_PAGE_REF_H

#include <limits.h>
#include <pinmm/mem/mmzone.h>
#include <pinmm/mem/event.h>

static inline int folio_ref_count(const struct folio *folio)
{
	return atomic_load_explicit(&((struct folio *)folio)->_refcount, memory_order_relaxed);
}
/* A GUP result's count: through a proxy (mem/proxy.h) to the page it fronts. */
static inline int page_ref_count(const struct page *page)
{
	return atomic_load_explicit(&canonical_page(page)->_refcount, memory_order_relaxed);
}
static inline void set_page_count(struct page *page, int v)
{
	atomic_store_explicit(&page->_refcount, v, memory_order_relaxed);
}
static inline void folio_set_count(struct folio *folio, int v)
{
	set_page_count(&folio->page, v);
}

/* The refcount is close enough to wrapping that another get must be refused. */
static inline bool folio_ref_zero_or_close_to_overflow(const struct folio *folio)
{
	unsigned int c = (unsigned int)folio_ref_count(folio);

	return c + 127u <= 127u;
}

/*
 * A pin tracker that keeps the references in a bounded field of _refcount
 * (exact: the low 18 bits, with pins above them) moves references out before
 * they can carry into the pins, and back when the field runs low. An increment
 * that leaves every bit of folio_ref_spill_mask set, and a decrement that
 * leaves folio_ref_refill_bit set, call the tracker (folio_ref_spill_hook,
 * folio_ref_refill_hook). Other trackers: a mask no count has (~0u, which is
 * -1) and bit 0, so the checks cost a load and a test.
 * Model: mainline's _refcount has no such field and no such check.
 */
extern unsigned int folio_ref_spill_mask;
extern unsigned int folio_ref_refill_bit;
extern void (*folio_ref_spill_hook)(struct folio *folio);
extern void (*folio_ref_refill_hook)(struct folio *folio);
void folio_ref_spill(struct folio *folio);
void folio_ref_refill(struct folio *folio);
static inline void folio_ref_check_inc(struct folio *folio, int new)
{
	unsigned int m = READ_ONCE(folio_ref_spill_mask);

	if (unlikely(((unsigned int)new & m) == m))
		folio_ref_spill(folio);
}
static inline void folio_ref_check_dec(struct folio *folio, int new)
{
	if (unlikely((unsigned int)new & READ_ONCE(folio_ref_refill_bit)))
		folio_ref_refill(folio);
}

void folio_get(struct folio *folio);
static inline void get_page(struct page *page)
{
	if (page_is_proxy(page)) {
		get_page_proxy(page);
		return;
	}
	folio_get(page_folio(page));
}

/*
 * Add @refs unless the folio is free (0), already overflowed (<0) or would pass
 * INT_MAX. Fully ordered on success, like atomic_add_unless().
 */
static inline bool folio_ref_try_add(struct folio *folio, int refs)
{
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);

	do {
		if (unlikely(old <= 0 || old > INT_MAX - refs))
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&folio->_refcount, &old, old + refs,
							memory_order_seq_cst,
							memory_order_relaxed));
	folio_ref_check_inc(folio, old + refs);
	return true;
}
static inline bool folio_try_get(struct folio *folio)
{
	return folio_ref_try_add(folio, 1);
}

static inline void folio_ref_add(struct folio *folio, int refs)
{
	folio_ref_check_inc(folio,
			    atomic_fetch_add_explicit(&folio->_refcount, refs, memory_order_relaxed) + refs);
}
static inline void folio_ref_inc(struct folio *folio)
{
	folio_ref_add(folio, 1);
}
/* Drop references the caller knows are not the last. */
static inline void folio_ref_sub(struct folio *folio, int refs)
{
	folio_ref_check_dec(folio,
			    atomic_fetch_sub_explicit(&folio->_refcount, refs, memory_order_release) - refs);
}
static inline int folio_ref_sub_return(struct folio *folio, int refs)
{
	int left = atomic_fetch_sub_explicit(&folio->_refcount, refs, memory_order_acq_rel) - refs;

	folio_ref_check_dec(folio, left);
	return left;
}
static inline bool folio_ref_sub_and_test(struct folio *folio, int refs)
{
	return folio_ref_sub_return(folio, refs) == 0;
}

/* Freeze at exactly @count: nobody can take a new reference until unfrozen. */
static inline bool folio_ref_freeze(struct folio *folio, int count)
{
	int expected = count;

	return atomic_compare_exchange_strong_explicit(&folio->_refcount, &expected, 0,
						       memory_order_seq_cst, memory_order_relaxed);
}
static inline void folio_ref_unfreeze(struct folio *folio, int count)
{
	atomic_store_explicit(&folio->_refcount, count, memory_order_release);
}

extern void (*folio_put_check_hook)(struct folio *folio, int refs);
/* folio_put_refs() with the check hook set. */
void folio_put_refs_hooked(struct folio *folio, int refs);
/* What follows a drop that left @left (0 or 1) references. */
void folio_put_refs_last(struct folio *folio, int left);

/*
 * After a drop that left @left references: 0 frees the folio, 1 is a
 * ZONE_DEVICE page going idle. Inline, because 1 is also what an unpin of a
 * mapped page leaves, on unpin's per-folio path.
 */
static inline void folio_put_refs_left(struct folio *folio, int left)
{
	if (unlikely(left == 0) ||
	    (left == 1 && unlikely(page_in_zone_device_range(&folio->page))))
		folio_put_refs_last(folio, left);
}

/*
 * Drop @refs; the last one frees the folio (or returns a device page to its
 * pagemap). Inline, as mainline's: the common case is one locked RMW and a
 * test, and it is on unpin's per-folio path.
 */
static inline void folio_put_refs(struct folio *folio, int refs)
{
	int left;

	if (unlikely(folio_put_check_hook != NULL)) {
		folio_put_refs_hooked(folio, refs);
		return;
	}
	left = folio_ref_sub_return(folio, refs);
	folio_put_refs_left(folio, left);
}
static inline void folio_put(struct folio *folio)
{
	folio_put_refs(folio, 1);
}
static inline void put_page(struct page *page)
{
	if (page_is_proxy(page)) {
		put_page_proxy(page);
		return;
	}
	folio_put(page_folio(page));
}
/*
 * folio_put_check_hook, declared above, is a debug aid (pin_config.debug):
 * called on every folio_put_refs() before the count drops, so a pin tracker
 * can catch put_page() of a pinned page.
 */

/* The release path once a folio's count reached zero; exposed for pin trackers. */
void __folio_put(struct folio *folio);

#endif
