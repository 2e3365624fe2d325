/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The slow path: walk the page tables under mmap_lock and the page-table
 * locks, take each page, and fault in (or unshare) whatever is missing.
 */
#include <sched.h>
#include <pinmm/gup/unshare.h>
#include <pinmm/devmap/memremap.h>
#include "internal.h"

/*
 * Model: mainline retries a page for as long as the fault path says so (a
 * racing MADV_DONTNEED or truncate can keep it busy for a while); pinmm stops
 * after this many rounds, a fault that never makes progress being a vm/ bug,
 * and WARNs rather than hang. No legitimate race gets near it.
 */
#define GUP_MAX_FAULT_RETRIES	(1 << 16)

static int check_vma_flags(struct vm_area_struct *vma, unsigned int gup_flags)
{
	unsigned long vm_flags = vma->vm_flags;
	bool write = gup_flags & FOLL_WRITE;
	bool vma_anon = vma_is_anonymous(vma);

	/* No struct page behind these (or none we may touch). */
	if (vm_flags & (VM_IO | VM_PFNMAP))
		return -EFAULT;
	if ((gup_flags & FOLL_ANON) && !vma_anon)
		return -EFAULT;
	/*
	 * fsdax pages are the file's blocks; a long-term pin would stop the
	 * filesystem from ever moving or freeing them (truncate, hole punch).
	 */
	if ((gup_flags & FOLL_LONGTERM) && vma_is_fsdax(vma) &&
	    kernel_has(KSW_LONGTERM_FSDAX_REFUSED) &&
	    READ_ONCE(pin_config.longterm) != LONGTERM_ALLOW &&
	    !gup_vma_layout_leased(vma, gup_flags))
		return -EOPNOTSUPP;
	/*
	 * A hugetlb page is never split. Model: refused on every release, as
	 * 6.12's check_vma_flags() does; releases whose hugetlb walk was its own
	 * (follow_hugetlb_page()) ignored the flag and pinned the huge page.
	 */
	if ((gup_flags & FOLL_SPLIT_PMD) && is_vm_hugetlb_page(vma))
		return -EOPNOTSUPP;

	if (write) {
		if (!vma_anon && !gup_writable_file_mapping_allowed(vma, gup_flags))
			return -EFAULT;
		if (!(vm_flags & VM_WRITE)) {
			if (!(gup_flags & FOLL_FORCE))
				return -EFAULT;
			/* hugetlb has no FOLL_FORCE write into a read-only mapping. */
			if (is_vm_hugetlb_page(vma))
				return -EFAULT;
			/*
			 * FOLL_FORCE writes (ptrace) go through COW into an anon
			 * copy; in a shared mapping they would write the file.
			 */
			if (!is_cow_mapping(vm_flags))
				return -EFAULT;
		}
	} else if (!(vm_flags & VM_READ)) {
		if (!(gup_flags & FOLL_FORCE))
			return -EFAULT;
		if (!(vm_flags & VM_MAYREAD))
			return -EFAULT;
	}
	return 0;
}

/* FOLL_FORCE may write through a read-only PTE only to our own COW copy. */
static bool can_follow_write_pte(pte_t pte, struct page *page, struct vm_area_struct *vma,
				 unsigned int flags)
{
	if (pte_write(pte))
		return true;
	if (!(flags & FOLL_FORCE))
		return false;
	if (!is_cow_mapping(vma->vm_flags))
		return false;
	/* A writable VMA takes an ordinary write fault instead. */
	if (vma->vm_flags & VM_WRITE)
		return false;
	if (!page || !folio_test_anon(page_folio(page)))
		return false;
	return PageAnonExclusive(page);
}

static bool can_follow_write_pmd(pmd_t pmd, struct page *page, struct vm_area_struct *vma,
				 unsigned int flags)
{
	if (pmd_write(pmd))
		return true;
	if (!(flags & FOLL_FORCE) || !is_cow_mapping(vma->vm_flags) ||
	    (vma->vm_flags & VM_WRITE))
		return false;
	if (!folio_test_anon(page_folio(page)))
		return false;
	return PageAnonExclusive(page);
}

/*
 * The invariant R/O unsharing exists for (5.19+): an anon page GUP pins is
 * exclusive to this mm. Before it nothing kept it, and a tracker blind to
 * pins never unshares.
 */
static bool gup_pins_anon_exclusive(void)
{
	return kernel_has(KSW_UNSHARE_RO_ANON) && !pins_are_references();
}

