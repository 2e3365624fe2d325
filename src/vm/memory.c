/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PTE-level fault handlers: anonymous (zero page on read), file (read,
 * shared write with page_mkwrite, private COW), and the write-protect fault
 * (reuse of an exclusive anon page, or copy). A fault on a swap PTE goes to
 * do_swap_page() (swapin.c); zapping is zap.c.
 */
#include <pinmm/vm/swap.h>
#include "internal.h"

/* ---- Faults ---- */

const struct trace_flag fault_flag_names[] = {
	{ FAULT_FLAG_WRITE, "FAULT_FLAG_WRITE" }, { FAULT_FLAG_MKWRITE, "FAULT_FLAG_MKWRITE" },
	{ FAULT_FLAG_ALLOW_RETRY, "FAULT_FLAG_ALLOW_RETRY" },
	{ FAULT_FLAG_RETRY_NOWAIT, "FAULT_FLAG_RETRY_NOWAIT" },
	{ FAULT_FLAG_KILLABLE, "FAULT_FLAG_KILLABLE" }, { FAULT_FLAG_TRIED, "FAULT_FLAG_TRIED" },
	{ FAULT_FLAG_USER, "FAULT_FLAG_USER" }, { FAULT_FLAG_REMOTE, "FAULT_FLAG_REMOTE" },
	{ FAULT_FLAG_INSTRUCTION, "FAULT_FLAG_INSTRUCTION" },
	{ FAULT_FLAG_INTERRUPTIBLE, "FAULT_FLAG_INTERRUPTIBLE" },
	{ FAULT_FLAG_UNSHARE, "FAULT_FLAG_UNSHARE" },
	{ FAULT_FLAG_ORIG_PTE_VALID, "FAULT_FLAG_ORIG_PTE_VALID" },
	{ 0, NULL },
};

const struct trace_flag vm_fault_names[] = {
	{ VM_FAULT_OOM, "VM_FAULT_OOM" }, { VM_FAULT_SIGBUS, "VM_FAULT_SIGBUS" },
	{ VM_FAULT_MAJOR, "VM_FAULT_MAJOR" }, { VM_FAULT_HWPOISON, "VM_FAULT_HWPOISON" },
	{ VM_FAULT_HWPOISON_LARGE, "VM_FAULT_HWPOISON_LARGE" },
	{ VM_FAULT_SIGSEGV, "VM_FAULT_SIGSEGV" }, { VM_FAULT_NOPAGE, "VM_FAULT_NOPAGE" },
	{ VM_FAULT_LOCKED, "VM_FAULT_LOCKED" }, { VM_FAULT_RETRY, "VM_FAULT_RETRY" },
	{ VM_FAULT_FALLBACK, "VM_FAULT_FALLBACK" }, { VM_FAULT_DONE_COW, "VM_FAULT_DONE_COW" },
	{ VM_FAULT_NEEDDSYNC, "VM_FAULT_NEEDDSYNC" }, { VM_FAULT_COMPLETED, "VM_FAULT_COMPLETED" },
	{ 0, NULL },
};

static const char *fault_kind(unsigned int flags)
{
	if (flags & FAULT_FLAG_UNSHARE)
		return "unshare";
	return flags & FAULT_FLAG_WRITE ? "write" : "read";
}

static pte_t maybe_mkwrite(pte_t pte, struct vm_area_struct *vma)
{
	if (likely(READ_ONCE(vma->vm_flags) & VM_WRITE))
		pte = pte_mkwrite(pte);
	return pte;
}

static bool pte_range_none(pte_t *pte, unsigned long nr)
{
	for (unsigned long i = 0; i < nr; i++)
		if (!pte_none(ptep_get(pte + i)))
			return false;
	return true;
}

