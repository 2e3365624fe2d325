/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anonymous transparent huge pages: a 2 MiB folio mapped by one PMD, its fault,
 * write-protect fault, fork copy, zap, mprotect, and splitting the PMD into
 * 512 PTEs (and the folio into small folios) when an operation covers part of it.
 */
#include <sched.h>
#include "internal.h"

bool thp_vma_suitable(struct vm_area_struct *vma, unsigned long addr)
{
	unsigned long orders = thp_vma_allowable_orders(vma, BIT(HPAGE_PMD_ORDER));

	return thp_vma_suitable_orders(vma, addr, orders) != 0;
}

/*
 * The huge zero folio and its references: one base reference while it exists,
 * one per mm that maps it. Model: mainline frees it from a shrinker once only
 * the base reference is left; here the last mm's put frees it at once, so an
 * idle machine holds no 2 MiB of zeroes.
 */
static struct folio *huge_zero_folio;
static atomic_int huge_zero_refcount;

bool is_huge_zero_folio(const struct folio *folio)
{
	return folio && folio == READ_ONCE(huge_zero_folio);
}

bool is_huge_zero_pmd(pmd_t pmd)
{
	struct folio *zero = READ_ONCE(huge_zero_folio);

	return zero && pmd_present(pmd) && pmd_leaf(pmd) && pmd_pfn(pmd) == folio_pfn(zero);
}

static bool get_huge_zero_page(void)
{
	struct folio *zero;
	int ref;

	for (;;) {
		ref = atomic_load(&huge_zero_refcount);
		while (ref > 0)
			if (atomic_compare_exchange_weak(&huge_zero_refcount, &ref, ref + 1))
				return true;
		/* Not movable: a long-term pin of it never needs a migration. */
		zero = folio_alloc((GFP_TRANSHUGE | __GFP_ZERO) & ~__GFP_MOVABLE, HPAGE_PMD_ORDER);
		if (!zero)
			return false;
		folio_mark_uptodate(zero);
		{
			struct folio *none = NULL;

			if (!__atomic_compare_exchange_n(&huge_zero_folio, &none, zero, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				/* Another CPU installed one, or one is being freed: again. */
				folio_put(zero);
				sched_yield();
				continue;
			}
		}
		count_vm_event(THP_ZERO_PAGE_ALLOC);
		/* The base reference and the caller's. */
		atomic_store(&huge_zero_refcount, 2);
		return true;
	}
}

static void put_huge_zero_page(void)
{
	int one = 1;

	if (WARN_ON_ONCE(atomic_fetch_sub(&huge_zero_refcount, 1) <= 1))
		return;
	/* shrink_huge_zero_page_scan(), at once: only the base reference left. */
	if (atomic_compare_exchange_strong(&huge_zero_refcount, &one, 0)) {
		struct folio *zero = __atomic_exchange_n(&huge_zero_folio, NULL, __ATOMIC_ACQ_REL);

		folio_put(zero);
	}
}

struct folio *mm_get_huge_zero_folio(struct mm_struct *mm)
{
	if (test_bit(MMF_HUGE_ZERO_PAGE, &mm->flags))
		return READ_ONCE(huge_zero_folio);
	if (!get_huge_zero_page())
		return NULL;
	if (test_and_set_bit(MMF_HUGE_ZERO_PAGE, &mm->flags))
		put_huge_zero_page();
	return READ_ONCE(huge_zero_folio);
}

void mm_put_huge_zero_folio(struct mm_struct *mm)
{
	if (test_and_clear_bit(MMF_HUGE_ZERO_PAGE, &mm->flags))
		put_huge_zero_page();
}

/* A read fault with use_zero_page maps the huge zero folio, read-only. */
static vm_fault_t do_huge_zero_page_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long haddr = vmf->address & PMD_MASK;
	struct page *pgtable = pte_table_alloc(mm);
	struct folio *zero;
	spinlock_t *ptl;
	pmd_t entry;

	if (!pgtable)
		return VM_FAULT_OOM;
	zero = mm_get_huge_zero_folio(mm);
	if (!zero) {
		pte_table_free_unused(mm, pgtable);
		return VM_FAULT_FALLBACK;
	}
	entry = pmd_mkhuge(pfn_pmd(folio_pfn(zero), __pgprot(pgprot_val(vma->vm_page_prot) & ~_PAGE_RW)));
	ptl = pmd_lock(mm, vmf->pmd);
	if (!pmd_none(pmdp_get(vmf->pmd))) {
		spin_unlock(ptl);
		pte_table_free_unused(mm, pgtable);
		return 0;
	}
	pgtable_trans_huge_deposit(mm, vmf->pmd, pgtable);
	set_pmd_at(mm, haddr, vmf->pmd, entry);
	spin_unlock(ptl);
	mm_trace("fault", "mm=%s addr=%#lx flags=read -> huge zero page", mm->owner, vmf->address);
	return 0;
}

vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	unsigned long haddr = vmf->address & PMD_MASK;
	struct folio *folio;
	struct page *pgtable;
	spinlock_t *ptl;
	pmd_t entry;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	if (!(vmf->flags & FAULT_FLAG_WRITE) && READ_ONCE(huge_zero_page_enabled))
		return do_huge_zero_page_fault(vmf);
	folio = folio_alloc(GFP_TRANSHUGE | __GFP_ZERO, HPAGE_PMD_ORDER);
	if (!folio) {
		count_mthp_stat(HPAGE_PMD_ORDER, MTHP_STAT_ANON_FAULT_FALLBACK);
		return VM_FAULT_FALLBACK;
	}
	pgtable = pte_table_alloc(mm);
	if (!pgtable) {
		folio_put(folio);
		return VM_FAULT_FALLBACK;
	}
	folio_mark_uptodate(folio);
	entry = pmd_mkhuge(pfn_pmd(folio_pfn(folio), vma->vm_page_prot));
	entry = pmd_mkyoung(entry);
	if (READ_ONCE(vma->vm_flags) & VM_WRITE)
		entry = pmd_mkdirty(pmd_mkwrite(entry));

	ptl = pmd_lock(mm, vmf->pmd);
	if (!pmd_none(pmdp_get(vmf->pmd))) {
		spin_unlock(ptl);
		folio_put(folio);
		pte_table_free_unused(mm, pgtable);
		return VM_FAULT_RETRY;
	}
	folio_add_new_anon_rmap(folio, vma, haddr, true);
	pgtable_trans_huge_deposit(mm, vmf->pmd, pgtable);
	add_mm_counter(mm, MM_ANONPAGES, HPAGE_PMD_NR);
	count_mthp_stat(HPAGE_PMD_ORDER, MTHP_STAT_ANON_FAULT_ALLOC);
	lru_add_new(folio);	/* before the PMD publishes it: see do_anonymous_page() */
	set_pmd_at(mm, haddr, vmf->pmd, entry);
	spin_unlock(ptl);
	mm_trace("fault", "mm=%s addr=%#lx flags=%s -> thp pfn=%#lx", mm->owner, vmf->address,
		 (vmf->flags & FAULT_FLAG_WRITE) ? "write" : "read", folio_pfn(folio));
	return 0;
}

/*
 * Write (or unshare) fault on a read-only PMD: reuse an exclusive folio, or
 * split the PMD and let the PTE level COW the one page (as mainline since 5.8).
 */
vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool unshare = vmf->flags & FAULT_FLAG_UNSHARE;
	unsigned long haddr = vmf->address & PMD_MASK;
	spinlock_t *ptl;
	struct folio *folio;

	/* The huge zero page: map 512 zero-page PTEs, and let the PTE level COW one. */
	if (is_huge_zero_pmd(vmf->orig_pmd))
		goto fallback;
	ptl = pmd_lock(mm, vmf->pmd);
	if (!pmd_same(pmdp_get(vmf->pmd), vmf->orig_pmd)) {
		spin_unlock(ptl);
		return VM_FAULT_RETRY;
	}
	folio = page_folio(pmd_page(vmf->orig_pmd));
	if (!(READ_ONCE(vma->vm_flags) & VM_SHARED) && folio_test_anon(folio)) {
		if (wp_can_reuse_anon(folio, &folio->page, true)) {
			if (kernel_has(KSW_ANON_EXCLUSIVE))
				SetPageAnonExclusive(&folio->page);
			if (!unshare)
				pmdp_modify(vmf->pmd, 0, _PAGE_DIRTY | _PAGE_ACCESSED |
					    ((READ_ONCE(vma->vm_flags) & VM_WRITE) ? _PAGE_RW : 0));
			spin_unlock(ptl);
			return 0;
		}
	}
	spin_unlock(ptl);
