/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The buddy allocator: per-zone free lists per order and migratetype, split on
 * allocation, merge with the buddy on free. A free block's head page carries
 * page_type PGTY_buddy and its order in ->private, as in mainline.
 */
#include <string.h>
#include <pinmm/mem/memory.h>

#include "internal.h"

void (*zone_device_page_free_hook)(struct folio *folio);
void (*zone_device_page_idle_hook)(struct folio *folio);
atomic_bool zone_device_lru_written;


void buddy_init_zone(struct zone *zone)
{
	for (int o = 0; o < NR_PAGE_ORDERS; o++) {
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			CDS_INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
		zone->free_area[o].nr_free = 0;
	}
	atomic_init(&zone->free_pages, 0);
	atomic_init(&zone->free_cma_pages, 0);
	zone->managed_pages = 0;
}

/*
 * Free-list links live in page->lru, whose first word is compound_head: GUP-fast
 * may read it locklessly through a stale PTE (page_folio() of a page being
 * freed), as in the kernel. The links are therefore written with WRITE_ONCE.
 */
static inline void free_list_add(struct cds_list_head *node, struct cds_list_head *head)
{
	struct cds_list_head *next = head->next;

	WRITE_ONCE(node->next, next);
	WRITE_ONCE(node->prev, head);
	WRITE_ONCE(next->prev, node);
	WRITE_ONCE(head->next, node);
}

static inline void free_list_del(struct cds_list_head *node)
{
	struct cds_list_head *next = node->next, *prev = node->prev;

	WRITE_ONCE(next->prev, prev);
	WRITE_ONCE(prev->next, next);
	WRITE_ONCE(node->next, NULL);
	WRITE_ONCE(node->prev, NULL);
}

static inline void set_buddy(struct page *page, unsigned int order)
{
	page->private = order;
	__atomic_store_n(&page->page_type, PGTY_buddy, __ATOMIC_RELAXED);
}
static inline void clear_buddy(struct page *page)
{
	page->private = 0;
	atomic_store_explicit(&page->_mapcount, -1, memory_order_relaxed);
}
static inline int block_migratetype(const struct page *page)
{
	return is_migrate_cma_page(page) ? MIGRATE_CMA : MIGRATE_UNMOVABLE;
}

static void account_free(struct zone *zone, const struct page *page, long nr)
{
	atomic_fetch_add_explicit(&zone->free_pages, nr, memory_order_relaxed);
	if (is_migrate_cma_page(page))
		atomic_fetch_add_explicit(&zone->free_cma_pages, nr, memory_order_relaxed);
}

/* zone->lock held */
static void __free_one_page(struct zone *zone, struct page *page, unsigned int order)
{
	unsigned long pfn = page_to_pfn(page);
	int mt = block_migratetype(page);

	account_free(zone, page, 1L << order);
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = pfn_to_page(buddy_pfn);

		if (buddy_pfn < zone->zone_start_pfn ||
		    buddy_pfn >= zone->zone_start_pfn + zone->spanned_pages)
			break;
		if (!PageBuddy(buddy) || buddy->private != order)
			break;
		free_list_del(&buddy->lru);
		zone->free_area[order].nr_free--;
		clear_buddy(buddy);
		pfn &= buddy_pfn;
		page = pfn_to_page(pfn);
		order++;
	}
	set_buddy(page, order);
	free_list_add(&page->lru, &zone->free_area[order].free_list[mt]);
	zone->free_area[order].nr_free++;
}

void buddy_free_range(unsigned long start_pfn, unsigned long end_pfn)
{
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn += pageblock_nr_pages) {
		struct page *page = pfn_to_page(pfn);
		struct zone *zone = page_zone(page);

		pthread_mutex_lock(&zone->lock);
		zone->managed_pages += pageblock_nr_pages;
		__free_one_page(zone, page, pageblock_order);
		pthread_mutex_unlock(&zone->lock);
	}
}

/* zone->lock held: take the smallest block >= order and split the rest back. */
static struct page *__rmqueue(struct zone *zone, unsigned int order, int mt)
{
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &zone->free_area[o];
		struct page *page;

		if (cds_list_empty(&area->free_list[mt]))
			continue;
		page = cds_list_first_entry(&area->free_list[mt], struct page, lru);
		free_list_del(&page->lru);
		area->nr_free--;
		clear_buddy(page);
		while (o > order) {
			struct page *half;

			o--;
			half = page + (1UL << o);
			set_buddy(half, o);
			free_list_add(&half->lru, &zone->free_area[o].free_list[mt]);
			zone->free_area[o].nr_free++;
		}
		account_free(zone, page, -(1L << order));
		return page;
	}
	return NULL;
}

static struct page *rmqueue(enum zone_type zt, unsigned int order, int mt)
{
	struct zone *zone = &contig_page_data.node_zones[zt];
	struct page *page;

	if (!zone->managed_pages)
		return NULL;
	pthread_mutex_lock(&zone->lock);
	page = __rmqueue(zone, order, mt);
	pthread_mutex_unlock(&zone->lock);
	return page;
}

