/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fork(): dup_mmap and copy_page_range, and the process wrapper around an mm.
 * Private anonymous pages become COW-shared, except a possibly pinned exclusive
 * page, which the child gets a copy of so the parent keeps the page the device
 * uses (copy_present_page).
 */
#include <stdio.h>
#include <stdlib.h>
#include <pinmm/vm/swap.h>
#include "internal.h"

struct copy_ctx {
	struct folio *prealloc;
	struct folio *added[PTRS_PER_PTE];
	int nr_added;
};

/* The child's private copy of a page that may be pinned. */
static void copy_present_page(struct vm_area_struct *dst_vma, pte_t *dst_pte,
			      unsigned long addr, struct page *page, struct copy_ctx *c)
{
	struct folio *new = c->prealloc;
	pte_t entry;

	c->prealloc = NULL;
	copy_highpage(&new->page, page);
	folio_mark_uptodate(new);
	folio_add_new_anon_rmap(new, dst_vma, addr, false);
	add_mm_counter(dst_vma->vm_mm, MM_ANONPAGES, 1);
	entry = pte_mkyoung(pte_mkdirty(mk_pte(&new->page, dst_vma->vm_page_prot)));
	if (dst_vma->vm_flags & VM_WRITE)
		entry = pte_mkwrite(entry);
	set_pte_at(dst_vma->vm_mm, addr, dst_pte, entry);
	c->added[c->nr_added++] = new;
	mm_trace("copy_present_page", "child=%s addr=%#lx pfn=%#lx -> child pfn=%#lx",
		 dst_vma->vm_mm->owner, addr, page_to_pfn(page), folio_pfn(new));
}

/*
 * Copy one PTE. Returns 0, or -EAGAIN when a page must be copied and no page
 * is preallocated (the caller drops the locks, allocates and retries).
 */
static int copy_one_pte(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			pte_t *dst_pte, pte_t *src_pte, unsigned long addr, struct copy_ctx *c)
{
	struct mm_struct *src_mm = src_vma->vm_mm, *dst_mm = dst_vma->vm_mm;
	unsigned long vm_flags = src_vma->vm_flags;
	pte_t pte = ptep_get(src_pte);
	struct page *page;
	struct folio *folio;

	if (pte_none(pte))
		return 0;
	if (!pte_present(pte)) {
		swp_entry_t e = pte_to_swp_entry(pte);

		if (!non_swap_entry(e)) {
			/* copy_nonpresent_pte(): one more PTE names the slot... */
			if (swap_duplicate(swp_entry_plain(e)) < 0)
				return -ENOMEM;
			/* ...and the page is no longer exclusive to the parent. */
			if (pte_swp_exclusive(pte)) {
				pte = pte_swp_clear_exclusive(pte);
				set_pte_at(src_mm, addr, src_pte, pte);
			}
			add_mm_counter(dst_mm, MM_SWAPENTS, 1);
			set_pte_at(dst_mm, addr, dst_pte, pte);
			return 0;
		}
		if (!is_migration_entry(e))
			return 0;
		if (swp_type(e) != SWP_MIGRATION_READ && is_cow_mapping(vm_flags)) {
			/* Both sides lose write and exclusivity, as for a present page. */
			swp_entry_t n = make_readable_migration_entry(swp_offset_pfn(e));

			if (is_migration_entry_dirty(e))
				n = make_migration_entry_dirty(n);
			if (is_anon_migration_entry(e))
				n = make_migration_entry_anon(n);
			pte = swp_entry_to_pte(n);
			set_pte_at(src_mm, addr, src_pte, pte);
		}
		add_mm_counter(dst_mm, mm_counter_swp(dst_vma, e), 1);
		set_pte_at(dst_mm, addr, dst_pte, pte);
		return 0;
	}
	page = vm_normal_page(src_vma, addr, pte);
	if (!page) {
		set_pte_at(dst_mm, addr, dst_pte, pte);
		return 0;
	}
	folio = page_folio(page);
	race_point(RACE_FORK, folio);
	if (folio_test_anon(folio)) {
		folio_get(folio);
		if (folio_try_dup_anon_rmap_pte(folio, page, dst_vma, src_vma)) {
			folio_put(folio);
			if (!c->prealloc)
				return -EAGAIN;
			copy_present_page(dst_vma, dst_pte, addr, page, c);
			return 0;
		}
	} else {
		folio_get(folio);
		folio_add_file_rmap_pte(folio, page, dst_vma);
	}
	add_mm_counter(dst_mm, mm_counter(folio), 1);
	if (is_cow_mapping(vm_flags) && pte_write(pte)) {
		ptep_set_wrprotect(src_mm, addr, src_pte);
		pte = pte_wrprotect(ptep_get(src_pte));
	}
	if (vm_flags & VM_SHARED)
		pte = pte_mkclean(pte);
	set_pte_at(dst_mm, addr, dst_pte, pte_mkold(pte));
	return 0;
}

