/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfs through write(2)/read(2): delayed allocation, buffers on the folio,
 * sync to disk with checksums, drop_caches and read back, fsck.
 */
#include <pinmm/mem/kernel.h>
#include <pinmm/vm/mm.h>
#include <pinmm/pin/trackers.h>
#include "fs_test.h"

static void test_write_read_back(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	unsigned char in[3 * PAGE_SIZE + 100], out[sizeof(in)];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(fs_write(f, 0, in, sizeof(in)), (ssize_t)sizeof(in));
	assert_int_equal(i_size_read(file_inode(f)), sizeof(in));
	assert_int_equal(fs_read(f, 0, out, sizeof(out)), (ssize_t)sizeof(out));
	assert_memory_equal(in, out, sizeof(in));
	/* A short read at EOF, nothing past it. */
	assert_int_equal(fs_read(f, 3 * PAGE_SIZE, out, PAGE_SIZE), 100);
	assert_int_equal(fs_read(f, sizeof(in), out, 10), 0);
	/* An unaligned overwrite keeps the bytes around it. */
	assert_int_equal(fs_write(f, 10, "XYZ", 3), 3);
	assert_int_equal(fs_read(f, 8, out, 7), 7);
	assert_memory_equal(out, in + 8, 2);
	assert_memory_equal(out + 2, "XYZ", 3);
	assert_memory_equal(out + 5, in + 13, 2);
	fput(f);
}

static void test_delayed_allocation_and_sync(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	sector_t free0 = blkfs_free_blocks(fx->fs);
	long dirty0 = node_page_state(NR_FILE_DIRTY);
	struct folio *folio;
	struct buffer_head *bh;

	fx_fill(f, 0, 3, 0x10);
	/* write(2) reserved space but allocated nothing. */
	assert_int_equal(blkfs_bmap(file_inode(f), 0), 0);
	assert_int_equal(blkfs_free_blocks(fx->fs), free0);
	assert_int_equal(fx->fs->s_reserved, 3);
	assert_int_equal(node_page_state(NR_FILE_DIRTY), dirty0 + 3);
	folio = filemap_get_folio(f->f_mapping, 1);
	assert_non_null(folio);
	assert_true(folio_test_dirty(folio));
	assert_true(folio_test_private(folio));
	bh = folio_buffers(folio);
	assert_non_null(bh);
	assert_true(buffer_delay(bh) && buffer_dirty(bh) && !buffer_mapped(bh));
	assert_int_equal(atomic_load(&fx->bdev->nr_writes), 0);

	assert_int_equal(sync_filesystem(&fx->fs->sb, WB_SYNC_ALL), 3);
	assert_int_equal(atomic_load(&fx->bdev->nr_writes), 3);
	assert_int_equal(blkfs_free_blocks(fx->fs), free0 - 3);
	assert_int_equal(fx->fs->s_reserved, 0);
	assert_false(folio_test_dirty(folio));
	assert_true(folio_test_mappedtodisk(folio));
	assert_true(buffer_mapped(bh) && !buffer_delay(bh) && !buffer_dirty(bh));
	assert_int_equal(bh->b_blocknr, blkfs_bmap(file_inode(f), 1));
	assert_int_equal(node_page_state(NR_FILE_DIRTY), dirty0);
	folio_put(folio);
	for (pgoff_t i = 0; i < 3; i++)
		fx_expect_disk(fx, f, i, (unsigned char)(0x10 + i));
	/* Lowest free first: blocks 1, 2, 3 in index order. */
	assert_int_equal(blkfs_bmap(file_inode(f), 0), 1);
	assert_int_equal(blkfs_bmap(file_inode(f), 2), 3);
	/* Nothing left to write. */
	assert_int_equal(sync_filesystem(&fx->fs->sb, WB_SYNC_ALL), 0);
	assert_int_equal(fx_fsck(fx), 0);
	fput(f);
}

static void test_survives_drop_caches(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	unsigned long reads0;

	fx_fill(f, 0, 4, 0x30);
	/* Dirty folios are not dropped. */
	assert_int_equal(drop_caches(1), 0);
	assert_int_equal(fs_fsync(f), 0);
	assert_int_equal(drop_caches(1), 4);
	assert_int_equal(atomic_load(&f->f_mapping->nrpages), 0);
	assert_int_equal(nr_free_pages(), fx->free0);
	reads0 = atomic_load(&fx->bdev->nr_reads);
	for (pgoff_t i = 0; i < 4; i++)
		fx_expect_file(f, i, (unsigned char)(0x30 + i));
	assert_int_equal(atomic_load(&fx->bdev->nr_reads), reads0 + 4);
	/* Read attached buffers mapped to the blocks. */
	{
		struct folio *folio = filemap_get_folio(f->f_mapping, 2);

		assert_non_null(folio);
		assert_non_null(folio_buffers(folio));
		assert_true(buffer_mapped(folio_buffers(folio)));
		assert_int_equal(folio_buffers(folio)->b_blocknr, blkfs_bmap(file_inode(f), 2));
		folio_put(folio);
	}
	/* A hole reads as zeroes without touching the disk. */
	assert_int_equal(fs_write(f, 9 * PAGE_SIZE, "e", 1), 1);
	fx_expect_file(f, 6, 0);
	assert_int_equal(fx_fsck(fx), 0);
	fput(f);
}

