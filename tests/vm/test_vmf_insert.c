/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmf_insert_mixed() with and without pte_special: a special PTE with no
 * reference and no rmap (insert_pfn(), x86-64), or, under the no-pte-special
 * what-if, a normal one through insert_page() with get_page() and rmap that
 * the zap gives back.
 */
#include <pinmm/mem/whatif.h>
#include <pinmm/vm/vmf_insert.h>
#include "vm_test.h"

static struct folio *vi_folio;

static vm_fault_t vi_fault(struct vm_fault *vmf)
{
	return vmf_insert_mixed(vmf->vma, vmf->address, folio_pfn(vi_folio),
				vmf->flags & FAULT_FLAG_WRITE);
}

static const struct vm_operations_struct vi_vm_ops = { .fault = vi_fault };

static int vi_mmap(struct file *file, struct vm_area_struct *vma)
{
	(void)file;
	vma->vm_ops = &vi_vm_ops;
	WRITE_ONCE(vma->vm_flags, vma->vm_flags | VM_MIXEDMAP);
	return 0;
}

static const struct file_operations vi_fops = { .mmap = vi_mmap };

static void check_insert_mixed(bool pte_special_arch)
{
	struct process *p = process_create("p");
	struct file f = { .f_op = &vi_fops, .f_mode = FMODE_READ | FMODE_WRITE };
	unsigned char b;
	pte_t pte;
	long a;

	atomic_init(&f.f_count, 1);
	whatif_set(pte_special_arch ? 0 : BIT(WHATIF_NO_PTE_SPECIAL));
	vi_folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	assert_non_null(vi_folio);
	a = vm_mmap(p->mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, &f, 0);
	assert_true(a > 0);
	assert_int_equal(uaccess_read(p->mm, (unsigned long)a, &b, 1), 0);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_int_equal(pte_pfn(pte), folio_pfn(vi_folio));
	assert_int_equal(pte_special(pte), pte_special_arch);
	assert_int_equal(folio_ref_count(vi_folio), pte_special_arch ? 1 : 2);
	assert_int_equal(folio_mapcount(vi_folio), pte_special_arch ? 0 : 1);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a, PAGE_SIZE), 0);
	assert_int_equal(folio_ref_count(vi_folio), 1);
	assert_int_equal(folio_mapcount(vi_folio), 0);
	whatif_set(0);
	folio_put(vi_folio);
	process_destroy(p);
	vt_assert_all_free();
}

static void test_insert_mixed_special(void **state)
{
	(void)state;
	check_insert_mixed(true);
}

static void test_insert_mixed_no_pte_special(void **state)
{
	(void)state;
	check_insert_mixed(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_mixed_special, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(test_insert_mixed_no_pte_special, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
