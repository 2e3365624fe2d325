/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `lru` tracker: John Hubbard's July 2018 RFC (and its October repost),
 * the first series that tracked dma-pinned pages. struct page had no room, but a page under DMA
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
 * What it costs: a per-zone lock around every pin and unpin (the series'
 * zone_gup_lock, "mm: introduce zone_gup_lock, for dma-pinned pages"),
 * which the "already marked? else isolate and mark" step needs to be atomic
 * against the last unpin, and the LRU lock on every first pin and last unpin.
 * What it cannot do: mark a page that is not on an LRU at the moment of the
 * first pin, because then ->lru belongs to someone else:
 *  - a page that reclaim or migration has isolated (its ->lru links it on
 *    their private list; PG_lru is clear, as for a page on no list at all);
 *  - a hugetlb folio, private or shared: never on an LRU, its ->lru links it
 *    on the hstate's list of pages in use (hugepage_activelist);
 *  - a ZONE_DEVICE page, never on an LRU, whose ->lru words are pgmap and
 *    zone_device_data: John Hubbard's "HMM has done an efficient job of
 *    mopping up unused fields, and now we are completely out of space"
 *    (seed 001), the reason the field tracker was proposed next.
 * Such a pin is taken as a plain reference, as before the RFC, and the page
 * reads as not pinned (folio_maybe_dma_pinned() false) for as long as the
 * device holds it: scenario 14a shows it on fsdax, 18a on a private hugetlb
 * page that fork() then shares, tests/fs/test_pin_lru.c for an isolated page. Worse, a later tracked pin of the same page is released
 * by the untracked pin's unpin: the design cannot tell them apart.
 * The November repost marks such pages anyway: lru-nov2018, at the end.
 */
#include <pthread.h>
#include <stdint.h>
#include <pinmm/mem/hugetlb.h>
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

static bool nov_flag_test(const struct folio *folio);

bool folio_lru_dma_pinned(const struct folio *folio)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	if (t == &lru_tracker)
		return lru_flag_test(folio);
	return t == &lru_nov2018_tracker && nov_flag_test(folio);
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

/*
 * The November 2018 repost (v2, "mm: track gup pages with page->dma_pinned_*
 * fields", 10 Nov 2018) changed one thing in pin_page_for_dma(): a page that
 * isolate_lru_page() could not take off an LRU is marked anyway, and a second
 * flag, PageDmaPinnedWasLru, says whether the last put_user_page() must put it
 * back. That tracks what the July series could not (a DAX page now reads
 * pinned), and it writes the flag and the count into ->lru whoever owns it.
 * On a ZONE_DEVICE page ->lru.next is pgmap and the first half of ->lru.prev
 * is zone_device_data: SetPageDmaPinned() is a set_bit() on the pgmap pointer
 * and atomic_set(&page->dma_pinned_count, 1) overwrites zone_device_data. For
 * as long as the page is pinned, everything that follows page->pgmap (the
 * pgmap->type tests of put_page() and of GUP, the free and idle callbacks
 * through pgmap->ops) follows pgmap + 4. The last put_user_page() clears the
 * bit, which gives pgmap back; zone_device_data keeps the count's 0 in its
 * low half for good. John Hubbard had said it in July: "page->dma_pinned_flags,
 * at least starting at bit 1, are safe to look at due to pointer alignment,
 * but now you cannot atomically count" (the count word is not his to write),
 * and in December (seed 001): "HMM has done an efficient job of mopping up
 * unused fields".
 *
 * The flags are bit numbers, as the patch's test_bit()/set_bit() took them:
 * PAGE_DMA_PINNED (2) is bit 2, value 0x4, and PAGE_DMA_PINNED_WAS_LRU (4) is
 * bit 4. The count is the patch's atomic_t, the first 32 bits of lru.prev.
 *
 * Model: a page reclaim or migration has isolated is on their private list,
 * linked through the same ->lru, and a hugetlb folio on the hstate's: the
 * patch would write into that list. pinmm does not corrupt its own lists; it
 * records the BUG the kernel would hit and takes the pin as a plain
 * reference. A page on no list at all (the huge zero folio) is marked, which
 * harms nothing. What page->pgmap's readers do with the
 * overwritten pointer is checked where they load it (page_pgmap(), devmap/):
 * they record the BUG the kernel's dereference would be, instead of following it.
 */
