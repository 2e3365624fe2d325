/* SPDX-License-Identifier: GPL-2.0-only */
/* struct page / struct folio layout: the offsets a kernel developer knows. */
#include "../common/cmocka_tap.h"
#include <pinmm/mem/memory.h>

static void page_is_64_bytes_with_kernel_offsets(void **state)
{
	(void)state;
#ifdef PINMM_FIELD_TRACKER_PAGE
	/* The PAGE=72 variant: the 2018 field after _refcount, memcg_data re-aligned. */
	assert_int_equal(sizeof(struct page), 72);
	assert_int_equal(offsetof(struct page, _dma_pinned_count), 56);
	assert_int_equal(offsetof(struct page, memcg_data), 64);
	assert_int_equal(offsetof(struct folio, _dma_pinned_count), 56);
#else
	assert_int_equal(sizeof(struct page), 64);
	assert_int_equal(offsetof(struct page, memcg_data), 56);
#endif
	assert_int_equal(offsetof(struct page, flags), 0);
	assert_int_equal(offsetof(struct page, lru), 8);
	assert_int_equal(offsetof(struct page, compound_head), 8);
	assert_int_equal(offsetof(struct page, pgmap), 8);
	assert_int_equal(offsetof(struct page, zone_device_data), 16);
	assert_int_equal(offsetof(struct page, mapping), 24);
	assert_int_equal(offsetof(struct page, index), 32);
	assert_int_equal(offsetof(struct page, private), 40);
	assert_int_equal(offsetof(struct page, _mapcount), 48);
	assert_int_equal(offsetof(struct page, page_type), 48);
	assert_int_equal(offsetof(struct page, _refcount), 52);
}

static void folio_first_tail_fields(void **state)
{
	/* Offsets inside the first tail page; it starts at sizeof(struct page). */
	const size_t p1 = sizeof(struct page);

	(void)state;
	assert_int_equal(offsetof(struct folio, _flags_1), p1 + 0);
	assert_int_equal(offsetof(struct folio, _head_1), p1 + 8);
	assert_int_equal(offsetof(struct folio, _large_mapcount), p1 + 16);
	assert_int_equal(offsetof(struct folio, _nr_pages_mapped), p1 + 20);
	assert_int_equal(offsetof(struct folio, _entire_mapcount), p1 + 24);
	assert_int_equal(offsetof(struct folio, _pincount), p1 + 28);
	assert_int_equal(offsetof(struct folio, _mm_id_mapcount), p1 + 32);
	assert_int_equal(offsetof(struct folio, _mm_ids), p1 + 40);
	assert_int_equal(offsetof(struct folio, _mapcount_1), p1 + 48);
	assert_int_equal(offsetof(struct folio, _nr_pages), p1 + (STRUCT_PAGE_SIZE == 64 ? 56 : 60));
}

static void zone_lives_in_top_flag_bits(void **state)
{
	struct mem_config cfg = { .ram_bytes = 16UL << 20, .movable_bytes = 4UL << 20 };
	struct page *n, *m;

	(void)state;
	assert_int_equal(mem_init(&cfg), 0);
	n = alloc_pages(GFP_KERNEL, 0);
	m = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	assert_non_null(n);
	assert_non_null(m);
	assert_int_equal(page_zonenum(n), ZONE_NORMAL);
	assert_int_equal(page_zonenum(m), ZONE_MOVABLE);
	assert_int_equal(m->flags >> ZONES_PGSHIFT, ZONE_MOVABLE);
	/* flag operations must not disturb the zone */
	folio_set_dirty(page_folio(m));
	folio_clear_dirty(page_folio(m));
	assert_int_equal(page_zonenum(m), ZONE_MOVABLE);
	__free_pages(n, 0);
	__free_pages(m, 0);
	mem_exit();
}

static void pfn_page_address_round_trip(void **state)
{
	struct page *p;

	(void)state;
	assert_int_equal(mem_init(NULL), 0);
	p = alloc_pages(GFP_KERNEL, 3);
	assert_non_null(p);
	for (int i = 0; i < 8; i++) {
		unsigned long pfn = page_to_pfn(p + i);

		assert_ptr_equal(pfn_to_page(pfn), p + i);
		assert_true(pfn_valid(pfn));
		assert_ptr_equal(page_address(p + i), (char *)page_address(p) + i * PAGE_SIZE);
	}
	assert_false(pfn_valid(0));
	assert_false(pfn_valid(ARCH_PFN_OFFSET + (64UL << 20) / PAGE_SIZE));
	__free_pages(p, 3);
	mem_exit();
}

static void bad_config_is_einval(void **state)
{
	struct mem_config odd = { .ram_bytes = (64UL << 20) + 4096 };
	struct mem_config all_movable = { .ram_bytes = 16UL << 20, .movable_bytes = 16UL << 20 };

	(void)state;
	assert_int_equal(mem_init(&odd), -EINVAL);
	assert_int_equal(mem_init(&all_movable), -EINVAL);
	assert_false(mem_initialized());
	assert_int_equal(mem_init(NULL), 0);
	assert_int_equal(mem_init(NULL), -EBUSY);
	mem_exit();
}

static void eight_gib_machine_comes_up(void **state)
{
	struct mem_config cfg = { .ram_bytes = 8UL << 30 };
	struct folio *f;

	(void)state;
	assert_int_equal(mem_init(&cfg), 0);
	assert_int_equal(nr_free_pages(), (8UL << 30) / PAGE_SIZE - 1);
	f = folio_alloc(GFP_HIGHUSER_MOVABLE, 9);
	assert_non_null(f);
	assert_int_equal(folio_nr_pages(f), 512);
	folio_put(f);
	assert_int_equal(buddy_check_integrity(), 0);
	mem_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(page_is_64_bytes_with_kernel_offsets),
		cmocka_unit_test(folio_first_tail_fields),
		cmocka_unit_test(zone_lives_in_top_flag_bits),
		cmocka_unit_test(pfn_page_address_round_trip),
		cmocka_unit_test(bad_config_is_einval),
		cmocka_unit_test(eight_gib_machine_comes_up),
	};
	return RUN_TAP(tests, NULL, NULL);
}
