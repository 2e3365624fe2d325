/* SPDX-License-Identifier: GPL-2.0-only */
/* The pmem block device: its blocks are ZONE_DEVICE pages. */
#include "devmap_test.h"

static void test_pmem_create_errors(void **state)
{
	int err = 0;

	(void)state;
	assert_null(pmem_create("p", 0, false, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(pmem_create("p", 4097, false, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(pmem_create(NULL, PAGE_SIZE, false, &err));
	assert_int_equal(err, -EINVAL);
	/* More than the machine's ZONE_DEVICE pfns. */
	assert_null(pmem_create("p", DT_DEVICE_BYTES + PAGE_SIZE, false, &err));
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(devmap_nr_pagemaps(), 0);
}

static void test_blocks_are_pages(void **state)
{
	unsigned char buf[PAGE_SIZE], out[PAGE_SIZE];
	struct block_device *bdev;
	struct dev_pagemap *pgmap;
	unsigned long pfn;
	void *kaddr;
	int err;

	(void)state;
	bdev = pmem_create("pmem0", DT_DISK_SIZE, false, &err);
	assert_non_null(bdev);
	assert_int_equal(err, 0);
	assert_non_null(bdev->bd_dax_dev);
	pgmap = pmem_pgmap(bdev);
	assert_non_null(pgmap);
	assert_int_equal(pgmap->type, MEMORY_DEVICE_FS_DAX);
	assert_int_equal(pgmap_nr_pages(pgmap), DT_DISK_SIZE >> PAGE_SHIFT);
	assert_int_equal(pgmap_pfn_start(pgmap), dt_device_pfn());

	/* A block written through the device is the page's memory... */
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(bdev_write_block(bdev, 5, buf, bdev_csum(buf, PAGE_SIZE)), 0);
	pfn = pmem_block_pfn(bdev, 5);
	assert_int_equal(pfn, dt_device_pfn() + 5);
	memcpy_from_page(out, pfn_to_page(pfn), 0, PAGE_SIZE);
	assert_memory_equal(out, buf, PAGE_SIZE);
	/* ...and a store to the page is what the device holds. */
	memset_page(pfn_to_page(pfn), 100, 0x77, 1);
	assert_int_equal(bdev_peek(bdev, 5, 100, out, 1), 0);
	assert_int_equal(out[0], 0x77);

	assert_int_equal(dax_direct_access(bdev->bd_dax_dev, 7, 4, &kaddr, &pfn), 4);
	assert_int_equal(pfn, dt_device_pfn() + 7);
	assert_ptr_equal(kaddr, page_address(pfn_to_page(pfn)));
	assert_int_equal(dax_direct_access(bdev->bd_dax_dev, bdev->nr_blocks - 2, 4, &kaddr, &pfn), 2);
	assert_int_equal(dax_direct_access(bdev->bd_dax_dev, bdev->nr_blocks, 1, &kaddr, &pfn), -ERANGE);
	assert_int_equal(pmem_block_pfn(bdev, bdev->nr_blocks), 0);
	bdev_destroy(bdev);
	assert_int_equal(devmap_nr_pagemaps(), 0);
	assert_null(page_pgmap(pfn_to_page(dt_device_pfn())));
}

static void test_two_disks_disjoint(void **state)
{
	struct block_device *a, *b;
	int err;

	(void)state;
	a = pmem_create("a", DT_DISK_SIZE, false, &err);
	b = pmem_create("b", DT_DISK_SIZE, false, &err);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(pmem_block_pfn(b, 0), pmem_block_pfn(a, 0) + (DT_DISK_SIZE >> PAGE_SHIFT));
	assert_int_equal(devmap_nr_pagemaps(), 2);
	bdev_destroy(a);
	/* a's pfns are free again for the next disk. */
	a = pmem_create("c", PAGE_SIZE, false, &err);
	assert_int_equal(pmem_block_pfn(a, 0), dt_device_pfn());
	bdev_destroy(a);
	bdev_destroy(b);
	assert_int_equal(devmap_nr_pagemaps(), 0);
}

/* DAX needs a DAX-capable device, like ext4's "DAX unsupported by block device". */
static void test_dax_mount_needs_pmem(void **state)
{
	struct block_device *bdev = bdev_create("d0", DT_DISK_SIZE, false);

	(void)state;
	assert_non_null(bdev);
	assert_null(pmem_pgmap(bdev));
	assert_null(blkfs_mount(bdev, "d0", BLKFS_DAX));
	bdev_destroy(bdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmem_create_errors, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_blocks_are_pages, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_two_disks_disjoint, dt_setup_machine, dt_teardown),
		cmocka_unit_test_setup_teardown(test_dax_mount_needs_pmem, dt_setup_machine, dt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
