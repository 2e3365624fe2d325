/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `mapcount` tracker: Jérôme Glisse's protocol of January 2019 (seed 004).
 * GUP adds each pin to the head page's _mapcount and sets PagePin; page_mkclean()
 * clears PagePin, reads _mapcount, lets the rmap walk count the real mappings
 * and, if the count exceeds them, sets PagePin again. Writeback asks PagePin
 * afterwards with the folio still locked. His timelines:
 *
 *   GUP                                   page_mkclean() (folio locked)
 *   [G2] atomic_inc(&page->_mapcount)     [C1] pined = TestClearPagePin(page)
 *   [G3] smp_wmb()                        [C2] smp_mb()
 *   [G4] SetPagePin(page)                 [C3] count = page_mapcount(page)
 *                                         [C4] the rmap walk counts mappings
 *                                         [C5] if (pined && count > mappings)
 *                                                  SetPagePin(page)
 *
 * "a racing GUP will either have its pin page clear but the incremented
 * mapcount taken into account by page_mkclean() or page_mkclean() will miss
 * the incremented mapcount but it will also no clear the pin flag set
 * concurrently by any GUP." models/mapcount.pml proves it; without G3 (or
 * C2) it fails, and so does the `mapcount-nobarrier` variant below in
 * scenarios/13a-mapcount-barrier-race.pin.
 *
 * PagePin is sticky: unpin only decrements _mapcount, and the flag goes at
 * the next page_mkclean() that finds no pin (false positives in between;
 * anonymous folios are never cleaned, so theirs stays until they are freed).
 * Between C1 and C5 a pinned folio reads as unpinned: John Hubbard's observer
 * problem. Jérôme's answer is that whatever needs stable contents takes the
 * folio lock, which page_mkclean() holds across the window (see the tracker
 * test); every folio_maybe_dma_pinned() caller in the model either holds it
 * (reclaim, writeback, migration) or asks about anonymous folios, which
 * page_mkclean() never touches (fork, COW).
 *
 * Model: pins live in the head page's _mapcount, so a pinned small folio
 * reads as mapped (folio_mapped()) and its last unmap is not seen as one by
 * rmap's accounting, as in the proposal; pinmm's vm/ is not taught otherwise.
 * A large folio's folio_mapped() reads _large_mapcount (the 2019 kernel
 * summed the pages' _mapcounts), which the pins do not touch.
 */
#include <limits.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>

/*
 * What C1 and C3 found, for C5. Model: the kernel keeps these in
 * page_mkclean()'s frame; the hooks split it in two, and the folio lock keeps
 * one page_mkclean() per folio, so one slot per thread is enough.
 */
static __thread struct {
	struct folio *folio;
	bool pined;
	int count;
} mc_state;

static int mapcount_pin(struct folio *folio, int refs, bool barriers)
{
	if (refs <= 0)
		return -EINVAL;
	/* Model: a bound, not a check the proposal makes: _mapcount is an int. */
	if (atomic_load_explicit(&folio->_mapcount, memory_order_relaxed) > INT_MAX / 2 - refs)
		return -ENOMEM;
	/* The reference: a fully ordered RMW, as GUP-fast's grab is. */
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	if (barriers) {
		atomic_fetch_add_explicit(&folio->_mapcount, refs, memory_order_relaxed); /* [G2] */
		race_point(RACE_PIN, folio);
		smp_wmb();							    /* [G3] */
		set_bit(PG_dma_pinned, &folio->flags);				    /* [G4] */
		/*
		 * Model: the thread leaves open what orders the pin before
		 * GUP-fast's re-read of the PTE; neither atomic_inc() nor
		 * SetPagePin() implies a barrier, so this is an smp_mb()
		 * (models/mapcount.broken-no-recheck-mb.pml shows why).
		 */
		smp_mb();
	} else {
		/*
		 * Model: without smp_wmb() another CPU may see SetPagePin()
		 * before the increment; the variant makes its stores in that
		 * order, the one that loses the pin.
		 */
		set_bit(PG_dma_pinned, &folio->flags);
		race_point(RACE_PIN, folio);
		atomic_fetch_add_explicit(&folio->_mapcount, refs, memory_order_relaxed);
	}
	return 0;
}

