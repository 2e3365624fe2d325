/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bias: mainline's GUP-fast against page_mkclean() and try_to_unmap().
 *
 * GUP-fast reads the PTE locklessly, takes the pin (GUP_PIN_COUNTING_BIAS on
 * _refcount) with a fully ordered RMW, and reads the PTE again, backing out if
 * it changed. page_mkclean() write-protects the PTE and flushes the TLB, then
 * writeback asks folio_maybe_dma_pinned(); try_to_unmap() clears the PTE,
 * flushes, then asks the same and puts the PTE back if the folio is pinned.
 * Both sides are "write one location, then read the other" (store buffering):
 * safe only with a full barrier on each side.
 *
 * Memory model: every statement is one access performed at once (x86 and
 * ARMv8 are multi-copy atomic). Accesses that no barrier orders are written in
 * every order the hardware may perform them; a full barrier (a value-returning
 * atomic, smp_mb(), the TLB flush, a lock) allows no reordering across it.
 *
 * Property (no false negative): no pin GUP returned is live while writeback
 * writes the folio as clean and unpinned, or after try_to_unmap() let it go;
 * pins balance: every count is back at its start when both sides are done.
 */
#define BIAS	4	/* GUP_PIN_COUNTING_BIAS is 1024; 4 exceeds every plain reference here */
#define PTE_W	1	/* present, writable */
#define PTE_WP	2	/* present, write-protected (page_mkclean) */
#define PTE_NONE 0	/* cleared (try_to_unmap) */

byte pte = PTE_W;
byte refcount = 2;		/* page cache + the mapping */
bool locked;			/* the folio lock */

/* ghosts */
bool pin_live;			/* GUP returned the pin: the device may write the folio */
bool written_unpinned;		/* written as clean and unpinned, still write-protected */
bool released;			/* try_to_unmap() succeeded: the folio may be migrated or freed */
bool gup_done, writer_done;

active proctype gup_fast()
{
	byte seen, again;

	seen = pte;				/* lockless PTE read */
	if
	:: seen != PTE_W -> goto slow		/* FOLL_WRITE needs a writable PTE */
	:: else
	fi;
#ifdef RELAXED_GRAB
	/* broken: the grab as a plain atomic_add(): no ordering against the re-read */
	if
	:: refcount = refcount + BIAS; again = pte
	:: again = pte; refcount = refcount + BIAS
	fi;
#else
	refcount = refcount + BIAS;		/* try_grab_folio_fast(): fully ordered RMW */
	again = pte;				/* pte_val(pte) != pte_val(ptep_get(ptep)) */
#endif
	if
	:: again == seen ->
		atomic { assert(!written_unpinned && !released); pin_live = true };
		/* the device works; then unpin_user_page() */
		atomic { pin_live = false; refcount = refcount - BIAS }
	:: else ->
		refcount = refcount - BIAS	/* back out; the slow path faults first */
	fi;
slow:
	gup_done = true
}

active proctype writer()
{
	bool pinned;

	atomic { !locked -> locked = true };	/* folio_lock() */
	if
	:: /* writeback: folio_clear_dirty_for_io() -> page_mkclean() */
#ifdef CHECK_BEFORE_FLUSH
		/* broken: no TLB flush (full barrier) between the PTE change and the check */
		if
		:: pte = PTE_WP; pinned = (refcount >= BIAS)
		:: pinned = (refcount >= BIAS); pte = PTE_WP
		fi;
#else
		pte = PTE_WP;			/* page_mkclean_one(), then flush_tlb_range() */
		pinned = (refcount >= BIAS);	/* folio_maybe_dma_pinned() */
#endif
		if
		:: pinned -> skip		/* bounce, or keep it dirty */
		:: else -> atomic { assert(!pin_live); written_unpinned = true }
		fi
	:: /* try_to_unmap(), e.g. for migration */
		pte = PTE_NONE;			/* ptep_get_and_clear(), then the flush */
		pinned = (refcount >= BIAS);
		if
		:: pinned -> pte = PTE_W	/* pinned: restore the PTE, fail */
		:: else -> atomic { assert(!pin_live); released = true }
		fi
	fi;
	locked = false;
	writer_done = true
}

active proctype balance()
{
	(gup_done && writer_done) -> assert(refcount == 2 && !pin_live && !locked)
}
