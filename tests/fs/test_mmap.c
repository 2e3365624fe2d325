/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File mappings: stores through a shared mapping reach the disk through
 * page_mkwrite and writeback; a private mapping never writes back; tmpfs
 * mappings stay in memory.
 */
#include <pinmm/vm/mm.h>
#include "fs_test.h"

#define LEN (4 * PAGE_SIZE)

static unsigned long map_file(struct process *p, struct file *f, unsigned long flags)
{
	long addr = vm_mmap(p->mm, 0, LEN, PROT_READ | PROT_WRITE, flags, f, 0);

	assert_true(addr > 0);
	return (unsigned long)addr;
}

static void test_shared_mapping_reaches_disk(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct process *p = process_create("p");
	unsigned char buf[PAGE_SIZE];
	unsigned long addr;
	unsigned long writes;

	assert_non_null(p);
	fx_fill(f, 0, 4, 0x11);
	assert_int_equal(fs_fsync(f), 0);
	addr = map_file(p, f, MAP_SHARED);
	memset(buf, 0x22, sizeof(buf));
	assert_int_equal(uaccess_write(p->mm, addr + PAGE_SIZE, buf, PAGE_SIZE), 0);
	{
		struct folio *folio = filemap_get_folio(f->f_mapping, 1);

		assert_non_null(folio);
		assert_true(folio_test_dirty(folio));
		assert_non_null(folio_buffers(folio));
		assert_true(buffer_dirty(folio_buffers(folio)));
		folio_put(folio);
	}
	writes = atomic_load(&fx->bdev->nr_writes);
	assert_int_equal(sync_filesystem(&fx->fs->sb, WB_SYNC_ALL), 1);
	assert_int_equal(atomic_load(&fx->bdev->nr_writes), writes + 1);
	fx_expect_disk(fx, f, 1, 0x22);
	/* Writeback write-protected the PTE: the next store faults and dirties again. */
	memset(buf, 0x23, sizeof(buf));
	assert_int_equal(uaccess_write(p->mm, addr + PAGE_SIZE, buf, PAGE_SIZE), 0);
	assert_int_equal(sync_filesystem(&fx->fs->sb, WB_SYNC_ALL), 1);
	fx_expect_disk(fx, f, 1, 0x23);
	/* Mapped folios are not dropped; unmapped they are, and the data is on disk. */
	assert_int_equal(vm_munmap(p->mm, addr, LEN), 0);
	assert_true(drop_caches(1) >= 1);
	fx_expect_file(f, 1, 0x23);
	fx_expect_file(f, 2, 0x13);
	process_destroy(p);
	assert_int_equal(fx_fsck(fx), 0);
	fput(f);
}

static void test_page_mkwrite_allocates_blocks(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct process *p = process_create("p");
	sector_t free0 = blkfs_free_blocks(fx->fs);
	unsigned long addr;
	unsigned char c = 0x5a;

	/* A sparse file: size set, no blocks. */
	assert_int_equal(fs_truncate(f, LEN), 0);
	addr = map_file(p, f, MAP_SHARED);
	assert_int_equal(uaccess_write(p->mm, addr + 2 * PAGE_SIZE + 5, &c, 1), 0);
	/* Allocated at fault time, not at writeback (unwritten until then). */
	assert_true(blkfs_bmap(file_inode(f), 2) != 0);
	assert_int_equal(blkfs_free_blocks(fx->fs), free0 - 1);
	assert_int_equal(blkfs_bmap(file_inode(f), 1), 0);
	assert_int_equal(fx_fsck(fx), 0);
	assert_int_equal(sync_filesystem(&fx->fs->sb, WB_SYNC_ALL), 1);
	{
		unsigned char out[8];

		assert_int_equal(bdev_peek(fx->bdev, blkfs_bmap(file_inode(f), 2), 0, out, 8), 0);
		assert_int_equal(out[5], 0x5a);
		assert_int_equal(out[4], 0);
	}
	assert_int_equal(fx_fsck(fx), 0);
	/* Beyond EOF a store faults with SIGBUS. */
	assert_int_equal(fs_truncate(f, PAGE_SIZE), 0);
	assert_int_equal(uaccess_write(p->mm, addr + 3 * PAGE_SIZE, &c, 1), -EFAULT);
	process_destroy(p);
	fput(f);
}

