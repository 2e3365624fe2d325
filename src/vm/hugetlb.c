/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hugetlb: faults (hugetlb_fault, hugetlb_no_page), COW and unshare
 * (hugetlb_wp), fork (copy_hugetlb_page_range), zap, and the hugetlbfs inode
 * behind every VM_HUGETLB VMA. Each huge page is one leaf entry, a PMD for
 * the 2 MiB hstate, a PUD for the 1 GiB one (huge_pte_offset(); both read
 * through pmd_t): one code path, sized by the VMA's hstate. A folio's
 * mappings are counted in _entire_mapcount and _large_mapcount
 * (hugetlb_add_*_rmap), its pins in _pincount, as for any large folio.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <pinmm/vm/hugetlb.h>
#include "internal.h"

struct hugetlbfs_inode {
	struct address_space mapping;
	struct file file;		/* an unlinked inode has exactly one file */
	pthread_mutex_t lock;		/* pages[]: the page cache (i_pages) */
	/*
	 * Model: one fault mutex per inode instead of mainline's
	 * hugetlb_fault_mutex_table hashed by (mapping, index): faults on one
	 * file serialise, so two never allocate the same page twice.
	 */
	pthread_mutex_t fault_mutex;
	struct hstate *h;		/* the mount's pagesize (hstate_inode()) */
	unsigned long nr;		/* the file's size, in huge pages */
	struct folio **pages;		/* indexed by huge page */
	/* HUGETLBFS_I()->seals and the inode's mode: what fs/memfd.c keeps for a memfd. */
	struct hugetlbfs_memfd memfd;
};

static const struct file_operations hugetlbfs_file_operations;

bool is_file_hugepages(const struct file *file)
{
	return file && file->f_op == &hugetlbfs_file_operations;
}

static struct hugetlbfs_inode *vma_hugetlb_inode(struct vm_area_struct *vma)
{
	return vma->vm_file->private_data;
}

struct hstate *hstate_vma(struct vm_area_struct *vma)
{
	return vma_hugetlb_inode(vma)->h;
}

/* The page-cache index of @haddr, in huge pages (vma_hugecache_offset()). */
static pgoff_t vma_hugecache_offset(struct hstate *h, struct vm_area_struct *vma,
				    unsigned long haddr)
{
	return linear_page_index(vma, haddr) >> huge_page_order(h);
}

/* ---- rmap (include/linux/rmap.h's hugetlb_*_rmap: the entire mapcount only) ---- */

static void hugetlb_add_new_anon_rmap(struct folio *folio, struct vm_area_struct *vma,
				      unsigned long haddr)
{
	atomic_store(&folio->_entire_mapcount, 0);
	/* _large_mapcount counts the same mapping (6.11+: folio_mapcount() reads it). */
	atomic_store(&folio->_large_mapcount, 0);
	WRITE_ONCE(folio->index, linear_page_index(vma, haddr));
	/* Published last: a reader seeing PAGE_MAPPING_ANON sees the index. */
	__atomic_store_n((unsigned long *)&folio->mapping,
			 (unsigned long)vma->anon_vma | PAGE_MAPPING_ANON, __ATOMIC_RELEASE);
	SetPageAnonExclusive(&folio->page);
}

static void hugetlb_add_rmap(struct folio *folio)
{
	atomic_fetch_add(&folio->_entire_mapcount, 1);
	atomic_fetch_add(&folio->_large_mapcount, 1);
}

static void hugetlb_remove_rmap(struct folio *folio)
{
	atomic_fetch_sub(&folio->_entire_mapcount, 1);
	atomic_fetch_sub(&folio->_large_mapcount, 1);
	VM_BUG_ON_FOLIO(atomic_load(&folio->_entire_mapcount) < -1, folio);
}

/* make_huge_pte(): young, and writable and dirty when asked. */
static pmd_t make_huge_pmd(struct vm_area_struct *vma, struct folio *folio, bool writable)
{
	pmd_t entry = pmd_mkyoung(pmd_mkhuge(pfn_pmd(folio_pfn(folio), vma->vm_page_prot)));

	return writable ? pmd_mkdirty(pmd_mkwrite(entry)) : pmd_wrprotect(entry);
}

static bool is_hugetlb_migration_pmd(pmd_t pmd)
{
	return !pmd_none(pmd) && !pmd_present(pmd) && is_migration_pte(__pte(pmd_val(pmd)));
}

