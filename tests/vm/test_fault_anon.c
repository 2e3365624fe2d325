/* SPDX-License-Identifier: GPL-2.0-only */
/* Anonymous faults: zero page on read, allocation on write, COW of the zero page, SIGSEGV cases. */
#include "vm_test.h"

static void read_maps_zero_page_then_write_allocates(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pte_t pte;
	struct page *page;

	(void)state;
	assert_true(a > 0);
	assert_int_equal(vt_byte(p, (unsigned long)a + 10), 0);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_true(pte_present(pte));
	assert_true(pte_special(pte));
	assert_false(pte_write(pte));
	assert_true(is_zero_pfn(pte_pfn(pte)));
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 0);

	/* Write: the zero page is replaced by a fresh exclusive anon page. */
	vt_fill(p, (unsigned long)a + 10, 0x5a, 1);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_false(is_zero_pfn(pte_pfn(pte)));
	assert_true(pte_write(pte));
	assert_true(pte_dirty(pte));
	assert_false(pte_special(pte));
	page = vt_page(p->mm, (unsigned long)a);
	assert_true(folio_test_anon(page_folio(page)));
	assert_true(PageAnonExclusive(page));
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + 10), 0x5a);
	assert_int_equal(vt_byte(p, (unsigned long)a + 11), 0);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 1);

	/* A write to untouched memory allocates directly. */
	vt_fill(p, (unsigned long)a + PAGE_SIZE, 0x11, PAGE_SIZE);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 2);
	process_destroy(p);
	vt_assert_all_free();
}

static void accessed_and_dirty_bits_follow_the_cpu(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pmd_t *pmd;
	pte_t *ptep;
	spinlock_t *ptl;

	(void)state;
	vt_fill(p, (unsigned long)a, 1, 8);
	pmd = mm_find_pmd(p->mm, (unsigned long)a);
	ptep = pte_offset_map_lock(p->mm, pmd, (unsigned long)a, &ptl);
	assert_non_null(ptep);
	ptep_modify(ptep, _PAGE_DIRTY | _PAGE_ACCESSED, 0);
	pte_unmap_unlock(ptep, ptl);
	assert_false(pte_young(vt_pte(p->mm, (unsigned long)a)));
	(void)vt_byte(p, (unsigned long)a);
	assert_true(pte_young(vt_pte(p->mm, (unsigned long)a)));
	assert_false(pte_dirty(vt_pte(p->mm, (unsigned long)a)));
	vt_fill(p, (unsigned long)a, 2, 1);
	assert_true(pte_dirty(vt_pte(p->mm, (unsigned long)a)));
	process_destroy(p);
	vt_assert_all_free();
}

static void efault_on_unmapped_and_protection(void **state)
{
	struct process *p = process_create("p");
	long ro = vt_mmap_anon(p, PAGE_SIZE, PROT_READ, MAP_PRIVATE);
	long none = vt_mmap_anon(p, PAGE_SIZE, PROT_NONE, MAP_PRIVATE);
	unsigned char b = 0;

	(void)state;
	assert_true(ro > 0 && none > 0);
	assert_int_equal(uaccess_read(p->mm, 0x1000, &b, 1), -EFAULT);
	assert_int_equal(uaccess_write(p->mm, (unsigned long)ro, &b, 1), -EFAULT);
	assert_int_equal(uaccess_read(p->mm, (unsigned long)ro, &b, 1), 0);
	assert_int_equal(uaccess_read(p->mm, (unsigned long)none, &b, 1), -EFAULT);
	/* Straddling the end of a mapping: the first part is done, then EFAULT. */
	assert_int_equal(uaccess_memset(p->mm, (unsigned long)ro + PAGE_SIZE - 1, 0, 2), -EFAULT);
	assert_int_equal(uaccess_read(p->mm, TASK_SIZE - 1, &b, 2), -EFAULT);
	/* A PROT_NONE VMA cannot be faulted in at all. */
	mmap_read_lock(p->mm);
	assert_int_equal(handle_mm_fault(vma_lookup(p->mm, (unsigned long)none),
					 (unsigned long)none, 0), VM_FAULT_SIGSEGV);
	/* A forced write (ptrace, FOLL_FORCE) COWs, but the PTE stays read-only. */
	assert_int_equal(handle_mm_fault(vma_lookup(p->mm, (unsigned long)ro), (unsigned long)ro,
					 FAULT_FLAG_WRITE), 0);
	mmap_read_unlock(p->mm);
	assert_false(is_zero_pfn(pte_pfn(vt_pte(p->mm, (unsigned long)ro))));
	assert_false(pte_write(vt_pte(p->mm, (unsigned long)ro)));
	assert_true(pte_dirty(vt_pte(p->mm, (unsigned long)ro)));
	assert_int_equal(uaccess_write(p->mm, (unsigned long)ro, &b, 1), -EFAULT);
	process_destroy(p);
	vt_assert_all_free();
}

