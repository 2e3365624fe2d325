/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two ZONE_DEVICE refcount conventions (seed 003): idle at 1 with the
 * extra reference, idle at 0 with the free hook at 0; what get_page() does to
 * an idle page under each; the driver's page_free callback.
 */
#include "devmap_test.h"

static atomic_int freed;
static struct page *last_freed;

static void count_page_free(struct page *page)
{
	atomic_fetch_add(&freed, 1);
	last_freed = page;
}

static const struct dev_pagemap_ops count_ops = {
	.page_free = count_page_free,
};

static void pgmap_up(struct dev_pagemap *pgmap, enum memory_type type, enum devmap_refcount rc)
{
	dt_pgmap_init(pgmap, type, dt_device_pfn(), 16);
	pgmap->flags = PGMAP_REFCOUNT_EXPLICIT;
	pgmap->refcount = rc;
	pgmap->ops = &count_ops;
	atomic_store(&freed, 0);
	last_freed = NULL;
	assert_int_equal(memremap_pages(pgmap), 0);
}

/* Legacy: get_page() on an idle page is fine, and put_page() back to 1 is idle again. */
static void test_idle_one_get_put(void **state)
{
	struct dev_pagemap pgmap;
	struct page *page;

	(void)state;
	pgmap_up(&pgmap, MEMORY_DEVICE_FS_DAX, DEVMAP_REFCOUNT_IDLE_ONE);
	page = pfn_to_page(dt_device_pfn() + 3);
	get_page(page);
	assert_int_equal(page_ref_count(page), 2);
	assert_false(devmap_page_idle(page));
	put_page(page);
	assert_int_equal(page_ref_count(page), 1);
	assert_true(devmap_page_idle(page));
	assert_int_equal(mm_event_count(), 0);
	/* The idle reference is not the caller's to drop. */
	put_page(page);
	assert_int_equal(dt_take_events(MM_EV_BUG, "dropped its idle reference"), 1);
	set_page_count(page, 1);
	memunmap_pages(&pgmap);
	/* Teardown drops the idle references; no page goes back "free" to the driver. */
	assert_int_equal(atomic_load(&freed), 0);
	assert_int_equal(mm_event_count(), 0);
}

/* The fix: get_page() on an idle page is the VM_BUG_ON Ralph Campbell hit. */
static void test_idle_zero_get_page_is_a_bug(void **state)
{
	struct dev_pagemap pgmap;
	struct page *page;

	(void)state;
	pgmap_up(&pgmap, MEMORY_DEVICE_FS_DAX, DEVMAP_REFCOUNT_IDLE_ZERO);
	page = pfn_to_page(dt_device_pfn() + 5);
	get_page(page);
	assert_int_equal(dt_take_events(MM_EV_BUG, "VM_BUG_ON_PAGE"), 1);
	assert_int_equal(page_ref_count(page), 0);
	/* folio_try_get() refuses it quietly: that is how GUP must meet one. */
	assert_false(folio_try_get(page_folio(page)));
	memunmap_pages(&pgmap);
}

/* The fix: the first user takes the page, the last put hands it to the driver at 0. */
static void test_idle_zero_free_hook(void **state)
{
	struct dev_pagemap pgmap;
	struct page *page;
	long base;

	(void)state;
	pgmap_up(&pgmap, MEMORY_DEVICE_PRIVATE, DEVMAP_REFCOUNT_IDLE_ZERO);
	base = atomic_load(&pgmap.ref);
	page = pfn_to_page(dt_device_pfn() + 7);
	assert_int_equal(zone_device_page_init(page), 0);
	assert_int_equal(page_ref_count(page), 1);
	/* A busy page holds the pagemap. */
	assert_int_equal(atomic_load(&pgmap.ref), base + 1);
	assert_int_equal(zone_device_page_init(page), -EBUSY);
	assert_true(is_device_private_page(page));
	page->mapping = (struct address_space *)&pgmap;	/* any owner the user set */
	get_page(page);
	put_page(page);
	assert_int_equal(atomic_load(&freed), 0);
	put_page(page);
	assert_int_equal(atomic_load(&freed), 1);
	assert_ptr_equal(last_freed, page);
	assert_null(page->mapping);
	assert_int_equal(atomic_load(&pgmap.nr_page_free), 1);
	assert_int_equal(atomic_load(&pgmap.ref), base);
	assert_true(devmap_page_idle(page));
	memunmap_pages(&pgmap);
	assert_int_equal(mm_event_count(), 0);
}

