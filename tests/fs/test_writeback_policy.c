/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What writeback does with a folio the tracker reports pinned, per
 * pin_config.writeback, with a test tracker that "pins" chosen pfns.
 */
#include <pinmm/vm/mm.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/trackers.h>
#include "fs_test.h"

extern const struct pin_tracker exact_tracker;

/* Two dirty pages; page 0's folio is "pinned". Returns that folio, referenced. */
static struct folio *prepare(struct fs_fixture *fx, struct file *f, enum writeback_policy p)
{
	struct folio *folio;

	fx_fill(f, 0, 2, 0x10);
	folio = filemap_get_folio(f->f_mapping, 0);
	assert_non_null(folio);
	pinned_pfn = folio_pfn(folio);
	pin_config.tracker = &fake_tracker;
	pin_config.writeback = p;
	(void)fx;
	return folio;
}

static void test_ignore_writes_and_cleans(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_IGNORE);
	long bounce0 = node_page_state(NR_PIN_WB_COPIED);

	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_NONE), 2);
	assert_false(folio_test_dirty(folio));
	fx_expect_disk(fx, f, 0, 0x10);
	assert_int_equal(node_page_state(NR_PIN_WB_COPIED), bounce0);
	/* DMA after writeback: nobody will ever write it. */
	memset_page(&folio->page, 0, 0x99, PAGE_SIZE);
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_ALL), 0);
	fx_expect_disk(fx, f, 0, 0x10);
	folio_put(folio);
	fput(f);
}

static void test_bounce_writes_a_copy_and_stays_dirty(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_BOUNCE);
	long bounce0 = node_page_state(NR_PIN_WB_COPIED);
	struct writeback_control wbc = {
		.sync_mode = WB_SYNC_NONE, .nr_to_write = 100, .range_end = LLONG_MAX,
	};

	assert_int_equal(write_cache_pages(f->f_mapping, &wbc), 0);
	assert_int_equal(wbc.nr_written, 2);
	assert_int_equal(wbc.nr_copied, 1);
	assert_int_equal(node_page_state(NR_PIN_WB_COPIED), bounce0 + 1);
	fx_expect_disk(fx, f, 0, 0x10);
	fx_expect_disk(fx, f, 1, 0x11);
	/* The pinned folio stays dirty (with dirty buffers), the other is clean. */
	assert_true(folio_test_dirty(folio));
	assert_true(buffer_dirty(folio_buffers(folio)));
	{
		struct folio *other = filemap_get_folio(f->f_mapping, 1);

		assert_false(folio_test_dirty(other));
		folio_put(other);
	}
	/* Later DMA reaches the disk at the next writeback. */
	memset_page(&folio->page, 0, 0x99, PAGE_SIZE);
	pinned_pfn = 0;		/* unpinned */
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_ALL), 1);
	fx_expect_disk(fx, f, 0, 0x99);
	assert_false(folio_test_dirty(folio));
	assert_int_equal(fx_fsck(fx), 0);
	folio_put(folio);
	fput(f);
}

static void test_skip_leaves_pinned_dirty_but_sync_bounces(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_SKIP);
	long bounce0 = node_page_state(NR_PIN_WB_COPIED);

	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_NONE), 1);
	assert_true(folio_test_dirty(folio));
	assert_int_equal(blkfs_bmap(file_inode(f), 0), 0);	/* never even allocated */
	fx_expect_disk(fx, f, 1, 0x11);
	assert_int_equal(node_page_state(NR_PIN_WB_COPIED), bounce0);
	/* Data integrity cannot skip: it bounces. */
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_ALL), 1);
	fx_expect_disk(fx, f, 0, 0x10);
	assert_true(folio_test_dirty(folio));
	assert_int_equal(node_page_state(NR_PIN_WB_COPIED), bounce0 + 1);
	pinned_pfn = 0;
	folio_put(folio);
	fput(f);
}

/* A read-only pin: the copy goes to disk and the folio is clean. */
static void test_bounce_readonly_pin_leaves_folio_clean(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_BOUNCE);
	long copied0 = node_page_state(NR_PIN_WB_COPIED);

	pinned_ro = true;
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_NONE), 2);
	assert_int_equal(node_page_state(NR_PIN_WB_COPIED), copied0 + 1);
	assert_false(folio_test_dirty(folio));
	assert_false(buffer_dirty(folio_buffers(folio)));
	fx_expect_disk(fx, f, 0, 0x10);
	/* Nothing more to write on the next pass. */
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_NONE), 0);
	assert_int_equal(node_page_state(NR_PIN_WB_COPIED), copied0 + 1);
	pinned_ro = false;
	pinned_pfn = 0;
	folio_put(folio);
	fput(f);
}

/*
 * Write amplification of a long-term writable pin: the folio stays dirty, so
 * every pass writes it back; only a pass after the device changed it writes
 * a block. 10 passes, device writes before passes 3 and 7: 3 block writes
 * (the first copy and the two changes), 7 passes that find it unchanged.
 */
static void test_bounce_rewrites_only_what_changed(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_BOUNCE);
	long copied0 = node_page_state(NR_PIN_WB_COPIED);
	long same0 = node_page_state(NR_PIN_WB_UNCHANGED);
	unsigned long writes0 = atomic_load(&fx->bdev->nr_writes);

	for (int pass = 0; pass < 10; pass++) {
		if (pass == 3 || pass == 7)
			memset_page(&folio->page, 0, 0x30 + pass, PAGE_SIZE);
		writeback_inodes(&fx->fs->sb, WB_SYNC_NONE);
		assert_true(folio_test_dirty(folio));
		fx_expect_disk(fx, f, 0, pass < 3 ? 0x10 : pass < 7 ? 0x33 : 0x37);
	}
	assert_int_equal(node_page_state(NR_PIN_WB_COPIED) - copied0, 3);
	assert_int_equal(node_page_state(NR_PIN_WB_UNCHANGED) - same0, 7);
	/* The unpinned page 1 was written once; the pinned page 3 times. */
	assert_int_equal(atomic_load(&fx->bdev->nr_writes) - writes0, 1 + 3);
	pinned_pfn = 0;
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_ALL), 1);
	assert_false(folio_test_dirty(folio));
	assert_int_equal(fx_fsck(fx), 0);
	folio_put(folio);
	fput(f);
}

