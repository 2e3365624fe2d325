/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mremap(): shrink, grow in place, or move a mapping. A move moves the page
 * tables, not the memory: each PTE (present, or a migration entry) goes to
 * its new address as it is, so the pages keep their references, pins,
 * PageAnonExclusive and mapcounts, and the new VMA keeps the old vm_pgoff so
 * that the rmap still finds every page. A PMD-mapped THP moves as one PMD
 * when both ends are PMD-aligned and the whole PMD moves; otherwise the PMD
 * is split and its PTEs move (the folio stays whole).
 */
#include "internal.h"

/* The PMD and its deposited PTE table go to the new place (move_huge_pmd). */
static void move_huge_pmd(struct vm_area_struct *vma, unsigned long old_addr, pmd_t *old_pmd,
			  unsigned long new_addr, pmd_t *new_pmd)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *old_ptl = pmd_lockptr(mm, old_pmd), *new_ptl = pmd_lockptr(mm, new_pmd);
	struct page *pgtable;
	pmd_t pmd;

	spin_lock(old_ptl);
	if (new_ptl != old_ptl)
		spin_lock(new_ptl);
	pmd = pmdp_huge_get_and_clear(mm, old_addr, old_pmd);
	pgtable = pgtable_trans_huge_withdraw(mm, old_pmd);
	if (pgtable)
		pgtable_trans_huge_deposit(mm, new_pmd, pgtable);
	set_pmd_at(mm, new_addr, new_pmd, pmd);
	flush_tlb_range(vma, old_addr, old_addr + PMD_SIZE);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	spin_unlock(old_ptl);
}

static int move_ptes(struct vm_area_struct *vma, pmd_t *old_pmd, unsigned long old_addr,
		     unsigned long old_end, pmd_t *new_pmd, unsigned long new_addr)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long start = old_addr;
	spinlock_t *old_ptl, *new_ptl;
	pte_t *old_pte, *new_pte;
	bool flush = false;

	old_pte = pte_offset_map_lock(mm, old_pmd, old_addr, &old_ptl);
	if (!old_pte)
		return 0;
	new_pte = pte_offset_map(new_pmd, new_addr);
	if (!new_pte) {
		pte_unmap_unlock(old_pte, old_ptl);
		return -EAGAIN;
	}
	new_ptl = pte_lockptr(mm, new_pmd);
	if (new_ptl != old_ptl)
		spin_lock(new_ptl);
	for (unsigned long i = 0; start + (i << PAGE_SHIFT) < old_end; i++) {
		pte_t pte = ptep_get(old_pte + i);

		if (pte_none(pte))
			continue;
		pte = ptep_get_and_clear(mm, old_addr + (i << PAGE_SHIFT), old_pte + i);
		if (pte_present(pte))
			flush = true;
		set_pte_at(mm, new_addr + (i << PAGE_SHIFT), new_pte + i, pte);
	}
	/* No CPU may still reach a page through its old address once we return. */
	if (flush)
		flush_tlb_range(vma, start, old_end);
	if (new_ptl != old_ptl)
		spin_unlock(new_ptl);
	pte_unmap(new_pte);
	pte_unmap_unlock(old_pte, old_ptl);
	return 0;
}

/* Move the entries of [old_addr, old_addr+len) of @vma to @new_addr; 0 or -ENOMEM. */
static int move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
			    unsigned long new_addr, unsigned long len)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long old_end = old_addr + len, extent;
	struct mmu_notifier_range range;
	int err = 0;

	mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, mm, old_addr, old_end);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	for (; old_addr < old_end; old_addr += extent, new_addr += extent) {
		unsigned long next = pmd_addr_end(old_addr, old_end);
		pmd_t *old_pmd = mm_find_pmd(mm, old_addr), *new_pmd;
		pmd_t v;

		extent = next - old_addr;
		next = pmd_addr_end(new_addr, new_addr + extent);
		if (next - new_addr < extent)
			extent = next - new_addr;
		if (!old_pmd || pmd_none(v = pmdp_get(old_pmd)))
			continue;
		new_pmd = mm_alloc_pmd(mm, new_addr);
		if (!new_pmd) {
			err = -ENOMEM;
			break;
		}
		if (pmd_leaf(v)) {
			if (extent == PMD_SIZE && pmd_trans_huge(v) && pmd_none(pmdp_get(new_pmd))) {
				vma_rmap_lock(vma);
				move_huge_pmd(vma, old_addr, old_pmd, new_addr, new_pmd);
				vma_rmap_unlock(vma);
				continue;
			}
			split_huge_pmd(vma, old_pmd, old_addr);
			/*
			 * A devmap (fsdax) PMD is not split into PTEs: as mainline's
			 * split of a file PMD, it is zapped with the old range and the
			 * new range faults it back from the file.
			 */
			if (pmd_leaf(pmdp_get(old_pmd)))
				continue;
		}
		if (pmd_none(pmdp_get(new_pmd)) && __pte_alloc(mm, new_pmd)) {
			err = -ENOMEM;
			break;
		}
		/*
		 * Model: the rmap locks are held for every move (mainline only when
		 * need_rmap_locks: when a walker could visit the new VMA before the
		 * old one); an rmap walk never sees a page in neither place.
		 */
		vma_rmap_lock(vma);
		err = move_ptes(vma, old_pmd, old_addr, old_addr + extent, new_pmd, new_addr);
		vma_rmap_unlock(vma);
		if (err)
			break;
	}
	mmu_notifier_invalidate_range_end(&range);
	return err;
}

