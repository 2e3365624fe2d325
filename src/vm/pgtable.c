/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page-table pages: allocation from the buddy allocator, the split PTL, the
 * lockless-safe mapping of PTE tables, and freeing only after an RCU grace
 * period so that GUP-fast and the simulated MMU never walk freed memory.
 */
#include <stdlib.h>
#include "internal.h"

/*
 * Model: the PTL of a page-table page is a one-word spinlock kept in its
 * struct page's ->private (mainline keeps a spinlock_t, or a pointer to one,
 * in the ptdesc). The buddy allocator zeroes ->private on alloc and free, which
 * is the unlocked state.
 */
static struct page *pt_alloc(struct mm_struct *mm)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);

	if (!page)
		return NULL;
	spin_lock_init(&page->private);
	atomic_fetch_add(&mm->pgtables_bytes, (long)PAGE_SIZE);
	return page;
}

/* A table that was never published: nobody can be walking it. */
static void pt_free_now(struct mm_struct *mm, struct page *page)
{
	atomic_fetch_sub(&mm->pgtables_bytes, (long)PAGE_SIZE);
	page->private = 0;
	__free_pages(page, 0);
}

struct pt_rcu {
	struct mm_rcu_head rcu;
	struct page *page;
};

static void pt_free_rcu_cb(struct mm_rcu_head *head)
{
	struct pt_rcu *p = container_of(head, struct pt_rcu, rcu);

	__free_pages(p->page, 0);
	free(p);
}

void pt_free_deferred(struct mm_struct *mm, struct page *page)
{
	struct pt_rcu *p = malloc(sizeof(*p));

	atomic_fetch_sub(&mm->pgtables_bytes, (long)PAGE_SIZE);
	WARN_ON_ONCE(spin_is_locked(&page->private));
	if (!p) {
		/* As tlb_remove_table_one(): no memory to defer, so wait here. */
		mm_synchronize_rcu();
		__free_pages(page, 0);
		return;
	}
	p->page = page;
	mm_call_rcu(&p->rcu, pt_free_rcu_cb);
}

int mm_alloc_pgd(struct mm_struct *mm)
{
	struct page *page = pt_alloc(mm);

	if (!page)
		return -ENOMEM;
	mm->pgd = page_address(page);
	return 0;
}

void mm_free_pgd(struct mm_struct *mm)
{
	if (mm->pgd)
		pt_free_deferred(mm, virt_to_table_page(mm->pgd));
	mm->pgd = NULL;
}

static pud_t *pud_alloc(struct mm_struct *mm, pgd_t *pgd, unsigned long addr)
{
	if (pgd_none(pgdp_get(pgd))) {
		struct page *new = pt_alloc(mm);

		if (!new)
			return NULL;
		spin_lock(&mm->page_table_lock);
		if (pgd_none(pgdp_get(pgd))) {
			__atomic_store_n(&pgd->pgd, pfn_to_phys(page_to_pfn(new)) | _PAGE_TABLE,
					 __ATOMIC_RELEASE);
			new = NULL;
		}
		spin_unlock(&mm->page_table_lock);
		if (new)
			pt_free_now(mm, new);
	}
	return pud_offset(pgd, addr);
}

static pmd_t *pmd_alloc(struct mm_struct *mm, pud_t *pud, unsigned long addr)
{
	if (pud_none(pudp_get(pud))) {
		struct page *new = pt_alloc(mm);

		if (!new)
			return NULL;
		spin_lock(&mm->page_table_lock);
		if (pud_none(pudp_get(pud))) {
			__atomic_store_n(&pud->pud, pfn_to_phys(page_to_pfn(new)) | _PAGE_TABLE,
					 __ATOMIC_RELEASE);
			new = NULL;
		}
		spin_unlock(&mm->page_table_lock);
		if (new)
			pt_free_now(mm, new);
	}
	return pmd_offset(pud, addr);
}

pmd_t *mm_alloc_pmd(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pud = pud_alloc(mm, pgd_offset(mm, addr), addr);

	return pud ? pmd_alloc(mm, pud, addr) : NULL;
}

pud_t *mm_find_pud(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);

	if (!pgd_present(pgdp_get(pgd)))
		return NULL;
	return pud_offset(pgd, addr);
}

/* A PUD leaf (1 GiB hugetlb) or a non-present PUD has no PMD table under it. */
pmd_t *mm_find_pmd(struct mm_struct *mm, unsigned long addr)
{
	pud_t *pud = mm_find_pud(mm, addr);
	pud_t v;

	if (!pud)
		return NULL;
	v = pudp_get(pud);
	if (!(pud_val(v) & _PAGE_PRESENT) || pud_leaf(v))
		return NULL;
	return pmd_offset(pud, addr);
}

