/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `exact` tracker: pinmm's answer to bias's false positives. Every folio,
 * small or large, has an exact pin count; struct page does not grow; GUP-fast
 * takes a pin with one CAS, as bias does.
 *
 * Where the count lives. _refcount is split into fields:
 *
 *   bit 31     sign: never set (pinmm refuses a count that would pass INT_MAX)
 *   bit 30     S: some of this folio's plain references are in the overflow table
 *   bits 24-29 Wc: how many of the pins in P may be FOLL_WRITE (an upper bound)
 *   bits 18-23 P: pins (saturating at 63)
 *   bits 0-17  references (each pin still holds one, as a pin must keep the
 *              folio alive; in P it is worth EXACT_PIN_ONE)
 *
 * so "pinned" is P != 0 and "maybe pinned writable" is Wc != 0.
 * folio_ref_count() of a pinned folio is >= 2^18, which every "expected
 * references" test (COW reuse, migration's freeze, split, invalidation)
 * refuses, exactly as it refuses bias's +1024.
 *
 * Any number of plain references. An increment that leaves the reference
 * field at 3 * 2^16 or more moves 2^16 of them into the folio's overflow entry
 * and sets S (folio_ref_spill_mask, mem/page_ref.h); a decrement that finds S
 * and the field below 2^16 moves up to 2^16 back. P never sees a carry as
 * long as fewer than 2^16 references are added between the crossing and the
 * move, i.e. fewer than 128 CPUs each in the middle of one add of at most 512
 * (a 2 MiB folio's): the bound refcount_t's saturation argument uses too.
 * While S is set _refcount is >= 2^30, so no freeze or "== expected" test
 * can succeed and the folio cannot read as free.
 *
 * A small folio with more than 63 pins puts the rest in the same overflow
 * entry (a hashed, locked side list keyed by folio), with their writable
 * count; the listed pins hold their references there. The invariant "listed
 * pins => P == 63" makes P != 0 still the whole answer to
 * folio_maybe_dma_pinned(), and the writable count is kept in the field
 * first (Wc = min(all writable, 63)), so Wc != 0 is the whole answer to
 * folio_maybe_dma_pinned_writable(). Every move of P out of 63 happens under
 * the bucket lock.
 *
 * A large folio pinned whole (GUP-fast of a PMD, @refs == folio_nr_pages) adds
 * one unit to P: one CAS for a 2 MiB folio. A partial pin takes @refs plain
 * references and adds @refs to _pincount in the first tail page (bits 0-19,
 * with its writable count, saturating at 2047, in bits 20-30). Unpinning part
 * of a whole-folio pin first moves one unit into _pincount (nr pins), then
 * removes the unit: added before removed, so a reader never sees neither.
 *
 * The writable count. A pin is writable if it was taken with FOLL_WRITE. The
 * kernel's unpin calls do not say whether the pin they drop was (no
 * unpin_user_page*() takes gup_flags), and two pins of one page are the same
 * struct page pointer: after "writable pin, R/O pin, unpin, unpin" no design
 * that only sees those calls can know which pin is left. So Wc is an upper
 * bound, exact when every unpin says its kind: GUP's own back-outs do (they
 * have the gup_flags), and pinmm's unpin_user_pages_flags() does (Model: no
 * such kernel call). An unpin of unknown kind leaves Wc = min(Wc, P): sound
 * whichever pin went, since a writable pin left is one of the pins left.
 * docs/trackers.md has the argument.
 *
 * Ordering. GUP-fast's CAS is a fully ordered RMW before it re-reads the PTE;
 * page_mkclean()/try_to_unmap() change the PTE before they load _refcount
 * (seq_cst): the store-buffering shape, in which at least one side sees the
 * other (models/exact.pml). A reader of a large folio loads P, then _pincount;
 * the conversion stores _pincount, then P; with both sequentially consistent
 * a reader that misses the unit sees the _pincount that replaced it. Moving
 * references in or out changes only the reference field, in the same CAS
 * that sets or clears S: P and Wc are never touched by it.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>

