/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The whole machine at once: CPU stores through a shared file mapping, a DMA
 * device writing through pins of the same pages, the writeback flusher
 * checksumming them, fork and munmap/mmap of anonymous memory, all in threads.
 * Under the bounce writeback policy the contract is: afterwards every block on
 * disk verifies, the disk holds what the page cache holds, every pin was
 * released, and every page is back with the allocator.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../common/cmocka_tap.h"
#include <pinmm/pin/preset.h>
#include "../common/stress.h"
#include <pinmm/dev/dma.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/gup/gup.h>
#include <pinmm/vm/mm.h>

#define FILE_PAGES	64
#define ANON_PAGES	32
#define MAX_PIN		8
#ifdef PINMM_TSAN
#define ROUNDS		300
#else
#define ROUNDS		3000
#endif

static struct process *proc;
static unsigned long fbase, abase;
static struct dma_device *nic;
static struct super_block *sb;
static atomic_bool stop;
static atomic_long dma_rounds, cpu_rounds, forks, remaps;

/* A driver: pin part of the file mapping, let the device write it, unpin dirty. */
static void *dma_driver(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	struct page *pages[MAX_PIN];

	/* At least ROUNDS, and until every other actor has had real rounds too. */
	for (int r = 0; r < ROUNDS || atomic_load(&forks) < 20 || atomic_load(&remaps) < 20 ||
			atomic_load(&cpu_rounds) < 200 || atomic_load(&sb->s_flush_passes) < 20; r++) {
		unsigned int off = rnd(&seed, FILE_PAGES - MAX_PIN);
		unsigned int nr = 1 + rnd(&seed, MAX_PIN);
		struct dma_mr *mr;
		int n, err;

		n = pin_user_pages_fast(proc->mm, fbase + off * PAGE_SIZE, (int)nr, FOLL_WRITE, pages);
		CHECK(n == (int)nr);
		if (n <= 0)
			continue;
		mr = dma_mr_register_pages(nic, pages, (unsigned long)n, &err);
		CHECK(mr != NULL);
		if (mr) {
			CHECK(dma_mr_fill(mr, 0, (int)(r & 0xff), (size_t)n * PAGE_SIZE) == 0);
			dma_mr_deregister(mr);
		}
		unpin_user_pages_dirty_lock(pages, (unsigned long)n, true);
		atomic_fetch_add(&dma_rounds, 1);
	}
	return NULL;
}

static void *cpu(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		unsigned int off = rnd(&seed, FILE_PAGES * PAGE_SIZE - 256);

		CHECK(uaccess_memset(proc->mm, fbase + off, (int)(off & 0xff), 256) == 0);
		/* the anon range may be unmapped by the remapper: -EFAULT is fine */
		(void)uaccess_memset(proc->mm, abase + rnd(&seed, ANON_PAGES) * PAGE_SIZE, 7, 64);
		atomic_fetch_add(&cpu_rounds, 1);
	}
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct process *child = process_fork(proc, "child");

		CHECK(child != NULL);
		if (child)
			process_destroy(child);
		atomic_fetch_add(&forks, 1);
	}
	return NULL;
}

static void *remapper(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		unsigned long addr = abase + rnd(&seed, ANON_PAGES - 4) * PAGE_SIZE;

		CHECK(vm_munmap(proc->mm, addr, 4 * PAGE_SIZE) == 0);
		CHECK(vm_mmap(proc->mm, addr, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) == (long)addr);
		atomic_fetch_add(&remaps, 1);
	}
	return NULL;
}

/* A slow disk: the transfer starts a while after the checksum was taken. */
static void slow_transfer(enum race_point point, struct folio *folio, void *arg)
{
	if (point != RACE_WRITEBACK)
		return;
	for (int i = 0; i < 20; i++)
		sched_yield();
}

static void fsck_report(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "fsck: %s\n", msg);
}