static vm_fault_t do_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr, nr;
	struct folio *folio;
	pte_t entry;

	if (READ_ONCE(vma->vm_flags) & VM_SHARED)
		return VM_FAULT_SIGBUS;
	if (pmd_none(pmdp_get(vmf->pmd)) && __pte_alloc(mm, vmf->pmd))
		return VM_FAULT_OOM;

	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		/* Reading untouched memory maps the shared zero page, read-only. */
		entry = pte_mkspecial(pfn_pte(page_to_pfn(ZERO_PAGE(vmf->address)),
					      __pgprot(pgprot_val(vma->vm_page_prot) & ~_PAGE_RW)));
		vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
		if (!vmf->pte)
			return 0;
		if (pte_none(ptep_get(vmf->pte)))
			set_pte_at(mm, vmf->address, vmf->pte, entry);
		pte_unmap_unlock(vmf->pte, vmf->ptl);
		mm_trace("fault", "mm=%s addr=%#lx flags=%s -> zero page", mm->owner,
			 vmf->address, fault_kind(vmf->flags));
		return 0;
	}

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	folio = alloc_anon_folio(vmf);
	if (!folio)
		return VM_FAULT_OOM;
	folio_mark_uptodate(folio);
	nr = (unsigned long)folio_nr_pages(folio);
	addr = ALIGN_DOWN(vmf->address, nr << PAGE_SHIFT);

	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, addr, &vmf->ptl);
	if (!vmf->pte || !pte_range_none(vmf->pte, nr)) {
		/*
		 * Another fault mapped part of the range. Mainline returns to
		 * refault; here the retry is handle_mm_fault()'s, and a range
		 * that no longer fits makes alloc_anon_folio() pick a smaller order.
		 */
		if (vmf->pte)
			pte_unmap_unlock(vmf->pte, vmf->ptl);
		folio_put(folio);
		return nr > 1 ? VM_FAULT_RETRY : 0;
	}
	/* One reference per PTE, as each PTE's zap will drop one. */
	folio_ref_add(folio, (int)nr - 1);
	add_mm_counter(mm, MM_ANONPAGES, (long)nr);
	count_mthp_stat((int)folio_order(folio), MTHP_STAT_ANON_FAULT_ALLOC);
	folio_add_new_anon_rmap(folio, vma, addr, false);
	/*
	 * Before the PTE is set, as mainline's folio_add_lru_vma(): once it
	 * is, another thread may pin, migrate and free the folio, and we hold
	 * no reference of our own to look at it with.
	 */
	lru_add_new(folio);
	for (unsigned long i = 0; i < nr; i++) {
		entry = mk_pte(folio_page(folio, i), vma->vm_page_prot);
		entry = pte_mkyoung(pte_mkdirty(maybe_mkwrite(entry, vma)));
		set_pte_at(mm, addr + (i << PAGE_SHIFT), vmf->pte + i, entry);
	}
	pte_unmap_unlock(vmf->pte, vmf->ptl);
	mm_trace("fault", "mm=%s addr=%#lx flags=%s -> anon pfn=%#lx order=%u", mm->owner,
		 vmf->address, fault_kind(vmf->flags), folio_pfn(folio), folio_order(folio));
	return 0;
}

static vm_fault_t __do_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	vm_fault_t ret;

	vmf->page = NULL;
	ret = vma->vm_ops->fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY | VM_FAULT_DONE_COW))
		return ret;
	if (WARN_ON_ONCE(!vmf->page))
		return VM_FAULT_SIGBUS;
	if (!(ret & VM_FAULT_LOCKED))
		folio_lock(page_folio(vmf->page));
	else
		VM_BUG_ON_PAGE(!folio_test_locked(page_folio(vmf->page)), vmf->page);
	return ret | VM_FAULT_LOCKED;
}

/* Map vmf->page (or, for a private write, vmf->cow_page) at vmf->address. */
static vm_fault_t finish_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool cow = write && !(READ_ONCE(vma->vm_flags) & VM_SHARED);
	struct page *page = cow ? vmf->cow_page : vmf->page;
	struct folio *folio = page_folio(page);
	pte_t entry;

	if (pmd_none(pmdp_get(vmf->pmd)) && __pte_alloc(mm, vmf->pmd))
		return VM_FAULT_OOM;
	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
	if (!vmf->pte)
		return VM_FAULT_NOPAGE;
	if (!pte_none(ptep_get(vmf->pte))) {
		pte_unmap_unlock(vmf->pte, vmf->ptl);
		return VM_FAULT_NOPAGE;
	}
	entry = pte_mkyoung(mk_pte(page, vma->vm_page_prot));
	if (write)
		entry = maybe_mkwrite(pte_mkdirty(entry), vma);
	if (cow) {
		folio_add_new_anon_rmap(folio, vma, vmf->address, false);
		add_mm_counter(mm, MM_ANONPAGES, 1);
	} else {
		folio_add_file_rmap_pte(folio, page, vma);
		add_mm_counter(mm, mm_counter(folio), 1);
	}
	lru_add_new(folio);	/* before the PTE publishes it: see do_anonymous_page() */
	set_pte_at(mm, vmf->address, vmf->pte, entry);
	pte_unmap_unlock(vmf->pte, vmf->ptl);
	return 0;
}

