/* SPDX-License-Identifier: GPL-2.0-only */
/* The block device: data and guard tag stored together, verified on read. */
#include "fs_test.h"

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	(void)state;
	if (mem_init(&cfg))
		return -1;
	mm_events_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mem_exit();
	return 0;
}

static void test_roundtrip_and_counts(void **state)
{
	struct block_device *bdev = bdev_create("d0", 64 * PAGE_SIZE, true);
	unsigned char in[PAGE_SIZE], out[PAGE_SIZE];

	(void)state;
	assert_non_null(bdev);
	memset(in, 0x5a, sizeof(in));
	in[17] = 3;
	assert_int_equal(bdev_write_block(bdev, 7, in, bdev_csum(in, PAGE_SIZE)), 0);
	assert_int_equal(bdev_read_block(bdev, 7, out), 0);
	assert_memory_equal(in, out, PAGE_SIZE);
	assert_int_equal(atomic_load(&bdev->nr_writes), 1);
	assert_int_equal(atomic_load(&bdev->nr_reads), 1);
	assert_int_equal(bdev_verify_block(bdev, 7), 0);
	/* Never written: zeroes, and no tag to verify. */
	assert_int_equal(bdev_read_block(bdev, 8, out), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(bdev_verify_block(bdev, 8), -ENODATA);
	assert_int_equal(mm_event_count(), 0);
	bdev_destroy(bdev);
}

/*
 * A disk as large as the scenario language allows is backed sparsely: it
 * comes up (a calloc of it aborted ASan builds and failed plain ones), its
 * last block works, and untouched blocks read as zeroes.
 */
static void test_large_disk_is_sparse(void **state)
{
	const uint64_t size = 64ULL << 30;
	struct block_device *bdev = bdev_create("big", size, true);
	sector_t last = size / PAGE_SIZE - 1;
	unsigned char in[PAGE_SIZE], out[PAGE_SIZE];

	(void)state;
	assert_non_null(bdev);
	assert_int_equal(bdev->nr_blocks, last + 1);
	memset(in, 0xa5, sizeof(in));
	assert_int_equal(bdev_write_block(bdev, last, in, bdev_csum(in, PAGE_SIZE)), 0);
	assert_int_equal(bdev_read_block(bdev, last, out), 0);
	assert_memory_equal(in, out, PAGE_SIZE);
	assert_int_equal(bdev_verify_block(bdev, last), 0);
	assert_int_equal(bdev_read_block(bdev, last / 2, out), 0);
	assert_int_equal(out[PAGE_SIZE - 1], 0);
	bdev_destroy(bdev);
}

static void test_mismatched_tag_is_a_checksum_error(void **state)
{
	struct block_device *bdev = bdev_create("d0", 64 * PAGE_SIZE, true);
	unsigned char a[PAGE_SIZE], b[PAGE_SIZE];

	(void)state;
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	/* The writer's checksum covered other bytes than the ones stored. */
	assert_int_equal(bdev_write_block(bdev, 17, b, bdev_csum(a, PAGE_SIZE)), 0);
	assert_int_equal(bdev_read_block(bdev, 17, a), -EIO);
	assert_int_equal(a[0], 2);
	assert_int_equal(mm_event_match(MM_EV_CSUM, "checksum error d0 block 17"), 1);
	assert_int_equal(bdev_verify_block(bdev, 17), -EIO);
	/* Without verification the read succeeds and records nothing. */
	bdev->verify = false;
	assert_int_equal(bdev_read_block(bdev, 17, a), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_CSUM), 1);
	bdev_destroy(bdev);
}

static void test_corruption_detected(void **state)
{
	struct block_device *bdev = bdev_create("d1", 8 * PAGE_SIZE, true);
	unsigned char a[PAGE_SIZE], c;

	(void)state;
	memset(a, 9, sizeof(a));
	assert_int_equal(bdev_write_block(bdev, 3, a, bdev_csum(a, PAGE_SIZE)), 0);
	assert_int_equal(bdev_corrupt(bdev, 3, 100, 0x80), 0);
	assert_int_equal(bdev_peek(bdev, 3, 100, &c, 1), 0);
	assert_int_equal(c, 9 ^ 0x80);
	assert_int_equal(bdev_verify_block(bdev, 3), -EIO);
	assert_int_equal(bdev_read_block(bdev, 3, a), -EIO);
	assert_int_equal(mm_event_match(MM_EV_CSUM, "checksum error d1 block 3"), 1);
	bdev_destroy(bdev);
}

static void test_bad_arguments(void **state)
{
	struct block_device *bdev = bdev_create("d0", 4 * PAGE_SIZE, true);
	unsigned char a[PAGE_SIZE] = { 0 };

	(void)state;
	assert_null(bdev_create("x", 4 * PAGE_SIZE + 1, true));
	assert_null(bdev_create("x", 0, true));
	assert_null(bdev_create(NULL, PAGE_SIZE, true));
	assert_int_equal(bdev_write_block(bdev, 4, a, 0), -EINVAL);
	assert_int_equal(bdev_read_block(bdev, 4, a), -EINVAL);
	assert_int_equal(bdev_read_block(bdev, 0, NULL), -EINVAL);
	assert_int_equal(bdev_peek(bdev, 0, PAGE_SIZE - 1, a, 2), -EINVAL);
	assert_int_equal(bdev_corrupt(bdev, 0, 0, 0), -EINVAL);
	assert_int_equal(bdev_write_block_from_page(bdev, 9, zero_page, 0), -EINVAL);
	bdev_destroy(bdev);
}

/* The device end of a DMA from a page copies what the page holds at that moment. */
static void test_write_from_page(void **state)
{
	struct block_device *bdev = bdev_create("d0", 4 * PAGE_SIZE, true);
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	unsigned char out[PAGE_SIZE];

	(void)state;
	assert_non_null(folio);
	memset_page(&folio->page, 0, 0x44, PAGE_SIZE);
	assert_int_equal(bdev_write_block_from_page(bdev, 1, &folio->page,
						    bdev_csum(page_address(&folio->page), PAGE_SIZE)), 0);
	assert_int_equal(bdev_read_block(bdev, 1, out), 0);
	assert_int_equal(out[4095], 0x44);
	/*
	 * A tag computed before the page changed: the verifying device fails
	 * the write (T10 DIF) and records it; one that does not verify takes it.
	 */
	assert_int_equal(bdev_write_block_from_page(bdev, 2, &folio->page,
						    bdev_csum(page_address(&folio->page), PAGE_SIZE) ^ 1),
			 -EIO);
	assert_int_equal(mm_event_match(MM_EV_CSUM, "guard tag mismatch on write d0 block 2"), 1);
	assert_int_equal(atomic_load(&bdev->nr_csum_errors), 1);
	bdev->verify = false;
	assert_int_equal(bdev_write_block_from_page(bdev, 3, &folio->page, 0), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_CSUM), 1);
	folio_put(folio);
	bdev_destroy(bdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_disk_is_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatched_tag_is_a_checksum_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corruption_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_from_page, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