/* Flags that must be clear on a page entering or leaving the allocator. */
#define PAGE_FLAGS_CHECK_AT_FREE (BIT(PG_locked) | BIT(PG_lru) | BIT(PG_private) | \
	BIT(PG_private_2) | BIT(PG_writeback) | BIT(PG_reserved) | BIT(PG_active) | \
	BIT(PG_unevictable) | BIT(PG_mlocked))

static bool check_new_page(struct page *page)
{
	if (page_ref_count(page) != 0 || atomic_load(&page->_mapcount) != -1 ||
	    (page->flags & PAGE_FLAGS_CHECK_AT_FREE)) {
		mm_event(MM_EV_BUG, page, "Bad page state: allocating a page in use");
		return false;
	}
	return true;
}

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp)
{
	unsigned long zone_bits = page->flags & (ZONES_MASK << ZONES_PGSHIFT);

	unpoison_block(page, order);
	for (unsigned long i = 0; i < (1UL << order); i++) {
		struct page *p = page + i;

		WRITE_ONCE(p->flags, zone_bits);
		/* GUP-fast may read a reused page's compound_head speculatively. */
		WRITE_ONCE(p->compound_head, 0);
		p->lru.prev = NULL;
		WRITE_ONCE(p->mapping, NULL);
		WRITE_ONCE(p->index, 0);
		p->private = 0;
		p->memcg_data = 0;
	}
	if (gfp & __GFP_ZERO)
		phys_memset(page_address(page), 0, PAGE_SIZE << order);
	/*
	 * Release: a speculative folio_try_get() (GUP-fast, the page cache) that
	 * sees the new count also sees the page initialised.
	 */
	atomic_store_explicit(&page->_refcount, 1, memory_order_release);
	if (order && (gfp & __GFP_COMP))
		prep_compound_page(page, order);
}

_Thread_local bool current_memalloc_pin;

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = NULL;

	if (order > MAX_PAGE_ORDER || !mem_initialized())
		return NULL;
	gfp = current_gfp_context(gfp);
	if (gfp & __GFP_MOVABLE) {
		page = rmqueue(ZONE_MOVABLE, order, MIGRATE_UNMOVABLE);
		if (!page)
			page = rmqueue(ZONE_NORMAL, order, MIGRATE_CMA);
	}
	if (!page)
		page = rmqueue(ZONE_NORMAL, order, MIGRATE_UNMOVABLE);
	if (!page)
		return NULL;
	if (!check_new_page(page))
		return NULL;
	prep_new_page(page, order, gfp);
	return page;
}

/*
 * zone->lock held: is [pfn, pfn + nr) made of free pageblocks, none of them
 * CMA? (pfn_range_valid_contig() and has_unmovable_pages(): a non-CMA
 * contiguous allocation treats CMA pageblocks as unmovable.)
 */
static bool contig_range_free(unsigned long pfn, unsigned long nr)
{
	for (unsigned long p = pfn; p < pfn + nr; p += pageblock_nr_pages) {
		struct page *page = pfn_to_page(p);

		if (!PageBuddy(page) || page->private != pageblock_order ||
		    is_migrate_cma_page(page))
			return false;
	}
	return true;
}

/*
 * alloc_contig_pages(): 1 << @order pages (order > pageblock_order), aligned
 * to their size, from the zones @gfp reaches (ZONE_MOVABLE only with
 * __GFP_MOVABLE), taken pageblock by pageblock off the free lists.
 *
 * Model: only ranges whose pageblocks are all free qualify. Mainline's
 * alloc_contig_range() also isolates ranges with movable pages in use and
 * migrates those out first; pinmm does not compact, so a fragmented zone
 * fails here where the kernel might succeed.
 */
struct page *alloc_contig_pages(unsigned int order, gfp_t gfp)
{
	static const enum zone_type movable_first[] = { ZONE_MOVABLE, ZONE_NORMAL };
	unsigned long nr = 1UL << order;
	struct page *page = NULL;

	if (order <= pageblock_order || order >= 8 * sizeof(unsigned int) || !mem_initialized())
		return NULL;
	gfp = current_gfp_context(gfp);
	for (unsigned int i = (gfp & __GFP_MOVABLE) ? 0 : 1; i < 2 && !page; i++) {
		struct zone *zone = &contig_page_data.node_zones[movable_first[i]];
		unsigned long end = zone->zone_start_pfn + zone->spanned_pages;

		if (!zone->managed_pages)
			continue;
		pthread_mutex_lock(&zone->lock);
		for (unsigned long pfn = ALIGN_UP(zone->zone_start_pfn, nr); pfn + nr <= end; pfn += nr) {
			if (!contig_range_free(pfn, nr))
				continue;
			for (unsigned long p = pfn; p < pfn + nr; p += pageblock_nr_pages) {
				struct page *pb = pfn_to_page(p);

				free_list_del(&pb->lru);
				zone->free_area[pageblock_order].nr_free--;
				clear_buddy(pb);
				account_free(zone, pb, -(long)pageblock_nr_pages);
			}
			page = pfn_to_page(pfn);
			break;
		}
		pthread_mutex_unlock(&zone->lock);
	}
	if (!page)
		return NULL;
	prep_new_page(page, order, gfp);
	return page;
}

