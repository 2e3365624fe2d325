/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ZONE_DEVICE: struct pages for memory the page allocator never owns (device
 * memory, persistent memory, PCI BARs). A driver describes a physical range
 * with a dev_pagemap and memremap_pages() gives it struct pages that point
 * back at the pagemap; memunmap_pages() takes them away once nobody uses them.
 *
 * Two refcount conventions have existed for these pages, and pinmm runs both:
 *
 *  - DEVMAP_REFCOUNT_IDLE_ONE (until 5.18 for device-private, 6.15 for fsdax;
 *    device-dax (GENERIC) and P2PDMA still idle at 1 in 6.12):
 *    an unused page has _refcount 1, the "extra reference" memremap_pages()
 *    leaves behind; put_page() that brings it back to 1 hands the page to the
 *    pagemap (ops->page_free). DAX page tables hold no page reference, so a
 *    filesystem that asks "is anyone (GUP) using this block?" checks for 1.
 *  - DEVMAP_REFCOUNT_IDLE_ZERO (the fix: Ralph Campbell, Alistair Popple): an
 *    unused page has _refcount 0 like a free page; whoever starts using it
 *    takes the first reference (zone_device_page_init(), or fsdax when it
 *    maps the page), and the page goes back to the pagemap at 0. get_page()
 *    on an idle page is then the VM_BUG_ON seed 003 talks about.
 */
#ifndef PINMM_DEVMAP_MEMREMAP_H
#define PINMM_DEVMAP_MEMREMAP_H

#include <pthread.h>
#include <stdint.h>
#include <urcu/list.h>
#include <pinmm/mem/memory.h>

enum memory_type {
	/* 0 is reserved: a zeroed pagemap is refused */
	MEMORY_DEVICE_PRIVATE = 1,	/* device memory the CPU cannot address (HMM) */
	MEMORY_DEVICE_COHERENT,		/* device memory the CPU can address coherently */
	MEMORY_DEVICE_FS_DAX,		/* persistent memory a DAX filesystem maps */
	MEMORY_DEVICE_GENERIC,		/* device-dax (/dev/daxX.Y) */
	MEMORY_DEVICE_PCI_P2PDMA,	/* PCI BAR memory for peer-to-peer DMA */
	NR_MEMORY_TYPES,
};

extern const char *const memory_type_names[NR_MEMORY_TYPES];

enum devmap_refcount {
	DEVMAP_REFCOUNT_IDLE_ONE,	/* legacy: idle pages hold the extra reference */
	DEVMAP_REFCOUNT_IDLE_ZERO,	/* fixed: idle pages are at 0 */
	NR_DEVMAP_REFCOUNTS,
	/* Not a convention: "each memory type as the selected release has it". */
	DEVMAP_REFCOUNT_BY_RELEASE = NR_DEVMAP_REFCOUNTS,
};

extern const char *const devmap_refcount_names[NR_DEVMAP_REFCOUNTS];

/*
 * The convention memremap_pages() gives a pagemap that does not choose
 * (pgmap->flags without PGMAP_REFCOUNT_EXPLICIT). Default BY_RELEASE: the
 * selected kernel release's convention for the pagemap's type
 * (devmap_release_refcount()); tests may force one convention for all.
 */
extern enum devmap_refcount devmap_refcount_default;
/*
 * The idle refcount the selected release gives a @type page: PRIVATE and
 * COHERENT idle at 0 from 5.18 (KSW_DEVMAP_PRIVATE_IDLE_ZERO), FS_DAX from
 * 6.15 (KSW_FSDAX_REFCOUNTED), GENERIC and PCI_P2PDMA at 1.
 */
enum devmap_refcount devmap_release_refcount(enum memory_type type);

/* A physical address range, both ends inclusive (the kernel's struct range). */
struct range {
	uint64_t start;
	uint64_t end;
};

static inline uint64_t range_len(const struct range *r)
{
	return r->end - r->start + 1;
}

struct dev_pagemap;