static void report_count(const char *msg, void *arg)
{
	(void)msg;
	(*(int *)arg)++;
}

static void test_fsck_and_read_catch_corruption(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	unsigned char buf[PAGE_SIZE];
	sector_t b;
	char text[64];
	int reported = 0;

	fx_fill(f, 0, 2, 0x50);
	assert_int_equal(fs_fsync(f), 0);
	b = blkfs_bmap(file_inode(f), 1);
	assert_int_equal(bdev_corrupt(fx->bdev, b, 1000, 0x01), 0);
	assert_int_equal(blkfs_fsck(fx->fs, report_count, &reported), 1);
	assert_int_equal(reported, 1);
	assert_int_equal(drop_caches(1), 2);
	/* checksum mount option: the read verifies and fails. */
	assert_int_equal(fs_read(f, PAGE_SIZE, buf, PAGE_SIZE), -EIO);
	snprintf(text, sizeof(text), "checksum error d0 block %llu", (unsigned long long)b);
	assert_int_equal(mm_event_match(MM_EV_CSUM, text), 1);
	fx_expect_file(f, 0, 0x50);
	fput(f);
}

/*
 * The 2018 crash: a clean file folio someone holds (a GUP reference) loses its
 * buffers to reclaim, the device's set_page_dirty_lock() dirties it without
 * page_mkwrite (a WARN_ON_ONCE in ext4's dirty_folio), and writeback finds no
 * buffers: BUG() up to 5.17, a warning and the dirty bit dropped from 5.18
 * (KSW_EXT4_WARN_NO_BUFFERS). Either way the data is lost.
 */
static void writepage_without_buffers(struct fs_fixture *fx, const char *release, bool warn)
{
	struct file *f = fx_open(fx, "a");
	struct folio *folio;
	unsigned long writes0;

	assert_int_equal(kernel_select(release), 0);
	pin_config.tracker = &get_tracker;	/* pre-2019: no pin is visible */
	fx_fill(f, 0, 1, 0x61);
	assert_int_equal(fs_fsync(f), 0);
	folio = filemap_get_folio(f->f_mapping, 0);	/* the "GUP" reference */
	assert_non_null(folio);
	assert_int_equal(reclaim(16), 0);
	/* Buffers went, the folio stayed: reclaim saw the extra reference too late. */
	assert_null(folio_buffers(folio));
	assert_false(folio_test_private(folio));
	assert_ptr_equal(folio->mapping, f->f_mapping);
	memset_page(&folio->page, 0, 0x62, PAGE_SIZE);		/* DMA */
	assert_true(set_page_dirty_lock(&folio->page));
	/*
	 * ext4_dirty_folio() (ext4_set_page_dirty() from 4.10 on) warns once at
	 * the dirtying itself, in every release this runs, before writeback.
	 */
	assert_int_equal(mm_event_match(MM_EV_WARN, "dirty_folio: folio has no buffers"), 1);
	folio_lock(folio);
	folio_clear_dirty_for_io(folio);
	folio_unlock(folio);
	assert_true(set_page_dirty_lock(&folio->page));
	assert_int_equal(mm_event_match(MM_EV_WARN, "dirty_folio: folio has no buffers"), 1);
	writes0 = atomic_load(&fx->bdev->nr_writes);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	sync_filesystem(&fx->fs->sb, WB_SYNC_ALL);
	assert_int_equal(mm_event_match(MM_EV_BUG, "ext4-like writepage: folio has no buffers"),
			 warn ? 0 : 1);
	assert_int_equal(mm_event_match(MM_EV_WARN, "does not have buffers attached"), warn ? 1 : 0);
	assert_int_equal(atomic_load(&fx->bdev->nr_writes), writes0);
	/* 5.18+ drops the dirty bit: nothing will ever write it. */
	if (warn)
		assert_false(folio_test_dirty(folio));
	/* The device's data never reached the disk. */
	fx_expect_disk(fx, f, 0, 0x61);
	folio_put(folio);
	mm_events_reset();
	fput(f);
	kernel_select(NULL);
}

static void test_writepage_without_buffers_is_a_bug(void **state)
{
	writepage_without_buffers(*state, "v5.15", false);
}

