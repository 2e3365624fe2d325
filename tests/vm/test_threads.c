/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Concurrency: CPU threads storing and loading, a thread munmapping and
 * remapping, one forking, one changing protections and one walking the page
 * tables locklessly under RCU (like GUP-fast), all on one mm. Run under TSan
 * and ASan; at the end every page must be free.
 */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "vm_test.h"

#define REGION_PAGES	64
#define ITERS		1500

static struct process *proc;
static unsigned long base, thp_base;
static atomic_bool stop;
static atomic_long walked, stored, remaps, stale;
/* cmocka's asserts must run on the main thread: helpers count failures instead. */
static atomic_long failures;

static void check(bool ok)
{
	if (!ok)
		atomic_fetch_add(&failures, 1);
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void *cpu_thread(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg;

	for (int i = 0; i < ITERS && !atomic_load(&stop); i++) {
		unsigned long addr = base + (rnd(&s) % REGION_PAGES) * PAGE_SIZE + (rnd(&s) % 4000);

		if (thp_base && (rnd(&s) & 1))
			addr = thp_base + (rnd(&s) % (PMD_SIZE - 1));
		unsigned char v = (unsigned char)rnd(&s), b;

		/* EFAULT is fine: the page may be unmapped or read-only right now. */
		if (uaccess_write(proc->mm, addr, &v, 1) == 0)
			atomic_fetch_add(&stored, 1);
		(void)uaccess_read(proc->mm, addr, &b, 1);
	}
	return NULL;
}

static void *remap_thread(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		unsigned long off = (rnd(&s) % (REGION_PAGES - 8)) * PAGE_SIZE;
		unsigned long len = (1 + rnd(&s) % 8) * PAGE_SIZE;

		if (rnd(&s) & 1) {
			check(vm_munmap(proc->mm, base + off, len) == 0);
			check(vm_mmap(proc->mm, base + off, len, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) == (long)(base + off));
		} else {
			check(do_madvise(proc->mm, base + off, len, MADV_DONTNEED) == 0);
		}
		atomic_fetch_add(&remaps, 1);
		if (rnd(&s) % 4 == 0) {
			(void)do_mprotect(proc->mm, base + off, len, PROT_READ);
			(void)do_mprotect(proc->mm, base + off, len, PROT_READ | PROT_WRITE);
		}
		if (rnd(&s) % 8 == 0)
			(void)migrate_range(proc->mm, base + off, len);
		if (thp_base && rnd(&s) % 4 == 0) {
			/* Split the THP by a partial mprotect or munmap, then make it huge again. */
			unsigned long t = thp_base + (rnd(&s) % HPAGE_PMD_NR) * PAGE_SIZE;

			if (rnd(&s) & 1) {
				(void)do_mprotect(proc->mm, t, PAGE_SIZE, PROT_READ);
				(void)do_mprotect(proc->mm, t, PAGE_SIZE, PROT_READ | PROT_WRITE);
			} else {
				check(vm_munmap(proc->mm, thp_base, PMD_SIZE) == 0);
				check(vm_mmap(proc->mm, thp_base, PMD_SIZE, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) ==
				      (long)thp_base);
				check(do_madvise(proc->mm, thp_base, PMD_SIZE, MADV_HUGEPAGE) == 0);
			}
		}
	}
	return NULL;
}

static void *fork_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		struct process *c = process_fork(proc, "child");
		int err;

		check(c != NULL);
		if (!c)
			continue;
		/* The page may be read-only or unmapped in the parent right now. */
		err = uaccess_memset(c->mm, base, 0x5a, 1);
		check(err == 0 || err == -EFAULT);
		process_destroy(c);
	}
	return NULL;
}

