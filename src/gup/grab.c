/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Taking and dropping what GUP hands out: a reference for FOLL_GET, a pin
 * through the current tracker for FOLL_PIN, with the nr_foll_pin_* vmstat
 * counters counting one per page pinned (a 2 MiB folio pinned whole counts
 * 512, as in mainline).
 */
#include <pinmm/gup/gup.h>

int try_grab_folio(struct folio *folio, int refs, unsigned int flags)
{
	if (WARN_ON_ONCE(refs <= 0))
		return -EINVAL;

	if (flags & FOLL_GET) {
		if (folio_ref_try_add(folio, refs))
			return 0;
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	}
	if (WARN_ON_ONCE(!(flags & FOLL_PIN)))
		return -EINVAL;

	/*
	 * The zero page is shared by everyone and never freed or moved: mainline
	 * (6.5+) hands it out without touching any count, and unpin ignores it.
	 */
	if (is_zero_folio(folio))
		return 0;

	return pin_tracker_try_pin(folio, refs, flags);
}

void gup_put_folio(struct folio *folio, int refs, unsigned int flags)
{
	if (flags & FOLL_PIN) {
		if (is_zero_folio(folio))
			return;
		pin_tracker_unpin(folio, refs);
		return;
	}
	folio_put_refs(folio, refs);
}