static int mapcount_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	return mapcount_pin(folio, refs, true);
}

static int mapcount_nobarrier_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	return mapcount_pin(folio, refs, false);
}

/* put_user_page(): the mapcount goes, PagePin stays until page_mkclean() looks. */
static void mapcount_unpin(struct folio *folio, int refs)
{
	int old = atomic_fetch_sub_explicit(&folio->_mapcount, refs, memory_order_relaxed);

	VM_BUG_ON_FOLIO(old + 1 < refs, folio);
	folio_put_refs(folio, refs);
}

static bool mapcount_maybe_dma_pinned(struct folio *folio)
{
	return folio_test_dma_pinned(folio);
}

/* Pins and mappings share one count: only page_mkclean()'s walk tells them apart. */
static long mapcount_pincount(struct folio *folio)
{
	return -1;
}

static void mkclean_read(struct folio *folio, bool barriers)
{
	mc_state.folio = folio;
	if (barriers) {
		mc_state.pined = test_and_clear_bit(PG_dma_pinned, &folio->flags);	/* [C1] */
		smp_mb();								/* [C2] */
		mc_state.count = atomic_load_explicit(&folio->_mapcount,		/* [C3] */
						      memory_order_relaxed) + 1;
	} else {
		/* Model: without C2 the read may be performed first; the variant does so. */
		mc_state.count = atomic_load_explicit(&folio->_mapcount, memory_order_relaxed) + 1;
		mc_state.pined = test_and_clear_bit(PG_dma_pinned, &folio->flags);
	}
}

static void mapcount_mkclean_begin(struct folio *folio)
{
	mkclean_read(folio, true);
}

static void mapcount_nobarrier_mkclean_begin(struct folio *folio)
{
	mkclean_read(folio, false);
}

/* [C5]: more references to the page than the walk found mappings: a pin. */
static bool mapcount_mkclean_end(struct folio *folio, int mapped)
{
	if (mc_state.folio != folio)
		return false;
	mc_state.folio = NULL;
	if (mc_state.pined && mc_state.count > mapped)
		set_bit(PG_dma_pinned, &folio->flags);
	return false;
}

PIN_TRACKER(400, mapcount_tracker) = {
	.name = "mapcount",
	.summary = "seed 004, Glisse: pins in _mapcount + PagePin, ordered against page_mkclean by barriers",
	.try_pin = mapcount_try_pin,
	.unpin = mapcount_unpin,
	.maybe_dma_pinned = mapcount_maybe_dma_pinned,
	.pincount = mapcount_pincount,
	.mkclean_begin = mapcount_mkclean_begin,
	.mkclean_end = mapcount_mkclean_end,
};

PIN_PRESET(400, mapcount_preset) = {
	.name = "mapcount",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "mapcount",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the mapcount tracker (seed 004) on the newest release's mm, bounce writeback",
};

/* The same protocol with its barriers (G3, C2 and the re-check's) taken out. */
PIN_TRACKER(401, mapcount_nobarrier_tracker) = {
	.name = "mapcount-nobarrier",
	.summary = "mapcount without smp_wmb/smp_mb: the variant spin refutes, for the race scenarios",
	.try_pin = mapcount_nobarrier_try_pin,
	.unpin = mapcount_unpin,
	.maybe_dma_pinned = mapcount_maybe_dma_pinned,
	.pincount = mapcount_pincount,
	.mkclean_begin = mapcount_nobarrier_mkclean_begin,
	.mkclean_end = mapcount_mkclean_end,
};

PIN_PRESET(401, mapcount_nobarrier_preset) = {
	.name = "mapcount-nobarrier",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "mapcount-nobarrier",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "mapcount with its barriers removed: loses a pin that races page_mkclean",
};
