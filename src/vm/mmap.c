/* SPDX-License-Identifier: GPL-2.0-only */
/* mmap, munmap, mprotect and madvise on an mm's VMA set. */
#include <pinmm/vm/swap.h>
#include "internal.h"

static unsigned long calc_vm_prot_bits(unsigned long prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

/* Shared writable file mappings start read-only so the first store is seen. */
static bool vma_wants_writenotify(struct vm_area_struct *vma, unsigned long vm_flags)
{
	if ((vm_flags & (VM_SHARED | VM_WRITE)) != (VM_SHARED | VM_WRITE))
		return false;
	if (vm_flags & (VM_PFNMAP | VM_IO))
		return false;
	if (vma->vm_ops && vma->vm_ops->page_mkwrite)
		return true;
	return vma->vm_file && !shmem_mapping(vma->vm_file->f_mapping);
}

static void vma_set_page_prot(struct vm_area_struct *vma)
{
	unsigned long flags = vma->vm_flags;
	pgprot_t prot = vm_get_page_prot(flags);

	if (vma_wants_writenotify(vma, flags))
		prot = __pgprot(pgprot_val(prot) & ~_PAGE_RW);
	WRITE_ONCE(vma->vm_page_prot.pgprot, pgprot_val(prot));
}

/* @huge: a hugetlb page size the address must be aligned to (hugetlb_get_unmapped_area()), or 0. */
static long __get_unmapped_area(struct mm_struct *mm, unsigned long hint, unsigned long len,
				unsigned long huge)
{
	unsigned long align = huge ? huge : len >= PMD_SIZE ? PMD_SIZE : PAGE_SIZE;
	struct vm_area_struct *vma;
	unsigned long addr;

	if (hint) {
		hint = ALIGN_UP(hint, huge ? huge : PAGE_SIZE);
		if (hint + len <= TASK_SIZE && hint + len > hint &&
		    !find_vma_intersection(mm, hint, hint + len))
			return (long)hint;
	}
	/* Model: 2 MiB alignment for every large mapping (thp_get_unmapped_area). */
	addr = ALIGN_UP(mm->mmap_base, align);
	for_each_vma(mm, vma) {
		if (vma->vm_end <= addr)
			continue;
		if (addr + len <= vma->vm_start)
			break;
		addr = ALIGN_UP(vma->vm_end, align);
	}
	if (addr + len > TASK_SIZE)
		return -ENOMEM;
	return (long)addr;
}

long get_unmapped_area(struct mm_struct *mm, unsigned long hint, unsigned long len)
{
	return __get_unmapped_area(mm, hint, len, 0);
}

int do_munmap_locked(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma = find_vma_intersection(mm, start, end), *last, *tmp;
	int err;

	if (!vma)
		return 0;
	if (start > vma->vm_start) {
		err = split_vma(vma, start, 1);
		if (err)
			return err;
	}
	last = find_vma_intersection(mm, end - 1, end);
	if (last && last->vm_end > end) {
		err = split_vma(last, end, 0);
		if (err)
			return err;
	}
	vma = find_vma_intersection(mm, start, end);
	for (tmp = vma; tmp && tmp->vm_start < end; tmp = vma_next(tmp))
		unmap_vma_range(tmp, tmp->vm_start, tmp->vm_end, NULL, MMU_NOTIFY_UNMAP);
	while (vma && vma->vm_start < end) {
		tmp = vma_next(vma);
		vma_unlink(mm, vma);
		remove_vma(vma);
		vma = tmp;
	}
	free_pgd_range(mm, start, ALIGN_UP(end, PMD_SIZE));
	return 0;
}

static void populate_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	mmap_read_lock(mm);
	for (unsigned long a = start, next; a < end; a = next) {
		struct vm_area_struct *vma = vma_lookup(mm, a);
		unsigned int flags = 0;
		pmd_t *pmd;

		next = a + PAGE_SIZE;
		if (!vma || (vma->vm_flags & (VM_IO | VM_PFNMAP)))
			continue;
		if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
			flags |= FAULT_FLAG_WRITE;
		if (handle_mm_fault(vma, a, flags) & VM_FAULT_ERROR)
			break;
		/* A hugetlb fault mapped the whole huge page. */
		if (is_vm_hugetlb_page(vma)) {
			next = ALIGN_UP(a + 1, huge_page_size(hstate_vma(vma)));
			continue;
		}
		/* A THP fault mapped the whole PMD: GUP would follow it, not fault again. */
		pmd = mm_find_pmd(mm, a);
		if (pmd && pmd_leaf(pmdp_get(pmd)))
			next = ALIGN_UP(a + 1, PMD_SIZE);
	}
	mmap_read_unlock(mm);
}

