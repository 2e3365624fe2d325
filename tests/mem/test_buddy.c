/* SPDX-License-Identifier: GPL-2.0-only */
/* The buddy allocator: split, merge, counts, zones, CMA, exhaustion. */
#include <stdlib.h>
#include "../common/cmocka_tap.h"
#include <pinmm/mem/memory.h>

static int setup(void **state)
{
	struct mem_config cfg = { .ram_bytes = 32UL << 20, .movable_bytes = 8UL << 20,
				  .cma_bytes = 4UL << 20 };
	(void)state;
	return mem_init(&cfg);
}
static int teardown(void **state)
{
	(void)state;
	mem_exit();
	return 0;
}

static void random_mixed_orders_return_to_start(void **state)
{
	enum { SLOTS = 512, ROUNDS = 100000 };
	struct { struct page *p; unsigned int order; bool folio; } slot[SLOTS] = { { 0 } };
	unsigned long free0 = nr_free_pages();
	unsigned long blocks0[NR_PAGE_ORDERS], mblocks0[NR_PAGE_ORDERS];
	unsigned int seed = 12345;
	long allocated = 0;

	(void)state;
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		blocks0[o] = zone_nr_free_blocks(ZONE_NORMAL, o);
		mblocks0[o] = zone_nr_free_blocks(ZONE_MOVABLE, o);
	}
	for (int r = 0; r < ROUNDS; r++) {
		int i = rand_r(&seed) % SLOTS;

		if (slot[i].p) {
			if (slot[i].folio)
				folio_put(page_folio(slot[i].p));
			else
				__free_pages(slot[i].p, slot[i].order);
			allocated -= 1L << slot[i].order;
			slot[i].p = NULL;
		} else {
			/* mostly small, sometimes up to 2 MiB */
			unsigned int order = (rand_r(&seed) % 8 == 0) ? rand_r(&seed) % 10
								     : rand_r(&seed) % 3;
			gfp_t gfp = (rand_r(&seed) & 1) ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL;

			/* half of them as (compound) folios: head, tails, first-tail fields */
			slot[i].folio = rand_r(&seed) & 1;
			if (slot[i].folio) {
				struct folio *f = folio_alloc(gfp, order);

				slot[i].p = f ? &f->page : NULL;
				if (f)
					assert_int_equal(folio_order(f), order);
			} else {
				slot[i].p = alloc_pages(gfp, order);
			}
			slot[i].order = order;
			if (slot[i].p) {
				allocated += 1L << order;
				/* a non-movable allocation never comes from MOVABLE or CMA */
				if (!(gfp & __GFP_MOVABLE)) {
					assert_int_equal(page_zonenum(slot[i].p), ZONE_NORMAL);
					assert_false(is_migrate_cma_page(slot[i].p));
				}
				assert_true(IS_ALIGNED(page_to_pfn(slot[i].p), 1UL << order));
			}
		}
		if (r % 10000 == 0) {
			assert_int_equal(buddy_check_integrity(), 0);
			assert_int_equal(nr_free_pages() + (unsigned long)allocated, free0);
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		if (!slot[i].p)
			continue;
		if (slot[i].folio)
			folio_put(page_folio(slot[i].p));
		else
			__free_pages(slot[i].p, slot[i].order);
	}
	assert_int_equal(buddy_check_integrity(), 0);
	assert_int_equal(nr_free_pages(), free0);
	/* everything merged back into the same blocks */
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		assert_int_equal(zone_nr_free_blocks(ZONE_NORMAL, o), blocks0[o]);
		assert_int_equal(zone_nr_free_blocks(ZONE_MOVABLE, o), mblocks0[o]);
	}
	assert_int_equal(mm_event_count(), 0);
}

static void exhaustion_returns_null_and_recovers(void **state)
{
	struct page **pages = calloc(32UL << 20 >> PAGE_SHIFT, sizeof(*pages));
	unsigned long n = 0, free0 = nr_free_pages();
	struct page *p;

	(void)state;
	while ((p = alloc_pages(GFP_HIGHUSER_MOVABLE, 0)))
		pages[n++] = p;
	assert_int_equal(n, free0);
	assert_int_equal(nr_free_pages(), 0);
	assert_null(alloc_pages(GFP_KERNEL, 0));
	assert_null(folio_alloc(GFP_TRANSHUGE, 9));
	for (unsigned long i = 0; i < n; i++)
		__free_pages(pages[i], 0);
	assert_int_equal(nr_free_pages(), free0);
	assert_non_null(p = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER));
	__free_pages(p, MAX_PAGE_ORDER);
	assert_null(alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER + 1));
	free(pages);
}

static void movable_prefers_movable_then_cma(void **state)
{
	unsigned long movable = zone_free_pages(ZONE_MOVABLE);
	unsigned long cma = zone_free_cma_pages();
	struct page **pages = calloc(movable + cma + 1, sizeof(*pages));

	(void)state;
	for (unsigned long i = 0; i < movable; i++) {
		pages[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
		assert_int_equal(page_zonenum(pages[i]), ZONE_MOVABLE);
	}
	for (unsigned long i = movable; i < movable + cma; i++) {
		pages[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
		assert_true(is_migrate_cma_page(pages[i]));
	}
	assert_int_equal(zone_free_cma_pages(), 0);
	pages[movable + cma] = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	assert_false(is_migrate_cma_page(pages[movable + cma]));
	for (unsigned long i = 0; i <= movable + cma; i++)
		__free_pages(pages[i], 0);
	assert_int_equal(zone_free_cma_pages(), cma);
	assert_int_equal(buddy_check_integrity(), 0);
	free(pages);
}

static void zero_gfp_zeroes_and_new_page_is_clean(void **state)
{
	struct page *p = alloc_pages(GFP_KERNEL, 0);
	unsigned char *a;

	(void)state;
	memset_page(p, 0, 0xaa, PAGE_SIZE);
	folio_set_dirty(page_folio(p));
	__free_pages(p, 0);
	p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	a = page_address(p);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(a[i], 0);
	assert_false(folio_test_dirty(page_folio(p)));
	assert_int_equal(page_ref_count(p), 1);
	assert_int_equal(page_mapcount(p), 0);
	__free_pages(p, 0);
}

static void freeing_a_mapped_page_is_a_bad_page_event(void **state)
{
	struct folio *f = folio_alloc(GFP_KERNEL, 0);
	unsigned long free0;

	(void)state;
	page_mapcount_inc(&f->page);
	free0 = nr_free_pages();
	folio_put(f);
	assert_int_equal(mm_event_match(MM_EV_BUG, "Bad page state"), 1);
	/* leaked, as mainline does with a bad page */
	assert_int_equal(nr_free_pages(), free0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(random_mixed_orders_return_to_start, setup, teardown),
		cmocka_unit_test_setup_teardown(exhaustion_returns_null_and_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(movable_prefers_movable_then_cma, setup, teardown),
		cmocka_unit_test_setup_teardown(zero_gfp_zeroes_and_new_page_is_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(freeing_a_mapped_page_is_a_bad_page_event, setup, teardown),
	};
	return RUN_TAP(tests, NULL, NULL);
}
