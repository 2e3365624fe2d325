/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lru-nov2018 tracker (src/pin/lru.c) on ZONE_DEVICE pages: the Nov 2018
 * repost of the LRU RFC marks a page it cannot isolate, so a device page's
 * pgmap gets PAGE_DMA_PINNED's bit and zone_device_data gets the count. The
 * readers of page->pgmap must record that as a BUG, never follow it; the last
 * unpin gives pgmap back and leaves zone_device_data's low half at 0.
 * If the pgmap pointer's own bit 4 is set, the RFC's PageDmaPinnedWasLru()
 * test reads it as "was on an LRU": pgmap loses that bit for good. The July
 * tracker (lru) on the same page leaves both words alone.
 */
#include <stdint.h>
#include <pinmm/pin/trackers.h>
#include "devmap_test.h"

static void *const ZDD = (void *)0x00007f0012345679UL;	/* a driver's per-page pointer */

/* Where the pagemaps live, so that the pointers' bit 4 is known. */
static _Alignas(64) struct dev_pagemap pgmap_bit4_clear;
static _Alignas(64) struct {
	char pad[16];
	struct dev_pagemap pgmap;
} bit4_set;

static struct page *device_page(struct dev_pagemap *pgmap, enum memory_type type)
{
	unsigned long pfn = dt_device_pfn();
	struct page *page;

	dt_pgmap_init(pgmap, type, pfn, 16);
	pgmap->flags = PGMAP_REFCOUNT_EXPLICIT;
	pgmap->refcount = DEVMAP_REFCOUNT_IDLE_ZERO;
	assert_int_equal(memremap_pages(pgmap), 0);
	page = pfn_to_page(pfn + 3);
	assert_int_equal(zone_device_page_init(page), 0);	/* the page's first user */
	WRITE_ONCE(page->zone_device_data, ZDD);
	return page;
}

static void test_nov2018_writes_pgmap(void **state)
{
	struct dev_pagemap *pgmap = &pgmap_bit4_clear;
	struct page *page = device_page(pgmap, MEMORY_DEVICE_GENERIC);
	struct folio *folio = page_folio(page);
	const struct pin_tracker *t = &lru_nov2018_tracker;

	(void)state;
	assert_int_equal(pin_tracker_set(t), 0);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->try_pin(folio, 1, 0), 0);

	/* Tracked, as the July series could not: ... */
	assert_true(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 1);
	/* ... by set_bit(2) on the pgmap pointer and the count over zone_device_data. */
	assert_int_equal((uintptr_t)READ_ONCE(page->pgmap), (uintptr_t)pgmap | 0x4);
	assert_int_equal((uint32_t)(uintptr_t)READ_ONCE(page->zone_device_data), 1);
	assert_int_equal((uintptr_t)READ_ONCE(page->zone_device_data) >> 32, (uintptr_t)ZDD >> 32);
	assert_ptr_equal(page_folio(page), folio);	/* the tail bit is untouched */

	/* Whoever asks the page for its pagemap now: a BUG, not a dereference. */
	assert_null(page_pgmap(page));
	assert_int_equal(dt_take_events(MM_EV_BUG, "would follow the wrong pointer"), 1);
	assert_false(is_device_private_page(page));
	assert_int_equal(dt_take_events(MM_EV_BUG, "would follow the wrong pointer"), 1);
	/* get_dev_pagemap() looks pfns up (the kernel's xarray): not fooled. */
	struct dev_pagemap *got = get_dev_pagemap(page_to_pfn(page), NULL);
	assert_ptr_equal(got, pgmap);
	put_dev_pagemap(got);
	assert_int_equal(mm_event_count(), 0);

	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(t->pincount(folio), 3);
	t->unpin(folio, 2);
	assert_true(t->maybe_dma_pinned(folio));
	t->unpin(folio, 1);

	/* clear_bit() gives pgmap back; the driver's pointer has lost its low half. */
	assert_false(t->maybe_dma_pinned(folio));
	assert_ptr_equal(page_pgmap(page), pgmap);
	assert_int_equal((uintptr_t)READ_ONCE(page->zone_device_data),
			 (uintptr_t)ZDD & ~(uintptr_t)UINT32_MAX);
	assert_int_equal(mm_event_count(), 0);
	folio_put(folio);	/* the first user's reference: back to the pagemap */
	assert_int_equal(mm_event_count(), 0);
	pin_config.tracker = pin_tracker_find("get");
	memunmap_pages(pgmap);
}

static void test_nov2018_was_lru_is_a_pgmap_bit(void **state)
{
	struct dev_pagemap *pgmap = &bit4_set.pgmap;
	struct page *page = device_page(pgmap, MEMORY_DEVICE_GENERIC);
	struct folio *folio = page_folio(page);
	const struct pin_tracker *t = &lru_nov2018_tracker;

	(void)state;
	assert_true((uintptr_t)pgmap & 0x10);
	assert_int_equal(pin_tracker_set(t), 0);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_true(t->maybe_dma_pinned(folio));
	t->unpin(folio, 1);
	assert_int_equal(mm_event_match(MM_EV_BUG, "PageDmaPinnedWasLru"), 1);
	/* The unpin's own put_page() asked the pagemap already (the idle callback). */
	assert_int_equal(mm_event_match(MM_EV_BUG, "would follow the wrong pointer"), 1);
	assert_false(t->maybe_dma_pinned(folio));
	/* The wrong pagemap, 16 bytes early, aligned: only the registry can tell. */
	assert_int_equal((uintptr_t)READ_ONCE(page->pgmap), (uintptr_t)pgmap - 0x10);
	assert_null(page_pgmap(page));
	assert_int_equal(mm_event_match(MM_EV_BUG, "would follow the wrong pointer"), 2);
	assert_int_equal(mm_event_count(), 3);
	mm_events_reset();
	/* The test mends it so that the page can go back to its pagemap. */
	WRITE_ONCE(page->pgmap, pgmap);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
	pin_config.tracker = pin_tracker_find("get");
	memunmap_pages(pgmap);
}

static void test_july_leaves_pgmap_alone(void **state)
{
	struct dev_pagemap pgmap;
	struct page *page = device_page(&pgmap, MEMORY_DEVICE_GENERIC);
	struct folio *folio = page_folio(page);
	const struct pin_tracker *t = &lru_tracker;

	(void)state;
	assert_int_equal(pin_tracker_set(t), 0);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	/* Not marked: not seen either (scenario 14a). */
	assert_false(t->maybe_dma_pinned(folio));
	assert_ptr_equal(READ_ONCE(page->pgmap), &pgmap);
	assert_ptr_equal(READ_ONCE(page->zone_device_data), ZDD);
	t->unpin(folio, 1);
	assert_ptr_equal(READ_ONCE(page->zone_device_data), ZDD);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
	pin_config.tracker = pin_tracker_find("get");
	memunmap_pages(&pgmap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nov2018_writes_pgmap, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_nov2018_was_lru_is_a_pgmap_bit, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_july_leaves_pgmap_alone, dt_setup_machine, dt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
