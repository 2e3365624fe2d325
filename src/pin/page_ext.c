/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `page_ext` tracker: the pin count in a side table indexed by pfn. In the
 * December 2018 thread (seed 000), after Dan Williams proposed allocating an
 * out-of-line object per pinned page, Jan Kara answered: "What you describe
 * here sounds almost like page_ext mechanism we already have? Or do you
 * really aim at per-pin allocated structure?" This is that reading: the
 * kernel's page_ext (mm/page_ext.c, the table page_owner uses) gets one more
 * client, an atomic_t per page, and struct page stays 64 bytes.
 *
 * A pin takes a page reference as get_user_pages() always did and adds to the
 * count in the head page's entry; folio_maybe_dma_pinned() is "count > 0",
 * exact for every folio size. The price is the one the thread implied: the
 * table is allocated at boot for all memory whether anything is ever pinned
 * (a flags word and the count: 12 bytes per 4 KiB page, 3 MiB per GiB, as
 * page_ext stands alone; 4 when page_owner or another client already pays for
 * the flags), and every pin and every maybe_dma_pinned() makes a lookup into
 * a table far from struct page, a second cache line per page touched.
 * `pinmm bench` measures that lookup against bias and the floor.
 *
 * Ordering: as `bias` (seq_cst RMWs, seq_cst loads).
 */
#include <pinmm/mem/page_ext.h>
#include <pinmm/pin/trackers.h>
#include <pinmm/pin/preset.h>

/* Where our counter sits in an entry (after struct page_ext's flags). */
static long pin_ext_offset = -1;

static inline atomic_int *folio_pin_ext(struct folio *folio)
{
	struct page_ext *ext = page_ext_get(&folio->page);

	return likely(ext) ? page_ext_data(ext, pin_ext_offset) : NULL;
}

static int page_ext_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	atomic_int *count = folio_pin_ext(folio);

	if (refs <= 0)
		return -EINVAL;
	/* enable() asked for the table; a boot without it is a setup error. */
	if (WARN_ON_ONCE(!count))
		return -ENOMEM;
	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	/* Bounded by _refcount: each pin holds a reference. */
	atomic_fetch_add_explicit(count, refs, memory_order_seq_cst);
	return 0;
}

static void page_ext_unpin(struct folio *folio, int refs)
{
	atomic_int *count = folio_pin_ext(folio);

	if (!WARN_ON_ONCE(!count)) {
		int old = atomic_fetch_sub_explicit(count, refs, memory_order_seq_cst);

		VM_BUG_ON_FOLIO(old < refs, folio);
	}
	folio_put_refs(folio, refs);
}

static bool page_ext_maybe_dma_pinned(struct folio *folio)
{
	atomic_int *count = folio_pin_ext(folio);

	return count && atomic_load_explicit(count, memory_order_seq_cst) > 0;
}

static long page_ext_pincount(struct folio *folio)
{
	atomic_int *count = folio_pin_ext(folio);

	return count ? atomic_load_explicit(count, memory_order_seq_cst) : -1;
}

static long page_ext_pin_refs(struct folio *folio, long pins)
{
	return pins;
}

/* The page_ext_operations need(): from now on every boot allocates the table. */
static int page_ext_enable(void)
{
	long off = page_ext_request(sizeof(atomic_int));

	if (off < 0)
		return (int)off;
	pin_ext_offset = off;
	return 0;
}

/*
 * Model: a kernel decides at boot; pinmm switches trackers between machines.
 * The running machine keeps its table until it goes down; the next one boots
 * without it.
 */
static void page_ext_disable(void)
{
	(void)page_ext_request(0);
}

PIN_TRACKER(310, page_ext_tracker) = {
	.name = "page_ext",
	.summary = "seed 000 (Jan Kara): a pin count per pfn in the page_ext side table, allocated at boot",
	.try_pin = page_ext_try_pin,
	.unpin = page_ext_unpin,
	.maybe_dma_pinned = page_ext_maybe_dma_pinned,
	.pincount = page_ext_pincount,
	.pin_refs = page_ext_pin_refs,
	.enable = page_ext_enable,
	.disable = page_ext_disable,
	/* struct page_ext's flags word and our atomic_t, for every pfn. */
	.bytes_per_page = sizeof(struct page_ext) + sizeof(atomic_int),
};

PIN_PRESET(310, page_ext_preset) = {
	.name = "page_ext",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "page_ext",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "the page_ext tracker on the newest release's mm, bounce writeback",
};
