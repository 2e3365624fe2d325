/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86-64-shaped page-table entries: four levels of 512 entries (pgd, pud, pmd,
 * pte; no p4d, as with 4-level paging), the hardware bits at their x86 places
 * and the software bits (special, devmap) where Linux keeps them.
 *
 * Entries are single words read with READ_ONCE (ptep_get, pmdp_get_lockless)
 * and written with atomic stores, because GUP-fast and the simulated CPU's
 * "TLB fill" (uaccess) walk them without any lock.
 */
#ifndef PINMM_VM_PGTABLE_H
#define PINMM_VM_PGTABLE_H

#include <pinmm/mem/memory.h>

typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd; } pmd_t;
typedef struct { unsigned long pud; } pud_t;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long pgprot; } pgprot_t;

#define PTRS_PER_PTE	512
#define PTRS_PER_PMD	512
#define PTRS_PER_PUD	512
#define PTRS_PER_PGD	512
#define PUD_SHIFT	30
#define PUD_SIZE	(1UL << PUD_SHIFT)
#define PUD_MASK	(~(PUD_SIZE - 1))
#define PGDIR_SHIFT	39
#define PGDIR_SIZE	(1UL << PGDIR_SHIFT)
#define PGDIR_MASK	(~(PGDIR_SIZE - 1))
/* 47-bit user address space, as x86-64 without LA57; the last page is a guard. */
#define TASK_SIZE	((1UL << 47) - PAGE_SIZE)

#define _PAGE_BIT_PRESENT	0
#define _PAGE_BIT_RW		1
#define _PAGE_BIT_USER		2
#define _PAGE_BIT_ACCESSED	5
#define _PAGE_BIT_DIRTY		6
#define _PAGE_BIT_PSE		7	/* a PMD/PUD that maps a huge page */
#define _PAGE_BIT_PROTNONE	8	/* the global bit, reused when !present */
#define _PAGE_BIT_SPECIAL	9	/* software: no struct page to refcount */
#define _PAGE_BIT_DEVMAP	58	/* software: ZONE_DEVICE page */

#define _PAGE_PRESENT	BIT(_PAGE_BIT_PRESENT)
#define _PAGE_RW	BIT(_PAGE_BIT_RW)
#define _PAGE_USER	BIT(_PAGE_BIT_USER)
#define _PAGE_ACCESSED	BIT(_PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY	BIT(_PAGE_BIT_DIRTY)
#define _PAGE_PSE	BIT(_PAGE_BIT_PSE)
#define _PAGE_PROTNONE	BIT(_PAGE_BIT_PROTNONE)
#define _PAGE_SPECIAL	BIT(_PAGE_BIT_SPECIAL)
#define _PAGE_DEVMAP	BIT(_PAGE_BIT_DEVMAP)
#define PTE_PFN_MASK	(((1UL << 52) - 1) & PAGE_MASK)
/* What a table entry pointing at the next level carries. */
#define _PAGE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

#define __pgprot(x)	((pgprot_t){ (x) })
#define pgprot_val(p)	((p).pgprot)
#define PAGE_NONE	__pgprot(_PAGE_PROTNONE | _PAGE_ACCESSED)
#define PAGE_READONLY	__pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_SHARED	__pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_RW)

static inline pte_t __pte(unsigned long v) { return (pte_t){ v }; }
static inline pmd_t __pmd(unsigned long v) { return (pmd_t){ v }; }
static inline pud_t __pud(unsigned long v) { return (pud_t){ v }; }
static inline pgd_t __pgd(unsigned long v) { return (pgd_t){ v }; }
static inline unsigned long pte_val(pte_t p) { return p.pte; }
static inline unsigned long pmd_val(pmd_t p) { return p.pmd; }
static inline unsigned long pud_val(pud_t p) { return p.pud; }
static inline unsigned long pgd_val(pgd_t p) { return p.pgd; }