static vm_fault_t do_read_fault(struct vm_fault *vmf)
{
	vm_fault_t ret = __do_fault(vmf);
	struct folio *folio;

	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
		return ret;
	folio = page_folio(vmf->page);
	ret |= finish_fault(vmf);
	folio_unlock(folio);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		folio_put(folio);
	return ret;
}

static vm_fault_t do_cow_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct folio *cow, *folio;
	vm_fault_t ret;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	cow = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);
	if (!cow)
		return VM_FAULT_OOM;
	vmf->cow_page = &cow->page;
	ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) {
		folio_put(cow);
		return ret;
	}
	folio = page_folio(vmf->page);
	copy_highpage(vmf->cow_page, vmf->page);
	folio_mark_uptodate(cow);
	ret |= finish_fault(vmf);
	folio_unlock(folio);
	folio_put(folio);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		folio_put(cow);
	else
		mm_trace("wp_page_copy", "mm=%s addr=%#lx file pfn=%#lx -> anon pfn=%#lx", VM_TRACE_MM(vma),
			 vmf->address, page_to_pfn(vmf->page), folio_pfn(cow));
	return ret;
}

/* The filesystem gets to see a page become writable; returns with it locked. */
static vm_fault_t do_page_mkwrite(struct vm_fault *vmf, struct folio *folio)
{
	unsigned int old_flags = vmf->flags;
	vm_fault_t ret;

	vmf->flags = FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE;
	ret = vmf->vma->vm_ops->page_mkwrite(vmf);
	vmf->flags = old_flags;
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		return ret;
	if (!(ret & VM_FAULT_LOCKED)) {
		folio_lock(folio);
		if (!folio->mapping) {
			/* Truncated under us: retry the fault. */
			folio_unlock(folio);
			return VM_FAULT_NOPAGE;
		}
		ret |= VM_FAULT_LOCKED;
	}
	return ret;
}

static vm_fault_t do_shared_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct folio *folio;
	vm_fault_t ret, tmp;

	ret = __do_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
		return ret;
	folio = page_folio(vmf->page);
	if (vma->vm_ops->page_mkwrite) {
		folio_unlock(folio);
		tmp = do_page_mkwrite(vmf, folio);
		if (tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
			folio_put(folio);
			return tmp;
		}
	}
	ret |= finish_fault(vmf);
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
		folio_unlock(folio);
		folio_put(folio);
		return ret;
	}
	/* Dirty while still locked, so writeback cannot clean it in between. */
	folio_mark_dirty(folio);
	folio_unlock(folio);
	return ret;
}

static vm_fault_t do_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	vm_fault_t ret;

	if (!vma->vm_ops->fault)
		return VM_FAULT_SIGBUS;
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		ret = do_read_fault(vmf);
	else if (!(READ_ONCE(vma->vm_flags) & VM_SHARED))
		ret = do_cow_fault(vmf);
	else
		ret = do_shared_fault(vmf);
	mm_trace("fault", "mm=%s addr=%#lx flags=%s -> file pgoff=%lu ret=%#x", VM_TRACE_MM(vma),
		 vmf->address, fault_kind(vmf->flags), vmf->pgoff, ret);
	return ret;
}

/* Make the locked PTE dirty, and writable if the VMA is; unlocks it. */
static void wp_page_reuse(struct vm_fault *vmf)
{
	unsigned long set = _PAGE_DIRTY | _PAGE_ACCESSED;

	if (READ_ONCE(vmf->vma->vm_flags) & VM_WRITE)
		set |= _PAGE_RW;
	ptep_modify(vmf->pte, 0, set);
	pte_unmap_unlock(vmf->pte, vmf->ptl);
}

/*
 * __wp_can_reuse_large_anon_folio() (6.15): a page of a PTE-mapped large
 * folio is reused when one mm maps the folio alone (the MM-ID slots say it is
 * not "maybe mapped shared") and every reference is one of its mappings, so no
 * GUP reference, pin or migration holds it. Up to 6.14 such a page was always
 * copied. Only the faulting PTE becomes writable (and its page exclusive).
 */