const struct trace_flag prot_names[] = {
	{ PROT_READ, "PROT_READ" }, { PROT_WRITE, "PROT_WRITE" }, { PROT_EXEC, "PROT_EXEC" },
	{ 0, NULL },
};

/* MAP_PRIVATE before MAP_SHARED: MAP_SHARED_VALIDATE is both bits. */
const struct trace_flag map_flag_names[] = {
	{ MAP_SHARED, "MAP_SHARED" }, { MAP_PRIVATE, "MAP_PRIVATE" }, { MAP_FIXED, "MAP_FIXED" },
	{ MAP_ANONYMOUS, "MAP_ANONYMOUS" }, { MAP_POPULATE, "MAP_POPULATE" },
	{ MAP_NORESERVE, "MAP_NORESERVE" }, { MAP_LOCKED, "MAP_LOCKED" },
	{ MAP_HUGETLB, "MAP_HUGETLB" },
	{ 0, NULL },
};

void mm_populate(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	populate_range(mm, start, start + len);
}

long vm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long prot,
	     unsigned long flags, struct file *file, pgoff_t pgoff)
{
	unsigned long type = flags & MAP_TYPE, vm_flags;
	struct hstate *hs = NULL;
	struct file *hfile = NULL;
	bool writable_file_mapping = false;
	struct vm_area_struct *vma;
	long ret;
	int err;

	if (!mm || !len || (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > TASK_SIZE)
		return -ENOMEM;
	if (flags & MAP_ANONYMOUS) {
		file = NULL;
		pgoff = 0;
	} else if (!file) {
		return -EINVAL;	/* mainline: -EBADF */
	} else if (flags & MAP_HUGETLB && !is_file_hugepages(file)) {
		return -EINVAL;
	}
	/*
	 * ksys_mmap_pgoff(): MAP_HUGE_2MB/MAP_HUGE_1GB pick the hstate (none: the
	 * default one), and a hugetlb length is a whole number of huge pages.
	 */
	if ((flags & MAP_HUGETLB) && !file) {
		unsigned int log = (unsigned int)(flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

		hs = log ? size_to_hstate(1UL << log) : &default_hstate;
		if (!hs)
			return -EINVAL;
	} else if (is_file_hugepages(file)) {
		hs = hstate_file(file);
	}
	if (hs) {
		len = ALIGN_UP(len, huge_page_size(hs));
		if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & ~huge_page_mask(hs)))
			return -EINVAL;
		if (!len || len > TASK_SIZE)
			return -ENOMEM;
	}
	/* MAP_HUGETLB|MAP_ANONYMOUS maps an unlinked hugetlbfs file (hugetlb_file_setup()). */
	if ((flags & MAP_HUGETLB) && !file) {
		hfile = hugetlb_file_setup(len, hs);
		if (!hfile)
			return -ENOMEM;
		file = hfile;
	}
	vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (type == MAP_SHARED)
		vm_flags |= VM_SHARED | VM_MAYSHARE;
	if (file) {
		if (!file->f_op || !file->f_op->mmap)
			return -ENODEV;
		if (!(file->f_mode & FMODE_READ))
			return -EACCES;
		if (type == MAP_SHARED && (prot & PROT_WRITE) && !(file->f_mode & FMODE_WRITE))
			return -EACCES;
		if (type == MAP_SHARED && !(file->f_mode & FMODE_WRITE))
			vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		if (file->f_op->check_mmap_flags) {
			err = file->f_op->check_mmap_flags(file, &vm_flags);
			if (err) {
				if (hfile)
					fput(hfile);
				return err;
			}
		}
		if (pgoff + (len >> PAGE_SHIFT) < pgoff)
			return -EOVERFLOW;
	}

	mmap_write_lock(mm);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & ~PAGE_MASK) {
			ret = -EINVAL;
			goto out;
		}
		if (addr + len > TASK_SIZE || addr + len < addr) {
			ret = -ENOMEM;
			goto out;
		}
		if ((flags & MAP_FIXED_NOREPLACE) && find_vma_intersection(mm, addr, addr + len)) {
			ret = -EEXIST;
			goto out;
		}
		err = do_munmap_locked(mm, addr, addr + len);
		if (err) {
			ret = err;
			goto out;
		}
		ret = (long)addr;
	} else {
		ret = __get_unmapped_area(mm, addr, len, hs ? huge_page_size(hs) : 0);
		if (ret < 0)
			goto out;
	}
	addr = (unsigned long)ret;

	vma = vm_area_alloc(mm);
	if (!vma) {
		ret = -ENOMEM;
		goto out;
	}
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = file ? pgoff : addr >> PAGE_SHIFT;
	vma->vm_page_prot = vm_get_page_prot(vm_flags);
	if (file && file->f_mapping && is_shared_maywrite(vm_flags)) {
		/* A sealed memfd holds i_mmap_writable negative: no new writable share. */
		err = mapping_map_writable(file->f_mapping);
		if (err) {
			vm_area_free_raw(vma);
			ret = err;
			goto out;
		}
		writable_file_mapping = true;
	}
	if (file) {
		vma->vm_file = get_file(file);
		err = file->f_op->mmap(file, vma);
	} else if (vm_flags & VM_SHARED) {
		err = shmem_zero_setup(vma);
	} else {
		err = 0;
	}
	if (err) {
		/* The driver may have mapped pfns before failing. */
		unmap_vma_range(vma, vma->vm_start, vma->vm_end, NULL, MMU_NOTIFY_UNMAP);
		if (writable_file_mapping)
			mapping_unmap_writable(file->f_mapping);
		if (vma->vm_file)
			fput(vma->vm_file);
		free_pgd_range(mm, addr, ALIGN_UP(addr + len, PMD_SIZE));
		vm_area_free_raw(vma);
		ret = err;
		goto out;
	}
	vma_set_page_prot(vma);
	vma_link(mm, vma);
	if (writable_file_mapping)
		mapping_unmap_writable(file->f_mapping);
	vma_merge_neighbours(vma);
	if (unlikely(READ_ONCE(mm_trace_on))) {
		char p[64], f[128];

		mm_trace("mmap", "mm=%s addr=%#lx len=%#lx prot=%s flags=%s%s", mm->owner, addr, len,
			 trace_flags(p, sizeof(p), prot, prot_names),
			 trace_flags(f, sizeof(f), flags, map_flag_names), file ? " file" : "");
	}
