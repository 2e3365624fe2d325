/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `exact` tracker: pinmm's answer to bias's false positives. Every folio,
 * small or large, has an exact pin count; struct page does not grow; GUP-fast
 * takes a pin with one CAS, as bias does.
 *
 * Where the count lives. _refcount is split into fields:
 *
 *   bit 31     sign: never set (pinmm refuses a count that would pass INT_MAX)
 *   bit 30     W: a pin taken since the pin field was last zero was FOLL_WRITE
 *   bits 24-29 P: pins (saturating at 63)
 *   bits 0-23  references (each pin still holds one, as a pin must keep the
 *              folio alive; in P it is worth EXACT_PIN_ONE)
 *
 * so "pinned" is P != 0, which plain references (up to 2^24 - 1 of them, 16384
 * times bias's 1024) never reach. folio_ref_count() of a pinned folio is
 * >= 2^24, which every "expected references" test (COW reuse, migration's
 * freeze, split, invalidation) refuses, exactly as it refuses bias's +1024.
 *
 * A small folio with more than 63 pins puts the rest in an overflow table
 * (a hashed, locked side list keyed by folio), each holding a plain reference;
 * the invariant "an entry exists => P == 63" makes P != 0 still the whole
 * answer to folio_maybe_dma_pinned(), and every move of P out of 63 happens
 * under the bucket lock.
 *
 * A large folio pinned whole (GUP-fast of a PMD, @refs == folio_nr_pages) adds
 * one unit to P: one CAS for a 2 MiB folio. A partial pin takes @refs plain
 * references and adds @refs to _pincount in the first tail page (bias's two
 * atomics), whose bit 30 is W for those pins. Unpinning part of a whole-folio
 * pin first moves one unit into _pincount (nr pins), then removes the unit:
 * added before removed, so a reader never sees neither.
 *
 * Ordering. GUP-fast's CAS is a fully ordered RMW before it re-reads the PTE;
 * page_mkclean()/try_to_unmap() change the PTE before they load _refcount
 * (seq_cst): the store-buffering shape, in which at least one side sees the
 * other (models/exact.pml). A reader of a large folio loads P, then _pincount;
 * the conversion stores _pincount, then P; with both sequentially consistent
 * a reader that misses the unit sees the _pincount that replaced it.
 *
 * Model: plain references past 2^24 - 1 carry into P (the count stays right as
 * a sum; the folio reads as pinned until they drop back): the bound is stated
 * in docs/trackers.md, and no reference count the model can build reaches it.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>

#define EXACT_PIN_SHIFT		24
#define EXACT_PIN_ONE		(1 << EXACT_PIN_SHIFT)
#define EXACT_REF_MASK		(EXACT_PIN_ONE - 1)
#define EXACT_PIN_SAT		63
#define EXACT_PIN_W		(1 << 30)
#define EXACT_TAIL_W		(1 << 30)
#define EXACT_TAIL_MASK		(EXACT_TAIL_W - 1)

_Static_assert((long)EXACT_PIN_W + (long)EXACT_PIN_SAT * EXACT_PIN_ONE + EXACT_REF_MASK == INT_MAX,
	       "the fields fill the positive half of _refcount exactly");

static inline int pin_field(int v)
{
	return (v >> EXACT_PIN_SHIFT) & EXACT_PIN_SAT;
}

static inline bool cas(atomic_int *p, int *old, int new)
{
	return atomic_compare_exchange_weak_explicit(p, old, new, memory_order_seq_cst,
						     memory_order_relaxed);
}

/* After the CAS that dropped pins: what folio_put_refs() does with what is left. */
static void exact_put_tail(struct folio *folio, int left)
{
	if (left == 0)
		__folio_put(folio);
	else if (left == 1 && unlikely(page_in_zone_device_range(&folio->page)) &&
		 zone_device_page_idle_hook)
		zone_device_page_idle_hook(folio);
}

static void exact_bad_unpin(struct folio *folio, int refs, long have)
{
	/*
	 * Model: mainline takes the references anyway and corrupts _refcount
	 * (08b). An exact count knows there is nothing to drop: WARN, drop
	 * nothing, and the folio stays intact for whoever really holds it.
	 */
	mm_event(MM_EV_WARN, &folio->page,
		 "exact: unpin of %d pin(s) of a folio holding %ld: unpin_user_page() of a page that was not pinned",
		 refs, have);
}

/* ---- the overflow table: pins of a small folio past EXACT_PIN_SAT ---- */

#define EXACT_OVF_BUCKETS	64

struct exact_ovf {
	struct exact_ovf *next;
	struct folio *folio;
	long pins;
};

static struct exact_ovf_bucket {
	pthread_mutex_t lock;
	struct exact_ovf *head;
} exact_ovf[EXACT_OVF_BUCKETS] = {
	[0 ... EXACT_OVF_BUCKETS - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER },
};
static atomic_long exact_ovf_entries;

static struct exact_ovf_bucket *ovf_bucket(struct folio *folio)
{
	uintptr_t h = (uintptr_t)folio / sizeof(struct page);

	return &exact_ovf[(h ^ (h >> 6)) % EXACT_OVF_BUCKETS];
}

static struct exact_ovf **ovf_find(struct exact_ovf_bucket *b, struct folio *folio)
{
	struct exact_ovf **pp = &b->head;

	while (*pp && (*pp)->folio != folio)
		pp = &(*pp)->next;
	return pp;
}

static long ovf_pins(struct folio *folio)
{
	struct exact_ovf_bucket *b = ovf_bucket(folio);
	struct exact_ovf *e;
	long n;

	pthread_mutex_lock(&b->lock);
	e = *ovf_find(b, folio);
	n = e ? e->pins : 0;
	pthread_mutex_unlock(&b->lock);
	return n;
}

/* Pin a small folio whose pin field cannot take @refs more: fill it, list the rest. */
static int exact_pin_small_overflow(struct folio *folio, int refs, bool write)
{
	struct exact_ovf_bucket *b = ovf_bucket(folio);
	struct exact_ovf *e, *fresh = malloc(sizeof(*fresh));
	int old, new, in_field = 0, rest = 0, ret = 0;

	pthread_mutex_lock(&b->lock);
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	do {
		if (old <= 0) {
			ret = -EAGAIN;
			goto out;
		}
		in_field = refs < EXACT_PIN_SAT - pin_field(old) ? refs : EXACT_PIN_SAT - pin_field(old);
		rest = refs - in_field;
		if ((old & EXACT_REF_MASK) + rest > EXACT_REF_MASK || (rest && !fresh && !*ovf_find(b, folio))) {
			ret = -ENOMEM;
			goto out;
		}
		new = (old + in_field * EXACT_PIN_ONE + rest) | (write ? EXACT_PIN_W : 0);
	} while (!cas(&folio->_refcount, &old, new));
	if (rest) {
		e = *ovf_find(b, folio);
		if (!e) {
			e = fresh;
			fresh = NULL;
			e->folio = folio;
			e->pins = 0;
			e->next = b->head;
			b->head = e;
			atomic_fetch_add(&exact_ovf_entries, 1);
		}
		e->pins += rest;
	}
out:
	pthread_mutex_unlock(&b->lock);
	free(fresh);
	return ret;
}

static void exact_unpin_small_overflow(struct folio *folio, int refs)
{
	struct exact_ovf_bucket *b = ovf_bucket(folio);
	struct exact_ovf **pp, *e;
	long listed = 0;
	int old, new, from_list, from_field;

	pthread_mutex_lock(&b->lock);
	pp = ovf_find(b, folio);
	e = *pp;
	if (e)
		listed = e->pins;
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	do {
		from_list = refs < listed ? refs : (int)listed;
		from_field = refs - from_list;
		if (from_field > pin_field(old)) {
			pthread_mutex_unlock(&b->lock);
			exact_bad_unpin(folio, refs, listed + pin_field(old));
			return;
		}
		new = old - from_list - from_field * EXACT_PIN_ONE;
		if (from_field == pin_field(old))
			new &= ~EXACT_PIN_W;
	} while (!cas(&folio->_refcount, &old, new));
	if (e) {
		e->pins -= from_list;
		if (!e->pins) {
			*pp = e->next;
			free(e);
			atomic_fetch_sub(&exact_ovf_entries, 1);
		}
	}
	pthread_mutex_unlock(&b->lock);
	exact_put_tail(folio, new);
}

/* ---- small folios ---- */

static int exact_pin_small(struct folio *folio, int refs, bool write)
{
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new;

	do {
		if (unlikely(old <= 0))
			return -EAGAIN;
		if (unlikely(refs > EXACT_PIN_SAT - pin_field(old)))
			return exact_pin_small_overflow(folio, refs, write);
		new = (old + refs * EXACT_PIN_ONE) | (write ? EXACT_PIN_W : 0);
	} while (!cas(&folio->_refcount, &old, new));
	return 0;
}

static void exact_unpin_small(struct folio *folio, int refs)
{
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new;

	do {
		int p = pin_field(old);

		if (unlikely(p == EXACT_PIN_SAT))
			return exact_unpin_small_overflow(folio, refs);
		if (unlikely(p < refs)) {
			exact_bad_unpin(folio, refs, p);
			return;
		}
		new = old - refs * EXACT_PIN_ONE;
		if (p == refs)
			new &= ~EXACT_PIN_W;
	} while (!cas(&folio->_refcount, &old, new));
	exact_put_tail(folio, new);
}

/* ---- large folios ---- */

static int exact_pin_partial(struct folio *folio, int refs, bool write)
{
	int old, new;

	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	if (unlikely(!folio_test_large(folio))) {
		/* Freed and reused as a small folio before our reference: let the slow path retry. */
		folio_put_refs(folio, refs);
		return -EAGAIN;
	}
	old = atomic_load_explicit(&folio->_pincount, memory_order_relaxed);
	do {
		new = (old + refs) | (write ? EXACT_TAIL_W : 0);
	} while (!cas(&folio->_pincount, &old, new));
	return 0;
}

static int exact_pin_large(struct folio *folio, int refs, bool write)
{
	int old, new;

	if (refs != folio_nr_pages(folio))
		return exact_pin_partial(folio, refs, write);
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	do {
		if (unlikely(old <= 0))
			return -EAGAIN;
		if (unlikely(pin_field(old) == EXACT_PIN_SAT))
			return exact_pin_partial(folio, refs, write);
		new = (old + EXACT_PIN_ONE) | (write ? EXACT_PIN_W : 0);
	} while (!cas(&folio->_refcount, &old, new));
	return 0;
}

/* Drop @refs of _pincount's pins; false if it holds fewer. */
static bool exact_unpin_partial(struct folio *folio, int refs)
{
	int old = atomic_load_explicit(&folio->_pincount, memory_order_relaxed);
	int new;

	do {
		int n = old & EXACT_TAIL_MASK;

		if (n < refs)
			return false;
		new = n == refs ? 0 : old - refs;
	} while (!cas(&folio->_pincount, &old, new));
	folio_put_refs(folio, refs);
	return true;
}

/*
 * Turn one whole-folio unit into folio_nr_pages() pins in _pincount (and
 * their references). The new pins are published before the unit goes. False
 * when there was no unit to turn.
 */
static bool exact_break_unit(struct folio *folio)
{
	int nr = (int)folio_nr_pages(folio);
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new, t;

	if (!pin_field(old))
		return false;
	t = atomic_load_explicit(&folio->_pincount, memory_order_relaxed);
	while (!cas(&folio->_pincount, &t, (t + nr) | (old & EXACT_PIN_W ? EXACT_TAIL_W : 0)))
		;
	do {
		if (!pin_field(old)) {
			/* Someone took the last unit meanwhile: give the pins back. */
			atomic_fetch_sub_explicit(&folio->_pincount, nr, memory_order_seq_cst);
			return false;
		}
		new = old - EXACT_PIN_ONE + nr;
		if (pin_field(old) == 1)
			new &= ~EXACT_PIN_W;
	} while (!cas(&folio->_refcount, &old, new));
	return true;
}

static void exact_unpin_large(struct folio *folio, int refs)
{
	if (refs == folio_nr_pages(folio)) {
		int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
		int new;

		while (pin_field(old)) {
			new = old - EXACT_PIN_ONE;
			if (pin_field(old) == 1)
				new &= ~EXACT_PIN_W;
			if (cas(&folio->_refcount, &old, new)) {
				exact_put_tail(folio, new);
				return;
			}
		}
	}
	while (!exact_unpin_partial(folio, refs)) {
		if (!exact_break_unit(folio)) {
			if (exact_unpin_partial(folio, refs))
				return;
			exact_bad_unpin(folio, refs, atomic_load(&folio->_pincount) & EXACT_TAIL_MASK);
			return;
		}
	}
}

/* ---- the ops ---- */

/* Take back @n units of P that a pin added to a folio that changed kind under it. */
static __attribute__((noinline, cold)) void exact_sub_units(struct folio *folio, int n)
{
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new;

	do {
		new = old - n * EXACT_PIN_ONE;
		if (pin_field(old) == n)
			new &= ~EXACT_PIN_W;
	} while (!cas(&folio->_refcount, &old, new));
	exact_put_tail(folio, new);
}

static void exact_unpin_small_undo(struct folio *folio)
{
	exact_sub_units(folio, 1);
}

/* Everything but one pin of a small folio with room in its field. */
static __attribute__((noinline, cold)) int exact_try_pin_slow(struct folio *folio, int refs,
								unsigned int gup_flags)
{
	bool write = gup_flags & PIN_FOLL_WRITE;
	int ret;

	if (refs <= 0)
		return -EINVAL;
	if (!folio_test_large(folio)) {
		ret = exact_pin_small(folio, refs, write);
		/*
		 * Freed and reused as (part of) a large folio before our CAS: what
		 * we added would read as whole-folio units there. Our pins keep
		 * the folio as it now is, so take them back and retry slow.
		 */
		if (!ret && unlikely(folio_test_large(folio))) {
			exact_sub_units(folio, refs);
			return -EAGAIN;
		}
		return ret;
	}
	ret = exact_pin_large(folio, refs, write);
	if (!ret && unlikely(!folio_test_large(folio))) {
		/* Only the unit path can get here: the partial path checked. */
		exact_sub_units(folio, 1);
		return -EAGAIN;
	}
	return ret;
}

static __attribute__((noinline, cold)) void exact_unpin_slow(struct folio *folio, int refs)
{
	if (refs <= 0)
		return;
	if (folio_test_large(folio))
		exact_unpin_large(folio, refs);
	else
		exact_unpin_small(folio, refs);
}

/*
 * GUP-fast's per-page case, one pin of a small folio, is kept to what bias
 * does for it: one load, one CAS, the large-folio re-check; every other case
 * is out of line.
 */
static int exact_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	int w = (gup_flags & PIN_FOLL_WRITE) ? EXACT_PIN_W : 0;
	int old, new;

	if (unlikely(refs != 1 || folio_test_large(folio)))
		return exact_try_pin_slow(folio, refs, gup_flags);
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	do {
		if (unlikely(old <= 0 || pin_field(old) == EXACT_PIN_SAT))
			return exact_try_pin_slow(folio, refs, gup_flags);
		new = (old + EXACT_PIN_ONE) | w;
	} while (!cas(&folio->_refcount, &old, new));
	if (likely(!folio_test_large(folio)))
		return 0;
	/* Reused as a large folio before our CAS (see exact_try_pin_slow): undo, retry slow. */
	exact_unpin_small_undo(folio);
	return -EAGAIN;
}

