/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migration: unmap to migration entries, check that nobody else holds the
 * folio, copy, remap. The refcount check is what keeps a pinned page in place.
 */
#include <sched.h>
#include <stdlib.h>
#include <pinmm/vm/swap.h>
#include "internal.h"

struct ttm_arg {
	bool failed;
};

/* Split every PMD mapping of @folio in @vma, so that PTEs can be replaced. */
void split_folio_pmd_mappings(struct folio *folio, struct vm_area_struct *vma,
			      unsigned long address)
{
	for (;;) {
		DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, address, 0);
		bool found = false;

		while (page_vma_mapped_walk(&pvmw)) {
			if (!pvmw.pte) {
				pmd_t *pmd = pvmw.pmd;
				unsigned long a = pvmw.address;

				page_vma_mapped_walk_done(&pvmw);
				split_huge_pmd(vma, pmd, a);
				found = true;
				break;
			}
		}
		if (!found)
			return;
	}
}

static bool try_to_migrate_one(struct folio *folio, struct vm_area_struct *vma,
			       unsigned long address, void *arg)
{
	struct ttm_arg *t = arg;
	struct mm_struct *mm = vma->vm_mm;
	const struct pin_tracker *tracker = READ_ONCE(pin_config.tracker);
	struct mmu_notifier_range range;

	if (folio_test_large(folio))
		split_folio_pmd_mappings(folio, vma, address);
	folio_vma_invalidate_start(&range, MMU_NOTIFY_MIGRATE, folio, vma, address);
	{
		DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, address, 0);

		while (page_vma_mapped_walk(&pvmw)) {
			struct page *subpage;
			bool anon_exclusive;
			pte_t pteval;
			swp_entry_t entry;

			if (!pvmw.pte) {
				/* A PMD mapping appeared again: give up, the caller restores. */
				page_vma_mapped_walk_done(&pvmw);
				t->failed = true;
				break;
			}
			subpage = pfn_to_page(pte_pfn(ptep_get(pvmw.pte)));
			anon_exclusive = folio_test_anon(folio) && PageAnonExclusive(subpage);
			pteval = ptep_get_and_clear(mm, pvmw.address, pvmw.pte);
			flush_tlb_range(vma, pvmw.address, pvmw.address + PAGE_SIZE);
			/*
			 * folio_try_share_anon_rmap_pte(): an exclusive page that may be
			 * pinned must stay where the device is accessing it.
			 */
			if (anon_exclusive && tracker && tracker->maybe_dma_pinned(folio)) {
				set_pte_at(mm, pvmw.address, pvmw.pte, pteval);
				page_vma_mapped_walk_done(&pvmw);
				t->failed = true;
				break;
			}
			if (pte_dirty(pteval))
				folio_mark_dirty(folio);
			if (anon_exclusive)
				ClearPageAnonExclusive(subpage);
			if (pte_write(pteval))
				entry = make_writable_migration_entry(page_to_pfn(subpage));
			else if (anon_exclusive)
				entry = make_readable_exclusive_migration_entry(page_to_pfn(subpage));
			else
				entry = make_readable_migration_entry(page_to_pfn(subpage));
			if (pte_dirty(pteval))
				entry = make_migration_entry_dirty(entry);
			if (folio_test_anon(folio))
				entry = make_migration_entry_anon(entry);
			set_pte_at(mm, pvmw.address, pvmw.pte, swp_entry_to_pte(entry));
			folio_remove_rmap_pte(folio, subpage, vma);
			folio_put(folio);
		}
	}
	mmu_notifier_invalidate_range_end(&range);
	return !t->failed;
}

static bool folio_not_mapped(struct folio *folio)
{
	return !folio_mapped(folio);
}

/* Replace every PTE mapping @folio (locked) by a migration entry. */
bool try_to_migrate(struct folio *folio)
{
	struct ttm_arg t = { .failed = false };
	struct rmap_walk_control rwc = {
		.arg = &t,
		.rmap_one = try_to_migrate_one,
		.done = folio_not_mapped,
	};

	rmap_walk(folio, &rwc);
	return !t.failed && !folio_mapped(folio);
}

struct rmp_arg {
	struct folio *src;
};

static bool remove_migration_pte(struct folio *dst, struct vm_area_struct *vma,
				 unsigned long address, void *arg)
{
	struct folio *src = ((struct rmp_arg *)arg)->src;
	struct mm_struct *mm = vma->vm_mm;
	struct page_vma_mapped_walk pvmw = {
		.pfn = folio_pfn(src),
		.nr_pages = (unsigned long)folio_nr_pages(src),
		.pgoff = dst->index,
		.vma = vma,
		.address = address,
		.flags = PVMW_MIGRATION,
	};

	while (page_vma_mapped_walk(&pvmw)) {
		swp_entry_t entry = pte_to_swp_entry(ptep_get(pvmw.pte));
		unsigned long idx = swp_offset_pfn(entry) - folio_pfn(src);
		struct page *new = folio_page(dst, idx);
		pte_t pte = pte_mkyoung(mk_pte(new, __pgprot(READ_ONCE(vma->vm_page_prot.pgprot))));

		folio_get(dst);
		if (is_writable_migration_entry(entry))
			pte = pte_mkwrite(pte);
		if (is_migration_entry_dirty(entry))
			pte = pte_mkdirty(pte);
		if (folio_test_anon(dst))
			folio_add_anon_rmap_pte(dst, new, vma, pvmw.address,
						is_writable_migration_entry(entry) ||
						is_readable_exclusive_migration_entry(entry));
		else
			folio_add_file_rmap_pte(dst, new, vma);
		set_pte_at(mm, pvmw.address, pvmw.pte, pte);
	}
	return true;
}

