/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The life of one ZONE_DEVICE page under either refcount convention: taking
 * it into use, its return to the pagemap (the free hook mem/ calls at
 * _refcount 0), and waiting for it to become idle, which is what a DAX
 * filesystem does before it may reuse a pinned block.
 */
#include <pinmm/devmap/memremap.h>
#include "internal.h"

static void pgmap_wake(struct dev_pagemap *pgmap)
{
	pthread_mutex_lock(&pgmap->wait_lock);
	pthread_cond_broadcast(&pgmap->wait_cond);
	pthread_mutex_unlock(&pgmap->wait_lock);
}

/* free_zone_device_folio(): mem/ found _refcount at 0. */
void devmap_page_free(struct folio *folio)
{
	struct page *page = &folio->page;
	struct dev_pagemap *pgmap = page_pgmap(page);

	/* Taken away by a memunmap_pages() that gave up waiting: nobody to tell. */
	if (!pgmap)
		return;
	if (pgmap->refcount == DEVMAP_REFCOUNT_IDLE_ONE) {
		/*
		 * Under IDLE_ONE only memunmap_pages() may drop the idle
		 * reference; anyone else put a reference they never had.
		 */
		if (!atomic_load(&pgmap->dead)) {
			/* The pagemap reference stays with the idle one it belongs to. */
			mm_event(MM_EV_BUG, page,
				 "ZONE_DEVICE page pfn %#lx dropped its idle reference (refcount 0 under idle-at-1)",
				 page_to_pfn(page));
			return;
		}
		put_dev_pagemap(pgmap);
		return;
	}
	/* The page forgets its last user: fsdax's mapping and index, any flags. */
	WRITE_ONCE(page->mapping, NULL);
	page->index = 0;
	WRITE_ONCE(page->flags, (unsigned long)ZONE_DEVICE << ZONES_PGSHIFT);
	atomic_fetch_add(&pgmap->nr_page_free, 1);
	if (pgmap->ops && pgmap->ops->page_free)
		pgmap->ops->page_free(page);
	mm_trace("devmap_page_free", "pfn=%#lx type=%s", page_to_pfn(page),
		 memory_type_names[pgmap->type]);
	pgmap_wake(pgmap);
	/* The reference the busy page held; after it the pagemap may go. */
	put_dev_pagemap(pgmap);
}

/* put_devmap_managed_page(): under idle-at-1 a put left the idle reference. */
void devmap_page_idle_one(struct folio *folio)
{
	struct dev_pagemap *pgmap = page_pgmap(&folio->page);

	if (pgmap && pgmap->refcount == DEVMAP_REFCOUNT_IDLE_ONE)
		pgmap_wake(pgmap);
}

bool devmap_page_idle(const struct page *page)
{
	struct dev_pagemap *pgmap;

	if (!page || !is_zone_device_page(page))
		return false;
	pgmap = page_pgmap(page);
	return pgmap && page_ref_count(page) == pgmap_idle_refcount(pgmap);
}

static bool page_idle_cb(void *arg)
{
	return devmap_page_idle(arg);
}

int devmap_wait_page_idle(struct page *page, unsigned int timeout_ms)
{
	struct dev_pagemap *pgmap;
	int ret;

	if (!page || !is_zone_device_page(page))
		return -EINVAL;
	pgmap = get_dev_pagemap(page_to_pfn(page), NULL);
	if (!pgmap)
		return -EINVAL;
	ret = devmap_timed_wait(pgmap, page_idle_cb, page, timeout_ms);
	put_dev_pagemap(pgmap);
	return ret;
}

int zone_device_page_init(struct page *page)
{
	struct dev_pagemap *pgmap;
	int idle;

	if (!page || !is_zone_device_page(page) || PageTail(page))
		return -EINVAL;
	pgmap = page_pgmap(page);
	if (!pgmap)
		return -EINVAL;
	idle = pgmap_idle_refcount(pgmap);
	if (idle == 0 && !devmap_pgmap_tryget(pgmap))
		return -ENXIO;
	if (idle == 1 && atomic_load(&pgmap->dead))
		return -ENXIO;
	if (!atomic_compare_exchange_strong(&page->_refcount, &idle, idle + 1)) {
		int expected = pgmap_idle_refcount(pgmap);

		if (expected == 0)
			put_dev_pagemap(pgmap);
		/* Below idle: the page is being taken away (or was broken). */
		return idle > expected ? -EBUSY : -ENXIO;
	}
	return 0;
}

int zone_device_page_get(struct page *page)
{
	struct folio *folio;
	int ret;

	if (!page || !is_zone_device_page(page))
		return -EINVAL;
	folio = page_folio(page);
	for (;;) {
		if (folio_try_get(folio))
			return 0;
		ret = zone_device_page_init(&folio->page);
		if (ret != -EBUSY)
			return ret;
	}
}