/* A new pool folio with zeroes, or NULL (the pool is empty). */
static struct folio *alloc_hugetlb_folio_zeroed(struct hstate *h)
{
	struct folio *folio = dequeue_hugetlb_folio(h, htlb_alloc_mask(h));

	if (!folio)
		return NULL;
	if (hstate_is_gigantic(h))
		folio_zero_gigantic(folio);
	else
		memset(folio_address(folio), 0, huge_page_size(h));
	folio_mark_uptodate(folio);
	return folio;
}

void copy_hugetlb_folio(struct folio *dst, struct folio *src)
{
	if (folio_order(src) > MAX_PAGE_ORDER)
		folio_copy_gigantic(dst, src);
	else
		folio_copy(dst, src);
	folio_mark_uptodate(dst);
}

/* ---- Faults ---- */

/*
 * hugetlb_wp(): a write (or unshare) fault on a read-only huge PMD, with its
 * lock held (released here). The reuse rule is the mapcount, in every
 * release: mainline keeps it rather than the refcount so that fork()+exit()
 * users do not run out of pool pages on a temporary reference.
 */
static vm_fault_t hugetlb_wp(struct vm_area_struct *vma, pmd_t *pmd, unsigned long haddr,
			     pmd_t orig, spinlock_t *ptl, bool unshare)
{
	struct mm_struct *mm = vma->vm_mm;
	struct hstate *h = hstate_vma(vma);
	unsigned long vm_flags = READ_ONCE(vma->vm_flags), sz = huge_page_size(h);
	struct mmu_notifier_range range;
	struct folio *old, *new;
	bool done = false;

	/* Mainline WARNs: hugetlb has no FOLL_FORCE write into a read-only PTE. */
	if (WARN_ON_ONCE(!unshare && !(vm_flags & VM_WRITE))) {
		spin_unlock(ptl);
		return VM_FAULT_SIGSEGV;
	}
	if (vm_flags & VM_MAYSHARE) {
		pmdp_modify(pmd, 0, _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
		spin_unlock(ptl);
		return 0;
	}
	old = page_folio(pmd_page(orig));
	/*
	 * Mainline asks the mapcount alone: an exclusive folio has mapcount 1
	 * there (it BUGs otherwise, below). Model: PageAnonExclusive is asked
	 * first, which is the same for every mainline tracker, so that a design
	 * counting pins in the mapcount (seed 004) does not read as shared.
	 */
	if (folio_test_anon(old) &&
	    ((kernel_has(KSW_ANON_EXCLUSIVE) && PageAnonExclusive(&old->page)) ||
	     folio_mapcount(old) == 1)) {
		if (kernel_has(KSW_ANON_EXCLUSIVE) && !PageAnonExclusive(&old->page))
			SetPageAnonExclusive(&old->page);
		if (!unshare)
			pmdp_modify(pmd, 0, _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
		spin_unlock(ptl);
		mm_trace("hugetlb_wp", "mm=%s addr=%#lx reuse pfn=%#lx%s", mm->owner, haddr,
			 folio_pfn(old), unshare ? " (unshare)" : "");
		return 0;
	}
	VM_BUG_ON_FOLIO(kernel_has(KSW_ANON_EXCLUSIVE) && folio_test_anon(old) &&
			PageAnonExclusive(&old->page), old);
	folio_get(old);
	spin_unlock(ptl);

	/*
	 * Model: when the pool is empty mainline lets the mapping's owner take the
	 * page from its children (unmap_ref_private(), with the reservation it
	 * holds); pinmm has no reservations, so the fault gets SIGBUS.
	 */
	if (anon_vma_prepare(vma)) {
		folio_put(old);
		return VM_FAULT_OOM;
	}
	new = dequeue_hugetlb_folio(h, htlb_alloc_mask(h));
	if (!new) {
		folio_put(old);
		return VM_FAULT_SIGBUS;
	}
	copy_hugetlb_folio(new, old);

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, haddr, haddr + sz);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	ptl = pmd_lock(mm, pmd);
	if (pmd_same(pmdp_get(pmd), orig)) {
		pmdp_huge_get_and_clear(mm, haddr, pmd);
		flush_tlb_range(vma, haddr, haddr + sz);
		hugetlb_add_new_anon_rmap(new, vma, haddr);
		hugetlb_remove_rmap(old);
		set_pmd_at(mm, haddr, pmd, make_huge_pmd(vma, new, !unshare));
		done = true;
	}
	spin_unlock(ptl);
	mmu_notifier_invalidate_range_end(&range);
	if (done) {
		mm_trace("hugetlb_wp", "mm=%s addr=%#lx copy pfn=%#lx -> pfn=%#lx%s", mm->owner,
			 haddr, folio_pfn(old), folio_pfn(new), unshare ? " (unshare)" : "");
		folio_put(old);		/* the old mapping's reference */
	} else {
		folio_put(new);
	}
	folio_put(old);
	return 0;
}

/* The page-cache folio at @idx with a reference, or NULL. */
static struct folio *hugetlbfs_find_folio(struct hugetlbfs_inode *hi, pgoff_t idx)
{
	struct folio *folio;

	pthread_mutex_lock(&hi->lock);
	folio = idx < hi->nr ? hi->pages[idx] : NULL;
	if (folio)
		folio_get(folio);
	pthread_mutex_unlock(&hi->lock);
	return folio;
}

/* hugetlb_add_to_page_cache(): the cache takes its own reference. */
static void hugetlbfs_add_folio(struct hugetlbfs_inode *hi, struct folio *folio, pgoff_t idx)
{
	WRITE_ONCE(folio->index, idx << huge_page_order(hi->h));
	WRITE_ONCE(folio->mapping, &hi->mapping);
	folio_get(folio);
	hi->pages[idx] = folio;
	atomic_fetch_add(&hi->mapping.nrpages, folio_nr_pages(folio));
}

/* hugetlb_no_page(): nothing mapped at @haddr. The fault mutex is held. */
static vm_fault_t hugetlb_no_page(struct vm_area_struct *vma, pmd_t *pmd, unsigned long haddr,
				  unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct hugetlbfs_inode *hi = vma_hugetlb_inode(vma);
	unsigned long vm_flags = READ_ONCE(vma->vm_flags);
	pgoff_t idx = vma_hugecache_offset(hi->h, vma, haddr);
	bool shared = vm_flags & VM_MAYSHARE, anon = false, cow;
	struct folio *folio;
	spinlock_t *ptl;
	pmd_t entry;

	if (idx >= hi->nr)
		return VM_FAULT_SIGBUS;
	folio = hugetlbfs_find_folio(hi, idx);
	if (!folio) {
		if (!shared && anon_vma_prepare(vma))
			return VM_FAULT_OOM;
		folio = alloc_hugetlb_folio_zeroed(hi->h);
		if (!folio)
			return VM_FAULT_SIGBUS;
		if (shared) {
			pthread_mutex_lock(&hi->lock);
			hugetlbfs_add_folio(hi, folio, idx);
			pthread_mutex_unlock(&hi->lock);
		} else {
			anon = true;
		}
	}
	/* A private mapping's first write to the file's page copies it now. */
	cow = !shared && !anon && (flags & FAULT_FLAG_WRITE);

	ptl = pmd_lock(mm, pmd);
	if (!pmd_none(pmdp_get(pmd))) {
		spin_unlock(ptl);
		folio_put(folio);
		return VM_FAULT_RETRY;
	}
	if (anon)
		hugetlb_add_new_anon_rmap(folio, vma, haddr);
	else
		hugetlb_add_rmap(folio);
	/*
	 * Writable at once only in a shared writable mapping; a new anonymous
	 * folio of a write fault is exclusive, and mainline's hugetlb_wp() call
	 * right after makes it writable: done here in one step.
	 */
	entry = make_huge_pmd(vma, folio, (vm_flags & VM_WRITE) &&
			      (shared || (anon && (flags & FAULT_FLAG_WRITE))));
	set_pmd_at(mm, haddr, pmd, entry);
	mm_trace("fault", "mm=%s addr=%#lx flags=%s -> hugetlb %s pfn=%#lx", mm->owner, haddr,
		 (flags & FAULT_FLAG_WRITE) ? "write" : "read", anon ? "anon" : "file",
		 folio_pfn(folio));
	if (cow)
		return hugetlb_wp(vma, pmd, haddr, entry, ptl, false);
	spin_unlock(ptl);
	return 0;
}

/* A migration entry: wait on the folio lock the migration holds. */
static void hugetlb_migration_entry_wait(struct mm_struct *mm, pmd_t *pmd)
{
	spinlock_t *ptl = pmd_lock(mm, pmd);
	pmd_t entry = pmdp_get(pmd);
	struct folio *folio;

	if (!is_hugetlb_migration_pmd(entry)) {
		spin_unlock(ptl);
		return;
	}
	folio = page_folio(pfn_swap_entry_to_page(pte_to_swp_entry(__pte(pmd_val(entry)))));
	if (!folio_try_get(folio)) {
		spin_unlock(ptl);
		sched_yield();
		return;
	}
	spin_unlock(ptl);
	folio_wait_bit(folio, PG_locked);
	folio_put(folio);
}

vm_fault_t hugetlb_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct hugetlbfs_inode *hi = vma_hugetlb_inode(vma);
	unsigned long haddr = address & huge_page_mask(hi->h);
	vm_fault_t ret = 0;
	spinlock_t *ptl;
	pmd_t *pmd, entry;

	pmd = huge_pte_alloc(mm, haddr, huge_page_size(hi->h));
	if (!pmd)
		return VM_FAULT_OOM;
	pthread_mutex_lock(&hi->fault_mutex);
	entry = pmdp_get(pmd);
	if (is_hugetlb_migration_pmd(entry)) {
		pthread_mutex_unlock(&hi->fault_mutex);
		hugetlb_migration_entry_wait(mm, pmd);
		return VM_FAULT_RETRY;
	}
	if (pmd_none(entry)) {
		ret = hugetlb_no_page(vma, pmd, haddr, flags);
		pthread_mutex_unlock(&hi->fault_mutex);
		return ret;
	}
	/* A page table where a huge page belongs: a leftover the model must not map over. */
	if (WARN_ON_ONCE(pmd_present(entry) && !pmd_leaf(entry))) {
		pthread_mutex_unlock(&hi->fault_mutex);
		return VM_FAULT_SIGBUS;
	}
	ptl = pmd_lock(mm, pmd);
	if (!pmd_same(pmdp_get(pmd), entry)) {
		spin_unlock(ptl);
		ret = VM_FAULT_RETRY;
	} else if ((flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) && !pmd_write(entry)) {
		ret = hugetlb_wp(vma, pmd, haddr, entry, ptl, flags & FAULT_FLAG_UNSHARE);
	} else {
		pmdp_modify(pmd, 0, _PAGE_ACCESSED | ((flags & FAULT_FLAG_WRITE) ? _PAGE_DIRTY : 0));
		spin_unlock(ptl);
	}
	pthread_mutex_unlock(&hi->fault_mutex);
	return ret;
}