static void exact_unpin(struct folio *folio, int refs)
{
	int old, new;

	if (unlikely(refs != 1 || folio_test_large(folio))) {
		exact_unpin_slow(folio, refs);
		return;
	}
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	do {
		int p = pin_field(old);

		if (unlikely(p == 0 || p == EXACT_PIN_SAT)) {
			exact_unpin_slow(folio, refs);
			return;
		}
		new = (old - EXACT_PIN_ONE) & ~(p == 1 ? EXACT_PIN_W : 0);
	} while (!cas(&folio->_refcount, &old, new));
	if (unlikely(new <= 1))
		exact_put_tail(folio, new);
}

static bool exact_maybe_dma_pinned(struct folio *folio)
{
	if (pin_field(atomic_load_explicit(&folio->_refcount, memory_order_seq_cst)))
		return true;
	return folio_test_large(folio) &&
	       (atomic_load_explicit(&folio->_pincount, memory_order_seq_cst) & EXACT_TAIL_MASK);
}

static bool exact_maybe_dma_pinned_writable(struct folio *folio)
{
	if (atomic_load_explicit(&folio->_refcount, memory_order_seq_cst) & EXACT_PIN_W)
		return true;
	return folio_test_large(folio) &&
	       (atomic_load_explicit(&folio->_pincount, memory_order_seq_cst) & EXACT_TAIL_W);
}

