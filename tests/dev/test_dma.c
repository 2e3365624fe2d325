/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DMA devices: a pinned region keeps writing the pages it was given whatever
 * the mm does; an ODP region follows the mm through mmu-notifier invalidation
 * and holds no pin.
 */
#include <stdlib.h>
#include <string.h>
#include "../common/cmocka_tap.h"
#include <pinmm/dev/dma.h>
#include <pinmm/gup/gup.h>
#include <pinmm/pin/preset.h>
#include <pinmm/vm/mm.h>

#define NR 8
#define LEN (NR * PAGE_SIZE)

struct fixture {
	unsigned long free0;
	struct process *p;
	unsigned long addr;
	struct dma_device *dev;
};

static int setup(void **state)
{
	static struct fixture f;
	long addr;

	if (mem_init(NULL) || pin_preset_apply(pin_preset_find("mainline")))
		return -1;
	f.free0 = nr_free_pages();
	f.p = process_create("p");
	f.dev = dma_device_create("nic");
	addr = vm_mmap(f.p->mm, 0, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       NULL, 0);
	if (!f.p || !f.dev || addr < 0)
		return -1;
	f.addr = (unsigned long)addr;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	unsigned long free0 = f->free0;

	dma_device_destroy(f->dev);
	process_destroy(f->p);
	mm_rcu_barrier();
	/* every page the mm, the device or a pin held is back */
	if (nr_free_pages() != free0 || pin_outstanding() || mm_event_count())
		return -1;
	mem_exit();
	return 0;
}

static void check_user(struct fixture *f, unsigned long off, size_t len, int byte)
{
	unsigned char *buf = malloc(len);

	assert_int_equal(uaccess_read(f->p->mm, f->addr + off, buf, len), 0);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], byte);
	free(buf);
}

static void pinned_region_writes_what_the_process_reads(void **state)
{
	struct fixture *f = *state;
	struct page *pages[NR];
	unsigned char buf[64];
	struct dma_mr *mr;
	int err;

	assert_int_equal(uaccess_memset(f->p->mm, f->addr, 0x11, LEN), 0);
	assert_int_equal(pin_user_pages_fast(f->p->mm, f->addr, NR, FOLL_WRITE, pages), NR);
	mr = dma_mr_register_pages(f->dev, pages, NR, &err);
	assert_non_null(mr);
	assert_int_equal(dma_mr_pfn(mr, 3), page_to_pfn(pages[3]));
	assert_int_equal(dma_mr_fill(mr, PAGE_SIZE + 100, 0x5a, 2 * PAGE_SIZE), 0);
	check_user(f, PAGE_SIZE + 100, 2 * PAGE_SIZE, 0x5a);
	check_user(f, 0, PAGE_SIZE + 100, 0x11);
	assert_int_equal(dma_mr_read(mr, LEN - 64, buf, sizeof(buf)), 0);
	assert_int_equal(buf[0], 0x11);
	/* past the end: refused, nothing written */
	assert_int_equal(dma_mr_fill(mr, LEN - 10, 0x77, 11), -EINVAL);
	assert_int_equal(dma_mr_read(mr, LEN + PAGE_SIZE, buf, 1), -EINVAL);
	assert_int_equal(f->dev->bytes_written, 2 * PAGE_SIZE);
	dma_mr_deregister(mr);
	unpin_user_pages(pages, NR);
}

static void pinned_region_outlives_munmap(void **state)
{
	struct fixture *f = *state;
	struct page *pages[NR];
	unsigned long free_before;
	struct dma_mr *mr;
	int err;

	assert_int_equal(uaccess_memset(f->p->mm, f->addr, 0x11, LEN), 0);
	assert_int_equal(pin_user_pages_fast(f->p->mm, f->addr, NR, FOLL_WRITE, pages), NR);
	mr = dma_mr_register_pages(f->dev, pages, NR, &err);
	assert_int_equal(vm_munmap(f->p->mm, f->addr, LEN), 0);
	/*
	 * The page tables go back to the allocator after a grace period (now
	 * promptly): count from after that. The pins keep the pages: none of
	 * them went back.
	 */
	mm_rcu_barrier();
	free_before = nr_free_pages();
	for (int i = 0; i < NR; i++)
		assert_false(PageBuddy(pages[i]));
	assert_int_equal(dma_mr_fill(mr, 0, 0x33, LEN), 0);
	assert_int_equal(((unsigned char *)page_address(pages[5]))[7], 0x33);
	assert_int_equal(uaccess_read(f->p->mm, f->addr, &err, 1), -EFAULT);
	dma_mr_deregister(mr);
	unpin_user_pages(pages, NR);
	assert_int_equal(nr_free_pages(), free_before + NR);
}