/* ---- fork ---- */

/*
 * Must the child get its own copy of this anon folio? From 5.19 an exclusive
 * folio that may be pinned; 5.12-5.18 any folio that may be pinned; before
 * 5.12 (4eae4efa2c29) never: the child shared it and the parent's next write
 * copied the parent away from the page the device used.
 */
static bool hugetlb_fork_must_copy(struct vm_area_struct *src_vma, struct folio *folio)
{
	if (kernel_has(KSW_ANON_EXCLUSIVE))
		return PageAnonExclusive(&folio->page) && folio_needs_cow_for_dma(src_vma, folio);
	return kernel_has(KSW_HUGETLB_FORK_COPIES_PINNED) && folio_needs_cow_for_dma(src_vma, folio);
}

int copy_hugetlb_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	struct mm_struct *src_mm = src_vma->vm_mm, *dst_mm = dst_vma->vm_mm;
	struct hstate *h = hstate_vma(src_vma);
	unsigned long sz = huge_page_size(h);
	bool cow = is_cow_mapping(src_vma->vm_flags);
	struct mmu_notifier_range range;
	struct folio *prealloc = NULL;
	int ret = 0;

	if (cow) {
		mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_PAGE, 0, src_mm,
					src_vma->vm_start, src_vma->vm_end);
		range.vma = src_vma;
		mmu_notifier_invalidate_range_start(&range);
		raw_write_seqcount_begin(&src_mm->write_protect_seq);
	}
	for (unsigned long a = src_vma->vm_start; a < src_vma->vm_end && !ret; ) {
		pmd_t *src_pmd = huge_pte_offset(src_mm, a, sz), *dst_pmd;
		spinlock_t *src_ptl, *dst_ptl;
		struct folio *folio;
		pmd_t v;

		if (!src_pmd || pmd_none(pmdp_get(src_pmd))) {
			a += sz;
			continue;
		}
		dst_pmd = huge_pte_alloc(dst_mm, a, sz);
		if (!dst_pmd) {
			ret = -ENOMEM;
			break;
		}
		src_ptl = pmd_lock(src_mm, src_pmd);
		dst_ptl = pmd_lock(dst_mm, dst_pmd);
		v = pmdp_get(src_pmd);
		if (pmd_none(v)) {
			/* zapped meanwhile */
		} else if (is_hugetlb_migration_pmd(v)) {
			swp_entry_t e = pte_to_swp_entry(__pte(pmd_val(v)));

			if (cow && swp_type(e) != SWP_MIGRATION_READ) {
				swp_entry_t r = make_readable_migration_entry(swp_offset_pfn(e));

				r.val |= e.val & (SWP_DIRTY | SWP_ANON);
				v = __pmd(pte_val(swp_entry_to_pte(r)));
				set_pmd_at(src_mm, a, src_pmd, v);
			}
			set_pmd_at(dst_mm, a, dst_pmd, v);
		} else {
			folio = page_folio(pmd_page(v));
			if (folio_test_anon(folio) && hugetlb_fork_must_copy(src_vma, folio)) {
				if (!prealloc) {
					spin_unlock(dst_ptl);
					spin_unlock(src_ptl);
					prealloc = dequeue_hugetlb_folio(h, htlb_alloc_mask(h));
					if (!prealloc)
						ret = -ENOMEM;
					continue;	/* look again with a folio in hand */
				}
				copy_hugetlb_folio(prealloc, folio);
				hugetlb_add_new_anon_rmap(prealloc, dst_vma, a);
				set_pmd_at(dst_mm, a, dst_pmd,
					   make_huge_pmd(dst_vma, prealloc, dst_vma->vm_flags & VM_WRITE));
				mm_trace("copy_hugetlb_page_range", "child=%s addr=%#lx pfn=%#lx -> child pfn=%#lx",
					 dst_mm->owner, a, folio_pfn(folio), folio_pfn(prealloc));
				prealloc = NULL;
			} else {
				/* hugetlb_try_dup_anon_rmap(): the child shares it, neither owns it alone. */
				if (folio_test_anon(folio) && kernel_has(KSW_ANON_EXCLUSIVE))
					ClearPageAnonExclusive(&folio->page);
				folio_get(folio);
				hugetlb_add_rmap(folio);
				if (cow && pmd_write(v)) {
					pmdp_set_wrprotect(src_mm, a, src_pmd);
					v = pmd_wrprotect(v);
				}
				set_pmd_at(dst_mm, a, dst_pmd, v);
			}
		}
		spin_unlock(dst_ptl);
		spin_unlock(src_ptl);
		a += sz;
	}
	if (prealloc)
		folio_put(prealloc);
	if (cow) {
		raw_write_seqcount_end(&src_mm->write_protect_seq);
		flush_tlb_mm(src_mm);
		mmu_notifier_invalidate_range_end(&range);
	}
	return ret;
}