/*
 * The page table lock is held and the PTE maps the folio, so its refcount
 * cannot be 0: a folio at 0 there (being freed, or an idle ZONE_DEVICE page
 * inserted without a reference) is a refcounting bug elsewhere. Like
 * try_grab_folio() in mainline, WARN and fail with -ENOMEM; retrying, as
 * GUP-fast does, would spin for ever.
 * Model: in every release; before 5.1 (try_get_page()), follow_page_pte()'s
 * get_page() hit VM_BUG_ON_PAGE here instead (scenario 19a).
 */
static int grab_failed(struct folio *folio, int ret)
{
	if (ret == -EAGAIN) {
		WARN_ON_ONCE(folio_ref_count(folio) <= 0);
		return -ENOMEM;
	}
	return ret;
}

/*
 * What follow_page_mask() found: a page (taken), or why not. GUP_NEED_FAULT
 * and GUP_NEED_UNSHARE send the caller to faultin_page().
 */
enum {
	GUP_NEED_FAULT = 1,
	GUP_NEED_UNSHARE = 2,
};

static void gup_touch(struct folio *folio, bool pte_was_dirty, unsigned int flags)
{
	if (!(flags & FOLL_TOUCH))
		return;
	/*
	 * A write through GUP dirties the page without the MMU seeing it; the
	 * mapping is told now, at pin time - which is exactly why writeback can
	 * later clean it while a device still writes (the 2018 bug).
	 */
	if ((flags & FOLL_WRITE) && !pte_was_dirty && !folio_test_dirty(folio))
		folio_mark_dirty(folio);
	folio_set_referenced(folio);
}

/*
 * follow_huge_pmd() and follow_huge_pud(): a leaf of @shift (PMD_SHIFT or
 * PUD_SHIFT; a PUD entry is read through pmd_t, the same format).
 */
static struct page *follow_huge_leaf(struct vm_area_struct *vma, unsigned long address,
				     pmd_t *pmdp, unsigned int shift, unsigned int flags,
				     unsigned int *page_mask, int *err)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl = pmd_lock(mm, pmdp);
	pmd_t pmd = pmdp_get(pmdp);
	struct page *page;
	struct folio *folio;
	int ret;

	*err = GUP_NEED_FAULT;
	if (!pmd_leaf(pmd)) {
		/* Split (or zapped) since we looked: walk again. */
		spin_unlock(ptl);
		*err = -EAGAIN;
		return NULL;
	}
	if (pmd_protnone(pmd))
		goto out_unlock;
	page = pmd_page(pmd);
	folio = page_folio(page);
	if ((flags & FOLL_WRITE) && !can_follow_write_pmd(pmd, page, vma, flags))
		goto out_unlock;
	if (!pmd_write(pmd) && gup_must_unshare(vma, flags, page)) {
		*err = GUP_NEED_UNSHARE;
		goto out_unlock;
	}
	VM_BUG_ON_PAGE((flags & FOLL_PIN) && folio_test_anon(folio) && !PageAnonExclusive(page) &&
		       gup_pins_anon_exclusive(), page);
	if (flags & (FOLL_GET | FOLL_PIN)) {
		ret = try_grab_folio(folio, 1, flags);
		if (ret) {
			*err = grab_failed(folio, ret);
			goto out_unlock;
		}
	}
	gup_touch(folio, pmd_dirty(pmd), flags);
	spin_unlock(ptl);
	*err = 0;
	*page_mask = (1U << (shift - PAGE_SHIFT)) - 1;
	return page + ((address & ((1UL << shift) - 1)) >> PAGE_SHIFT);

out_unlock:
	spin_unlock(ptl);
	return NULL;
}

