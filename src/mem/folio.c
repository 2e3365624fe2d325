/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Folios: compound set-up and tear-down, references, mapcounts across pages, and
 * the memory half of a split.
 */
#include <pinmm/mem/memory.h>
#include <pinmm/mem/hugetlb.h>
#include <pinmm/mem/deferred_split.h>

void prep_compound_page(struct page *page, unsigned int order)
{
	struct folio *folio = (struct folio *)page;
	unsigned long nr = 1UL << order;

	for (unsigned long i = 1; i < nr; i++) {
		struct page *p = page + i;

		set_page_count(p, 0);
		atomic_store_explicit(&p->_mapcount, -1, memory_order_relaxed);
		WRITE_ONCE(p->compound_head, (unsigned long)page | 1);
	}
	/* The zone bits stay in the top of _flags_1; the order takes the low byte. */
	WRITE_ONCE(folio->_flags_1, (folio->_flags_1 & ~0xffUL) | order);
	atomic_store_explicit(&folio->_large_mapcount, -1, memory_order_relaxed);
	atomic_store_explicit(&folio->_entire_mapcount, -1, memory_order_relaxed);
	atomic_store_explicit(&folio->_nr_pages_mapped, 0, memory_order_relaxed);
	atomic_store_explicit(&folio->_pincount, 0, memory_order_relaxed);
	folio->_mm_id_mapcount[0] = -1;
	folio->_mm_id_mapcount[1] = -1;
	folio->_mm_ids = 0;
	folio->_nr_pages = (unsigned int)nr;
	set_bit(PG_head, &page->flags);
}

/* Undo prep_compound_page(); false (and an event) if the folio is still in use. */
static bool destroy_compound(struct folio *folio)
{
	unsigned long nr = (unsigned long)folio_nr_pages(folio);

	if (atomic_load(&folio->_entire_mapcount) != -1) {
		mm_event(MM_EV_BUG, &folio->page, "Bad page state: nonzero entire_mapcount");
		return false;
	}
	if (atomic_load(&folio->_pincount) != 0) {
		mm_event(MM_EV_BUG, &folio->page, "Bad page state: nonzero pincount");
		return false;
	}
	if (atomic_load(&folio->_large_mapcount) != -1) {
		mm_event(MM_EV_BUG, &folio->page, "Bad page state: nonzero large_mapcount");
		return false;
	}
	/* The first tail's folio fields overlay its mapping/index/private/memcg_data. */
	folio->__page_1.mapping = NULL;
	folio->__page_1.index = 0;
	folio->__page_1.private = 0;
	folio->__page_1.memcg_data = 0;
	WRITE_ONCE(folio->_flags_1, folio->_flags_1 & ~0xffUL);
	for (unsigned long i = 1; i < nr; i++)
		WRITE_ONCE(folio_page(folio, i)->compound_head, 0);
	clear_bit(PG_head, &folio->flags);
	return true;
}

void folio_get(struct folio *folio)
{
	if (VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow(folio), folio))
		return;
	folio_ref_inc(folio);
}

void (*folio_put_check_hook)(struct folio *folio, int refs);

unsigned int folio_ref_spill_mask = ~0u;
unsigned int folio_ref_refill_bit;
void (*folio_ref_spill_hook)(struct folio *folio);
void (*folio_ref_refill_hook)(struct folio *folio);

void folio_ref_spill(struct folio *folio)
{
	void (*hook)(struct folio *) = READ_ONCE(folio_ref_spill_hook);

	if (hook)
		hook(folio);
}

void folio_ref_refill(struct folio *folio)
{
	void (*hook)(struct folio *) = READ_ONCE(folio_ref_refill_hook);

	if (hook)
		hook(folio);
}

void __folio_put(struct folio *folio)
{
	unsigned int order = folio_order(folio);

	if (folio_is_zone_device(folio)) {
		if (zone_device_page_free_hook)
			zone_device_page_free_hook(folio);
		return;
	}
	/* free_huge_folio(): a hugetlb folio belongs to its pool, not to the buddy allocator. */
	if (order && folio_test_hugetlb(folio)) {
		free_huge_folio(folio);
		return;
	}
	if (order) {
		folio_unqueue_deferred_split(folio);
		/* free_pages_prepare(): an anonymous folio leaves its size's nr_anon. */
		if ((unsigned long)READ_ONCE(folio->mapping) & PAGE_MAPPING_ANON)
			mod_mthp_stat((int)order, MTHP_STAT_NR_ANON, -1);
		if (!destroy_compound(folio))
			return;
	}
	free_frozen_pages(&folio->page, order);
}

