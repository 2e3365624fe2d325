/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migrating a hugetlb folio (unmap_and_move_huge_page()): each huge PMD or
 * PUD that maps it becomes a migration entry, the folio is frozen with only the
 * caller's and the page cache's references left, its contents move to a
 * target from the pool (or a temporary folio, move_hugetlb_state()), and the
 * entries come back pointing at the target. A pin or GUP reference makes the
 * freeze fail: -EAGAIN, and the old PMDs return.
 */
#include <sched.h>
#include <pinmm/vm/hugetlb.h>
#include "internal.h"

struct hugetlb_mig {
	struct folio *src;
	bool failed;
};

static bool pmd_maps_pfn(pmd_t pmd, unsigned long pfn)
{
	return pmd_leaf(pmd) && pmd_pfn(pmd) == pfn;
}

static bool hugetlb_try_to_migrate_one(struct folio *folio, struct vm_area_struct *vma,
				       unsigned long address, void *arg)
{
	struct hugetlb_mig *m = arg;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long sz = folio_size(folio);
	struct mmu_notifier_range range;
	spinlock_t *ptl;
	pmd_t *pmd, old;
	swp_entry_t e;

	(void)m;
	if (address < vma->vm_start || address + sz > vma->vm_end)
		return true;
	pmd = huge_pte_offset(mm, address, sz);
	if (!pmd)
		return true;
	mmu_notifier_range_init(&range, MMU_NOTIFY_MIGRATE, 0, mm, address, address + sz);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	ptl = pmd_lock(mm, pmd);
	if (!pmd_maps_pfn(pmdp_get(pmd), folio_pfn(folio))) {
		spin_unlock(ptl);
		mmu_notifier_invalidate_range_end(&range);
		return true;
	}
	old = pmdp_huge_get_and_clear(mm, address, pmd);
	flush_tlb_range(vma, address, address + sz);
	if (pmd_write(old))
		e = make_writable_migration_entry(folio_pfn(folio));
	else if (folio_test_anon(folio) && PageAnonExclusive(&folio->page))
		e = make_readable_exclusive_migration_entry(folio_pfn(folio));
	else
		e = make_readable_migration_entry(folio_pfn(folio));
	if (pmd_dirty(old))
		e = make_migration_entry_dirty(e);
	if (folio_test_anon(folio))
		e = make_migration_entry_anon(e);
	set_pmd_at(mm, address, pmd, __pmd(pte_val(swp_entry_to_pte(e))));
	atomic_fetch_sub(&folio->_entire_mapcount, 1);
	atomic_fetch_sub(&folio->_large_mapcount, 1);
	spin_unlock(ptl);
	mmu_notifier_invalidate_range_end(&range);
	folio_put(folio);	/* the mapping's reference */
	return true;
}

static bool hugetlb_remove_migration_pmd(struct folio *dst, struct vm_area_struct *vma,
					 unsigned long address, void *arg)
{
	struct hugetlb_mig *m = arg;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long sz = folio_size(dst);
	spinlock_t *ptl;
	pmd_t *pmd, v, entry;
	swp_entry_t e;

	if (address < vma->vm_start || address + sz > vma->vm_end)
		return true;
	pmd = huge_pte_offset(mm, address, sz);
	if (!pmd)
		return true;
	ptl = pmd_lock(mm, pmd);
	v = pmdp_get(pmd);
	e = pte_to_swp_entry(__pte(pmd_val(v)));
	if (pmd_none(v) || pmd_present(v) || !is_migration_entry(e) ||
	    swp_offset_pfn(e) != folio_pfn(m->src)) {
		spin_unlock(ptl);
		return true;
	}
	entry = pmd_mkyoung(pmd_mkhuge(pfn_pmd(folio_pfn(dst),
					       __pgprot(READ_ONCE(vma->vm_page_prot.pgprot)))));
	entry = is_writable_migration_entry(e) ? pmd_mkwrite(entry) : pmd_wrprotect(entry);
	if (is_migration_entry_dirty(e))
		entry = pmd_mkdirty(entry);
	folio_get(dst);
	atomic_fetch_add(&dst->_entire_mapcount, 1);
	atomic_fetch_add(&dst->_large_mapcount, 1);
	if (folio_test_anon(dst) && (is_writable_migration_entry(e) ||
				     is_readable_exclusive_migration_entry(e)))
		SetPageAnonExclusive(&dst->page);
	set_pmd_at(mm, address, pmd, entry);
	spin_unlock(ptl);
	return true;
}