static struct page *follow_page_pte(struct vm_area_struct *vma, unsigned long address,
				    pmd_t *pmdp, unsigned int flags, int *err)
{
	struct mm_struct *mm = vma->vm_mm;
	struct dev_pagemap *pgmap = NULL;
	spinlock_t *ptl;
	pte_t *ptep, pte;
	struct page *page;
	struct folio *folio;
	int ret;

	*err = GUP_NEED_FAULT;
	ptep = pte_offset_map_lock(mm, pmdp, address, &ptl);
	if (!ptep) {
		/* No table (fault one in), or it became a huge PMD: walk again. */
		if (pmd_leaf(pmdp_get(pmdp)))
			*err = -EAGAIN;
		return NULL;
	}
	pte = ptep_get(ptep);
	/* none, or a migration entry: handle_mm_fault() fills it or waits. */
	if (!pte_present(pte) || pte_protnone(pte))
		goto no_page;

	page = vm_normal_page(vma, address, pte);
	if ((flags & FOLL_WRITE) && !can_follow_write_pte(pte, page, vma, flags))
		goto no_page;

	if (pte_devmap(pte) && (flags & (FOLL_GET | FOLL_PIN))) {
		/* Holds off memunmap_pages() until the page's own reference is taken. */
		pgmap = get_dev_pagemap(pte_pfn(pte), NULL);
		if (!pgmap) {
			*err = -EFAULT;
			goto out;
		}
		if (!page)
			page = pfn_to_page(pte_pfn(pte));
	} else if (!page) {
		if ((flags & FOLL_DUMP) || !is_zero_pfn(pte_pfn(pte))) {
			/* A raw pfn (VM_MIXEDMAP): there is no page to hand out. */
			*err = (flags & FOLL_DUMP) ? -EFAULT : -EEXIST;
			goto out;
		}
		page = pfn_to_page(pte_pfn(pte));
	}
	folio = page_folio(page);

	if (!pte_write(pte) && gup_must_unshare(vma, flags, page)) {
		*err = GUP_NEED_UNSHARE;
		goto out;
	}
	VM_BUG_ON_PAGE((flags & FOLL_PIN) && folio_test_anon(folio) && !PageAnonExclusive(page) &&
		       gup_pins_anon_exclusive(), page);

	if (flags & (FOLL_GET | FOLL_PIN)) {
		ret = try_grab_folio(folio, 1, flags);
		if (ret) {
			*err = grab_failed(folio, ret);
			goto out;
		}
	}
	if (!is_zero_folio(folio))
		gup_touch(folio, pte_dirty(pte), flags);
	pte_unmap_unlock(ptep, ptl);
	put_dev_pagemap(pgmap);
	*err = 0;
	return page;

no_page:
	*err = GUP_NEED_FAULT;
out:
	pte_unmap_unlock(ptep, ptl);
	put_dev_pagemap(pgmap);
	return NULL;
}

/*
 * follow_page_mask(): a PUD leaf (1 GiB hugetlb), else the PMD level (a leaf
 * or a PTE table); no p4d level. *err: 0 with a page, GUP_NEED_* for the
 * fault path, -errno otherwise.
 */
static struct page *follow_page_mask(struct vm_area_struct *vma, unsigned long address,
				     unsigned int flags, unsigned int *page_mask, int *err)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page;
	pmd_t *pmdp, pmd;

	*page_mask = 0;
	for (;;) {
		pud_t *pudp = mm_find_pud(mm, address);

		if (pudp && pud_leaf(pudp_get(pudp))) {
			page = follow_huge_leaf(vma, address, (pmd_t *)pudp, PUD_SHIFT, flags,
						page_mask, err);
			if (*err != -EAGAIN)
				return page;
			continue;
		}
		pmdp = mm_find_pmd(mm, address);
		if (!pmdp) {
			*err = GUP_NEED_FAULT;
			return NULL;
		}
		pmd = pmdp_get(pmdp);
		if (pmd_none(pmd)) {
			*err = GUP_NEED_FAULT;
			return NULL;
		}
		if (pmd_leaf(pmd)) {
			/*
			 * Walk again once split. A PMD split_huge_pmd() leaves
			 * as it was (no deposited table: a hugetlb page) is
			 * followed as a PMD, not split for ever.
			 */
			if ((flags & FOLL_SPLIT_PMD) && pmd_trans_huge(pmd)) {
				split_huge_pmd(vma, pmdp, address);
				if (!pmd_leaf(pmdp_get(pmdp)))
					continue;
			}
			page = follow_huge_leaf(vma, address, pmdp, PMD_SHIFT, flags, page_mask, err);
		} else {
			page = follow_page_pte(vma, address, pmdp, flags, err);
		}
		if (*err != -EAGAIN)
			return page;
	}
}

static int vm_fault_to_errno(vm_fault_t ret, unsigned int foll_flags)
{
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (ret & (VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE))
		return (foll_flags & FOLL_HWPOISON) ? -EHWPOISON : -EFAULT;
	if (ret & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV))
		return -EFAULT;
	return 0;
}

/*
 * Fault the page in (or break its COW sharing for a read-only pin). 0 to
 * retry the walk; -EBUSY when FOLL_NOWAIT found it would have to wait.
 */
