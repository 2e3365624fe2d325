/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hugetlb pools: one hstate per huge page size x86-64 has, 2 MiB (order
 * 9, the default hstate) and 1 GiB (order 18, gigantic), each with its own
 * nr_hugepages (/sys/kernel/mm/hugepages/hugepages-<size>kB/). Pool folios
 * come from the page allocator, wait frozen on the hstate's free list, are
 * handed to hugetlb faults and go back to the pool, not to the page
 * allocator, when their last reference goes.
 *
 * A gigantic folio is larger than the buddy allocator's largest block (order
 * 9, a pageblock), so it is cut out of 512 free, aligned, contiguous
 * pageblocks (alloc_contig_pages()) and given back pageblock by pageblock
 * (free_contig_range()).
 *
 * Model: no reservations (resv_huge_pages): mmap() of a hugetlb range always
 * succeeds, as with MAP_NORESERVE, and a fault that finds the pool empty gets
 * VM_FAULT_SIGBUS. No surplus pages, no boot-time (memblock) gigantic pages,
 * no hugetlb_cma.
 */
#ifndef PINMM_MEM_HUGETLB_H
#define PINMM_MEM_HUGETLB_H

#include <pthread.h>
#include <urcu/list.h>
#include <pinmm/mem/mmzone.h>
#include <pinmm/mem/gfp.h>

/* The default hstate's geometry (HPAGE_SIZE on x86-64: 2 MiB). */
#define HPAGE_SHIFT	PMD_SHIFT
#define HPAGE_SIZE	(1UL << HPAGE_SHIFT)
#define HPAGE_MASK	(~(HPAGE_SIZE - 1))
#define HUGETLB_PAGE_ORDER	HPAGE_PMD_ORDER
#define HPAGE_PUD_SHIFT	30		/* PUD_SHIFT: vm/ owns the page-table constants */
#define HPAGE_PUD_ORDER	(HPAGE_PUD_SHIFT - PAGE_SHIFT)
#define HUGE_MAX_HSTATE	2

struct hstate {
	pthread_mutex_t lock;			/* hugetlb_lock (one per hstate here) */
	unsigned int order;
	const char *name;			/* hugepages-<size>kB */
	struct cds_list_head free_list;		/* hugepage_freelists, via folio->lru */
	unsigned long nr, nr_free, temporary;
	unsigned int generation;		/* the machine the list belongs to */
};
extern struct hstate hstates[HUGE_MAX_HSTATE];
#define default_hstate	(hstates[0])

static inline unsigned int huge_page_order(const struct hstate *h) { return h->order; }
static inline unsigned long huge_page_size(const struct hstate *h) { return PAGE_SIZE << h->order; }
static inline unsigned long huge_page_mask(const struct hstate *h) { return ~(huge_page_size(h) - 1); }
static inline unsigned long pages_per_huge_page(const struct hstate *h) { return 1UL << h->order; }
/* A page-allocator block cannot hold it: order > MAX_PAGE_ORDER. */
static inline bool hstate_is_gigantic(const struct hstate *h) { return h->order > MAX_PAGE_ORDER; }
/* The hstate of this size, or NULL (size_to_hstate()). */
struct hstate *size_to_hstate(unsigned long size);

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
void hugetlb_counts(struct hstate *h, struct hstate_counts *out);

static inline struct hstate *folio_hstate(const struct folio *folio)
{
	return size_to_hstate(PAGE_SIZE << folio_order(folio));
}

/*
 * htlb_alloc_mask(): GFP_HIGHUSER_MOVABLE where the hstate is movable
 * (hugepage_movable_supported(): 2 MiB pages, which may live in ZONE_MOVABLE
 * and CMA), GFP_HIGHUSER for gigantic pages, which never are.
 */
gfp_t htlb_alloc_mask(const struct hstate *h);

/*
 * Write nr_hugepages of @h: grow the pool from the page allocator with
 * htlb_alloc_mask() or shrink it by freeing free pool pages. Returns the pool
 * size reached (fewer than asked when memory runs out, as the kernel).
 */
unsigned long hugetlb_set_nr_pages(struct hstate *h, unsigned long nr);

/*
 * Take a free pool folio (refcount 1, contents not cleared: the fault zeroes
 * it). Without __GFP_MOVABLE in @gfp a folio in ZONE_MOVABLE or CMA is
 * skipped (the zonelist of the gfp, and PF_MEMALLOC_PIN's filter). NULL when
 * none fits.
 */
struct folio *dequeue_hugetlb_folio(struct hstate *h, gfp_t gfp);
/*
 * alloc_hugetlb_folio_nodemask(): a pool folio, else a temporary one fresh
 * from the buddy allocator (alloc_migrate_hugetlb_folio()), freed back to it
 * on its last put. A migration target. Gigantic hstates get no temporary
 * folio (mainline's alloc_migrate_hugetlb_folio() returns NULL for them):
 * only a free pool page.
 */
struct folio *alloc_hugetlb_folio_migrate(struct hstate *h, gfp_t gfp);
/*
 * move_hugetlb_state(): the temporary flag passes from the target to the
 * source, so the pool keeps its size and the old folio leaves it.
 */
void move_hugetlb_state(struct folio *old_folio, struct folio *new_folio);

/* The last reference went (__folio_put): back to the pool, or to the buddy allocator. */
void free_huge_folio(struct folio *folio);

/* Give every free pool page of every hstate back (before mem_exit(), or a leak check). */
void hugetlb_pool_release(void);

#endif