out:
	mmap_write_unlock(mm);
	if (hfile)
		fput(hfile);	/* the VMA holds its own */
	if (ret >= 0 && (flags & MAP_POPULATE))
		populate_range(mm, (unsigned long)ret, (unsigned long)ret + len);
	return ret;
}

int vm_munmap(struct mm_struct *mm, unsigned long start, size_t len)
{
	unsigned long end;
	int err;

	if (!mm || (start & ~PAGE_MASK) || !len || len > TASK_SIZE || start > TASK_SIZE - len)
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	mmap_write_lock(mm);
	err = do_munmap_locked(mm, start, end);
	mmap_write_unlock(mm);
	mm_trace("munmap", "mm=%s addr=%#lx len=%#zx -> %d", mm->owner, start, len, err);
	return err;
}

/* Split so that exactly [start, end) is covered by whole VMAs; -ENOMEM on a hole. */
static int vma_range_prepare(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma = find_vma_intersection(mm, start, end);
	unsigned long a = start;
	int err;

	for (struct vm_area_struct *v = vma; a < end; v = vma_next(v)) {
		if (!v || v->vm_start > a)
			return -ENOMEM;
		a = v->vm_end;
	}
	if (vma->vm_start < start) {
		err = split_vma(vma, start, 1);
		if (err)
			return err;
	}
	vma = find_vma_intersection(mm, end - 1, end);
	if (vma->vm_end > end)
		return split_vma(vma, end, 0);
	return 0;
}