static int faultin_page(struct vm_area_struct *vma, unsigned long address,
			unsigned int flags, bool unshare)
{
	unsigned int fault_flags = 0;
	vm_fault_t ret;
	int err;

	if (flags & FOLL_NOFAULT)
		return -EFAULT;
	if (flags & FOLL_WRITE)
		fault_flags |= FAULT_FLAG_WRITE;
	if (flags & FOLL_REMOTE)
		fault_flags |= FAULT_FLAG_REMOTE;
	if (flags & FOLL_UNLOCKABLE)
		fault_flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
	if (flags & FOLL_NOWAIT)
		fault_flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT;
	if (flags & FOLL_TRIED)
		fault_flags |= FAULT_FLAG_TRIED;
	if (unshare) {
		fault_flags |= FAULT_FLAG_UNSHARE;
		VM_BUG_ON(fault_flags & FAULT_FLAG_WRITE);
	}

	mm_trace("gup_faultin_page", "mm=%s addr=%#lx flags=%#x", vma->vm_mm->owner, address,
		 fault_flags);
	ret = handle_mm_fault(vma, address, fault_flags);
	if (ret & VM_FAULT_ERROR) {
		err = vm_fault_to_errno(ret, flags);
		return err ? err : -EFAULT;
	}
	/*
	 * Model: vm/'s faults never drop mmap_lock, so VM_FAULT_RETRY only means
	 * "would have waited" (FOLL_NOWAIT) or "try again".
	 */
	if (ret & VM_FAULT_RETRY)
		return (fault_flags & FAULT_FLAG_RETRY_NOWAIT) ? -EBUSY : 0;
	return 0;
}

static long __get_user_pages(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, unsigned int gup_flags,
			     struct page **pages)
{
	struct vm_area_struct *vma = NULL;
	long ret = 0, i = 0;

	if (!nr_pages)
		return 0;
	start &= PAGE_MASK;

	do {
		unsigned int page_mask, page_increm;
		struct page *page;
		int err, retries = 0;

		if (!vma || start >= vma->vm_end) {
			/* Model: no stack VMA expansion (VM_GROWSDOWN) for GUP. */
			vma = start < TASK_SIZE ? vma_lookup(mm, start) : NULL;
			if (!vma) {
				ret = -EFAULT;
				goto out;
			}
			ret = check_vma_flags(vma, gup_flags);
			if (ret)
				goto out;
		}
retry:
		page = follow_page_mask(vma, start, gup_flags, &page_mask, &err);
		if (err == GUP_NEED_FAULT || err == GUP_NEED_UNSHARE) {
			if (++retries > GUP_MAX_FAULT_RETRIES) {
				WARN_ON_ONCE(1);
				ret = -EFAULT;
				goto out;
			}
			/* cond_resched(): let whoever keeps zapping the page finish. */
			if (retries > 2)
				sched_yield();
			ret = faultin_page(vma, start, gup_flags, err == GUP_NEED_UNSHARE);
			switch (ret) {
			case 0:
				goto retry;
			case -EBUSY:
			case -EAGAIN:
				ret = 0;
				goto out;
			default:
				goto out;
			}
		} else if (err == -EEXIST) {
			/* A raw pfn: fine when only faulting in, fatal when filling pages[]. */
			if (pages) {
				ret = -EEXIST;
				goto out;
			}
			page_mask = 0;
		} else if (err) {
			ret = err;
			goto out;
		}

		page_increm = 1 + (~(start >> PAGE_SHIFT) & page_mask);
		if (page_increm > nr_pages)
			page_increm = (unsigned int)nr_pages;

		if (pages && page) {
			/* The rest of a huge mapping comes in the same call, as one grab. */
			if (page_increm > 1) {
				struct folio *folio = page_folio(page);

				ret = try_grab_folio(folio, (int)page_increm - 1, gup_flags);
				if (ret) {
					gup_undo_grab(folio, 1, gup_flags);
					goto out;
				}
			}
			gup_pin_entries(page, page_increm, vma, start, gup_flags, pages + i);
		}
		i += page_increm;
		start += (unsigned long)page_increm << PAGE_SHIFT;
		nr_pages -= page_increm;
	} while (nr_pages);
out:
	return i ? i : ret;
}

long __get_user_pages_locked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages, int *locked,
			     unsigned int flags)
{
	bool must_unlock = false;
	long ret;

	if (!*locked) {
		mmap_read_lock(mm);
		must_unlock = true;
		*locked = 1;
	} else {
		/* The caller said it holds the lock (pin_user_pages(), *_remote() with *locked). */
		mmap_assert_locked(mm);
	}
	if (flags & FOLL_PIN)
		mm_set_has_pinned_flag(mm);
	/* With a pages[] array the caller wants references, unless it pins. */
	if (pages && !(flags & FOLL_PIN))
		flags |= FOLL_GET;

	ret = __get_user_pages(mm, start, nr_pages, flags, pages);

	if (must_unlock && *locked) {
		mmap_read_unlock(mm);
		*locked = 0;
	}
	return ret;
}
