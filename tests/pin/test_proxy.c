/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `proxy` tracker (seed 000) through its ops table: exact pins kept in
 * per-pin objects, tagged entries that the mem accessors look through, the
 * put_page()/get_page() catch, ref_user_page() counting, fault injection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include "../common/cmocka_tap.h"
#include <pinmm/pin/pin.h>
#include <pinmm/pin/proxy.h>
#include <pinmm/pin/trackers.h>

static const struct pin_tracker *t = &proxy_tracker;

static struct page *pin_entry(struct page *page, struct address_space *mapping, pgoff_t index)
{
	struct page *entry;

	t->pin_entries(page, 1, mapping, index, &entry);
	return entry;
}

static int put_entry(struct page *entry)
{
	return t->put_entries(&entry, 1);
}

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	mm_events_reset();
	return pin_tracker_set(&proxy_tracker);
}

static int teardown(void **state)
{
	proxy_cache_fail_nth(0);
	assert_int_equal(proxy_cache_live(), 0);
	pin_tracker_set(&bias_tracker);
	mem_exit();
	return 0;
}

static void test_pins_are_exact(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	/* One reference per proxy keeps the folio; no bias. */
	assert_int_equal(folio_ref_count(folio), 3);
	assert_true(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 2);
	assert_int_equal(proxy_cache_live(), 2);
	t->unpin(folio, 2);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);

	/* 1024 plain references are not a pin here (they are under bias). */
	folio_ref_add(folio, 1024);
	assert_false(t->maybe_dma_pinned(folio));
	assert_true(bias_tracker.maybe_dma_pinned(folio));
	folio_ref_sub(folio, 1024);
	folio_put(folio);
}

static void test_entry_is_tagged_and_accessors_look_through(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 2);
	struct page *page = folio_page(folio, 3);
	struct address_space *fake = (struct address_space *)(uintptr_t)0x1000;
	struct page *entry;

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	entry = pin_entry(page, fake, 42);
	assert_true(page_is_proxy(entry));
	assert_ptr_not_equal(entry, page);
	assert_ptr_equal(canonical_page(entry), page);
	assert_int_equal(page_to_pfn(entry), page_to_pfn(page));
	assert_ptr_equal(page_folio(entry), folio);
	assert_ptr_equal(compound_head(entry), &folio->page);
	assert_true(PageTail(entry));
	assert_ptr_equal(page_address(entry), page_address(page));
	assert_ptr_equal(page_to_proxy(entry)->mapping, fake);
	assert_int_equal(page_to_proxy(entry)->index, 42);
	/* An untagged page is its own canonical page. */
	assert_ptr_equal(canonical_page(page), page);
	assert_int_equal(__page_to_pfn(page), page_to_pfn(page));

	assert_int_equal(put_entry(entry), 1);
	t->unpin(folio, 1);
	assert_false(t->maybe_dma_pinned(folio));
	folio_put(folio);
}

static void test_ref_user_page_counts_on_the_proxy(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct page *entry;

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	entry = pin_entry(&folio->page, NULL, 0);
	assert_int_equal(t->get_entry(entry), 0);
	assert_int_equal(t->get_entry(entry), 0);
	/* Still one pin and one reference: the extra references are the proxy's. */
	assert_int_equal(t->pincount(folio), 1);
	assert_int_equal(folio_ref_count(folio), 2);
	assert_int_equal(put_entry(entry), 0);
	assert_int_equal(put_entry(entry), 0);
	assert_true(t->maybe_dma_pinned(folio));
	assert_int_equal(put_entry(entry), 1);
	t->unpin(folio, 1);
	assert_false(t->maybe_dma_pinned(folio));
	/* Given back twice: caught, nothing dropped. */
	assert_int_equal(put_entry(entry), 0);
	assert_int_equal(mm_event_match(MM_EV_WARN, "already released"), 1);
	assert_int_equal(t->get_entry(entry), -EINVAL);
	assert_int_equal(folio_ref_count(folio), 1);
	folio_put(folio);
}

static void test_put_page_on_proxy_is_caught(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct page *entry;

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	entry = pin_entry(&folio->page, NULL, 0);
	put_page(entry);
	assert_int_equal(mm_event_match(MM_EV_WARN, "put_page() on a pin_user_pages() proxy"), 1);
	get_page(entry);
	assert_int_equal(mm_event_match(MM_EV_WARN, "get_page() on a pin_user_pages() proxy"), 1);
	/* Neither moved a reference: the pin is intact. */
	assert_int_equal(folio_ref_count(folio), 2);
	assert_true(t->maybe_dma_pinned(folio));
	/* A plain page's put_page() is not caught. */
	folio_get(folio);
	put_page(&folio->page);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 2);
	assert_int_equal(put_entry(entry), 1);
	t->unpin(folio, 1);
	folio_put(folio);
}

