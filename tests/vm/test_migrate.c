/* SPDX-License-Identifier: GPL-2.0-only */
/* Migration: data and flags move, the old folio is freed, a pinned or referenced one stays. */
#include "vm_test.h"

static struct vt_file vf;

static void anon_migration_moves_data_and_frees_old(void **state)
{
	struct process *p = process_create("p"), *c;
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct folio *src, *dst = NULL;
	unsigned long free_before;
	long ok = node_page_state(PGMIGRATE_SUCCESS);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x3a, PAGE_SIZE);
	c = process_fork(p, "c");
	src = page_folio(vt_page(p->mm, (unsigned long)a));
	folio_get(src);
	assert_int_equal(migrate_folio_to(src, GFP_HIGHUSER_MOVABLE, &dst), 0);
	assert_non_null(dst);
	assert_ptr_not_equal(dst, src);
	/* Both mms now map the new folio; nothing maps the old one. */
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), dst);
	assert_ptr_equal(page_folio(vt_page(c->mm, (unsigned long)a)), dst);
	assert_int_equal(folio_mapcount(src), 0);
	assert_int_equal(folio_mapcount(dst), 2);
	assert_int_equal(folio_ref_count(src), 1);
	assert_int_equal(folio_ref_count(dst), 2);
	assert_true(folio_test_anon(dst));
	assert_int_equal(node_page_state(PGMIGRATE_SUCCESS), ok + 1);
	free_before = nr_free_pages();
	folio_put(src);
	assert_int_equal(nr_free_pages(), free_before + 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + 77), 0x3a);
	/* COW still works on the migrated, shared page. */
	vt_fill(c, (unsigned long)a, 0x3b, 1);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x3a);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

static void exclusive_flag_survives_migration(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct folio *src, *dst;
	pte_t pte;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x3c, 1);
	src = page_folio(vt_page(p->mm, (unsigned long)a));
	folio_get(src);
	assert_int_equal(migrate_folio_to(src, GFP_HIGHUSER_MOVABLE, &dst), 0);
	folio_put(src);
	assert_true(PageAnonExclusive(&dst->page));
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_true(pte_write(pte));
	assert_true(folio_test_dirty(dst));
	process_destroy(p);
	vt_assert_all_free();
}

static void extra_reference_or_pin_refuses(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct folio *src, *dst = NULL;
	long fail = node_page_state(PGMIGRATE_FAIL);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x3d, 1);
	src = page_folio(vt_page(p->mm, (unsigned long)a));
	folio_get(src);
	folio_get(src);		/* somebody's get_user_pages() */
	assert_int_equal(migrate_folio_to(src, GFP_HIGHUSER_MOVABLE, &dst), -EAGAIN);
	assert_null(dst);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), src);
	assert_true(pte_write(vt_pte(p->mm, (unsigned long)a)));
	assert_true(PageAnonExclusive(&src->page));
	assert_int_equal(node_page_state(PGMIGRATE_FAIL), fail + 1);
	folio_put(src);
	/* A pin: refused before the PTE is even touched. */
	assert_int_equal(vt_pin_page(&src->page), 0);
	assert_int_equal(migrate_folio_to(src, GFP_HIGHUSER_MOVABLE, &dst), -EAGAIN);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)a)), src);
	assert_int_equal(migrate_range(p->mm, (unsigned long)a, PAGE_SIZE), 0);
	vt_unpin_page(&src->page);
	/* Our own reference alone is an unexplained one for migrate_range(). */
	assert_int_equal(migrate_range(p->mm, (unsigned long)a, PAGE_SIZE), 0);
	folio_put(src);
	assert_int_equal(migrate_range(p->mm, (unsigned long)a, PAGE_SIZE), 1);
	assert_ptr_not_equal(page_folio(vt_page(p->mm, (unsigned long)a)), src);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x3d);
	process_destroy(p);
	vt_assert_all_free();
}

static void file_and_shared_anon_migration(void **state)
{
	struct process *p = process_create("p");
	long f, s;
	struct folio *old;

	(void)state;
	vt_file_init(&vf);
	f = vm_mmap(p->mm, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, &vf.file, 0);
	s = vt_mmap_anon(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	vt_fill(p, (unsigned long)f, 0x4a, 2 * PAGE_SIZE);
	vt_fill(p, (unsigned long)s, 0x4b, 2 * PAGE_SIZE);
	old = vf.pages[0];
	folio_get(old);
	assert_int_equal(migrate_folio_to(old, GFP_HIGHUSER_MOVABLE, NULL), 0);
	assert_int_equal(migrate_range(p->mm, (unsigned long)f + PAGE_SIZE, PAGE_SIZE), 1);
	assert_ptr_not_equal(vf.pages[0], old);
	assert_true(folio_test_dirty(vf.pages[0]));
	assert_false(folio_test_dirty(old));
	assert_null(old->mapping);
	assert_ptr_equal(page_folio(vt_page(p->mm, (unsigned long)f)), vf.pages[0]);
	folio_put(old);
	assert_int_equal(migrate_range(p->mm, (unsigned long)s, 2 * PAGE_SIZE), 2);
	assert_int_equal(vt_byte(p, (unsigned long)f + 1), 0x4a);
	assert_int_equal(vt_byte(p, (unsigned long)s + PAGE_SIZE), 0x4b);
	/* Writes after migration go to the new folios and dirty them through the fs. */
	vt_fill(p, (unsigned long)f + PAGE_SIZE, 0x4c, 1);
	assert_int_equal(vt_byte(p, (unsigned long)f + PAGE_SIZE), 0x4c);
	process_destroy(p);
	fput(&vf.file);
	vt_assert_all_free();
}

static void thp_migration_remaps_by_ptes(void **state)
{
	struct process *p = process_create("p");
	long a = vt_mmap_anon(p, PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct folio *src;

	(void)state;
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	vt_fill(p, (unsigned long)a, 0x4d, PMD_SIZE);
	src = page_folio(vt_page(p->mm, (unsigned long)a));
	assert_true(folio_test_large(src));
	assert_int_equal(migrate_range(p->mm, (unsigned long)a, PMD_SIZE), 1);
	assert_ptr_not_equal(page_folio(vt_page(p->mm, (unsigned long)a)), src);
	assert_int_equal(folio_order(page_folio(vt_page(p->mm, (unsigned long)a))), HPAGE_PMD_ORDER);
	assert_int_equal(vt_byte(p, (unsigned long)a + PMD_SIZE - 1), 0x4d);
	vt_fill(p, (unsigned long)a + 7, 0x4e, 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + 7), 0x4e);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(anon_migration_moves_data_and_frees_old, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(exclusive_flag_survives_migration, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(extra_reference_or_pin_refuses, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(file_and_shared_anon_migration, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(thp_migration_remaps_by_ptes, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
