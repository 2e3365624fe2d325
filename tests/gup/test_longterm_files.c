/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Long-term pins of file mappings: the matrix of the kernel's own selftest
 * (tools/testing/selftests/mm/gup_longterm.c) - {shared, private} x {R/W, R/O}
 * x {GUP, GUP-fast} x {ext4-like blkfs, shmem memfd} - with its expectations:
 * R/O pins and pins of private mappings always work; a R/W long-term pin of a
 * shared mapping works only where the filesystem needs no dirty tracking
 * (shmem), and is refused with EFAULT elsewhere. Plus fsdax and the legacy
 * policy that allowed everything.
 */
#include "gup_test.h"
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/shmem.h>

enum backing { BLKFS, SHMEM };

struct files {
	struct block_device *bdev;
	struct blkfs *blkfs;
	struct blkfs *daxfs;
	struct shmem_sb *shmem;
};
static struct files fx;

static int setup_common(const char *preset)
{
	if (gt_boot(NULL, preset))
		return -1;
	fx.bdev = bdev_create("d0", 8UL << 20, true);
	if (!fx.bdev)
		return -1;
	fx.blkfs = blkfs_mount(fx.bdev, "d0", BLKFS_CHECKSUM);
	fx.shmem = shmem_mount("t0");
	return fx.blkfs && fx.shmem ? 0 : -1;
}

static int setup(void **state)
{
	return setup_common("mainline");
}

static int setup_legacy(void **state)
{
	return setup_common("v4.14");
}

static int teardown(void **state)
{
	if (gt_proc)
		process_destroy(gt_proc);
	gt_proc = NULL;
	if (fx.shmem)
		shmem_umount(fx.shmem);
	if (fx.blkfs)
		blkfs_umount(fx.blkfs);
	if (fx.bdev)
		bdev_destroy(fx.bdev);
	memset(&fx, 0, sizeof(fx));
	mem_exit();
	return 0;
}

static struct file *open_file(enum backing b, const char *name, size_t size)
{
	static unsigned char buf[4 * PAGE_SIZE];
	struct file *file;
	int err = 0;

	if (b == SHMEM)
		file = shmem_memfd_create(fx.shmem, name, &err);
	else
		file = fs_open(&fx.blkfs->sb, name, FS_O_CREAT, &err);
	assert_non_null(file);
	memset(buf, 0x11, sizeof(buf));
	assert_true(size <= sizeof(buf));
	assert_int_equal(fs_write(file, 0, buf, size), (ssize_t)size);
	return file;
}

/* One cell of the matrix: 0 if the pin worked, else its error. */
static long pin_cell(enum backing b, bool shared, bool rw, bool fast)
{
	struct mm_struct *mm = gt_mm();
	const size_t size = PAGE_SIZE;
	struct file *file = open_file(b, shared ? "s" : "p", size);
	struct page *page;
	long addr, ret;

	addr = vm_mmap(mm, 0, size, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE,
		       file, 0);
	assert_true(addr > 0);
	/* Fault the page in so that GUP-fast could take it directly. */
	assert_int_equal(uaccess_memset(mm, (unsigned long)addr, 0, size), 0);
	if (!rw)
		assert_int_equal(do_mprotect(mm, (unsigned long)addr, size, PROT_READ), 0);

	if (fast) {
		ret = pin_user_pages_fast(mm, (unsigned long)addr, 1,
					  FOLL_LONGTERM | (rw ? FOLL_WRITE : 0), &page);
	} else {
		mmap_read_lock(mm);
		ret = pin_user_pages(mm, (unsigned long)addr, 1,
				     FOLL_LONGTERM | (rw ? FOLL_WRITE : 0), &page);
		mmap_read_unlock(mm);
	}
	if (ret == 1) {
		/* Whatever was pinned is what the process maps. */
		assert_ptr_equal(page, gt_mapped_page(mm, (unsigned long)addr));
		unpin_user_page(page);
		ret = 0;
	} else {
		assert_true(ret < 0);
	}
	assert_int_equal(vm_munmap(mm, (unsigned long)addr, size), 0);
	fput(file);
	return ret;
}

static void run_matrix(bool legacy)
{
	for (int b = BLKFS; b <= SHMEM; b++)
		for (int shared = 0; shared <= 1; shared++)
			for (int rw = 0; rw <= 1; rw++)
				for (int fast = 0; fast <= 1; fast++) {
					bool should_work = legacy || !shared || !rw || b == SHMEM;
					long ret = pin_cell(b, shared, rw, fast);

					if (should_work != (ret == 0))
						fail_msg("%s %s %s %s: got %ld, expected %s",
							 b == SHMEM ? "memfd" : "blkfs",
							 shared ? "MAP_SHARED" : "MAP_PRIVATE",
							 rw ? "R/W" : "R/O", fast ? "GUP-fast" : "GUP",
							 ret, should_work ? "success" : "EFAULT");
					if (ret)
						assert_int_equal(ret, -EFAULT);
				}
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
}

static void test_gup_longterm_matrix(void **state)
{
	run_matrix(false);
}

static void test_gup_longterm_matrix_legacy(void **state)
{
	run_matrix(true);
}

/* Short-term R/W pins of a shared blkfs mapping are fine (O_DIRECT does them). */
static void test_short_term_shared_write_pin_works(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *file = open_file(BLKFS, "f", PAGE_SIZE);
	struct page *page;
	long addr = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);

	assert_true(addr > 0);
	assert_int_equal(pin_user_pages_fast(mm, (unsigned long)addr, 1, FOLL_WRITE, &page), 1);
	assert_false(folio_test_anon(page_folio(page)));
	assert_true(folio_test_dirty(page_folio(page)));
	unpin_user_pages_dirty_lock(&page, 1, true);
	assert_int_equal(vm_munmap(mm, (unsigned long)addr, PAGE_SIZE), 0);
	fput(file);
}

/* A long-term R/O pin of a private file mapping must not pin the page cache. */
static void test_longterm_ro_private_file_unshares(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct file *file = open_file(BLKFS, "f", PAGE_SIZE);
	struct page *page;
	long addr = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, file, 0);

	assert_true(addr > 0);
	assert_int_equal(gt_uread(mm, (unsigned long)addr), 0x11);
	assert_false(folio_test_anon(page_folio(gt_mapped_page(mm, (unsigned long)addr))));
	assert_int_equal(pin_user_pages_fast(mm, (unsigned long)addr, 1, FOLL_LONGTERM, &page), 1);
	assert_true(folio_test_anon(page_folio(page)));
	assert_ptr_equal(page, gt_mapped_page(mm, (unsigned long)addr));
	assert_int_equal(gt_peek(page, 3), 0x11);
	unpin_user_page(page);
	assert_int_equal(vm_munmap(mm, (unsigned long)addr, PAGE_SIZE), 0);
	fput(file);
}

/*
 * FOLL_LONGTERM on fsdax (-EOPNOTSUPP on both paths) needs a pmem disk, so it
 * lives with the other DAX GUP tests in test_dax.c.
 */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gup_longterm_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gup_longterm_matrix_legacy, setup_legacy, teardown),
		cmocka_unit_test_setup_teardown(test_short_term_shared_write_pin_works, setup, teardown),
		cmocka_unit_test_setup_teardown(test_longterm_ro_private_file_unshares, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