fallback:
	split_huge_pmd(vma, vmf->pmd, haddr);
	return VM_FAULT_FALLBACK;
}

/* PMD lock held: the huge zero PMD becomes 512 read-only zero-page PTEs. */
static void __split_huge_zero_page_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long haddr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *pgtable = pgtable_trans_huge_withdraw(mm, pmd);
	unsigned long prot = pgprot_val(vma->vm_page_prot) & ~_PAGE_RW;
	pte_t *ptes;

	if (!pgtable)
		return;
	pmdp_huge_get_and_clear(mm, haddr, pmd);
	flush_tlb_range(vma, haddr, haddr + PMD_SIZE);
	ptes = page_address(pgtable);
	for (int i = 0; i < HPAGE_PMD_NR; i++)
		__atomic_store_n(&ptes[i].pte,
				 pte_val(pte_mkspecial(pfn_pte(page_to_pfn(ZERO_PAGE(0)), __pgprot(prot)))),
				 __ATOMIC_RELAXED);
	pmd_populate(mm, pmd, pgtable);
	count_vm_event(THP_SPLIT_PMD);
}

/* PMD lock held. Replace the PMD mapping by a table of 512 PTEs. */
void __split_huge_pmd_locked(struct vm_area_struct *vma, pmd_t *pmd, unsigned long haddr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *pgtable = pgtable_trans_huge_withdraw(mm, pmd);
	struct folio *folio;
	struct page *page;
	bool anon, exclusive;
	pmd_t old;
	pte_t *ptes;
	unsigned long prot;

	if (!pgtable)
		return;
	if (is_huge_zero_pmd(pmdp_get(pmd))) {
		pgtable_trans_huge_deposit(mm, pmd, pgtable);
		__split_huge_zero_page_pmd(vma, pmd, haddr);
		return;
	}
	old = pmdp_huge_get_and_clear(mm, haddr, pmd);
	flush_tlb_range(vma, haddr, haddr + PMD_SIZE);
	page = pmd_page(old);
	folio = page_folio(page);
	anon = folio_test_anon(folio);
	exclusive = anon && PageAnonExclusive(page);
	prot = pgprot_val(vma->vm_page_prot) & ~_PAGE_RW;
	if (pmd_write(old))
		prot |= _PAGE_RW;
	if (pmd_dirty(old))
		prot |= _PAGE_DIRTY;
	if (pmd_young(old))
		prot |= _PAGE_ACCESSED;
	if (pmd_protnone(old))
		prot = (prot & ~_PAGE_PRESENT) | _PAGE_PROTNONE;
	ptes = page_address(pgtable);
	/* Each PTE holds a reference, the PMD held one. */
	folio_ref_add(folio, HPAGE_PMD_NR - 1);
	for (int i = 0; i < HPAGE_PMD_NR; i++) {
		unsigned long addr = haddr + ((unsigned long)i << PAGE_SHIFT);

		if (anon)
			folio_add_anon_rmap_pte(folio, page + i, vma, addr, exclusive);
		else
			folio_add_file_rmap_pte(folio, page + i, vma);
		__atomic_store_n(&ptes[i].pte, pte_val(pfn_pte(page_to_pfn(page + i), __pgprot(prot))),
				 __ATOMIC_RELAXED);
	}
	folio_remove_rmap_pmd(folio, vma);
	pmd_populate(mm, pmd, pgtable);
	count_vm_event(THP_SPLIT_PMD);
	mm_trace("thp_split_pmd", "mm=%s addr=%#lx pfn=%#lx", mm->owner, haddr, folio_pfn(folio));
}

void split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long address)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long haddr = address & PMD_MASK;
	struct mmu_notifier_range range;
	spinlock_t *ptl;

	mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, haddr, haddr + PMD_SIZE);
	range.vma = vma;
	mmu_notifier_invalidate_range_start(&range);
	ptl = pmd_lock(mm, pmd);
	if (pmd_trans_huge(pmdp_get(pmd)))
		__split_huge_pmd_locked(vma, pmd, haddr);
	spin_unlock(ptl);
	mmu_notifier_invalidate_range_end(&range);
}

