/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Non-present, non-none PTEs: swap-format entries. Two kinds: a swap entry
 * (the page's contents sit in a slot of the swap device) and the migration
 * entry that replaces a PTE while its folio moves.
 *
 * Model: x86 stores the swap type and an inverted offset in scattered bits; here
 * the type sits in bits 1-5 and the offset (the slot, or a migration entry's
 * pfn) at the pfn's usual place (bits 12-51), with _PAGE_PRESENT and
 * _PAGE_PROTNONE clear so pte_present() is false. SWP_EXCLUSIVE is where x86
 * keeps _PAGE_SWP_EXCLUSIVE (the PSE bit).
 */
#ifndef PINMM_VM_SWAPOPS_H
#define PINMM_VM_SWAPOPS_H

#include <pinmm/vm/pgtable.h>

typedef struct { unsigned long val; } swp_entry_t;

enum {
	SWP_NONE,
	SWP_MIGRATION_READ,		/* was read-only, folio not exclusive to this mm */
	SWP_MIGRATION_READ_EXCLUSIVE,	/* was read-only, page PageAnonExclusive */
	SWP_MIGRATION_WRITE,		/* was writable (so also exclusive if anon) */
	/*
	 * The swap device. Model: there is one, and its type is not 0 as the
	 * kernel's first swap device is (0 is "no entry" here).
	 */
	SWP_SWAPFILE,
};
#define SWP_TYPE_SHIFT	1
#define SWP_TYPE_MASK	0x1fUL
#define SWP_DIRTY	BIT(_PAGE_BIT_DIRTY)	/* the PTE was dirty when unmapped */
/*
 * Model: the entry remembers that its folio is anonymous, so zap and fork can
 * account it (MM_ANONPAGES or not) without reading a folio that a concurrent
 * split or migration is rewriting. Mainline reads the folio.
 */
#define SWP_ANON	BIT(_PAGE_BIT_SPECIAL)
/* A swap entry of a page that was PageAnonExclusive when it was unmapped (5.19+). */
#define SWP_EXCLUSIVE	BIT(_PAGE_BIT_PSE)

static inline bool is_swap_pte(pte_t p)
{
	return !pte_none(p) && !pte_present(p);
}
static inline swp_entry_t pte_to_swp_entry(pte_t p)
{
	return (swp_entry_t){ pte_val(p) };
}
static inline pte_t swp_entry_to_pte(swp_entry_t e)
{
	return __pte(e.val);
}
static inline unsigned int swp_type(swp_entry_t e)
{
	return (unsigned int)((e.val >> SWP_TYPE_SHIFT) & SWP_TYPE_MASK);
}
static inline unsigned long swp_offset_pfn(swp_entry_t e)
{
	return (e.val & PTE_PFN_MASK) >> PAGE_SHIFT;
}
static inline swp_entry_t swp_entry(unsigned int type, unsigned long pfn)
{
	return (swp_entry_t){ ((unsigned long)type << SWP_TYPE_SHIFT) |
			      ((pfn << PAGE_SHIFT) & PTE_PFN_MASK) };
}
static inline bool is_migration_entry(swp_entry_t e)
{
	unsigned int t = swp_type(e);

	return t >= SWP_MIGRATION_READ && t <= SWP_MIGRATION_WRITE;
}
static inline bool is_writable_migration_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_MIGRATION_WRITE;
}
static inline bool is_readable_exclusive_migration_entry(swp_entry_t e)
{
	return swp_type(e) == SWP_MIGRATION_READ_EXCLUSIVE;
}
static inline swp_entry_t make_readable_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_READ, pfn);
}
static inline swp_entry_t make_readable_exclusive_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_READ_EXCLUSIVE, pfn);
}
static inline swp_entry_t make_writable_migration_entry(unsigned long pfn)
{
	return swp_entry(SWP_MIGRATION_WRITE, pfn);
}
static inline bool is_migration_entry_dirty(swp_entry_t e)
{
	return e.val & SWP_DIRTY;
}
static inline swp_entry_t make_migration_entry_dirty(swp_entry_t e)
{
	return (swp_entry_t){ e.val | SWP_DIRTY };
}
static inline bool is_anon_migration_entry(swp_entry_t e)
{
	return e.val & SWP_ANON;
}
static inline swp_entry_t make_migration_entry_anon(swp_entry_t e)
{
	return (swp_entry_t){ e.val | SWP_ANON };
}
static inline struct page *pfn_swap_entry_to_page(swp_entry_t e)
{
	return pfn_to_page(swp_offset_pfn(e));
}
static inline bool is_migration_pte(pte_t p)
{
	return is_swap_pte(p) && is_migration_entry(pte_to_swp_entry(p));
}

/* ---- Entries of the swap device ---- */
static inline bool non_swap_entry(swp_entry_t e)
{
	return swp_type(e) != SWP_SWAPFILE;
}
/* The slot of a swap entry; the flag bits are not part of it. */
static inline unsigned long swp_offset(swp_entry_t e)
{
	return swp_offset_pfn(e);
}
static inline swp_entry_t swp_swap_entry(unsigned long offset)
{
	return swp_entry(SWP_SWAPFILE, offset);
}
/* The entry itself, without the PTE's flag bits (what swap_map and the cache index). */
static inline swp_entry_t swp_entry_plain(swp_entry_t e)
{
	return swp_entry(swp_type(e), swp_offset(e));
}
static inline bool is_swap_entry_pte(pte_t p)
{
	return is_swap_pte(p) && !non_swap_entry(pte_to_swp_entry(p));
}
static inline bool pte_swp_exclusive(pte_t p)
{
	return pte_val(p) & SWP_EXCLUSIVE;
}
static inline pte_t pte_swp_mkexclusive(pte_t p)
{
	return __pte(pte_val(p) | SWP_EXCLUSIVE);
}
static inline pte_t pte_swp_clear_exclusive(pte_t p)
{
	return __pte(pte_val(p) & ~SWP_EXCLUSIVE);
}

#endif