/* A device writing through its pin between checksum and transfer. */
static void dma_in_window(enum race_point point, struct folio *folio, void *arg)
{
	if (point != RACE_WRITEBACK)
		return;
	if (folio_pfn(folio) == READ_ONCE(pinned_pfn))
		memset_page(&folio->page, 0, 0xdd, 64);
}

static void test_dma_during_writeback_breaks_checksum_unless_bounced(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_IGNORE);
	int problems;

	race_register(dma_in_window, NULL, NULL);
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_ALL), 2);
	problems = fx_fsck(fx);
	assert_int_equal(problems, 1);
	/*
	 * The device refused the block its guard tag did not cover: the write
	 * failed, and the next fsync says so, once (mapping_set_error()).
	 */
	assert_int_equal(fs_fsync(f), -EIO);
	assert_int_equal(fs_fsync(f), 0);

	/* Under bounce the disk gets the checksummed copy. */
	pin_config.writeback = WB_BOUNCE;
	memset_page(&folio->page, 0, 0x10, PAGE_SIZE);
	folio_mark_dirty(folio);
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_ALL), 1);
	assert_int_equal(fx_fsck(fx), 0);
	assert_int_equal(fs_fsync(f), 0);
	race_register(NULL, NULL, NULL);
	pinned_pfn = 0;
	folio_put(folio);
	fput(f);
}

static void test_decide(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_SKIP);
	struct writeback_control bg = { .sync_mode = WB_SYNC_NONE };
	struct writeback_control all = { .sync_mode = WB_SYNC_ALL };

	assert_int_equal(writeback_decide(folio, &bg), WB_DO_SKIP);
	assert_int_equal(writeback_decide(folio, &all), WB_DO_BOUNCE);
	pin_config.writeback = WB_IGNORE;
	assert_int_equal(writeback_decide(folio, &all), WB_DO_WRITE);
	pinned_pfn = 0;
	pin_config.writeback = WB_BOUNCE;
	assert_int_equal(writeback_decide(folio, &bg), WB_DO_WRITE);
	folio_put(folio);
	fput(f);
}

/*
 * The exact tracker counts writable pins. A writable and an R/O pin: writeback
 * keeps the folio dirty. Drop the writable one with an unpin that says it was
 * writable (what unpin_user_pages_flags() passes down, tests/gup/test_unpin.c)
 * and the next pass writes the copy and leaves the folio clean. The kernel's
 * unpin_user_pages() cannot say which pin it drops, so there the folio stays
 * "maybe written" until the last one.
 */
static void test_bounce_exact_writable_count(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio = prepare(fx, f, WB_BOUNCE);
	struct page *page = &folio->page;

	pinned_pfn = 0;
	assert_int_equal(pin_tracker_set(&exact_tracker), 0);
	assert_int_equal(pin_tracker_try_pin(folio, 1, PIN_FOLL_WRITE), 0);
	assert_int_equal(pin_tracker_try_pin(folio, 1, 0), 0);
	writeback_inodes(&fx->fs->sb, WB_SYNC_NONE);
	assert_true(folio_test_dirty(folio));
	pin_tracker_unpin_flags(folio, 1, PIN_UNPIN_KNOWN | PIN_FOLL_WRITE);
	assert_true(folio_maybe_dma_pinned(folio));
	assert_false(folio_maybe_dma_pinned_writable(folio));
	writeback_inodes(&fx->fs->sb, WB_SYNC_NONE);
	assert_false(folio_test_dirty(folio));
	assert_int_equal(writeback_inodes(&fx->fs->sb, WB_SYNC_NONE), 0);
	pin_tracker_unpin_flags(folio, 1, PIN_UNPIN_KNOWN);

	/* The same pins given back with the kernel's call. */
	memset_page(page, 0, 0x21, PAGE_SIZE);
	folio_lock(folio);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	assert_int_equal(pin_tracker_try_pin(folio, 1, PIN_FOLL_WRITE), 0);
	assert_int_equal(pin_tracker_try_pin(folio, 1, 0), 0);
	pin_tracker_unpin(folio, 1);	/* what unpin_user_pages() passes down */
	assert_true(folio_maybe_dma_pinned_writable(folio));
	writeback_inodes(&fx->fs->sb, WB_SYNC_NONE);
	assert_true(folio_test_dirty(folio));
	pin_tracker_unpin(folio, 1);
	assert_false(folio_maybe_dma_pinned(folio));
	writeback_inodes(&fx->fs->sb, WB_SYNC_NONE);
	assert_false(folio_test_dirty(folio));
	fx_expect_disk(fx, f, 0, 0x21);
	assert_int_equal(mm_event_count(), 0);
	folio_put(folio);
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ignore_writes_and_cleans, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bounce_writes_a_copy_and_stays_dirty, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_skip_leaves_pinned_dirty_but_sync_bounces, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dma_during_writeback_breaks_checksum_unless_bounced, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_decide, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bounce_readonly_pin_leaves_folio_clean, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bounce_rewrites_only_what_changed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bounce_exact_writable_count, fx_setup, fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
