/* SPDX-License-Identifier: GPL-2.0-only */
/* Reclaim over the LRU: clean folios freed, dirty ones written first, held ones kept. */
#include <pinmm/vm/mm.h>
#include <pinmm/pin/trackers.h>
#include "fs_test.h"

static unsigned long file_lru(void)
{
	return lru_count(LRU_INACTIVE_FILE) + lru_count(LRU_ACTIVE_FILE);
}

static void test_reclaim_clean_folios(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	long steal0 = node_page_state(PGSTEAL);
	unsigned long lru0 = file_lru();

	fx_fill(f, 0, 8, 0x01);
	assert_int_equal(file_lru(), lru0 + 8);
	assert_int_equal(fs_fsync(f), 0);
	assert_int_equal(reclaim(8), 8);
	assert_int_equal(node_page_state(PGSTEAL), steal0 + 8);
	assert_int_equal(atomic_load(&f->f_mapping->nrpages), 0);
	assert_int_equal(file_lru(), lru0);
	assert_int_equal(nr_free_pages(), fx->free0);
	for (pgoff_t i = 0; i < 8; i++)
		fx_expect_file(f, i, (unsigned char)(0x01 + i));
	fput(f);
}

static void test_reclaim_writes_dirty_folios(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");

	fx_fill(f, 0, 4, 0x90);
	assert_int_equal(atomic_load(&fx->bdev->nr_writes), 0);
	/* pageout() writes them; the next pass frees them. */
	assert_int_equal(reclaim(4), 4);
	assert_int_equal(atomic_load(&fx->bdev->nr_writes), 4);
	assert_int_equal(atomic_load(&f->f_mapping->nrpages), 0);
	for (pgoff_t i = 0; i < 4; i++)
		fx_expect_disk(fx, f, i, (unsigned char)(0x90 + i));
	assert_int_equal(fx_fsck(fx), 0);
	fput(f);
}

static void test_reclaim_releases_buffers_of_held_folio(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *held;

	pin_config.tracker = &get_tracker;
	fx_fill(f, 0, 2, 0x33);
	assert_int_equal(fs_fsync(f), 0);
	held = filemap_get_folio(f->f_mapping, 0);
	assert_non_null(held);
	assert_non_null(folio_buffers(held));
	/* Only the unheld folio is freed... */
	assert_int_equal(reclaim(2), 1);
	/* ...but the held one lost its buffers on the way (ext4 never checked). */
	assert_null(folio_buffers(held));
	assert_ptr_equal(held->mapping, f->f_mapping);
	assert_int_equal(folio_ref_count(held), 2);
	/* A second pass frees it once the holder is gone. */
	folio_put(held);
	assert_int_equal(reclaim(2), 1);
	assert_int_equal(atomic_load(&f->f_mapping->nrpages), 0);
	fput(f);
}

static void test_reclaim_leaves_pinned_folio_alone(void **state)
{
	struct fs_fixture *fx = *state;
	struct file *f = fx_open(fx, "a");
	struct folio *folio;

	fx_fill(f, 0, 2, 0x44);
	assert_int_equal(fs_fsync(f), 0);
	folio = filemap_get_folio(f->f_mapping, 1);
	assert_non_null(folio);
	pinned_pfn = folio_pfn(folio);
	folio_put(folio);
	pin_config.tracker = &fake_tracker;
	assert_int_equal(reclaim(2), 1);
	/* A tracker that sees the pin keeps the buffers on the folio. */
	folio = filemap_get_folio(f->f_mapping, 1);
	assert_non_null(folio);
	assert_non_null(folio_buffers(folio));
	assert_true(folio_test_active(folio));
	/* drop_caches leaves it too. */
	folio_put(folio);
	assert_int_equal(drop_caches(1), 0);
	pinned_pfn = 0;
	assert_int_equal(drop_caches(1), 1);
	fput(f);
}

static void test_shmem_is_not_reclaimed(void **state)
{
	struct fs_fixture *fx = *state;
	struct shmem_sb *tmp = shmem_mount("t0");
	unsigned long unevictable0 = lru_count(LRU_UNEVICTABLE);
	unsigned char buf[PAGE_SIZE];
	struct file *f;
	int err;

	(void)fx;
	assert_non_null(tmp);
	f = fs_open(&tmp->sb, "s", FS_O_CREAT, &err);
	assert_non_null(f);
	memset(buf, 0x5e, sizeof(buf));
	for (int i = 0; i < 3; i++)
		assert_int_equal(fs_write(f, i * (loff_t)PAGE_SIZE, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(lru_count(LRU_UNEVICTABLE), unevictable0 + 3);
	assert_int_equal(reclaim(16), 0);
	assert_int_equal(drop_caches(1), 0);
	assert_int_equal(sync_filesystem(&tmp->sb, WB_SYNC_ALL), 0);
	assert_int_equal(atomic_load(&f->f_mapping->nrpages), 3);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(fs_read(f, PAGE_SIZE, buf, PAGE_SIZE), (ssize_t)PAGE_SIZE);
	assert_int_equal(buf[100], 0x5e);
	assert_int_equal(shmem_umount(tmp), -EBUSY);
	fput(f);
	/* A memfd is a tmpfs file no open can find. */
	f = shmem_memfd_create(tmp, "buf", &err);
	assert_non_null(f);
	assert_int_equal(fs_write(f, 0, buf, 10), 10);
	assert_null(fs_open(&tmp->sb, "buf", 0, &err));
	fput(f);
	assert_int_equal(shmem_umount(tmp), 0);
	assert_int_equal(lru_count(LRU_UNEVICTABLE), unevictable0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reclaim_clean_folios, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_writes_dirty_folios, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_releases_buffers_of_held_folio, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_leaves_pinned_folio_alone, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_shmem_is_not_reclaimed, fx_setup, fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
