/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GUP-fast: no mmap_lock, no page-table lock. The walk runs inside an RCU
 * read-side section, which keeps page-table pages from being freed under it
 * (vm/ frees them after a grace period; the kernel gets the same from IRQs
 * being off against the TLB-shootdown IPI or from RCU table freeing). Each
 * page is taken speculatively, then the entry is read again: if it changed,
 * the page may already belong to someone else, so the reference or pin is
 * dropped and the rest is left to the slow path.
 */
#include <pinmm/mem/whatif.h>
#include <pinmm/gup/unshare.h>
#include <pinmm/devmap/memremap.h>
#include "internal.h"

/*
 * Take @refs on the folio of @page from a lockless walk: the page may be freed
 * and reused as part of another folio at any moment until we hold a reference,
 * so check it still belongs to the folio we counted on.
 */
static inline __attribute__((always_inline)) struct folio *
try_grab_folio_fast(const struct pin_batch *b, struct page *page, int refs, unsigned int flags)
{
	struct folio *folio;

	for (;;) {
		folio = page_folio(page);
		/* Cheap early refusal; re-checked once the folio is stable. */
		if ((flags & FOLL_LONGTERM) && (flags & (FOLL_PIN | FOLL_GET)) &&
		    gup_longterm_must_migrate(folio))
			return NULL;
		if (try_grab_folio_batch(b, folio, refs, flags))
			return NULL;
		if (likely(page_folio(page) == folio))
			break;
		gup_undo_grab(folio, refs, flags);
	}
	if ((flags & FOLL_LONGTERM) && gup_longterm_must_migrate(folio)) {
		gup_undo_grab(folio, refs, flags);
		return NULL;
	}
	return folio;
}

#define GUP_FAST_LT_WRITE (FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE)

/*
 * Model: the choice seed 000 left open ("In the get_user_pages_fast() path we
 * may not be able to ask the filesystem for the proxy, at least not without
 * destroying the performance expectations of get_user_pages_fast()"). A
 * tracker that hands out proxies gets them allocated here, in the fast path,
 * for anonymous folios, which have no file to ask; a file-backed folio (page
 * cache, shmem, fsdax) ends the fast walk and the rest goes to the slow path,
 * which holds the VMA and so knows the file and offset the proxy must carry.
 * Reading folio->mapping here could name the wrong file: for a reflinked fsdax
 * block it names one of the files sharing it (the dax-reflink problem the
 * proxy was for). `pinmm bench` measures both sides.
 */
static inline bool gup_fast_entry_ok(const struct pin_batch *b, struct folio *folio,
				     unsigned int flags)
{
	return likely(!b->t->pin_entries) || !(flags & FOLL_PIN) || folio_test_anon(folio);
}

static bool gup_fast_pte_range(const struct pin_batch *b, pmd_t pmd, pmd_t *pmdp,
			       unsigned long addr, unsigned long end, unsigned int flags,
			       struct page **pages, unsigned long *nr)
{
	pte_t *ptep = pmd_pgtable(pmd) + pte_index(addr);

