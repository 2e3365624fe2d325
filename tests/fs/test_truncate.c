/* SPDX-License-Identifier: GPL-2.0-only */
/* Truncate and hole punch: the cache, the blocks, their reuse, and leases. */
#include <pinmm/vm/mm.h>
#include "fs_test.h"

static void test_truncate_frees_blocks_for_reuse(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *a = fx_open(fx, "a"), *b;
	sector_t free0 = blkfs_free_blocks(fx->fs), blocks[4];

	fx_fill(a, 0, 4, 0x10);
	assert_int_equal(fs_fsync(a), 0);
	for (pgoff_t i = 0; i < 4; i++)
		blocks[i] = blkfs_bmap(file_inode(a), i);
	assert_int_equal(blkfs_free_blocks(fx->fs), free0 - 4);
	assert_int_equal(fs_truncate(a, 0), 0);
	assert_int_equal(i_size_read(file_inode(a)), 0);
	assert_int_equal(atomic_load(&a->f_mapping->nrpages), 0);
	assert_int_equal(blkfs_free_blocks(fx->fs), free0);
	assert_int_equal(blkfs_bmap(file_inode(a), 0), 0);

	/* The next file to need blocks gets the very same ones. */
	b = fx_open(fx, "b");
	fx_fill(b, 0, 4, 0x20);
	assert_int_equal(fs_fsync(b), 0);
	for (pgoff_t i = 0; i < 4; i++) {
		assert_int_equal(blkfs_bmap(file_inode(b), i), blocks[i]);
		fx_expect_disk(fx, b, i, (unsigned char)(0x20 + i));
	}
	assert_int_equal(fx_fsck(fx), 0);
	fput(a);
	fput(b);
}

static void test_truncate_partial_block(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	sector_t free0 = blkfs_free_blocks(fx->fs);
	unsigned char buf[PAGE_SIZE];
	sector_t b1;

	fx_fill(f, 0, 4, 0x40);
	assert_int_equal(fs_fsync(f), 0);
	assert_int_equal(fs_truncate(f, PAGE_SIZE + PAGE_SIZE / 2), 0);
	assert_int_equal(blkfs_free_blocks(fx->fs), free0 - 2);
	assert_int_equal(fs_read(f, 0, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(fs_read(f, PAGE_SIZE, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE / 2);
	assert_int_equal(buf[0], 0x41);
	/* Extending again shows zeroes where the old tail was, on disk too. */
	assert_int_equal(fs_truncate(f, 2 * PAGE_SIZE), 0);
	assert_int_equal(fs_read(f, PAGE_SIZE, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[PAGE_SIZE / 2 - 1], 0x41);
	assert_int_equal(buf[PAGE_SIZE / 2], 0);
	assert_int_equal(fs_fsync(f), 0);
	b1 = blkfs_bmap(file_inode(f), 1);
	assert_int_equal(bdev_peek(fx->bdev, b1, 0, buf, PAGE_SIZE), 0);
	assert_int_equal(buf[0], 0x41);
	assert_int_equal(buf[PAGE_SIZE - 1], 0);
	assert_int_equal(fx_fsck(fx), 0);
	fput(f);
}

static void test_punch_hole(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	sector_t free0 = blkfs_free_blocks(fx->fs);
	unsigned char buf[PAGE_SIZE];

	fx_fill(f, 0, 4, 0x70);
	assert_int_equal(fs_fsync(f), 0);
	/* Unaligned: the edges are zeroed, pages 1 and 2 go entirely. */
	assert_int_equal(fs_fallocate_punch_hole(f, PAGE_SIZE - 10, 2 * PAGE_SIZE + 20), 0);
	assert_int_equal(i_size_read(file_inode(f)), 4 * PAGE_SIZE);
	assert_int_equal(blkfs_bmap(file_inode(f), 1), 0);
	assert_int_equal(blkfs_bmap(file_inode(f), 2), 0);
	assert_int_equal(blkfs_free_blocks(fx->fs), free0 - 2);
	fx_expect_file(f, 1, 0);
	fx_expect_file(f, 2, 0);
	assert_int_equal(fs_read(f, 0, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[PAGE_SIZE - 11], 0x70);
	assert_int_equal(buf[PAGE_SIZE - 10], 0);
	assert_int_equal(fs_read(f, 3 * PAGE_SIZE, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[9], 0);
	assert_int_equal(buf[10], 0x73);
	/* Beyond EOF nothing happens. */
	assert_int_equal(fs_fallocate_punch_hole(f, 10 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(fs_fsync(f), 0);
	/* The disk agrees, across the edges of the hole. */
	{
		unsigned char disk[4 * PAGE_SIZE];

		assert_int_equal(blkfs_peek_file(file_inode(f), 0, disk, sizeof(disk)), 0);
		assert_int_equal(disk[PAGE_SIZE - 11], 0x70);
		assert_int_equal(disk[PAGE_SIZE - 10], 0);
		assert_int_equal(disk[2 * PAGE_SIZE], 0);
		assert_int_equal(disk[3 * PAGE_SIZE + 9], 0);
		assert_int_equal(disk[3 * PAGE_SIZE + 10], 0x73);
		assert_int_equal(blkfs_peek_file(file_inode(f), -1, disk, 1), -EINVAL);
	}
	assert_int_equal(fx_fsck(fx), 0);
	fput(f);
}

/* A folio someone holds leaves the file on truncate and lives on, orphaned. */
static void test_truncate_held_folio(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio;

	fx_fill(f, 0, 2, 0x11);
	assert_int_equal(fs_fsync(f), 0);
	folio = filemap_get_folio(f->f_mapping, 1);
	assert_non_null(folio);
	assert_int_equal(fs_truncate(f, 0), 0);
	assert_null(folio->mapping);
	assert_null(folio_buffers(folio));
	assert_false(folio_test_lru(folio));
	assert_int_equal(folio_ref_count(folio), 1);
	/* Its block is already free for others: DMA into it now lands nowhere on disk. */
	assert_int_equal(blkfs_free_blocks(fx->fs), fx->bdev->nr_blocks - 1);
	folio_put(folio);
	fput(f);
}

static void test_lease_blocks_truncate_with_pins(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct inode *inode = file_inode(f);

	fx_fill(f, 0, 2, 0x22);
	pin_config.longterm = LONGTERM_LEASE;
	assert_int_equal(fs_lease_get(f), 0);
	/* A lease alone does not block. */
	assert_int_equal(fs_truncate(f, 2 * PAGE_SIZE), 0);
	fs_lease_pin_add(inode, 2);
	assert_int_equal(fs_truncate(f, 0), -ETXTBSY);
	assert_int_equal(fs_fallocate_punch_hole(f, 0, PAGE_SIZE), -ETXTBSY);
	assert_int_equal(i_size_read(inode), 2 * PAGE_SIZE);
	fx_expect_file(f, 0, 0x22);
	/* Other policies do not honour the lease this way. */
	pin_config.longterm = LONGTERM_MAINLINE;
	assert_int_equal(fs_fallocate_punch_hole(f, PAGE_SIZE, PAGE_SIZE), 0);
	pin_config.longterm = LONGTERM_LEASE;
	fs_lease_pin_sub(inode, 2);
	assert_int_equal(fs_truncate(f, 0), 0);
	assert_int_equal(fs_lease_put(f), 0);
	assert_int_equal(fs_lease_put(f), -ENOENT);
	assert_false(fs_lease_held(inode));
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncate_frees_blocks_for_reuse, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_truncate_partial_block, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_punch_hole, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_truncate_held_folio, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lease_blocks_truncate_with_pins, fx_setup, fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