void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long address)
{
	pmd_t *pmd;

	if (!(address & ~PMD_MASK))
		return;
	pmd = mm_find_pmd(vma->vm_mm, address);
	if (pmd && pmd_trans_huge(pmdp_get(pmd)))
		split_huge_pmd(vma, pmd, address);
}

void zap_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr, spinlock_t *ptl)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t old = pmdp_huge_get_and_clear(mm, addr, pmd);
	struct page *pgtable = pgtable_trans_huge_withdraw(mm, pmd);
	struct folio *folio = page_folio(pmd_page(old));

	spin_unlock(ptl);
	flush_tlb_range(vma, addr, addr + PMD_SIZE);
	if (pgtable)
		pte_table_free_unused(mm, pgtable);
	/* The huge zero PMD holds no mapping of the folio: the table was all it had. */
	if (is_huge_zero_folio(folio))
		return;
	if (!folio_test_anon(folio) && pmd_dirty(old))
		folio_mark_dirty(folio);
	folio_remove_rmap_pmd(folio, vma);
	add_mm_counter(mm, mm_counter(folio), -HPAGE_PMD_NR);
	mm_trace("zap", "mm=%s start=%#lx thp pfn=%#lx", mm->owner, addr, folio_pfn(folio));
	folio_put(folio);
}

int copy_huge_pmd(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
		  pmd_t *dst_pmd, pmd_t *src_pmd, unsigned long addr)
{
	struct mm_struct *dst_mm = dst_vma->vm_mm, *src_mm = src_vma->vm_mm;
	struct page *pgtable = pte_table_alloc(dst_mm);
	spinlock_t *src_ptl, *dst_ptl;
	struct folio *folio;
	pmd_t pmd;

	if (!pgtable)
		return -ENOMEM;
	src_ptl = pmd_lock(src_mm, src_pmd);
	dst_ptl = pmd_lock(dst_mm, dst_pmd);
	pmd = pmdp_get(src_pmd);
	if (!pmd_trans_huge(pmd)) {
		spin_unlock(dst_ptl);
		spin_unlock(src_ptl);
		pte_table_free_unused(dst_mm, pgtable);
		return -EAGAIN;
	}
	folio = page_folio(pmd_page(pmd));
	if (is_huge_zero_folio(folio)) {
		/* The child maps the same zeroes: a reference for its mm, no rmap. */
		mm_get_huge_zero_folio(dst_mm);
		pgtable_trans_huge_deposit(dst_mm, dst_pmd, pgtable);
		set_pmd_at(dst_mm, addr, dst_pmd, pmd_wrprotect(pmd));
		spin_unlock(dst_ptl);
		spin_unlock(src_ptl);
		return 0;
	}
	if (folio_try_dup_anon_rmap_pmd(folio, dst_vma, src_vma)) {
		/* Maybe pinned: split, and let the PTE copy give the child copies. */
		spin_unlock(dst_ptl);
		spin_unlock(src_ptl);
		pte_table_free_unused(dst_mm, pgtable);
		split_huge_pmd(src_vma, src_pmd, addr);
		return -EAGAIN;
	}
	folio_get(folio);
	add_mm_counter(dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	pgtable_trans_huge_deposit(dst_mm, dst_pmd, pgtable);
	if (pmd_write(pmd)) {
		pmdp_set_wrprotect(src_mm, addr, src_pmd);
		pmd = pmd_wrprotect(pmd);
	}
	set_pmd_at(dst_mm, addr, dst_pmd, pmd);
	spin_unlock(dst_ptl);
	spin_unlock(src_ptl);
	return 0;
}

void change_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long addr,
		     pgprot_t newprot)
{
	spinlock_t *ptl = pmd_lock(vma->vm_mm, pmd);
	pmd_t old = pmdp_get(pmd);

	if (pmd_leaf(old)) {
		pmd_t entry = pmd_modify(old, newprot);

		/* mprotect never grants write by itself: a later fault decides. */
		if (!pmd_write(old))
			entry = pmd_wrprotect(entry);
		set_pmd_at(vma->vm_mm, addr, pmd, entry);
		flush_tlb_range(vma, addr, addr + PMD_SIZE);
	}
	spin_unlock(ptl);
}

/*
 * can_split_folio(): every reference but the caller's is explained by a
 * mapping (and, in the swap cache, one per page). A pin, or any other
 * reference taken without a mapping, fails it.
 */