static inline unsigned long pte_index(unsigned long addr)
{
	return (addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
}
static inline unsigned long pmd_index(unsigned long addr)
{
	return (addr >> PMD_SHIFT) & (PTRS_PER_PMD - 1);
}
static inline unsigned long pud_index(unsigned long addr)
{
	return (addr >> PUD_SHIFT) & (PTRS_PER_PUD - 1);
}
static inline unsigned long pgd_index(unsigned long addr)
{
	return (addr >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1);
}
static inline unsigned long pmd_addr_end(unsigned long addr, unsigned long end)
{
	unsigned long b = (addr + PMD_SIZE) & PMD_MASK;

	return b - 1 < end - 1 ? b : end;
}
static inline unsigned long pud_addr_end(unsigned long addr, unsigned long end)
{
	unsigned long b = (addr + PUD_SIZE) & PUD_MASK;

	return b - 1 < end - 1 ? b : end;
}
static inline unsigned long pgd_addr_end(unsigned long addr, unsigned long end)
{
	unsigned long b = (addr + PGDIR_SIZE) & PGDIR_MASK;

	return b - 1 < end - 1 ? b : end;
}

/* ---- PTEs ---- */
static inline bool pte_none(pte_t p) { return pte_val(p) == 0; }
/*
 * Present for the kernel: a PROT_NONE entry still maps its page (the MMU faults
 * on it because _PAGE_PRESENT is clear). pte_hw_present() is the MMU's view.
 */
static inline bool pte_present(pte_t p) { return pte_val(p) & (_PAGE_PRESENT | _PAGE_PROTNONE); }
static inline bool pte_hw_present(pte_t p) { return pte_val(p) & _PAGE_PRESENT; }
static inline bool pte_protnone(pte_t p)
{
	return (pte_val(p) & (_PAGE_PRESENT | _PAGE_PROTNONE)) == _PAGE_PROTNONE;
}
static inline bool pte_write(pte_t p) { return pte_val(p) & _PAGE_RW; }
static inline bool pte_dirty(pte_t p) { return pte_val(p) & _PAGE_DIRTY; }
static inline bool pte_young(pte_t p) { return pte_val(p) & _PAGE_ACCESSED; }
static inline bool pte_special(pte_t p) { return pte_val(p) & _PAGE_SPECIAL; }
static inline bool pte_devmap(pte_t p) { return pte_val(p) & _PAGE_DEVMAP; }
static inline unsigned long pte_pfn(pte_t p) { return (pte_val(p) & PTE_PFN_MASK) >> PAGE_SHIFT; }
static inline pte_t pte_mkwrite(pte_t p) { return __pte(pte_val(p) | _PAGE_RW); }
static inline pte_t pte_wrprotect(pte_t p) { return __pte(pte_val(p) & ~_PAGE_RW); }
static inline pte_t pte_mkdirty(pte_t p) { return __pte(pte_val(p) | _PAGE_DIRTY); }
static inline pte_t pte_mkclean(pte_t p) { return __pte(pte_val(p) & ~_PAGE_DIRTY); }
static inline pte_t pte_mkyoung(pte_t p) { return __pte(pte_val(p) | _PAGE_ACCESSED); }
static inline pte_t pte_mkold(pte_t p) { return __pte(pte_val(p) & ~_PAGE_ACCESSED); }
static inline pte_t pte_mkspecial(pte_t p) { return __pte(pte_val(p) | _PAGE_SPECIAL); }
static inline pte_t pte_mkdevmap(pte_t p) { return __pte(pte_val(p) | _PAGE_DEVMAP | _PAGE_SPECIAL); }
static inline pte_t pfn_pte(unsigned long pfn, pgprot_t prot)
{
	return __pte(((pfn << PAGE_SHIFT) & PTE_PFN_MASK) | pgprot_val(prot));
}
static inline pte_t mk_pte(struct page *page, pgprot_t prot)
{
	return pfn_pte(page_to_pfn(page), prot);
}
/* Change the protection bits, keep pfn, dirty, young and the software bits. */
static inline pte_t pte_modify(pte_t p, pgprot_t prot)
{
	unsigned long keep = PTE_PFN_MASK | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_SPECIAL |
			     _PAGE_DEVMAP;

	return __pte((pte_val(p) & keep) | (pgprot_val(prot) & ~keep));
}
static inline bool pte_same(pte_t a, pte_t b) { return pte_val(a) == pte_val(b); }

/* ---- PMDs ---- */
static inline bool pmd_none(pmd_t p) { return pmd_val(p) == 0; }
static inline bool pmd_present(pmd_t p) { return pmd_val(p) & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE); }
/* Maps a 2 MiB page itself rather than a PTE table. */
static inline bool pmd_leaf(pmd_t p) { return pmd_present(p) && (pmd_val(p) & _PAGE_PSE); }
static inline bool pmd_trans_huge(pmd_t p) { return pmd_leaf(p) && !(pmd_val(p) & _PAGE_DEVMAP); }
static inline bool pmd_devmap(pmd_t p) { return pmd_leaf(p) && (pmd_val(p) & _PAGE_DEVMAP); }
static inline bool pmd_protnone(pmd_t p)
{
	return (pmd_val(p) & (_PAGE_PRESENT | _PAGE_PROTNONE)) == _PAGE_PROTNONE;
}
static inline bool pmd_write(pmd_t p) { return pmd_val(p) & _PAGE_RW; }
static inline bool pmd_dirty(pmd_t p) { return pmd_val(p) & _PAGE_DIRTY; }
static inline bool pmd_young(pmd_t p) { return pmd_val(p) & _PAGE_ACCESSED; }
static inline unsigned long pmd_pfn(pmd_t p) { return (pmd_val(p) & PTE_PFN_MASK) >> PAGE_SHIFT; }
static inline struct page *pmd_page(pmd_t p) { return pfn_to_page(pmd_pfn(p)); }
static inline pmd_t pmd_mkwrite(pmd_t p) { return __pmd(pmd_val(p) | _PAGE_RW); }
static inline pmd_t pmd_wrprotect(pmd_t p) { return __pmd(pmd_val(p) & ~_PAGE_RW); }
static inline pmd_t pmd_mkdirty(pmd_t p) { return __pmd(pmd_val(p) | _PAGE_DIRTY); }
static inline pmd_t pmd_mkclean(pmd_t p) { return __pmd(pmd_val(p) & ~_PAGE_DIRTY); }
static inline pmd_t pmd_mkyoung(pmd_t p) { return __pmd(pmd_val(p) | _PAGE_ACCESSED); }
static inline pmd_t pmd_mkhuge(pmd_t p) { return __pmd(pmd_val(p) | _PAGE_PSE); }
static inline pmd_t pfn_pmd(unsigned long pfn, pgprot_t prot)
{
	return __pmd(((pfn << PAGE_SHIFT) & PTE_PFN_MASK) | pgprot_val(prot));
}
static inline pmd_t pmd_modify(pmd_t p, pgprot_t prot)
{
	unsigned long keep = PTE_PFN_MASK | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_PSE |
			     _PAGE_DEVMAP;

	return __pmd((pmd_val(p) & keep) | (pgprot_val(prot) & ~keep));
}
static inline bool pmd_same(pmd_t a, pmd_t b) { return pmd_val(a) == pmd_val(b); }