static long move_vma(struct vm_area_struct *vma, unsigned long old_addr, unsigned long old_len,
		     unsigned long new_len, unsigned long new_addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_area_struct *new = vm_area_dup(vma);
	int err;

	if (!new)
		return -ENOMEM;
	new->vm_start = new_addr;
	new->vm_end = new_addr + new_len;
	new->vm_pgoff = vma->vm_pgoff + ((old_addr - vma->vm_start) >> PAGE_SHIFT);
	new->anon_vma = vma->anon_vma;
	vma_link(mm, new);
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	err = move_page_tables(vma, old_addr, new_addr, old_len);
	if (err) {
		/* As mainline: move what was moved back, and fail. */
		move_page_tables(new, new_addr, old_addr, old_len);
		do_munmap_locked(mm, new_addr, new_addr + new_len);
		return err;
	}
	err = do_munmap_locked(mm, old_addr, old_addr + old_len);
	if (err)
		return err;
	vma_merge_neighbours(new);
	return (long)new_addr;
}

/* The VMA [addr, addr+old_len) lies in, if one does; -EFAULT otherwise (vma_to_resize). */
static struct vm_area_struct *vma_to_resize(struct mm_struct *mm, unsigned long addr,
					    unsigned long old_len, unsigned long new_len)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	if (!vma || old_len > vma->vm_end - addr)
		return NULL;
	if (new_len > old_len && (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return NULL;
	return vma;
}

static long mremap_locked(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
			  unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
	struct vm_area_struct *vma;
	long ret;

	/*
	 * Model: mainline (6.1+) moves a hugetlb VMA whose addresses and lengths
	 * are huge-page aligned; pinmm does not move hugetlb page tables and
	 * refuses it, as releases before 6.1 did.
	 */
	vma = vma_lookup(mm, addr);
	if (vma && is_vm_hugetlb_page(vma))
		return -EINVAL;
	if (flags & MREMAP_FIXED) {
		if (new_addr & ~PAGE_MASK)
			return -EINVAL;
		if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len)
			return -EINVAL;
		if (addr + old_len > new_addr && new_addr + new_len > addr)
			return -EINVAL;
		ret = do_munmap_locked(mm, new_addr, new_addr + new_len);
		if (ret)
			return ret;
		if (old_len > new_len) {
			ret = do_munmap_locked(mm, addr + new_len, addr + old_len);
			if (ret)
				return ret;
			old_len = new_len;
		}
		vma = vma_to_resize(mm, addr, old_len, new_len);
		if (!vma)
			return -EFAULT;
		return move_vma(vma, addr, old_len, new_len, new_addr);
	}
	if (old_len >= new_len) {
		ret = do_munmap_locked(mm, addr + new_len, addr + old_len);
		return ret ? ret : (long)addr;
	}
	vma = vma_to_resize(mm, addr, old_len, new_len);
	if (!vma)
		return -EFAULT;
	/* Room above a mapping that ends here: grow in place (vma_expandable). */
	if (addr + old_len == vma->vm_end && addr + new_len <= TASK_SIZE &&
	    addr + new_len > addr && !find_vma_intersection(mm, vma->vm_end, addr + new_len)) {
		vma_rmap_lock(vma);
		WRITE_ONCE(vma->vm_end, addr + new_len);
		vma_rmap_unlock(vma);
		vma_merge_neighbours(vma);
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	ret = get_unmapped_area(mm, 0, new_len);
	if (ret < 0)
		return ret;
	return move_vma(vma, addr, old_len, new_len, (unsigned long)ret);
}

long do_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
	       unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
	long ret;

	if (!mm || (flags & ~(unsigned long)(MREMAP_MAYMOVE | MREMAP_FIXED)))
		return -EINVAL;	/* Model: no MREMAP_DONTUNMAP */
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	/* Model: old_len 0 (a second mapping of a shared one) is refused. */
	if (!new_len || !old_len)
		return -EINVAL;
	if (old_len > TASK_SIZE || addr > TASK_SIZE - old_len)
		return -EFAULT;
	mmap_write_lock(mm);
	ret = mremap_locked(mm, addr, old_len, new_len, flags, new_addr);
	mmap_write_unlock(mm);
	mm_trace("mremap", "mm=%s addr=%#lx old_len=%#lx new_len=%#lx flags=%#lx -> %#lx",
		 mm->owner, addr, old_len, new_len, flags, (unsigned long)ret);
	return ret;
}