/* ---- zap ---- */

void unmap_hugepage_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long sz = huge_page_size(hstate_vma(vma));

	start = ALIGN_UP(start, sz);
	end &= ~(sz - 1);
	for (unsigned long a = start; a < end; a += sz) {
		pmd_t *pmd = huge_pte_offset(mm, a, sz);
		struct folio *folio;
		spinlock_t *ptl;
		pmd_t old;

		if (!pmd || pmd_none(pmdp_get(pmd)))
			continue;
		ptl = pmd_lock(mm, pmd);
		old = pmdp_huge_get_and_clear(mm, a, pmd);
		spin_unlock(ptl);
		flush_tlb_range(vma, a, a + sz);
		/* A migration entry holds no reference: the migration restores nothing here. */
		if (!pmd_leaf(old))
			continue;
		folio = page_folio(pmd_page(old));
		if (pmd_dirty(old) && !folio_test_anon(folio))
			folio_mark_dirty(folio);
		hugetlb_remove_rmap(folio);
		mm_trace("zap", "mm=%s start=%#lx hugetlb pfn=%#lx", mm->owner, a, folio_pfn(folio));
		folio_put(folio);
	}
}

/* ---- mprotect ---- */

void hugetlb_change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end,
			       pgprot_t newprot)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long sz = huge_page_size(hstate_vma(vma));
	bool may_write = READ_ONCE(vma->vm_flags) & VM_WRITE;

	for (unsigned long a = ALIGN_DOWN(start, sz); a < end; a += sz) {
		pmd_t *pmd = huge_pte_offset(mm, a, sz);
		spinlock_t *ptl;
		pmd_t old;

		if (!pmd || pmd_none(pmdp_get(pmd)))
			continue;
		ptl = pmd_lock(mm, pmd);
		old = pmdp_get(pmd);
		if (is_hugetlb_migration_pmd(old)) {
			swp_entry_t e = pte_to_swp_entry(__pte(pmd_val(old)));

			/* A writable migration entry comes back read-only (readable exclusive for anon). */
			if (!may_write && is_writable_migration_entry(e)) {
				swp_entry_t r = (e.val & SWP_ANON) ?
					make_readable_exclusive_migration_entry(swp_offset_pfn(e)) :
					make_readable_migration_entry(swp_offset_pfn(e));

				r.val |= e.val & (SWP_DIRTY | SWP_ANON);
				set_pmd_at(mm, a, pmd, __pmd(pte_val(swp_entry_to_pte(r))));
			}
		} else if (pmd_leaf(old)) {
			pmd_t entry = pmd_modify(old, newprot);

			/* mprotect never grants write by itself: a later fault decides. */
			if (!pmd_write(old))
				entry = pmd_wrprotect(entry);
			set_pmd_at(mm, a, pmd, entry);
			flush_tlb_range(vma, a, a + sz);
		}
		spin_unlock(ptl);
	}
}