static bool wp_can_reuse_large_anon_folio(struct folio *folio)
{
	bool exclusive;

	/* A folio down to one mapped page is better copied and freed. */
	if (folio_large_mapcount(folio) <= 1)
		return false;
	if (folio_test_large_maybe_mapped_shared(folio))
		return false;
	/* The swap cache's references go first (it fails while a swap PTE is left). */
	if (folio_test_swapcache(folio)) {
		if (!folio_trylock(folio))
			return false;
		folio_free_swap(folio);
		folio_unlock(folio);
	}
	if (folio_large_mapcount(folio) != folio_ref_count(folio))
		return false;
	/* Stabilise the mapcount against the refcount, and look again. */
	folio_lock_large_mapcount(folio);
	exclusive = !folio_test_large_maybe_mapped_shared(folio) &&
		    folio_large_mapcount(folio) == folio_ref_count(folio);
	folio_unlock_large_mapcount(folio);
	return exclusive;
}

/*
 * May a write fault reuse this anon page in place, or must it copy? Each era
 * has its rule, and each rule's failure is the era's:
 * - up to 5.8 (reuse_swap_page()) the mapcount alone decides: a page a GUP
 *   reference (or pin) holds is reused when this is its only mapping, and
 *   copied away from the process when another mapping shares it - whatever
 *   the device was doing with it;
 * - 5.9-5.18 (do_wp_page() simplification) only _refcount == 1 reuses: an
 *   extra reference of any kind (GUP, the LRU, swap cache) forces a copy;
 *   a PMD-mapped THP kept the mapcount rule until 5.18;
 * - 5.19+ PageAnonExclusive says this mapping alone may write the page; the
 *   refcount rule remains only for pages not marked exclusive;
 * - 6.15+ a PTE-mapped large folio is reused by the MM-ID rule above.
 * @page is the faulting page (the head for a PMD mapping).
 */
bool wp_can_reuse_anon(struct folio *folio, struct page *page, bool pmd_mapped)
{
	if (kernel_has(KSW_ANON_EXCLUSIVE) && PageAnonExclusive(page))
		return true;
	/*
	 * page_trans_huge_mapcount(): for a PMD mapping every page must be
	 * mapped once (by this PMD alone); for a PTE, this page once - and
	 * (reuse_swap_page()) no swap PTE elsewhere may still name its slot.
	 * Model: the idle swap cache entry is left for reclaim to drop.
	 */
	if (!kernel_has(pmd_mapped ? KSW_THP_REUSE_REFCOUNT : KSW_COW_REUSE_REFCOUNT)) {
		if (folio_test_swapcache(folio) &&
		    __swap_count(swp_swap_entry(swp_offset(folio_swap_entry(folio)) +
						(unsigned long)(page - &folio->page))))
			return false;
		return pmd_mapped ? folio_mapcount(folio) == 1 && folio_entire_mapcount(folio) == 1
				  : page_mapcount(page) == 1;
	}
	if (!pmd_mapped && folio_test_large(folio))
		return kernel_has(KSW_LARGE_ANON_REUSE) && wp_can_reuse_large_anon_folio(folio);
	/*
	 * fs/'s LRU holds no reference. The swap cache's reference is dropped
	 * first when nothing else needs the slot (wp_can_reuse_anon_folio();
	 * 5.9's first version copied every page in the swap cache instead).
	 */
	if (folio_ref_count(folio) > 1 + (folio_test_swapcache(folio) ? 1 : 0))
		return false;
	if (!folio_trylock(folio))
		return false;
	if (folio_test_swapcache(folio))
		folio_free_swap(folio);
	if (folio_ref_count(folio) != 1) {
		folio_unlock(folio);
		return false;
	}
	folio_unlock(folio);
	return true;
}