static void test_zone_device_page_get(void **state)
{
	struct dev_pagemap pgmap;
	struct page *page, *ram;

	(void)state;
	pgmap_up(&pgmap, MEMORY_DEVICE_FS_DAX, DEVMAP_REFCOUNT_IDLE_ZERO);
	page = pfn_to_page(dt_device_pfn() + 1);
	assert_int_equal(zone_device_page_get(page), 0);	/* 0 -> 1: init */
	assert_int_equal(zone_device_page_get(page), 0);	/* 1 -> 2: try_get */
	assert_int_equal(page_ref_count(page), 2);
	put_page(page);
	put_page(page);
	assert_int_equal(atomic_load(&freed), 1);
	ram = alloc_pages(GFP_KERNEL, 0);
	assert_int_equal(zone_device_page_get(ram), -EINVAL);
	assert_int_equal(zone_device_page_init(ram), -EINVAL);
	__free_pages(ram, 0);
	memunmap_pages(&pgmap);
}

/* Under idle-at-1 the page-level "first reference" is 1 -> 2, with no pagemap reference. */
static void test_idle_one_page_init(void **state)
{
	struct dev_pagemap pgmap;
	struct page *page;
	long base;

	(void)state;
	pgmap_up(&pgmap, MEMORY_DEVICE_PRIVATE, DEVMAP_REFCOUNT_IDLE_ONE);
	base = atomic_load(&pgmap.ref);
	page = pfn_to_page(dt_device_pfn());
	assert_int_equal(zone_device_page_init(page), 0);
	assert_int_equal(page_ref_count(page), 2);
	assert_int_equal(atomic_load(&pgmap.ref), base);
	assert_int_equal(zone_device_page_init(page), -EBUSY);
	put_page(page);
	assert_true(devmap_page_idle(page));
	memunmap_pages(&pgmap);
}

/* memunmap_pages() under idle-at-1 waits for a page held past the teardown. */
static void test_idle_one_memunmap_waits_for_page(void **state)
{
	struct dev_pagemap pgmap;
	struct dt_dropper d;
	struct page *page;

	(void)state;
	pgmap_up(&pgmap, MEMORY_DEVICE_FS_DAX, DEVMAP_REFCOUNT_IDLE_ONE);
	page = pfn_to_page(dt_device_pfn() + 9);
	get_page(page);
	dt_drop_later(&d, page, 100);
	memunmap_pages(&pgmap);
	assert_true(atomic_load(&d.dropped));
	pthread_join(d.thread, NULL);
	assert_int_equal(page_ref_count(page), 0);
	assert_int_equal(mm_event_count(), 0);
}

/*
 * A double put (a driver's double unpin) leaves the pagemap a reference that
 * no page in use holds: teardown says so at once instead of waiting out the
 * timeout (the kernel would wait for ever). Before, this recorded "still in
 * use after 10000 ms" after ten seconds.
 */
static void test_idle_one_double_put_teardown_is_prompt(void **state)
{
	struct dev_pagemap pgmap;
	struct page *page;

	(void)state;
	assert_int_equal(devmap_unmap_timeout_ms, 10000);
	pgmap_up(&pgmap, MEMORY_DEVICE_FS_DAX, DEVMAP_REFCOUNT_IDLE_ONE);
	page = pfn_to_page(dt_device_pfn() + 5);
	get_page(page);
	put_page(page);
	put_page(page);
	assert_int_equal(dt_take_events(MM_EV_BUG, "dropped its idle reference"), 1);
	memunmap_pages(&pgmap);
	/* Teardown's drop of the idle reference finds the page already at 0. */
	/* ...and, as in mainline, nothing checks for an underflow. */
	assert_int_equal(mm_event_match(MM_EV_BUG, "refcount underflow"), 0);
	assert_int_equal(mm_event_match(MM_EV_WARN, "still in use"), 0);
	/* Given up as unbalanced (the page is at -1), not after the 10 s timeout. */
	assert_int_equal(mm_event_match(MM_EV_WARN, "at _refcount -1 "), 1);
	assert_int_equal(dt_take_events(MM_EV_WARN, "the kernel would wait for ever"), 1);
	mm_events_reset();
	assert_int_equal(devmap_nr_pagemaps(), 0);
}