static void change_pte_range(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
			     unsigned long end, pgprot_t newprot, bool may_write)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long start = addr;
	spinlock_t *ptl;
	pte_t *pte = pte_offset_map_lock(mm, pmd, addr, &ptl);

	if (!pte)
		return;
	for (; addr < end; addr += PAGE_SIZE, pte++) {
		pte_t old = ptep_get(pte);

		if (pte_present(old)) {
			pte_t new = pte_modify(old, newprot);

			/*
			 * Model: a PTE that was not writable stays read-only, and
			 * the next write faults (do_wp_page() reuses an exclusive
			 * anon page, makes a shared one writable). The kernel maps
			 * it writable at once where vm_page_prot allows (a shared
			 * mapping without write-notify) or can_change_pte_writable()
			 * sees the fault would not copy (an exclusive anon page, a
			 * dirty shared one), unless soft-dirty or uffd-wp tracking
			 * wants the fault; cow.c clears soft-dirty before its
			 * R/O-exclusive cases so that the kernel, too, keeps them
			 * read-only. The same page ends up mapped either way.
			 */
			new = (pte_write(old) && may_write) ? pte_mkwrite(new) : pte_wrprotect(new);
			/* Atomic: keep a dirty bit the "CPU" sets meanwhile. */
			while (!__atomic_compare_exchange_n(&pte->pte, &old.pte,
							    pte_val(new) | (pte_val(old) & _PAGE_DIRTY),
							    false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				;
		} else if (is_migration_pte(old) && !may_write) {
			swp_entry_t e = pte_to_swp_entry(old);

			if (is_writable_migration_entry(e)) {
				swp_entry_t n = is_anon_migration_entry(e) ?
					make_migration_entry_anon(
						make_readable_exclusive_migration_entry(swp_offset_pfn(e))) :
					make_readable_migration_entry(swp_offset_pfn(e));

				if (is_migration_entry_dirty(e))
					n = make_migration_entry_dirty(n);
				set_pte_at(mm, addr, pte, swp_entry_to_pte(n));
			}
		}
	}
	flush_tlb_range(vma, start, end);
	pte_unmap_unlock(pte - 1, ptl);
}

static void change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mmu_notifier_range range;
	bool may_write = READ_ONCE(vma->vm_flags) & VM_WRITE;
	pgprot_t prot = vma->vm_page_prot;
	unsigned long next;

	mmu_notifier_range_init(&range, MMU_NOTIFY_PROTECTION_VMA, 0, vma->vm_mm, start, end);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	if (is_vm_hugetlb_page(vma)) {
		hugetlb_change_protection(vma, start, end, prot);
		end = start;
	}
	for (unsigned long a = start; a < end; a = next) {
		pmd_t *pmd = mm_find_pmd(vma->vm_mm, a);
		pmd_t v;

		next = pmd_addr_end(a, end);
		if (!pmd)
			continue;
		v = pmdp_get(pmd);
		if (pmd_none(v))
			continue;
		if (pmd_leaf(v)) {
			if (next - a == PMD_SIZE) {
				change_huge_pmd(vma, pmd, a, prot);
				continue;
			}
			split_huge_pmd(vma, pmd, a);
		}
		change_pte_range(vma, pmd, a, next, prot, may_write);
	}
	mmu_notifier_invalidate_range_end(&range);
}