static void hugetlb_remove_migration_pmds(struct folio *src, struct folio *dst)
{
	struct hugetlb_mig m = { .src = src };
	struct rmap_walk_control rwc = { .arg = &m, .rmap_one = hugetlb_remove_migration_pmd,
					 .anon_vma_held = true };

	rmap_walk(dst, &rwc);
}

int migrate_hugetlb_folio(struct folio *src, gfp_t gfp, struct folio **dstp)
{
	struct hugetlb_mig m = { .src = src };
	struct rmap_walk_control rwc = { .arg = &m, .rmap_one = hugetlb_try_to_migrate_one };
	struct address_space *mapping;
	struct anon_vma *av = NULL;
	struct hstate *h = folio_hstate(src);
	long nr = folio_nr_pages(src);
	struct folio *dst;
	bool anon;
	int rc = 0;

	dst = alloc_hugetlb_folio_migrate(h, gfp);
	if (!dst) {
		mod_node_page_state(PGMIGRATE_FAIL, nr);
		return -ENOMEM;
	}
	folio_lock(src);
	anon = folio_test_anon(src);
	mapping = anon ? NULL : folio_mapping(src);
	if (anon) {
		av = anon_vma_get_folio(src);
		if (!av && folio_mapped(src)) {
			rc = -EAGAIN;
			goto unlock;
		}
	}
	rmap_walk(src, &rwc);
	/* Expected: the caller's reference, and the page cache's for a file folio. */
	if (folio_mapped(src) || !folio_ref_freeze(src, mapping ? 2 : 1)) {
		rc = -EAGAIN;
		goto restore;
	}
	dst->index = src->index;
	copy_hugetlb_folio(dst, src);
	if (folio_test_dirty(src))
		folio_set_dirty(dst);
	if (anon) {
		if (PageAnonExclusive(&src->page))
			SetPageAnonExclusive(&dst->page);
		__atomic_store_n((unsigned long *)&dst->mapping, (unsigned long)src->mapping,
				 __ATOMIC_RELEASE);
		folio_ref_unfreeze(src, 1);
	} else if (mapping) {
		rc = hugetlbfs_replace_folio(mapping, src, dst);
		/* The slot moved, and the cache's reference with it. */
		folio_ref_unfreeze(src, rc ? 2 : 1);
		if (rc)
			goto restore;
	} else {
		folio_ref_unfreeze(src, 1);
	}
	move_hugetlb_state(src, dst);
	race_point(RACE_MIGRATE, src);
	hugetlb_remove_migration_pmds(src, dst);
	if (anon)
		WRITE_ONCE(src->mapping, NULL);
	ClearPageAnonExclusive(&src->page);
	folio_unlock(src);
	if (dstp)
		*dstp = dst;
	mod_node_page_state(PGMIGRATE_SUCCESS, nr);
	mm_trace("migrate", "pfn=%#lx -> pfn=%#lx hugetlb %s", folio_pfn(src), folio_pfn(dst),
		 anon ? "anon" : "file");
	folio_put(dst);		/* the allocation's; mappings and the cache hold theirs */
	if (av)
		anon_vma_put(av);
	return 0;

restore:
	hugetlb_remove_migration_pmds(src, src);
unlock:
	folio_unlock(src);
	folio_put(dst);
	if (av)
		anon_vma_put(av);
	mod_node_page_state(PGMIGRATE_FAIL, nr);
	mm_trace("migrate", "pfn=%#lx hugetlb refused: %d (refcount %d)", folio_pfn(src), rc,
		 folio_ref_count(src));
	return rc;
}