/*
 * The same double unpin under the bias: each unpin drops GUP_PIN_COUNTING_BIAS
 * (1025 -> 1 -> -1023), the count never passes through zero, so no BUG is
 * recorded (mainline checks no underflow) and only the negative count shows
 * the imbalance. Teardown must give up on it at once too: before, it waited
 * out devmap_unmap_timeout_ms (10 s per preset in pinmm run).
 */
static void test_idle_one_biased_double_unpin_teardown_is_prompt(void **state)
{
	struct dev_pagemap pgmap;
	struct folio *folio;

	(void)state;
	assert_int_equal(devmap_unmap_timeout_ms, 10000);
	pgmap_up(&pgmap, MEMORY_DEVICE_FS_DAX, DEVMAP_REFCOUNT_IDLE_ONE);
	folio = page_folio(pfn_to_page(dt_device_pfn() + 7));
	folio_ref_add(folio, (int)GUP_PIN_COUNTING_BIAS);
	folio_put_refs(folio, (int)GUP_PIN_COUNTING_BIAS);
	folio_put_refs(folio, (int)GUP_PIN_COUNTING_BIAS);
	assert_int_equal(folio_ref_count(folio), 1 - (int)GUP_PIN_COUNTING_BIAS);
	assert_int_equal(mm_event_count(), 0);
	memunmap_pages(&pgmap);
	assert_int_equal(mm_event_match(MM_EV_WARN, "still in use"), 0);
	assert_int_equal(mm_event_match(MM_EV_WARN, "at _refcount -1024 "), 1);
	assert_int_equal(dt_take_events(MM_EV_WARN, "the kernel would wait for ever"), 1);
	mm_events_reset();
	assert_int_equal(devmap_nr_pagemaps(), 0);
}

/* devmap_wait_page_idle(): a real sleep, ended by the last put (either convention). */
static void check_wait_idle(enum devmap_refcount rc)
{
	struct dev_pagemap pgmap;
	struct dt_dropper d;
	struct timespec t0;
	struct page *page;

	pgmap_up(&pgmap, MEMORY_DEVICE_FS_DAX, rc);
	page = pfn_to_page(dt_device_pfn() + 2);
	assert_int_equal(zone_device_page_get(page), 0);
	assert_int_equal(devmap_wait_page_idle(page, 30), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dt_drop_later(&d, page, 100);
	assert_int_equal(devmap_wait_page_idle(page, 10000), 0);
	assert_true(atomic_load(&d.dropped));
	assert_true(dt_ms_since(&t0) >= 90);
	pthread_join(d.thread, NULL);
	assert_int_equal(devmap_wait_page_idle(page, 0), 0);
	memunmap_pages(&pgmap);
}

static void test_wait_idle_one(void **state)
{
	(void)state;
	check_wait_idle(DEVMAP_REFCOUNT_IDLE_ONE);
}

static void test_wait_idle_zero(void **state)
{
	(void)state;
	check_wait_idle(DEVMAP_REFCOUNT_IDLE_ZERO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_idle_one_get_put, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_idle_zero_get_page_is_a_bug, dt_setup_machine,
						dt_teardown),
		cmocka_unit_test_setup_teardown(test_idle_zero_free_hook, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_zone_device_page_get, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_idle_one_page_init, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_idle_one_memunmap_waits_for_page, dt_setup_machine,
						dt_teardown),
		cmocka_unit_test_setup_teardown(test_idle_one_double_put_teardown_is_prompt,
						dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_idle_one_biased_double_unpin_teardown_is_prompt,
						dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_wait_idle_one, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_wait_idle_zero, dt_setup_machine, dt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
