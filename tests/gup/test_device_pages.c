/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GUP of ZONE_DEVICE pages a driver maps into a process with a reference
 * (vm_insert_page(), as the PCI P2PDMA sysfs allocator does): FOLL_PCI_P2PDMA
 * gating P2PDMA pages in both GUP paths, and which device folios a
 * long-term pin may keep (folio_is_longterm_pinnable()).
 */
#include <unistd.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/devmap/memremap.h>
#include <pinmm/vm/vmf_insert.h>
#include "gup_test.h"

#define DP_PAGES	4

static struct dev_pagemap dp_pgmap;

static void dp_page_free(struct page *page)
{
	(void)page;
}

static const struct dev_pagemap_ops dp_ops = { .page_free = dp_page_free };

/* The driver's fault: take the page into use (idle at 0 or 1), map it, drop ours. */
static vm_fault_t dp_fault(struct vm_fault *vmf)
{
	struct page *page = pfn_to_page(pgmap_pfn_start(&dp_pgmap) + vmf->pgoff);
	vm_fault_t ret;

	if (zone_device_page_get(page))
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_page_mkwrite(vmf, page, vmf->flags & FAULT_FLAG_WRITE);
	put_page(page);
	return ret;
}

static const struct vm_operations_struct dp_vm_ops = { .fault = dp_fault };

static int dp_mmap(struct file *file, struct vm_area_struct *vma)
{
	(void)file;
	vma->vm_ops = &dp_vm_ops;
	WRITE_ONCE(vma->vm_flags, vma->vm_flags | VM_MIXEDMAP);
	return 0;
}

static const struct file_operations dp_fops = { .mmap = dp_mmap };
static struct address_space dp_mapping;
static struct file dp_file = { .f_op = &dp_fops, .f_mapping = &dp_mapping,
			       .f_mode = FMODE_READ | FMODE_WRITE };

static int dp_boot(const char *preset)
{
	struct mem_config cfg = { .device_bytes = 8UL << 20 };

	return gt_boot(&cfg, preset);
}

static int dp_setup(void **state)
{
	(void)state;
	return dp_boot("mainline");
}

static int dp_setup_v4_14(void **state)
{
	(void)state;
	return dp_boot("v4.14");
}

static int dp_teardown(void **state)
{
	process_destroy(gt_proc);
	gt_proc = NULL;
	kernel_override_clear();
	if (dp_pgmap.live)
		memunmap_pages(&dp_pgmap);
	if (mm_event_count() || devmap_nr_pagemaps())
		return -1;
	mem_exit();
	(void)state;
	return 0;
}

/* A pagemap of @type and a shared mapping of its pages in the test process. */
static unsigned long dp_map(enum memory_type type)
{
	unsigned long pfn;
	long addr;

	assert_int_equal(devmap_find_free_range(DP_PAGES, &pfn), 0);
	memset(&dp_pgmap, 0, sizeof(dp_pgmap));
	dp_pgmap.type = type;
	dp_pgmap.range.start = pfn_to_phys(pfn);
	dp_pgmap.range.end = pfn_to_phys(pfn + DP_PAGES) - 1;
	dp_pgmap.ops = &dp_ops;
	assert_int_equal(memremap_pages(&dp_pgmap), 0);
	address_space_init_once(&dp_mapping);
	atomic_init(&dp_file.f_count, 1);
	addr = vm_mmap(gt_mm(), 0, DP_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       &dp_file, 0);
	assert_true(addr > 0);
	/* Fault the pages in so GUP-fast has PTEs to walk. */
	assert_int_equal(uaccess_memset(gt_mm(), (unsigned long)addr, 0x5a, DP_PAGES * PAGE_SIZE), 0);
	return (unsigned long)addr;
}

static struct page *dp_page(unsigned long i)
{
	return pfn_to_page(pgmap_pfn_start(&dp_pgmap) + i);
}

/*
 * Without FOLL_PCI_P2PDMA a P2PDMA page is refused: the slow path's
 * try_grab_folio() says -EREMOTEIO, GUP-fast's grab fails and the fallback
 * to the slow path says the same; FOLL_FAST_ONLY gets nothing. Nothing is
 * left pinned or referenced.
 */
static void test_p2pdma_refused_without_flag(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = dp_map(MEMORY_DEVICE_PCI_P2PDMA);
	struct page *pages[DP_PAGES];
	int ref = page_ref_count(dp_page(1));

	(void)state;
	alarm(30);	/* a pin handed out by mistake leaks: teardown would wait on it */
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 1, FOLL_WRITE, pages), -EREMOTEIO);
	assert_int_equal(get_user_pages(mm, addr, 1, 0, pages), -EREMOTEIO);
	mmap_read_unlock(mm);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 1, pages, 0), -EREMOTEIO);
	assert_int_equal(pin_user_pages_fast(mm, addr + PAGE_SIZE, 2, FOLL_WRITE, pages),
			 -EREMOTEIO);
	assert_int_equal(get_user_pages_fast(mm, addr + PAGE_SIZE, 2, 0, pages), -EREMOTEIO);
	assert_int_equal(get_user_pages_fast_only(mm, addr + PAGE_SIZE, 2, 0, pages), 0);
	/* A long-term pin is refused too, and may not even ask (is_valid_gup_args). */
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_LONGTERM, pages), -EREMOTEIO);
	assert_int_equal(page_ref_count(dp_page(1)), ref);
	assert_int_equal(gt_pins_acquired(), 0);
	assert_int_equal(mm_event_count(), 0);
	assert_int_equal(vm_munmap(mm, addr, DP_PAGES * PAGE_SIZE), 0);
	alarm(0);
}