/* GUP-fast-like: walk without mmap_lock, under RCU, touching every entry. */
static void walk_range(unsigned long start, unsigned long end, unsigned long step)
{
	for (unsigned long a = start; a < end; a += step) {
		pmd_t *pmd = mm_find_pmd(proc->mm, a);
		pmd_t pmdv;
		pte_t *ptep, pte;

		if (!pmd)
			continue;
		pmdv = pmdp_get_lockless(pmd);
		if (pmd_none(pmdv) || pmd_leaf(pmdv))
			continue;
		ptep = pte_offset_map(pmd, a);
		if (!ptep)
			continue;
		pte = ptep_get(ptep);	/* once: it may change under us */
		if (pte_present(pte) && !pte_special(pte)) {
			/* The page itself, not page_folio(): a freed page is being re-prepped. */
			struct folio *folio = (struct folio *)pfn_to_page(pte_pfn(pte));

			/* Grab, re-check, drop: the speculative reference dance. */
			if (folio_try_get(folio)) {
				if (!pte_same(pte, ptep_get(ptep)))
					atomic_fetch_add(&stale, 1);
				folio_put(folio);
			}
		}
		pte_unmap(ptep);
		atomic_fetch_add(&walked, 1);
	}
}

static void *walker_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		mm_rcu_read_lock();
		walk_range(base, base + REGION_PAGES * PAGE_SIZE, PAGE_SIZE);
		/*
		 * The THP region is munmapped whole by the remapper, which frees
		 * its page tables: this is where a table freed without waiting for
		 * the grace period would be read after free (ASan poisons freed
		 * pages).
		 */
		walk_range(thp_base, thp_base + PMD_SIZE, 16 * PAGE_SIZE);
		mm_rcu_read_unlock();
	}
	return NULL;
}

static void everything_at_once(void **state)
{
	pthread_t cpu[2], remap, forker, walker;
	long a;

	(void)state;
	alarm(300);	/* a deadlock fails the test instead of hanging CI */
	proc = process_create("p");
	a = vt_mmap_anon(proc, REGION_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	assert_true(a > 0);
	base = (unsigned long)a;
	/*
	 * Alone in its own 1 GiB of address space, so that munmapping it frees
	 * its page tables (a table shared with another VMA is kept).
	 */
	a = vm_mmap(proc->mm, ALIGN_UP(base + (1UL << 30), 1UL << 30), PMD_SIZE,
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	assert_true(a > 0 && IS_ALIGNED((unsigned long)a, PMD_SIZE));
	assert_int_equal(do_madvise(proc->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	thp_base = (unsigned long)a;
	atomic_store(&failures, 0);
	atomic_store(&stop, false);
	pthread_create(&walker, NULL, walker_thread, NULL);
	pthread_create(&remap, NULL, remap_thread, (void *)7);
	pthread_create(&forker, NULL, fork_thread, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&cpu[i], NULL, cpu_thread, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < 2; i++)
		pthread_join(cpu[i], NULL);
	/* Let the mm-changing thread have its share even on a busy host. */
	while (atomic_load(&remaps) < 50)
		sched_yield();
	atomic_store(&stop, true);
	pthread_join(remap, NULL);
	pthread_join(forker, NULL);
	pthread_join(walker, NULL);
	assert_int_equal(atomic_load(&failures), 0);
	assert_true(atomic_load(&stored) > 0);
	assert_true(atomic_load(&remaps) > 0);
	process_destroy(proc);
	thp_base = 0;
	vt_assert_all_free();
}

static void concurrent_faults_on_one_page(void **state)
{
	pthread_t t[4];
	struct page *page;

	(void)state;
	proc = process_create("p");
	base = (unsigned long)vt_mmap_anon(proc, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	atomic_store(&stop, false);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, cpu_thread, (void *)(uintptr_t)(i + 11));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* However the races went, exactly one page is mapped. */
	assert_int_equal(get_mm_counter(proc->mm, MM_ANONPAGES), 1);
	page = vt_page(proc->mm, base);
	assert_non_null(page);
	assert_int_equal(page ? page_mapcount(page) : -1, 1);
	process_destroy(proc);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(everything_at_once, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(concurrent_faults_on_one_page, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
