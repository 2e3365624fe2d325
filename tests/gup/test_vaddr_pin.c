/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vaddr_pin_pages() under the lease policy: a long-term writable pin of a
 * shared blkfs mapping, or any long-term pin of fsdax, is refused as in
 * mainline unless it is taken through vaddr_pin_pages() on a leased file; then
 * truncate and hole punch get -ETXTBSY until the pins are gone.
 */
#include <pinmm/fs/blkfs.h>
#include <pinmm/devmap/pmem.h>
#include "gup_test.h"

#define NR 4

static struct block_device *vp_bdev;
static struct blkfs *vp_fs;
static struct file *vp_file;
static unsigned long vp_addr;

static int vp_boot(const char *preset, bool dax)
{
	struct mem_config cfg = { .device_bytes = dax ? 8UL << 20 : 0 };
	unsigned char buf[NR * PAGE_SIZE];
	int err;

	if (gt_boot(&cfg, preset))
		return -1;
	vp_bdev = dax ? pmem_create("pmem0", 4UL << 20, false, &err)
		      : bdev_create("d0", 4UL << 20, true);
	vp_fs = vp_bdev ? blkfs_mount(vp_bdev, "d0", dax ? BLKFS_DAX : BLKFS_CHECKSUM) : NULL;
	vp_file = vp_fs ? fs_open(&vp_fs->sb, "f", FS_O_CREAT, &err) : NULL;
	if (!vp_file)
		return -1;
	memset(buf, 0x11, sizeof(buf));
	if (fs_write(vp_file, 0, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return -1;
	vp_addr = (unsigned long)vm_mmap(gt_mm(), 0, NR * PAGE_SIZE, PROT_READ | PROT_WRITE,
					 MAP_SHARED, vp_file, 0);
	return (long)vp_addr > 0 ? 0 : -1;
}

static int setup_lease(void **state)
{
	(void)state;
	return vp_boot("lease-2019", false);
}
static int setup_lease_dax(void **state)
{
	(void)state;
	return vp_boot("lease-2019", true);
}
static int setup_mainline(void **state)
{
	(void)state;
	return vp_boot("mainline", false);
}

static int teardown(void **state)
{
	int ret = 0;

	(void)state;
	process_destroy(gt_proc);
	gt_proc = NULL;
	fput(vp_file);
	if (blkfs_umount(vp_fs))
		ret = -1;
	bdev_destroy(vp_bdev);
	if (pin_outstanding() || mm_event_count_kind(MM_EV_BUG))
		ret = -1;
	mem_exit();
	return ret;
}

static void lease_admits_the_pin_and_holds_the_layout(void **state)
{
	struct vaddr_pin vp = { .f_owner = vp_file, .mm = gt_mm() };
	struct page *pages[NR];
	struct inode *inode = file_inode(vp_file);

	(void)state;
	/* Without the lease: refused exactly as mainline refuses. */
	mmap_read_lock(gt_mm());
	assert_int_equal(pin_user_pages(gt_mm(), vp_addr, NR, FOLL_WRITE | FOLL_LONGTERM, pages),
			 -EFAULT);
	mmap_read_unlock(gt_mm());
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE | FOLL_LONGTERM, pages, &vp),
			 -EFAULT);

	assert_int_equal(fs_lease_get(vp_file), 0);
	/* A lease does not help the plain entry points: only vaddr_pin_pages() says so. */
	assert_int_equal(pin_user_pages_fast(gt_mm(), vp_addr, NR, FOLL_WRITE | FOLL_LONGTERM, pages),
			 -EFAULT);
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE | FOLL_LONGTERM, pages, &vp), NR);
	assert_int_equal(atomic_load(&inode->i_lease_pins), NR);
	assert_true(page_maybe_dma_pinned(pages[0]));

	/* The filesystem may not move or free the blocks under the pins. */
	assert_int_equal(fs_truncate(vp_file, 0), -ETXTBSY);
	assert_int_equal(fs_fallocate_punch_hole(vp_file, PAGE_SIZE, PAGE_SIZE), -ETXTBSY);
	assert_int_equal(i_size_read(inode), NR * PAGE_SIZE);

	vaddr_unpin_pages(pages, NR, &vp, true);
	assert_int_equal(atomic_load(&inode->i_lease_pins), 0);
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(fs_truncate(vp_file, 0), 0);
	assert_int_equal(fs_lease_put(vp_file), 0);
	assert_int_equal(fs_lease_put(vp_file), -ENOENT);
}

static void lease_admits_fsdax_pins(void **state)
{
	struct vaddr_pin vp = { .f_owner = vp_file, .mm = gt_mm() };
	struct page *pages[NR];

	(void)state;
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE | FOLL_LONGTERM, pages, &vp),
			 -EOPNOTSUPP);
	assert_int_equal(fs_lease_get(vp_file), 0);
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE | FOLL_LONGTERM, pages, &vp), NR);
	assert_true(is_zone_device_page(pages[0]));
	assert_int_equal(fs_truncate(vp_file, 0), -ETXTBSY);
	vaddr_unpin_pages(pages, NR, &vp, false);
	assert_int_equal(fs_truncate(vp_file, 0), 0);
	assert_int_equal(fs_lease_put(vp_file), 0);
}

static void mainline_ignores_leases(void **state)
{
	struct vaddr_pin vp = { .f_owner = vp_file, .mm = gt_mm() };
	struct page *pages[NR];

	(void)state;
	assert_int_equal(fs_lease_get(vp_file), 0);
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE | FOLL_LONGTERM, pages, &vp),
			 -EFAULT);
	/* a short-term pin is no business of the lease */
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE, pages, &vp), NR);
	assert_int_equal(fs_truncate(vp_file, 0), 0);
	vaddr_unpin_pages(pages, NR, &vp, false);
	assert_int_equal(fs_lease_put(vp_file), 0);
}

static void bad_arguments(void **state)
{
	struct vaddr_pin none = { 0 };
	struct vaddr_pin vp = { .f_owner = vp_file, .mm = gt_mm() };
	struct page *pages[NR];

	(void)state;
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE, pages, NULL), -EINVAL);
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_WRITE, pages, &none), -EINVAL);
	/* FOLL_PIN is the wrapper's to set */
	assert_int_equal(vaddr_pin_pages(vp_addr, NR, FOLL_PIN, pages, &vp), -EINVAL);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 2);
	mm_events_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lease_admits_the_pin_and_holds_the_layout,
						setup_lease, teardown),
		cmocka_unit_test_setup_teardown(lease_admits_fsdax_pins, setup_lease_dax, teardown),
		cmocka_unit_test_setup_teardown(mainline_ignores_leases, setup_mainline, teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, setup_lease, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