#define EXACT_PIN_SHIFT		18
#define EXACT_PIN_ONE		(1 << EXACT_PIN_SHIFT)
#define EXACT_REF_MASK		(EXACT_PIN_ONE - 1)
#define EXACT_PIN_SAT		63
#define EXACT_WPIN_SHIFT	24
#define EXACT_WPIN_ONE		(1 << EXACT_WPIN_SHIFT)
#define EXACT_SPILLED		(1 << 30)
/* Spill at 3 * 2^16 references in the field, refill below 2^16, 2^16 at a time. */
#define EXACT_REF_CHUNK		(1 << 16)
#define EXACT_SPILL_MASK	(3u << 16)
#define EXACT_REFILL_BELOW	EXACT_REF_CHUNK

/* _pincount of a large folio: partial pins and (saturating) their writable count. */
#define EXACT_TAIL_SHIFT	20
#define EXACT_TAIL_MASK		((1 << EXACT_TAIL_SHIFT) - 1)
#define EXACT_TAIL_WONE		(1 << EXACT_TAIL_SHIFT)
#define EXACT_TAIL_WSAT		2047

_Static_assert((long)EXACT_SPILLED + (long)EXACT_PIN_SAT * EXACT_WPIN_ONE +
	       (long)EXACT_PIN_SAT * EXACT_PIN_ONE + EXACT_REF_MASK == INT_MAX,
	       "the fields fill the positive half of _refcount exactly");
_Static_assert((long)EXACT_TAIL_WSAT * EXACT_TAIL_WONE + EXACT_TAIL_MASK == INT_MAX,
	       "_pincount's two fields fill its positive half");
_Static_assert((EXACT_SPILL_MASK & ~(unsigned int)EXACT_REF_MASK) == 0,
	       "the spill test looks at the reference field only");

/* What an unpin knows about the pins it drops. */
enum exact_kind { KIND_UNKNOWN, KIND_RO, KIND_WRITE };

static inline int pin_field(int v)
{
	return (v >> EXACT_PIN_SHIFT) & EXACT_PIN_SAT;
}

static inline int wpin_field(int v)
{
	return (v >> EXACT_WPIN_SHIFT) & EXACT_PIN_SAT;
}

static inline int with_wpins(int v, int w)
{
	return (v & ~(EXACT_PIN_SAT * EXACT_WPIN_ONE)) | (w * EXACT_WPIN_ONE);
}

static inline int tail_pins(int t)
{
	return t & EXACT_TAIL_MASK;
}

static inline int tail_wpins(int t)
{
	return t >> EXACT_TAIL_SHIFT;
}

static inline int min_int(int a, int b)
{
	return a < b ? a : b;
}

/*
 * The writable count left after dropping @n of @pins pins (@pins - @n left),
 * @w of them counted writable, @sat the count's ceiling: exact for a known
 * kind, the bound min(w, left) otherwise. A saturated count is not
 * decremented: it may stand for more.
 */
static inline int wpins_after(int w, int pins, int n, enum exact_kind kind, int sat)
{
	int left = pins - n;

	if (kind == KIND_WRITE && w < sat)
		return w >= n ? w - n : 0;
	return min_int(w, left);
}