struct folio *folio_alloc(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp | __GFP_COMP, order);

	return page ? page_folio(page) : NULL;
}

static bool free_pages_prepare(struct page *page, unsigned int order)
{
	bool bad = false;

	for (unsigned long i = 0; i < (1UL << order); i++) {
		struct page *p = page + i;
		unsigned long m = (unsigned long)p->mapping;

		if (m & PAGE_MAPPING_ANON)
			p->mapping = NULL;
		if (atomic_load(&p->_mapcount) != -1 || p->mapping ||
		    (READ_ONCE(p->flags) & PAGE_FLAGS_CHECK_AT_FREE) ||
		    (i && page_ref_count(p))) {
			mm_event(MM_EV_BUG, p, "Bad page state: freeing a page that is %s",
				 atomic_load(&p->_mapcount) != -1 ? "still mapped" :
				 p->mapping ? "still in a mapping" :
				 (i && page_ref_count(p)) ? "a referenced tail" : "flagged in use");
			bad = true;
		}
	}
	if (bad)
		return false;	/* as mainline: a bad page is leaked, not reused */
	for (unsigned long i = 0; i < (1UL << order); i++) {
		struct page *p = page + i;

		WRITE_ONCE(p->flags, p->flags & (ZONES_MASK << ZONES_PGSHIFT));
		WRITE_ONCE(p->compound_head, 0);
		/*
		 * A lockless page-cache walk (filemap_get_folios() under RCU)
		 * may still read ->mapping and ->index of a folio freed under it,
		 * then fail its folio_try_get(): these are single-word stores.
		 */
		WRITE_ONCE(p->mapping, NULL);
		WRITE_ONCE(p->index, 0);
		p->private = 0;
	}
	return true;
}

void free_frozen_pages(struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(page);

	if (page_zonenum(page) == ZONE_DEVICE) {
		mm_event(MM_EV_BUG, page, "freeing a ZONE_DEVICE page to the buddy allocator");
		return;
	}
	if (!free_pages_prepare(page, order))
		return;
	poison_free_block(page, order);
	pthread_mutex_lock(&zone->lock);
	/* free_contig_range(): a range larger than any block goes back pageblock by pageblock. */
	if (order > pageblock_order) {
		for (unsigned long i = 0; i < (1UL << order); i += pageblock_nr_pages)
			__free_one_page(zone, page + i, pageblock_order);
	} else {
		__free_one_page(zone, page, order);
	}
	pthread_mutex_unlock(&zone->lock);
}

void __free_pages(struct page *page, unsigned int order)
{
	struct folio *folio = page_folio(page);

	if (folio_test_large(folio)) {
		folio_put(folio);
		return;
	}
	if (folio_ref_sub_and_test(folio, 1))
		free_frozen_pages(page, order);
}

unsigned long zone_free_pages(enum zone_type zt)
{
	return (unsigned long)atomic_load(&contig_page_data.node_zones[zt].free_pages);
}

unsigned long zone_free_cma_pages(void)
{
	return (unsigned long)atomic_load(&contig_page_data.node_zones[ZONE_NORMAL].free_cma_pages);
}

unsigned long nr_free_pages(void)
{
	return zone_free_pages(ZONE_NORMAL) + zone_free_pages(ZONE_MOVABLE);
}

unsigned long zone_nr_free_blocks(enum zone_type zt, unsigned int order)
{
	struct zone *zone = &contig_page_data.node_zones[zt];
	unsigned long n;

	if (order > MAX_PAGE_ORDER)
		return 0;
	pthread_mutex_lock(&zone->lock);
	n = zone->free_area[order].nr_free;
	pthread_mutex_unlock(&zone->lock);
	return n;
}

int buddy_check_integrity(void)
{
	for (int zt = 0; zt < MAX_NR_ZONES; zt++) {
		struct zone *zone = &contig_page_data.node_zones[zt];
		unsigned long pages = 0, cma = 0;
		int err = 0;

		pthread_mutex_lock(&zone->lock);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			unsigned long blocks = 0;

			for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
				struct page *p;

				cds_list_for_each_entry(p, &zone->free_area[o].free_list[mt], lru) {
					unsigned long pfn = page_to_pfn(p);

					if (!PageBuddy(p) || p->private != o ||
					    !IS_ALIGNED(pfn, 1UL << o) ||
					    block_migratetype(p) != mt)
						err = -EUCLEAN;
					blocks++;
					pages += 1UL << o;
					if (mt == MIGRATE_CMA)
						cma += 1UL << o;
				}
			}
			if (blocks != zone->free_area[o].nr_free)
				err = -EUCLEAN;
		}
		if (pages != (unsigned long)atomic_load(&zone->free_pages) ||
		    cma != (unsigned long)atomic_load(&zone->free_cma_pages))
			err = -EUCLEAN;
		pthread_mutex_unlock(&zone->lock);
		if (err)
			return err;
	}
	return 0;
}
