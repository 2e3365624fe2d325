/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exact: pinmm's tracker (src/pin/exact.c) against page_mkclean() and
 * try_to_unmap(), and its one two-word update, the large-folio conversion.
 *
 * 1. GUP-fast reads the PTE locklessly, takes the pin with one CAS on
 *    _refcount (EXACT_PIN_ONE into the pin field P, and the write bit W for a
 *    FOLL_WRITE pin), re-reads the PTE and backs out (CAS P down, W cleared
 *    with the last pin) if it changed. page_mkclean() write-protects the PTE
 *    (a CAS) and flushes the TLB, then writeback asks folio_maybe_dma_pinned()
 *    (P != 0) and folio_maybe_dma_pinned_writable() (W) to decide whether to
 *    bounce and whether to keep the folio dirty; try_to_unmap() clears the
 *    PTE, flushes, asks P and restores the PTE if pinned. Store buffering on
 *    both sides: each needs a full barrier between its write and its read.
 *
 * 2. Unpinning part of a whole-folio pin of a large folio moves the unit in
 *    P into folio_nr_pages() pins in _pincount (T): T is raised first, then P
 *    lowered. A concurrent folio_maybe_dma_pinned() reads P, then T.
 *
 * Memory model: every statement is one access performed at once (x86 and
 * ARMv8 are multi-copy atomic). Accesses that no barrier orders are written in
 * every order the hardware may perform them; a full barrier (a value-returning
 * atomic such as the CAS, the TLB flush, a lock) allows no reordering across
 * it. The reader's two loads are seq_cst (in the kernel: two READ_ONCE()s
 * after the locked folio_mkclean(), ordered by its flush); the converter's two
 * updates are CASes, each fully ordered.
 *
 * Properties (no false negative, no lost write bit): no pin GUP returned is
 * live while writeback writes the folio as clean and unpinned, or after
 * try_to_unmap() let it go; a writable pin is never live while writeback
 * decided the folio need not stay dirty; during the conversion every reader
 * sees the folio pinned; all counts balance at the end.
 */
#define PTE_W	1	/* present, writable */
#define PTE_WP	2	/* present, write-protected (page_mkclean) */
#define PTE_NONE 0	/* cleared (try_to_unmap) */
#define NR	4	/* folio_nr_pages() of the large folio in part 2 */

byte pte = PTE_W;
byte P;			/* _refcount's pin field (the references are not modelled: fixed) */
bool W;			/* _refcount's write bit */

/* ghosts */
bool pin_live;			/* GUP returned the pin: the device may use the folio */
bool written_unpinned;		/* written as clean and unpinned, still write-protected */
bool left_clean;		/* written through a stable copy, folio left clean (no W) */
bool released;			/* try_to_unmap() succeeded */
bool gup_done, writer_done;

active proctype gup_fast()
{
	byte seen, again;

	seen = pte;				/* lockless PTE read */
	if
	:: seen != PTE_W -> goto slow		/* FOLL_WRITE needs a writable PTE */
	:: else
	fi;
#ifdef UNORDERED_PIN
	/*
	 * broken: the pin as a non-value-returning atomic (atomic_add(),
	 * or a CAS the re-read may pass): no ordering against the re-read.
	 */
	if
	:: atomic { P = P + 1; W = true }; again = pte
	:: again = pte; atomic { P = P + 1; W = true }
	fi;
#else
	atomic { P = P + 1; W = true };		/* exact_pin_small(): one fully ordered CAS */
	again = pte;				/* pte_val(pte) != pte_val(ptep_get(ptep)) */
#endif
	if
	:: again == seen ->
		atomic { assert(!written_unpinned && !released && !left_clean); pin_live = true };
		/* the device writes; then unpin_user_page(): the last pin clears W */
		atomic { pin_live = false; P = P - 1; W = (P > 0) && W }
	:: else ->
		atomic { P = P - 1; W = (P > 0) && W }	/* back out */
	fi;
slow:
	gup_done = true
}

active proctype writer()
{
	bool pinned, writable;

	if
	:: /* writeback: folio_clear_dirty_for_io() -> page_mkclean(), then blkfs_writepage() */
		pte = PTE_WP;			/* ptep_modify() CAS, then flush_tlb_range() */
		atomic { pinned = (P > 0); writable = W };	/* one load of _refcount */
		if
		:: pinned && writable -> skip	/* stable copy, folio stays dirty */
		:: pinned && !writable ->	/* stable copy, folio left clean */
			atomic { assert(!pin_live); left_clean = true }
		:: !pinned -> atomic { assert(!pin_live); written_unpinned = true }
		fi
	:: /* try_to_unmap(), e.g. for migration or reclaim */
		pte = PTE_NONE;
		pinned = (P > 0);
		if
		:: pinned -> pte = PTE_W
		:: else -> atomic { assert(!pin_live); released = true }
		fi
	fi;
	writer_done = true
}

/* Part 2: one whole-folio pin (a unit, the folio's only pin), unpinned one page at a time. */
byte U = 1;		/* P of the large folio: whole-folio units */
byte T = 0;		/* _pincount: partial pins */
bool conv_done, reader_done;

active proctype converter()
{
#ifdef UNIT_FIRST
	/* broken: the unit goes before the pins that replace it are published */
	atomic { U = U - 1 };
	atomic { T = T + NR };
#else
	atomic { T = T + NR };			/* exact_break_unit(): publish first */
	atomic { U = U - 1 };			/* then drop the unit */
#endif
	atomic { T = T - 1 };			/* the partial unpin that needed it */
	conv_done = true
}

active proctype reader()
{
	byte u, t;

	/* NR - 1 pins survive the conversion: pinned throughout */
	u = U;					/* pin_field(_refcount) */
	t = T;					/* _pincount & EXACT_TAIL_MASK */
	assert(u > 0 || t > 0);
	reader_done = true
}

active proctype balance()
{
	(gup_done && writer_done && conv_done && reader_done) ->
		assert(P == 0 && !W && !pin_live && U == 0 && T == NR - 1)
}
