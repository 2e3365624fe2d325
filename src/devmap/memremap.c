/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memremap_pages() / memunmap_pages() and the pagemap reference: which
 * ZONE_DEVICE pfns belong to which driver, and when a driver may take its
 * memory back.
 */
#include <pinmm/mem/kernel.h>
#include <pinmm/mem/whatif.h>
#include <stdlib.h>
#include <time.h>
#include <pinmm/devmap/memremap.h>
#include "internal.h"

const char *const memory_type_names[NR_MEMORY_TYPES] = {
	[0] = "none",
	[MEMORY_DEVICE_PRIVATE] = "private",
	[MEMORY_DEVICE_COHERENT] = "coherent",
	[MEMORY_DEVICE_FS_DAX] = "fsdax",
	[MEMORY_DEVICE_GENERIC] = "generic",
	[MEMORY_DEVICE_PCI_P2PDMA] = "p2pdma",
};

const char *const devmap_refcount_names[NR_DEVMAP_REFCOUNTS] = {
	[DEVMAP_REFCOUNT_IDLE_ONE] = "idle-at-1",
	[DEVMAP_REFCOUNT_IDLE_ZERO] = "idle-at-0",
};

enum devmap_refcount devmap_refcount_default = DEVMAP_REFCOUNT_BY_RELEASE;

enum devmap_refcount devmap_release_refcount(enum memory_type type)
{
	switch (type) {
	case MEMORY_DEVICE_PRIVATE:
	case MEMORY_DEVICE_COHERENT:
		return kernel_has(KSW_DEVMAP_PRIVATE_IDLE_ZERO) ? DEVMAP_REFCOUNT_IDLE_ZERO
								 : DEVMAP_REFCOUNT_IDLE_ONE;
	case MEMORY_DEVICE_FS_DAX:
		/* Seed 003's RFC idled fsdax at 0 too (a what-if: it never merged). */
		return kernel_has(KSW_FSDAX_REFCOUNTED) || whatif(WHATIF_RFC_2020_IDLE_ZERO) ||
		       whatif(WHATIF_DAX_REF_AT_INSERT) ? DEVMAP_REFCOUNT_IDLE_ZERO
							: DEVMAP_REFCOUNT_IDLE_ONE;
	default:
		/*
		 * Model: device-dax and P2PDMA pages idle at 1 in every release,
		 * v6.18 included (6.12's __init_zone_device_page()). 6.15 made
		 * device-dax pages idle at 0 too, in the series of
		 * fsdax-refcounted (aed877c2b425, "device/dax: properly refcount
		 * device dax pages"): not modelled, and no scenario maps one.
		 */
		return DEVMAP_REFCOUNT_IDLE_ONE;
	}
}
unsigned int devmap_unmap_timeout_ms = 10000;

/*
 * The registry of live pagemaps. Model: the kernel keeps an xarray by pfn for
 * get_dev_pagemap(); here every ZONE_DEVICE struct page points at its pagemap
 * (page->pgmap, which the kernel has too) and the list only serves overlap
 * checks and range search. It belongs to one boot of the machine.
 */
static pthread_mutex_t pgmap_lock = PTHREAD_MUTEX_INITIALIZER;
static CDS_LIST_HEAD(pgmap_list);
static unsigned int pgmap_list_gen;

/* pgmap_lock held: forget pagemaps of an earlier boot (a test that leaked one). */
static void pgmap_list_sync_boot(void)
{
	unsigned int gen = atomic_load(&mm_boot_generation);

	if (pgmap_list_gen != gen) {
		CDS_INIT_LIST_HEAD(&pgmap_list);
		pgmap_list_gen = gen;
	}
}

static const struct zone *device_zone(void)
{
	return &contig_page_data.node_zones[ZONE_DEVICE];
}

static bool pgmap_overlaps(unsigned long start, unsigned long end)
{
	struct dev_pagemap *p;

	cds_list_for_each_entry(p, &pgmap_list, list)
		if (start < pgmap_pfn_end(p) && pgmap_pfn_start(p) < end)
			return true;
	return false;
}

