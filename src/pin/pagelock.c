/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `pagelock` tracker: John Hubbard's plan A (seed 004). "I'll even go as
 * far as recommending the page lock itself ... we *must* hold off
 * page_mkclean(), and I believe that this ... is *much* easier to verify
 * correct." The pin is counted where the `mapcount` tracker counts it (the
 * head page's _mapcount, and PagePin), so that the synchronisation is the
 * only difference between the two: a pin is recorded only under the folio
 * lock, which page_mkclean() and writeback hold, so page_mkclean() reads a
 * count nothing can raise under it and never needs to toggle PagePin.
 *
 * GUP cannot take the folio lock inside GUP-fast's lockless walk, nor under
 * the page-table lock where the slow path finds the page (page_mkclean()'s
 * walk takes that lock inside the folio lock). So try_pin takes only the
 * references, and GUP's post-pass (gup/post.c, "as a post pass before
 * GUP_fast return and after reenabling preempt", Jérôme) locks each folio,
 * checks the PTE still maps the page as it did, and calls pin_post. Model:
 * the thread leaves that check open; without it a post-pass that waited for
 * writeback records a pin on a folio just written clean and write-protected
 * (models/pagelock.broken-no-recheck.pml). Unpinning is lockless: a
 * page_mkclean() racing it sees a false positive at worst.
 */
#include <limits.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>

static __thread struct {
	struct folio *folio;
	int count;
} pl_state;

/* The references only; pin_post records the pins under the folio lock. */
static int pagelock_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	if (refs <= 0)
		return -EINVAL;
	if (atomic_load_explicit(&folio->_mapcount, memory_order_relaxed) > INT_MAX / 2 - refs)
		return -ENOMEM;
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	return 0;
}

static void pagelock_pin_post(struct folio *folio, int refs, unsigned int gup_flags)
{
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	atomic_fetch_add_explicit(&folio->_mapcount, refs, memory_order_relaxed);
	if (!folio_test_dma_pinned(folio))
		set_bit(PG_dma_pinned, &folio->flags);
}

static void pagelock_unpin(struct folio *folio, int refs)
{
	int old = atomic_fetch_sub_explicit(&folio->_mapcount, refs, memory_order_relaxed);

	VM_BUG_ON_FOLIO(old + 1 < refs, folio);
	folio_put_refs(folio, refs);
}

static bool pagelock_maybe_dma_pinned(struct folio *folio)
{
	return folio_test_dma_pinned(folio);
}

static long pagelock_pincount(struct folio *folio)
{
	return -1;
}

/* Under the folio lock no pin can be recorded: one plain read is enough. */
static void pagelock_mkclean_begin(struct folio *folio)
{
	pl_state.folio = folio;
	pl_state.count = atomic_load_explicit(&folio->_mapcount, memory_order_relaxed) + 1;
}

static bool pagelock_mkclean_end(struct folio *folio, int mapped)
{
	if (pl_state.folio != folio)
		return false;
	pl_state.folio = NULL;
	/* No pin left: the hint goes, still under the lock, so no one sees it toggle. */
	if (pl_state.count <= mapped && folio_test_dma_pinned(folio))
		clear_bit(PG_dma_pinned, &folio->flags);
	return false;
}

PIN_TRACKER(410, pagelock_tracker) = {
	.name = "pagelock",
	.summary = "seed 004, Hubbard's plan A: pins in _mapcount + PagePin, recorded under the folio lock",
	.try_pin = pagelock_try_pin,
	.pin_post = pagelock_pin_post,
	.unpin = pagelock_unpin,
	.maybe_dma_pinned = pagelock_maybe_dma_pinned,
	.pincount = pagelock_pincount,
	.mkclean_begin = pagelock_mkclean_begin,
	.mkclean_end = pagelock_mkclean_end,
};

PIN_PRESET(410, pagelock_preset) = {
	.name = "pagelock",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "pagelock",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the pagelock tracker (seed 004, plan A) on the newest release's mm, bounce writeback",
};
