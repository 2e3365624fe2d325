/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pin debug mode: an exact shadow pin count per folio, kept beside whatever
 * the tracker keeps, so that the unpin path and put_page() can check that the
 * right call was made.
 *
 * Model: the seed proposes mirroring the mappings at another kernel offset; a
 * side array indexed by the head pfn gives the same answer (how many pins does
 * this folio really hold) without an MMU. A folio split while pinned (only
 * trackers without _pincount allow it) leaves the shadow on the old head pfn.
 * The checks read the shadow and _refcount without a lock: a pin or unpin of
 * the same folio racing with a check can make it report a false positive, so
 * the mode is for single-threaded scenarios and tests.
 */
#include <stdlib.h>
#include <pinmm/pin/debug.h>
#include <pinmm/pin/pin.h>
#include "internal.h"

static atomic_long *shadow;
static unsigned long shadow_nr;

static atomic_long *shadow_slot(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);

	if (!shadow || pfn < ARCH_PFN_OFFSET || pfn - ARCH_PFN_OFFSET >= shadow_nr)
		return NULL;
	return &shadow[pfn - ARCH_PFN_OFFSET];
}

static long pin_refs_of(struct folio *folio, long pins)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	return t->pin_refs ? t->pin_refs(folio, pins) : pins;
}

static int shadow_alloc(void)
{
	unsigned long nr = mem_initialized() ? contig_page_data.node_spanned_pages : 0;
	atomic_long *s = NULL;

	if (nr) {
		s = calloc(nr, sizeof(*s));
		if (!s)
			return -ENOMEM;
	}
	free(shadow);
	shadow = s;
	shadow_nr = nr;
	return 0;
}

void pin_debug_boot(void)
{
	if (READ_ONCE(pin_config.debug) && shadow_alloc())
		WRITE_ONCE(pin_config.debug, false);
}

int pin_debug_set(bool on)
{
	int ret;

	if (pin_outstanding() != 0)
		return -EBUSY;
	if (!on) {
		folio_put_check_hook = NULL;
		WRITE_ONCE(pin_config.debug, false);
		free(shadow);
		shadow = NULL;
		shadow_nr = 0;
		return 0;
	}
	ret = shadow_alloc();
	if (ret)
		return ret;
	WRITE_ONCE(pin_config.debug, true);
	folio_put_check_hook = pin_debug_check_put;
	return 0;
}

long pin_debug_pincount(struct folio *folio)
{
	atomic_long *slot;

	if (!READ_ONCE(pin_config.debug))
		return -1;
	slot = shadow_slot(folio);
	return slot ? atomic_load(slot) : -1;
}

void pin_debug_pinned(struct folio *folio, int refs)
{
	atomic_long *slot = shadow_slot(folio);

	if (slot)
		atomic_fetch_add(slot, refs);
}

/*
 * Model: on finding an unpin of pins the folio does not hold, the kernel would
 * WARN and go on to corrupt _refcount; the debug mode records the event and
 * drops only the pins that exist, so the run can continue and report more.
 */
int pin_debug_unpinning(struct folio *folio, int refs)
{
	atomic_long *slot = shadow_slot(folio);
	long have, drop;

	if (!slot)
		return refs;
	have = atomic_load(slot);
	do {
		drop = have < refs ? have : refs;
		if (drop <= 0)
			break;
	} while (!atomic_compare_exchange_weak(slot, &have, have - drop));

	if (drop < refs) {
		mm_event(MM_EV_WARN, &folio->page,
			 "pin debug: unpin of %d pin(s) of a folio holding %ld: unpin_user_page() of a page that was not pinned",
			 refs, have);
		return drop > 0 ? (int)drop : 0;
	}
	/*
	 * Every pin holds references; if fewer are left than the pins account
	 * for, someone dropped a pin's reference with put_page().
	 */
	if (folio_ref_count(folio) < pin_refs_of(folio, have))
		mm_event(MM_EV_WARN, &folio->page,
			 "pin debug: pinned folio has refcount %d, its %ld pin(s) hold %ld: released with put_page() instead of unpin_user_page()",
			 folio_ref_count(folio), have, pin_refs_of(folio, have));
	return refs;
}

/*
 * A put may not take _refcount below what is accounted for: the pins'
 * references, one per PTE or PMD mapping, and the page cache's one per page.
 * Teardown drops the mapping (rmap, ->mapping) before the reference, so a
 * legitimate put never goes below; a put_page() where unpin_user_page() was
 * meant does, at once. Other references (a racing GUP, isolation) only raise
 * the count, so the check has no false positives, only misses while they exist.
 */
void pin_debug_check_put(struct folio *folio, int refs)
{
	atomic_long *slot;
	long have, accounted;

	if (!READ_ONCE(pin_config.debug))
		return;
	slot = shadow_slot(folio);
	if (!slot)
		return;
	have = atomic_load(slot);
	if (have <= 0 || folio_is_zone_device(folio))
		return;
	accounted = pin_refs_of(folio, have) + folio_mapcount(folio);
	/* In a page cache (folio_mapping(), which lives above this layer). */
	if (READ_ONCE(folio->mapping) &&
	    !((unsigned long)READ_ONCE(folio->mapping) & PAGE_MAPPING_ANON))
		accounted += folio_nr_pages(folio);
	if (folio_ref_count(folio) - refs < accounted)
		mm_event(MM_EV_WARN, &folio->page,
			 "pin debug: put_page() of a DMA-pinned folio (%ld pin(s)) drops a pin's reference: use unpin_user_page()",
			 have);
}
