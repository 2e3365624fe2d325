/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GUP on fsdax: pins of a DAX file's pages are pins of the pmem blocks. Under
 * mainline FOLL_LONGTERM is refused (-EOPNOTSUPP) on both paths; short pins
 * work on either refcount convention and truncate waits for them; the
 * pagemap reference GUP takes while grabbing a device page is given back.
 */
#include <pthread.h>
#include <unistd.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/dax.h>
#include <pinmm/devmap/pmem.h>
#include <pinmm/mem/kernel.h>
#include "gup_test.h"

#define DISK	(4UL << 20)

static struct block_device *dx_bdev;
static struct blkfs *dx_fs;
static struct file *dx_file;
static unsigned long dx_addr;

static int dx_boot(const char *preset, enum devmap_refcount rc)
{
	struct mem_config cfg = { .device_bytes = 8UL << 20 };
	unsigned char buf[PAGE_SIZE];
	int err;

	if (gt_boot(&cfg, preset))
		return -1;
	devmap_refcount_default = rc;
	dx_bdev = pmem_create("pmem0", DISK, false, &err);
	dx_fs = dx_bdev ? blkfs_mount(dx_bdev, "pmem0", BLKFS_DAX) : NULL;
	if (!dx_fs)
		return -1;
	dx_file = fs_open(&dx_fs->sb, "f", FS_O_CREAT, &err);
	if (!dx_file)
		return -1;
	memset(buf, 0x11, sizeof(buf));
	for (int i = 0; i < 4; i++)
		if (fs_write(dx_file, (loff_t)i * (loff_t)PAGE_SIZE, buf, PAGE_SIZE) != (ssize_t)PAGE_SIZE)
			return -1;
	dx_addr = (unsigned long)vm_mmap(gt_mm(), 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
					 MAP_SHARED, dx_file, 0);
	return (long)dx_addr > 0 ? 0 : -1;
}

static int dx_setup_mainline(void **state)
{
	(void)state;
	return dx_boot("mainline", DEVMAP_REFCOUNT_IDLE_ZERO);
}

static int dx_setup_legacy(void **state)
{
	(void)state;
	return dx_boot("v4.14", DEVMAP_REFCOUNT_IDLE_ONE);
}

static int dx_teardown(void **state)
{
	int ret = 0;

	process_destroy(gt_proc);
	gt_proc = NULL;
	fput(dx_file);
	if (blkfs_umount(dx_fs))
		ret = -1;
	bdev_destroy(dx_bdev);
	if (mm_event_count() || devmap_nr_pagemaps())
		ret = -1;
	devmap_refcount_default = DEVMAP_REFCOUNT_IDLE_ZERO;
	mem_exit();
	(void)state;
	return ret;
}

static struct page *dx_block_page(pgoff_t idx)
{
	return pfn_to_page(pmem_block_pfn(dx_bdev, blkfs_bmap(file_inode(dx_file), idx)));
}

static void test_longterm_refused(void **state)
{
	struct page *pages[4];

	(void)state;
	mmap_read_lock(gt_mm());
	assert_int_equal(pin_user_pages(gt_mm(), dx_addr, 4, FOLL_WRITE | FOLL_LONGTERM, pages),
			 -EOPNOTSUPP);
	mmap_read_unlock(gt_mm());
	/* Fault the pages in first so GUP-fast sees devmap PTEs: still refused. */
	assert_int_equal(uaccess_memset(gt_mm(), dx_addr, 0x22, 4 * PAGE_SIZE), 0);
	assert_int_equal(pin_user_pages_fast(gt_mm(), dx_addr, 4, FOLL_WRITE | FOLL_LONGTERM, pages),
			 -EOPNOTSUPP);
	assert_int_equal(node_page_state(NR_FOLL_PIN_ACQUIRED), 0);
	for (pgoff_t i = 0; i < 4; i++)
		assert_true(devmap_page_idle(dx_block_page(i)) == false);	/* mapped: idle-at-0 */
}

/* Short pins: the pinned pages are the blocks; the pagemap reference is not kept. */
static void check_short_pin(bool fast)
{
	struct dev_pagemap *pgmap = pmem_pgmap(dx_bdev);
	struct page *pages[4];
	long base, n;

	assert_int_equal(uaccess_memset(gt_mm(), dx_addr, 0x22, 4 * PAGE_SIZE), 0);
	base = atomic_load(&pgmap->ref);
	if (fast) {
		n = pin_user_pages_fast(gt_mm(), dx_addr, 4, FOLL_WRITE, pages);
	} else {
		mmap_read_lock(gt_mm());
		n = pin_user_pages(gt_mm(), dx_addr, 4, FOLL_WRITE, pages);
		mmap_read_unlock(gt_mm());
	}
	assert_int_equal(n, 4);
	assert_int_equal(atomic_load(&pgmap->ref), base);
	for (pgoff_t i = 0; i < 4; i++) {
		assert_ptr_equal(pages[i], dx_block_page(i));
		assert_true(folio_maybe_dma_pinned(page_folio(pages[i])) ||
			    pin_config.tracker->untracked);
		assert_false(devmap_page_idle(pages[i]));
	}
	unpin_user_pages(pages, 4);
	assert_int_equal(vm_munmap(gt_mm(), dx_addr, 4 * PAGE_SIZE), 0);
	for (pgoff_t i = 0; i < 4; i++)
		assert_true(devmap_page_idle(dx_block_page(i)));
}