static inline bool cas(atomic_int *p, int *old, int new)
{
	return atomic_compare_exchange_weak_explicit(p, old, new, memory_order_seq_cst,
						     memory_order_relaxed);
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

static void exact_bad_kind(struct folio *folio, int refs, long wpins)
{
	/* Model: no kernel call says FOLL_WRITE at unpin; a caller that says it wrongly is caught. */
	mm_event(MM_EV_WARN, &folio->page,
		 "exact: unpin of %d writable pin(s) of a folio with %ld counted writable: the pin was not FOLL_WRITE",
		 refs, wpins);
}

/* ---- the overflow table: pins past EXACT_PIN_SAT, references past the field ---- */

#define EXACT_OVF_BUCKETS	64

struct exact_ovf {
	struct exact_ovf *next;
	struct folio *folio;
	long pins;		/* listed pins of a small folio, each holding its reference here */
	long wpins;		/* of which may be writable, beyond the field's Wc */
	long refs;		/* plain references moved out of the field (S set) */
};

static struct exact_ovf_bucket {
	pthread_mutex_t lock;
	struct exact_ovf *head;
} exact_ovf[EXACT_OVF_BUCKETS] = {
	[0 ... EXACT_OVF_BUCKETS - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER },
};
static atomic_long exact_ovf_entries;
static unsigned int exact_ovf_boot;

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

/* Under the bucket lock: @folio's entry, made from *@fresh if it has none. */
static struct exact_ovf *ovf_get(struct exact_ovf_bucket *b, struct folio *folio,
				 struct exact_ovf **fresh)
{
	struct exact_ovf *e = *ovf_find(b, folio);

	if (e || !*fresh)
		return e;
	e = *fresh;
	*fresh = NULL;
	*e = (struct exact_ovf){ .folio = folio, .next = b->head };
	b->head = e;
	atomic_fetch_add(&exact_ovf_entries, 1);
	return e;
}

/* Under the bucket lock: free @folio's entry once it holds nothing. */
static void ovf_put(struct exact_ovf_bucket *b, struct folio *folio)
{
	struct exact_ovf **pp = ovf_find(b, folio), *e = *pp;

	if (e && !e->pins && !e->wpins && !e->refs) {
		*pp = e->next;
		free(e);
		atomic_fetch_sub(&exact_ovf_entries, 1);
	}
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

/* folio_ref_spill_hook: the field reached 3 * 2^16 references; move 2^16 out. */
static void exact_ref_spill(struct folio *folio)
{
	struct exact_ovf_bucket *b = ovf_bucket(folio);
	struct exact_ovf *e, *fresh = malloc(sizeof(*fresh));
	int old, new;

	pthread_mutex_lock(&b->lock);
	e = ovf_get(b, folio, &fresh);
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	while (e && old > 0 && (old & EXACT_REF_MASK) >= (int)EXACT_SPILL_MASK) {
		new = (old - EXACT_REF_CHUNK) | EXACT_SPILLED;
		if (cas(&folio->_refcount, &old, new)) {
			e->refs += EXACT_REF_CHUNK;
			break;
		}
	}
	if (!e)
		/* No memory for an entry: the field still has 2^16 of headroom. */
		mm_event(MM_EV_WARN, &folio->page,
			 "exact: no memory to move references of a folio with %d out of _refcount",
			 old & EXACT_REF_MASK);
	else
		ovf_put(b, folio);
	pthread_mutex_unlock(&b->lock);
	free(fresh);
}

/* folio_ref_refill_hook: S is set; if the field ran low, bring references back. */
static void exact_ref_refill(struct folio *folio)
{
	struct exact_ovf_bucket *b;
	struct exact_ovf *e;
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new, n;

	if (!(old & EXACT_SPILLED) || (old & EXACT_REF_MASK) >= EXACT_REFILL_BELOW)
		return;
	b = ovf_bucket(folio);
	pthread_mutex_lock(&b->lock);
	e = *ovf_find(b, folio);
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	while (e && (old & EXACT_SPILLED) && (old & EXACT_REF_MASK) < EXACT_REFILL_BELOW) {
		n = e->refs < EXACT_REF_CHUNK ? (int)e->refs : EXACT_REF_CHUNK;
		new = old + n;
		if (e->refs == n)
			new &= ~EXACT_SPILLED;
		if (cas(&folio->_refcount, &old, new)) {
			e->refs -= n;
			ovf_put(b, folio);
			break;
		}
	}
	pthread_mutex_unlock(&b->lock);
}

/* Pin a small folio whose pin field cannot take @refs more: fill it, list the rest. */
static int exact_pin_small_overflow(struct folio *folio, int refs, bool write)
{
	struct exact_ovf_bucket *b = ovf_bucket(folio);
	struct exact_ovf *e, *fresh = malloc(sizeof(*fresh));
	int old, new, in_field = 0, rest = 0, ret = 0;

	pthread_mutex_lock(&b->lock);
	e = ovf_get(b, folio, &fresh);
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	do {
		if (old <= 0) {
			ret = -EAGAIN;
			goto out;
		}
		in_field = min_int(refs, EXACT_PIN_SAT - pin_field(old));
		rest = refs - in_field;
		if (rest && !e) {
			ret = -ENOMEM;
			goto out;
		}
		new = old + in_field * EXACT_PIN_ONE;
		if (write)
			new = with_wpins(new, min_int(wpin_field(old) + refs, pin_field(new)));
	} while (!cas(&folio->_refcount, &old, new));
	if (rest) {
		e->pins += rest;
		/* The field took what it could of the writable ones; the rest are listed. */
		if (write)
			e->wpins += refs - (wpin_field(new) - wpin_field(old));
	}
out:
	if (e)
		ovf_put(b, folio);
	pthread_mutex_unlock(&b->lock);
	free(fresh);
	return ret;
}

static void exact_unpin_small_overflow(struct folio *folio, int refs, enum exact_kind kind)
{
	struct exact_ovf_bucket *b = ovf_bucket(folio);
	struct exact_ovf *e;
	long listed = 0, lw = 0, total, wtotal, wleft;
	int old, new, from_list, from_field, p;

	pthread_mutex_lock(&b->lock);
	e = *ovf_find(b, folio);
	if (e) {
		listed = e->pins;
		lw = e->wpins;
	}
	/* P is 63: its pins and Wc move only under this lock; the CAS is for references. */
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	if (kind == KIND_WRITE && lw + wpin_field(old) < refs) {
		exact_bad_kind(folio, refs, lw + wpin_field(old));
		kind = KIND_UNKNOWN;
	}
	do {
		p = pin_field(old);
		from_list = refs < listed ? refs : (int)listed;
		from_field = refs - from_list;
		if (from_field > p) {
			pthread_mutex_unlock(&b->lock);
			exact_bad_unpin(folio, refs, listed + p);
			return;
		}
		total = listed + p;
		wtotal = lw + wpin_field(old);
		wleft = kind == KIND_WRITE ? wtotal - refs :
			(wtotal < total - refs ? wtotal : total - refs);
		new = old - from_field * EXACT_PIN_ONE;
		/* The field's Wc first, so that Wc != 0 whenever any writable pin may be left. */
		new = with_wpins(new, (int)(wleft < pin_field(new) ? wleft : pin_field(new)));
	} while (!cas(&folio->_refcount, &old, new));
	if (e) {
		e->pins -= from_list;
		e->wpins = wleft - wpin_field(new);
		ovf_put(b, folio);
	}
	pthread_mutex_unlock(&b->lock);
	folio_put_refs_last(folio, new);
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
		new = old + refs * EXACT_PIN_ONE + (write ? refs * EXACT_WPIN_ONE : 0);
	} while (!cas(&folio->_refcount, &old, new));
	return 0;
}

static void exact_unpin_small(struct folio *folio, int refs, enum exact_kind kind)
{
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new;

	do {
		int p = pin_field(old), w = wpin_field(old);

		if (unlikely(p == EXACT_PIN_SAT))
			return exact_unpin_small_overflow(folio, refs, kind);
		if (unlikely(p < refs)) {
			exact_bad_unpin(folio, refs, p);
			return;
		}
		if (unlikely(kind == KIND_WRITE && w < refs)) {
			exact_bad_kind(folio, refs, w);
			kind = KIND_UNKNOWN;
		}
		new = with_wpins(old - refs * EXACT_PIN_ONE, wpins_after(w, p, refs, kind, INT_MAX));
	} while (!cas(&folio->_refcount, &old, new));
	folio_put_refs_last(folio, new);
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
		int w = tail_wpins(old);

		if (tail_pins(old) > EXACT_TAIL_MASK - refs) {
			folio_put_refs(folio, refs);
			return -ENOMEM;
		}
		if (write)
			w = w > EXACT_TAIL_WSAT - refs ? EXACT_TAIL_WSAT : w + refs;
		new = (tail_pins(old) + refs) | (w << EXACT_TAIL_SHIFT);
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
		new = old + EXACT_PIN_ONE + (write ? EXACT_WPIN_ONE : 0);
	} while (!cas(&folio->_refcount, &old, new));
	return 0;
}

