/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GUP under the `proxy` preset (seed 000): every FOLL_PIN entry is a tagged
 * proxy carrying the file and offset it was pinned through; FOLL_GET entries
 * stay plain; the unpin family, ref_user_page() and the DMA device look
 * through proxies (the DMA device: tests/dev/test_dma_proxy.c); GUP-fast leaves file pages to the slow path; allocation
 * failure gives a short count or -ENOMEM and leaks nothing.
 */
#include <pinmm/devmap/memremap.h>
#include <pinmm/devmap/pmem.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/shmem.h>
#include <pinmm/pin/proxy.h>
#include "gup_test.h"

static int setup(void **state)
{
	(void)state;
	if (gt_boot(NULL, "proxy"))
		return -1;
	mm_events_reset();
	transparent_hugepage = THP_MADVISE;
	return 0;
}

static int teardown(void **state)
{
	proxy_cache_fail_nth(0);
	/* Every test gives back what it pinned: no proxy outlives its pin. */
	assert_int_equal(proxy_cache_live(), 0);
	assert_int_equal(gt_pins_acquired(), gt_pins_released());
	return gt_teardown(state);
}

static void assert_all_proxies(struct page **pages, long n, struct address_space *mapping)
{
	for (long i = 0; i < n; i++) {
		assert_true(page_is_proxy(pages[i]));
		assert_ptr_equal(page_to_proxy(pages[i])->mapping, mapping);
	}
}

static void test_pin_entries_are_proxies_get_entries_are_not(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 8, PROT_READ | PROT_WRITE, 0x5a);
	struct page *pinned[8], *got[8];

	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 8, FOLL_WRITE, pinned), 8);
	assert_int_equal(get_user_pages(mm, addr, 8, 0, got), 8);
	mmap_read_unlock(mm);
	assert_all_proxies(pinned, 8, NULL);
	for (int i = 0; i < 8; i++) {
		assert_false(page_is_proxy(got[i]));
		assert_ptr_equal(canonical_page(pinned[i]), got[i]);
		assert_int_equal(page_to_pfn(pinned[i]), page_to_pfn(got[i]));
		assert_true(page_maybe_dma_pinned(pinned[i]));
		assert_int_equal(gt_peek(pinned[i], 0), 0x5a);
		put_page(got[i]);
	}
	assert_int_equal(proxy_cache_live(), 8);
	unpin_user_pages(pinned, 8);
	for (int i = 0; i < 8; i++)
		assert_false(page_maybe_dma_pinned(got[i]));
	assert_int_equal(mm_event_count(), 0);
}

static void test_fast_pins_anon_and_leaves_files_to_the_slow_path(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long anon = gt_anon(mm, 4, PROT_READ | PROT_WRITE, 0x11);
	struct shmem_sb *sb = shmem_mount("t0");
	int err = 0;
	struct file *file = shmem_memfd_create(sb, "m", &err);
	struct page *pages[4];
	long faddr;

	assert_non_null(file);
	assert_int_equal(fs_truncate(file, 4 * PAGE_SIZE), 0);
	faddr = vm_mmap(mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, file, 0);
	assert_true(faddr > 0);
	assert_int_equal(uaccess_memset(mm, (unsigned long)faddr, 0x22, 4 * PAGE_SIZE), 0);

	assert_int_equal(pin_user_pages_fast(mm, anon, 4, FOLL_WRITE, pages), 4);
	assert_all_proxies(pages, 4, NULL);
	unpin_user_pages(pages, 4);

	/*
	 * Present and writable, so GUP-fast could take them; under the proxy
	 * tracker the slow path did, which is why each proxy knows its file
	 * and offset (the fast walk has no VMA to ask).
	 */
	assert_int_equal(pin_user_pages_fast(mm, (unsigned long)faddr, 4, FOLL_WRITE, pages), 4);
	assert_all_proxies(pages, 4, file->f_mapping);
	for (int i = 0; i < 4; i++)
		assert_int_equal(page_to_proxy(pages[i])->index, i);
	unpin_user_pages_dirty_lock(pages, 4, true);

	assert_int_equal(vm_munmap(mm, (unsigned long)faddr, 4 * PAGE_SIZE), 0);
	fput(file);
	shmem_umount(sb);
}

static void test_thp_pin_is_one_proxy_per_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_thp(mm, 0x33);
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct folio *folio;
	int ref;

	assert_non_null(pages);
	folio = page_folio(gt_mapped_page(mm, addr));
	assert_true(folio_test_large(folio));
	ref = folio_ref_count(folio);
	assert_int_equal(pin_user_pages_fast(mm, addr, HPAGE_PMD_NR, FOLL_WRITE, pages),
			 HPAGE_PMD_NR);
	assert_all_proxies(pages, HPAGE_PMD_NR, NULL);
	assert_int_equal(pin_config.tracker->pincount(folio), HPAGE_PMD_NR);
	assert_int_equal(folio_ref_count(folio), ref + HPAGE_PMD_NR);
	for (int i = 0; i < HPAGE_PMD_NR; i++)
		assert_ptr_equal(canonical_page(pages[i]), folio_page(folio, i));
	unpin_user_pages(pages, HPAGE_PMD_NR);
	assert_int_equal(folio_ref_count(folio), ref);
	assert_false(folio_maybe_dma_pinned(folio));
	free(pages);
}

