/* SPDX-License-Identifier: GPL-2.0-only */
/* memremap_pages(), memunmap_pages() and the pagemap reference. */
#include <pinmm/mem/kernel.h>
#include "devmap_test.h"

static void test_bad_pagemaps(void **state)
{
	unsigned long pfn = dt_device_pfn();
	struct dev_pagemap pgmap;

	(void)state;
	assert_int_equal(memremap_pages(NULL), -EINVAL);
	/* No type. */
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn, 16);
	pgmap.type = 0;
	assert_int_equal(memremap_pages(&pgmap), -EINVAL);
	/* Not page aligned. */
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn, 16);
	pgmap.range.start += 512;
	assert_int_equal(memremap_pages(&pgmap), -EINVAL);
	/* Reversed. */
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn, 16);
	pgmap.range.end = pgmap.range.start - 1;
	assert_int_equal(memremap_pages(&pgmap), -EINVAL);
	/* Device-private memory without a page_free for the driver's allocator. */
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_PRIVATE, pfn, 16);
	assert_int_equal(memremap_pages(&pgmap), -EINVAL);
	/* RAM is not device memory; neither is anything past the machine. */
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, ARCH_PFN_OFFSET, 16);
	assert_int_equal(memremap_pages(&pgmap), -ENOMEM);
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn + (DT_DEVICE_BYTES >> PAGE_SHIFT) - 8, 16);
	assert_int_equal(memremap_pages(&pgmap), -ENOMEM);
	assert_int_equal(devmap_nr_pagemaps(), 0);
}

static void test_overlap_is_busy(void **state)
{
	unsigned long pfn = dt_device_pfn(), start;
	struct dev_pagemap a, b;

	(void)state;
	dt_pgmap_init(&a, MEMORY_DEVICE_GENERIC, pfn + 16, 32);
	assert_int_equal(memremap_pages(&a), 0);
	dt_pgmap_init(&b, MEMORY_DEVICE_PCI_P2PDMA, pfn + 40, 32);
	assert_int_equal(memremap_pages(&b), -EBUSY);
	/* The lowest free run that fits is before a, the next one after it. */
	assert_int_equal(devmap_find_free_range(16, &start), 0);
	assert_int_equal(start, pfn);
	assert_int_equal(devmap_find_free_range(17, &start), 0);
	assert_int_equal(start, pfn + 48);
	dt_pgmap_init(&b, MEMORY_DEVICE_PCI_P2PDMA, pfn + 48, 32);
	assert_int_equal(memremap_pages(&b), 0);
	assert_int_equal(devmap_nr_pagemaps(), 2);
	memunmap_pages(&a);
	memunmap_pages(&b);
	assert_int_equal(devmap_nr_pagemaps(), 0);
	assert_int_equal(devmap_find_free_range(DT_DEVICE_BYTES >> PAGE_SHIFT, &start), 0);
	assert_int_equal(devmap_find_free_range((DT_DEVICE_BYTES >> PAGE_SHIFT) + 1, &start), -ENOMEM);
}

static void check_struct_pages(enum devmap_refcount rc, int idle)
{
	unsigned long pfn = dt_device_pfn();
	struct dev_pagemap pgmap;

	dt_pgmap_init(&pgmap, MEMORY_DEVICE_FS_DAX, pfn, 64);
	pgmap.flags = PGMAP_REFCOUNT_EXPLICIT;
	pgmap.refcount = rc;
	assert_int_equal(memremap_pages(&pgmap), 0);
	for (unsigned long i = 0; i < 64; i++) {
		struct page *page = pfn_to_page(pfn + i);

		assert_true(is_zone_device_page(page));
		assert_ptr_equal(page_pgmap(page), &pgmap);
		assert_int_equal(page_ref_count(page), idle);
		assert_int_equal(folio_mapcount(page_folio(page)), 0);
		assert_null(page->mapping);
		assert_true(folio_is_fsdax(page_folio(page)));
		assert_false(is_device_private_page(page));
		assert_true(devmap_page_idle(page));
	}
	/* A page past the range belongs to nobody. */
	assert_null(page_pgmap(pfn_to_page(pfn + 64)));
	assert_false(devmap_page_idle(pfn_to_page(pfn + 64)));
	memunmap_pages(&pgmap);
	assert_null(page_pgmap(pfn_to_page(pfn)));
	assert_int_equal(page_ref_count(pfn_to_page(pfn)), 0);
}