static void registration_refuses_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct page *pages[2] = { pfn_to_page(ARCH_PFN_OFFSET + 100), NULL };
	int err = 0;

	assert_null(dma_mr_register_pages(f->dev, pages, 2, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(dma_mr_register_pages(f->dev, NULL, 1, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(dma_mr_register_odp(f->dev, f->p->mm, f->addr + 1, LEN, true, &err));
	assert_int_equal(err, -EINVAL);
}

static void odp_faults_in_without_pinning(void **state)
{
	struct fixture *f = *state;
	struct dma_mr *mr;
	int err;

	mr = dma_mr_register_odp(f->dev, f->p->mm, f->addr, LEN, true, &err);
	assert_non_null(mr);
	assert_int_equal(dma_mr_pfn(mr, 0), 0);
	assert_int_equal(dma_mr_fill(mr, 0, 0x42, LEN), 0);
	assert_int_equal(atomic_load(&mr->faults), NR);
	check_user(f, 0, LEN, 0x42);
	/* no pin, no reference beyond the mapping's */
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(node_page_state(NR_FOLL_PIN_ACQUIRED), 0);
	for (unsigned long i = 0; i < NR; i++) {
		struct page *pg = pfn_to_page(dma_mr_pfn(mr, i));

		assert_false(page_maybe_dma_pinned(pg));
		assert_int_equal(page_ref_count(pg), 1);
	}
	dma_mr_deregister(mr);
}

static void odp_follows_dontneed_and_migration(void **state)
{
	struct fixture *f = *state;
	unsigned long old_pfn, new_pfn;
	struct dma_mr *mr;
	int err;

	assert_int_equal(uaccess_memset(f->p->mm, f->addr, 0x11, LEN), 0);
	mr = dma_mr_register_odp(f->dev, f->p->mm, f->addr, LEN, true, &err);
	assert_int_equal(dma_mr_fill(mr, 0, 0x22, PAGE_SIZE), 0);
	old_pfn = dma_mr_pfn(mr, 0);
	assert_int_not_equal(old_pfn, 0);

	/* migration invalidates the device's entry; the next access follows */
	assert_true(migrate_range(f->p->mm, f->addr, PAGE_SIZE) == 1);
	assert_int_equal(dma_mr_pfn(mr, 0), 0);
	assert_true(atomic_load(&mr->invalidations) >= 1);
	assert_int_equal(dma_mr_fill(mr, 0, 0x33, 16), 0);
	new_pfn = dma_mr_pfn(mr, 0);
	assert_int_not_equal(new_pfn, old_pfn);
	check_user(f, 0, 16, 0x33);
	check_user(f, 16, PAGE_SIZE - 16, 0x22);

	/* MADV_DONTNEED drops the page: the device's next write lands in a new one */
	assert_int_equal(do_madvise(f->p->mm, f->addr, LEN, MADV_DONTNEED), 0);
	assert_int_equal(dma_mr_pfn(mr, 0), 0);
	assert_int_equal(dma_mr_fill(mr, 0, 0x44, LEN), 0);
	check_user(f, 0, LEN, 0x44);

	/* unmapped: the device gets -EFAULT instead of stale memory */
	assert_int_equal(vm_munmap(f->p->mm, f->addr, LEN), 0);
	assert_int_equal(dma_mr_fill(mr, 0, 0x55, 1), -EFAULT);
	dma_mr_deregister(mr);
}

static void odp_read_only_refuses_device_writes(void **state)
{
	struct fixture *f = *state;
	unsigned char b;
	struct dma_mr *mr;
	int err;

	assert_int_equal(uaccess_memset(f->p->mm, f->addr, 0x61, LEN), 0);
	mr = dma_mr_register_odp(f->dev, f->p->mm, f->addr, LEN, false, &err);
	assert_int_equal(dma_mr_read(mr, 5, &b, 1), 0);
	assert_int_equal(b, 0x61);
	assert_int_equal(dma_mr_fill(mr, 0, 0x62, 1), -EFAULT);
	dma_mr_deregister(mr);
}

/* A DMA engine sweeping pinned pages while the CPU stores to the same memory. */
static void stream_races_the_cpu(void **state)
{
	struct fixture *f = *state;
	struct page *pages[NR];
	struct dma_stream *s;
	struct dma_mr *mr;
	int err;

	assert_int_equal(pin_user_pages_fast(f->p->mm, f->addr, NR, FOLL_WRITE, pages), NR);
	mr = dma_mr_register_pages(f->dev, pages, NR, &err);
	s = dma_stream_start(mr, 0x7e);
	assert_non_null(s);
	for (int i = 0; i < 200; i++)
		assert_int_equal(uaccess_memset(f->p->mm, f->addr, i & 0xff, LEN), 0);
	while (atomic_load(&f->dev->bytes_written) < 2 * LEN)
		sched_yield();
	assert_true(dma_stream_stop(s) >= 1);
	/* the device wrote last on some page or the CPU did: every byte is one of them */
	dma_mr_fill(mr, 0, 0x7e, LEN);
	check_user(f, 0, LEN, 0x7e);
	dma_mr_deregister(mr);
	unpin_user_pages(pages, NR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pinned_region_writes_what_the_process_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(pinned_region_outlives_munmap, setup, teardown),
		cmocka_unit_test_setup_teardown(registration_refuses_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(odp_faults_in_without_pinning, setup, teardown),
		cmocka_unit_test_setup_teardown(odp_follows_dontneed_and_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(odp_read_only_refuses_device_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(stream_races_the_cpu, setup, teardown),
	};
	return RUN_TAP(tests, NULL, NULL);
}
