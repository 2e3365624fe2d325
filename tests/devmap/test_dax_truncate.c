/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Truncate and hole punch on fsdax with a block's page still referenced (as
 * GUP leaves it): dax_layout_busy_page() finds it; the 2018 kernels freed the
 * block anyway and the next file got it (the corruption of scenario 04),
 * mainline waits for the reference to go, leases refuse.
 */
#include <pinmm/vm/process.h>
#include "devmap_test.h"

static struct file *dt_open(struct dt_fixture *fx, const char *name)
{
	int err = 1;
	struct file *f = fs_open(&fx->fs->sb, name, FS_O_CREAT, &err);

	assert_non_null(f);
	return f;
}

static void dt_fill(struct file *f, unsigned int npages, unsigned char c)
{
	unsigned char buf[PAGE_SIZE];

	memset(buf, c, sizeof(buf));
	for (unsigned int i = 0; i < npages; i++)
		assert_int_equal(fs_write(f, (loff_t)i * (loff_t)PAGE_SIZE, buf, PAGE_SIZE),
				 (ssize_t)PAGE_SIZE);
}

static struct page *dt_block_page(struct dt_fixture *fx, struct file *f, pgoff_t idx)
{
	sector_t b = blkfs_bmap(file_inode(f), idx);

	assert_true(b != 0);
	return pfn_to_page(pmem_block_pfn(fx->bdev, b));
}

/*
 * Map @f shared, fault page @idx in and take a reference on its page the way
 * GUP does (a pin is a reference to this layer). Returns the page.
 */
static struct page *dt_map_and_hold(struct dt_fixture *fx, struct process *p, struct file *f,
				    pgoff_t idx, unsigned long *addr)
{
	unsigned char c = 0xaa;
	struct page *page;

	*addr = (unsigned long)vm_mmap(p->mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				       MAP_SHARED, f, 0);
	assert_true((long)*addr > 0);
	assert_int_equal(uaccess_write(p->mm, *addr + idx * PAGE_SIZE, &c, 1), 0);
	page = dt_block_page(fx, f, idx);
	assert_int_equal(zone_device_page_get(page), 0);
	return page;
}

static bool page_all(struct page *page, unsigned char c)
{
	unsigned char buf[PAGE_SIZE];

	memcpy_from_page(buf, page, 0, PAGE_SIZE);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (buf[i] != c)
			return false;
	return true;
}