static vm_fault_t wp_page_copy(struct vm_fault *vmf, struct folio *old)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool unshare = vmf->flags & FAULT_FLAG_UNSHARE;
	struct mmu_notifier_range range;
	struct folio *new;
	bool copied = false;
	pte_t entry;
	/*
	 * __wp_page_copy_user() with no struct page to hold (a legacy fsdax
	 * pte_devmap entry): copy what the old PTE maps; only the zero page
	 * (and no entry at all) means zeroes.
	 */
	unsigned long opfn = pte_pfn(vmf->orig_pte);
	bool raw = !old && pte_present(vmf->orig_pte) && pfn_valid(opfn) && !is_zero_pfn(opfn);

	if (anon_vma_prepare(vma))
		goto oom;
	new = folio_alloc(GFP_HIGHUSER_MOVABLE | (old || raw ? 0 : __GFP_ZERO), 0);
	if (!new)
		goto oom;
	if (old)
		copy_highpage(&new->page, vmf->page);
	else if (raw)
		copy_highpage(&new->page, pfn_to_page(opfn));
	folio_mark_uptodate(new);

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, vmf->address,
				vmf->address + PAGE_SIZE);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
	if (vmf->pte && pte_same(ptep_get(vmf->pte), vmf->orig_pte)) {
		if (old && !folio_test_anon(old)) {
			add_mm_counter(mm, mm_counter(old), -1);
			add_mm_counter(mm, MM_ANONPAGES, 1);
		} else if (!old) {
			add_mm_counter(mm, MM_ANONPAGES, 1);
		}
		entry = pte_mkyoung(mk_pte(&new->page, vma->vm_page_prot));
		if (!unshare)
			entry = maybe_mkwrite(pte_mkdirty(entry), vma);
		else
			entry = pte_wrprotect(entry);
		ptep_get_and_clear(mm, vmf->address, vmf->pte);
		flush_tlb_range(vma, vmf->address, vmf->address + PAGE_SIZE);
		folio_add_new_anon_rmap(new, vma, vmf->address, false);
		lru_add_new(new);	/* before the PTE publishes it: see do_anonymous_page() */
		set_pte_at(mm, vmf->address, vmf->pte, entry);
		if (old)
			folio_remove_rmap_pte(old, vmf->page, vma);
		copied = true;
	}
	if (vmf->pte)
		pte_unmap_unlock(vmf->pte, vmf->ptl);
	mmu_notifier_invalidate_range_end(&range);
	if (copied) {
		mm_trace("wp_page_copy", "mm=%s addr=%#lx %s pfn=%#lx -> pfn=%#lx%s", mm->owner, vmf->address,
			 old ? "copy" : "zero page", old ? page_to_pfn(vmf->page) : page_to_pfn(zero_page),
			 folio_pfn(new), unshare ? " (unshare)" : "");
		if (old)
			folio_put(old);		/* the old PTE's reference */
	} else {
		folio_put(new);
	}
	if (old)
		folio_put(old);			/* ours */
	return 0;
oom:
	if (old)
		folio_put(old);
	return VM_FAULT_OOM;
}

static vm_fault_t wp_page_shared(struct vm_fault *vmf, struct folio *folio)
{
	struct vm_area_struct *vma = vmf->vma;

	folio_get(folio);
	if (vma->vm_ops && vma->vm_ops->page_mkwrite) {
		vm_fault_t tmp;

		pte_unmap_unlock(vmf->pte, vmf->ptl);
		tmp = do_page_mkwrite(vmf, folio);
		if (tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
			folio_put(folio);
			return tmp & VM_FAULT_ERROR;
		}
		vmf->pte = pte_offset_map_lock(vma->vm_mm, vmf->pmd, vmf->address, &vmf->ptl);
		if (!vmf->pte || !pte_same(ptep_get(vmf->pte), vmf->orig_pte)) {
			if (vmf->pte)
				pte_unmap_unlock(vmf->pte, vmf->ptl);
			folio_unlock(folio);
			folio_put(folio);
			return 0;
		}
		wp_page_reuse(vmf);
	} else {
		wp_page_reuse(vmf);
		folio_lock(folio);
	}
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	mm_trace("fault", "mm=%s addr=%#lx flags=write -> shared file page made writable pfn=%#lx",
		 VM_TRACE_MM(vma), vmf->address, folio_pfn(folio));
	return 0;
}

