/* SPDX-License-Identifier: GPL-2.0-only */
/* mmu notifiers: every unmap/write-protect is bracketed by start/end with the right event. */
#include "vm_test.h"

struct rec {
	struct mmu_notifier mn;
	int starts[MMU_NOTIFY_EXCLUSIVE + 1];
	int ends;
	int nstarts;
	int releases;
	unsigned long last_start, last_end;
	unsigned long clear_len;
};

static int rec_start(struct mmu_notifier *mn, const struct mmu_notifier_range *r)
{
	struct rec *rec = container_of(mn, struct rec, mn);

	rec->starts[r->event]++;
	rec->nstarts++;
	rec->last_start = r->start;
	rec->last_end = r->end;
	if (r->event == MMU_NOTIFY_CLEAR)
		rec->clear_len = r->end - r->start;
	return 0;
}
static void rec_end(struct mmu_notifier *mn, const struct mmu_notifier_range *r)
{
	(void)r;
	container_of(mn, struct rec, mn)->ends++;
}
static void rec_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	(void)mm;
	container_of(mn, struct rec, mn)->releases++;
}
static const struct mmu_notifier_ops rec_ops = {
	.release = rec_release,
	.invalidate_range_start = rec_start,
	.invalidate_range_end = rec_end,
};

static struct vt_file vf;

static void every_change_is_notified(void **state)
{
	struct process *p = process_create("p"), *c;
	struct rec r = { .mn.ops = &rec_ops };
	long a = vt_mmap_anon(p, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	long f;

	(void)state;
	vt_file_init(&vf);
	f = vm_mmap(p->mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, &vf.file, 0);
	assert_int_equal(mmu_notifier_register(&r.mn, p->mm), 0);
	assert_int_equal(mmu_notifier_register(&r.mn, p->mm), -EBUSY);
	assert_int_equal(mmu_notifier_register(NULL, p->mm), -EINVAL);

	/* First touch maps: nothing to invalidate. */
	vt_fill(p, (unsigned long)a, 1, 4 * PAGE_SIZE);
	assert_int_equal(r.nstarts, 0);

	c = process_fork(p, "c");
	assert_int_equal(r.starts[MMU_NOTIFY_PROTECTION_PAGE], 1);
	/* COW replacement of the parent's PTE */
	vt_fill(p, (unsigned long)a, 2, 1);
	assert_int_equal(r.starts[MMU_NOTIFY_CLEAR], 1);
	assert_int_equal(r.last_start, (unsigned long)a);
	assert_int_equal(r.last_end, (unsigned long)a + PAGE_SIZE);

	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(r.starts[MMU_NOTIFY_PROTECTION_VMA], 1);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a + PAGE_SIZE, PAGE_SIZE, MADV_DONTNEED), 0);
	assert_int_equal(r.starts[MMU_NOTIFY_CLEAR], 2);
	assert_int_equal(migrate_range(p->mm, (unsigned long)a + 2 * PAGE_SIZE, PAGE_SIZE), 1);
	assert_int_equal(r.starts[MMU_NOTIFY_MIGRATE], 1);

	vt_fill(p, (unsigned long)f, 3, 1);
	folio_lock(vf.pages[0]);
	assert_int_equal(folio_mkclean(vf.pages[0]), 1);
	folio_unlock(vf.pages[0]);
	assert_int_equal(r.starts[MMU_NOTIFY_PROTECTION_PAGE], 2);

	assert_int_equal(vm_munmap(p->mm, (unsigned long)a + 3 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(r.starts[MMU_NOTIFY_UNMAP], 1);
	assert_int_equal(r.last_start, (unsigned long)a + 3 * PAGE_SIZE);
	assert_int_equal(r.ends, r.nstarts);

	/* The child's changes are not the parent's subscriber's business. */
	vt_fill(c, (unsigned long)a + 3 * PAGE_SIZE, 9, 1);
	process_destroy(c);
	assert_int_equal(r.ends, r.nstarts);
	assert_int_equal(r.releases, 0);

	mmu_notifier_unregister(&r.mn, p->mm);
	{
		int before = r.nstarts;

		assert_int_equal(vm_munmap(p->mm, (unsigned long)a, PAGE_SIZE), 0);
		assert_int_equal(r.nstarts, before);
	}
	assert_int_equal(mmu_notifier_register(&r.mn, p->mm), 0);
	{
		struct mm_struct *mm = p->mm;

		process_destroy(p);
		assert_int_equal(r.releases, 1);
		/* The subscriber keeps the mm_struct (mmgrab) until it unregisters. */
		fput(&vf.file);
		mm_rcu_barrier();
		assert_int_equal(nr_free_pages(), vt_free0 - 1);	/* the pgd */
		mmu_notifier_unregister(&r.mn, mm);
	}
	vt_assert_all_free();
}

static void thp_split_is_notified(void **state)
{
	struct process *p = process_create("p");
	struct rec r = { .mn.ops = &rec_ops };
	long a = vt_mmap_anon(p, PMD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	(void)state;
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PMD_SIZE, MADV_HUGEPAGE), 0);
	vt_fill(p, (unsigned long)a, 1, 1);
	assert_true(pmd_leaf(vt_pmd(p->mm, (unsigned long)a)));
	assert_int_equal(mmu_notifier_register(&r.mn, p->mm), 0);
	assert_int_equal(do_mprotect(p->mm, (unsigned long)a, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(r.starts[MMU_NOTIFY_CLEAR], 1);	/* the PMD split */
	assert_int_equal(r.clear_len, PMD_SIZE);
	assert_int_equal(r.starts[MMU_NOTIFY_PROTECTION_VMA], 1);
	mmu_notifier_unregister(&r.mn, p->mm);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_change_is_notified, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(thp_split_is_notified, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