static void unshare_of_exclusive_anon_page_is_a_noop(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct page *before;

	(void)state;
	vt_fill(p, (unsigned long)a, 3, 1);
	before = vt_page(p->mm, (unsigned long)a);
	mmap_read_lock(p->mm);
	assert_int_equal(handle_mm_fault(vma_lookup(p->mm, (unsigned long)a), (unsigned long)a,
					 FAULT_FLAG_UNSHARE), 0);
	mmap_read_unlock(p->mm);
	assert_ptr_equal(vt_page(p->mm, (unsigned long)a), before);
	process_destroy(p);
	vt_assert_all_free();
}

static unsigned long dev_pfn;
static int dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	(void)file;
	return remap_pfn_range(vma, vma->vm_start, dev_pfn, vma->vm_end - vma->vm_start,
			       vma->vm_page_prot);
}
static const struct file_operations dev_fops = { .mmap = dev_mmap };

static void pfnmap_has_no_struct_page_and_is_refused(void **state)
{
	struct process *p = process_create("p");
	struct file f = { .f_op = &dev_fops, .f_mode = FMODE_READ | FMODE_WRITE };
	struct vm_area_struct *vma;
	unsigned char b;
	long a;

	(void)state;
	atomic_init(&f.f_count, 1);
	/* MMIO beyond RAM: pfns with no struct page behind them. */
	dev_pfn = ARCH_PFN_OFFSET + contig_page_data.node_spanned_pages + 0x100;
	a = vm_mmap(p->mm, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, &f, 0);
	assert_true(a > 0);
	mmap_read_lock(p->mm);
	vma = vma_lookup(p->mm, (unsigned long)a);
	assert_true((vma->vm_flags & (VM_IO | VM_PFNMAP)) == (VM_IO | VM_PFNMAP));
	assert_null(vm_normal_page(vma, (unsigned long)a, vt_pte(p->mm, (unsigned long)a)));
	mmap_read_unlock(p->mm);
	assert_true(pte_special(vt_pte(p->mm, (unsigned long)a)));
	assert_int_equal(pte_pfn(vt_pte(p->mm, (unsigned long)a + PAGE_SIZE)), dev_pfn + 1);
	assert_int_equal(uaccess_read(p->mm, (unsigned long)a, &b, 1), -EFAULT);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a, 2 * PAGE_SIZE), 0);
	assert_int_equal(atomic_load(&f.f_count), 1);
	process_destroy(p);
	vt_assert_all_free();
}

static void bad_arguments(void **state)
{
	struct process *p = process_create("p");

	(void)state;
	assert_int_equal(vt_mmap_anon(p, 0, PROT_READ, MAP_PRIVATE), -EINVAL);
	assert_int_equal(vt_mmap_anon(p, PAGE_SIZE, 0x80, MAP_PRIVATE), -EINVAL);
	assert_int_equal(vm_mmap(p->mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE, NULL, 0), -EINVAL);
	assert_int_equal(vm_mmap(p->mm, 0x1001, PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), -EINVAL);
	assert_int_equal(vm_munmap(p->mm, 0x1001, PAGE_SIZE), -EINVAL);
	assert_int_equal(vm_munmap(p->mm, 0x1000, 0), -EINVAL);
	assert_int_equal(do_mprotect(p->mm, 0x1001, PAGE_SIZE, PROT_READ), -EINVAL);
	assert_int_equal(do_mprotect(p->mm, 0x1000, PAGE_SIZE, PROT_READ), -ENOMEM);
	assert_int_equal(do_madvise(p->mm, 0x1000, PAGE_SIZE, 12345), -EINVAL);
	assert_int_equal(migrate_range(p->mm, 0x1001, 1), -EINVAL);
	assert_int_equal(migrate_range(p->mm, 0x1000, PAGE_SIZE), -EFAULT);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(read_maps_zero_page_then_write_allocates, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(accessed_and_dirty_bits_follow_the_cpu, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(efault_on_unmapped_and_protection, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(unshare_of_exclusive_anon_page_is_a_noop, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pfnmap_has_no_struct_page_and_is_refused, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(bad_arguments, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
