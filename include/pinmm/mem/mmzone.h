/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated machine: one node, a RAM arena, a flat mem_map, zones NORMAL and
 * MOVABLE (CMA pageblocks inside NORMAL) and a ZONE_DEVICE pfn range that devmap/
 * hands out through memremap_pages().
 */
#ifndef PINMM_MEM_MMZONE_H
#define PINMM_MEM_MMZONE_H

#include <pthread.h>
#include <pinmm/mem/page-flags.h>
#include <pinmm/mem/vmstat.h>

enum zone_type {
	ZONE_NORMAL,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	MAX_NR_ZONES,
};

/*
 * Model: no anti-fragmentation grouping. A pageblock is either CMA or not, and
 * only __GFP_MOVABLE allocations may take CMA pageblocks, which is the property
 * FOLL_LONGTERM cares about.
 */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_CMA,
	MIGRATE_TYPES,
};

struct free_area {
	struct cds_list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;			/* blocks of this order */
};

struct zone {
	const char *name;
	enum zone_type idx;
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long managed_pages;		/* pages handed to the buddy allocator */
	unsigned long cma_start_pfn, cma_end_pfn;	/* [start, end) CMA pageblocks */
	pthread_mutex_t lock;
	struct free_area free_area[NR_PAGE_ORDERS];
	atomic_long free_pages;			/* NR_FREE_PAGES */
	atomic_long free_cma_pages;		/* NR_FREE_CMA_PAGES */
};

struct mem_config {
	unsigned long ram_bytes;	/* NORMAL + MOVABLE; default 64 MiB */
	unsigned long movable_bytes;	/* ZONE_MOVABLE at the top of RAM; default 0 */
	unsigned long cma_bytes;	/* CMA pageblocks at the top of NORMAL; default 0 */
	unsigned long device_bytes;	/* pfns reserved for ZONE_DEVICE; default 0 */
};

typedef struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	unsigned long node_start_pfn;
	unsigned long node_spanned_pages;	/* RAM and device pfns */
	unsigned char *ram;			/* backing store of every pfn */
	struct mem_config config;
} pg_data_t;

extern pg_data_t contig_page_data;
extern struct page *mem_map;
#define NODE_DATA(nid)	(&contig_page_data)

/* The first pfn: not 0, so that a zeroed pfn is never a valid page by accident. */
#define ARCH_PFN_OFFSET	0x1000UL

/*
 * Bring the machine up or down. mem_init() returns -EINVAL for a bad layout and
 * -ENOMEM when the host cannot reserve it. The machine is global, like the
 * kernel's; a test or scenario brings up a fresh one each time.
 */
int mem_init(const struct mem_config *cfg);
void mem_exit(void);
bool mem_initialized(void);

static inline bool pfn_valid(unsigned long pfn)
{
	return pfn >= ARCH_PFN_OFFSET &&
	       pfn - ARCH_PFN_OFFSET < contig_page_data.node_spanned_pages;
}
static inline struct page *pfn_to_page(unsigned long pfn)
{
	return mem_map + (pfn - ARCH_PFN_OFFSET);
}
/* No look through a proxy (mem/proxy.h): for a page known to be real. */
static inline unsigned long __page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - mem_map) + ARCH_PFN_OFFSET;
}
static inline unsigned long page_to_pfn(const struct page *page)
{
	return __page_to_pfn(canonical_page(page));
}
static inline unsigned long folio_pfn(const struct folio *folio)
{
	return __page_to_pfn(&folio->page);
}
static inline void *page_address(const struct page *page)
{
	return contig_page_data.ram + ((page_to_pfn(page) - ARCH_PFN_OFFSET) << PAGE_SHIFT);
}
static inline void *folio_address(const struct folio *folio)
{
	return contig_page_data.ram + ((folio_pfn(folio) - ARCH_PFN_OFFSET) << PAGE_SHIFT);
}
/* Physical address of a pfn in the simulated machine. */
static inline unsigned long pfn_to_phys(unsigned long pfn)
{
	return pfn << PAGE_SHIFT;
}

static inline enum zone_type page_zonenum(const struct page *page)
{
	return (enum zone_type)((READ_ONCE(canonical_page(page)->flags) >> ZONES_PGSHIFT) & ZONES_MASK);
}
static inline enum zone_type folio_zonenum(const struct folio *folio)
{
	return page_zonenum(&folio->page);
}
static inline struct zone *page_zone(const struct page *page)
{
	return &contig_page_data.node_zones[page_zonenum(page)];
}
static inline bool is_zone_device_page(const struct page *page)
{
	return page_zonenum(page) == ZONE_DEVICE;
}
/*
 * By position, without reading page->flags: for paths that may hold only a
 * speculative reference while a new owner sets flags non-atomically.
 */
static inline bool page_in_zone_device_range(const struct page *page)
{
	return page_to_pfn(page) >= contig_page_data.node_zones[ZONE_DEVICE].zone_start_pfn;
}
static inline bool folio_is_zone_device(const struct folio *folio)
{
	return is_zone_device_page(&folio->page);
}
static inline bool folio_is_zone_movable(const struct folio *folio)
{
	return folio_zonenum(folio) == ZONE_MOVABLE;
}
bool is_migrate_cma_page(const struct page *page);
static inline bool folio_is_cma(const struct folio *folio)
{
	return is_migrate_cma_page(&folio->page);
}

/* Large folios: order and size live in the first tail page. */
static inline unsigned int folio_order(const struct folio *folio)
{
	if (!folio_test_large(folio))
		return 0;
	return (unsigned int)(READ_ONCE(folio->_flags_1) & 0xff);
}
static inline long folio_nr_pages(const struct folio *folio)
{
	return 1L << folio_order(folio);
}
static inline size_t folio_size(const struct folio *folio)
{
	return PAGE_SIZE << folio_order(folio);
}
static inline struct page *folio_page(struct folio *folio, unsigned long n)
{
	return &folio->page + n;
}
static inline unsigned long folio_page_idx(const struct folio *folio, const struct page *page)
{
	return (unsigned long)(page - &folio->page);
}
static inline struct folio *pfn_folio(unsigned long pfn)
{
	return page_folio(pfn_to_page(pfn));
}

/* The shared zero page: read faults on untouched anonymous memory map it. */
extern struct page *zero_page;
#define ZERO_PAGE(vaddr)	((void)(vaddr), zero_page)
static inline bool is_zero_page(const struct page *page)
{
	return canonical_page(page) == zero_page;
}
static inline bool is_zero_folio(const struct folio *folio)
{
	return &folio->page == zero_page;
}
static inline bool is_zero_pfn(unsigned long pfn)
{
	return zero_page && pfn == page_to_pfn(zero_page);
}

#endif