int devmap_find_free_range(unsigned long nr_pages, unsigned long *start_pfn)
{
	const struct zone *z = device_zone();
	unsigned long zend = z->zone_start_pfn + z->spanned_pages;
	int ret = -ENOMEM;

	if (!nr_pages || !start_pfn || !mem_initialized())
		return -EINVAL;
	pthread_mutex_lock(&pgmap_lock);
	pgmap_list_sync_boot();
	for (unsigned long s = z->zone_start_pfn; s + nr_pages <= zend;) {
		struct dev_pagemap *p, *hit = NULL;

		cds_list_for_each_entry(p, &pgmap_list, list)
			if (s < pgmap_pfn_end(p) && pgmap_pfn_start(p) < s + nr_pages)
				if (!hit || pgmap_pfn_end(p) > pgmap_pfn_end(hit))
					hit = p;
		if (!hit) {
			*start_pfn = s;
			ret = 0;
			break;
		}
		s = pgmap_pfn_end(hit);
	}
	pthread_mutex_unlock(&pgmap_lock);
	return ret;
}

unsigned long devmap_nr_pagemaps(void)
{
	struct dev_pagemap *p;
	unsigned long n = 0;

	pthread_mutex_lock(&pgmap_lock);
	pgmap_list_sync_boot();
	cds_list_for_each_entry(p, &pgmap_list, list)
		n++;
	pthread_mutex_unlock(&pgmap_lock);
	return n;
}

static int pgmap_check(const struct dev_pagemap *pgmap)
{
	const struct zone *z = device_zone();
	unsigned long start, end;

	if (!pgmap || pgmap->type <= 0 || pgmap->type >= NR_MEMORY_TYPES)
		return -EINVAL;
	if (pgmap->range.end < pgmap->range.start ||
	    !IS_ALIGNED(pgmap->range.start, (uint64_t)PAGE_SIZE) ||
	    !IS_ALIGNED(pgmap->range.end + 1, (uint64_t)PAGE_SIZE))
		return -EINVAL;
	if ((pgmap->flags & PGMAP_REFCOUNT_EXPLICIT) &&
	    (unsigned int)pgmap->refcount >= NR_DEVMAP_REFCOUNTS)
		return -EINVAL;
	/* The driver's allocator learns that a page is free only through this. */
	if ((pgmap->type == MEMORY_DEVICE_PRIVATE || pgmap->type == MEMORY_DEVICE_COHERENT) &&
	    (!pgmap->ops || !pgmap->ops->page_free))
		return -EINVAL;
	start = pgmap_pfn_start(pgmap);
	end = pgmap_pfn_end(pgmap);
	if (!mem_initialized() || start < z->zone_start_pfn ||
	    end > z->zone_start_pfn + z->spanned_pages)
		return -ENOMEM;
	return 0;
}

int memremap_pages(struct dev_pagemap *pgmap)
{
	unsigned long start, end;
	int idle, err;

	err = pgmap_check(pgmap);
	if (err)
		return err;
	start = pgmap_pfn_start(pgmap);
	end = pgmap_pfn_end(pgmap);
	if (!(pgmap->flags & PGMAP_REFCOUNT_EXPLICIT)) {
		enum devmap_refcount rc = READ_ONCE(devmap_refcount_default);

		pgmap->refcount = rc == DEVMAP_REFCOUNT_BY_RELEASE ?
				  devmap_release_refcount(pgmap->type) : rc;
	}
	idle = pgmap_idle_refcount(pgmap);

	pthread_mutex_lock(&pgmap_lock);
	pgmap_list_sync_boot();
	if (pgmap_overlaps(start, end)) {
		pthread_mutex_unlock(&pgmap_lock);
		return -EBUSY;
	}
	/* The base reference, and under IDLE_ONE the one every idle page holds. */
	atomic_init(&pgmap->ref, 1 + (idle ? (long)(end - start) : 0));
	atomic_init(&pgmap->dead, false);
	atomic_init(&pgmap->nr_page_free, 0);
	pthread_mutex_init(&pgmap->wait_lock, NULL);
	pthread_cond_init(&pgmap->wait_cond, NULL);

	/* memmap_init_zone_device() */
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);

		WRITE_ONCE(page->flags, (unsigned long)ZONE_DEVICE << ZONES_PGSHIFT);
		page->mapping = NULL;
		page->index = 0;
		page->private = 0;
		WRITE_ONCE(page->zone_device_data, NULL);
		atomic_store_explicit(&page->_mapcount, -1, memory_order_relaxed);
		set_page_count(page, idle);
		/* Publishes the page's state to get_dev_pagemap()'s lockless readers. */
		__atomic_store_n(&page->pgmap, pgmap, __ATOMIC_RELEASE);
	}
	zone_device_page_free_hook = devmap_page_free;
	zone_device_page_idle_hook = devmap_page_idle_one;
	pgmap->live = true;
	cds_list_add_tail(&pgmap->list, &pgmap_list);
	pthread_mutex_unlock(&pgmap_lock);
	mm_trace("memremap_pages", "type=%s pfn=%#lx-%#lx pages=%lu refcount=%s",
		 memory_type_names[pgmap->type], start, end - 1, end - start,
		 devmap_refcount_names[pgmap->refcount]);
	return 0;
}

