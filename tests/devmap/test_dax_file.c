/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fsdax file I/O and faults: no page cache, reads and writes go to the pmem
 * pages, a fault maps the block's own pfn (special pte_devmap with no
 * reference under idle-at-1, a refcounted mapping under idle-at-0).
 */
#include <pinmm/vm/process.h>
#include "devmap_test.h"

static struct file *dt_open(struct dt_fixture *fx, const char *name)
{
	int err = 1;
	struct file *f = fs_open(&fx->fs->sb, name, FS_O_CREAT, &err);

	assert_non_null(f);
	assert_int_equal(err, 0);
	return f;
}

static void dt_fill(struct file *f, unsigned int npages, unsigned char c)
{
	unsigned char buf[PAGE_SIZE];

	for (unsigned int i = 0; i < npages; i++) {
		memset(buf, c + (int)i, sizeof(buf));
		assert_int_equal(fs_write(f, (loff_t)i * (loff_t)PAGE_SIZE, buf, PAGE_SIZE),
				 (ssize_t)PAGE_SIZE);
	}
}

/* The page that is file page @idx's block. */
static struct page *dt_block_page(struct dt_fixture *fx, struct file *f, pgoff_t idx)
{
	sector_t b = blkfs_bmap(file_inode(f), idx);

	assert_true(b != 0);
	return pfn_to_page(pmem_block_pfn(fx->bdev, b));
}

static pte_t dt_pte(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(mm, addr);
	pte_t *ptep, v;

	if (!pmd)
		return __pte(0);
	ptep = pte_offset_map(pmd, addr);
	if (!ptep)
		return __pte(0);
	v = ptep_get(ptep);
	pte_unmap(ptep);
	return v;
}

static unsigned long dt_mmap(struct process *p, struct file *f, unsigned long len, unsigned long flags)
{
	long a = vm_mmap(p->mm, 0, len, PROT_READ | PROT_WRITE, flags, f, 0);

	assert_true(a > 0);
	return (unsigned long)a;
}