int do_mprotect(struct mm_struct *mm, unsigned long start, size_t len, unsigned long prot)
{
	unsigned long end, newbits;
	struct vm_area_struct *vma;
	int err;

	if (!mm || (start & ~PAGE_MASK) || (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (!len)
		return 0;
	if (len > TASK_SIZE || start > TASK_SIZE - len)
		return -ENOMEM;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	newbits = calc_vm_prot_bits(prot);
	mmap_write_lock(mm);
	/*
	 * do_mprotect_pkey(): one VMA after another, so a hole (-ENOMEM) or a
	 * VMA that may not get the access (-EACCES) leaves the VMAs before it
	 * changed. A hole at @start changes nothing.
	 */
	err = 0;
	vma = find_vma_intersection(mm, start, end);
	for (unsigned long a = start; a < end;) {
		if (!vma || vma->vm_start > a) {
			err = -ENOMEM;
			break;
		}
		if (newbits & ~(vma->vm_flags >> 4) & VM_ACCESS_FLAGS) {
			err = -EACCES;
			break;
		}
		if (vma->vm_start < a && (err = split_vma(vma, a, 1)))
			break;
		if (vma->vm_end > end && (err = split_vma(vma, end, 0)))
			break;
		WRITE_ONCE(vma->vm_flags, (vma->vm_flags & ~VM_ACCESS_FLAGS) | newbits);
		vma_set_page_prot(vma);
		change_protection(vma, vma->vm_start, vma->vm_end);
		/* A neighbour it merges with has these flags already. */
		vma = vma_merge_neighbours(vma);
		a = vma->vm_end;
		vma = vma_next(vma);
	}
	mmap_write_unlock(mm);
	if (unlikely(READ_ONCE(mm_trace_on))) {
		char p[64];

		mm_trace("mprotect", "mm=%s addr=%#lx len=%#zx prot=%s -> %d", mm->owner, start, len,
			 trace_flags(p, sizeof(p), prot, prot_names), err);
	}
	return err;
}

int do_madvise(struct mm_struct *mm, unsigned long start, size_t len, int behavior)
{
	unsigned long end, set = 0, clear = 0;
	struct vm_area_struct *vma;
	int err = 0;

	if (!mm || (start & ~PAGE_MASK))
		return -EINVAL;
	if (!len)
		return 0;
	if (len > TASK_SIZE || start > TASK_SIZE - len)
		return -EINVAL;
	end = start + ALIGN_UP(len, PAGE_SIZE);
	switch (behavior) {
	case MADV_DONTNEED: {
		unsigned long a = start;

		mmap_read_lock(mm);
		for (vma = find_vma_intersection(mm, start, end); vma && vma->vm_start < end;
		     vma = vma_next(vma)) {
			if (vma->vm_start > a)
				err = -ENOMEM;
			if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP)) {
				err = -EINVAL;
				break;
			}
			/*
			 * madvise_dontneed_free_valid_vma(): a hugetlb range starts on
			 * a huge page, and its end rounds down, so no huge page is
			 * dropped that the caller did not cover.
			 */
			if (is_vm_hugetlb_page(vma) && (((start > vma->vm_start ? start : vma->vm_start)) &
							~huge_page_mask(hstate_vma(vma)))) {
				err = -EINVAL;
				break;
			}
			unmap_vma_range(vma, start, end, NULL, MMU_NOTIFY_CLEAR);
			a = vma->vm_end;
		}
		if (a < end && !err)
			err = -ENOMEM;
		mmap_read_unlock(mm);
		mm_trace("madvise", "mm=%s addr=%#lx len=%#zx dontneed -> %d", mm->owner, start, len,
			 err);
		return err;
	}
	case MADV_PAGEOUT: {
		unsigned long a = start;

		mmap_read_lock(mm);
		for (vma = find_vma_intersection(mm, start, end); vma && vma->vm_start < end;
		     vma = vma_next(vma)) {
			if (vma->vm_start > a)
				err = -ENOMEM;
			/* can_madv_lru_vma() */
			if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) {
				err = -EINVAL;
				break;
			}
			madvise_pageout_vma(vma, start, end);
			a = vma->vm_end;
		}
		if (a < end && !err)
			err = -ENOMEM;
		mmap_read_unlock(mm);
		mm_trace("madvise", "mm=%s addr=%#lx len=%#zx pageout -> %d", mm->owner, start, len,
			 err);
		return err;
	}
	case MADV_COLLAPSE:
		/* An advice the release does not know is EINVAL. */
		if (!kernel_has(KSW_MADV_COLLAPSE))
			return -EINVAL;
		return madvise_collapse(mm, start, end);
	case MADV_HUGEPAGE:
		set = VM_HUGEPAGE;
		clear = VM_NOHUGEPAGE;
		break;
	case MADV_NOHUGEPAGE:
		set = VM_NOHUGEPAGE;
		clear = VM_HUGEPAGE;
		break;
	case MADV_DONTFORK:
		set = VM_DONTCOPY;
		break;
	case MADV_DOFORK:
		clear = VM_DONTCOPY;
		break;
	case MADV_WIPEONFORK:
		set = VM_WIPEONFORK;
		break;
	case MADV_KEEPONFORK:
		clear = VM_WIPEONFORK;
		break;
	default:
		return -EINVAL;
	}
	/* As the kernel: wiping on fork means something only for private anonymous memory. */
	if (behavior == MADV_WIPEONFORK) {
		mmap_read_lock(mm);
		for (vma = find_vma_intersection(mm, start, end); vma && vma->vm_start < end;
		     vma = vma_next(vma))
			if (vma->vm_file || (vma->vm_flags & VM_SHARED))
				err = -EINVAL;
		mmap_read_unlock(mm);
		if (err)
			return err;
	}
	mmap_write_lock(mm);
	err = vma_range_prepare(mm, start, end);
	if (!err) {
		for (vma = find_vma_intersection(mm, start, end); vma && vma->vm_start < end;) {
			WRITE_ONCE(vma->vm_flags, (vma->vm_flags & ~clear) | set);
			vma = vma_next(vma_merge_neighbours(vma));
		}
	}
	mmap_write_unlock(mm);
	return err;
}