static long exact_pincount(struct folio *folio)
{
	int p = pin_field(atomic_load_explicit(&folio->_refcount, memory_order_seq_cst));

	if (folio_test_large(folio))
		return (long)p * folio_nr_pages(folio) +
		       (atomic_load_explicit(&folio->_pincount, memory_order_seq_cst) & EXACT_TAIL_MASK);
	return p == EXACT_PIN_SAT ? p + ovf_pins(folio) : p;
}

/* A lower bound of the references @pins pins hold, for the debug mode's checks. */
static long exact_pin_refs(struct folio *folio, long pins)
{
	long in_field = pins < EXACT_PIN_SAT ? pins : EXACT_PIN_SAT;

	if (folio_test_large(folio))
		return pins;
	return in_field * EXACT_PIN_ONE + (pins - in_field);
}

static int exact_enable(void)
{
	/* Nothing pinned (pin_tracker_set checked): the table must be empty. */
	return atomic_load(&exact_ovf_entries) ? -EBUSY : 0;
}

PIN_TRACKER(95, exact_tracker) = {
	.name = "exact",
	.summary = "pinmm: exact pins in _refcount's top bits (small and whole large folios), _pincount for partial, write bit",
	.try_pin = exact_try_pin,
	.unpin = exact_unpin,
	.maybe_dma_pinned = exact_maybe_dma_pinned,
	.maybe_dma_pinned_writable = exact_maybe_dma_pinned_writable,
	.pincount = exact_pincount,
	.pin_refs = exact_pin_refs,
	.enable = exact_enable,
};

PIN_PRESET(290, exact_preset) = {
	.name = "exact",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "exact",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the exact tracker on mainline's mm with bounce writeback: no false positives, one CAS per pin",
};

/*
 * The project's own design: exact counts, writeback that writes a stable copy
 * and keeps a writably pinned folio dirty (WB_BOUNCE), and long-term pins of
 * shared files allowed with truncate/punch of the pinned range answered
 * -ETXTBSY (LONGTERM_BUSY).
 */
PIN_PRESET(900, pinmm_preset) = {
	.name = "pinmm",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "exact",
	.longterm = LONGTERM_BUSY,
	.writeback = WB_BOUNCE,
	.summary = "pinmm: exact, bounce writeback, long-term file pins allowed with truncate of a pinned range ETXTBSY",
};