/* The 2018 kernel: the block goes back while held; the next file's data is hit. */
static void test_allow_frees_busy_blocks(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f"), *g;
	unsigned char buf[PAGE_SIZE];
	unsigned long addr;
	struct page *held;
	sector_t blk;
	pte_t *ptep;

	pin_config.longterm = LONGTERM_ALLOW;
	dt_fill(f, 4, 0x11);
	held = dt_map_and_hold(fx, p, f, 0, &addr);
	blk = blkfs_bmap(file_inode(f), 0);
	assert_int_equal(fs_truncate(f, 0), 0);
	assert_int_equal(blkfs_bmap(file_inode(f), 0), 0);
	/* The mapping is gone; the reference is not. */
	ptep = pte_offset_map(mm_find_pmd(p->mm, addr), addr);
	assert_true(pte_none(ptep_get(ptep)));
	pte_unmap(ptep);
	assert_false(devmap_page_idle(held));

	g = dt_open(fx, "g");
	dt_fill(g, 4, 0x44);
	assert_int_equal(blkfs_bmap(file_inode(g), 0), blk);
	assert_ptr_equal(dt_block_page(fx, g, 0), held);
	/* The device writes what it holds: g's data. */
	memset_page(held, 0, 0x33, PAGE_SIZE);
	assert_int_equal(fs_read(g, 0, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[0], 0x33);
	put_page(held);
	assert_int_equal(blkfs_fsck(fx->fs, NULL, NULL), 0);
	process_destroy(p);
	fput(f);
	fput(g);
}

/* Mainline: truncate sleeps until the holder lets go, then frees. */
static void test_mainline_waits_for_idle(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f"), *g;
	struct dt_dropper d;
	struct timespec t0;
	unsigned long addr;
	struct page *held;

	pin_config.longterm = LONGTERM_MAINLINE;
	dt_fill(f, 4, 0x11);
	held = dt_map_and_hold(fx, p, f, 2, &addr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dt_drop_later(&d, held, 150);
	assert_int_equal(fs_truncate(f, 0), 0);
	assert_true(atomic_load(&d.dropped));
	assert_true(dt_ms_since(&t0) >= 140);
	pthread_join(d.thread, NULL);
	assert_true(devmap_page_idle(held));
	assert_int_equal(blkfs_bmap(file_inode(f), 2), 0);
	/* Reuse is safe now: nobody can write the block behind g's back. */
	g = dt_open(fx, "g");
	dt_fill(g, 4, 0x44);
	assert_true(page_all(dt_block_page(fx, g, 2), 0x44));
	assert_int_equal(blkfs_fsck(fx->fs, NULL, NULL), 0);
	process_destroy(p);
	fput(f);
	fput(g);
}

/* A reference nobody drops: a WARN and -EBUSY instead of hanging; nothing freed. */
static void test_mainline_timeout(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f");
	unsigned long addr;
	struct page *held;
	sector_t blk;

	pin_config.longterm = LONGTERM_MAINLINE;
	dax_layout_timeout_ms = 50;
	dt_fill(f, 4, 0x11);
	held = dt_map_and_hold(fx, p, f, 1, &addr);
	blk = blkfs_bmap(file_inode(f), 1);
	assert_int_equal(fs_truncate(f, PAGE_SIZE), -EBUSY);
	assert_int_equal(dt_take_events(MM_EV_WARN, "still busy"), 1);
	assert_int_equal(i_size_read(file_inode(f)), 4 * PAGE_SIZE);
	assert_int_equal(blkfs_bmap(file_inode(f), 1), blk);
	assert_true(page_all(held, 0x11) == false);	/* the 0xaa store is there */
	put_page(held);
	assert_int_equal(fs_truncate(f, PAGE_SIZE), 0);
	assert_int_equal(blkfs_bmap(file_inode(f), 1), 0);
	assert_int_equal(mm_event_count(), 0);
	process_destroy(p);
	fput(f);
}

/* Hole punch breaks only the punched range's layout. */
static void test_punch_hole(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f");
	struct dt_dropper d;
	unsigned long addr;
	struct page *held;

	pin_config.longterm = LONGTERM_MAINLINE;
	dax_layout_timeout_ms = 50;
	dt_fill(f, 4, 0x11);
	held = dt_map_and_hold(fx, p, f, 0, &addr);
	/* Page 0 is busy, the hole is elsewhere: no wait. */
	assert_int_equal(fs_fallocate_punch_hole(f, 2 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	assert_int_equal(blkfs_bmap(file_inode(f), 2), 0);
	assert_true(blkfs_bmap(file_inode(f), 0) != 0);
	/* Punching page 0 waits for it. */
	dax_layout_timeout_ms = 10000;
	dt_drop_later(&d, held, 100);
	assert_int_equal(fs_fallocate_punch_hole(f, 0, PAGE_SIZE), 0);
	assert_true(atomic_load(&d.dropped));
	pthread_join(d.thread, NULL);
	assert_int_equal(blkfs_bmap(file_inode(f), 0), 0);
	assert_int_equal(i_size_read(file_inode(f)), 4 * PAGE_SIZE);
	assert_int_equal(blkfs_fsck(fx->fs, NULL, NULL), 0);
	process_destroy(p);
	fput(f);
}

/* Lease policy: pins under a lease make truncate fail; plain references are waited for. */
static void test_lease(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f");
	struct dt_dropper d;
	unsigned long addr;
	struct page *held;

	pin_config.longterm = LONGTERM_LEASE;
	dt_fill(f, 4, 0x11);
	held = dt_map_and_hold(fx, p, f, 3, &addr);
	assert_int_equal(fs_lease_get(f), 0);
	fs_lease_pin_add(file_inode(f), 1);
	assert_int_equal(fs_truncate(f, 0), -ETXTBSY);
	assert_true(blkfs_bmap(file_inode(f), 3) != 0);
	fs_lease_pin_sub(file_inode(f), 1);
	assert_int_equal(fs_lease_put(f), 0);
	dt_drop_later(&d, held, 80);
	assert_int_equal(fs_truncate(f, 0), 0);
	assert_true(atomic_load(&d.dropped));
	pthread_join(d.thread, NULL);
	process_destroy(p);
	fput(f);
}

/* dax_layout_busy_page() unmaps first, then reports only pages someone still holds. */
static void test_busy_page_lookup(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f");
	unsigned long addr;
	struct page *held;
	pte_t *ptep;

	dt_fill(f, 4, 0x11);
	held = dt_map_and_hold(fx, p, f, 1, &addr);
	filemap_invalidate_lock(f->f_mapping);
	assert_ptr_equal(dax_layout_busy_page(f->f_mapping), held);
	assert_null(dax_layout_busy_page_range(f->f_mapping, 2 * PAGE_SIZE, -1));
	assert_null(dax_layout_busy_page_range(f->f_mapping, 0, PAGE_SIZE - 1));
	filemap_invalidate_unlock(f->f_mapping);
	ptep = pte_offset_map(mm_find_pmd(p->mm, addr + PAGE_SIZE), addr + PAGE_SIZE);
	assert_true(pte_none(ptep_get(ptep)));
	pte_unmap(ptep);
	put_page(held);
	filemap_invalidate_lock(f->f_mapping);
	assert_null(dax_layout_busy_page(f->f_mapping));
	filemap_invalidate_unlock(f->f_mapping);
	/* Not a DAX mapping: nothing to find. */
	assert_null(dax_layout_busy_page(NULL));
	process_destroy(p);
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_allow_frees_busy_blocks, dt_setup_dax_idle1, dt_teardown),
		cmocka_unit_test_setup_teardown(test_allow_frees_busy_blocks, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_mainline_waits_for_idle, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_mainline_waits_for_idle, dt_setup_dax_idle1, dt_teardown),
		cmocka_unit_test_setup_teardown(test_mainline_timeout, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_punch_hole, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_lease, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_busy_page_lookup, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_busy_page_lookup, dt_setup_dax_idle1, dt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