/* percpu_ref_tryget_live() */
static bool pgmap_tryget_live(struct dev_pagemap *pgmap)
{
	long old;

	if (atomic_load(&pgmap->dead))
		return false;
	old = atomic_load(&pgmap->ref);
	do {
		if (old <= 0)
			return false;
	} while (!atomic_compare_exchange_weak(&pgmap->ref, &old, old + 1));
	/* Killed meanwhile: memunmap_pages() may already be waiting for zero. */
	if (atomic_load(&pgmap->dead)) {
		put_dev_pagemap(pgmap);
		return false;
	}
	return true;
}

bool devmap_pgmap_tryget(struct dev_pagemap *pgmap)
{
	return pgmap_tryget_live(pgmap);
}

/*
 * The kernel's get_dev_pagemap() finds the pagemap in an xarray by pfn, which
 * a write over page->pgmap does not reach; pinmm reads page->pgmap in its
 * place (see the registry's comment) and, once a design may have written over
 * it, looks the pfn up in the registry as the xarray would.
 */
static struct dev_pagemap *pgmap_by_pfn(unsigned long pfn)
{
	struct dev_pagemap *p, *hit = NULL;

	pthread_mutex_lock(&pgmap_lock);
	pgmap_list_sync_boot();
	cds_list_for_each_entry(p, &pgmap_list, list)
		if (pgmap_pfn_valid(p, pfn))
			hit = p;
	pthread_mutex_unlock(&pgmap_lock);
	return hit;
}

struct dev_pagemap *page_pgmap_checked(const struct page *page, struct dev_pagemap *seen)
{
	struct dev_pagemap *real = pgmap_by_pfn(page_to_pfn(page));
	bool misaligned = (uintptr_t)seen & (_Alignof(struct dev_pagemap) - 1);

	/* No live pagemap covers it (torn down, or being): what memunmap_pages() left. */
	if (!real && !misaligned)
		return seen;
	if (seen == real)
		return seen;
	mm_event(MM_EV_BUG, (struct page *)page,
		 "page->pgmap of ZONE_DEVICE pfn %#lx is %p, its pagemap is %p: the kernel would follow the wrong pointer (pgmap->type, pgmap->ops)",
		 page_to_pfn(page), (void *)seen, (void *)real);
	return NULL;
}

struct dev_pagemap *get_dev_pagemap(unsigned long pfn, struct dev_pagemap *pgmap)
{
	struct page *page;

	if (pgmap && pgmap_pfn_valid(pgmap, pfn))
		return pgmap;
	if (!pfn_valid(pfn))
		return NULL;
	page = pfn_to_page(pfn);
	if (!is_zone_device_page(page))
		return NULL;
	/* The pagemap cannot be freed inside the read-side section (memunmap_pages). */
	mm_rcu_read_lock();
	pgmap = __atomic_load_n(&page->pgmap, __ATOMIC_ACQUIRE);
	if (unlikely(atomic_load_explicit(&zone_device_lru_written, memory_order_relaxed)))
		pgmap = pgmap_by_pfn(pfn);
	if (pgmap && !pgmap_tryget_live(pgmap))
		pgmap = NULL;
	mm_rcu_read_unlock();
	return pgmap;
}