static void everything_at_once_under_bounce_writeback(void **state)
{
	struct mem_config cfg = { .ram_bytes = 128UL << 20 };
	unsigned char *cache = malloc(FILE_PAGES * PAGE_SIZE);
	unsigned char *disk = malloc(FILE_PAGES * PAGE_SIZE);
	struct block_device *bdev;
	pthread_t drv, others[3];
	unsigned long free0;
	struct blkfs *fs;
	struct file *f;
	int err;

	stress_watchdog(300);

	(void)state;
	assert_int_equal(mem_init(&cfg), 0);
	assert_non_null(stress_apply_preset(state));
	atomic_store(&dma_rounds, 0);
	atomic_store(&cpu_rounds, 0);
	atomic_store(&forks, 0);
	atomic_store(&remaps, 0);
	pin_config.writeback = WB_BOUNCE;
	free0 = nr_free_pages();
	bdev = bdev_create("d0", 16UL << 20, true);
	fs = blkfs_mount(bdev, "d0", BLKFS_CHECKSUM);
	assert_non_null(fs);
	f = fs_open(&fs->sb, "f", FS_O_CREAT, &err);
	assert_non_null(f);
	memset(cache, 0x11, FILE_PAGES * PAGE_SIZE);
	assert_int_equal(fs_write(f, 0, cache, FILE_PAGES * PAGE_SIZE), FILE_PAGES * PAGE_SIZE);

	proc = process_create("stress");
	fbase = (unsigned long)vm_mmap(proc->mm, 0, FILE_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
				       MAP_SHARED, f, 0);
	abase = (unsigned long)vm_mmap(proc->mm, 0, ANON_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	assert_true((long)fbase > 0 && (long)abase > 0);
	nic = dma_device_create("nic");
	sb = &fs->sb;
	race_register(slow_transfer, NULL, NULL);
	assert_int_equal(writeback_start_flusher(&fs->sb, 1), 0);

	atomic_store(&stop, false);
	assert_int_equal(pthread_create(&drv, NULL, dma_driver, (void *)(uintptr_t)1), 0);
	assert_int_equal(pthread_create(&others[0], NULL, cpu, (void *)(uintptr_t)2), 0);
	assert_int_equal(pthread_create(&others[1], NULL, forker, NULL), 0);
	assert_int_equal(pthread_create(&others[2], NULL, remapper, (void *)(uintptr_t)3), 0);
	pthread_join(drv, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(others[i], NULL);
	writeback_stop_flusher(&fs->sb);
	race_register(NULL, NULL, NULL);
	print_message("dma %ld cpu %ld forks %ld remaps %ld bounced %ld flusher passes %lu\n",
		      atomic_load(&dma_rounds), atomic_load(&cpu_rounds), atomic_load(&forks),
		      atomic_load(&remaps), node_page_state(NR_PIN_WB_COPIED),
		      atomic_load(&fs->sb.s_flush_passes));
	assert_int_equal(atomic_load(&thread_errors), 0);
	assert_true(atomic_load(&dma_rounds) >= ROUNDS);
	assert_true(atomic_load(&forks) >= 20 && atomic_load(&remaps) >= 20);

	/* Every pin released and accounted. */
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(node_page_state(NR_FOLL_PIN_ACQUIRED), node_page_state(NR_FOLL_PIN_RELEASED));

	/* A data-integrity sync, then: every block verifies and disk == cache. */
	assert_true(sync_filesystem(&fs->sb, WB_SYNC_ALL) >= 0);
	assert_int_equal(blkfs_fsck(fs, fsck_report, NULL), 0);
	assert_int_equal(fs_read(f, 0, cache, FILE_PAGES * PAGE_SIZE), FILE_PAGES * PAGE_SIZE);
	assert_int_equal(blkfs_peek_file(f->private_data, 0, disk, FILE_PAGES * PAGE_SIZE), 0);
	assert_memory_equal(cache, disk, FILE_PAGES * PAGE_SIZE);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_CSUM), 0);

	dma_device_destroy(nic);
	process_destroy(proc);
	fput(f);
	assert_int_equal(blkfs_umount(fs), 0);
	bdev_destroy(bdev);
	mm_rcu_barrier();
	assert_int_equal(nr_free_pages(), free0);
	assert_int_equal(buddy_check_integrity(), 0);
	mem_exit();
	free(cache);
	free(disk);
}

int main(void)
{
	struct CMUnitTest tests[16];
	size_t n = stress_tests(tests, 16, "everything_at_once_under_bounce_writeback",
				everything_at_once_under_bounce_writeback);

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("system_stress", tests, n, NULL, NULL);
}