/* do_wp_page(): the PTE is mapped and locked, vmf->orig_pte its value. */
vm_fault_t do_wp_page_locked(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	bool unshare = vmf->flags & FAULT_FLAG_UNSHARE;
	struct folio *folio = NULL;

	vmf->page = vm_normal_page(vma, vmf->address, vmf->orig_pte);
	if (vmf->page)
		folio = page_folio(vmf->page);

	if (READ_ONCE(vma->vm_flags) & (VM_SHARED | VM_MAYSHARE)) {
		if (unshare) {
			pte_unmap_unlock(vmf->pte, vmf->ptl);
			return 0;
		}
		if (!folio) {
			/* wp_pfn_shared: fsdax allocates the block (or maps it) itself. */
			if (vma->vm_ops && vma->vm_ops->pfn_mkwrite) {
				pte_unmap_unlock(vmf->pte, vmf->ptl);
				vmf->flags |= FAULT_FLAG_MKWRITE;
				return vma->vm_ops->pfn_mkwrite(vmf);
			}
			wp_page_reuse(vmf);
			return 0;
		}
		return wp_page_shared(vmf, folio);
	}
	if (!folio && (READ_ONCE(vma->vm_flags) & VM_PFNMAP)) {
		pte_unmap_unlock(vmf->pte, vmf->ptl);
		return VM_FAULT_SIGBUS;
	}
	if (folio && folio_test_anon(folio) && wp_can_reuse_anon(folio, vmf->page, false)) {
		if (kernel_has(KSW_ANON_EXCLUSIVE) && !PageAnonExclusive(vmf->page))
			SetPageAnonExclusive(vmf->page);
		if (unshare) {
			pte_unmap_unlock(vmf->pte, vmf->ptl);
			return 0;
		}
		wp_page_reuse(vmf);
		mm_trace("fault", "mm=%s addr=%#lx flags=write -> reuse exclusive anon pfn=%#lx",
			 VM_TRACE_MM(vma), vmf->address, folio_pfn(folio));
		return 0;
	}
	if (folio)
		folio_get(folio);
	pte_unmap_unlock(vmf->pte, vmf->ptl);
	return wp_page_copy(vmf, folio);
}

static vm_fault_t handle_pte_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	pte_t entry;
	pte_t *pte;

	pte = pte_offset_map(vmf->pmd, vmf->address);
	if (!pte) {
		if (pmd_leaf(pmdp_get(vmf->pmd)))
			return VM_FAULT_RETRY;	/* a THP appeared: the caller retries */
		entry = __pte(0);
	} else {
		entry = ptep_get(pte);
		pte_unmap(pte);
	}
	if (pte_none(entry)) {
		if (vma_is_anonymous(vma))
			return do_anonymous_page(vmf);
		return do_fault(vmf);
	}
	if (!pte_present(entry)) {
		if (is_migration_pte(entry)) {
			migration_entry_wait(mm, vmf->pmd, vmf->address);
			return VM_FAULT_RETRY;
		}
		if (is_swap_entry_pte(entry)) {
			vmf->orig_pte = entry;
			return do_swap_page(vmf);
		}
		return VM_FAULT_SIGBUS;
	}
	vmf->pte = pte_offset_map_lock(mm, vmf->pmd, vmf->address, &vmf->ptl);
	if (!vmf->pte)
		return VM_FAULT_RETRY;
	vmf->orig_pte = ptep_get(vmf->pte);
	if (!pte_same(vmf->orig_pte, entry)) {
		pte_unmap_unlock(vmf->pte, vmf->ptl);
		return VM_FAULT_RETRY;
	}
	if (vmf->flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) {
		if (!pte_write(entry))
			return do_wp_page_locked(vmf);
	}
	ptep_modify(vmf->pte, 0, _PAGE_ACCESSED |
		    ((vmf->flags & FAULT_FLAG_WRITE) ? _PAGE_DIRTY : 0));
	pte_unmap_unlock(vmf->pte, vmf->ptl);
	return 0;
}