/* Drop @refs of _pincount's pins; false if it holds fewer. */
static bool exact_unpin_partial(struct folio *folio, int refs, enum exact_kind kind)
{
	int old = atomic_load_explicit(&folio->_pincount, memory_order_relaxed);
	int new;

	do {
		int n = tail_pins(old), w = tail_wpins(old);

		if (n < refs)
			return false;
		if (kind == KIND_WRITE && w < refs) {
			exact_bad_kind(folio, refs, w);
			kind = KIND_UNKNOWN;
		}
		new = (n - refs) | (wpins_after(w, n, refs, kind, EXACT_TAIL_WSAT) << EXACT_TAIL_SHIFT);
	} while (!cas(&folio->_pincount, &old, new));
	folio_put_refs(folio, refs);
	return true;
}

/*
 * Turn one whole-folio unit into folio_nr_pages() pins in _pincount (and
 * their references), for a partial unpin of @kind. The new pins are
 * published before the unit goes. Which unit: one of @kind when the kind is
 * known; otherwise an R/O one if there is one, and the new pins count as
 * writable if any unit may be (the broken pin could be the writable one).
 * False when there was no unit to turn.
 */
static bool exact_break_unit(struct folio *folio, enum exact_kind kind)
{
	int nr = (int)folio_nr_pages(folio);
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new, t, tw, p, w;
	bool tail_writable;

	if (!pin_field(old))
		return false;
	p = pin_field(old);
	w = wpin_field(old);
	if (kind == KIND_WRITE && !w)
		kind = KIND_UNKNOWN;
	if (kind == KIND_RO && w == p)
		kind = KIND_UNKNOWN;
	tail_writable = kind == KIND_WRITE || (kind == KIND_UNKNOWN && w);
	t = atomic_load_explicit(&folio->_pincount, memory_order_relaxed);
	do {
		tw = tail_wpins(t);
		if (tail_writable)
			tw = tw > EXACT_TAIL_WSAT - nr ? EXACT_TAIL_WSAT : tw + nr;
	} while (!cas(&folio->_pincount, &t, (tail_pins(t) + nr) | (tw << EXACT_TAIL_SHIFT)));
	do {
		if (!pin_field(old)) {
			/*
			 * Someone took the last unit meanwhile: give the pins back
			 * (the writable count stays, an upper bound still).
			 */
			atomic_fetch_sub_explicit(&folio->_pincount, nr, memory_order_seq_cst);
			return false;
		}
		p = pin_field(old);
		w = wpin_field(old);
		new = old - EXACT_PIN_ONE + nr;
		new = with_wpins(new, kind == KIND_WRITE && w ? w - 1 : min_int(w, p - 1));
	} while (!cas(&folio->_refcount, &old, new));
	folio_ref_check_inc(folio, new);
	return true;
}