/* ---- hugetlbfs ---- */

static bool hugetlbfs_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	(void)mapping;
	return !folio_test_set_dirty(folio);
}

static void hugetlbfs_release(struct file *file)
{
	struct hugetlbfs_inode *hi = file->private_data;

	/* remove_inode_hugepages(): the cache lets go; a pinned folio lives on unmapped. */
	for (unsigned long i = 0; i < hi->nr; i++) {
		struct folio *folio = hi->pages[i];

		if (!folio)
			continue;
		WARN_ON_ONCE(folio_mapped(folio));
		WRITE_ONCE(folio->mapping, NULL);
		folio_put(folio);
	}
	free(hi->pages);
	pthread_mutex_destroy(&hi->lock);
	pthread_mutex_destroy(&hi->fault_mutex);
	pthread_mutex_destroy(&hi->mapping.i_pages_lock);
	pthread_mutex_destroy(&hi->mapping.private_lock);
	pthread_rwlock_destroy(&hi->mapping.i_mmap_rwsem);
	pthread_rwlock_destroy(&hi->mapping.invalidate_lock);
	free(hi);
}

static const char *hugetlb_vma_name(struct vm_area_struct *vma)
{
	(void)vma;
	return "/anon_hugepage (deleted)";
}

/* No ->fault: handle_mm_fault() sends VM_HUGETLB VMAs to hugetlb_fault(). */
static const struct vm_operations_struct hugetlb_vm_ops = {
	.name = hugetlb_vma_name,
};