#define NOV_PAGE_DMA_PINNED		(1UL << 2)
#define NOV_PAGE_DMA_PINNED_WAS_LRU	(1UL << 4)

static inline uint32_t *nov_dma_pinned_count(const struct folio *folio)
{
	return (uint32_t *)&folio->lru.prev;
}

static bool nov_flag_test(const struct folio *folio)
{
	return __atomic_load_n(dma_pinned_flags(folio), __ATOMIC_SEQ_CST) & NOV_PAGE_DMA_PINNED;
}

/* Isolated by the pin, under the LRU lock: ->lru is the tracker's now. */
static void nov_mark_was_lru(struct folio *folio)
{
	*nov_dma_pinned_count(folio) = 1;
	__atomic_store_n(dma_pinned_flags(folio), NOV_PAGE_DMA_PINNED | NOV_PAGE_DMA_PINNED_WAS_LRU,
			 __ATOMIC_SEQ_CST);
}

/* A page on no list: marked, with nothing to put back (PageDmaPinnedWasLru clear). */
static void nov_mark_unlisted(struct folio *folio, int refs)
{
	*nov_dma_pinned_count(folio) = (uint32_t)refs;
	__atomic_store_n(dma_pinned_flags(folio), NOV_PAGE_DMA_PINNED, __ATOMIC_SEQ_CST);
}

static void nov_unmark(struct folio *folio)
{
	*nov_dma_pinned_count(folio) = 0;
	__atomic_store_n(dma_pinned_flags(folio), 0UL, __ATOMIC_SEQ_CST);
}

static int nov_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	const struct pin_lru_ops *ops = READ_ONCE(pin_lru_ops);
	pthread_mutex_t *lock;

	(void)gup_flags;
	if (refs <= 0)
		return -EINVAL;
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	lock = &zone_gup_lock[folio_zonenum(folio)];
	pthread_mutex_lock(lock);
	if (nov_flag_test(folio)) {
		*nov_dma_pinned_count(folio) += (uint32_t)refs;
	} else if (ops && ops->isolate(folio, nov_mark_was_lru)) {
		*nov_dma_pinned_count(folio) = (uint32_t)refs;
	} else if (folio_is_zone_device(folio)) {
		/* atomic_set(&page->dma_pinned_count, 1); SetPageDmaPinned(page): over zone_device_data and pgmap. */
		atomic_store(&zone_device_lru_written, true);
		*nov_dma_pinned_count(folio) = (uint32_t)refs;
		__atomic_fetch_or(dma_pinned_flags(folio), NOV_PAGE_DMA_PINNED, __ATOMIC_SEQ_CST);
		mm_trace("lru_nov2018_pin_zone_device", "pfn=%#lx pgmap now %#lx",
			 folio_pfn(folio), *dma_pinned_flags(folio));
	} else if (ops && ops->lru_unused(folio)) {
		/*
		 * On no list at all: the words the patch writes are nobody's,
		 * and the mark is harmless. Model: it stores the flag word
		 * whole, where the patch set_bit()s on the list poison.
		 */
		nov_mark_unlisted(folio, refs);
	} else if (folio_test_hugetlb(folio)) {
		/* Model: as below; the kernel writes into the hstate's list of pages in use. */
		mm_event(MM_EV_BUG, &folio->page,
			 "lru-nov2018: pin of hugetlb pfn %#lx, on no LRU: SetPageDmaPinned() writes into the list_head that links it on the hstate's active list",
			 folio_pfn(folio));
		atomic_fetch_add(&untracked_pins, refs);
	} else {
		/* Model: see above; the kernel writes into reclaim's or migration's list. */
		mm_event(MM_EV_BUG, &folio->page,
			 "lru-nov2018: pin of pfn %#lx, isolated by reclaim or migration: SetPageDmaPinned() writes into the list_head that links it on their list",
			 folio_pfn(folio));
		atomic_fetch_add(&untracked_pins, refs);
	}
	pthread_mutex_unlock(lock);
	return 0;
}

