/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page-table pages: allocated from the buddy allocator level by level, split
 * PTL per table, freed on munmap/exit only after an RCU grace period.
 */
#include <unistd.h>
#include "vm_test.h"

static void tables_are_buddy_pages_and_come_back(void **state)
{
	struct process *p = process_create("p");
	unsigned long free_before;
	long a;

	(void)state;
	/* pgd only */
	assert_int_equal(mm_pgtables_bytes(p->mm), PAGE_SIZE);
	a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	free_before = nr_free_pages();
	vt_fill(p, (unsigned long)a, 1, 1);
	/* pud + pmd + pte tables and the data page */
	assert_int_equal(nr_free_pages(), free_before - 4);
	assert_int_equal(mm_pgtables_bytes(p->mm), 4 * PAGE_SIZE);
	/* Another page 1 GiB away needs a new pmd and pte table but no pud. */
	assert_int_equal(vm_mmap(p->mm, (unsigned long)a + PUD_SIZE, PAGE_SIZE,
				 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				 NULL, 0), a + (long)PUD_SIZE);
	vt_fill(p, (unsigned long)a + PUD_SIZE, 1, 1);
	assert_int_equal(mm_pgtables_bytes(p->mm), 6 * PAGE_SIZE);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + PUD_SIZE, PAGE_SIZE), 0);
	assert_int_equal(mm_pgtables_bytes(p->mm), 4 * PAGE_SIZE);
	process_destroy(p);
	vt_assert_all_free();
}

static void unlinked_tables_wait_for_readers(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	unsigned long free_before;
	pmd_t *pmd;
	pte_t *pte;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x7e, 1);
	free_before = nr_free_pages();
	/* A lockless walker (GUP-fast) is inside the PTE table... */
	pmd = mm_find_pmd(p->mm, (unsigned long)a);
	pte = pte_offset_map(pmd, (unsigned long)a);
	assert_non_null(pte);
	assert_int_equal(vm_munmap(p->mm, (unsigned long)a, PAGE_SIZE), 0);
	usleep(20000);
	/* ...so only the data page is back; pud, pmd and pte tables wait. */
	assert_int_equal(nr_free_pages(), free_before + 1);
	assert_true(pte_none(ptep_get(pte)));
	pte_unmap(pte);
	mm_rcu_barrier();
	assert_int_equal(nr_free_pages(), free_before + 4);
	process_destroy(p);
	vt_assert_all_free();
}

static void split_ptl_is_per_table(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, 2 * PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	spinlock_t *l1, *l2;
	pte_t *p1, *p2;

	(void)state;
	vt_fill(p, (unsigned long)a, 1, 1);
	vt_fill(p, (unsigned long)a + PMD_SIZE, 1, 1);
	p1 = pte_offset_map_lock(p->mm, mm_find_pmd(p->mm, (unsigned long)a), (unsigned long)a, &l1);
	/* A different table has a different lock: taking both does not deadlock. */
	p2 = pte_offset_map_lock(p->mm, mm_find_pmd(p->mm, (unsigned long)a + PMD_SIZE),
				 (unsigned long)a + PMD_SIZE, &l2);
	assert_ptr_not_equal(l1, l2);
	assert_ptr_equal(l1, &virt_to_table_page(p1)->private);
	assert_true(spin_is_locked(l1));
	assert_false(spin_trylock(l1));
	pte_unmap_unlock(p2, l2);
	pte_unmap_unlock(p1, l1);
	assert_false(spin_is_locked(l1));
	process_destroy(p);
	vt_assert_all_free();
}

static void pte_bits_match_x86(void **state)
{
	pte_t pte = pfn_pte(0x1234, PAGE_SHARED);
	pte_t mig;

	(void)state;
	assert_int_equal(pte_val(pte) & 0xfff, 0x27);	/* P|RW|U|A */
	assert_int_equal(pte_pfn(pte), 0x1234);
	assert_true(pte_write(pte) && pte_young(pte) && !pte_dirty(pte));
	assert_int_equal(pte_val(pte_mkdirty(pte)) & 0x40, 0x40);
	assert_false(pte_write(pte_wrprotect(pte)));
	assert_true(pte_special(pte_mkspecial(pte)));
	assert_true(pte_devmap(pte_mkdevmap(pte)));
	assert_true(pmd_leaf(pmd_mkhuge(pfn_pmd(0x200, PAGE_READONLY))));
	assert_false(pmd_leaf(pfn_pmd(0x200, PAGE_READONLY)));
	pte = pte_modify(pte_mkdirty(pte), PAGE_NONE);
	assert_true(pte_present(pte) && pte_protnone(pte) && !pte_hw_present(pte));
	assert_true(pte_dirty(pte));
	mig = swp_entry_to_pte(make_readable_exclusive_migration_entry(0x1234));
	assert_false(pte_present(mig));
	assert_false(pte_none(mig));
	assert_true(is_migration_pte(mig));
	assert_true(is_readable_exclusive_migration_entry(pte_to_swp_entry(mig)));
	assert_int_equal(swp_offset_pfn(pte_to_swp_entry(mig)), 0x1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tables_are_buddy_pages_and_come_back, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(unlinked_tables_wait_for_readers, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(split_ptl_is_per_table, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pte_bits_match_x86, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
