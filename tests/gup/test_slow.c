/* SPDX-License-Identifier: GPL-2.0-only */
/* The slow path: fault-in, COW breaking, FOLL_FORCE, refusals and partial results. */
#include <unistd.h>
#include <pinmm/vm/vmf_insert.h>
#include "gup_test.h"

static void test_faults_in_and_pins_the_mapped_pages(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, -1);
	struct page *pages[4];

	assert_null(gt_mapped_page(mm, addr));
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 4, FOLL_WRITE, pages), 4);
	mmap_read_unlock(mm);
	for (int i = 0; i < 4; i++) {
		/* The pinned page is the one the process maps: DMA and CPU agree. */
		assert_ptr_equal(pages[i], gt_mapped_page(mm, addr + i * PAGE_SIZE));
		assert_true(page_maybe_dma_pinned(pages[i]));
		gt_poke(pages[i], 0x40 + i);
		assert_int_equal(gt_uread(mm, addr + i * PAGE_SIZE + 17), 0x40 + i);
	}
	assert_true(mm_flags_test(MMF_HAS_PINNED, mm));
	unpin_user_pages(pages, 4);
	for (int i = 0; i < 4; i++)
		assert_false(page_maybe_dma_pinned(pages[i]));
	assert_int_equal(mm_event_count(), 0);
}

/*
 * pin_user_pages() and the *_remote() calls with *locked set rely on the
 * caller's mmap_lock: without it the kernel's mmap_assert_locked() fires.
 * The pin still happens (a kernel without DEBUG_VM goes on), but the WARN is
 * recorded. Before, it succeeded silently.
 */
static void test_pin_without_mmap_lock_warns(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[2];
	int locked = 1;

	assert_int_equal(pin_user_pages(mm, addr, 1, FOLL_WRITE, pages), 1);
	assert_int_equal(mm_event_match(MM_EV_WARN, "mmap_assert_locked"), 1);
	unpin_user_page(pages[0]);
	assert_int_equal(pin_user_pages_remote(mm, addr, 1, 0, pages, &locked), 1);
	assert_int_equal(mm_event_match(MM_EV_WARN, "mmap_assert_locked"), 2);
	unpin_user_page(pages[0]);
	mm_events_reset();
	/* Held: no event; the unlocked variant takes the lock itself. */
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, addr, 2, FOLL_WRITE, pages), 2);
	mmap_read_unlock(mm);
	unpin_user_pages(pages, 2);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 2, pages, 0), 2);
	unpin_user_pages(pages, 2);
	assert_int_equal(mm_event_count(), 0);
}

static void test_get_does_not_mark_has_pinned(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;
	int ref;

	ref = folio_ref_count(page_folio(gt_mapped_page(mm, addr)));
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, 0), 1);
	assert_int_equal(folio_ref_count(page_folio(page)), ref + 1);
	assert_false(page_maybe_dma_pinned(page));
	assert_false(mm_flags_test(MMF_HAS_PINNED, mm));
	put_page(page);
	assert_int_equal(folio_ref_count(page_folio(page)), ref);
}

static void test_write_breaks_cow(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct process *child = process_fork(gt_proc, "child");
	struct page *shared = gt_mapped_page(mm, addr), *page;

	assert_non_null(child);
	assert_ptr_equal(shared, gt_mapped_page(child->mm, addr));
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 1, &page, FOLL_WRITE), 1);
	/* FOLL_WRITE took a write fault: the parent has its own copy now. */
	assert_ptr_not_equal(page, shared);
	assert_ptr_equal(page, gt_mapped_page(mm, addr));
	assert_ptr_equal(shared, gt_mapped_page(child->mm, addr));
	assert_int_equal(gt_peek(page, 100), 0x11);
	gt_poke(page, 0x22);
	assert_int_equal(gt_uread(child->mm, addr), 0x11);
	assert_int_equal(gt_uread(mm, addr), 0x22);
	unpin_user_page(page);
	process_destroy(child);
}

static void test_force_write_private_readonly(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct process *child = process_fork(gt_proc, "child");
	struct page *page;

	assert_int_equal(do_mprotect(mm, addr, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_WRITE), -EFAULT);
	/* ptrace's poke: COW into a private copy, the PTE stays read-only. */
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_WRITE | FOLL_FORCE), 1);
	assert_ptr_equal(page, gt_mapped_page(mm, addr));
	assert_ptr_not_equal(page, gt_mapped_page(child->mm, addr));
	gt_poke(page, 0x33);
	put_page(page);
	assert_int_equal(gt_uread(mm, addr), 0x33);
	assert_int_equal(gt_uread(child->mm, addr), 0x11);
	/* Still read-only for the process itself. */
	assert_int_equal(uaccess_memset(mm, addr, 0x44, 1), -EFAULT);
	process_destroy(child);
}