static void exact_unpin_large(struct folio *folio, int refs, enum exact_kind kind)
{
	if (refs == folio_nr_pages(folio)) {
		int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
		int new;

		while (pin_field(old)) {
			int p = pin_field(old), w = wpin_field(old);
			enum exact_kind k = kind == KIND_WRITE && !w ? KIND_UNKNOWN : kind;

			new = with_wpins(old - EXACT_PIN_ONE, wpins_after(w, p, 1, k, INT_MAX));
			if (cas(&folio->_refcount, &old, new)) {
				if (k != kind)
					exact_bad_kind(folio, refs, 0);
				folio_put_refs_last(folio, new);
				return;
			}
		}
	}
	while (!exact_unpin_partial(folio, refs, kind)) {
		if (!exact_break_unit(folio, kind)) {
			if (exact_unpin_partial(folio, refs, kind))
				return;
			exact_bad_unpin(folio, refs, tail_pins(atomic_load(&folio->_pincount)));
			return;
		}
	}
}

/* ---- the ops ---- */

/* Take back @n units of P (@w of them writable) that a pin added to a folio that changed kind under it. */
static __attribute__((noinline, cold)) void exact_sub_units(struct folio *folio, int n, int w)
{
	int old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	int new;

	do {
		new = old - n * EXACT_PIN_ONE - w * EXACT_WPIN_ONE;
	} while (!cas(&folio->_refcount, &old, new));
	folio_put_refs_last(folio, new);
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
		 * the folio as it now is, so take them back and retry slow. (Only
		 * the field path can get here: a folio with listed pins is pinned
		 * and cannot be reused.)
		 */
		if (!ret && unlikely(folio_test_large(folio))) {
			exact_sub_units(folio, refs, write ? refs : 0);
			return -EAGAIN;
		}
		return ret;
	}
	ret = exact_pin_large(folio, refs, write);
	if (!ret && unlikely(!folio_test_large(folio))) {
		/* Only the unit path can get here: the partial path checked. */
		exact_sub_units(folio, 1, write ? 1 : 0);
		return -EAGAIN;
	}
	return ret;
}