struct dev_pagemap_ops {
	/*
	 * The page went back to idle (last user gone). Required for
	 * MEMORY_DEVICE_PRIVATE and MEMORY_DEVICE_COHERENT, whose driver owns an
	 * allocator for them; optional otherwise.
	 */
	void (*page_free)(struct page *page);
	/*
	 * Model: migrate_to_ram and memory_failure are not modelled: device-
	 * private pages are never mapped by the simulated CPU and there is no
	 * poison.
	 */
};

/* pgmap->flags */
#define PGMAP_REFCOUNT_EXPLICIT	0x1u	/* use pgmap->refcount, not devmap_refcount_default */

struct dev_pagemap {
	/* Filled by the driver before memremap_pages(). */
	struct range range;
	enum memory_type type;
	unsigned int flags;
	enum devmap_refcount refcount;
	const struct dev_pagemap_ops *ops;
	void *owner;

	/*
	 * Model: the kernel's percpu_ref is one atomic here: the base reference
	 * memremap_pages() takes plus one per get_dev_pagemap() and one per page
	 * in use (per idle page under IDLE_ONE, as the legacy kernel took one
	 * per struct page). memunmap_pages() kills it and waits for zero.
	 */
	atomic_long ref;
	atomic_bool dead;
	/* Sleepers: memunmap_pages() for ref 0, layout breaks for an idle page. */
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
	atomic_ulong nr_page_free;	/* ops->page_free calls, for tests and traces */
	struct cds_list_head list;	/* all live pagemaps */
	bool live;
};

static inline unsigned long pgmap_pfn_start(const struct dev_pagemap *pgmap)
{
	return (unsigned long)(pgmap->range.start >> PAGE_SHIFT);
}
/* One past the last pfn. */
static inline unsigned long pgmap_pfn_end(const struct dev_pagemap *pgmap)
{
	return (unsigned long)((pgmap->range.end + 1) >> PAGE_SHIFT);
}
static inline unsigned long pgmap_nr_pages(const struct dev_pagemap *pgmap)
{
	return pgmap_pfn_end(pgmap) - pgmap_pfn_start(pgmap);
}
static inline bool pgmap_pfn_valid(const struct dev_pagemap *pgmap, unsigned long pfn)
{
	return pfn >= pgmap_pfn_start(pgmap) && pfn < pgmap_pfn_end(pgmap);
}

/*
 * Give the range struct pages: zone ZONE_DEVICE, ->pgmap set, unmapped, and
 * _refcount at the convention's idle value. Returns 0 (the kernel returns the
 * kernel address; here it is page_address() of the first pfn), -EINVAL for a
 * bad pagemap (unaligned or empty range, bad type, device-private without
 * ops->page_free), -ENOMEM for a range outside the machine's ZONE_DEVICE pfns
 * (mem_config.device_bytes), -EBUSY if it overlaps a live pagemap.
 */
int memremap_pages(struct dev_pagemap *pgmap);
/*
 * Kill the pagemap (get_dev_pagemap() fails from now on), wait until every
 * page is idle and every reference gone, and take the struct pages back.
 * The wait is bounded by devmap_unmap_timeout_ms, and ends sooner when no
 * page is in use but references remain (an unbalanced count nothing can drop):
 * either way a WARN is recorded and the pages are taken away (the kernel would
 * hang).
 */
void memunmap_pages(struct dev_pagemap *pgmap);
extern unsigned int devmap_unmap_timeout_ms;

/*
 * The live pagemap that covers @pfn, with a reference; NULL if none (or it is
 * being torn down). If @pgmap already covers @pfn it is returned as is: the
 * caller's reference covers it, as in the kernel.
 */
struct dev_pagemap *get_dev_pagemap(unsigned long pfn, struct dev_pagemap *pgmap);
void put_dev_pagemap(struct dev_pagemap *pgmap);

/* Lowest free run of @nr_pages ZONE_DEVICE pfns: 0 and *start_pfn, or -ENOMEM. */
int devmap_find_free_range(unsigned long nr_pages, unsigned long *start_pfn);
/* Live pagemaps right now (tests check teardown). */
unsigned long devmap_nr_pagemaps(void);