static int copy_pte_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			  pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr, unsigned long end)
{
	struct mm_struct *src_mm = src_vma->vm_mm, *dst_mm = dst_vma->vm_mm;
	struct copy_ctx c = { .prealloc = NULL, .nr_added = 0 };
	int ret = 0;

	while (addr < end) {
		spinlock_t *src_ptl, *dst_ptl;
		pte_t *dst_pte = pte_alloc_map_lock(dst_mm, dst_pmd, addr, &dst_ptl);
		pte_t *src_pte;

		if (!dst_pte) {
			ret = -ENOMEM;
			break;
		}
		src_pte = pte_offset_map_lock(src_mm, src_pmd, addr, &src_ptl);
		if (!src_pte) {
			pte_unmap_unlock(dst_pte, dst_ptl);
			break;
		}
		for (; addr < end; addr += PAGE_SIZE, src_pte++, dst_pte++) {
			ret = copy_one_pte(dst_vma, src_vma, dst_pte, src_pte, addr, &c);
			if (ret)
				break;
		}
		pte_unmap_unlock(src_pte - (ret ? 0 : 1), src_ptl);
		pte_unmap_unlock(dst_pte - (ret ? 0 : 1), dst_ptl);
		if (ret == -EAGAIN) {
			c.prealloc = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);
			if (!c.prealloc) {
				ret = -ENOMEM;
				break;
			}
			ret = 0;
			continue;
		}
		if (ret)
			break;
	}
	if (c.prealloc)
		folio_put(c.prealloc);
	for (int i = 0; i < c.nr_added; i++)
		lru_add_new(c.added[i]);
	return ret;
}

static int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	struct mm_struct *src_mm = src_vma->vm_mm, *dst_mm = dst_vma->vm_mm;
	bool is_cow = is_cow_mapping(src_vma->vm_flags);
	struct mmu_notifier_range range;
	unsigned long next;
	int ret = 0;

	if (is_vm_hugetlb_page(src_vma))
		return copy_hugetlb_page_range(dst_vma, src_vma);
	if (is_cow) {
		mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_PAGE, 0, src_mm,
					src_vma->vm_start, src_vma->vm_end);
		range.vma = src_vma;
		mmu_notifier_invalidate_range_start(&range);
		/* GUP-fast seeing an odd count backs off: PTEs are being write-protected. */
		raw_write_seqcount_begin(&src_mm->write_protect_seq);
	}
	for (unsigned long a = src_vma->vm_start; a < src_vma->vm_end && !ret; a = next) {
		pmd_t *src_pmd = mm_find_pmd(src_mm, a), *dst_pmd;
		pmd_t v;

		next = pmd_addr_end(a, src_vma->vm_end);
		if (!src_pmd)
			continue;
		v = pmdp_get(src_pmd);
		if (pmd_none(v))
			continue;
		dst_pmd = mm_alloc_pmd(dst_mm, a);
		if (!dst_pmd) {
			ret = -ENOMEM;
			break;
		}
		if (pmd_leaf(v)) {
			ret = copy_huge_pmd(dst_vma, src_vma, dst_pmd, src_pmd, a);
			if (ret != -EAGAIN)
				continue;
			ret = 0;
		}
		ret = copy_pte_range(dst_vma, src_vma, dst_pmd, src_pmd, a, next);
	}
	if (is_cow) {
		raw_write_seqcount_end(&src_mm->write_protect_seq);
		flush_tlb_mm(src_mm);
		mmu_notifier_invalidate_range_end(&range);
	}
	return ret;
}

int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vm_area_struct *vma;
	int ret = 0;

	mmap_write_lock(oldmm);
	mmap_write_lock(mm);
	/*
	 * MMF_HAS_PINNED is not inherited (it is not in mainline's MMF_INIT_MASK):
	 * pinned pages were copied for the child, and a page the child shares
	 * COW cannot be pinned without being unshared first.
	 */
	for_each_vma(oldmm, vma) {
		struct vm_area_struct *tmp;

		if (vma->vm_flags & VM_DONTCOPY)
			continue;
		tmp = vm_area_dup(vma);
		if (!tmp) {
			ret = -ENOMEM;
			break;
		}
		tmp->vm_mm = mm;
		/* MADV_WIPEONFORK: the child starts with none of the parent's pages. */
		tmp->anon_vma = (vma->vm_flags & VM_WIPEONFORK) ? NULL : vma->anon_vma;
		vma_link(mm, tmp);
		if (tmp->vm_ops && tmp->vm_ops->open)
			tmp->vm_ops->open(tmp);
		if (vma->vm_flags & VM_WIPEONFORK)
			continue;
		/* File pages refault in the child; anon and raw pfns must be copied. */
		if (vma->anon_vma || (vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))) {
			ret = copy_page_range(tmp, vma);
			if (ret)
				break;
		}
	}
	mmap_write_unlock(mm);
	mmap_write_unlock(oldmm);
	mm_trace("fork", "parent=%s child=%s -> %d", oldmm->owner, mm->owner, ret);
	return ret;
}

struct process *process_create(const char *name)
{
	struct process *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->mm = mm_alloc();
	if (!p->mm) {
		free(p);
		return NULL;
	}
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	snprintf(p->mm->owner, sizeof(p->mm->owner), "%s", p->name);
	return p;
}

struct process *process_fork(struct process *parent, const char *name)
{
	struct process *child;

	if (!parent)
		return NULL;
	child = process_create(name);
	if (!child)
		return NULL;
	if (dup_mmap(child->mm, parent->mm)) {
		process_destroy(child);
		return NULL;
	}
	return child;
}

void process_destroy(struct process *p)
{
	if (!p)
		return;
	mmput(p->mm);
	free(p);
}