static void test_force_refused_in_shared_mapping(void **state)
{
	struct mm_struct *mm = gt_mm();
	long addr = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
	struct page *page;

	assert_true(addr > 0);
	assert_int_equal(gt_uread(mm, (unsigned long)addr), 0);
	mm_events_reset();
	assert_int_equal(get_user_pages_unlocked(mm, (unsigned long)addr, 1, &page,
						 FOLL_WRITE | FOLL_FORCE), -EFAULT);
	/* refused by the check, not by giving up on a fault loop (a WARN) */
	assert_int_equal(mm_event_count(), 0);
	assert_int_equal(pin_user_pages_unlocked(mm, (unsigned long)addr, 1, &page,
						 FOLL_WRITE | FOLL_FORCE), -EFAULT);
	/* Reading is fine. */
	assert_int_equal(pin_user_pages_unlocked(mm, (unsigned long)addr, 1, &page, 0), 1);
	unpin_user_page(page);
}

static void test_unmapped_and_partial(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 4, PROT_READ | PROT_WRITE, 0x11);
	struct page *pages[8];

	/* A hole in the middle: the pages before it, and only those. */
	assert_int_equal(vm_munmap(mm, addr + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 4, pages, FOLL_WRITE), 2);
	unpin_user_pages(pages, 2);
	assert_int_equal(pin_user_pages_unlocked(mm, addr + 2 * PAGE_SIZE, 2, pages, 0), -EFAULT);
	/* Past the end of the last mapping. */
	assert_int_equal(pin_user_pages_unlocked(mm, addr + 3 * PAGE_SIZE, 4, pages, 0), 1);
	unpin_user_page(pages[0]);
	assert_int_equal(pin_user_pages_fast(mm, 0x1000, 1, 0, pages), -EFAULT);
	assert_int_equal(gt_pins_acquired(), gt_pins_released());
	assert_int_equal(pin_outstanding(), 0);
}

static void test_prot_none_and_readonly(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long ro = gt_anon(mm, 1, PROT_READ, -1);
	unsigned long none = gt_anon(mm, 1, PROT_NONE, -1);
	struct page *page;

	assert_int_equal(pin_user_pages_unlocked(mm, ro, 1, &page, FOLL_WRITE), -EFAULT);
	assert_int_equal(pin_user_pages_unlocked(mm, none, 1, &page, 0), -EFAULT);
	assert_int_equal(pin_user_pages_fast(mm, none, 1, 0, &page), -EFAULT);
}

static void test_nofault_and_anon(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, -1);
	struct page *pages[2];

	assert_int_equal(uaccess_memset(mm, addr, 0x11, PAGE_SIZE), 0);
	/* FOLL_NOFAULT takes what is there and stops at the first missing page. */
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 2, pages, FOLL_NOFAULT), 1);
	unpin_user_page(pages[0]);
	assert_int_equal(pin_user_pages_unlocked(mm, addr + PAGE_SIZE, 1, pages, FOLL_NOFAULT),
			 -EFAULT);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 2, pages, FOLL_ANON | FOLL_WRITE), 2);
	unpin_user_pages(pages, 2);
}

/* A driver's mmap that maps raw pfns: VM_IO | VM_PFNMAP, no pages to hand out. */
static struct folio *pfnmap_folio;
static int pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start, folio_pfn(pfnmap_folio), PAGE_SIZE,
			       vma->vm_page_prot);
}

static void test_pfnmap_refused(void **state)
{
	static const struct file_operations fops = { .mmap = pfnmap_mmap };
	static struct address_space mapping;
	struct file file = { .f_op = &fops, .f_mapping = &mapping,
			     .f_mode = FMODE_READ | FMODE_WRITE };
	struct mm_struct *mm = gt_mm();
	struct page *page;
	long addr;

	address_space_init_once(&mapping);
	atomic_init(&file.f_count, 1);
	pfnmap_folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	addr = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, &file, 0);
	assert_true(addr > 0);
	assert_int_equal(pin_user_pages_unlocked(mm, (unsigned long)addr, 1, &page, 0), -EFAULT);
	assert_int_equal(get_user_pages_unlocked(mm, (unsigned long)addr, 1, &page, 0), -EFAULT);
	assert_int_equal(pin_user_pages_fast(mm, (unsigned long)addr, 1, 0, &page), -EFAULT);
	assert_int_equal(folio_ref_count(pfnmap_folio), 1);
	assert_int_equal(vm_munmap(mm, (unsigned long)addr, PAGE_SIZE), 0);
	folio_put(pfnmap_folio);
}