static bool can_split_folio(struct folio *folio, int caller_pins)
{
	int extra = folio_test_swapcache(folio) ? (int)folio_nr_pages(folio) : 0;

	return folio_mapcount(folio) == folio_ref_count(folio) - extra - caller_pins;
}

static int __split_anon_folio(struct folio *folio)
{
	unsigned long nr = (unsigned long)folio_nr_pages(folio);
	int order = (int)folio_order(folio);
	struct anon_vma *av;
	struct folio *parts[HPAGE_PMD_NR];
	int err;

	/*
	 * Model: a folio in the swap cache is not split (mainline splits its
	 * cache entries with it); reclaim splits before add_to_swap().
	 */
	if (folio_test_swapcache(folio))
		return -EBUSY;
	av = anon_vma_get_folio(folio);
	if (!av)
		return -EBUSY;
	/* The racy check before unmapping: a pinned folio is never split. */
	if (!can_split_folio(folio, 1)) {
		anon_vma_put(av);
		return -EAGAIN;
	}
	if (!try_to_migrate(folio)) {
		remove_migration_ptes(folio, folio);
		anon_vma_put(av);
		return -EBUSY;
	}
	/* Now only the caller's reference may remain. */
	if (!folio_ref_freeze(folio, 1)) {
		remove_migration_ptes(folio, folio);
		anon_vma_put(av);
		return -EAGAIN;
	}
	folio_unqueue_deferred_split(folio);
	err = __split_folio(folio, 0);
	if (err) {
		folio_ref_unfreeze(folio, 1);
		remove_migration_ptes(folio, folio);
		anon_vma_put(av);
		return -EBUSY;
	}
	mod_mthp_stat(order, MTHP_STAT_NR_ANON, -1);
	for (unsigned long i = 0; i < nr; i++) {
		parts[i] = page_folio(folio_page(folio, i));
		/* The head keeps the caller's reference; tails get a temporary one. */
		folio_ref_unfreeze(parts[i], 1);
	}
	for (unsigned long i = 0; i < nr; i++)
		remove_migration_ptes(parts[i], parts[i]);
	/* A page no migration entry pointed at was unmapped: this frees it. */
	for (unsigned long i = 1; i < nr; i++)
		folio_put(parts[i]);
	mm_trace("thp_split_page", "pfn=%#lx order=%d", folio_pfn(folio), order);
	anon_vma_put(av);
	return 0;
}

int split_anon_folio(struct folio *folio)
{
	unsigned long nr = (unsigned long)folio_nr_pages(folio);
	int order = (int)folio_order(folio), err;

	if (!folio_test_anon(folio) || !folio_test_large(folio) || nr > HPAGE_PMD_NR ||
	    folio_test_hugetlb(folio))
		return -EINVAL;
	err = __split_anon_folio(folio);
	if (order == HPAGE_PMD_ORDER)
		count_vm_event(err ? THP_SPLIT_PAGE_FAILED : THP_SPLIT_PAGE);
	count_mthp_stat(order, err ? MTHP_STAT_SPLIT_FAILED : MTHP_STAT_SPLIT);
	return err;
}

/*
 * deferred_split_scan(): the thp-deferred_split shrinker. Each queued folio
 * still partially mapped is split (trylock, split_folio()); one that cannot
 * be (a pin, a GUP reference, the lock taken) goes back on the queue and its
 * unmapped pages stay allocated. Returns the folios split.
 */
unsigned long deferred_split_scan(unsigned long nr_to_scan)
{
	struct folio *batch[64];
	unsigned long split = 0, todo = deferred_split_count();

	/* Each folio queued now is looked at once: what goes back waits for the next call. */
	if (todo > nr_to_scan)
		todo = nr_to_scan;
	while (todo) {
		size_t n = deferred_split_isolate(batch, todo < 64 ? todo : 64);

		if (!n)
			break;
		todo -= n < todo ? n : todo;
		for (size_t i = 0; i < n; i++) {
			struct folio *folio = batch[i];
			bool did_split = false;

			if (folio_test_partially_mapped(folio) && folio_trylock(folio)) {
				did_split = !split_anon_folio(folio);
				folio_unlock(folio);
			}
			if (did_split)
				split++;
			else
				deferred_split_putback(folio);
			folio_put(folio);
		}
	}
	mm_trace("deferred_split_scan", "split=%lu queued=%lu", split, deferred_split_count());
	return split;
}