static int hugetlbfs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct hstate *h = hstate_file(file);

	if (!IS_ALIGNED(vma->vm_pgoff, pages_per_huge_page(h)) ||
	    !IS_ALIGNED(vma->vm_start, huge_page_size(h)) || !IS_ALIGNED(vma->vm_end, huge_page_size(h)))
		return -EINVAL;
	vma->vm_flags |= VM_HUGETLB | VM_DONTEXPAND;
	vma->vm_ops = &hugetlb_vm_ops;
	return 0;
}

static const struct address_space_operations hugetlbfs_aops = {
	.dirty_folio = hugetlbfs_dirty_folio,
};

/* memfd_check_seals_mmap() for a hugetlb memfd: the same rule (vm/mm.h). */
static int hugetlbfs_check_seals_mmap(struct file *file, unsigned long *vm_flags)
{
	struct hugetlbfs_inode *hi = file->private_data;

	return seal_check_mmap_flags(READ_ONCE(hi->memfd.seals), vm_flags);
}

static const struct file_operations hugetlbfs_file_operations = {
	.mmap = hugetlbfs_file_mmap,
	.release = hugetlbfs_release,
	.check_mmap_flags = hugetlbfs_check_seals_mmap,
};

struct hugetlbfs_memfd *hugetlbfs_file_memfd(struct file *file)
{
	return is_file_hugepages(file) ? &((struct hugetlbfs_inode *)file->private_data)->memfd : NULL;
}