static void test_struct_pages_idle_one(void **state)
{
	(void)state;
	check_struct_pages(DEVMAP_REFCOUNT_IDLE_ONE, 1);
}

static void test_struct_pages_idle_zero(void **state)
{
	(void)state;
	check_struct_pages(DEVMAP_REFCOUNT_IDLE_ZERO, 0);
}

static void test_default_convention(void **state)
{
	unsigned long pfn = dt_device_pfn();
	struct dev_pagemap pgmap;

	(void)state;
	devmap_refcount_default = DEVMAP_REFCOUNT_IDLE_ONE;
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn, 4);
	assert_int_equal(memremap_pages(&pgmap), 0);
	assert_int_equal(pgmap.refcount, DEVMAP_REFCOUNT_IDLE_ONE);
	assert_int_equal(page_ref_count(pfn_to_page(pfn)), 1);
	memunmap_pages(&pgmap);
}

static void test_get_dev_pagemap(void **state)
{
	unsigned long pfn = dt_device_pfn();
	struct dev_pagemap pgmap, *got;
	long base;

	(void)state;
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn, 8);
	assert_int_equal(memremap_pages(&pgmap), 0);
	base = atomic_load(&pgmap.ref);
	assert_null(get_dev_pagemap(ARCH_PFN_OFFSET, NULL));		/* RAM */
	assert_null(get_dev_pagemap(pfn + 8, NULL));			/* unclaimed */
	got = get_dev_pagemap(pfn + 3, NULL);
	assert_ptr_equal(got, &pgmap);
	assert_int_equal(atomic_load(&pgmap.ref), base + 1);
	/* A pagemap the caller already holds that covers the pfn: no new reference. */
	assert_ptr_equal(get_dev_pagemap(pfn + 5, got), &pgmap);
	assert_int_equal(atomic_load(&pgmap.ref), base + 1);
	put_dev_pagemap(got);
	assert_int_equal(atomic_load(&pgmap.ref), base);
	memunmap_pages(&pgmap);
	assert_null(get_dev_pagemap(pfn + 3, NULL));
}

struct late_put {
	struct dev_pagemap *pgmap;
	atomic_bool put;
};

static void *late_put_fn(void *arg)
{
	struct late_put *l = arg;

	usleep(100 * 1000);
	atomic_store(&l->put, true);
	put_dev_pagemap(l->pgmap);
	return NULL;
}

/* memunmap_pages() kills the pagemap at once but waits for its users. */
static void test_memunmap_waits_for_references(void **state)
{
	unsigned long pfn = dt_device_pfn();
	struct dev_pagemap pgmap;
	struct late_put l;
	pthread_t t;

	(void)state;
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn, 8);
	assert_int_equal(memremap_pages(&pgmap), 0);
	l.pgmap = get_dev_pagemap(pfn, NULL);
	assert_non_null(l.pgmap);
	atomic_init(&l.put, false);
	assert_int_equal(pthread_create(&t, NULL, late_put_fn, &l), 0);
	memunmap_pages(&pgmap);
	assert_true(atomic_load(&l.put));
	pthread_join(t, NULL);
	assert_int_equal(devmap_nr_pagemaps(), 0);
}