void put_dev_pagemap(struct dev_pagemap *pgmap)
{
	long left;

	if (!pgmap)
		return;
	left = atomic_fetch_sub(&pgmap->ref, 1) - 1;
	if (left == 0) {
		pthread_mutex_lock(&pgmap->wait_lock);
		pthread_cond_broadcast(&pgmap->wait_cond);
		pthread_mutex_unlock(&pgmap->wait_lock);
	} else if (left < 0) {
		mm_event(MM_EV_BUG, NULL, "put_dev_pagemap: pagemap reference underflow (%ld)", left);
	}
}

static void deadline_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int devmap_timed_wait(struct dev_pagemap *pgmap, bool (*done)(void *), void *arg,
		      unsigned int timeout_ms)
{
	struct timespec deadline, now;
	int ret = 0;

	deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&pgmap->wait_lock);
	/*
	 * The free hook (a page at 0) and the idle hook (a page back at 1 under
	 * idle-at-1) broadcast under wait_lock after the count changed, so a
	 * check of done() under the lock cannot miss its wakeup.
	 */
	while (!done(arg)) {
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
			ret = -ETIMEDOUT;
			break;
		}
		pthread_cond_timedwait(&pgmap->wait_cond, &pgmap->wait_lock, &deadline);
	}
	pthread_mutex_unlock(&pgmap->wait_lock);
	return ret;
}

static bool pgmap_ref_gone(void *arg)
{
	return atomic_load(&((struct dev_pagemap *)arg)->ref) <= 0;
}

static unsigned long pgmap_busy_pages(unsigned long start, unsigned long end)
{
	unsigned long busy = 0;

	for (unsigned long pfn = start; pfn < end; pfn++)
		if (page_ref_count(pfn_to_page(pfn)) > 0)
			busy++;
	return busy;
}

/* How long a pagemap reference held by no page in use may take to go. */
#define PGMAP_ORPHAN_GRACE_MS	50
#define PGMAP_WAIT_SLICE_MS	10

/* Was a BUG recorded against a page of the range (a double unpin, a stray put)? */
static bool pgmap_range_had_bug(unsigned long start, unsigned long end)
{
	struct mm_event ev;

	for (size_t i = 0; mm_event_get(i, &ev) == 0; i++)
		if (ev.kind == MM_EV_BUG && ev.pfn >= start && ev.pfn < end)
			return true;
	return false;
}

/*
 * The first page of the range whose _refcount is below zero, or NULL. Once
 * teardown has dropped the idle references a balanced page is at 0; below it,
 * somebody put a reference they did not hold. Mainline checks no underflow, so
 * a double unpin under the bias (1025 -> 1 -> -1023) leaves no BUG behind:
 * only the count says so.
 */
static struct page *pgmap_negative_page(unsigned long start, unsigned long end)
{
	for (unsigned long pfn = start; pfn < end; pfn++)
		if (page_ref_count(pfn_to_page(pfn)) < 0)
			return pfn_to_page(pfn);
	return NULL;
}

enum pgmap_wait {
	PGMAP_UNUSED,		/* the count reached zero */
	PGMAP_UNBALANCED,	/* it never will: see pgmap_wait_unused() */
	PGMAP_TIMED_OUT,	/* devmap_unmap_timeout_ms passed */
};

/*
 * Model: the kernel's memunmap_pages() waits for ever. pinmm waits while a
 * page of the range is in use (its holder can still give it back), or while
 * a reference could belong to a get_dev_pagemap() user. It gives up at once,
 * after PGMAP_ORPHAN_GRACE_MS, when no page is in use and the range's counts
 * are known to be unbalanced (a BUG was recorded against one of its pages, or
 * a page's _refcount is below zero: a double unpin, a stray put_page()): the
 * count can never reach zero, so the kernel would hang here and the model
 * says so instead. The whole wait is bounded by devmap_unmap_timeout_ms in
 * any case.
 */