size_t hugetlbfs_get_folios(struct file *file, struct folio ***out)
{
	struct hugetlbfs_inode *hi = file->private_data;
	size_t n = 0;

	*out = calloc(hi->nr ? hi->nr : 1, sizeof(**out));
	if (!*out)
		return 0;
	pthread_mutex_lock(&hi->lock);
	for (unsigned long i = 0; i < hi->nr; i++) {
		if (hi->pages[i]) {
			folio_get(hi->pages[i]);
			(*out)[n++] = hi->pages[i];
		}
	}
	pthread_mutex_unlock(&hi->lock);
	return n;
}

struct hstate *hstate_file(struct file *file)
{
	return ((struct hugetlbfs_inode *)file->private_data)->h;
}

struct file *hugetlb_file_setup(unsigned long size, struct hstate *h)
{
	struct hugetlbfs_inode *hi = calloc(1, sizeof(*hi));

	if (!hi)
		return NULL;
	hi->h = h ? h : &default_hstate;
	hi->nr = ALIGN_UP(size, huge_page_size(hi->h)) >> (huge_page_order(hi->h) + PAGE_SHIFT);
	hi->pages = calloc(hi->nr ? hi->nr : 1, sizeof(*hi->pages));
	if (!hi->pages) {
		free(hi);
		return NULL;
	}
	pthread_mutex_init(&hi->lock, NULL);
	pthread_mutex_init(&hi->fault_mutex, NULL);
	address_space_init_once(&hi->mapping);
	hi->mapping.host = hi;
	hi->mapping.a_ops = &hugetlbfs_aops;
	set_bit(AS_UNEVICTABLE, &hi->mapping.flags);
	hi->file.f_mapping = &hi->mapping;
	hi->file.f_op = &hugetlbfs_file_operations;
	hi->file.private_data = hi;
	atomic_init(&hi->file.f_count, 1);
	hi->file.f_mode = FMODE_READ | FMODE_WRITE;
	/* hugetlbfs_get_inode(): sealing is refused until memfd_create() lifts F_SEAL_SEAL. */
	hi->memfd.seals = F_SEAL_SEAL;
	hi->memfd.mode = S_IFREG | 0777;
	return &hi->file;
}

int hugetlbfs_fallocate(struct file *file, unsigned long offset, unsigned long len)
{
	struct hugetlbfs_inode *hi;
	unsigned long first, last;
	int ret = 0;

	if (!is_file_hugepages(file))
		return -EINVAL;
	hi = file->private_data;
	first = offset / huge_page_size(hi->h);
	last = ALIGN_UP(offset + len, huge_page_size(hi->h)) / huge_page_size(hi->h);
	if (last > hi->nr || last < first)
		return -EINVAL;
	pthread_mutex_lock(&hi->fault_mutex);
	for (unsigned long i = first; i < last && !ret; i++) {
		struct folio *folio;

		pthread_mutex_lock(&hi->lock);
		folio = hi->pages[i];
		pthread_mutex_unlock(&hi->lock);
		if (folio)
			continue;
		folio = alloc_hugetlb_folio_zeroed(hi->h);
		if (!folio) {
			ret = -ENOSPC;
			break;
		}
		pthread_mutex_lock(&hi->lock);
		hugetlbfs_add_folio(hi, folio, i);
		pthread_mutex_unlock(&hi->lock);
		folio_put(folio);	/* the cache keeps its own */
	}
	pthread_mutex_unlock(&hi->fault_mutex);
	return ret;
}

int hugetlbfs_replace_folio(struct address_space *mapping, struct folio *src, struct folio *dst)
{
	struct hugetlbfs_inode *hi = mapping->host;
	pgoff_t idx = src->index >> huge_page_order(hi->h);
	int rc = -EAGAIN;

	pthread_mutex_lock(&hi->lock);
	if (idx < hi->nr && hi->pages[idx] == src) {
		WRITE_ONCE(dst->index, src->index);
		WRITE_ONCE(dst->mapping, mapping);
		folio_get(dst);
		hi->pages[idx] = dst;
		WRITE_ONCE(src->mapping, NULL);
		rc = 0;
	}
	pthread_mutex_unlock(&hi->lock);
	return rc;
}