static void test_short_pin_slow(void **state)
{
	(void)state;
	check_short_pin(false);
}

static void test_short_pin_fast(void **state)
{
	(void)state;
	check_short_pin(true);
}

/* legacy-2018: the longterm pin is taken, and survives the truncate. */
static void test_legacy_longterm_pin_survives_truncate(void **state)
{
	struct page *pages[4];
	struct page *first;

	(void)state;
	mmap_read_lock(gt_mm());
	assert_int_equal(pin_user_pages(gt_mm(), dx_addr, 4, FOLL_WRITE | FOLL_LONGTERM, pages), 4);
	mmap_read_unlock(gt_mm());
	first = dx_block_page(0);
	assert_ptr_equal(pages[0], first);
	assert_int_equal(fs_truncate(dx_file, 0), 0);
	assert_int_equal(blkfs_bmap(file_inode(dx_file), 0), 0);
	assert_int_equal(page_ref_count(first), 2);	/* idle 1 + the GUP reference */
	unpin_user_pages(pages, 4);
	assert_true(devmap_page_idle(first));
}

struct unpinner {
	struct page **pages;
	atomic_bool done;
};

static void *unpin_later(void *arg)
{
	struct unpinner *u = arg;

	usleep(100 * 1000);
	atomic_store(&u->done, true);
	unpin_user_pages(u->pages, 4);
	return NULL;
}

/* mainline: a short pin held by another thread; truncate sleeps until it is dropped. */
static void test_mainline_truncate_waits_for_unpin(void **state)
{
	struct page *pages[4];
	struct unpinner u = { .pages = pages };
	pthread_t t;

	(void)state;
	assert_int_equal(pin_user_pages_fast(gt_mm(), dx_addr, 4, FOLL_WRITE, pages), 4);
	atomic_init(&u.done, false);
	assert_int_equal(pthread_create(&t, NULL, unpin_later, &u), 0);
	assert_int_equal(fs_truncate(dx_file, 0), 0);
	assert_true(atomic_load(&u.done));
	pthread_join(t, NULL);
	assert_int_equal(mm_event_count(), 0);
}

/*
 * fsdax-refcounted, both sides on the newest release, the pagemap taking the
 * release's convention: on (6.15), the page idles at 0 and the mapping holds a
 * reference through a normal PTE; off (before 6.15), it idles at 1 and the
 * mapping is a special devmap PTE that holds none.
 */
static int dx_setup_by_release(void **state)
{
	(void)state;
	return dx_boot("mainline", DEVMAP_REFCOUNT_BY_RELEASE);
}

static int dx_setup_by_release_unrefcounted(void **state)
{
	(void)state;
	kernel_override(KSW_FSDAX_REFCOUNTED, 0);
	return dx_boot("mainline", DEVMAP_REFCOUNT_BY_RELEASE);
}

static int dx_teardown_overrides(void **state)
{
	int ret = dx_teardown(state);

	kernel_override_clear();
	return ret;
}

static pte_t dx_pte(unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(gt_mm(), addr);
	pte_t *ptep, v = __pte(0);

	if (pmd && (ptep = pte_offset_map(pmd, addr)) != NULL) {
		v = ptep_get(ptep);
		pte_unmap(ptep);
	}
	return v;
}

static void test_fsdax_mapping_reference(void **state)
{
	bool refcounted = kernel_has(KSW_FSDAX_REFCOUNTED);
	struct page *page = dx_block_page(0);
	pte_t pte;

	(void)state;
	assert_int_equal(page_ref_count(page), refcounted ? 0 : 1);
	assert_int_equal(gt_uread(gt_mm(), dx_addr), 0x11);
	pte = dx_pte(dx_addr);
	assert_int_equal(pte_pfn(pte), page_to_pfn(page));
	assert_int_equal(pte_special(pte), !refcounted);
	/* Mapped: one reference either way, the mapping's or the idle one. */
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(folio_mapcount(page_folio(page)), refcounted ? 1 : 0);
	assert_int_equal(vm_munmap(gt_mm(), dx_addr, 4 * PAGE_SIZE), 0);
	assert_int_equal(page_ref_count(page), refcounted ? 0 : 1);
	assert_true(devmap_page_idle(page));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_longterm_refused, dx_setup_mainline, dx_teardown),
		cmocka_unit_test_setup_teardown(test_short_pin_slow, dx_setup_mainline, dx_teardown),
		cmocka_unit_test_setup_teardown(test_short_pin_fast, dx_setup_mainline, dx_teardown),
		cmocka_unit_test_setup_teardown(test_short_pin_slow, dx_setup_legacy, dx_teardown),
		cmocka_unit_test_setup_teardown(test_short_pin_fast, dx_setup_legacy, dx_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_longterm_pin_survives_truncate,
						dx_setup_legacy, dx_teardown),
		cmocka_unit_test_setup_teardown(test_mainline_truncate_waits_for_unpin,
						dx_setup_mainline, dx_teardown),
		cmocka_unit_test_setup_teardown(test_fsdax_mapping_reference, dx_setup_by_release,
						dx_teardown_overrides),
		cmocka_unit_test_setup_teardown(test_fsdax_mapping_reference,
						dx_setup_by_release_unrefcounted, dx_teardown_overrides),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