static void test_private_mapping_never_writes_back(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct process *p = process_create("p");
	unsigned char buf[PAGE_SIZE], out[PAGE_SIZE];
	unsigned long addr, writes;

	fx_fill(f, 0, 4, 0x40);
	assert_int_equal(fs_fsync(f), 0);
	writes = atomic_load(&fx->bdev->nr_writes);
	addr = map_file(p, f, MAP_PRIVATE);
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(uaccess_write(p->mm, addr, buf, PAGE_SIZE), 0);
	assert_int_equal(uaccess_read(p->mm, addr, out, PAGE_SIZE), 0);
	assert_int_equal(out[0], 0x77);
	assert_int_equal(sync_filesystem(&fx->fs->sb, WB_SYNC_ALL), 0);
	assert_int_equal(atomic_load(&fx->bdev->nr_writes), writes);
	fx_expect_file(f, 0, 0x40);
	fx_expect_disk(fx, f, 0, 0x40);
	process_destroy(p);
	fput(f);
}

static void test_shmem_mapping(void **state)
{
	struct fs_fixture *fx = *state;
	struct shmem_sb *tmp = shmem_mount("t0");
	struct process *p = process_create("p");
	unsigned char c = 0x31, out[4];
	struct file *f;
	unsigned long addr;
	int err;

	(void)fx;
	f = fs_open(&tmp->sb, "s", FS_O_CREAT, &err);
	assert_int_equal(fs_truncate(f, LEN), 0);
	addr = map_file(p, f, MAP_SHARED);
	assert_int_equal(uaccess_write(p->mm, addr + PAGE_SIZE + 1, &c, 1), 0);
	assert_int_equal(fs_read(f, PAGE_SIZE, out, 4), 4);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0x31);
	assert_int_equal(sync_filesystem(&tmp->sb, WB_SYNC_ALL), 0);
	assert_int_equal(shmem_umount(tmp), -EBUSY);
	process_destroy(p);
	fput(f);
	assert_int_equal(shmem_umount(tmp), 0);
}

/* Migration moves a cache folio's slot and buffers; an extra reference refuses it. */
static void test_migrate_file_folio(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct process *p = process_create("p");
	struct folio *old, *now, *held;
	unsigned long addr, old_pfn;
	unsigned char c;

	fx_fill(f, 0, 2, 0x66);
	assert_int_equal(fs_fsync(f), 0);
	addr = map_file(p, f, MAP_SHARED);
	assert_int_equal(uaccess_read(p->mm, addr, &c, 1), 0);
	old = filemap_get_folio(f->f_mapping, 0);
	old_pfn = folio_pfn(old);
	assert_non_null(folio_buffers(old));
	folio_put(old);
	assert_int_equal(migrate_range(p->mm, addr, PAGE_SIZE), 1);
	now = filemap_get_folio(f->f_mapping, 0);
	assert_non_null(now);
	assert_true(folio_pfn(now) != old_pfn);
	assert_non_null(folio_buffers(now));
	assert_ptr_equal(folio_buffers(now)->b_folio, now);
	assert_true(folio_test_lru(now));
	/* Cache + buffers + the mapping + ours. */
	assert_int_equal(folio_ref_count(now), 4);
	folio_put(now);
	assert_int_equal(uaccess_read(p->mm, addr + 5, &c, 1), 0);
	assert_int_equal(c, 0x66);
	fx_expect_file(f, 0, 0x66);
	/* Somebody holds page 1: it stays where it is. */
	held = filemap_get_folio(f->f_mapping, 1);
	assert_int_equal(uaccess_read(p->mm, addr + PAGE_SIZE, &c, 1), 0);
	assert_true(migrate_range(p->mm, addr + PAGE_SIZE, PAGE_SIZE) <= 0);
	now = filemap_get_folio(f->f_mapping, 1);
	assert_ptr_equal(now, held);
	folio_put(now);
	folio_put(held);
	process_destroy(p);
	assert_int_equal(drop_caches(1), 2);
	fx_expect_file(f, 0, 0x66);
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shared_mapping_reaches_disk, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_page_mkwrite_allocates_blocks, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_private_mapping_never_writes_back, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_shmem_mapping, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_migrate_file_folio, fx_setup, fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
