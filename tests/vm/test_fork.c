/* SPDX-License-Identifier: GPL-2.0-only */
/* fork: COW in both directions, PageAnonExclusive, pinned pages copied at fork, rmap, MADV_WIPEONFORK. */
#include "vm_test.h"

static void cow_parent_writes_child_keeps_old(void **state)
{
	struct process *p = process_create("parent"), *c;
	long a = vt_mmap_anon(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct page *shared;
	unsigned int seq0 = raw_read_seqcount(&p->mm->write_protect_seq);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x11, 2 * PAGE_SIZE);
	shared = vt_page(p->mm, (unsigned long)a);
	assert_true(PageAnonExclusive(shared));
	c = process_fork(p, "child");
	assert_non_null(c);
	/* fork bumped the seqcount twice (odd while write-protecting) */
	assert_int_equal(raw_read_seqcount(&p->mm->write_protect_seq), seq0 + 2);
	assert_ptr_equal(vt_page(c->mm, (unsigned long)a), shared);
	assert_false(PageAnonExclusive(shared));
	assert_int_equal(page_mapcount(shared), 2);
	assert_int_equal(page_ref_count(shared), 2);
	assert_false(pte_write(vt_pte(p->mm, (unsigned long)a)));
	assert_false(pte_write(vt_pte(c->mm, (unsigned long)a)));

	vt_fill(p, (unsigned long)a, 0x22, 1);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x22);
	assert_int_equal(vt_byte(p, (unsigned long)a + 1), 0x11);
	assert_int_equal(vt_byte(c, (unsigned long)a), 0x11);
	assert_ptr_not_equal(vt_page(p->mm, (unsigned long)a), shared);
	assert_ptr_equal(vt_page(c->mm, (unsigned long)a), shared);
	assert_true(PageAnonExclusive(vt_page(p->mm, (unsigned long)a)));
	assert_int_equal(page_mapcount(shared), 1);

	/* The child is now the only user: its write reuses the page (refcount 1). */
	vt_fill(c, (unsigned long)a, 0x33, 1);
	assert_ptr_equal(vt_page(c->mm, (unsigned long)a), shared);
	assert_true(PageAnonExclusive(shared));
	assert_int_equal(vt_byte(c, (unsigned long)a), 0x33);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x22);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

static void cow_child_writes_parent_keeps_old(void **state)
{
	struct process *p = process_create("parent"), *c;
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	(void)state;
	vt_fill(p, (unsigned long)a, 0x44, PAGE_SIZE);
	c = process_fork(p, "child");
	vt_fill(c, (unsigned long)a + 100, 0x55, 10);
	assert_int_equal(vt_byte(c, (unsigned long)a + 100), 0x55);
	assert_int_equal(vt_byte(c, (unsigned long)a + 99), 0x44);
	assert_int_equal(vt_byte(p, (unsigned long)a + 100), 0x44);
	/* A grandchild of the child shares the child's copy only. */
	{
		struct process *g = process_fork(c, "grandchild");

		assert_int_equal(vt_byte(g, (unsigned long)a + 100), 0x55);
		vt_fill(p, (unsigned long)a, 0x66, 1);
		assert_int_equal(vt_byte(g, (unsigned long)a), 0x44);
		process_destroy(g);
	}
	process_destroy(p);
	assert_int_equal(vt_byte(c, (unsigned long)a + 100), 0x55);
	process_destroy(c);
	vt_assert_all_free();
}