static vm_fault_t __handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
				    unsigned int flags)
{
	struct vm_fault vmf = {
		.vma = vma,
		.address = address & PAGE_MASK,
		.real_address = address,
		.flags = flags,
		.pgoff = linear_page_index(vma, address & PAGE_MASK),
		.gfp_mask = GFP_HIGHUSER_MOVABLE,
	};
	struct mm_struct *mm = vma->vm_mm;
	pmd_t pmdv;
	vm_fault_t ret;

	vmf.pmd = mm_alloc_pmd(mm, address);
	if (!vmf.pmd)
		return VM_FAULT_OOM;
	pmdv = pmdp_get(vmf.pmd);
	if (pmd_none(pmdv) && thp_vma_suitable(vma, address)) {
		ret = do_huge_pmd_anonymous_page(&vmf);
		if (!(ret & VM_FAULT_FALLBACK))
			return ret;
	} else if (pmd_leaf(pmdv)) {
		vmf.orig_pmd = pmdv;
		if ((flags & (FAULT_FLAG_WRITE | FAULT_FLAG_UNSHARE)) && !pmd_write(pmdv)) {
			ret = do_huge_pmd_wp_page(&vmf);
			if (!(ret & VM_FAULT_FALLBACK))
				return ret;
		} else {
			spinlock_t *ptl = pmd_lock(mm, vmf.pmd);

			if (pmd_same(pmdp_get(vmf.pmd), pmdv))
				pmdp_modify(vmf.pmd, 0, _PAGE_ACCESSED |
					    ((flags & FAULT_FLAG_WRITE) ? _PAGE_DIRTY : 0));
			spin_unlock(ptl);
			return 0;
		}
	}
	return handle_pte_fault(&vmf);
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
			   unsigned int flags)
{
	unsigned long vm_flags;
	vm_fault_t ret;
	int tries = 0;

	if (!vma || address < vma->vm_start || address >= vma->vm_end)
		return VM_FAULT_SIGSEGV;
	vm_flags = READ_ONCE(vma->vm_flags);
	if (flags & FAULT_FLAG_UNSHARE) {
		if (WARN_ON_ONCE(flags & FAULT_FLAG_WRITE))
			return VM_FAULT_SIGSEGV;
		if (!is_cow_mapping(vm_flags))
			flags &= ~FAULT_FLAG_UNSHARE;
	}
	/*
	 * As in mainline, the caller checked the access against vm_flags (the
	 * arch fault path's access_error(), GUP's check_vma_flags()): a
	 * FOLL_FORCE write to a read-only private mapping lands here with
	 * FAULT_FLAG_WRITE and COWs into a page whose PTE stays read-only
	 * (maybe_mkwrite). Model: a PROT_NONE VMA is refused here instead of
	 * going to NUMA-hinting fault handling, which pinmm does not have.
	 */
	if (!(vm_flags & VM_ACCESS_FLAGS))
		return VM_FAULT_SIGSEGV;
	count_vm_event(PGFAULT);
	if (is_vm_hugetlb_page(vma)) {
		do {
			ret = hugetlb_fault(vma, address, flags);
		} while (ret == VM_FAULT_RETRY && ++tries < 1000);
		return ret;
	}
	/*
	 * Model: instead of returning to re-execute the instruction, a fault that
	 * lost a race (or waited for a migration) is retried here, so a caller sees
	 * VM_FAULT_RETRY only if that keeps happening.
	 */
	if (unlikely(READ_ONCE(mm_trace_on))) {
		char f[160];

		mm_trace_enter("handle_mm_fault", "mm=%s address=%#lx flags=%s", VM_TRACE_MM(vma),
			       address, trace_flags(f, sizeof(f), flags, fault_flag_names));
	}
	do {
		ret = __handle_mm_fault(vma, address, flags);
	} while (ret == VM_FAULT_RETRY && ++tries < 1000);
	if (unlikely(READ_ONCE(mm_trace_on))) {
		char r[160];

		mm_trace_exit("handle_mm_fault", "%s", trace_flags(r, sizeof(r), ret, vm_fault_names));
	}
	return ret;
}

int remap_pfn_range(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn,
		    unsigned long size, pgprot_t prot)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long end = addr + size;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE) || addr < vma->vm_start ||
	    end > vma->vm_end || end <= addr)
		return -EINVAL;
	WRITE_ONCE(vma->vm_flags, vma->vm_flags | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	for (; addr < end; addr += PAGE_SIZE, pfn++) {
		pmd_t *pmd = mm_alloc_pmd(mm, addr);
		spinlock_t *ptl;
		pte_t *pte;

		if (!pmd)
			return -ENOMEM;
		pte = pte_alloc_map_lock(mm, pmd, addr, &ptl);
		if (!pte)
			return -ENOMEM;
		if (!pte_none(ptep_get(pte))) {
			pte_unmap_unlock(pte, ptl);
			return -EBUSY;
		}
		set_pte_at(mm, addr, pte, pte_mkspecial(pfn_pte(pfn, prot)));
		pte_unmap_unlock(pte, ptl);
	}
	return 0;
}
