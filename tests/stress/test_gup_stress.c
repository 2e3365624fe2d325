/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GUP-fast under fire: threads pin and unpin overlapping ranges (and write
 * through the pins, as a device would) while others munmap and remap, fork,
 * and store through the page tables. At the end every pin is released, every
 * count is back to its baseline and no page leaked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>
#include <pinmm/pin/preset.h>
#include "../common/stress.h"
#include <pinmm/gup/gup.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/vmscan.h>

#define NPAGES		64
#define MAX_PIN		16

#ifdef PINMM_TSAN
#define ITERS		1500
#else
#define ITERS		20000
#endif
/* Each of the other threads must get at least this many rounds in. */
#define MIN_ROUNDS	50

static struct process *proc;
static unsigned long base;
static atomic_bool stop;
static atomic_long remaps, forks, writes;
static atomic_long pins_taken, pins_failed;

static void *pinner(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	struct page *pages[MAX_PIN];

	for (int it = 0; it < ITERS || atomic_load(&remaps) < MIN_ROUNDS ||
			 atomic_load(&forks) < MIN_ROUNDS || atomic_load(&writes) < MIN_ROUNDS; it++) {
		unsigned int off = rnd(&seed, NPAGES);
		unsigned int nr = 1 + rnd(&seed, MAX_PIN);
		unsigned int flags = rnd(&seed, 2) ? FOLL_WRITE : 0;
		int n;

		if (off + nr > NPAGES)
			nr = NPAGES - off;
		if (rnd(&seed, 4) == 0)
			flags |= FOLL_LONGTERM;
		n = pin_user_pages_fast(proc->mm, base + off * PAGE_SIZE, (int)nr, flags, pages);
		if (n <= 0) {
			atomic_fetch_add(&pins_failed, 1);
			continue;
		}
		atomic_fetch_add(&pins_taken, n);
		for (int i = 0; i < n; i++) {
			/* The pin keeps the page alive even if it is unmapped meanwhile. */
			CHECK(is_zero_page(pages[i]) || page_maybe_dma_pinned(pages[i]));
			/*
			 * A pinned anonymous page is exclusive to its mm, whatever
			 * fork, munmap or the fast path's races did: fork copies it
			 * instead of sharing it, and a R/O pin unshared it first.
			 */
			CHECK(is_zero_page(pages[i]) || !folio_test_anon(page_folio(pages[i])) ||
			      PageAnonExclusive(pages[i]));
			if (flags & FOLL_WRITE)
				__atomic_store_n((unsigned char *)page_address(pages[i]) + 7,
						 (unsigned char)it, __ATOMIC_RELAXED);
		}
		unpin_user_pages_dirty_lock(pages, (unsigned long)n, flags & FOLL_WRITE);
	}
	return NULL;
}

static void *remapper(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		unsigned int off = rnd(&seed, NPAGES - 4);
		unsigned long addr = base + off * PAGE_SIZE;
		long m;

		CHECK(vm_munmap(proc->mm, addr, 4 * PAGE_SIZE) == 0);
		m = vm_mmap(proc->mm, addr, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
		CHECK(m == (long)addr);
		(void)uaccess_memset(proc->mm, addr, 0x5a, 4 * PAGE_SIZE);
		atomic_fetch_add(&remaps, 1);
	}
	return NULL;
}

static void *forker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		struct process *child = process_fork(proc, "child");

		CHECK(child != NULL);
		if (!child)
			continue;
		(void)uaccess_memset(child->mm, base + rnd(&seed, NPAGES) * PAGE_SIZE, 0x33, 64);
		process_destroy(child);
		atomic_fetch_add(&forks, 1);
	}
	return NULL;
}

static void *writer(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		unsigned int off = rnd(&seed, NPAGES);

		/* -EFAULT when the remapper has the range unmapped: fine. */
		(void)uaccess_memset(proc->mm, base + off * PAGE_SIZE, (int)off, 128);
		atomic_fetch_add(&writes, 1);
	}
	return NULL;
}

static void test_pin_unpin_vs_munmap_fork_write(void **state)
{
	struct mem_config cfg = { .movable_bytes = 8UL << 20 };
	pthread_t pin[2], others[3];
	unsigned long free_before;
	long addr;

	stress_watchdog(300);

	assert_int_equal(mem_init(&cfg), 0);
	assert_non_null(stress_apply_preset(state));
	/* The LRU lists exist (fs/ owns them), as on every kernel: the lru tracker uses them. */
	fs_install_hooks();
	atomic_store(&remaps, 0);
	atomic_store(&forks, 0);
	atomic_store(&writes, 0);
	atomic_store(&pins_taken, 0);
	atomic_store(&pins_failed, 0);
	free_before = nr_free_pages();

	proc = process_create("stress");
	assert_non_null(proc);
	addr = vm_mmap(proc->mm, 0, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	assert_true(addr > 0);
	base = (unsigned long)addr;
	assert_int_equal(uaccess_memset(proc->mm, base, 0x11, NPAGES * PAGE_SIZE), 0);

	atomic_store(&stop, false);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&pin[i], NULL, pinner, (void *)(uintptr_t)(i + 1)), 0);
	assert_int_equal(pthread_create(&others[0], NULL, remapper, (void *)(uintptr_t)11), 0);
	assert_int_equal(pthread_create(&others[1], NULL, forker, (void *)(uintptr_t)12), 0);
	assert_int_equal(pthread_create(&others[2], NULL, writer, (void *)(uintptr_t)13), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(pin[i], NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(others[i], NULL);

	print_message("pins %ld failed %ld remaps %ld forks %ld writes %ld\n", atomic_load(&pins_taken),
		      atomic_load(&pins_failed), atomic_load(&remaps), atomic_load(&forks),
		      atomic_load(&writes));
	assert_int_equal(atomic_load(&thread_errors), 0);
	assert_true(atomic_load(&pins_taken) > 0);
	/* Every pin released, counters balanced. */
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(node_page_state(NR_FOLL_PIN_ACQUIRED),
			 node_page_state(NR_FOLL_PIN_RELEASED));
	/* Fast-path undos and long-term migration rounds pin and unpin too. */
	assert_true(node_page_state(NR_FOLL_PIN_ACQUIRED) >= atomic_load(&pins_taken));

	process_destroy(proc);
	proc = NULL;
	/* Page tables are freed after a grace period. */
	mm_synchronize_rcu();
	mm_rcu_barrier();
	assert_int_equal(nr_free_pages(), free_before);
	assert_int_equal(buddy_check_integrity(), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 0);
	mem_exit();
}

int main(void)
{
	struct CMUnitTest tests[16];
	size_t n = stress_tests(tests, 16, "test_pin_unpin_vs_munmap_fork_write",
				test_pin_unpin_vs_munmap_fork_write);

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("gup_stress", tests, n, NULL, NULL);
}
