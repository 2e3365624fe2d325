/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pagelock: John Hubbard's plan A (seed 004). GUP records a pin only under
 * the folio lock, which page_mkclean() holds for all of writeback; GUP-fast
 * cannot sleep inside its lockless walk, so it takes plain references there
 * and records the pins in a post-pass after it, "like it would be for
 * regular GUP" (Jérôme).
 *
 *   GUP-fast walk: [P1] read the PTE, grab (fully ordered), [P2] re-read
 *   post-pass:     [P3] lock_page(); [P4] the PTE still maps the page
 *                  writable?  [P5] pins++, SetPagePin; unlock_page()
 *   writeback:     lock_page(); page_mkclean() write-protects; reads the
 *                  pin count; writes; unlock_page()
 *
 * The thread leaves [P4] open. It is needed: without it a post-pass that
 * waited for writeback records its pin on a folio writeback has just written
 * as clean and write-protected (pagelock.broken-no-recheck). Unpinning is a
 * lockless atomic_dec (a racing page_mkclean only sees a false positive).
 * Nothing toggles PagePin, so there is no observer problem.
 *
 * Memory model, property and ghosts as in bias.pml.
 */
#define PTE_W	1
#define PTE_WP	2

byte pte = PTE_W;
byte pins;
bool pinflag;
bool locked;

bool pin_live, written_unpinned, gup_done, writer_done;

active proctype gup_fast()
{
	byte seen, again;

	seen = pte;					/* [P1] */
	if
	:: seen != PTE_W -> goto slow
	:: else
	fi;
#ifdef NO_POSTPASS
	/* broken: the pin recorded inside the lockless walk, a plain atomic_inc */
	if
	:: pins++; again = pte
	:: again = pte; pins++
	fi;
	if
	:: again == seen -> skip
	:: else -> pins--; goto slow
	fi;
#else
	again = pte;					/* [P2] */
	if
	:: again != seen -> goto slow			/* drop the reference */
	:: else
	fi;
	atomic { !locked -> locked = true };		/* [P3] lock_page() */
#ifndef NO_RECHECK
	if
	:: pte != PTE_W -> locked = false; goto slow	/* [P4] */
	:: else
	fi;
#endif
	pins++; pinflag = true;				/* [P5] */
	locked = false;
#endif
	atomic { assert(!written_unpinned); pin_live = true };
	atomic { pin_live = false; pins-- };		/* unpin: atomic_dec */
slow:
	gup_done = true
}

active proctype writeback()
{
	bool pinned;

	atomic { !locked -> locked = true };
	pte = PTE_WP;					/* page_mkclean(): walk, flush */
	pinned = (pins > 0);
	if
	:: !pinned -> pinflag = false			/* no pin left: the hint goes */
	:: else
	fi;
	if
	:: pinned -> skip
	:: else -> atomic { assert(!pin_live); written_unpinned = true }
	fi;
	locked = false;
	writer_done = true
}

active proctype balance()
{
	(gup_done && writer_done) -> assert(pins == 0 && !pin_live && !locked)
}
