/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hugetlb pools (mm/hugetlb.c's hstates and hugetlb_lock): free pool
 * folios wait frozen (refcount 0) on their hstate's free list; a fault takes
 * one, its last put brings it back. Temporary folios (migration targets the
 * pool could not give) go back to the page allocator instead. Gigantic folios
 * come from alloc_contig_pages() and go back through free_contig_range().
 */
#include <pinmm/mem/memory.h>
#include <pinmm/mem/hugetlb.h>
#include "internal.h"

struct hstate hstates[HUGE_MAX_HSTATE] = {
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .order = HUGETLB_PAGE_ORDER, .name = "hugepages-2048kB" },
	{ .lock = PTHREAD_MUTEX_INITIALIZER, .order = HPAGE_PUD_ORDER, .name = "hugepages-1048576kB" },
};

struct hstate *size_to_hstate(unsigned long size)
{
	for (int i = 0; i < HUGE_MAX_HSTATE; i++)
		if (huge_page_size(&hstates[i]) == size)
			return &hstates[i];
	return NULL;
}

gfp_t htlb_alloc_mask(const struct hstate *h)
{
	return hstate_is_gigantic(h) ? GFP_HIGHUSER : GFP_HIGHUSER_MOVABLE;
}

/* The list lives as long as the machine: a new mem_init() starts an empty pool. */
static void hstate_check_machine(struct hstate *h)
{
	unsigned int gen = atomic_load(&mm_boot_generation);

	if (h->generation != gen) {
		CDS_INIT_LIST_HEAD(&h->free_list);
		h->nr = h->nr_free = h->temporary = 0;
		h->generation = gen;
	}
}

void hugetlb_counts(struct hstate *h, struct hstate_counts *out)
{
	pthread_mutex_lock(&h->lock);
	hstate_check_machine(h);
	out->nr_huge_pages = h->nr;
	out->free_huge_pages = h->nr_free;
	out->temporary = h->temporary;
	pthread_mutex_unlock(&h->lock);
}

/*
 * A fresh folio made a hugetlb folio, frozen: from the buddy allocator, or
 * for a gigantic hstate a contiguous range (alloc_gigantic_folio()).
 */
static struct folio *alloc_fresh_hugetlb_folio(struct hstate *h, gfp_t gfp)
{
	gfp_t g = (gfp & ~__GFP_ZERO) | __GFP_COMP | __GFP_NOWARN;
	struct folio *folio;

	if (hstate_is_gigantic(h)) {
		struct page *page = alloc_contig_pages(huge_page_order(h), g);

		folio = page ? page_folio(page) : NULL;
	} else {
		folio = folio_alloc(g, huge_page_order(h));
	}

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

unsigned long hugetlb_set_nr_pages(struct hstate *h, unsigned long nr)
{
	unsigned long have;

	pthread_mutex_lock(&h->lock);
	hstate_check_machine(h);
	while (h->nr < nr) {
		struct folio *folio = alloc_fresh_hugetlb_folio(h, htlb_alloc_mask(h));

		if (!folio)
			break;
		cds_list_add_tail(&folio->lru, &h->free_list);
		h->nr++;
		h->nr_free++;
	}
	/* Only free pages can leave; the kernel then lowers the target (surplus). */
	while (h->nr > nr && h->nr_free) {
		struct folio *folio = cds_list_first_entry(&h->free_list, struct folio, lru);

		cds_list_del(&folio->lru);
		h->nr--;
		h->nr_free--;
		pthread_mutex_unlock(&h->lock);
		update_and_free_hugetlb_folio(folio);
		pthread_mutex_lock(&h->lock);
	}
	have = h->nr;
	pthread_mutex_unlock(&h->lock);
	return have;
}

void hugetlb_pool_release(void)
{
	for (int i = 0; i < HUGE_MAX_HSTATE; i++)
		hugetlb_set_nr_pages(&hstates[i], 0);
}

/* What this gfp's zonelist reaches: without __GFP_MOVABLE, neither ZONE_MOVABLE nor CMA. */
static bool gfp_reaches(gfp_t gfp, const struct folio *folio)
{
	if (gfp & __GFP_MOVABLE)
		return true;
	return !folio_is_zone_movable(folio) && !folio_is_cma(folio);
}

struct folio *dequeue_hugetlb_folio(struct hstate *h, gfp_t gfp)
{
	struct folio *folio, *found = NULL;

	pthread_mutex_lock(&h->lock);
	hstate_check_machine(h);
	cds_list_for_each_entry(folio, &h->free_list, lru) {
		if (gfp_reaches(gfp, folio)) {
			found = folio;
			break;
		}
	}
	if (found) {
		cds_list_del(&found->lru);
		h->nr_free--;
		folio_ref_unfreeze(found, 1);
	}
	pthread_mutex_unlock(&h->lock);
	return found;
}

struct folio *alloc_hugetlb_folio_migrate(struct hstate *h, gfp_t gfp)
{
	struct folio *folio = dequeue_hugetlb_folio(h, gfp);

	if (folio || hstate_is_gigantic(h))
		return folio;
	folio = alloc_fresh_hugetlb_folio(h, gfp);
	if (!folio)
		return NULL;
	/* Not counted as surplus: it lives only until its last reference. */
	set_bit(PG_hugetlb_temporary, &folio->_flags_1);
	folio_ref_unfreeze(folio, 1);
	pthread_mutex_lock(&h->lock);
	h->temporary++;
	pthread_mutex_unlock(&h->lock);
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
	struct hstate *h = folio_hstate(folio);

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
		pthread_mutex_lock(&h->lock);
		h->temporary--;
		pthread_mutex_unlock(&h->lock);
		update_and_free_hugetlb_folio(folio);
		return;
	}
	pthread_mutex_lock(&h->lock);
	hstate_check_machine(h);
	cds_list_add(&folio->lru, &h->free_list);
	h->nr_free++;
	pthread_mutex_unlock(&h->lock);
}