static enum exact_kind unpin_kind(unsigned int gup_flags)
{
	if (!(gup_flags & PIN_UNPIN_KNOWN))
		return KIND_UNKNOWN;
	return gup_flags & PIN_FOLL_WRITE ? KIND_WRITE : KIND_RO;
}

static __attribute__((noinline, cold)) void exact_unpin_slow(struct folio *folio, int refs,
							      enum exact_kind kind)
{
	if (refs <= 0)
		return;
	if (folio_test_large(folio))
		exact_unpin_large(folio, refs, kind);
	else
		exact_unpin_small(folio, refs, kind);
}

/* exact's pin of a small folio in struct pin_small_code's terms. */
#define EXACT_SMALL_PIN {						\
	.one = EXACT_PIN_ONE,						\
	.field = EXACT_PIN_SAT << EXACT_PIN_SHIFT,			\
	.wshift = EXACT_WPIN_SHIFT - EXACT_PIN_SHIFT,			\
}
static const struct pin_small_code exact_small = EXACT_SMALL_PIN;
_Static_assert(EXACT_PIN_ONE == PIN_INLINE_FIELD_ONE &&
	       EXACT_PIN_SAT << EXACT_PIN_SHIFT == PIN_INLINE_FIELD_MASK &&
	       EXACT_WPIN_SHIFT - EXACT_PIN_SHIFT == PIN_INLINE_FIELD_WSHIFT,
	       "GUP's batch takes exact's small-folio pin inline (pin/tracker.h)");

/*
 * GUP-fast's per-page case, one pin of a small folio, is the CAS GUP's batch
 * does inline (struct pin_batch); every other case is out of line.
 */
static int exact_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	int ret;

	if (unlikely(refs != 1 || folio_test_large(folio)))
		return exact_try_pin_slow(folio, refs, gup_flags);
	ret = pin_small_field_pin(&exact_small, folio, gup_flags);
	if (unlikely(ret > 0))
		return exact_try_pin_slow(folio, refs, gup_flags);
	if (ret || likely(!folio_test_large(folio)))
		return ret;
	/* Reused as a large folio before our CAS (see exact_try_pin_slow): undo, retry slow. */
	pin_small_field_undo(&exact_small, folio, gup_flags);
	return -EAGAIN;
}

static inline __attribute__((always_inline)) void exact_unpin_kind(struct folio *folio, int refs,
							   enum exact_kind kind)
{
	if (unlikely(refs != 1 || folio_test_large(folio)) ||
	    unlikely(!pin_small_field_unpin(&exact_small, folio, kind == KIND_WRITE)))
		exact_unpin_slow(folio, refs, kind);
}

static void exact_unpin(struct folio *folio, int refs)
{
	exact_unpin_kind(folio, refs, KIND_UNKNOWN);
}

