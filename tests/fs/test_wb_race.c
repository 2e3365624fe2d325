/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writeback racing CPU stores: a background flusher, a thread writing with
 * write(2) and a thread storing through a shared mapping. With stable pages
 * (checksum mount) every block the disk holds verifies, and after a final
 * sync the disk holds exactly what the cache holds.
 */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <pinmm/vm/mm.h>
#include "fs_test.h"

#define NPAGES		16
#define ROUNDS		300
/* Both racers go on until the flusher has really written behind them. */
#define MIN_PASSES	3

struct race {
	struct fs_fixture *fx;
	struct file *f;
	struct process *p;
	unsigned long addr;
	int writer_last, storer_last;	/* the last round each thread completed */
};

static void *writer(void *arg)
{
	struct race *r = arg;
	unsigned char buf[PAGE_SIZE];

	for (int i = 0; i < ROUNDS || atomic_load(&r->fx->fs->sb.s_flush_passes) < MIN_PASSES; i++) {
		pgoff_t idx = (pgoff_t)(i % (NPAGES / 2));

		memset(buf, (unsigned char)(i + 1), sizeof(buf));
		if (fs_write(r->f, (loff_t)idx * (loff_t)PAGE_SIZE, buf, PAGE_SIZE) != (ssize_t)PAGE_SIZE)
			return (void *)1;
		r->writer_last = i;
	}
	return NULL;
}

static void *storer(void *arg)
{
	struct race *r = arg;
	unsigned char buf[PAGE_SIZE];

	for (int i = 0; i < ROUNDS || atomic_load(&r->fx->fs->sb.s_flush_passes) < MIN_PASSES; i++) {
		pgoff_t idx = NPAGES / 2 + (pgoff_t)(i % (NPAGES / 2));

		memset(buf, (unsigned char)(0x80 + i), sizeof(buf));
		if (uaccess_write(r->p->mm, r->addr + idx * PAGE_SIZE, buf, PAGE_SIZE))
			return (void *)1;
		r->storer_last = i;
	}
	return NULL;
}

/* A slow disk: the transfer starts a while after the checksum was taken. */
static void slow_transfer(enum race_point point, struct folio *folio, void *arg)
{
	if (point != RACE_WRITEBACK)
		return;
	(void)folio;
	for (int i = 0; i < 20; i++)
		sched_yield();
}

static void test_writeback_races_cpu_stores(void **state)
{
	struct fs_fixture *fx = *state;
	struct race r = { .fx = fx };
	unsigned char cache[PAGE_SIZE], disk[PAGE_SIZE];
	pthread_t tw, ts;
	void *rw, *rs;
	long addr;

	/* The device checks each write's guard tag as it arrives: a torn write shows at once. */
	alarm(300);	/* a deadlock fails the test instead of hanging CI */
	fx->bdev->verify = true;
	r.f = fx_open(fx, "a");
	r.p = process_create("p");
	assert_non_null(r.p);
	fx_fill(r.f, 0, NPAGES, 0);
	addr = vm_mmap(r.p->mm, 0, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, r.f, 0);
	assert_true(addr > 0);
	r.addr = (unsigned long)addr;
	race_register(slow_transfer, NULL, NULL);
	assert_int_equal(writeback_start_flusher(&fx->fs->sb, 1), 0);
	assert_int_equal(writeback_start_flusher(&fx->fs->sb, 1), -EBUSY);
	assert_int_equal(pthread_create(&tw, NULL, writer, &r), 0);
	assert_int_equal(pthread_create(&ts, NULL, storer, &r), 0);
	pthread_join(tw, &rw);
	pthread_join(ts, &rs);
	assert_null(rw);
	assert_null(rs);
	writeback_stop_flusher(&fx->fs->sb);
	race_register(NULL, NULL, NULL);
	assert_true(atomic_load(&fx->fs->sb.s_flush_passes) >= MIN_PASSES);
	/* Whatever the flusher wrote, it wrote consistently. */
	assert_int_equal(fx_fsck(fx), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_CSUM), 0);
	sync_filesystem(&fx->fs->sb, WB_SYNC_ALL);
	for (pgoff_t i = 0; i < NPAGES; i++) {
		sector_t b = blkfs_bmap(file_inode(r.f), i);

		assert_true(b != 0);
		assert_int_equal(fs_read(r.f, (loff_t)i * (loff_t)PAGE_SIZE, cache, PAGE_SIZE),
				 (ssize_t)PAGE_SIZE);
		assert_int_equal(bdev_peek(fx->bdev, b, 0, disk, PAGE_SIZE), 0);
		assert_memory_equal(cache, disk, PAGE_SIZE);
	}
	/* The last value each thread stored. */
	fx_expect_file(r.f, NPAGES / 2 + r.storer_last % (NPAGES / 2),
		       (unsigned char)(0x80 + r.storer_last));
	fx_expect_file(r.f, r.writer_last % (NPAGES / 2), (unsigned char)(r.writer_last + 1));
	assert_int_equal(fx_fsck(fx), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG) + mm_event_count_kind(MM_EV_WARN), 0);
	process_destroy(r.p);
	fput(r.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writeback_races_cpu_stores, fx_setup, fx_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
