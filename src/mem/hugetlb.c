/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hugetlb pool (mm/hugetlb.c's hstate and hugetlb_lock): free pool folios
 * wait frozen (refcount 0) on a free list; a fault takes one, its last put
 * brings it back. Temporary folios (migration targets the pool could not
 * give) go back to the buddy allocator instead.
 */
#include <pinmm/mem/memory.h>
#include <pinmm/mem/hugetlb.h>
#include "internal.h"

static struct {
	pthread_mutex_t lock;			/* hugetlb_lock */
	struct cds_list_head free_list;		/* hugepage_freelists, via folio->lru */
	unsigned long nr, nr_free, temporary;
	unsigned int generation;		/* the machine the list belongs to */
} hstate = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The list lives as long as the machine: a new mem_init() starts an empty pool. */
static void hstate_check_machine(void)
{
	unsigned int gen = atomic_load(&mm_boot_generation);

	if (hstate.generation != gen) {
		CDS_INIT_LIST_HEAD(&hstate.free_list);
		hstate.nr = hstate.nr_free = hstate.temporary = 0;
		hstate.generation = gen;
	}
}

void hugetlb_counts(struct hstate_counts *out)
{
	pthread_mutex_lock(&hstate.lock);
	hstate_check_machine();
	out->nr_huge_pages = hstate.nr;
	out->free_huge_pages = hstate.nr_free;
	out->temporary = hstate.temporary;
	pthread_mutex_unlock(&hstate.lock);
}

/* A fresh buddy folio made a hugetlb folio, frozen. */
static struct folio *alloc_fresh_hugetlb_folio(gfp_t gfp)
{
	struct folio *folio = folio_alloc((gfp & ~__GFP_ZERO) | __GFP_COMP | __GFP_NOWARN,
					  HUGETLB_PAGE_ORDER);

	if (!folio)
		return NULL;
	set_bit(PG_hugetlb, &folio->_flags_1);
	if (!folio_ref_freeze(folio, 1)) {
		mm_event(MM_EV_BUG, &folio->page, "a fresh hugetlb folio has a second reference");
		return NULL;
	}
	return folio;
}

/* Hand a frozen hugetlb folio back to the buddy allocator. */
static void update_and_free_hugetlb_folio(struct folio *folio)
{
	clear_bit(PG_hugetlb, &folio->_flags_1);
	clear_bit(PG_hugetlb_temporary, &folio->_flags_1);
	__folio_put(folio);
}

unsigned long hugetlb_set_nr_pages(unsigned long nr)
{
	unsigned long have;

	pthread_mutex_lock(&hstate.lock);
	hstate_check_machine();
	/* htlb_alloc_mask(): 2 MiB pages are migratable, so movable zones serve them. */
	while (hstate.nr < nr) {
		struct folio *folio = alloc_fresh_hugetlb_folio(GFP_HIGHUSER_MOVABLE);

		if (!folio)
			break;
		cds_list_add_tail(&folio->lru, &hstate.free_list);
		hstate.nr++;
		hstate.nr_free++;
	}
	/* Only free pages can leave; the kernel then lowers the target (surplus). */
	while (hstate.nr > nr && hstate.nr_free) {
		struct folio *folio = cds_list_first_entry(&hstate.free_list, struct folio, lru);

		cds_list_del(&folio->lru);
		hstate.nr--;
		hstate.nr_free--;
		pthread_mutex_unlock(&hstate.lock);
		update_and_free_hugetlb_folio(folio);
		pthread_mutex_lock(&hstate.lock);
	}
	have = hstate.nr;
	pthread_mutex_unlock(&hstate.lock);
	return have;
}

void hugetlb_pool_release(void)
{
	hugetlb_set_nr_pages(0);
}

/* What this gfp's zonelist reaches: without __GFP_MOVABLE, neither ZONE_MOVABLE nor CMA. */
static bool gfp_reaches(gfp_t gfp, const struct folio *folio)
{
	if (gfp & __GFP_MOVABLE)
		return true;
	return !folio_is_zone_movable(folio) && !folio_is_cma(folio);
}

struct folio *dequeue_hugetlb_folio(gfp_t gfp)
{
	struct folio *folio, *found = NULL;

	pthread_mutex_lock(&hstate.lock);
	hstate_check_machine();
	cds_list_for_each_entry(folio, &hstate.free_list, lru) {
		if (gfp_reaches(gfp, folio)) {
			found = folio;
			break;
		}
	}
	if (found) {
		cds_list_del(&found->lru);
		hstate.nr_free--;
		folio_ref_unfreeze(found, 1);
	}
	pthread_mutex_unlock(&hstate.lock);
	return found;
}

struct folio *alloc_hugetlb_folio_migrate(gfp_t gfp)
{
	struct folio *folio = dequeue_hugetlb_folio(gfp);

	if (folio)
		return folio;
	folio = alloc_fresh_hugetlb_folio(gfp);
	if (!folio)
		return NULL;
	/* Not counted as surplus: it lives only until its last reference. */
	set_bit(PG_hugetlb_temporary, &folio->_flags_1);
	folio_ref_unfreeze(folio, 1);
	pthread_mutex_lock(&hstate.lock);
	hstate.temporary++;
	pthread_mutex_unlock(&hstate.lock);
	return folio;
}

void move_hugetlb_state(struct folio *old_folio, struct folio *new_folio)
{
	if (!folio_test_hugetlb_temporary(new_folio))
		return;
	set_bit(PG_hugetlb_temporary, &old_folio->_flags_1);
	clear_bit(PG_hugetlb_temporary, &new_folio->_flags_1);
}

void free_huge_folio(struct folio *folio)
{
	if (atomic_load(&folio->_entire_mapcount) != -1 || atomic_load(&folio->_pincount) != 0) {
		mm_event(MM_EV_BUG, &folio->page, "Bad page state: freeing a hugetlb folio that is %s",
			 atomic_load(&folio->_pincount) ? "pinned" : "still mapped");
		return;
	}
	/* Back to a clean pool page: no mapping, no index, no page flags but the head's. */
	WRITE_ONCE(folio->mapping, NULL);
	WRITE_ONCE(folio->index, 0);
	folio->private = NULL;
	WRITE_ONCE(folio->flags, folio->flags & ((ZONES_MASK << ZONES_PGSHIFT) | BIT(PG_head)));
	if (folio_test_hugetlb_temporary(folio)) {
		pthread_mutex_lock(&hstate.lock);
		hstate.temporary--;
		pthread_mutex_unlock(&hstate.lock);
		update_and_free_hugetlb_folio(folio);
		return;
	}
	pthread_mutex_lock(&hstate.lock);
	hstate_check_machine();
	cds_list_add(&folio->lru, &hstate.free_list);
	hstate.nr_free++;
	pthread_mutex_unlock(&hstate.lock);
}
