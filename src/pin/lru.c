/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `lru` tracker: John Hubbard's July 2018 RFC, the first series that
 * tracked dma-pinned pages. struct page had no room, but a page under DMA
 * need not be on an LRU list: reclaim cannot do anything useful with it anyway. So the
 * first pin takes the page off its LRU (isolate_lru_page()) and the freed
 * list_head carries the tracking, the flags word over page->lru.next and the
 * count over page->lru.prev; the last unpin clears them and puts the page
 * back (putback_lru_page()). Every LRU add path must then refuse a page in
 * that state, or the list code would overwrite the count.
 *
 * The flag is bit 1 of lru.next: bit 0 of that word is compound_head's tail
 * bit, which page_folio() reads locklessly; a list pointer or a pgmap
 * pointer always has bit 1 clear (Matthew Wilcox weighed exactly these bits
 * in seed 001, "page->lru.next bit 1. This requires some care because m68k
 * allows misaligned pointers").
 *
 * What it costs: a per-zone lock around every pin and unpin, which the
 * "already marked? else isolate and mark" step needs to be atomic against
 * the last unpin (Model: how the RFC serialised it is not in the seeds; a
 * zone lock is the least that works), and the LRU lock on every first pin
 * and last unpin.
 * What it cannot do: mark a page that is not on an LRU at the moment of the
 * first pin, because then ->lru belongs to someone else:
 *  - a page that reclaim or migration has isolated (its ->lru links it on
 *    their private list; PG_lru is clear, as for a page on no list at all);
 *  - a ZONE_DEVICE page, never on an LRU, whose ->lru words are pgmap and
 *    zone_device_data: John Hubbard's "HMM has done an efficient job of
 *    mopping up unused fields, and now we are completely out of space"
 *    (seed 001), the reason the field tracker was proposed next.
 * Such a pin is taken as a plain reference, as before the RFC, and the page
 * reads as not pinned (folio_maybe_dma_pinned() false) for as long as the
 * device holds it: scenario 14a shows it on fsdax, tests/fs/test_pin_lru.c for
 * an isolated page. Worse, a later tracked pin of the same page is released
 * by the untracked pin's unpin: the design cannot tell them apart.
 */
#include <pthread.h>
#include <pinmm/pin/lru.h>
#include <pinmm/pin/trackers.h>
#include <pinmm/pin/preset.h>

const struct pin_lru_ops *pin_lru_ops;

#define PAGE_DMA_PINNED		0x2UL

static pthread_mutex_t zone_gup_lock[MAX_NR_ZONES] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};
_Static_assert(MAX_NR_ZONES == 3, "one zone_gup_lock initialiser per zone");

static atomic_long untracked_pins;

static inline unsigned long *dma_pinned_flags(const struct folio *folio)
{
	return (unsigned long *)&folio->lru.next;
}

static inline unsigned long *dma_pinned_count(const struct folio *folio)
{
	return (unsigned long *)&folio->lru.prev;
}

static inline bool lru_flag_test(const struct folio *folio)
{
	return __atomic_load_n(dma_pinned_flags(folio), __ATOMIC_SEQ_CST) & PAGE_DMA_PINNED;
}

bool folio_lru_dma_pinned(const struct folio *folio)
{
	return READ_ONCE(pin_config.tracker) == &lru_tracker && lru_flag_test(folio);
}

long lru_pins_untracked(void)
{
	return atomic_load(&untracked_pins);
}

/* Called by the LRU owner under the LRU lock, the folio just taken off its list. */
static void lru_mark(struct folio *folio)
{
	*dma_pinned_count(folio) = 0;
	__atomic_store_n(dma_pinned_flags(folio), PAGE_DMA_PINNED, __ATOMIC_SEQ_CST);
}

/* Under the LRU lock, before the folio goes back: ->lru is the list's again. */
static void lru_unmark(struct folio *folio)
{
	*dma_pinned_count(folio) = 0;
	/* A head page's compound_head: bit 0 clear. */
	__atomic_store_n(dma_pinned_flags(folio), 0UL, __ATOMIC_SEQ_CST);
}

static int lru_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	const struct pin_lru_ops *ops = READ_ONCE(pin_lru_ops);
	pthread_mutex_t *lock;

	if (refs <= 0)
		return -EINVAL;
	/* The reference first: the folio cannot be freed while we look at ->lru. */
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	lock = &zone_gup_lock[folio_zonenum(folio)];
	pthread_mutex_lock(lock);
	if (lru_flag_test(folio)) {
		*dma_pinned_count(folio) += (unsigned long)refs;
	} else if (ops && ops->isolate(folio, lru_mark)) {
		*dma_pinned_count(folio) = (unsigned long)refs;
	} else {
		/* Not on an LRU: ->lru is not ours to write. A plain reference. */
		atomic_fetch_add(&untracked_pins, refs);
		mm_trace("lru_pin_untracked", "pfn=%#lx refs=%d", folio_pfn(folio), refs);
	}
	pthread_mutex_unlock(lock);
	return 0;
}

static void lru_unpin(struct folio *folio, int refs)
{
	const struct pin_lru_ops *ops = READ_ONCE(pin_lru_ops);
	pthread_mutex_t *lock = &zone_gup_lock[folio_zonenum(folio)];

	pthread_mutex_lock(lock);
	if (lru_flag_test(folio)) {
		unsigned long *count = dma_pinned_count(folio);

		/*
		 * More unpins than the count knows of: some of these pins were
		 * untracked (or this is a double unpin). The design cannot tell,
		 * and drops the tracking of whatever pin is left.
		 */
		if (*count > (unsigned long)refs)
			*count -= (unsigned long)refs;
		else if (ops)
			ops->putback(folio, lru_unmark);
		else
			lru_unmark(folio);
	}
	pthread_mutex_unlock(lock);
	folio_put_refs(folio, refs);
}

static bool lru_maybe_dma_pinned(struct folio *folio)
{
	return lru_flag_test(folio);
}

static long lru_pincount(struct folio *folio)
{
	pthread_mutex_t *lock = &zone_gup_lock[folio_zonenum(folio)];
	long n = 0;

	pthread_mutex_lock(lock);
	if (lru_flag_test(folio))
		n = (long)*dma_pinned_count(folio);
	pthread_mutex_unlock(lock);
	return n;
}

static long lru_pin_refs(struct folio *folio, long pins)
{
	return pins;
}

PIN_TRACKER(320, lru_tracker) = {
	.name = "lru",
	.summary = "Jul 2018 RFC: pinned pages leave the LRU; flag and count reuse page->lru",
	.try_pin = lru_try_pin,
	.unpin = lru_unpin,
	.maybe_dma_pinned = lru_maybe_dma_pinned,
	.pincount = lru_pincount,
	.pin_refs = lru_pin_refs,
	/* Nothing: the words are the list_head's. */
	.bytes_per_page = 0,
};

PIN_PRESET(320, lru_preset) = {
	.name = "lru",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "lru",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the lru tracker on the newest release's mm, bounce writeback",
};
