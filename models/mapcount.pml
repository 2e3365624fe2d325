/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mapcount: Jérôme Glisse's protocol of January 2019 (seed 004), GUP-fast
 * against writeback's page_mkclean().
 *
 *   GUP                                   page_mkclean() (folio locked)
 *   [G2] atomic_inc(&page->_mapcount)     [C1] pined = TestClearPagePin(page)
 *   [G3] smp_wmb()                        [C2] smp_mb()
 *   [G4] SetPagePin(page)                 [C3] count = page_mapcount(page)
 *                                         [C4] rmap walk: write-protect and
 *                                              count the mappings it finds
 *                                         [C5] if (pined && count > found)
 *                                                  SetPagePin(page)
 *   writeback then asks PagePin() with the folio still locked.
 *
 * The thread's timelines start at G2. Around them is GUP-fast as mainline
 * has it: [G1] the lockless PTE read and the grab (a fully ordered RMW), and
 * after G4 the re-read of the PTE, [G5], backing out if it changed. The
 * thread leaves open what orders G4 before G5: atomic_inc() and SetPagePin()
 * return no value and imply no barrier, so this model puts an smp_mb()
 * between them (without it, see mapcount.broken-no-recheck-mb). Unpinning is
 * atomic_dec(&page->_mapcount); PagePin is sticky until the next page_mkclean
 * finds no pin. New mappings of a file folio are made under the folio lock,
 * so none appears during the walk; one mapping here.
 *
 * Memory model, property and ghosts as in bias.pml. The observer (John
 * Hubbard's objection): a third party reading PagePin while a pin is live.
 * With the folio lock, as Jérôme answers everything that needs stable
 * contents takes it, it never sees the flag clear; without (UNLOCKED_OBSERVER)
 * it does, between C1 and C5.
 */
#define PTE_W	1
#define PTE_WP	2
#define MAPPINGS 1

byte pte = PTE_W;
byte mapcount = MAPPINGS;	/* page_mapcount(): mappings + pins */
bool pinflag;			/* PagePin */
bool locked;

bool pin_live, written_unpinned, gup_done, writer_done, observer_done;

active proctype gup_fast()
{
	byte seen, again;

	seen = pte;				/* [G1] lockless read; the grab (fully ordered) follows */
	if
	:: seen != PTE_W -> goto slow
	:: else
	fi;
#if defined(NO_WMB)
	/* broken: no smp_wmb(): G2 and G4 become visible in either order */
	if
	:: mapcount++; pinflag = true
	:: pinflag = true; mapcount++
	fi;
	again = pte;				/* smp_mb(); [G5] */
#elif defined(NO_RECHECK_MB)
	/* broken: no full barrier before the re-read: G5 may be performed before G2/G4 */
	if
	:: mapcount++; pinflag = true; again = pte
	:: mapcount++; again = pte; pinflag = true
	:: again = pte; mapcount++; pinflag = true
	fi;
#else
	mapcount++;				/* [G2] atomic_inc(&page->_mapcount) */
						/* [G3] smp_wmb() */
	pinflag = true;				/* [G4] SetPagePin() */
						/* smp_mb() */
	again = pte;				/* [G5] re-read the PTE */
#endif
	if
	:: again == seen ->
		atomic { assert(!written_unpinned); pin_live = true };
		atomic { pin_live = false; mapcount-- }	/* put_user_page() */
	:: else ->
		mapcount--			/* back out; the slow path faults first */
	fi;
slow:
	gup_done = true
}

active proctype writeback()
{
	bool pined;
	byte count, found;

	atomic { !locked -> locked = true };
#ifdef NO_MB
	/* broken: no [C2] and a relaxed test-and-clear: C3 may be performed before C1 */
	if
	:: atomic { pined = pinflag; pinflag = false }; count = mapcount
	:: count = mapcount; atomic { pined = pinflag; pinflag = false }
	fi;
#else
	atomic { pined = pinflag; pinflag = false };	/* [C1] TestClearPagePin() */
							/* [C2] smp_mb() */
	count = mapcount;				/* [C3] */
#endif
	pte = PTE_WP; found = MAPPINGS;			/* [C4] walk, PTL, TLB flush */
	if						/* [C5] */
	:: pined && count > found -> pinflag = true
	:: else
	fi;
	if						/* writeback asks PagePin() */
	:: pinflag -> skip
	:: else -> atomic { assert(!pin_live); written_unpinned = true }
	fi;
	locked = false;
	writer_done = true
}

active proctype observer()
{
	bool live, flag;

#ifdef UNLOCKED_OBSERVER
	atomic { live = pin_live; flag = pinflag };
#else
	atomic { !locked -> locked = true };		/* lock_page() */
	live = pin_live;
	flag = pinflag;
	locked = false;
#endif
	assert(!live || flag);
	observer_done = true
}

active proctype balance()
{
	(gup_done && writer_done && observer_done) -> assert(mapcount == MAPPINGS && !pin_live)
}