static void test_allocation_failure_gives_a_short_count(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 8, PROT_READ | PROT_WRITE, 0);
	struct page *pages[8], *page3 = gt_mapped_page(mm, addr + 2 * PAGE_SIZE);
	int ref3 = page_ref_count(page3);

	/* The third proxy cannot be allocated: two pages pinned, nothing else held. */
	proxy_cache_fail_nth(3);
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 8, FOLL_WRITE, pages), 2);
	mmap_read_unlock(mm);
	assert_int_equal(proxy_cache_live(), 2);
	assert_int_equal(page_ref_count(page3), ref3);
	assert_false(page_maybe_dma_pinned(page3));
	unpin_user_pages(pages, 2);

	/* The first cannot: -ENOMEM. */
	proxy_cache_fail_nth(1);
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 8, FOLL_WRITE, pages), -ENOMEM);
	mmap_read_unlock(mm);
	assert_int_equal(proxy_cache_live(), 0);

	/* GUP-fast's failure is not the caller's: the slow path tries again, and gets them. */
	proxy_cache_fail_nth(1);
	assert_int_equal(pin_user_pages_fast(mm, addr, 8, FOLL_WRITE, pages), 8);
	unpin_user_pages(pages, 8);
}

static void test_allocation_failure_inside_a_thp(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_thp(mm, 0);
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct folio *folio = page_folio(gt_mapped_page(mm, addr));
	int ref = folio_ref_count(folio);

	assert_non_null(pages);
	/* The slow path pins one page, then the rest of the PMD in one grab, which fails. */
	proxy_cache_fail_nth(100);
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, HPAGE_PMD_NR, 0, pages), -ENOMEM);
	mmap_read_unlock(mm);
	assert_int_equal(folio_ref_count(folio), ref);
	assert_false(folio_maybe_dma_pinned(folio));
	free(pages);
}

static void test_ref_user_page(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0);
	struct page *page;

	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	assert_int_equal(ref_user_page(page), 0);
	put_user_page(page);
	assert_true(page_maybe_dma_pinned(page));
	put_user_page(page);
	assert_int_equal(proxy_cache_live(), 0);
	assert_int_equal(mm_event_count(), 0);
}

static void test_ref_user_page_under_mainline_is_another_pin(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0);
	struct page *page;

	assert_int_equal(pin_preset_apply(pin_preset_find("mainline")), 0);
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	assert_false(page_is_proxy(page));
	assert_int_equal(ref_user_page(page), 0);
	assert_int_equal(page_ref_count(page), 1 + 2 * GUP_PIN_COUNTING_BIAS);
	unpin_user_page(page);
	assert_true(page_maybe_dma_pinned(page));
	unpin_user_page(page);
	assert_false(page_maybe_dma_pinned(page));
	assert_int_equal(pin_preset_apply(pin_preset_find("proxy")), 0);
}

static void test_put_page_of_a_pin_is_caught_at_the_call(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0);
	struct page *page;
	int ref;

	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, &page), 1);
	ref = page_ref_count(page);
	put_page(page);		/* the driver bug */
	assert_int_equal(mm_event_match(MM_EV_WARN, "put_page() on a pin_user_pages() proxy"), 1);
	assert_int_equal(page_ref_count(page), ref);
	assert_true(page_maybe_dma_pinned(page));
	unpin_user_page(page);
	assert_false(page_maybe_dma_pinned(gt_mapped_page(mm, addr)));
}

static void test_range_unpin_refuses_a_proxy(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, 0);
	struct page *pages[2];

	assert_int_equal(pin_user_pages_fast(mm, addr, 2, FOLL_WRITE, pages), 2);
	unpin_user_page_range_dirty_lock(pages[0], 2, false);
	assert_int_equal(mm_event_match(MM_EV_WARN, "page_is_proxy"), 1);
	assert_true(page_maybe_dma_pinned(pages[0]));
	unpin_user_pages(pages, 2);
}

static int setup_dax(void **state)
{
	struct mem_config cfg = { .device_bytes = 16UL << 20 };

	(void)state;
	/* ZONE_DEVICE pages idle at 0, as every design preset runs them. */
	devmap_refcount_default = DEVMAP_REFCOUNT_IDLE_ZERO;
	if (gt_boot(&cfg, "proxy"))
		return -1;
	mm_events_reset();
	return 0;
}

static struct file *open_filled(struct blkfs *fs, const char *name, int fill)
{
	unsigned char buf[PAGE_SIZE];
	int err = 0;
	struct file *f = fs_open(&fs->sb, name, FS_O_CREAT, &err);

