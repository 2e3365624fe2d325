/* SPDX-License-Identifier: GPL-2.0-only */
/* The `page_ext` tracker: a pin count per pfn in a table allocated at boot. */
#include "../common/cmocka_tap.h"
#include <limits.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>
#include <pinmm/mem/memory.h>
#include <pinmm/mem/page_ext.h>

extern const struct pin_tracker page_ext_tracker;
static const struct pin_tracker *t = &page_ext_tracker;

static int setup(void **state)
{
	if (boot_default_machine(state))
		return -1;
	return pin_preset_apply(pin_preset_find("page_ext"));
}

static int teardown(void **state)
{
	mem_exit();
	return pin_preset_apply(pin_preset_find("mainline"));
}

static atomic_int *entry_count(struct folio *folio)
{
	return (atomic_int *)((unsigned char *)page_ext_get(&folio->page) + sizeof(struct page_ext));
}

static void test_table_covers_every_pfn_from_boot(void **state)
{
	struct mem_config cfg = { .ram_bytes = 32UL << 20, .device_bytes = 2UL << 20 };

	(void)state;
	/* Enabled on a running machine: allocated there and then. */
	assert_non_null(node_page_ext);
	assert_int_equal(page_ext_size, 12);
	assert_int_equal(t->bytes_per_page, 12);
	assert_int_equal(page_ext_table_bytes(), contig_page_data.node_spanned_pages * 12);
	/* The next boot allocates it before anything is pinned, for all memory. */
	mem_exit();
	assert_null(node_page_ext);
	assert_int_equal(mem_init(&cfg), 0);
	assert_non_null(node_page_ext);
	assert_int_equal(page_ext_table_bytes(), ((34UL << 20) >> PAGE_SHIFT) * 12);
	assert_ptr_equal(page_ext_get(pfn_to_page(ARCH_PFN_OFFSET)), (void *)node_page_ext);
	assert_ptr_equal(page_ext_get(pfn_to_page(ARCH_PFN_OFFSET + 10)),
			 (void *)(node_page_ext + 10 * 12));
}

static void test_pins_balance_exactly(void **state)
{
	struct folio *small = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 3);

	(void)state;
	assert_false(t->maybe_dma_pinned(small));
	assert_int_equal(t->pincount(small), 0);
	assert_int_equal(t->try_pin(small, 1, 0), 0);
	assert_int_equal(t->try_pin(small, 2, 0), 0);
	assert_int_equal(t->try_pin(large, 8, 0), 0);
	/* The count is in the head pfn's entry, beside one reference per pin. */
	assert_int_equal(atomic_load(entry_count(small)), 3);
	assert_int_equal(atomic_load(entry_count(large)), 8);
	assert_int_equal(atomic_load(entry_count((struct folio *)folio_page(large, 1))), 0);
	assert_int_equal(folio_ref_count(small), 4);
	assert_int_equal(t->pincount(small), 3);
	assert_int_equal(t->pincount(large), 8);
	assert_true(t->maybe_dma_pinned(small));
	assert_true(t->maybe_dma_pinned(large));
	t->unpin(small, 3);
	t->unpin(large, 8);
	assert_false(t->maybe_dma_pinned(small));
	assert_false(t->maybe_dma_pinned(large));
	assert_int_equal(folio_ref_count(small), 1);
	/* No false positive: references are not pins. */
	folio_ref_add(small, 4096);
	assert_false(t->maybe_dma_pinned(small));
	folio_ref_sub(small, 4096);
	folio_put(small);
	folio_put(large);
	assert_int_equal(mm_event_count(), 0);
}

static void test_struct_page_untouched_and_refusals(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct page before = folio->page;

	(void)state;
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	/* Only the reference moved in struct page. */
	assert_int_equal(folio->page.flags, before.flags);
	assert_int_equal(folio->page.private, before.private);
	assert_int_equal(folio_ref_count(folio), 2);
	t->unpin(folio, 1);
	set_page_count(&folio->page, INT_MAX);
	assert_int_equal(t->try_pin(folio, 1, 0), -ENOMEM);
	assert_int_equal(t->pincount(folio), 0);
	set_page_count(&folio->page, 1);
	/* A double unpin is caught by the count, not by _refcount. */
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	t->unpin(folio, 1);
	folio_get(folio);
	t->unpin(folio, 1);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 1);
	atomic_store(entry_count(folio), 0);
	folio_put(folio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_covers_every_pfn_from_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pins_balance_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_struct_page_untouched_and_refusals, setup, teardown),
	};
	return RUN_TAP(tests, NULL, NULL);
}
