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

/* What --trace shows of a folio around a pin or an unpin (src/pin/pin.c). */
struct pin_trace_state {
	int refcount, pincount, mapcount;
	bool pinned;
};
void pin_trace_before(struct folio *folio, struct pin_trace_state *st);
void pin_trace_after(const char *fn, struct folio *folio, int refs,
		     const struct pin_trace_state *before, int ret);

/*
 * Take @refs pins on @folio through pin_config.tracker. 0, or the tracker's
 * -ENOMEM (a count would overflow) / -EAGAIN (the folio is being freed).
 * Inline: it is on GUP-fast's per-page path.
 */
static inline int pin_tracker_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);
	struct pin_trace_state st;
	int ret;

	if (unlikely(READ_ONCE(mm_trace_on)))
		pin_trace_before(folio, &st);
	ret = t->try_pin(folio, refs, gup_flags);
	if (unlikely(READ_ONCE(mm_trace_on)))
		pin_trace_after("try_grab_folio", folio, refs, &st, ret);
	if (ret)
		return ret;
	/*
	 * Model: counted under every tracker, the untracked (pre-2020) one too;
	 * those kernels had no nr_foll_pin_* counters at all.
	 */
	mod_node_page_state(NR_FOLL_PIN_ACQUIRED, refs);
	if (unlikely(READ_ONCE(pin_config.debug))) {
		pin_sync_boot();
		pin_debug_pinned(folio, refs);
	}
	return 0;
}

/*
 * A pin try_pin() took whose pin_post() has not run (the tracker has one):
 * only its references and accounting exist. GUP backing out drops it here.
 */
static inline void pin_tracker_drop_pending(struct folio *folio, int refs)
{
	if (unlikely(READ_ONCE(pin_config.debug))) {
		pin_sync_boot();
		refs = pin_debug_unpinning(folio, refs);
		if (!refs)
			return;
	}
	mod_node_page_state(NR_FOLL_PIN_RELEASED, refs);
	folio_put_refs(folio, refs);
}

/*
 * Drop @refs pins of @folio through pin_config.tracker; may free the folio.
 * @gup_flags: FOLL_PIN, plus FOLL_UNPIN_KNOWN and FOLL_WRITE when the caller
 * knows the pins' kind (tracker.h, unpin_flags).
 */
static inline void pin_tracker_unpin_flags(struct folio *folio, int refs, unsigned int gup_flags)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);
	struct pin_trace_state st;

	if (unlikely(READ_ONCE(pin_config.debug))) {
		pin_sync_boot();
		refs = pin_debug_unpinning(folio, refs);
		if (!refs)
			return;
	}
	mod_node_page_state(NR_FOLL_PIN_RELEASED, refs);
	if (unlikely(READ_ONCE(mm_trace_on)))
		pin_trace_before(folio, &st);
	if (t->unpin_flags)
		t->unpin_flags(folio, refs, gup_flags);
	else
		t->unpin(folio, refs);
	/* The folio may be free now: its counters are still there to read (mem_map). */
	if (unlikely(READ_ONCE(mm_trace_on)))
		pin_trace_after("gup_put_folio", folio, refs, &st, 0);
}

static inline void pin_tracker_unpin(struct folio *folio, int refs)
{
	pin_tracker_unpin_flags(folio, refs, 0);
}

/*
 * What a GUP or unpin call reads of the pin configuration once, not per page:
 * the tracker cannot change while the call holds pins (pin_tracker_set()
 * refuses), and tracing and the debug mode are switched between calls. With
 * neither on (@plain), a pin is the tracker's call and the vmstat count: the
 * per-page path then makes no other load of the configuration.
 */
struct pin_batch {
	const struct pin_tracker *t;
	struct pin_small_code sp;	/* t->small_pin */
	bool plain;
};

static inline void pin_batch_begin(struct pin_batch *b)
{
	b->t = READ_ONCE(pin_config.tracker);
	b->sp = b->t->small_pin;
	/* A packed field in another geometry than the inline path's is the table's. */
	if (b->sp.field && (b->sp.one != PIN_INLINE_FIELD_ONE || b->sp.field != PIN_INLINE_FIELD_MASK ||
			    b->sp.wshift != PIN_INLINE_FIELD_WSHIFT))
		b->sp.one = 0;
	b->plain = !READ_ONCE(mm_trace_on) && !READ_ONCE(pin_config.debug);
}