/* A page still in use past the timeout: WARN, and the pages are taken anyway. */
static void test_memunmap_timeout_warns(void **state)
{
	unsigned long pfn = dt_device_pfn();
	unsigned int saved = devmap_unmap_timeout_ms;
	struct dev_pagemap pgmap;
	struct page *page = pfn_to_page(pfn + 2);

	(void)state;
	dt_pgmap_init(&pgmap, MEMORY_DEVICE_GENERIC, pfn, 8);
	pgmap.flags = PGMAP_REFCOUNT_EXPLICIT;
	pgmap.refcount = DEVMAP_REFCOUNT_IDLE_ZERO;
	assert_int_equal(memremap_pages(&pgmap), 0);
	assert_int_equal(zone_device_page_init(page), 0);
	devmap_unmap_timeout_ms = 50;
	memunmap_pages(&pgmap);
	devmap_unmap_timeout_ms = saved;
	assert_int_equal(dt_take_events(MM_EV_WARN, "memunmap_pages: 1 page(s)"), 1);
	assert_int_equal(devmap_nr_pagemaps(), 0);
	/* The straggler's last put finds no pagemap and does no harm. */
	put_page(page);
	assert_int_equal(mm_event_count(), 0);
}

static void dt_null_page_free(struct page *page)
{
	(void)page;
}

static const struct dev_pagemap_ops dt_null_ops = { .page_free = dt_null_page_free };

static int release_idle(const char *release, enum memory_type type)
{
	struct dev_pagemap pgmap;
	int idle;

	assert_int_equal(kernel_select(release), 0);
	dt_pgmap_init(&pgmap, type, dt_device_pfn(), 4);
	pgmap.ops = &dt_null_ops;
	assert_int_equal(memremap_pages(&pgmap), 0);
	idle = page_ref_count(pfn_to_page(dt_device_pfn() + 1));
	assert_int_equal(idle, pgmap_idle_refcount(&pgmap));
	memunmap_pages(&pgmap);
	return idle;
}

/*
 * The idle refcount each release gives a pagemap that leaves the choice to it
 * (seed 003): device-private and coherent pages idle at 1 until 5.18
 * (devmap-private-idle-zero), fsdax until 6.15 (fsdax-refcounted), device-dax
 * and P2PDMA at 1 throughout. Each switch also overridden both ways.
 */
static void test_idle_refcount_by_release(void **state)
{
	(void)state;
	devmap_refcount_default = DEVMAP_REFCOUNT_BY_RELEASE;
	assert_int_equal(release_idle("v5.15", MEMORY_DEVICE_PRIVATE), 1);
	assert_int_equal(release_idle("v6.1", MEMORY_DEVICE_PRIVATE), 0);
	assert_int_equal(release_idle("v6.1", MEMORY_DEVICE_COHERENT), 0);
	assert_int_equal(release_idle("v6.12", MEMORY_DEVICE_FS_DAX), 1);
	assert_int_equal(release_idle("v6.18", MEMORY_DEVICE_FS_DAX), 0);
	assert_int_equal(release_idle("v6.18", MEMORY_DEVICE_GENERIC), 1);
	assert_int_equal(release_idle("v6.18", MEMORY_DEVICE_PCI_P2PDMA), 1);

	kernel_override(KSW_DEVMAP_PRIVATE_IDLE_ZERO, 1);
	assert_int_equal(release_idle("v5.15", MEMORY_DEVICE_PRIVATE), 0);
	kernel_override(KSW_DEVMAP_PRIVATE_IDLE_ZERO, 0);
	assert_int_equal(release_idle("v6.18", MEMORY_DEVICE_COHERENT), 1);
	/* One switch does not move the other type. */
	assert_int_equal(release_idle("v6.18", MEMORY_DEVICE_FS_DAX), 0);
	kernel_override(KSW_FSDAX_REFCOUNTED, 0);
	assert_int_equal(release_idle("v6.18", MEMORY_DEVICE_FS_DAX), 1);
	kernel_override(KSW_FSDAX_REFCOUNTED, 1);
	assert_int_equal(release_idle("v6.12", MEMORY_DEVICE_FS_DAX), 0);
	assert_int_equal(release_idle("v6.12", MEMORY_DEVICE_PRIVATE), 1);
	kernel_override_clear();
	assert_int_equal(kernel_select(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_pagemaps, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_overlap_is_busy, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_struct_pages_idle_one, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_struct_pages_idle_zero, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_default_convention, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_idle_refcount_by_release, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_get_dev_pagemap, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_memunmap_waits_for_references, dt_setup_machine,
						dt_teardown),
		cmocka_unit_test_setup_teardown(test_memunmap_timeout_warns, dt_setup_machine,
						dt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