	/* gup_fast_pte_range() exists only with CONFIG_ARCH_HAS_PTE_SPECIAL. */
	if (unlikely(whatif(WHATIF_NO_PTE_SPECIAL)))
		return false;
	do {
		/*
		 * Acquire: the page behind the entry was initialised before the
		 * entry was published (set_pte_at releases). The kernel gets this
		 * from the address dependency; TSan needs it spelt out.
		 */
		pte_t pte = __pte(__atomic_load_n(&ptep->pte, __ATOMIC_ACQUIRE));
		struct dev_pagemap *pgmap = NULL;
		struct page *page;
		struct folio *folio;

		/* Not present, PROT_NONE, or not writable for a write: slow path. */
		if (!pte_hw_present(pte) || pte_protnone(pte))
			return false;
		if ((flags & FOLL_WRITE) && !pte_write(pte))
			return false;
		if (pte_devmap(pte)) {
			if (flags & FOLL_LONGTERM)
				return false;
		} else if (pte_special(pte)) {
			/* The zero page and raw pfns: the slow path knows what to do. */
			return false;
		}
		if (!pfn_valid(pte_pfn(pte)))
			return false;
		page = pfn_to_page(pte_pfn(pte));

		/*
		 * The pagemap reference keeps memunmap_pages() from taking the
		 * struct page away until the grab is done; from then on the
		 * page's own reference holds it off.
		 * Model: mainline keeps one pagemap reference across the walk.
		 */
		if (pte_devmap(pte)) {
			pgmap = get_dev_pagemap(pte_pfn(pte), NULL);
			if (!pgmap)
				return false;
		}
		folio = try_grab_folio_fast(b, page, 1, flags);
		if (pgmap)
			put_dev_pagemap(pgmap);
		if (!folio)
			return false;
		race_point(RACE_GUP_FAST, folio);

		/*
		 * The pin is visible (fully ordered RMW) before these loads: a
		 * concurrent unmap or page_mkclean either changed the entry
		 * already, and we see it here, or will see our pin afterwards.
		 */
		if (unlikely(pmd_val(pmd) != pmd_val(pmdp_get_lockless(pmdp))) ||
		    unlikely(pte_val(pte) != pte_val(ptep_get(ptep)))) {
			gup_undo_grab(folio, 1, flags);
			return false;
		}
		/* Only writable long-term pins are restricted by mapping. */
		if (unlikely((flags & GUP_FAST_LT_WRITE) == GUP_FAST_LT_WRITE) &&
		    !gup_fast_folio_allowed(folio, flags)) {
			gup_undo_grab(folio, 1, flags);
			return false;
		}
		if (!pte_write(pte) && gup_must_unshare(NULL, flags, page)) {
			gup_undo_grab(folio, 1, flags);
			return false;
		}
		/*
		 * Model: mainline sets PG_referenced unconditionally (a locked
		 * RMW per page); testing first gives the same flag state without
		 * dirtying the line again when it is already set.
		 */
		if (unlikely(!gup_fast_entry_ok(b, folio, flags))) {
			gup_undo_grab(folio, 1, flags);
			return false;
		}
		if (!folio_test_referenced(folio))
			folio_set_referenced(folio);
		if (likely(!b->t->pin_entries))
			pages[(*nr)++] = page;
		else
			gup_pin_entries(page, 1, NULL, 0, flags, pages + (*nr)++);
	} while (ptep++, addr += PAGE_SIZE, addr != end);
	return true;
}

/*
 * A PMD- or PUD-mapped folio (gup_fast_pmd_leaf(), gup_fast_pud_leaf()): one
 * grab for every page of it the range covers. @leaf_size says the level; a
 * PUD leaf is read through pmd_t (the same format, see pgtable.h).
 */
static bool gup_fast_huge_leaf(const struct pin_batch *b, pmd_t orig, pmd_t *pmdp,
			       unsigned long leaf_size, unsigned long addr, unsigned long end,
			       unsigned int flags, struct page **pages, unsigned long *nr)
{
	struct page *page;
	struct folio *folio;
	int refs;

	if (!(pmd_val(orig) & _PAGE_PRESENT) || pmd_protnone(orig))
		return false;
	if ((flags & FOLL_WRITE) && !pmd_write(orig))
		return false;
	if (pmd_devmap(orig) && (flags & FOLL_LONGTERM))
		return false;
	/* pmd_special(): from 6.18 the huge zero folio's PMD, left to the slow path. */
	if (kernel_has(KSW_HUGE_ZERO_PMD_SPECIAL) && is_huge_zero_pmd(orig))
		return false;

	page = pmd_page(orig) + ((addr & (leaf_size - 1)) >> PAGE_SHIFT);
	refs = (int)((end - addr) >> PAGE_SHIFT);

	folio = try_grab_folio_fast(b, page, refs, flags);
	if (!folio)
		return false;
	race_point(RACE_GUP_FAST, folio);
	if (unlikely(pmd_val(orig) != pmd_val(pmdp_get_lockless(pmdp)))) {
		gup_undo_grab(folio, refs, flags);
		return false;
	}
	if (!gup_fast_folio_allowed(folio, flags)) {
		gup_undo_grab(folio, refs, flags);
		return false;
	}
	if (!pmd_write(orig) && gup_must_unshare(NULL, flags, &folio->page)) {
		gup_undo_grab(folio, refs, flags);
		return false;
	}
	if (unlikely(!gup_fast_entry_ok(b, folio, flags))) {
		gup_undo_grab(folio, refs, flags);
		return false;
	}
	gup_pin_entries(page, (unsigned int)refs, NULL, 0, flags, pages + *nr);
	*nr += (unsigned long)refs;
	/* Model: tested first, as in gup_fast_pte_range() (a locked RMW saved per folio). */
	if (!folio_test_referenced(folio))
		folio_set_referenced(folio);
	return true;
}

