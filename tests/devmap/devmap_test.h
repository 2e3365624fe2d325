/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the devmap/ tests: a machine with ZONE_DEVICE pfns, a pagemap or
 * a pmem disk with a DAX blkfs on it, and a teardown that checks every
 * pagemap went away, no page leaked and no unexpected BUG/WARN was recorded.
 */
#ifndef PINMM_TESTS_DEVMAP_TEST_H
#define PINMM_TESTS_DEVMAP_TEST_H

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../common/cmocka_tap.h"
#include <pinmm/mem/memory.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/pin/tracker.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/dax.h>
#include <pinmm/devmap/memremap.h>
#include <pinmm/devmap/pmem.h>

#define DT_DEVICE_BYTES	(32UL << 20)
#define DT_DISK_SIZE	(4UL << 20)

struct dt_fixture {
	unsigned long free0;
	struct pin_config saved;
	enum devmap_refcount saved_refcount;
	unsigned int saved_layout_timeout;
	struct block_device *bdev;
	struct blkfs *fs;
};

static inline int dt_setup_machine(void **state)
{
	struct dt_fixture *fx = calloc(1, sizeof(*fx));
	struct mem_config cfg = { .device_bytes = DT_DEVICE_BYTES };

	if (!fx || mem_init(&cfg))
		return -1;
	fx->saved = pin_config;
	fx->saved_refcount = devmap_refcount_default;
	fx->saved_layout_timeout = dax_layout_timeout_ms;
	pin_config.tracker = pin_tracker_find("get");
	pin_config.longterm = LONGTERM_MAINLINE;
	fx->free0 = nr_free_pages();
	*state = fx;
	return 0;
}

/* A pmem disk and a DAX blkfs on it, under @rc. */
static inline int dt_setup_dax(void **state, enum devmap_refcount rc)
{
	struct dt_fixture *fx;
	int err;

	if (dt_setup_machine(state))
		return -1;
	fx = *state;
	devmap_refcount_default = rc;
	fx->bdev = pmem_create("pmem0", DT_DISK_SIZE, false, &err);
	fx->fs = fx->bdev ? blkfs_mount(fx->bdev, "pmem0", BLKFS_DAX) : NULL;
	return fx->fs ? 0 : -1;
}

static inline int dt_setup_dax_idle1(void **state)
{
	return dt_setup_dax(state, DEVMAP_REFCOUNT_IDLE_ONE);
}

static inline int dt_setup_dax_idle0(void **state)
{
	return dt_setup_dax(state, DEVMAP_REFCOUNT_IDLE_ZERO);
}

static inline int dt_teardown(void **state)
{
	struct dt_fixture *fx = *state;
	struct mm_event ev;
	int ret = 0;

	for (size_t i = 0; !mm_event_get(i, &ev); i++) {
		print_error("teardown: unexpected event %s\n", ev.text);
		ret = -1;
	}
	if (fx->fs && blkfs_umount(fx->fs)) {
		print_error("teardown: umount busy\n");
		ret = -1;
	}
	bdev_destroy(fx->bdev);
	if (devmap_nr_pagemaps()) {
		print_error("teardown: %lu pagemap(s) left\n", devmap_nr_pagemaps());
		ret = -1;
	}
	if (mm_event_count()) {
		print_error("teardown: events during teardown\n");
		ret = -1;
	}
	mm_rcu_barrier();
	if (nr_free_pages() != fx->free0) {
		print_error("teardown: %ld pages leaked\n", (long)(fx->free0 - nr_free_pages()));
		ret = -1;
	}
	pin_config = fx->saved;
	devmap_refcount_default = fx->saved_refcount;
	dax_layout_timeout_ms = fx->saved_layout_timeout;
	mem_exit();
	free(fx);
	return ret;
}

/* The first pfn of the machine's ZONE_DEVICE range. */
static inline unsigned long dt_device_pfn(void)
{
	return contig_page_data.node_zones[ZONE_DEVICE].zone_start_pfn;
}

static inline void dt_pgmap_init(struct dev_pagemap *pgmap, enum memory_type type,
				 unsigned long pfn, unsigned long nr)
{
	memset(pgmap, 0, sizeof(*pgmap));
	pgmap->type = type;
	pgmap->range.start = pfn_to_phys(pfn);
	pgmap->range.end = pfn_to_phys(pfn + nr) - 1;
}

/* Count, and forget, the recorded events of @kind whose text has @needle. */
static inline size_t dt_take_events(enum mm_event_kind kind, const char *needle)
{
	size_t n = mm_event_match(kind, needle);

	if (n == mm_event_count())
		mm_events_reset();
	return n;
}

static inline long dt_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* A thread that drops a page reference after @delay_ms. */
struct dt_dropper {
	pthread_t thread;
	struct page *page;
	unsigned int delay_ms;
	atomic_bool dropped;
};

static inline void *dt_dropper_fn(void *arg)
{
	struct dt_dropper *d = arg;

	usleep(d->delay_ms * 1000U);
	atomic_store(&d->dropped, true);
	put_page(d->page);
	return NULL;
}

static inline void dt_drop_later(struct dt_dropper *d, struct page *page, unsigned int delay_ms)
{
	d->page = page;
	d->delay_ms = delay_ms;
	atomic_init(&d->dropped, false);
	assert_int_equal(pthread_create(&d->thread, NULL, dt_dropper_fn, d), 0);
}

#endif
