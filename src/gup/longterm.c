/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * FOLL_LONGTERM: a pin that may last forever must not sit in ZONE_MOVABLE or a
 * CMA pageblock, where it would make memory hot-remove or a CMA allocation fail
 * for good. Pin, look, and if any folio is in the wrong place: drop every pin,
 * migrate the offenders to memory allocated without __GFP_MOVABLE, and pin the
 * whole range again (mainline's check_and_migrate_movable_pages()).
 */
#include <stdlib.h>
#include <sched.h>
#include <pinmm/gup/unshare.h>
#include "internal.h"

/*
 * Model: mainline retries migrate-and-repin for as long as migration says
 * -EAGAIN; pinmm gives up after this many rounds (with a WARN and -ENOMEM) so
 * that a test racing faults against it cannot spin for ever.
 */
#define GUP_LONGTERM_MAX_ROUNDS		16
#define GUP_MIGRATE_RETRIES		10

static bool folio_in(struct folio **list, unsigned long n, struct folio *folio)
{
	for (unsigned long i = 0; i < n; i++)
		if (list[i] == folio)
			return true;
	return false;
}

/* Release what __get_user_pages_locked() took for @nr_pages entries. */
static void gup_release_pages(struct page **pages, unsigned long nr_pages,
			      unsigned int gup_flags)
{
	bool pending = (gup_flags & FOLL_PIN) && READ_ONCE(pin_config.tracker)->pin_post;

	/* Before the post-pass, a page-lock tracker's pins are only references. */
	for (unsigned long i = 0; i < nr_pages; i++) {
		if (pending)
			gup_undo_grab(page_folio(pages[i]), 1, gup_flags);
		else
			gup_put_entry(pages[i], gup_flags);
	}
}

static int migrate_longterm_unpinnable_folio(struct folio *folio)
{
	/*
	 * Model: memalloc_pin_save() makes every allocation in this section drop
	 * __GFP_MOVABLE; here the target's gfp simply has none.
	 */
	gfp_t gfp = GFP_HIGHUSER | (folio_test_large(folio) ? __GFP_COMP : 0);
	int ret = -EAGAIN;

	mm_trace_enter("migrate_longterm_unpinnable_folio", "pfn=%#lx order=%u", folio_pfn(folio),
		       folio_order(folio));
	for (int tries = 0; tries < GUP_MIGRATE_RETRIES && ret == -EAGAIN; tries++) {
		ret = migrate_folio_to(folio, gfp, NULL);
		if (ret == -EAGAIN)
			sched_yield();
	}
	mm_trace_exit("migrate_longterm_unpinnable_folio", "%d", ret);
	return ret;
}

/*
 * 0 when every pinned page may stay where it is; -EAGAIN after unpinning
 * everything and migrating the offenders (pin again); -ENOMEM when one could
 * not be moved (everything unpinned too).
 */
static long __check_and_migrate_movable_pages(unsigned long nr_pages, struct page **pages,
					      unsigned int gup_flags);

/* Traced under the kernel's name for the pass over the folios (6.12: ..._folios). */
static long check_and_migrate_movable_pages(unsigned long nr_pages, struct page **pages,
					    unsigned int gup_flags)
{
	long ret;

	mm_trace_enter("check_and_migrate_movable_folios", "nr_pages=%lu", nr_pages);
	ret = __check_and_migrate_movable_pages(nr_pages, pages, gup_flags);
	mm_trace_exit("check_and_migrate_movable_folios", "%ld", ret);
	return ret;
}

static long __check_and_migrate_movable_pages(unsigned long nr_pages, struct page **pages,
					      unsigned int gup_flags)
{
	struct folio **movable = NULL;
	unsigned long nr_movable = 0;
	long ret = -EAGAIN;

	for (unsigned long i = 0, nr; i < nr_pages; i += nr) {
		struct folio *folio = page_folio(pages[i]);
		struct page *end = folio_page(folio, (unsigned long)folio_nr_pages(folio));

		/*
		 * The question is asked of a folio, so ask it once per folio:
		 * entries that continue the previous one inside the folio's span
		 * are the same folio without reading their struct page. Mainline
		 * skips a repeated folio too (collect_longterm_unpinnable_folios()),
		 * after reading each tail page's compound_head; a 2 MiB folio here
		 * costs one head read, not 512 tail reads and 512 zone checks.
		 * A proxy entry (seed 000) has no address arithmetic: one at a time.
		 */
		if (page_is_proxy(pages[i])) {
			nr = 1;
		} else {
			nr = (unsigned long)(end - pages[i]);
			nr = gup_pages_contig(pages + i, pages[i],
					      nr < nr_pages - i ? nr : nr_pages - i);
		}
		if (!gup_longterm_must_migrate(folio) || folio_in(movable, nr_movable, folio))
			continue;
		if (!movable) {
			movable = calloc(nr_pages, sizeof(*movable));
			if (!movable) {
				gup_release_pages(pages, nr_pages, gup_flags);
				return -ENOMEM;
			}
		}
		/* Our own reference, so dropping the pins below cannot free it. */
		folio_get(folio);
		movable[nr_movable++] = folio;
	}
	if (!nr_movable)
		return 0;

	gup_release_pages(pages, nr_pages, gup_flags);
	for (unsigned long i = 0; i < nr_movable; i++) {
		if (ret == -EAGAIN && migrate_longterm_unpinnable_folio(movable[i]))
			ret = -ENOMEM;
		folio_put(movable[i]);
	}
	free(movable);
	return ret;
}

long __gup_longterm_locked(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, struct page **pages, int *locked,
			   unsigned int gup_flags)
{
	long rc, nr_pinned;
	int rounds = 0;
	bool scoped, pin_flags = false;

	if (!(gup_flags & FOLL_LONGTERM) || !pages)
		return __get_user_pages_locked(mm, start, nr_pages, pages, locked, gup_flags);

	/*
	 * Pages the faults below allocate are placed where the pin may stay
	 * (5.13, with the migration out of ZONE_MOVABLE), so only pages that
	 * were there before the call are migrated. Model: 5.9-5.12 scoped out
	 * CMA alone (PF_MEMALLOC_NOCMA); pinmm's earlier releases fault
	 * anywhere and migrate afterwards.
	 */
	scoped = kernel_has(KSW_LONGTERM_MIGRATES_MOVABLE) &&
		 READ_ONCE(pin_config.longterm) != LONGTERM_ALLOW;
	if (scoped)
		pin_flags = memalloc_pin_save();
	do {
		nr_pinned = __get_user_pages_locked(mm, start, nr_pages, pages, locked, gup_flags);
		if (nr_pinned <= 0) {
			rc = nr_pinned;
			break;
		}
		rc = check_and_migrate_movable_pages((unsigned long)nr_pinned, pages,
						     gup_flags | (pages && !(gup_flags & FOLL_PIN) ?
								  FOLL_GET : 0));
		if (rc == -EAGAIN && ++rounds >= GUP_LONGTERM_MAX_ROUNDS) {
			WARN_ON_ONCE(1);
			rc = -ENOMEM;
			break;
		}
	} while (rc == -EAGAIN);
	if (scoped)
		memalloc_pin_restore(pin_flags);

	return rc ? rc : nr_pinned;
}
