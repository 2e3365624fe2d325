/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated CPU: loads and stores at user addresses, translated through the
 * page tables the way the MMU does (lockless walk, accessed/dirty bits set by
 * an atomic update of the entry), faulting through handle_mm_fault() on a miss.
 */
#include <sched.h>
#include "internal.h"

enum uop { U_READ, U_WRITE, U_MEMSET };

struct uaccess_req {
	enum uop op;
	unsigned char *buf;
	int c;
};

static void do_access(struct page *page, size_t off, size_t len, const struct uaccess_req *r)
{
	switch (r->op) {
	case U_READ:
		memcpy_from_page(r->buf, page, off, len);
		break;
	case U_WRITE:
		memcpy_to_page(page, off, r->buf, len);
		break;
	case U_MEMSET:
		memset_page(page, off, r->c, len);
		break;
	}
}

/* 0 when done, 1 when the MMU would fault. @len stays inside one page. */
static int mmu_access(struct mm_struct *mm, unsigned long addr, size_t len,
		      const struct uaccess_req *r)
{
	bool write = r->op != U_READ;
	unsigned long want = _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	int ret = 1;

	pthread_rwlock_rdlock(&mm->tlb_sync);
	mm_rcu_read_lock();
	for (;;) {
		pud_t *pud = mm_find_pud(mm, addr);
		unsigned long leaf_mask = ~PMD_MASK;
		pmd_t *pmd = NULL;
		struct page *page;
		pmd_t pmdv;

		/* A 1 GiB hugetlb page: the PUD is the leaf (same format as a PMD leaf). */
		if (pud && pud_leaf(pudp_get(pud))) {
			pmd = (pmd_t *)pud;
			leaf_mask = ~PUD_MASK;
		} else {
			pmd = mm_find_pmd(mm, addr);
		}
		if (!pmd)
			break;
		pmdv = pmdp_get(pmd);
		if (pmd_leaf(pmdv)) {
			if (!(pmd_val(pmdv) & _PAGE_PRESENT) || (write && !pmd_write(pmdv)))
				break;
			if ((pmd_val(pmdv) & want) != want &&
			    !__atomic_compare_exchange_n(&pmd->pmd, &pmdv.pmd, pmd_val(pmdv) | want,
							 false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				continue;
			page = pmd_page(pmdv) + ((addr & leaf_mask) >> PAGE_SHIFT);
		} else if (pmd_present(pmdv) && !pmd_none(pmdv)) {
			pte_t *ptep = pmd_pgtable(pmdv) + pte_index(addr);
			pte_t pte = ptep_get(ptep);

			if (!pte_hw_present(pte) || (write && !pte_write(pte)) ||
			    !pfn_valid(pte_pfn(pte)))
				break;
			if ((pte_val(pte) & want) != want &&
			    !__atomic_compare_exchange_n(&ptep->pte, &pte.pte, pte_val(pte) | want,
							 false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
				continue;
			page = pfn_to_page(pte_pfn(pte));
		} else {
			break;
		}
		do_access(page, addr & ~PAGE_MASK, len, r);
		ret = 0;
		break;
	}
	mm_rcu_read_unlock();
	pthread_rwlock_unlock(&mm->tlb_sync);
	return ret;
}

/* The page-fault path of the simulated CPU: 0, or -EFAULT/-ENOMEM (the signal). */
static int cpu_fault(struct mm_struct *mm, unsigned long addr, bool write)
{
	struct vm_area_struct *vma;
	unsigned long flags;
	vm_fault_t ret;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma) {
		mmap_read_unlock(mm);
		return -EFAULT;
	}
	flags = READ_ONCE(vma->vm_flags);
	/* Model: raw pfn ranges (MMIO) are not accessible to the simulated CPU. */
	if ((flags & (VM_IO | VM_PFNMAP)) || (write && !(flags & VM_WRITE)) ||
	    !(flags & VM_ACCESS_FLAGS)) {
		mmap_read_unlock(mm);
		return -EFAULT;
	}
	ret = handle_mm_fault(vma, addr, (write ? FAULT_FLAG_WRITE : 0) | FAULT_FLAG_USER);
	mmap_read_unlock(mm);
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (ret & VM_FAULT_ERROR)
		return -EFAULT;
	return 0;
}

static int uaccess(struct mm_struct *mm, unsigned long addr, size_t len, struct uaccess_req *r)
{
	if (!mm || addr + len < addr || addr + len > TASK_SIZE)
		return -EFAULT;
	while (len) {
		size_t chunk = PAGE_SIZE - (addr & ~PAGE_MASK);
		int tries = 0;

		if (chunk > len)
			chunk = len;
		while (mmu_access(mm, addr, chunk, r)) {
			int err = cpu_fault(mm, addr, r->op != U_READ);

			if (err)
				return err;
			/* Lost to munmap/migration/COW races again and again: yield. */
			if (++tries > 16)
				sched_yield();
			if (tries > 100000)
				return -EFAULT;
		}
		if (r->op != U_MEMSET)
			r->buf += chunk;
		addr += chunk;
		len -= chunk;
	}
	return 0;
}

int uaccess_write(struct mm_struct *mm, unsigned long addr, const void *src, size_t len)
{
	struct uaccess_req r = { .op = U_WRITE, .buf = (unsigned char *)(uintptr_t)src };

	if (!src && len)
		return -EINVAL;
	return uaccess(mm, addr, len, &r);
}

int uaccess_read(struct mm_struct *mm, unsigned long addr, void *dst, size_t len)
{
	struct uaccess_req r = { .op = U_READ, .buf = dst };

	if (!dst && len)
		return -EINVAL;
	return uaccess(mm, addr, len, &r);
}

int uaccess_memset(struct mm_struct *mm, unsigned long addr, int c, size_t len)
{
	struct uaccess_req r = { .op = U_MEMSET, .c = c };

	return uaccess(mm, addr, len, &r);
}
