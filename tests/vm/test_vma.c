/* SPDX-License-Identifier: GPL-2.0-only */
/* The VMA set: lookup, munmap/mprotect/madvise splitting VMAs, merging back. */
#include "vm_test.h"

static int nr_vmas(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	int n = 0;

	mmap_read_lock(mm);
	for_each_vma(mm, vma)
		n++;
	mmap_read_unlock(mm);
	return n;
}

static void lookup_is_ordered(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 4 * PAGE_SIZE, PROT_READ, MAP_PRIVATE);
	long b = vm_mmap(p->mm, (unsigned long)a + 8 * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0);

	(void)state;
	assert_int_equal(b, a + 8 * (long)PAGE_SIZE);
	mmap_read_lock(p->mm);
	assert_ptr_equal(find_vma(p->mm, (unsigned long)a + 5 * PAGE_SIZE),
			 vma_lookup(p->mm, (unsigned long)b));
	assert_null(vma_lookup(p->mm, (unsigned long)a + 5 * PAGE_SIZE));
	assert_null(find_vma(p->mm, (unsigned long)b + PAGE_SIZE));
	assert_non_null(find_vma_intersection(p->mm, (unsigned long)a + 3 * PAGE_SIZE,
					      (unsigned long)b));
	mmap_read_unlock(p->mm);
	assert_int_equal(vm_mmap(p->mm, (unsigned long)a, PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0), -EEXIST);
	process_destroy(p);
	vt_assert_all_free();
}

static void munmap_middle_splits_in_two(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct vm_area_struct *lo, *hi;
	unsigned char b;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x31, 8 * PAGE_SIZE);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + 3 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
	assert_int_equal(nr_vmas(p->mm), 2);
	mmap_read_lock(p->mm);
	lo = vma_lookup(p->mm, (unsigned long)a);
	hi = vma_lookup(p->mm, (unsigned long)a + 5 * PAGE_SIZE);
	assert_int_equal(lo->vm_end, a + 3 * (long)PAGE_SIZE);
	assert_int_equal(hi->vm_start, a + 5 * (long)PAGE_SIZE);
	assert_int_equal(hi->vm_pgoff, ((unsigned long)a >> PAGE_SHIFT) + 5);
	assert_ptr_equal(lo->anon_vma, hi->anon_vma);
	mmap_read_unlock(p->mm);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 6);
	assert_int_equal(uaccess_read(p->mm, (unsigned long)a + 3 * PAGE_SIZE, &b, 1), -EFAULT);
	assert_int_equal(vt_byte(p, (unsigned long)a + 5 * PAGE_SIZE), 0x31);
	/* MAP_FIXED over the hole and a neighbour replaces the old pages. */
	assert_int_equal(vm_mmap(p->mm, (unsigned long)a + 3 * PAGE_SIZE, 3 * PAGE_SIZE,
				 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 NULL, 0), a + 3 * (long)PAGE_SIZE);
	assert_int_equal(vt_byte(p, (unsigned long)a + 5 * PAGE_SIZE), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a + 6 * PAGE_SIZE), 0x31);
	process_destroy(p);
	vt_assert_all_free();
}

static void mprotect_splits_and_merges_back(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 6 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	unsigned char b = 1;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x12, 6 * PAGE_SIZE);
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a + 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				     PROT_READ), 0);
	assert_int_equal(nr_vmas(p->mm), 3);
	assert_false(pte_write(vt_pte(p->mm, (unsigned long)a + 2 * PAGE_SIZE)));
	assert_true(pte_write(vt_pte(p->mm, (unsigned long)a + 4 * PAGE_SIZE)));
	assert_int_equal(uaccess_write(p->mm, (unsigned long)a + 3 * PAGE_SIZE, &b, 1), -EFAULT);
	assert_int_equal(uaccess_write(p->mm, (unsigned long)a + 4 * PAGE_SIZE, &b, 1), 0);
	/* PROT_NONE keeps the page but the CPU faults on it. */
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a + 2 * PAGE_SIZE, PAGE_SIZE,
				     PROT_NONE), 0);
	assert_true(pte_protnone(vt_pte(p->mm, (unsigned long)a + 2 * PAGE_SIZE)));
	assert_int_equal(uaccess_read(p->mm, (unsigned long)a + 2 * PAGE_SIZE, &b, 1), -EFAULT);
	assert_int_equal(nr_vmas(p->mm), 4);
	/* Back to RW: the VMAs merge into one and the data is intact. */
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, 6 * PAGE_SIZE,
				     PROT_READ | PROT_WRITE), 0);
	assert_int_equal(nr_vmas(p->mm), 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + 2 * PAGE_SIZE), 0x12);
	/* Exclusive anon page: the write after mprotect reuses it. */
	{
		struct page *pg = vt_page(p->mm, (unsigned long)a + 2 * PAGE_SIZE);

		vt_fill(p, (unsigned long)a + 2 * PAGE_SIZE, 0x13, 1);
		assert_ptr_equal(vt_page(p->mm, (unsigned long)a + 2 * PAGE_SIZE), pg);
	}
	/*
	 * A hole: -ENOMEM, and (as do_mprotect_pkey() changes one VMA at a
	 * time) what lies before it is read-only already. A hole at the start
	 * changes nothing.
	 */
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, 8 * PAGE_SIZE, PROT_READ), -ENOMEM);
	assert_false(pte_write(vt_pte(p->mm, (unsigned long)a + 5 * PAGE_SIZE)));
	assert_int_equal(uaccess_write(p->mm, (unsigned long)a + 5 * PAGE_SIZE, &b, 1), -EFAULT);
	assert_int_equal(nr_vmas(p->mm), 1);
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a - PAGE_SIZE, 2 * PAGE_SIZE,
				     PROT_READ | PROT_WRITE), -ENOMEM);
	assert_int_equal(uaccess_write(p->mm, (unsigned long)a, &b, 1), -EFAULT);
	process_destroy(p);
	vt_assert_all_free();
}

static void madvise_dontneed_drops_pages_keeps_vma(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	unsigned long free_mid;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x66, 4 * PAGE_SIZE);
	free_mid = nr_free_pages();
	assert_int_equal(do_madvise(p->mm, (unsigned long)a + PAGE_SIZE, 2 * PAGE_SIZE,
				    MADV_DONTNEED), 0);
	assert_int_equal(nr_free_pages(), free_mid + 2);
	assert_int_equal(nr_vmas(p->mm), 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + PAGE_SIZE), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x66);
	assert_int_equal(vt_byte(p, (unsigned long)a + 3 * PAGE_SIZE), 0x66);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a + 3 * PAGE_SIZE, 4 * PAGE_SIZE,
				    MADV_DONTNEED), -ENOMEM);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lookup_is_ordered, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(munmap_middle_splits_in_two, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(mprotect_splits_and_merges_back, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(madvise_dontneed_drops_pages_keeps_vma, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
