/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `bias` tracker: mainline since 5.7, in its folio form since 5.19/6.x.
 *
 * A small folio records a pin by adding GUP_PIN_COUNTING_BIAS to _refcount, so
 * folio_maybe_dma_pinned() is "_refcount >= 1024": a folio with a thousand plain
 * references reads as pinned, which is the false positive mainline accepts to
 * keep struct page at 64 bytes. A large folio has room in its first tail page:
 * _pincount counts pins exactly and _refcount gets one reference per pin.
 *
 * Ordering. GUP-fast takes the pin, then re-reads the PTE and backs out if it
 * changed; page_mkclean()/try_to_unmap() change the PTE (and flush) first and
 * read folio_maybe_dma_pinned() after. Both sides are "write one location, then
 * read the other", so the pin must be globally visible before the re-read and
 * the check must not be satisfied from before the PTE change: every update here
 * is a fully ordered RMW and the checks are seq_cst loads, so at least one side
 * sees the other (GUP-fast backs out, or the writer sees the pin).
 */
#include <limits.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>

/*
 * Does @folio count its pins in _pincount? Large folios do since 47e29d32afba
 * (large-pincount); 3faa52c03f44, the FOLL_PIN commit just before it, counted
 * a huge page's pins as a small page's: GUP_PIN_COUNTING_BIAS each on the
 * head's _refcount. Both went into 5.7, so no release preset has one without
 * the other: only kernel_override() shows the state between them.
 */
static inline bool bias_has_pincount(struct folio *folio)
{
	return folio_test_large(folio) && kernel_has(KSW_LARGE_PINCOUNT);
}

static int bias_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	if (refs <= 0)
		return -EINVAL;

	/*
	 * A small folio gets its whole bias in one RMW. Model: mainline takes one
	 * reference per pin first and adds the remaining 1023 in a second RMW, so
	 * that it asks "large?" only once the folio cannot be freed and reused
	 * under it. Asking first is as safe: if the folio was freed and came back
	 * as (part of) a large folio before our add, the check after it sees the
	 * head flag and the accounting is converted to the large-folio form, which
	 * our references keep stable. Same outcome, one locked instruction less.
	 */
	if (!bias_has_pincount(folio)) {
		if ((long)refs > INT_MAX / (long)GUP_PIN_COUNTING_BIAS)
			return -ENOMEM;
		if (!folio_ref_try_add(folio, refs * (int)GUP_PIN_COUNTING_BIAS))
			return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
		if (likely(!bias_has_pincount(folio)))
			return 0;
		folio_ref_sub(folio, refs * (int)(GUP_PIN_COUNTING_BIAS - 1));
		atomic_fetch_add_explicit(&folio->_pincount, refs, memory_order_seq_cst);
		return 0;
	}

	if (!folio_ref_try_add(folio, refs))
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	if (unlikely(!bias_has_pincount(folio))) {
		/* It was split or freed and reused as a small folio: add the rest. */
		if ((long)refs > INT_MAX / (long)(GUP_PIN_COUNTING_BIAS - 1) ||
		    !folio_ref_try_add(folio, refs * (int)(GUP_PIN_COUNTING_BIAS - 1))) {
			folio_put_refs(folio, refs);
			return -ENOMEM;
		}
		return 0;
	}
	/* _pincount is bounded by _refcount (each pin holds a reference). */
	atomic_fetch_add_explicit(&folio->_pincount, refs, memory_order_seq_cst);
	return 0;
}

static void bias_unpin(struct folio *folio, int refs)
{
	if (bias_has_pincount(folio)) {
		int old = atomic_fetch_sub_explicit(&folio->_pincount, refs,
						    memory_order_seq_cst);

		VM_BUG_ON_FOLIO(old < refs, folio);
		folio_put_refs(folio, refs);
		return;
	}
	folio_put_refs(folio, refs * (int)GUP_PIN_COUNTING_BIAS);
}

static bool bias_maybe_dma_pinned(struct folio *folio)
{
	if (bias_has_pincount(folio))
		return atomic_load_explicit(&folio->_pincount, memory_order_seq_cst) > 0;
	/*
	 * Unsigned, as mainline: a refcount gone negative must not read as
	 * "not pinned".
	 */
	return (unsigned int)atomic_load_explicit(&folio->_refcount, memory_order_seq_cst) >=
	       GUP_PIN_COUNTING_BIAS;
}

static long bias_pincount(struct folio *folio)
{
	if (bias_has_pincount(folio))
		return atomic_load_explicit(&folio->_pincount, memory_order_seq_cst);
	/* refcount / 1024 would count heavily referenced folios as pinned. */
	return -1;
}

static long bias_pin_refs(struct folio *folio, long pins)
{
	return bias_has_pincount(folio) ? pins : pins * (long)GUP_PIN_COUNTING_BIAS;
}

PIN_TRACKER(90, bias_tracker) = {
	.name = "bias",
	.summary = "mainline: +1024 on _refcount for small folios, exact _pincount for large",
	.try_pin = bias_try_pin,
	.unpin = bias_unpin,
	.maybe_dma_pinned = bias_maybe_dma_pinned,
	.pincount = bias_pincount,
	.pin_refs = bias_pin_refs,
	.small_pin = { .one = GUP_PIN_COUNTING_BIAS },
};

/*
 * Mainline's tracker on the design footing (bounce writeback, so the tracker
 * is the only variable): the column the exact design is compared with, and
 * where bias's false positives cost what they cost (scenario 15a).
 */
PIN_PRESET(210, bias_preset) = {
	.name = "bias",
	.family = PRESET_DESIGN,
	.kernel = NULL,
	.tracker = "bias",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_BOUNCE,
	.summary = "mainline's bias tracker with bounce writeback: the design the exact tracker is measured against",
};
