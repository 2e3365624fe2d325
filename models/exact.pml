/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exact: pinmm's tracker (src/pin/exact.c) against page_mkclean() and
 * try_to_unmap(), and its one two-word update, the large-folio conversion.
 *
 * 1. GUP-fast reads the PTE locklessly, takes a FOLL_WRITE pin with one CAS
 *    on _refcount (EXACT_PIN_ONE into the pin field P, EXACT_WPIN_ONE into
 *    the writable count Wc), re-reads the PTE and backs out (a known-writable
 *    unpin: P and Wc down) if it changed. An R/O pin is held from the start
 *    and dropped at any moment by the kernel's unpin_user_page(), which does
 *    not say what it drops: Wc = min(Wc, P). The writable pin is dropped by
 *    an unpin that says it was writable (Wc - 1) or by one that does not.
 *    page_mkclean() write-protects the PTE (a CAS) and flushes the TLB, then
 *    writeback asks folio_maybe_dma_pinned() (P != 0) and
 *    folio_maybe_dma_pinned_writable() (Wc != 0) to decide whether to bounce
 *    and whether to keep the folio dirty; try_to_unmap() clears the PTE,
 *    flushes, asks P and restores the PTE if pinned. Store buffering on both
 *    sides: each needs a full barrier between its write and its read.
 *    Moving plain references in or out of the overflow table changes only
 *    _refcount's reference field, never P or Wc: not modelled.
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
 * Properties (no false negative, no lost writable pin): no pin is live while
 * writeback writes the folio as clean and unpinned, or after try_to_unmap()
 * let it go; a writable pin is never live while writeback decided the folio
 * need not stay dirty; during the conversion every reader sees the folio
 * pinned; all counts balance at the end.
 */
#define PTE_W	1	/* present, writable */
#define PTE_WP	2	/* present, write-protected (page_mkclean) */
#define PTE_NONE 0	/* cleared (try_to_unmap) */
#define NR	4	/* folio_nr_pages() of the large folio in part 2 */

byte pte = PTE_W;
byte P = 1;		/* _refcount's pin field: the R/O pin is held (references not modelled) */
byte Wc;		/* _refcount's writable count */

/* ghosts */
bool pin_live;			/* GUP returned the writable pin: the device may write the folio */
bool ro_live = true;		/* the R/O pin: the device may read it */
bool written_unpinned;		/* written as clean and unpinned, still write-protected */
bool left_clean;		/* written through a stable copy, folio left clean (no W) */
bool released;			/* try_to_unmap() succeeded */
bool gup_done, writer_done, ro_done;

/* Wc after an unpin that does not say what it dropped: a writable pin left is one of the P left. */
#define UNPIN_UNKNOWN	Wc = (Wc < P -> Wc : P)
/* Wc after an unpin that says it drops a writable pin (a count already 0: exact_bad_kind()'s WARN). */
#define KNOWN_WRITABLE	Wc = (Wc > 0 -> Wc - 1 : 0)

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
	:: atomic { P = P + 1; Wc = Wc + 1 }; again = pte
	:: again = pte; atomic { P = P + 1; Wc = Wc + 1 }
	fi;
#else
	atomic { P = P + 1; Wc = Wc + 1 };	/* exact_try_pin(): one fully ordered CAS */
	again = pte;				/* pte_val(pte) != pte_val(ptep_get(ptep)) */
#endif
	if
	:: again == seen ->
		atomic { assert(!written_unpinned && !released && !left_clean); pin_live = true };
		/* the device writes; then the unpin */
		if
		:: atomic { pin_live = false; P = P - 1; KNOWN_WRITABLE }	/* unpin_user_pages_flags(FOLL_WRITE) */
		:: atomic { pin_live = false; P = P - 1; UNPIN_UNKNOWN }	/* unpin_user_page() */
		fi
	:: else ->
		atomic { P = P - 1; KNOWN_WRITABLE }	/* back out: GUP knows its gup_flags */
	fi;
slow:
	gup_done = true
}

/* The R/O pin, dropped with the kernel's unpin_user_page() at any moment. */
active proctype ro_pinner()
{
#ifdef UNKNOWN_UNPIN_DECREMENTS
	/* broken: an unpin of unknown kind counted as the writable one's */
	atomic { ro_live = false; P = P - 1; if :: Wc > 0 -> Wc = Wc - 1 :: else fi };
#else
	atomic { ro_live = false; P = P - 1; UNPIN_UNKNOWN };
#endif
	ro_done = true
}

active proctype writer()
{
	bool pinned, writable;

	if
	:: /* writeback: folio_clear_dirty_for_io() -> page_mkclean(), then blkfs_writepage() */
		pte = PTE_WP;			/* ptep_modify() CAS, then flush_tlb_range() */
		atomic { pinned = (P > 0); writable = (Wc > 0) };	/* one load of _refcount */
		if
		:: pinned && writable -> skip	/* stable copy, folio stays dirty */
		:: pinned && !writable ->	/* stable copy, folio left clean */
			atomic { assert(!pin_live); left_clean = true }
		:: !pinned -> atomic { assert(!pin_live && !ro_live); written_unpinned = true }
		fi
	:: /* try_to_unmap(), e.g. for migration or reclaim */
		pte = PTE_NONE;
		pinned = (P > 0);
		if
		:: pinned -> pte = PTE_W
		:: else -> atomic { assert(!pin_live && !ro_live); released = true }
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
	(gup_done && writer_done && ro_done && conv_done && reader_done) ->
		assert(P == 0 && Wc == 0 && !pin_live && !ro_live && U == 0 && T == NR - 1)
}