/*
 * A folio at _refcount 0 under a present PTE is a refcounting bug elsewhere
 * (an idle ZONE_DEVICE page inserted without a reference). The slow path must
 * WARN and fail with -ENOMEM, as try_grab_folio() does in mainline; it used to
 * take the tracker's -EAGAIN as "walk again" and spin for ever.
 */
static void test_pin_of_refcount_zero_page_fails(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct folio *folio = page_folio(gt_mapped_page(mm, addr));
	struct page *page;
	int saved = folio_ref_count(folio);

	(void)state;
	alarm(20);	/* the old behaviour: a hang fails the binary, not the run */
	folio_set_count(folio, 0);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 1, &page, FOLL_WRITE), -ENOMEM);
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, 0), -ENOMEM);
	folio_set_count(folio, saved);
	alarm(0);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 1);
	assert_int_equal(gt_pins_acquired(), 0);
	mm_events_reset();
}

/*
 * A R/O long-term pin racing MADV_DONTNEED: every fault GUP takes maps the
 * page, and the zap gets there before GUP looks again. The driver below does
 * both in its ->fault, so the race is lost every time, ZAPPED_FAULTS (more
 * than the 64 retries an earlier model allowed) times in a row. Mainline's
 * __get_user_pages() retries for as long as it takes (cond_resched() between
 * attempts); the model used to give up after 64 with a WARN and -EFAULT.
 */
#define ZAPPED_FAULTS	200
static struct folio *zapped_folio;
static int zapped_faults;

static vm_fault_t zapped_fault(struct vm_fault *vmf)
{
	vm_fault_t ret = vmf_insert_page_mkwrite(vmf, folio_page(zapped_folio, 0), false);

	if (++zapped_faults <= ZAPPED_FAULTS)
		zap_page_range_single(vmf->vma, vmf->address & PAGE_MASK, PAGE_SIZE);
	return ret;
}

static const struct vm_operations_struct zapped_vm_ops = { .fault = zapped_fault };

static int zapped_mmap(struct file *file, struct vm_area_struct *vma)
{
	(void)file;
	vma->vm_ops = &zapped_vm_ops;
	return 0;
}

static void test_ro_longterm_pin_retries_past_racing_zaps(void **state)
{
	static const struct file_operations fops = { .mmap = zapped_mmap };
	static struct address_space mapping;
	struct file file = { .f_op = &fops, .f_mapping = &mapping, .f_mode = FMODE_READ };
	struct mm_struct *mm = gt_mm();
	struct page *page = NULL;
	long addr;

	(void)state;
	address_space_init_once(&mapping);
	atomic_init(&file.f_count, 1);
	zapped_faults = 0;
	zapped_folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	assert_non_null(zapped_folio);
	addr = vm_mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_SHARED, &file, 0);
	assert_true(addr > 0);
	assert_int_equal(pin_user_pages_unlocked(mm, (unsigned long)addr, 1, &page,
						 FOLL_LONGTERM), 1);
	assert_ptr_equal(page, folio_page(zapped_folio, 0));
	/* Every lost race was one more fault; the last one stuck. */
	assert_int_equal(zapped_faults, ZAPPED_FAULTS + 1);
	assert_int_equal(mm_event_count(), 0);
	unpin_user_page(page);
	assert_int_equal(vm_munmap(mm, (unsigned long)addr, PAGE_SIZE), 0);
	assert_int_equal(folio_ref_count(zapped_folio), 1);
	folio_put(zapped_folio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_faults_in_and_pins_the_mapped_pages, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_pin_of_refcount_zero_page_fails, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_get_does_not_mark_has_pinned, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_pin_without_mmap_lock_warns, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_write_breaks_cow, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_force_write_private_readonly, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_force_refused_in_shared_mapping, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_unmapped_and_partial, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_prot_none_and_readonly, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_nofault_and_anon, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_pfnmap_refused, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_ro_longterm_pin_retries_past_racing_zaps, gt_setup_mainline, gt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