/* Point the migration entries for @src at @dst (which may be @src: undo). */
void remove_migration_ptes(struct folio *src, struct folio *dst)
{
	struct rmp_arg a = { .src = src };
	/* Every caller holds the anon_vma across the migration. */
	struct rmap_walk_control rwc = { .arg = &a, .rmap_one = remove_migration_pte,
					 .anon_vma_held = true };

	rmap_walk(dst, &rwc);
}

void migration_entry_wait(struct mm_struct *mm, pmd_t *pmd, unsigned long address)
{
	spinlock_t *ptl;
	pte_t *pte = pte_offset_map_lock(mm, pmd, address, &ptl);
	struct folio *folio;
	pte_t entry;

	if (!pte)
		return;
	entry = ptep_get(pte);
	if (!is_migration_pte(entry)) {
		pte_unmap_unlock(pte, ptl);
		return;
	}
	folio = page_folio(pfn_swap_entry_to_page(pte_to_swp_entry(entry)));
	if (!folio_try_get(folio)) {
		/* Frozen by the migration: it will be done soon. */
		pte_unmap_unlock(pte, ptl);
		sched_yield();
		return;
	}
	pte_unmap_unlock(pte, ptl);
	mm_trace("migration_entry_wait", "mm=%s addr=%#lx pfn=%#lx", mm->owner, address,
		 folio_pfn(folio));
	folio_wait_bit(folio, PG_locked);
	folio_put(folio);
}

void folio_migrate_flags(struct folio *dst, struct folio *src)
{
	static const int flags[] = {
		PG_referenced, PG_active, PG_workingset, PG_checked, PG_swapbacked,
		PG_unevictable, PG_mappedtodisk, PG_private_2,
	};

	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (test_bit(flags[i], &src->flags))
			set_bit(flags[i], &dst->flags);
	if (folio_test_clear_dirty(src))
		folio_set_dirty(dst);
	if (folio_test_uptodate(src))
		folio_mark_uptodate(dst);
	clear_bit(PG_active, &src->flags);
	clear_bit(PG_unevictable, &src->flags);
}