/*
 * The entry that maps a huge page of @sz at @addr: a PMD slot for 2 MiB, a
 * PUD slot for 1 GiB (returned as pmd_t *: same format, see pgtable.h).
 */
pmd_t *huge_pte_offset(struct mm_struct *mm, unsigned long addr, unsigned long sz)
{
	if (sz == PUD_SIZE)
		return (pmd_t *)mm_find_pud(mm, addr);
	return mm_find_pmd(mm, addr);
}

pmd_t *huge_pte_alloc(struct mm_struct *mm, unsigned long addr, unsigned long sz)
{
	if (sz == PUD_SIZE)
		return (pmd_t *)pud_alloc(mm, pgd_offset(mm, addr), addr);
	return mm_alloc_pmd(mm, addr);
}

struct page *pte_table_alloc(struct mm_struct *mm)
{
	return pt_alloc(mm);
}

void pte_table_free_unused(struct mm_struct *mm, struct page *page)
{
	pt_free_now(mm, page);
}

void pmd_populate(struct mm_struct *mm, pmd_t *pmd, struct page *table)
{
	set_pmd_at(mm, 0, pmd, __pmd(pfn_to_phys(page_to_pfn(table)) | _PAGE_TABLE));
}

int __pte_alloc(struct mm_struct *mm, pmd_t *pmd)
{
	struct page *new = pt_alloc(mm);
	spinlock_t *ptl;

	if (!new)
		return -ENOMEM;
	ptl = pmd_lock(mm, pmd);
	if (pmd_none(pmdp_get(pmd))) {
		pmd_populate(mm, pmd, new);
		new = NULL;
	}
	spin_unlock(ptl);
	if (new)
		pt_free_now(mm, new);
	return 0;
}

spinlock_t *pte_lockptr(struct mm_struct *mm, pmd_t *pmd)
{
	(void)mm;
	return &pfn_to_page(pmd_pfn(pmdp_get(pmd)))->private;
}

spinlock_t *pmd_lockptr(struct mm_struct *mm, pmd_t *pmd)
{
	(void)mm;
	return &virt_to_table_page(pmd)->private;
}

spinlock_t *pmd_lock(struct mm_struct *mm, pmd_t *pmd)
{
	spinlock_t *ptl = pmd_lockptr(mm, pmd);

	spin_lock(ptl);
	return ptl;
}

/*
 * As mainline's __pte_offset_map(): the RCU read lock keeps the table alive
 * even if a concurrent munmap unlinks it; the caller re-checks the pmd under
 * the PTL when it must know the table is still the live one.
 */
static pte_t *__pte_offset_map(pmd_t *pmd, unsigned long addr, pmd_t *pmdvalp)
{
	pmd_t v;

	mm_rcu_read_lock();
	v = pmdp_get_lockless(pmd);
	if (pmd_none(v) || !pmd_present(v) || pmd_leaf(v)) {
		mm_rcu_read_unlock();
		return NULL;
	}
	if (pmdvalp)
		*pmdvalp = v;
	return pmd_pgtable(v) + pte_index(addr);
}

pte_t *pte_offset_map(pmd_t *pmd, unsigned long addr)
{
	return __pte_offset_map(pmd, addr, NULL);
}

void pte_unmap(pte_t *pte)
{
	(void)pte;
	mm_rcu_read_unlock();
}

pte_t *pte_offset_map_lock(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,
			   spinlock_t **ptlp)
{
	(void)mm;
	for (;;) {
		pmd_t v;
		pte_t *pte = __pte_offset_map(pmd, addr, &v);
		spinlock_t *ptl;

		if (!pte)
			return NULL;
		ptl = &pfn_to_page(pmd_pfn(v))->private;
		spin_lock(ptl);
		if (likely(pmd_same(v, pmdp_get(pmd)))) {
			*ptlp = ptl;
			return pte;
		}
		spin_unlock(ptl);
		pte_unmap(pte);
	}
}

void pte_unmap_unlock(pte_t *pte, spinlock_t *ptl)
{
	spin_unlock(ptl);
	pte_unmap(pte);
}

pte_t *pte_alloc_map_lock(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,
			  spinlock_t **ptlp)
{
	for (;;) {
		pmd_t v = pmdp_get(pmd);
		pte_t *pte;

		if (pmd_leaf(v))
			return NULL;
		if (pmd_none(v) && __pte_alloc(mm, pmd))
			return NULL;
		pte = pte_offset_map_lock(mm, pmd, addr, ptlp);
		if (pte)
			return pte;
		if (pmd_leaf(pmdp_get(pmd)))
			return NULL;
	}
}

/*
 * THP: the PTE table a PMD mapping will need when it is split, allocated at
 * fault time so that a split cannot fail. Model: kept on a list threaded
 * through ->index of the PMD table's struct page (mainline: pmd_huge_pte).
 */