/* With the flag, both paths hand the BAR pages out like any other. */
static void test_p2pdma_accepted_with_flag(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = dp_map(MEMORY_DEVICE_PCI_P2PDMA);
	struct page *pages[DP_PAGES];

	(void)state;
	assert_int_equal(pin_user_pages_fast(mm, addr, DP_PAGES, FOLL_WRITE | FOLL_PCI_P2PDMA,
					     pages), DP_PAGES);
	for (int i = 0; i < DP_PAGES; i++) {
		assert_ptr_equal(pages[i], dp_page((unsigned long)i));
		assert_true(is_pci_p2pdma_page(pages[i]));
		assert_true(folio_maybe_dma_pinned(page_folio(pages[i])));
	}
	unpin_user_pages(pages, DP_PAGES);
	assert_int_equal(get_user_pages_fast_only(mm, addr, 2, FOLL_PCI_P2PDMA, pages), 2);
	put_page(pages[0]);
	put_page(pages[1]);
	assert_int_equal(pin_user_pages_unlocked(mm, addr + PAGE_SIZE, 1, pages,
						 FOLL_PCI_P2PDMA), 1);
	assert_ptr_equal(pages[0], dp_page(1));
	unpin_user_page(pages[0]);
	assert_int_equal(gt_pins_acquired(), gt_pins_released());
	assert_int_equal(mm_event_count(), 0);
	assert_int_equal(vm_munmap(mm, addr, DP_PAGES * PAGE_SIZE), 0);
	/* Back to idle: the mapping's references went with the munmap. */
	assert_true(devmap_page_idle(dp_page(0)));
}

/* The flag only admits P2PDMA pages; anything else is unaffected by it. */
static void test_p2pdma_flag_on_ordinary_memory(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;

	(void)state;
	assert_int_equal(pin_user_pages_fast(mm, addr, 1, FOLL_PCI_P2PDMA, &page), 1);
	unpin_user_page(page);
}

/*
 * A writable long-term pin of a driver's shared mapping (RDMA registering a
 * device-dax-like or vm_insert_page() buffer): the device file has no
 * writeback and no page_mkwrite, so vma_needs_dirty_tracking() says no and
 * neither path refuses it (mainline 6.5+). GUP-fast finds no mapping on the
 * folio and leaves it to the slow path, which allows it.
 */
static void test_longterm_write_pin_of_driver_mapping(void **state)
{
	unsigned long addr = dp_map(MEMORY_DEVICE_GENERIC);
	struct page *pages[DP_PAGES];
	long n;

	(void)state;
	n = pin_user_pages_fast(gt_mm(), addr, DP_PAGES, FOLL_WRITE | FOLL_LONGTERM, pages);
	assert_int_equal(n, DP_PAGES);
	for (unsigned long i = 0; i < DP_PAGES; i++) {
		assert_ptr_equal(pages[i], dp_page(i));
		assert_true(folio_maybe_dma_pinned(page_folio(pages[i])));
	}
	unpin_user_pages(pages, DP_PAGES);
	mmap_read_lock(gt_mm());
	n = pin_user_pages(gt_mm(), addr, DP_PAGES, FOLL_WRITE | FOLL_LONGTERM, pages);
	mmap_read_unlock(gt_mm());
	assert_int_equal(n, DP_PAGES);
	unpin_user_pages(pages, DP_PAGES);
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(vm_munmap(gt_mm(), addr, DP_PAGES * PAGE_SIZE), 0);
}

/*
 * folio_is_longterm_pinnable(): device-coherent memory must stay evictable by
 * its driver, so no; fsdax no (the block belongs to the file; refused since
 * 4.15); other device memory and ordinary kernel memory yes.
 */
static void check_pinnable(enum memory_type type, bool want)
{
	unsigned long addr = dp_map(type);

	assert_int_equal(folio_is_longterm_pinnable(page_folio(dp_page(0))), want);
	assert_int_equal(vm_munmap(gt_mm(), addr, DP_PAGES * PAGE_SIZE), 0);
	memunmap_pages(&dp_pgmap);
}

static void test_longterm_pinnable_device_folios(void **state)
{
	struct folio *ordinary = folio_alloc(GFP_KERNEL, 0);

	(void)state;
	check_pinnable(MEMORY_DEVICE_COHERENT, false);
	check_pinnable(MEMORY_DEVICE_FS_DAX, false);
	check_pinnable(MEMORY_DEVICE_GENERIC, true);
	check_pinnable(MEMORY_DEVICE_PCI_P2PDMA, true);
	assert_true(folio_is_longterm_pinnable(ordinary));
	folio_put(ordinary);
}

/* Before 4.15 nothing kept a long-term pin off an fsdax block. */
static void test_longterm_pinnable_fsdax_before_4_15(void **state)
{
	(void)state;
	check_pinnable(MEMORY_DEVICE_FS_DAX, true);
	kernel_override(KSW_LONGTERM_FSDAX_REFUSED, 1);
	check_pinnable(MEMORY_DEVICE_FS_DAX, false);
	/* Coherent memory did not exist then; the rule is not release-dependent. */
	check_pinnable(MEMORY_DEVICE_COHERENT, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_p2pdma_refused_without_flag, dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_p2pdma_accepted_with_flag, dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_p2pdma_flag_on_ordinary_memory, dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_write_pin_of_driver_mapping, dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_pinnable_device_folios, dp_setup, dp_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_pinnable_fsdax_before_4_15, dp_setup_v4_14, dp_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