int migrate_folio_to(struct folio *src, gfp_t gfp, struct folio **dstp)
{
	struct address_space *mapping;
	struct anon_vma *av = NULL;
	struct folio *dst;
	unsigned int order;
	bool anon, was_mapped, isolated = false;
	long nr;
	int rc;

	if (!src || folio_is_zone_device(src) || is_zero_folio(src))
		return -EINVAL;
	if (folio_test_hugetlb(src))
		return migrate_hugetlb_folio(src, gfp, dstp);
	order = folio_order(src);
	nr = folio_nr_pages(src);
	anon = folio_test_anon(src);
	mapping = folio_mapping(src);
	if (!anon && mapping && (!mapping->a_ops || !mapping->a_ops->migrate_folio))
		return -EINVAL;
	dst = folio_alloc(gfp | (order ? __GFP_COMP : 0), order);
	if (!dst) {
		mod_node_page_state(PGMIGRATE_FAIL, nr);
		return -ENOMEM;
	}
	folio_lock(src);
	folio_wait_writeback(src);
	/* Re-read under the lock: truncation may have taken it out of the cache. */
	mapping = anon ? NULL : folio_mapping(src);
	if (anon) {
		av = anon_vma_get_folio(src);
		if (!av && folio_mapped(src)) {
			rc = -EAGAIN;
			goto unlock;
		}
	}
	if (folio_isolate_lru_hook)
		isolated = folio_isolate_lru_hook(src);
	was_mapped = folio_mapped(src);
	if (was_mapped && !try_to_migrate(src)) {
		rc = -EAGAIN;
		goto restore;
	}
	if (!folio_trylock(dst)) {
		rc = -EAGAIN;
		goto restore;
	}
	dst->index = src->index;
	if (mapping) {
		WRITE_ONCE(dst->mapping, mapping);
		/* Freezes src at 1 + cache (+ private), moves the slot, or -EAGAIN. */
		rc = mapping->a_ops->migrate_folio(mapping, dst, src);
		if (rc) {
			WRITE_ONCE(dst->mapping, NULL);
			folio_unlock(dst);
			goto restore;
		}
		folio_copy(dst, src);
		folio_migrate_flags(dst, src);
	} else {
		/* An anon folio in the swap cache: the cache's references move with it. */
		bool swapcache = anon && folio_test_swapcache(src);

		/* Only the caller's reference may remain: anything else is a pin or a GUP. */
		if (!folio_ref_freeze(src, 1 + (swapcache ? (int)nr : 0))) {
			folio_unlock(dst);
			rc = -EAGAIN;
			goto restore;
		}
		folio_copy(dst, src);
		folio_migrate_flags(dst, src);
		if (swapcache) {
			folio_ref_add(dst, (int)nr);
			swap_cache_migrate(dst, src);
		}
		if (anon) {
			__atomic_store_n((unsigned long *)&dst->mapping,
					 (unsigned long)src->mapping, __ATOMIC_RELEASE);
			/* __folio_migrate_mapping(): the new folio counts in its size's nr_anon. */
			mod_mthp_stat((int)order, MTHP_STAT_NR_ANON, 1);
		}
		folio_ref_unfreeze(src, 1);
	}
	race_point(RACE_MIGRATE, src);
	if (was_mapped)
		remove_migration_ptes(src, dst);
	/* migrate_folio_move(): a partially mapped source queues its copy instead. */
	if (folio_test_partially_mapped(src) && folio_unqueue_deferred_split(src))
		deferred_split_folio(dst, true);
	folio_unlock(dst);
	folio_unlock(src);
	lru_add_new(dst);
	if (dstp)
		*dstp = dst;
	mod_node_page_state(PGMIGRATE_SUCCESS, nr);
	mm_trace("migrate", "pfn=%#lx -> pfn=%#lx order=%u %s", folio_pfn(src), folio_pfn(dst),
		 order, anon ? "anon" : "file");
	folio_put(dst);		/* the allocation's; mappings and cache hold theirs */
	if (av)
		anon_vma_put(av);
	return 0;

restore:
	if (was_mapped)
		remove_migration_ptes(src, src);
	if (isolated && folio_add_lru_hook)
		folio_add_lru_hook(src);
unlock:
	folio_unlock(src);
	folio_put(dst);
	if (av)
		anon_vma_put(av);
	mod_node_page_state(PGMIGRATE_FAIL, nr);
	mm_trace("migrate", "pfn=%#lx refused: %d (refcount %d)", folio_pfn(src), rc,
		 folio_ref_count(src));
	return rc;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

static int collect_add(struct folio ***v, size_t *n, size_t *cap, struct folio *folio)
{
	if (*n && (*v)[*n - 1] == folio)
		return 0;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct folio **nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	if (!folio_try_get(folio))
		return 0;
	(*v)[(*n)++] = folio;
	return 0;
}

long migrate_range(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long end, addr;
	struct folio **v = NULL;
	size_t n = 0, cap = 0, u = 0;
	bool any_vma = false;
	long done = 0;
	int err = 0;

	if (!mm || !len || (start & ~PAGE_MASK) || start + len < start || start + len > TASK_SIZE)
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	mmap_read_lock(mm);
	for (addr = start; addr < end && !err;) {
		struct vm_area_struct *vma = find_vma_intersection(mm, addr, end);
		unsigned long vend;

		if (!vma)
			break;
		any_vma = true;
		if (addr < vma->vm_start)
			addr = vma->vm_start;
		vend = vma->vm_end < end ? vma->vm_end : end;
		for (; addr < vend && !err; addr += PAGE_SIZE) {
			pmd_t *pmd = mm_find_pmd(mm, addr);
			pmd_t pmdv;
			pte_t *pte;
			struct folio *folio = NULL;

			if (!pmd)
				continue;
			pmdv = pmdp_get(pmd);
			if (pmd_leaf(pmdv)) {
				folio = vm_normal_folio_pmd(vma, addr, pmdv);
			} else {
				pte = pte_offset_map(pmd, addr);
				if (!pte)
					continue;
				folio = vm_normal_folio(vma, addr, ptep_get(pte));
				/* Hold it before leaving RCU, or it could be freed under us. */
				if (folio && !folio_is_zone_device(folio))
					err = collect_add(&v, &n, &cap, folio);
				pte_unmap(pte);
				continue;
			}
			if (folio && !folio_is_zone_device(folio))
				err = collect_add(&v, &n, &cap, folio);
		}
	}
	mmap_read_unlock(mm);
	if (n)
		qsort(v, n, sizeof(*v), cmp_ptr);
	for (size_t i = 0; i < n; i++) {
		if (i && v[i] == v[i - 1]) {
			folio_put(v[i]);
			continue;
		}
		u++;
		if (!err && migrate_folio_to(v[i], GFP_HIGHUSER_MOVABLE, NULL) == 0)
			done++;
		folio_put(v[i]);
	}
	free(v);
	(void)u;
	if (err)
		return err;
	if (!any_vma)
		return -EFAULT;
	return done;
}
