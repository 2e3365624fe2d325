/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `get` tracker: kernels before 2019. get_user_pages() took a plain page
 * reference and the caller dropped it with put_page(); nothing anywhere could
 * tell a page under DMA from a page someone merely looked up. This is the
 * baseline every failure scenario reproduces against.
 */
#include <pinmm/pin/trackers.h>

static int get_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	if (refs <= 0)
		return -EINVAL;
	if (folio_ref_try_add(folio, refs))
		return 0;
	/* folio_ref_try_add() refuses a free folio and one that would wrap. */
	return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
}

static void get_unpin(struct folio *folio, int refs)
{
	folio_put_refs(folio, refs);
}

static bool get_maybe_dma_pinned(struct folio *folio)
{
	return false;
}

static long get_pincount(struct folio *folio)
{
	return -1;
}

static long get_pin_refs(struct folio *folio, long pins)
{
	return pins;
}

PIN_TRACKER(10, get_tracker) = {
	.name = "get",
	.summary = "pre-2019: a pin is a plain page reference; pinned pages are invisible",
	.try_pin = get_try_pin,
	.unpin = get_unpin,
	.maybe_dma_pinned = get_maybe_dma_pinned,
	.pincount = get_pincount,
	.pin_refs = get_pin_refs,
	.untracked = true,
	.small_pin = { .one = 1 },
};