/* Does the batch take and drop this folio's @refs pins inline? */
static inline bool pin_batch_inline(const struct pin_batch *b, struct folio *folio, int refs)
{
	if (!b->sp.one || folio_test_large(folio))
		return false;
	return b->sp.field ? refs == 1 : (long)refs * b->sp.one <= INT_MAX;
}

/* What one pin of a packed field adds to _refcount: its unit, and a writable one's too. */
static inline int pin_small_field_add(const struct pin_small_code *sp, unsigned int gup_flags)
{
	return sp->one + ((gup_flags & PIN_FOLL_WRITE) ? sp->one << sp->wshift : 0);
}

/*
 * One pin in a packed field (struct pin_small_code): 0; -EAGAIN for a folio
 * being freed; 1 when the field is full and the table must take it.
 */
static inline int pin_small_field_pin(const struct pin_small_code *sp, struct folio *folio,
				      unsigned int gup_flags)
{
	int add = pin_small_field_add(sp, gup_flags);
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);

	do {
		if (unlikely(old <= 0))
			return -EAGAIN;
		if (unlikely((old & sp->field) == sp->field))
			return 1;
	} while (!atomic_compare_exchange_weak_explicit(&folio->_refcount, &old, old + add,
							memory_order_seq_cst,
							memory_order_relaxed));
	return 0;
}

/* Take back exactly what pin_small_field_pin() added (src/pin/pin.c; cold). */
void pin_small_field_undo(const struct pin_small_code *sp, struct folio *folio,
			  unsigned int gup_flags);

/* pin_small_field_unpin() of a folio with more than one pin, or none. */
static inline bool pin_small_field_unpin_many(const struct pin_small_code *sp, struct folio *folio,
					      int old, bool write)
{
	int new;

	do {
		int p = old & sp->field, w = (old >> sp->wshift) & sp->field;

		if (unlikely(!p || p == sp->field || (write && !w)))
			return false;
		/* w - 1 for a writable pin; else min(w, p - 1), a bound of the writable left. */
		new = old - sp->one;
		if (write || w == p)
			new -= sp->one << sp->wshift;
	} while (!atomic_compare_exchange_weak_explicit(&folio->_refcount, &old, new,
							memory_order_seq_cst,
							memory_order_relaxed));
	folio_put_refs_left(folio, new);
	return true;
}

/*
 * Drop one pin from a packed field: a writable one if @write, else one of
 * unknown kind (or read-only). False, touching nothing, if the table must.
 *
 * The one pin a folio most often has is a case of its own, because every
 * instruction between two locked ones is paid in full on unpin's per-page
 * path (a locked RMW lets nothing after it start): with one pin the
 * writable count is 0 or 1 and goes to 0 with it, so the new value is one
 * AND and one subtraction, and one test of what is left in the fields says
 * whether the folio had exactly one pin (none borrows, more leaves some).
 */
static inline bool pin_small_field_unpin(const struct pin_small_code *sp, struct folio *folio,
					 bool write)
{
	const int wfield = sp->field << sp->wshift;
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new;

	do {
		if (write)
			new = old - sp->one - (sp->one << sp->wshift);
		else
			new = (old & ~wfield) - sp->one;
		if (unlikely(new & (sp->field | wfield)))
			return pin_small_field_unpin_many(sp, folio, old, write);
	} while (!atomic_compare_exchange_weak_explicit(&folio->_refcount, &old, new,
							memory_order_seq_cst,
							memory_order_relaxed));
	folio_put_refs_left(folio, new);
	return true;
}