static void test_allocation_failure_is_all_or_nothing(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	proxy_cache_fail_nth(3);
	assert_int_equal(t->try_pin(folio, 4, 0), -ENOMEM);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(proxy_cache_live(), 0);
	/* The injection fired once and is spent. */
	assert_int_equal(t->try_pin(folio, 4, 0), 0);
	assert_int_equal(t->pincount(folio), 4);
	t->unpin(folio, 4);
	folio_put(folio);
}

static void test_double_unpin_drops_only_what_exists(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	t->unpin(folio, 2);
	assert_int_equal(mm_event_match(MM_EV_WARN, "unpin of 2 pin(s)"), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	folio_put(folio);
}

static void test_many_folios_share_buckets(void **state)
{
	enum { N = 3000 };
	static struct folio *f[N];

	for (int i = 0; i < N; i++) {
		f[i] = folio_alloc(GFP_KERNEL, 0);
		assert_non_null(f[i]);
		assert_int_equal(t->try_pin(f[i], 1 + (i & 1), 0), 0);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(t->pincount(f[i]), 1 + (i & 1));
	assert_true(proxy_cache_bytes() >= (size_t)(N * 3 / 2) * sizeof(struct page_proxy));
	for (int i = 0; i < N; i++) {
		t->unpin(f[i], 1 + (i & 1));
		assert_false(t->maybe_dma_pinned(f[i]));
		folio_put(f[i]);
	}
}

/*
 * A lookup (folio_maybe_dma_pinned(), unpin, the hand-out) costs the same
 * however many folios are pinned: the proxies it looks at per lookup stay
 * bounded from 256 pinned folios (3 pins each) to 12000 (with one list of
 * proxies per bucket they grew with pins / 1024).
 */
static double steps_per_lookup(struct folio **f, int n)
{
	unsigned long before = proxy_index_steps();

	for (int i = 0; i < n; i++)
		assert_true(t->maybe_dma_pinned(f[i]));
	return (double)(proxy_index_steps() - before) / n;
}

static void test_lookup_does_not_grow_with_pins(void **state)
{
	enum { SMALL = 256, LARGE = 12000 };
	static struct folio *f[LARGE];
	double small, large;

	for (int i = 0; i < LARGE; i++) {
		f[i] = folio_alloc(GFP_KERNEL, 0);
		assert_non_null(f[i]);
		if (i < SMALL)
			assert_int_equal(t->try_pin(f[i], 3, 0), 0);
	}
	small = steps_per_lookup(f, SMALL);
	for (int i = SMALL; i < LARGE; i++)
		assert_int_equal(t->try_pin(f[i], 3, 0), 0);
	large = steps_per_lookup(f, LARGE);
	print_message("proxies looked at per lookup: %.2f with %d folios pinned, %.2f with %d\n",
		      small, SMALL, large, LARGE);
	assert_true(small >= 1.0);
	/*
	 * A table kept at most twice as full as it has chains: a hit looks at
	 * about 1 + load / 2 <= 2 proxies on average. Without the growth (four
	 * chains per bucket, 512 folios of a 2 MiB region in one bucket) it
	 * would be hundreds.
	 */
	assert_true(large <= 2.0);
	/* Not pinned: found absent as cheaply. */
	for (int i = 0; i < LARGE; i += 2)
		t->unpin(f[i], 3);
	for (int i = 0; i < LARGE; i++) {
		assert_int_equal(t->maybe_dma_pinned(f[i]), i & 1);
		assert_int_equal(t->pincount(f[i]), (i & 1) ? 3 : 0);
	}
	for (int i = 1; i < LARGE; i += 2)
		t->unpin(f[i], 3);
	for (int i = 0; i < LARGE; i++) {
		assert_false(t->maybe_dma_pinned(f[i]));
		folio_put(f[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pins_are_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_is_tagged_and_accessors_look_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ref_user_page_counts_on_the_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_page_on_proxy_is_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation_failure_is_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_unpin_drops_only_what_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_folios_share_buckets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_does_not_grow_with_pins, setup, teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