void folio_put_refs_hooked(struct folio *folio, int refs)
{
	int left;

	if (folio_put_check_hook)
		folio_put_check_hook(folio, refs);
	left = folio_ref_sub_return(folio, refs);
	if ((unsigned int)left <= 1)
		folio_put_refs_last(folio, left);
}

void folio_put_refs_last(struct folio *folio, int left)
{
	if (left == 0) {
		__folio_put(folio);
	} else if (left == 1 && unlikely(page_in_zone_device_range(&folio->page))) {
		if (zone_device_page_idle_hook)
			zone_device_page_idle_hook(folio);
	}
	/*
	 * No underflow check, as in mainline (put_page_testzero() only
	 * VM_BUG_ONs a count already at 0): a count driven below 0 never comes
	 * back to 0, so the folio leaks, and under the pin bias it reads as
	 * maybe-pinned for ever. The pin debug mode (pin/debug.c) is what
	 * catches a double unpin at the call.
	 */
}

int folio_mapcount(const struct folio *folio)
{
	int mc;

	if (!folio_test_large(folio))
		return page_mapcount_raw(&folio->page) + 1;
	/* folio_large_mapcount(): every PTE and PMD mapping, kept as it changes. */
	mc = atomic_load_explicit(&((struct folio *)folio)->_large_mapcount, memory_order_relaxed);
	return mc + 1;
}

int __split_folio(struct folio *folio, unsigned int new_order)
{
	unsigned int order = folio_order(folio);
	unsigned long nr = 1UL << order, step = 1UL << new_order;
	unsigned long head_flags;
	struct address_space *mapping;
	pgoff_t index;

	if (new_order >= order)
		return -EINVAL;
	if (folio_ref_count(folio) != 0) {
		VM_WARN_ON_ONCE_FOLIO(true, folio);
		return -EBUSY;
	}
	if (folio_entire_mapcount(folio) || atomic_load(&folio->_pincount))
		return -EBUSY;

	/* Folio-wide state every new folio inherits; PG_head is re-made below. */
	head_flags = READ_ONCE(folio->flags) & ~(BIT(PG_head) | BIT(PG_anon_exclusive) |
						 BIT(PG_private) | BIT(PG_locked) | BIT(PG_waiters));
	mapping = folio->mapping;
	index = folio->index;

	folio->__page_1.mapping = NULL;
	folio->__page_1.index = 0;
	folio->__page_1.private = 0;
	folio->__page_1.memcg_data = 0;
	clear_bit(PG_head, &folio->flags);

	for (unsigned long i = 0; i < nr; i += step) {
		struct page *p = folio_page(folio, i);

		for (unsigned long j = 0; j < step; j++) {
			struct page *q = p + j;
			unsigned long keep = READ_ONCE(q->flags) & BIT(PG_anon_exclusive);

			if (i || j) {
				WRITE_ONCE(q->compound_head, 0);
				WRITE_ONCE(q->flags, head_flags | keep);
			}
			WRITE_ONCE(q->mapping, mapping);
			WRITE_ONCE(q->index, index + i + j);
		}
		if (i) {
			/* Head's own lock/private state stays with the head. */
			p->private = 0;
		}
		if (new_order)
			prep_compound_page(p, new_order);
	}
	return 0;
}

int split_folio_unmapped(struct folio *folio, unsigned int new_order)
{
	unsigned long nr, step;
	int err;

	if (!folio_test_large(folio) || new_order >= folio_order(folio))
		return -EINVAL;
	if (folio_mapped(folio))
		return -EBUSY;
	nr = (unsigned long)folio_nr_pages(folio);
	step = 1UL << new_order;
	if (!folio_ref_freeze(folio, 1))
		return -EAGAIN;
	err = __split_folio(folio, new_order);
	if (err) {
		folio_ref_unfreeze(folio, 1);
		return err;
	}
	for (unsigned long i = 0; i < nr; i += step)
		folio_ref_unfreeze(page_folio(folio_page(folio, i)), 1);
	return 0;
}
