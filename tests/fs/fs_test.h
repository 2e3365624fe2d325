/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared fixture for the fs/ tests: a fresh machine, a 16 MiB disk, blkfs on it. */
#ifndef PINMM_TESTS_FS_TEST_H
#define PINMM_TESTS_FS_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/memory.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/pin/tracker.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/buffer_head.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/shmem.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/writeback.h>

#define FX_DISK_SIZE	(16UL << 20)

/*
 * A tracker that says "pinned" for exactly one pfn, for tests of what fs does
 * with a folio a device may be using. Tests that use it include fs_test.h once.
 */
static unsigned long pinned_pfn;
/* The fake pin is read-only (no FOLL_WRITE): the device only reads the page. */
static bool pinned_ro;

static inline bool fake_maybe_dma_pinned(struct folio *folio)
{
	return folio_pfn(folio) == READ_ONCE(pinned_pfn);
}

static inline long fake_pincount(struct folio *folio)
{
	return fake_maybe_dma_pinned(folio) ? 1 : 0;
}

static inline bool fake_maybe_dma_pinned_writable(struct folio *folio)
{
	return fake_maybe_dma_pinned(folio) && !READ_ONCE(pinned_ro);
}

static const struct pin_tracker fake_tracker = {
	.name = "fake",
	.maybe_dma_pinned = fake_maybe_dma_pinned,
	.maybe_dma_pinned_writable = fake_maybe_dma_pinned_writable,
	.pincount = fake_pincount,
};

struct fs_fixture {
	unsigned long free0;
	struct block_device *bdev;
	struct blkfs *fs;
	struct pin_config saved;
};

static inline int fx_setup_flags(void **state, unsigned int flags, unsigned long disk)
{
	struct fs_fixture *fx = calloc(1, sizeof(*fx));
	struct mem_config cfg = { 0 };

	if (!fx || mem_init(&cfg))
		return -1;
	mm_events_reset();
	fx->saved = pin_config;
	fx->free0 = nr_free_pages();
	fx->bdev = bdev_create("d0", disk, false);
	fx->fs = fx->bdev ? blkfs_mount(fx->bdev, "d0", flags) : NULL;
	if (!fx->fs)
		return -1;
	*state = fx;
	return 0;
}

static inline int fx_setup(void **state)
{
	return fx_setup_flags(state, BLKFS_CHECKSUM, FX_DISK_SIZE);
}

static inline int fx_teardown(void **state)
{
	struct fs_fixture *fx = *state;
	int ret = 0;

	pin_config = fx->saved;
	if (mm_event_count_kind(MM_EV_BUG) || mm_event_count_kind(MM_EV_WARN)) {
		struct mm_event ev;

		for (size_t i = 0; !mm_event_get(i, &ev); i++)
			print_error("teardown: event %s\n", ev.text);
		ret = -1;
	}
	if (fx->fs && blkfs_umount(fx->fs)) {
		print_error("teardown: umount busy\n");
		ret = -1;
	}
	bdev_destroy(fx->bdev);
	mm_rcu_barrier();
	/* Every folio the filesystem had is back with the allocator. */
	if (nr_free_pages() != fx->free0) {
		print_error("teardown: %lu pages leaked\n", fx->free0 - nr_free_pages());
		ret = -1;
	}
	mem_exit();
	free(fx);
	return ret;
}

static inline struct file *fx_open(struct fs_fixture *fx, const char *name)
{
	int err = 1;
	struct file *f = fs_open(&fx->fs->sb, name, FS_O_CREAT, &err);

	assert_non_null(f);
	assert_int_equal(err, 0);
	return f;
}

/* Write @npages pages of byte @c + page number at page @first. */
static inline void fx_fill(struct file *f, pgoff_t first, unsigned int npages, unsigned char c)
{
	unsigned char buf[PAGE_SIZE];

	for (unsigned int i = 0; i < npages; i++) {
		memset(buf, c + (int)i, sizeof(buf));
		assert_int_equal(fs_write(f, (loff_t)(first + i) * (loff_t)PAGE_SIZE, buf, PAGE_SIZE),
				 (ssize_t)PAGE_SIZE);
	}
}

/* The block behind file page @idx on disk holds @c everywhere. */
static inline void fx_expect_disk(struct fs_fixture *fx, struct file *f, pgoff_t idx,
				  unsigned char c)
{
	unsigned char buf[PAGE_SIZE];
	sector_t b = blkfs_bmap(file_inode(f), idx);

	assert_true(b != 0);
	assert_int_equal(bdev_peek(fx->bdev, b, 0, buf, PAGE_SIZE), 0);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (buf[i] != c)
			fail_msg("disk block %llu byte %zu is %#x, want %#x",
				 (unsigned long long)b, i, buf[i], c);
}

/* The file reads back @c over page @idx. */
static inline void fx_expect_file(struct file *f, pgoff_t idx, unsigned char c)
{
	unsigned char buf[PAGE_SIZE];

	assert_int_equal(fs_read(f, (loff_t)idx * (loff_t)PAGE_SIZE, buf, PAGE_SIZE),
			 (ssize_t)PAGE_SIZE);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (buf[i] != c)
			fail_msg("file page %lu byte %zu is %#x, want %#x", idx, i, buf[i], c);
}

static inline int fx_fsck(struct fs_fixture *fx)
{
	return blkfs_fsck(fx->fs, NULL, NULL);
}

#endif
