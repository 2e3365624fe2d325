/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The buddy allocator: folio_alloc() and friends, with gfp flags that choose the
 * zone the way mainline's gfp_zone() and ALLOC_CMA do.
 */
#ifndef PINMM_MEM_GFP_H
#define PINMM_MEM_GFP_H

#include <pinmm/mem/mmzone.h>

#define __GFP_MOVABLE	0x01u	/* may come from ZONE_MOVABLE or CMA pageblocks */
#define __GFP_ZERO	0x02u
#define __GFP_COMP	0x04u
#define __GFP_NOWARN	0x08u
#define __GFP_RECLAIM	0x10u	/* may wait: unused, the model never reclaims from here */

#define GFP_KERNEL		(__GFP_RECLAIM)
#define GFP_NOWAIT		0u
#define GFP_HIGHUSER		(__GFP_RECLAIM)
#define GFP_HIGHUSER_MOVABLE	(__GFP_RECLAIM | __GFP_MOVABLE)
#define GFP_TRANSHUGE		(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOWARN)

/*
 * PF_MEMALLOC_PIN of the calling thread: set by memalloc_pin_save() around a
 * FOLL_LONGTERM GUP, so the pages its faults allocate come from where a
 * long-term pin may stay (current_gfp_context() drops __GFP_MOVABLE, and with
 * it ZONE_MOVABLE and CMA) instead of being migrated out afterwards.
 */
extern _Thread_local bool current_memalloc_pin;

static inline bool memalloc_pin_save(void)
{
	bool old = current_memalloc_pin;

	current_memalloc_pin = true;
	return old;
}

static inline void memalloc_pin_restore(bool old)
{
	current_memalloc_pin = old;
}

/* The thread's allocation scope applied to @gfp (alloc_pages() asks it first). */
static inline gfp_t current_gfp_context(gfp_t gfp)
{
	return current_memalloc_pin ? gfp & ~__GFP_MOVABLE : gfp;
}

/*
 * Allocation order, for __GFP_MOVABLE: ZONE_MOVABLE, then CMA pageblocks, then the
 * rest of NORMAL; otherwise NORMAL without CMA. The result has refcount 1, is not
 * mapped (_mapcount -1), has no mapping, and every flag but the zone clear.
 * NULL when no block of that order is free.
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
struct folio *folio_alloc(gfp_t gfp, unsigned int order);
/*
 * alloc_contig_pages(): an aligned range of 1 << @order pages, @order above
 * the buddy allocator's largest block, made of free pageblocks (gigantic
 * hugetlb folios). Freed with free_frozen_pages(), which hands it back
 * pageblock by pageblock. NULL when no range is free.
 */
struct page *alloc_contig_pages(unsigned int order, gfp_t gfp);
/* Give a page whose refcount already reached zero back to the buddy allocator. */
void free_frozen_pages(struct page *page, unsigned int order);
void __free_pages(struct page *page, unsigned int order);

unsigned long zone_free_pages(enum zone_type zone);
unsigned long zone_free_cma_pages(void);
unsigned long nr_free_pages(void);
/* Free blocks of exactly this order in a zone (all migratetypes). */
unsigned long zone_nr_free_blocks(enum zone_type zone, unsigned int order);
/* Recount every free list and compare with the counters; 0 or -EUCLEAN. */
int buddy_check_integrity(void);

/*
 * Device pages never go back to the buddy allocator: when their refcount drops
 * to the pagemap's idle value devmap/ gets them back through this hook.
 */
extern void (*zone_device_page_free_hook)(struct folio *folio);
/*
 * ...and under the legacy convention, where an idle device page keeps one
 * reference, this is called when a put leaves exactly that one (mainline's
 * old put_devmap_managed_page()), so waiters for an idle page are woken.
 */
extern void (*zone_device_page_idle_hook)(struct folio *folio);
/*
 * Set (for the rest of this boot) by a pin tracker that wrote into the ->lru
 * words of a ZONE_DEVICE page, which are its pgmap and zone_device_data (the
 * lru-nov2018 tracker): from then on devmap/ checks page->pgmap against the
 * pagemap registry before it follows it.
 */
extern atomic_bool zone_device_lru_written;

#endif