/* pin_tracker_try_pin() within a batch. */
static inline __attribute__((always_inline)) int
pin_batch_try_pin(const struct pin_batch *b, struct folio *folio, int refs, unsigned int gup_flags)
{
	int ret;

	if (unlikely(!b->plain))
		return pin_tracker_try_pin(folio, refs, gup_flags);
	if (likely(pin_batch_inline(b, folio, refs))) {
		if (b->sp.field) {
			ret = pin_small_field_pin(&PIN_INLINE_FIELD, folio, gup_flags);
			if (unlikely(ret > 0)) {
				ret = b->t->try_pin(folio, refs, gup_flags);
			} else if (!ret && unlikely(folio_test_large(folio))) {
				/*
				 * Reused as a large folio before the CAS, where
				 * what was added reads otherwise: take it back and
				 * give the folio up (below).
				 */
				pin_small_field_undo(&PIN_INLINE_FIELD, folio, gup_flags);
				return -EAGAIN;
			}
		} else {
			int n = refs * b->sp.one;

			if (!folio_ref_try_add(folio, n))
				return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
			/*
			 * Model: freed and reused as part of a large folio
			 * between the test and the add. The tracker would
			 * convert the pin to the large-folio form; this path
			 * gives the folio up instead, which GUP-fast may always
			 * do (the slow path takes it).
			 */
			if (unlikely(folio_test_large(folio))) {
				folio_put_refs(folio, n);
				return -EAGAIN;
			}
			ret = 0;
		}
	} else {
		ret = b->t->try_pin(folio, refs, gup_flags);
	}
	if (likely(!ret))
		mod_node_page_state(NR_FOLL_PIN_ACQUIRED, refs);
	return ret;
}

/* pin_tracker_unpin() within a batch. */
static inline __attribute__((always_inline)) void
pin_batch_unpin(const struct pin_batch *b, struct folio *folio, int refs)
{
	if (unlikely(!b->plain)) {
		pin_tracker_unpin(folio, refs);
		return;
	}
	mod_node_page_state(NR_FOLL_PIN_RELEASED, refs);
	if (likely(pin_batch_inline(b, folio, refs))) {
		if (!b->sp.field)
			folio_put_refs(folio, refs * b->sp.one);
		else if (unlikely(!pin_small_field_unpin(&PIN_INLINE_FIELD, folio, false)))
			b->t->unpin(folio, refs);
		return;
	}
	b->t->unpin(folio, refs);
}

/*
 * The pages[] entries a FOLL_PIN call hands out for @nr pages of one folio
 * from @page, whose pins it has just taken: the pages themselves, or the
 * tracker's proxies (seed 000). Inline, one predictable branch: it is on
 * GUP-fast's per-page path.
 */
static inline void pin_tracker_entries(struct page *page, unsigned int nr,
				       struct address_space *mapping, pgoff_t index,
				       struct page **out)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	if (likely(!t->pin_entries)) {
		for (unsigned int i = 0; i < nr; i++)
			out[i] = page + i;
		return;
	}
	t->pin_entries(page, nr, mapping, index, out);
}

/* Does the current tracker hand out proxies (so GUP needs the file of each page)? */
static inline bool pin_tracker_has_entries(void)
{
	return READ_ONCE(pin_config.tracker)->pin_entries != NULL;
}

/*
 * Give back @nr pages[] entries of one folio that pin_tracker_entries()
 * made: how many pins of the folio to drop now (fewer while ref_user_page()
 * references remain). A plain page is its own pin.
 */
static inline int pin_tracker_put_entries(struct page **entries, unsigned int nr)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	if (!page_is_proxy(entries[0]))
		return (int)nr;
	/* A proxy outlived its tracker (a switch is refused while pins exist). */
	if (WARN_ON_ONCE(!t->put_entries))
		return 0;
	return t->put_entries(entries, nr);
}
static inline int pin_tracker_put_entry(struct page *entry)
{
	return pin_tracker_put_entries(&entry, 1);
}

/* ref_user_page() on a proxy entry: 0, or -errno. */
static inline int pin_tracker_get_entry(struct page *entry)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	if (WARN_ON_ONCE(!t->get_entry))
		return -EINVAL;
	return t->get_entry(entry);
}

/*
 * Pins of @page handed out through @mapping, for a check that must tell one
 * file's pins of a shared (reflinked) block from another's; -1 when the
 * tracker cannot tell (its pins do not know the file they came through).
 */
static inline long pin_tracker_pins_through(struct page *page, struct address_space *mapping)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	return t->pins_through ? t->pins_through(page, mapping) : -1;
}

/* Pins taken and not yet dropped since this boot of the machine, all trackers. */
long pin_outstanding(void);

#endif