/*
 * ---- PUDs: tables, or leaves mapping a 1 GiB hugetlb page ----
 * A PUD leaf has the PMD leaf's format (x86 uses the same bits at both
 * levels), so hugetlb code handles either through pmd_t accessors, as the
 * kernel's hugetlb handles both as huge "ptes".
 */
static inline bool pud_none(pud_t p) { return pud_val(p) == 0; }
static inline bool pud_present(pud_t p) { return pud_val(p) & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE); }
static inline bool pud_leaf(pud_t p) { return pud_present(p) && (pud_val(p) & _PAGE_PSE); }
static inline unsigned long pud_pfn(pud_t p) { return (pud_val(p) & PTE_PFN_MASK) >> PAGE_SHIFT; }
static inline struct page *pud_page(pud_t p) { return pfn_to_page(pud_pfn(p)); }
static inline bool pgd_none(pgd_t p) { return pgd_val(p) == 0; }
static inline bool pgd_present(pgd_t p) { return pgd_val(p) & _PAGE_PRESENT; }
static inline unsigned long pgd_pfn(pgd_t p) { return (pgd_val(p) & PTE_PFN_MASK) >> PAGE_SHIFT; }

/*
 * Lockless reads. Entries are loaded with acquire and written with release, so
 * a walker that sees an entry sees what it points to initialised: the table's
 * zeroed contents, or a new page's data (mainline orders the latter with the
 * smp_wmb() in __folio_mark_uptodate() before set_pte_at(), and the reader
 * with the address dependency; TSan needs it spelt out). Free on x86.
 */
static inline pte_t ptep_get(pte_t *ptep)
{
	return __pte(__atomic_load_n(&ptep->pte, __ATOMIC_ACQUIRE));
}
static inline pmd_t pmdp_get(pmd_t *pmdp)
{
	return __pmd(__atomic_load_n(&pmdp->pmd, __ATOMIC_ACQUIRE));
}
static inline pmd_t pmdp_get_lockless(pmd_t *pmdp)
{
	return pmdp_get(pmdp);
}
static inline pud_t pudp_get(pud_t *pudp)
{
	return __pud(__atomic_load_n(&pudp->pud, __ATOMIC_ACQUIRE));
}
static inline pgd_t pgdp_get(pgd_t *pgdp)
{
	return __pgd(__atomic_load_n(&pgdp->pgd, __ATOMIC_ACQUIRE));
}

/* The table an upper-level entry points to. */
static inline pte_t *pmd_pgtable(pmd_t pmd)
{
	return (pte_t *)page_address(pfn_to_page(pmd_pfn(pmd)));
}
static inline pmd_t *pud_pgtable(pud_t pud)
{
	return (pmd_t *)page_address(pfn_to_page(pud_pfn(pud)));
}
static inline pud_t *pgd_pgtable(pgd_t pgd)
{
	return (pud_t *)page_address(pfn_to_page(pgd_pfn(pgd)));
}
/* The struct page of the table that holds @ptep (any level). */
static inline struct page *virt_to_table_page(const void *entry)
{
	unsigned long off = (unsigned long)((const unsigned char *)entry - contig_page_data.ram);

	return pfn_to_page(ARCH_PFN_OFFSET + (off >> PAGE_SHIFT));
}

#endif