static void gup_fast_pgd_range(const struct pin_batch *b, struct mm_struct *mm,
			       unsigned long addr, unsigned long end, unsigned int flags,
			       struct page **pages, unsigned long *nr)
{
	while (addr != end) {
		unsigned long next = pmd_addr_end(addr, end);
		pgd_t *pgdp = pgd_offset(mm, addr);
		pud_t *pudp, pud;
		pmd_t *pmdp, pmd;

		if (!pgd_present(pgdp_get(pgdp)))
			return;
		pudp = pgd_pgtable(pgdp_get(pgdp)) + pud_index(addr);
		pud = pudp_get(pudp);
		if (!pud_present(pud))
			return;
		if (pud_leaf(pud)) {
			next = pud_addr_end(addr, end);
			if (!gup_fast_huge_leaf(b, __pmd(pud_val(pud)), (pmd_t *)pudp, PUD_SIZE,
						addr, next, flags, pages, nr))
				return;
			addr = next;
			continue;
		}
		pmdp = pud_pgtable(pud) + pmd_index(addr);
		pmd = pmdp_get_lockless(pmdp);
		if (pmd_none(pmd))
			return;
		if (pmd_leaf(pmd)) {
			if (!gup_fast_huge_leaf(b, pmd, pmdp, PMD_SIZE, addr, next, flags, pages, nr))
				return;
		} else if (!(pmd_val(pmd) & _PAGE_PRESENT)) {
			return;
		} else if (!gup_fast_pte_range(b, pmd, pmdp, addr, next, flags, pages, nr)) {
			return;
		}
		addr = next;
	}
}

static unsigned long gup_fast(struct mm_struct *mm, unsigned long start, unsigned long end,
			      unsigned int gup_flags, struct page **pages)
{
	unsigned long nr_pinned = 0;
	unsigned int seq = 0;
	struct pin_batch b;

	/*
	 * fork() write-protects anon PTEs inside write_protect_seq and shares the
	 * pages it finds unpinned. A pin taken while it runs could land on a page
	 * fork has just decided to share: give up while fork is inside, and if
	 * it entered while we walked.
	 */
	if (gup_flags & FOLL_PIN) {
		seq = raw_read_seqcount(&mm->write_protect_seq);
		if (seq & 1)
			return 0;
	}

	pin_batch_begin(&b);
	mm_rcu_read_lock();
	gup_fast_pgd_range(&b, mm, start, end, gup_flags, pages, &nr_pinned);
	mm_rcu_read_unlock();

	/*
	 * read_seqcount_retry() with its smp_rmb() spelt as a seq_cst load: the
	 * pins above are seq_cst RMWs, so this read cannot pass them, and fork's
	 * side (odd count, full barrier, then the pin checks) sees them or we see
	 * the count move. (TSan builds cannot use fences.)
	 */
	if ((gup_flags & FOLL_PIN) &&
	    __atomic_load_n(&mm->write_protect_seq.sequence, __ATOMIC_SEQ_CST) != seq) {
		bool pending = READ_ONCE(pin_config.tracker)->pin_post != NULL;

		for (unsigned long i = 0; i < nr_pinned; i++) {
			if (pending)
				gup_undo_grab(page_folio(pages[i]), 1, gup_flags);
			else
				gup_put_entry(pages[i], gup_flags);
		}
		return 0;
	}
	return nr_pinned;
}

long internal_get_user_pages_fast(struct mm_struct *mm, unsigned long start,
				  unsigned long nr_pages, unsigned int gup_flags,
				  struct page **pages)
{
	unsigned long len, end, nr_pinned;
	int locked = 0;
	long ret;

	if (WARN_ON_ONCE(gup_flags & ~(FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | FOLL_PIN |
				       FOLL_GET | FOLL_FAST_ONLY | FOLL_NOFAULT |
				       FOLL_PCI_P2PDMA | FOLL_HONOR_NUMA_FAULT)))
		return -EINVAL;

	if (gup_flags & FOLL_PIN)
		mm_set_has_pinned_flag(mm);

	start &= PAGE_MASK;
	if (nr_pages > (ULONG_MAX >> PAGE_SHIFT))
		return -EOVERFLOW;
	len = nr_pages << PAGE_SHIFT;
	if (__builtin_add_overflow(start, len, &end))
		return -EOVERFLOW;
	if (end > TASK_SIZE)
		return -EFAULT;

	nr_pinned = gup_fast(mm, start, end, gup_flags, pages);
	if (nr_pinned == nr_pages || (gup_flags & FOLL_FAST_ONLY))
		return (long)nr_pinned;

	/* The rest through the slow path, which takes mmap_lock itself. */
	start += nr_pinned << PAGE_SHIFT;
	pages += nr_pinned;
	ret = __gup_longterm_locked(mm, start, nr_pages - nr_pinned, pages, &locked,
				    gup_flags | FOLL_TOUCH | FOLL_UNLOCKABLE);
	if (ret < 0) {
		/* The caller must release what we did take: report that, not the error. */
		return nr_pinned ? (long)nr_pinned : ret;
	}
	return ret + (long)nr_pinned;
}