	assert_non_null(f);
	if (fill >= 0) {
		memset(buf, fill, sizeof(buf));
		assert_int_equal(fs_write(f, 0, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	}
	return f;
}

/*
 * Seed 000's N:1 case: one pmem block reflinked into two files is one struct
 * page; a pin through each file is its own proxy with its own mapping and
 * index, and truncate of one file waits only for pins taken through it.
 */
static void test_reflinked_dax_block_has_a_proxy_per_file(void **state)
{
	struct mm_struct *mm = gt_mm();
	int err;
	struct block_device *bdev = pmem_create("pmem0", 4UL << 20, false, &err);
	struct blkfs *fs = bdev ? blkfs_mount(bdev, "pmem0", BLKFS_DAX) : NULL;
	struct block_device *disk = bdev_create("disk0", 1UL << 20, false);
	struct blkfs *pcfs = disk ? blkfs_mount(disk, "disk0", 0) : NULL;
	struct file *f, *g, *pf, *pg;
	struct page *hf, *hg;
	unsigned char c = 0;
	long af, ag;
	sector_t b;

	assert_non_null(fs);
	assert_non_null(pcfs);
	f = open_filled(fs, "f", 0x11);
	g = open_filled(fs, "g", -1);
	assert_int_equal(blkfs_reflink(g, f), 0);
	b = blkfs_bmap(file_inode(f), 0);
	assert_true(b != 0);
	assert_int_equal(blkfs_bmap(file_inode(g), 0), b);
	assert_int_equal(blkfs_block_owners(fs, b), 2);
	assert_int_equal(i_size_read(file_inode(g)), PAGE_SIZE);
	assert_int_equal(blkfs_fsck(fs, NULL, NULL), 0);
	/* No copy-on-write: a write to the shared block is refused, f is untouched. */
	assert_int_equal(fs_write(g, 0, &c, 1), -EOPNOTSUPP);
	assert_int_equal(fs_read(f, 0, &c, 1), 1);
	assert_int_equal(c, 0x11);
	assert_int_equal(blkfs_reflink(g, f), -EINVAL);		/* g is not empty */
	pf = open_filled(pcfs, "pf", 0x22);
	pg = open_filled(pcfs, "pg", -1);
	assert_int_equal(blkfs_reflink(pg, pf), -EOPNOTSUPP);	/* page cache: no COW at writeback */

	af = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, f, 0);
	ag = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, g, 0);
	assert_true(af > 0 && ag > 0);
	assert_int_equal(pin_user_pages_fast(mm, (unsigned long)af, 1, 0, &hf), 1);
	assert_int_equal(pin_user_pages_fast(mm, (unsigned long)ag, 1, 0, &hg), 1);
	assert_true(page_is_proxy(hf) && page_is_proxy(hg));
	assert_ptr_not_equal(hf, hg);
	assert_ptr_equal(canonical_page(hf), canonical_page(hg));
	assert_int_equal(page_to_pfn(hf), pmem_block_pfn(bdev, b));
	assert_ptr_equal(page_to_proxy(hf)->mapping, f->f_mapping);
	assert_ptr_equal(page_to_proxy(hg)->mapping, g->f_mapping);
	/* struct page itself names one file only: the last one faulted through. */
	assert_ptr_equal(canonical_page(hf)->mapping, g->f_mapping);
	assert_int_equal(pin_tracker_pins_through(hf, f->f_mapping), 1);
	assert_int_equal(pin_tracker_pins_through(hf, g->f_mapping), 1);

	/* Only g's pin left: f's truncate drops f's share without waiting. */
	unpin_user_page(hf);
	assert_int_equal(fs_truncate(f, 0), 0);
	assert_int_equal(blkfs_block_owners(fs, b), 1);
	assert_int_equal(blkfs_bmap(file_inode(g), 0), b);
	assert_int_equal(gt_peek(hg, 7), 0x11);
	assert_int_equal(blkfs_fsck(fs, NULL, NULL), 0);
	unpin_user_page(hg);
	assert_int_equal(mm_event_count(), 0);

	assert_int_equal(vm_munmap(mm, (unsigned long)af, PAGE_SIZE), 0);
	assert_int_equal(vm_munmap(mm, (unsigned long)ag, PAGE_SIZE), 0);
	fput(f);
	fput(g);
	fput(pf);
	fput(pg);
	assert_int_equal(blkfs_umount(fs), 0);
	assert_int_equal(blkfs_umount(pcfs), 0);
	bdev_destroy(bdev);
	bdev_destroy(disk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_entries_are_proxies_get_entries_are_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_pins_anon_and_leaves_files_to_the_slow_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thp_pin_is_one_proxy_per_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation_failure_gives_a_short_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation_failure_inside_a_thp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ref_user_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ref_user_page_under_mainline_is_another_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_page_of_a_pin_is_caught_at_the_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_unpin_refuses_a_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reflinked_dax_block_has_a_proxy_per_file, setup_dax, teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