static void test_writepage_without_buffers_warns_from_5_18(void **state)
{
	writepage_without_buffers(*state, "v6.1", true);
}

static void test_open_and_io_errors(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f, *ro;
	char c;
	int err = 0;

	assert_null(fs_open(&fx->fs->sb, "missing", 0, &err));
	assert_int_equal(err, -ENOENT);
	assert_null(fs_open(&fx->fs->sb, "a/b", FS_O_CREAT, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(fs_open(&fx->fs->sb, "", FS_O_CREAT, &err));
	assert_null(fs_open(NULL, "x", FS_O_CREAT, &err));
	f = fx_open(fx, "a");
	ro = fs_open(&fx->fs->sb, "a", FS_O_RDONLY, &err);
	assert_non_null(ro);
	assert_int_equal(fs_write(ro, 0, "x", 1), -EBADF);
	assert_int_equal(fs_truncate(ro, 0), -EBADF);
	assert_int_equal(fs_write(f, 0, NULL, 1), -EFAULT);
	assert_int_equal(fs_write(f, -1, "x", 1), -EINVAL);
	assert_int_equal(fs_read(f, -5, &c, 1), -EINVAL);
	assert_int_equal(fs_truncate(f, -1), -EINVAL);
	assert_int_equal(fs_fallocate_punch_hole(f, 0, 0), -EINVAL);
	assert_int_equal(fs_read(NULL, 0, &c, 1), -EINVAL);
	/* Open files keep the filesystem mounted. */
	assert_int_equal(blkfs_umount(fx->fs), -EBUSY);
	fput(ro);
	fput(f);
}

static void test_enospc_at_write_time(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	unsigned char buf[3 * PAGE_SIZE];

	memset(buf, 0x77, sizeof(buf));
	/* 8 blocks, one is the super block: seven pages fit, reserved at write(2). */
	assert_int_equal(fs_write(f, 0, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(fs_write(f, 3 * PAGE_SIZE, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(fs_write(f, 6 * PAGE_SIZE, buf, sizeof(buf)), (ssize_t)PAGE_SIZE);
	assert_int_equal(fs_write(f, 7 * PAGE_SIZE, buf, 1), -ENOSPC);
	assert_int_equal(fs_fsync(f), 0);
	assert_int_equal(blkfs_free_blocks(fx->fs), 0);
	assert_int_equal(fx_fsck(fx), 0);
	fput(f);
}

static int setup_tiny(void **state)
{
	return fx_setup_flags(state, BLKFS_CHECKSUM, 8 * PAGE_SIZE);
}

static void test_mount_arguments(void **state)
{
	struct fs_fixture *fx = *state;
	struct block_device *one = bdev_create("one", PAGE_SIZE, false);

	assert_null(blkfs_mount(NULL, "x", 0));
	assert_null(blkfs_mount(fx->bdev, "", 0));
	assert_null(blkfs_mount(fx->bdev, "x", 0x100));
	assert_null(blkfs_mount(one, "x", 0));	/* no room for data */
	assert_int_equal(blkfs_umount(NULL), -EINVAL);
	bdev_destroy(one);
}

static void test_dax_mount_flags_mappings(void **state)
{
	struct fs_fixture *fx = *state;
	struct block_device *bdev = bdev_create("pmem0", 64 * PAGE_SIZE, false);
	struct file *g;

	/*
	 * fsdax needs a DAX-capable device (devmap/'s pmem disk; its DAX mounts
	 * are tested in tests/devmap): a plain disk is refused, as ext4 does.
	 */
	assert_null(blkfs_mount(bdev, "pmem0", BLKFS_DAX));
	g = fx_open(fx, "y");
	assert_false(dax_mapping(g->f_mapping));
	assert_true(fx->bdev->verify);	/* the fixture mounts with checksums */
	fput(g);
	bdev_destroy(bdev);
}

/*
 * Background writeback skips a locked folio (the model's choice: the kernel
 * waits for the lock in either mode); data integrity writes it later.
 */
static void test_background_skips_locked_folio(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio;

	fx_fill(f, 0, 2, 0x21);
	folio = filemap_get_folio(f->f_mapping, 0);
	folio_lock(folio);
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_NONE), 1);
	assert_true(folio_test_dirty(folio));
	folio_unlock(folio);
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_ALL), 1);
	assert_false(folio_test_dirty(folio));
	fx_expect_disk(fx, f, 0, 0x21);
	folio_put(folio);
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_back, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_delayed_allocation_and_sync, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_survives_drop_caches, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fsck_and_read_catch_corruption, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_writepage_without_buffers_is_a_bug, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_writepage_without_buffers_warns_from_5_18, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_and_io_errors, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_enospc_at_write_time, setup_tiny, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mount_arguments, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dax_mount_flags_mappings, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_background_skips_locked_folio, fx_setup, fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