/*
 * Model: the kernel follows whatever page->pgmap holds. Once a design has
 * written over it this boot (zone_device_lru_written: the lru-nov2018
 * tracker's set_bit() and clear_bit() on ->lru.next), pinmm first checks it
 * against the pagemap that covers the pfn; a wrong value is recorded as the
 * BUG the kernel's dereference would be and reads as no pagemap (NULL), so
 * the model goes on instead of following it.
 */
struct dev_pagemap *page_pgmap_checked(const struct page *page, struct dev_pagemap *seen);
static inline struct dev_pagemap *page_pgmap(const struct page *page)
{
	struct dev_pagemap *pgmap = READ_ONCE(((struct page *)page)->pgmap);

	if (unlikely(atomic_load_explicit(&zone_device_lru_written, memory_order_relaxed)))
		return page_pgmap_checked(page, pgmap);
	return pgmap;
}

static inline bool pgmap_type_is(const struct page *page, enum memory_type type)
{
	struct dev_pagemap *pgmap;

	if (!is_zone_device_page(page))
		return false;
	pgmap = page_pgmap(page);
	return pgmap && pgmap->type == type;
}
static inline bool is_device_private_page(const struct page *page)
{
	return pgmap_type_is(page, MEMORY_DEVICE_PRIVATE);
}
static inline bool is_device_coherent_page(const struct page *page)
{
	return pgmap_type_is(page, MEMORY_DEVICE_COHERENT);
}
static inline bool is_pci_p2pdma_page(const struct page *page)
{
	return pgmap_type_is(page, MEMORY_DEVICE_PCI_P2PDMA);
}
static inline bool folio_is_device_private(const struct folio *folio)
{
	return is_device_private_page(&folio->page);
}
static inline bool folio_is_device_coherent(const struct folio *folio)
{
	return is_device_coherent_page(&folio->page);
}
static inline bool folio_is_fsdax(const struct folio *folio)
{
	return pgmap_type_is(&folio->page, MEMORY_DEVICE_FS_DAX);
}
/* Pages whose last put goes back to the driver (put_devmap_managed_page). */
static inline bool page_is_devmap_managed(const struct page *page)
{
	return pgmap_type_is(page, MEMORY_DEVICE_FS_DAX) ||
	       pgmap_type_is(page, MEMORY_DEVICE_PRIVATE) ||
	       pgmap_type_is(page, MEMORY_DEVICE_COHERENT);
}

/* The _refcount an unused page of @pgmap has: 1 or 0. */
static inline int pgmap_idle_refcount(const struct dev_pagemap *pgmap)
{
	return pgmap->refcount == DEVMAP_REFCOUNT_IDLE_ONE ? 1 : 0;
}

/*
 * Is this ZONE_DEVICE page unused: no mapping reference (IDLE_ZERO), no GUP
 * reference or pin? False for a page that is not a live ZONE_DEVICE page.
 */
bool devmap_page_idle(const struct page *page);
/*
 * Sleep until devmap_page_idle(@page) or @timeout_ms passed: 0 or -ETIMEDOUT
 * (-EINVAL if not a ZONE_DEVICE page). Woken by the page going back to idle.
 */
int devmap_wait_page_idle(struct page *page, unsigned int timeout_ms);

/*
 * Start using an idle page (a driver allocating device memory, fsdax mapping
 * a block): its first reference beyond idle, with the pagemap reference a busy
 * page holds. -EBUSY if it is not idle (the caller should folio_get()),
 * -ENXIO if the pagemap is dying, -EINVAL for a non-device page.
 */
int zone_device_page_init(struct page *page);
/*
 * A reference on a ZONE_DEVICE page whether or not it is idle: folio_try_get()
 * if busy, zone_device_page_init() if idle. 0 or -ENXIO/-EINVAL.
 */
int zone_device_page_get(struct page *page);

#endif