static void test_rw_bypasses_page_cache(void **state)
{
	struct dt_fixture *fx = *state;
	struct file *f = dt_open(fx, "f");
	unsigned char buf[3 * PAGE_SIZE], page[PAGE_SIZE];

	assert_true(dax_mapping(f->f_mapping));
	assert_false(fx->bdev->verify);
	dt_fill(f, 3, 0x40);
	assert_int_equal(atomic_load(&f->f_mapping->nrpages), 0);
	assert_int_equal(i_size_read(file_inode(f)), 3 * PAGE_SIZE);
	for (pgoff_t i = 0; i < 3; i++) {
		memcpy_from_page(page, dt_block_page(fx, f, i), 0, PAGE_SIZE);
		assert_int_equal(page[0], 0x40 + i);
		assert_int_equal(page[PAGE_SIZE - 1], 0x40 + i);
	}
	/* A write that straddles two blocks, read back across them. */
	memset(buf, 0xee, 100);
	assert_int_equal(fs_write(f, PAGE_SIZE - 50, buf, 100), 100);
	assert_int_equal(fs_read(f, 0, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(buf[PAGE_SIZE - 51], 0x40);
	assert_int_equal(buf[PAGE_SIZE - 50], 0xee);
	assert_int_equal(buf[PAGE_SIZE + 49], 0xee);
	assert_int_equal(buf[PAGE_SIZE + 50], 0x41);
	assert_int_equal(fs_read(f, 3 * PAGE_SIZE, buf, 1), 0);
	assert_int_equal(atomic_load(&f->f_mapping->nrpages), 0);
	/* Ownership is checked; data checksums are not kept on DAX. */
	assert_int_equal(blkfs_fsck(fx->fs, NULL, NULL), 0);
	fput(f);
}

/* Shared mapping: read maps the block read-only, the first store upgrades the same pfn. */
static void check_shared_fault(struct dt_fixture *fx, bool refcounted)
{
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f");
	struct dev_pagemap *pgmap = pmem_pgmap(fx->bdev);
	unsigned long addr, freed0 = atomic_load(&pgmap->nr_page_free);
	unsigned char c = 0, buf[PAGE_SIZE];
	struct page *page;
	pte_t pte;

	dt_fill(f, 2, 0x10);
	page = dt_block_page(fx, f, 1);
	addr = dt_mmap(p, f, 2 * PAGE_SIZE, MAP_SHARED);
	assert_int_equal(uaccess_read(p->mm, addr + PAGE_SIZE + 7, &c, 1), 0);
	assert_int_equal(c, 0x11);
	pte = dt_pte(p->mm, addr + PAGE_SIZE);
	assert_true(pte_present(pte));
	assert_true(pte_devmap(pte));
	assert_false(pte_write(pte));
	assert_int_equal(pte_pfn(pte), page_to_pfn(page));
	assert_ptr_equal(page->mapping, f->f_mapping);
	assert_int_equal(page->index, 1);
	if (refcounted) {
		assert_false(pte_special(pte));
		assert_int_equal(page_ref_count(page), 1);
		assert_int_equal(folio_mapcount(page_folio(page)), 1);
		assert_int_equal(get_mm_counter(p->mm, MM_FILEPAGES), 1);
		assert_false(devmap_page_idle(page));
	} else {
		assert_true(pte_special(pte));
		assert_int_equal(page_ref_count(page), 1);
		assert_int_equal(folio_mapcount(page_folio(page)), 0);
		assert_int_equal(get_mm_counter(p->mm, MM_FILEPAGES), 0);
		assert_true(devmap_page_idle(page));
	}

	c = 0x99;
	assert_int_equal(uaccess_write(p->mm, addr + PAGE_SIZE + 7, &c, 1), 0);
	pte = dt_pte(p->mm, addr + PAGE_SIZE);
	assert_true(pte_write(pte));
	assert_int_equal(pte_pfn(pte), page_to_pfn(page));
	/* The store went to the media: read(2) sees it with no writeback. */
	assert_int_equal(fs_read(f, PAGE_SIZE, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[7], 0x99);
	assert_int_equal(buf[8], 0x11);

	assert_int_equal(vm_munmap(p->mm, addr, 2 * PAGE_SIZE), 0);
	assert_true(devmap_page_idle(page));
	assert_int_equal(page_ref_count(page), refcounted ? 0 : 1);
	/* Only the refcounted mapping's last put hands the page back. */
	assert_int_equal(atomic_load(&pgmap->nr_page_free) - freed0, refcounted ? 1 : 0);
	if (refcounted)
		assert_null(page->mapping);
	process_destroy(p);
	fput(f);
}

static void test_shared_fault_idle1(void **state)
{
	check_shared_fault(*state, false);
}

static void test_shared_fault_idle0(void **state)
{
	check_shared_fault(*state, true);
}

/* A hole reads as the zero page; a store allocates a block and replaces it. */
static void test_hole_then_store(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f");
	unsigned char c = 1, z[PAGE_SIZE];
	unsigned long addr;
	pte_t pte;

	assert_int_equal(fs_truncate(f, 2 * PAGE_SIZE), 0);
	assert_int_equal(blkfs_bmap(file_inode(f), 0), 0);
	addr = dt_mmap(p, f, 2 * PAGE_SIZE, MAP_SHARED);
	assert_int_equal(uaccess_read(p->mm, addr, &c, 1), 0);
	assert_int_equal(c, 0);
	pte = dt_pte(p->mm, addr);
	assert_true(is_zero_pfn(pte_pfn(pte)));
	assert_false(pte_write(pte));
	assert_int_equal(blkfs_bmap(file_inode(f), 0), 0);

	c = 0x42;
	assert_int_equal(uaccess_write(p->mm, addr + 3, &c, 1), 0);
	pte = dt_pte(p->mm, addr);
	assert_false(is_zero_pfn(pte_pfn(pte)));
	assert_true(pte_write(pte));
	assert_int_equal(pte_pfn(pte), page_to_pfn(dt_block_page(fx, f, 0)));
	/* The zero page is still zero; the new block is zero but for the store. */
	memcpy_from_page(z, zero_page, 0, PAGE_SIZE);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(z[i], 0);
	assert_int_equal(fs_read(f, 0, z, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(z[3], 0x42);
	assert_int_equal(z[2], 0);
	/* Past EOF: SIGBUS. */
	assert_int_equal(vm_munmap(p->mm, addr, 2 * PAGE_SIZE), 0);
	addr = (unsigned long)vm_mmap(p->mm, 0, 4 * PAGE_SIZE, PROT_READ, MAP_SHARED, f, 0);
	assert_int_equal(uaccess_read(p->mm, addr + 3 * PAGE_SIZE, &c, 1), -EFAULT);
	process_destroy(p);
	fput(f);
	assert_int_equal(blkfs_fsck(fx->fs, NULL, NULL), 0);
}

/* MAP_PRIVATE: reads see the block, a store gets an anonymous copy of it. */
static void test_private_cow(void **state)
{
	struct dt_fixture *fx = *state;
	struct process *p = process_create("p");
	struct file *f = dt_open(fx, "f");
	unsigned char c = 0, buf[PAGE_SIZE];
	unsigned long addr;
	struct page *page;
	pte_t pte;

	dt_fill(f, 2, 0x20);
	page = dt_block_page(fx, f, 0);
	addr = dt_mmap(p, f, 2 * PAGE_SIZE, MAP_PRIVATE);
	/* Read first (a devmap PTE), then store: the copy must hold the block's data. */
	assert_int_equal(uaccess_read(p->mm, addr, &c, 1), 0);
	assert_int_equal(c, 0x20);
	c = 0x77;
	assert_int_equal(uaccess_write(p->mm, addr + 1, &c, 1), 0);
	pte = dt_pte(p->mm, addr);
	assert_int_not_equal(pte_pfn(pte), page_to_pfn(page));
	assert_false(pte_devmap(pte));
	assert_int_equal(uaccess_read(p->mm, addr, buf, PAGE_SIZE), 0);
	assert_int_equal(buf[0], 0x20);
	assert_int_equal(buf[1], 0x77);
	assert_int_equal(buf[2], 0x20);
	/* Store with nothing mapped yet: the COW fault copies straight from the block. */
	c = 0x78;
	assert_int_equal(uaccess_write(p->mm, addr + PAGE_SIZE, &c, 1), 0);
	assert_int_equal(uaccess_read(p->mm, addr + PAGE_SIZE, buf, 2), 0);
	assert_int_equal(buf[0], 0x78);
	assert_int_equal(buf[1], 0x21);
	/* The file never changed. */
	assert_int_equal(fs_read(f, 0, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[1], 0x20);
	assert_int_equal(fs_read(f, PAGE_SIZE, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[0], 0x21);
	process_destroy(p);
	assert_true(devmap_page_idle(page));
	assert_true(devmap_page_idle(dt_block_page(fx, f, 1)));
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rw_bypasses_page_cache, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_shared_fault_idle1, dt_setup_dax_idle1, dt_teardown),
		cmocka_unit_test_setup_teardown(test_shared_fault_idle0, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_hole_then_store, dt_setup_dax_idle1, dt_teardown),
		cmocka_unit_test_setup_teardown(test_hole_then_store, dt_setup_dax_idle0, dt_teardown),
		cmocka_unit_test_setup_teardown(test_private_cow, dt_setup_dax_idle1, dt_teardown),
		cmocka_unit_test_setup_teardown(test_private_cow, dt_setup_dax_idle0, dt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
