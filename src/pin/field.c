/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `field` tracker: John Hubbard, December 2018 (seed 001). "HMM has done
 * an efficient job of mopping up unused fields, and now we are completely out
 * of space. [...] it seems clear that it's time for a single, new field":
 * `atomic_t _dma_pinned_count`, right after _refcount in struct page, commented
 * "DMA usage count. See get_user_pages*(), put_user_page*()". A pin takes a page reference, as
 * get_user_pages() always did, and adds one to the head page's
 * _dma_pinned_count; folio_maybe_dma_pinned() is "count > 0". It is exact for
 * every folio size, has no false positives and needs no flag.
 *
 * What it costs is what Matthew Wilcox answered: "Adding this field will grow
 * struct page by 4-8 bytes, so it will no longer be 64 bytes. This isn't an
 * acceptable answer." On x86-64 the 4-byte count pushes memcg_data to the next
 * 8-byte boundary, so struct page is 72 bytes: 8 bytes more per 4 KiB page
 * (2 MiB per GiB of RAM), and no struct page fits a 64-byte cache line any
 * more: each spans two, and in 6 pages of 8 flags and _refcount are in
 * different lines. `pinmm bench` measures the 72-byte build against the
 * 64-byte one (--page72). That struct page exists only in the `make PAGE=72` build
 * (build/gcc-page72/pinmm); everywhere else the tracker is listed and refused.
 *
 * Ordering: as `bias` (seq_cst RMWs, seq_cst loads), so that GUP-fast's PTE
 * re-check and page_mkclean()'s pin check cannot both miss each other.
 */
#include <limits.h>
#include <pinmm/pin/trackers.h>
#include <pinmm/pin/preset.h>

#ifdef PINMM_FIELD_TRACKER_PAGE

static int field_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	int old;

	if (refs <= 0)
		return -EINVAL;
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	/* Each pin holds a reference, so the count is bounded by _refcount. */
	old = atomic_fetch_add_explicit(&folio->_dma_pinned_count, refs, memory_order_seq_cst);
	VM_BUG_ON_FOLIO(old < 0, folio);
	return 0;
}

static void field_unpin(struct folio *folio, int refs)
{
	int old = atomic_fetch_sub_explicit(&folio->_dma_pinned_count, refs, memory_order_seq_cst);

	VM_BUG_ON_FOLIO(old < refs, folio);
	folio_put_refs(folio, refs);
}

static bool field_maybe_dma_pinned(struct folio *folio)
{
	return atomic_load_explicit(&folio->_dma_pinned_count, memory_order_seq_cst) > 0;
}

static long field_pincount(struct folio *folio)
{
	return atomic_load_explicit(&folio->_dma_pinned_count, memory_order_seq_cst);
}

static long field_pin_refs(struct folio *folio, long pins)
{
	return pins;
}

#endif /* PINMM_FIELD_TRACKER_PAGE */

PIN_TRACKER(300, field_tracker) = {
	.name = "field",
	.summary = "Dec 2018 RFC: atomic_t _dma_pinned_count in a 72-byte struct page (make PAGE=72)",
#ifdef PINMM_FIELD_TRACKER_PAGE
	.try_pin = field_try_pin,
	.unpin = field_unpin,
	.maybe_dma_pinned = field_maybe_dma_pinned,
	.pincount = field_pincount,
	.pin_refs = field_pin_refs,
#else
	.unavailable = "needs the 72-byte struct page with _dma_pinned_count: "
		       "build it with `make PAGE=72` and run build/gcc-page72/pinmm",
#endif
	/* 72 - 64: the count and the padding that re-aligns memcg_data. */
	.bytes_per_page = 8,
};

PIN_PRESET(300, field_preset) = {
	.name = "field",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "field",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the field tracker on the newest release's mm, bounce writeback (PAGE=72 build only)",
};