/* put_user_page(): the count first, the flags when it reaches 0. */
static void nov_unpin(struct folio *folio, int refs)
{
	const struct pin_lru_ops *ops = READ_ONCE(pin_lru_ops);
	pthread_mutex_t *lock = &zone_gup_lock[folio_zonenum(folio)];

	pthread_mutex_lock(lock);
	if (!nov_flag_test(folio)) {
		/* Model: the patch decrements ->lru.prev whatever it is (here, a list pointer). */
		mm_event(MM_EV_BUG, &folio->page,
			 "lru-nov2018: put_user_page() of pfn %#lx, never marked: atomic_dec_and_test() on its ->lru.prev",
			 folio_pfn(folio));
	} else if (*nov_dma_pinned_count(folio) > (uint32_t)refs) {
		*nov_dma_pinned_count(folio) -= (uint32_t)refs;
	} else if (!folio_is_zone_device(folio) &&
		   (*dma_pinned_flags(folio) & NOV_PAGE_DMA_PINNED_WAS_LRU)) {
		if (ops)
			ops->putback(folio, nov_unmark);
		else
			nov_unmark(folio);
	} else if (!folio_is_zone_device(folio)) {
		nov_unmark(folio);	/* marked on no list: nothing to put back */
	} else {
		/* ClearPageDmaPinned(): clear_bit() gives a ZONE_DEVICE page its pgmap back ... */
		*nov_dma_pinned_count(folio) = 0;
		__atomic_fetch_and(dma_pinned_flags(folio), ~NOV_PAGE_DMA_PINNED, __ATOMIC_SEQ_CST);
		/*
		 * ... unless PageDmaPinnedWasLru(), which reads bit 4 of it, finds
		 * the pointer's own bit 4 set: ClearPageDmaPinnedWasLru() clears it
		 * (pgmap now points 16 bytes early) and putback_lru_page() puts the
		 * device page on an LRU, whose list_add() writes over both words.
		 * Model: that list_add() is not done (pinmm's lists stay sound);
		 * the BUG is recorded and the wrong pgmap left for its readers.
		 */
		if (*dma_pinned_flags(folio) & NOV_PAGE_DMA_PINNED_WAS_LRU) {
			__atomic_fetch_and(dma_pinned_flags(folio), ~NOV_PAGE_DMA_PINNED_WAS_LRU,
					   __ATOMIC_SEQ_CST);
			mm_event(MM_EV_BUG, &folio->page,
				 "lru-nov2018: put_user_page() of ZONE_DEVICE pfn %#lx: PageDmaPinnedWasLru() read bit 4 of pgmap; cleared, pgmap %#lx; putback_lru_page() of a device page",
				 folio_pfn(folio), *dma_pinned_flags(folio));
		}
	}
	pthread_mutex_unlock(lock);
	folio_put_refs(folio, refs);
}

static bool nov_maybe_dma_pinned(struct folio *folio)
{
	return nov_flag_test(folio);
}

static long nov_pincount(struct folio *folio)
{
	pthread_mutex_t *lock = &zone_gup_lock[folio_zonenum(folio)];
	long n = 0;

	pthread_mutex_lock(lock);
	if (nov_flag_test(folio))
		n = (long)*nov_dma_pinned_count(folio);
	pthread_mutex_unlock(lock);
	return n;
}

PIN_TRACKER(321, lru_nov2018_tracker) = {
	.name = "lru-nov2018",
	.summary = "Nov 2018 RFC repost: as lru, but a page on no LRU is marked anyway (a ZONE_DEVICE page's pgmap and zone_device_data)",
	.try_pin = nov_try_pin,
	.unpin = nov_unpin,
	.maybe_dma_pinned = nov_maybe_dma_pinned,
	.pincount = nov_pincount,
	.pin_refs = lru_pin_refs,
	.bytes_per_page = 0,
};

PIN_PRESET(321, lru_nov2018_preset) = {
	.name = "lru-nov2018",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "lru-nov2018",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the Nov 2018 repost of the lru RFC (marks pages on no LRU too) on the newest release's mm, bounce writeback",
};