static void pinned_page_is_copied_for_the_child(void **state)
{
	struct process *p = process_create("parent"), *c;
	long a = vt_mmap_anon(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct page *pinned, *other;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x77, 2 * PAGE_SIZE);
	pinned = vt_page(p->mm, (unsigned long)a);
	other = vt_page(p->mm, (unsigned long)a + PAGE_SIZE);
	assert_int_equal(vt_pin_page(pinned), 0);
	set_bit(MMF_HAS_PINNED, &p->mm->flags);

	c = process_fork(p, "child");
	assert_non_null(c);
	/* The parent keeps the page the device uses, still exclusive and writable. */
	assert_ptr_equal(vt_page(p->mm, (unsigned long)a), pinned);
	assert_true(PageAnonExclusive(pinned));
	assert_true(pte_write(vt_pte(p->mm, (unsigned long)a)));
	assert_int_equal(page_mapcount(pinned), 1);
	/* The child got its own copy with the same data... */
	assert_ptr_not_equal(vt_page(c->mm, (unsigned long)a), pinned);
	assert_int_equal(vt_byte(c, (unsigned long)a + 5), 0x77);
	assert_true(PageAnonExclusive(vt_page(c->mm, (unsigned long)a)));
	/* ...while an unpinned page is shared as usual. */
	assert_ptr_equal(vt_page(c->mm, (unsigned long)a + PAGE_SIZE), other);
	assert_false(PageAnonExclusive(other));
	/* as mainline: the flag stays with the mm that pinned */
	assert_false(test_bit(MMF_HAS_PINNED, &c->mm->flags));

	/* "DMA" into the pinned page is seen by the parent only. */
	memset_page(pinned, 0, 0x99, 16);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x99);
	assert_int_equal(vt_byte(c, (unsigned long)a), 0x77);
	/* And a parent write after fork does not COW away from the pinned page. */
	vt_fill(p, (unsigned long)a + 1, 0x98, 1);
	assert_ptr_equal(vt_page(p->mm, (unsigned long)a), pinned);
	vt_unpin_page(pinned);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

static void without_mmf_has_pinned_fork_shares(void **state)
{
	struct process *p = process_create("parent"), *c;
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct page *pg;

	(void)state;
	vt_fill(p, (unsigned long)a, 1, 1);
	pg = vt_page(p->mm, (unsigned long)a);
	assert_int_equal(vt_pin_page(pg), 0);
	/* The mm never pinned through GUP: fork does not look at pins (mainline). */
	c = process_fork(p, "child");
	assert_ptr_equal(vt_page(c->mm, (unsigned long)a), pg);
	vt_unpin_page(pg);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

static bool count_vma(struct folio *folio, struct vm_area_struct *vma, unsigned long addr,
		      void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);
	struct mm_struct **seen = arg;

	while (page_vma_mapped_walk(&pvmw)) {
		for (int i = 0; i < 4; i++) {
			if (!seen[i]) {
				seen[i] = vma->vm_mm;
				break;
			}
		}
	}
	return true;
}

static void rmap_finds_every_mapping_after_fork(void **state)
{
	struct process *p = process_create("parent"), *c1, *c2;
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct mm_struct *seen[4] = { NULL };
	struct rmap_walk_control rwc = { .arg = seen, .rmap_one = count_vma };
	struct folio *folio;

	(void)state;
	vt_fill(p, (unsigned long)a, 1, 1);
	c1 = process_fork(p, "c1");
	c2 = process_fork(c1, "c2");
	folio = page_folio(vt_page(p->mm, (unsigned long)a));
	folio_lock(folio);
	rmap_walk(folio, &rwc);
	assert_int_equal(folio_rmap_count(folio), 3);
	folio_unlock(folio);
	for (int i = 0; i < 3; i++)
		assert_true(seen[i] == p->mm || seen[i] == c1->mm || seen[i] == c2->mm);
	assert_true(seen[0] != seen[1] && seen[1] != seen[2] && seen[0] != seen[2]);
	assert_null(seen[3]);
	/* After the middle one COWs, rmap finds two. */
	vt_fill(c1, (unsigned long)a, 2, 1);
	folio_lock(folio);
	assert_int_equal(folio_rmap_count(folio), 2);
	folio_unlock(folio);
	process_destroy(c2);
	process_destroy(c1);
	process_destroy(p);
	vt_assert_all_free();
}

static void shared_anon_is_shared_across_fork(void **state)
{
	struct process *p = process_create("parent"), *c;
	long a = vt_mmap_anon(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED);

	(void)state;
	assert_true(a > 0);
	vt_fill(p, (unsigned long)a, 0x10, 1);
	c = process_fork(p, "child");
	vt_fill(c, (unsigned long)a + 1, 0x20, 1);
	vt_fill(c, (unsigned long)a + PAGE_SIZE, 0x30, 1);
	assert_int_equal(vt_byte(p, (unsigned long)a + 1), 0x20);
	assert_int_equal(vt_byte(p, (unsigned long)a + PAGE_SIZE), 0x30);
	mmap_read_lock(p->mm);
	assert_true(vma_is_shmem(vma_lookup(p->mm, (unsigned long)a)));
	assert_false(vma_is_anonymous(vma_lookup(p->mm, (unsigned long)a)));
	mmap_read_unlock(p->mm);
	process_destroy(p);
	assert_int_equal(vt_byte(c, (unsigned long)a), 0x10);
	process_destroy(c);
	vt_assert_all_free();
}