static void exact_unpin_flags(struct folio *folio, int refs, unsigned int gup_flags)
{
	exact_unpin_kind(folio, refs, unpin_kind(gup_flags));
}

static bool exact_maybe_dma_pinned(struct folio *folio)
{
	if (pin_field(atomic_load_explicit(&folio->_refcount, memory_order_seq_cst)))
		return true;
	return folio_test_large(folio) &&
	       tail_pins(atomic_load_explicit(&folio->_pincount, memory_order_seq_cst));
}

static bool exact_maybe_dma_pinned_writable(struct folio *folio)
{
	if (wpin_field(atomic_load_explicit(&folio->_refcount, memory_order_seq_cst)))
		return true;
	return folio_test_large(folio) &&
	       tail_wpins(atomic_load_explicit(&folio->_pincount, memory_order_seq_cst));
}

static long exact_pincount(struct folio *folio)
{
	int p = pin_field(atomic_load_explicit(&folio->_refcount, memory_order_seq_cst));

	if (folio_test_large(folio))
		return (long)p * folio_nr_pages(folio) +
		       tail_pins(atomic_load_explicit(&folio->_pincount, memory_order_seq_cst));
	return p == EXACT_PIN_SAT ? p + ovf_pins(folio) : p;
}

/* A lower bound of the _refcount references @pins pins hold, for the debug mode's checks. */
static long exact_pin_refs(struct folio *folio, long pins)
{
	if (folio_test_large(folio))
		return pins;
	/* Listed pins hold their references in the overflow entry. */
	return (pins < EXACT_PIN_SAT ? pins : EXACT_PIN_SAT) * EXACT_PIN_ONE;
}

/* A previous machine's entries name folios of a mem_map that is gone. */
static void exact_ovf_sync_boot(void)
{
	unsigned int gen = atomic_load(&mm_boot_generation);

	if (exact_ovf_boot == gen)
		return;
	for (int i = 0; i < EXACT_OVF_BUCKETS; i++) {
		struct exact_ovf_bucket *b = &exact_ovf[i];

		pthread_mutex_lock(&b->lock);
		while (b->head) {
			struct exact_ovf *e = b->head;

			b->head = e->next;
			free(e);
			atomic_fetch_sub(&exact_ovf_entries, 1);
		}
		pthread_mutex_unlock(&b->lock);
	}
	exact_ovf_boot = gen;
}

static int exact_enable(void)
{
	exact_ovf_sync_boot();
	/* Nothing pinned (pin_tracker_set checked): only spilled references may be listed. */
	WRITE_ONCE(folio_ref_spill_hook, exact_ref_spill);
	WRITE_ONCE(folio_ref_refill_hook, exact_ref_refill);
	WRITE_ONCE(folio_ref_refill_bit, (unsigned int)EXACT_SPILLED);
	WRITE_ONCE(folio_ref_spill_mask, EXACT_SPILL_MASK);
	return 0;
}

static void exact_disable(void)
{
	WRITE_ONCE(folio_ref_spill_mask, ~0u);
	WRITE_ONCE(folio_ref_refill_bit, 0u);
	WRITE_ONCE(folio_ref_spill_hook, NULL);
	WRITE_ONCE(folio_ref_refill_hook, NULL);
}

long exact_overflow_entries(void)
{
	return atomic_load(&exact_ovf_entries);
}

PIN_TRACKER(95, exact_tracker) = {
	.name = "exact",
	.summary = "pinmm: exact pins in _refcount's top bits (small and whole large folios), _pincount for partial, writable counts",
	.try_pin = exact_try_pin,
	.unpin = exact_unpin,
	.unpin_flags = exact_unpin_flags,
	.maybe_dma_pinned = exact_maybe_dma_pinned,
	.maybe_dma_pinned_writable = exact_maybe_dma_pinned_writable,
	.pincount = exact_pincount,
	.pin_refs = exact_pin_refs,
	.small_pin = EXACT_SMALL_PIN,
	.enable = exact_enable,
	.disable = exact_disable,
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
