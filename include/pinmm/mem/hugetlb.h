/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hugetlb pool: 2 MiB folios set aside from the buddy allocator
 * (/proc/sys/vm/nr_hugepages), handed to hugetlb faults and given back to the
 * pool, not to the buddy allocator, when their last reference goes.
 *
 * Model: one hstate, the 2 MiB one (order 9). 1 GiB pages (order 18) are not
 * modelled: the buddy allocator's largest block is order 9 and the arena
 * (64 MiB by default) has no gigantic-page allocator (alloc_contig_range) to
 * carve one from. Model: no reservations (resv_huge_pages): mmap() of a
 * hugetlb range always succeeds, as with MAP_NORESERVE, and a fault that
 * finds the pool empty gets VM_FAULT_SIGBUS.
 */
#ifndef PINMM_MEM_HUGETLB_H
#define PINMM_MEM_HUGETLB_H

#include <pinmm/mem/mmzone.h>
#include <pinmm/mem/gfp.h>

#define HPAGE_SHIFT	PMD_SHIFT
#define HPAGE_SIZE	(1UL << HPAGE_SHIFT)
#define HPAGE_MASK	(~(HPAGE_SIZE - 1))
#define HUGETLB_PAGE_ORDER	HPAGE_PMD_ORDER

/*
 * Folio flags of a hugetlb folio, in the first tail page's flags (where
 * 6.0-6.8 kept PG_hugetlb; 6.9+ uses a page type, and the hstate's flags
 * in folio->private): the bit numbers are free there.
 */
enum {
	PG_hugetlb = PG_private,		/* a hugetlb folio (pool or temporary) */
	PG_hugetlb_temporary = PG_private_2,	/* a migration target from the buddy allocator */
};

static inline bool folio_test_hugetlb(const struct folio *folio)
{
	return folio_test_large(folio) && test_bit(PG_hugetlb, &folio->_flags_1);
}
static inline bool folio_test_hugetlb_temporary(const struct folio *folio)
{
	return test_bit(PG_hugetlb_temporary, &folio->_flags_1);
}

/* The hstate's counters, as /proc/meminfo's HugePages_* and the sysfs files show them. */
struct hstate_counts {
	unsigned long nr_huge_pages;		/* HugePages_Total (pool pages) */
	unsigned long free_huge_pages;		/* HugePages_Free */
	unsigned long temporary;		/* temporary migration targets in use */
};
void hugetlb_counts(struct hstate_counts *out);

/*
 * Write nr_hugepages: grow the pool from the buddy allocator with
 * htlb_alloc_mask (GFP_HIGHUSER_MOVABLE: the 2 MiB hstate may live in
 * ZONE_MOVABLE and CMA) or shrink it by freeing free pool pages. Returns the
 * pool size reached (fewer than asked when memory runs out, as the kernel).
 */
unsigned long hugetlb_set_nr_pages(unsigned long nr);

/*
 * Take a free pool folio (refcount 1, contents not cleared: the fault zeroes
 * it). Without __GFP_MOVABLE in @gfp a folio in ZONE_MOVABLE or CMA is
 * skipped (the zonelist of the gfp, and PF_MEMALLOC_PIN's filter). NULL when
 * none fits.
 */
struct folio *dequeue_hugetlb_folio(gfp_t gfp);
/*
 * alloc_hugetlb_folio_nodemask(): a pool folio, else a temporary one fresh
 * from the buddy allocator (alloc_migrate_hugetlb_folio()), freed back to it
 * on its last put. A migration target.
 */
struct folio *alloc_hugetlb_folio_migrate(gfp_t gfp);
/*
 * move_hugetlb_state(): the temporary flag passes from the target to the
 * source, so the pool keeps its size and the old folio leaves it.
 */
void move_hugetlb_state(struct folio *old_folio, struct folio *new_folio);

/* The last reference went (__folio_put): back to the pool, or to the buddy allocator. */
void free_huge_folio(struct folio *folio);

/* Give every free pool page back (before mem_exit(), or a leak check). */
void hugetlb_pool_release(void);

#endif