static void dontfork_is_not_inherited(void **state)
{
	struct process *p = process_create("parent"), *c;
	long a = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	unsigned char b;

	(void)state;
	vt_fill(p, (unsigned long)a, 1, 1);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, PAGE_SIZE, MADV_DONTFORK), 0);
	c = process_fork(p, "child");
	assert_int_equal(uaccess_read(c->mm, (unsigned long)a, &b, 1), -EFAULT);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

/*
 * MADV_WIPEONFORK: dup_mmap() gives the child the VMA with no anon_vma and
 * copies no page table, so the child faults in zeroes where the parent has
 * data, and a pinned page is neither copied for nor shared with the child.
 * MADV_KEEPONFORK takes it back. Shared and file mappings refuse it.
 */
static void wipeonfork_child_starts_empty(void **state)
{
	struct process *p = process_create("parent"), *c;
	long a = vt_mmap_anon(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	long s = vt_mmap_anon(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED);
	struct page *pinned, *other;

	(void)state;
	vt_fill(p, (unsigned long)a, 0x5a, 2 * PAGE_SIZE);
	pinned = vt_page(p->mm, (unsigned long)a);
	other = vt_page(p->mm, (unsigned long)a + PAGE_SIZE);
	assert_int_equal(vt_pin_page(pinned), 0);
	set_bit(MMF_HAS_PINNED, &p->mm->flags);
	assert_int_equal(do_madvise(p->mm, (unsigned long)s, PAGE_SIZE, MADV_WIPEONFORK), -EINVAL);
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, 2 * PAGE_SIZE, MADV_WIPEONFORK), 0);

	c = process_fork(p, "child");
	assert_non_null(c);
	/* Nothing mapped in the child, nothing copied for it (the pinned page neither). */
	assert_null(vt_page(c->mm, (unsigned long)a));
	assert_null(vt_page(c->mm, (unsigned long)a + PAGE_SIZE));
	assert_int_equal(page_ref_count(other), 1);
	assert_int_equal(page_mapcount(pinned), 1);
	assert_int_equal(page_mapcount(other), 1);
	assert_true(PageAnonExclusive(pinned));
	assert_true(PageAnonExclusive(other));
	assert_true(pte_write(vt_pte(p->mm, (unsigned long)a + PAGE_SIZE)));
	assert_int_equal(vt_byte(c, (unsigned long)a), 0);
	vt_fill(c, (unsigned long)a + PAGE_SIZE, 0x66, 1);
	assert_ptr_not_equal(vt_page(c->mm, (unsigned long)a + PAGE_SIZE), other);
	assert_int_equal(vt_byte(p, (unsigned long)a + PAGE_SIZE), 0x5a);
	process_destroy(c);

	/* MADV_KEEPONFORK: the next child shares the unpinned page again. */
	assert_int_equal(do_madvise(p->mm, (unsigned long)a, 2 * PAGE_SIZE, MADV_KEEPONFORK), 0);
	c = process_fork(p, "child2");
	assert_ptr_equal(vt_page(c->mm, (unsigned long)a + PAGE_SIZE), other);
	assert_int_equal(vt_byte(c, (unsigned long)a), 0x5a);
	assert_ptr_not_equal(vt_page(c->mm, (unsigned long)a), pinned);
	vt_unpin_page(pinned);
	process_destroy(c);
	process_destroy(p);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(cow_parent_writes_child_keeps_old, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(cow_child_writes_parent_keeps_old, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(pinned_page_is_copied_for_the_child, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(without_mmf_has_pinned_fork_shares, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(rmap_finds_every_mapping_after_fork, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(shared_anon_is_shared_across_fork, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(dontfork_is_not_inherited, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(wipeonfork_child_starts_empty, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
