/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Race points: the places where another context can run in the middle of an
 * mm operation and change its outcome (a DMA in writeback's I/O window, a pin
 * landing inside page_mkclean, truncate between GUP-fast's grab and its
 * re-check...). Lower layers mark them with race_point(); the scenario
 * interpreter (`CMD during=POINT`) and tests register a callback that runs the
 * other context there. With nothing registered a point costs one load.
 */
#ifndef PINMM_MEM_RACE_H
#define PINMM_MEM_RACE_H

#include <stdbool.h>
#include <pinmm/mem/compiler.h>

struct folio;

enum race_point {
	RACE_WRITEBACK,	/* writeback of a folio in place: checksum computed, transfer not done */
	RACE_MKCLEAN,	/* folio_mkclean(): folio locked, mkclean_begin done, before the rmap walk */
	RACE_RECLAIM,	/* shrink_folio_list(): the folio unmapped, before the pin check */
	RACE_MIGRATE,	/* migration: the old folio unmapped and copied, before the mapping moves */
	RACE_FORK,	/* fork: inside write_protect_seq, before a parent page is shared */
	RACE_TRUNCATE,	/* truncate/punch: the range unmapped, before its folios leave the cache */
	RACE_GUP_FAST,	/* GUP: a folio grabbed, before its re-check (GUP-fast's PTE re-read, the page-lock post-pass) */
	RACE_PIN,	/* a tracker's pin half recorded (mapcount: between _mapcount and PagePin) */
	NR_RACE_POINTS,
};
/* "writeback", "mkclean", "reclaim", "migrate", "fork", "truncate", "gup-fast", "pin" */
extern const char *const race_point_names[NR_RACE_POINTS];
/* -EINVAL for a name that is not a race point. */
int race_point_parse(const char *name, enum race_point *out);

/*
 * Called at each point reached (by any thread) while registered. @folio is the
 * folio the operation is working on, or NULL where it has none.
 */
typedef void (*race_fn)(enum race_point point, struct folio *folio, void *arg);
/*
 * Called by a thread about to sleep on a lock (folio lock, mmap_lock) while
 * registered: the context that ran it inside a race point learns that it is
 * waiting for the interrupted one.
 */
typedef void (*race_block_fn)(void *arg);

/* Register (fn non-NULL) or remove (NULL) the callbacks; one set at a time. */
void race_register(race_fn fn, race_block_fn block, void *arg);

extern race_fn race_hook;
void __race_point(enum race_point point, struct folio *folio);
void __race_blocking(void);

static inline void race_point(enum race_point point, struct folio *folio)
{
	if (unlikely(__atomic_load_n(&race_hook, __ATOMIC_ACQUIRE) != NULL))
		__race_point(point, folio);
}

/* Lock slow paths call this just before they sleep. */
static inline void race_blocking(void)
{
	if (unlikely(__atomic_load_n(&race_hook, __ATOMIC_ACQUIRE) != NULL))
		__race_blocking();
}

#endif