static enum pgmap_wait pgmap_wait_unused(struct dev_pagemap *pgmap, unsigned long start,
					 unsigned long end)
{
	unsigned int waited = 0, idle_for = 0;

	while (devmap_timed_wait(pgmap, pgmap_ref_gone, pgmap, PGMAP_WAIT_SLICE_MS)) {
		waited += PGMAP_WAIT_SLICE_MS;
		idle_for = pgmap_busy_pages(start, end) ? 0 : idle_for + PGMAP_WAIT_SLICE_MS;
		if (waited >= devmap_unmap_timeout_ms)
			return PGMAP_TIMED_OUT;
		if (idle_for >= PGMAP_ORPHAN_GRACE_MS &&
		    (pgmap_range_had_bug(start, end) || pgmap_negative_page(start, end)))
			return PGMAP_UNBALANCED;
	}
	return PGMAP_UNUSED;
}

void memunmap_pages(struct dev_pagemap *pgmap)
{
	unsigned long start, end, busy;
	enum pgmap_wait wait;
	bool timed_out;

	if (!pgmap || !pgmap->live)
		return;
	start = pgmap_pfn_start(pgmap);
	end = pgmap_pfn_end(pgmap);

	/* percpu_ref_kill(): no new users, then our base reference goes. */
	atomic_store(&pgmap->dead, true);
	put_dev_pagemap(pgmap);
	/* Under IDLE_ONE every page gives up its idle reference (and the pgmap's). */
	if (pgmap->refcount == DEVMAP_REFCOUNT_IDLE_ONE)
		for (unsigned long pfn = start; pfn < end; pfn++)
			put_page(pfn_to_page(pfn));
	wait = pgmap_wait_unused(pgmap, start, end);
	timed_out = wait != PGMAP_UNUSED;
	busy = timed_out ? pgmap_busy_pages(start, end) : 0;
	if (busy) {
		mm_event(MM_EV_WARN, NULL,
			 "memunmap_pages: %lu page(s) of pfn %#lx-%#lx still in use after %u ms",
			 busy, start, end - 1, devmap_unmap_timeout_ms);
	} else if (wait == PGMAP_UNBALANCED) {
		struct page *neg = pgmap_negative_page(start, end);

		if (neg)
			mm_event(MM_EV_WARN, neg,
				 "memunmap_pages: pfn %#lx-%#lx: %ld pagemap reference(s) held by no page in use, pfn %#lx at _refcount %d (a put without a reference); the kernel would wait for ever",
				 start, end - 1, (long)atomic_load(&pgmap->ref), page_to_pfn(neg),
				 page_ref_count(neg));
		else
			mm_event(MM_EV_WARN, NULL,
				 "memunmap_pages: pfn %#lx-%#lx: %ld pagemap reference(s) held by no page in use after a BUG on the range; the kernel would wait for ever",
				 start, end - 1, (long)atomic_load(&pgmap->ref));
	} else if (timed_out) {
		mm_event(MM_EV_WARN, NULL,
			 "memunmap_pages: pfn %#lx-%#lx: %ld pagemap reference(s) held by no page in use after %u ms",
			 start, end - 1, (long)atomic_load(&pgmap->ref), devmap_unmap_timeout_ms);
	}

	pthread_mutex_lock(&pgmap_lock);
	cds_list_del(&pgmap->list);
	pgmap->live = false;
	pthread_mutex_unlock(&pgmap_lock);
	for (unsigned long pfn = start; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);

		__atomic_store_n(&page->pgmap, NULL, __ATOMIC_RELEASE);
		page->mapping = NULL;
		page->index = 0;
	}
	/* get_dev_pagemap() readers that saw the old pointer are done with it. */
	mm_synchronize_rcu();
	/* After a timeout a late put_dev_pagemap() may still take the lock: leak it. */
	if (!timed_out) {
		pthread_cond_destroy(&pgmap->wait_cond);
		pthread_mutex_destroy(&pgmap->wait_lock);
	}
	mm_trace("memunmap_pages", "type=%s pfn=%#lx-%#lx%s", memory_type_names[pgmap->type],
		 start, end - 1, busy ? " (pages still in use)" : "");
}