void pgtable_trans_huge_deposit(struct mm_struct *mm, pmd_t *pmd, struct page *pgtable)
{
	struct page *pmdpage = virt_to_table_page(pmd);

	(void)mm;
	pgtable->index = pmdpage->index;
	pmdpage->index = (unsigned long)pgtable;
}

struct page *pgtable_trans_huge_withdraw(struct mm_struct *mm, pmd_t *pmd)
{
	struct page *pmdpage = virt_to_table_page(pmd);
	struct page *pgtable = (struct page *)pmdpage->index;

	(void)mm;
	if (WARN_ON_ONCE(!pgtable))
		return NULL;
	pmdpage->index = pgtable->index;
	pgtable->index = 0;
	return pgtable;
}

static bool table_empty(const unsigned long *t)
{
	for (int i = 0; i < 512; i++)
		if (__atomic_load_n(&t[i], __ATOMIC_RELAXED))
			return false;
	return true;
}

static bool range_unused(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	if (end > TASK_SIZE + PAGE_SIZE)
		end = TASK_SIZE + PAGE_SIZE;
	return start >= end || !find_vma_intersection(mm, start, end);
}

/*
 * Free the page tables that covered [start, end) and now cover no VMA at all
 * (free_pgtables). mmap_lock held for writing; entries are already cleared.
 */
void free_pgd_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long a, next;

	start = ALIGN_DOWN(start, PMD_SIZE);
	for (a = start; a < end; a = next) {
		pgd_t *pgd = pgd_offset(mm, a);
		pud_t *pud;
		pmd_t *pmd;
		pmd_t v;

		next = pmd_addr_end(a, end);
		if (!pgd_present(pgdp_get(pgd))) {
			next = pgd_addr_end(a, end);
			continue;
		}
		pud = pud_offset(pgd, a);
		if (!(pud_val(pudp_get(pud)) & _PAGE_PRESENT) || pud_leaf(pudp_get(pud))) {
			next = pud_addr_end(a, end);
			continue;
		}
		pmd = pmd_offset(pud, a);
		v = pmdp_get(pmd);
		if (pmd_none(v) || pmd_leaf(v))
			continue;
		if (!range_unused(mm, a & PMD_MASK, (a & PMD_MASK) + PMD_SIZE))
			continue;
		if (WARN_ON_ONCE(!table_empty((unsigned long *)pmd_pgtable(v))))
			continue;
		{
			spinlock_t *ptl = pmd_lock(mm, pmd);
			struct page *table = pfn_to_page(pmd_pfn(v));

			/* Taking the PTL waits out anyone who locked it before we cleared. */
			set_pmd_at(mm, a, pmd, __pmd(0));
			spin_lock(&table->private);
			spin_unlock(&table->private);
			spin_unlock(ptl);
			pt_free_deferred(mm, table);
		}
	}

	/* PMD tables (1 GiB each), then PUD tables (512 GiB each). */
	for (a = ALIGN_DOWN(start, PUD_SIZE); a < end; a = next) {
		pgd_t *pgd = pgd_offset(mm, a);
		pud_t *pud;
		pud_t v;

		next = pud_addr_end(a, end);
		if (!pgd_present(pgdp_get(pgd))) {
			next = pgd_addr_end(a, end);
			continue;
		}
		pud = pud_offset(pgd, a);
		v = pudp_get(pud);
		if (!pud_present(v) || pud_leaf(v) ||
		    !range_unused(mm, a & PUD_MASK, (a & PUD_MASK) + PUD_SIZE))
			continue;
		if (WARN_ON_ONCE(!table_empty((unsigned long *)pud_pgtable(v))))
			continue;
		spin_lock(&mm->page_table_lock);
		__atomic_store_n(&pud->pud, 0UL, __ATOMIC_RELEASE);
		spin_unlock(&mm->page_table_lock);
		pt_free_deferred(mm, pfn_to_page(pud_pfn(v)));
	}
	for (a = ALIGN_DOWN(start, PGDIR_SIZE); a < end; a = next) {
		pgd_t *pgd = pgd_offset(mm, a);
		pgd_t v = pgdp_get(pgd);

		next = pgd_addr_end(a, end);
		if (!pgd_present(v) || !range_unused(mm, a & PGDIR_MASK, (a & PGDIR_MASK) + PGDIR_SIZE))
			continue;
		if (WARN_ON_ONCE(!table_empty((unsigned long *)pgd_pgtable(v))))
			continue;
		spin_lock(&mm->page_table_lock);
		__atomic_store_n(&pgd->pgd, 0UL, __ATOMIC_RELEASE);
		spin_unlock(&mm->page_table_lock);
		pt_free_deferred(mm, pfn_to_page(pgd_pfn(v)));
		if (next == 0)
			break;
	}
}
