/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The unpin family. Consecutive entries that belong to one folio are dropped
 * with a single tracker call, as mainline batches them (gup_folio_next()).
 */
#include <pinmm/gup/gup.h>
#include <pinmm/pin/debug.h>
#include <pinmm/vm/fs.h>

/*
 * Model: mainline's sanity_check_pinned_pages() is CONFIG_DEBUG_VM; here it
 * runs in the pin debug mode. A pinned anonymous page must still be exclusive
 * to its mm, or a COW happened behind the pin's back. The rule holds from
 * 5.19, where R/O pins unshare and the check came in with them; before, a
 * R/O pin of a page shared with a child is what the kernel did, not a bug.
 */
static void sanity_check_pinned_folio(struct folio *folio, struct page *page)
{
	if (!READ_ONCE(pin_config.debug) || is_zero_folio(folio) || !folio_test_anon(folio) ||
	    !kernel_has(KSW_UNSHARE_RO_ANON) || pins_are_references())
		return;
	if (!folio_test_large(folio))
		VM_BUG_ON_PAGE(!PageAnonExclusive(&folio->page), page);
	else
		VM_BUG_ON_PAGE(!PageAnonExclusive(&folio->page) && !PageAnonExclusive(page), page);
}

/*
 * The folio of pages[i] and how many of the next entries belong to it. An entry
 * that is the previous one plus one and still inside the folio's span belongs
 * to it without reading its struct page: a 2 MiB folio costs one head read, not
 * 512 tail reads. Others are checked with page_folio(), as mainline does.
 */
static struct folio *gup_folio_next(struct page **pages, unsigned long npages,
				    unsigned long i, unsigned int *ntails)
{
	struct page *first = pages[i];
	struct folio *folio = page_folio(first);
	unsigned long span = (unsigned long)(folio_page(folio, (unsigned long)folio_nr_pages(folio)) -
					     first);
	unsigned long nr = 1;

	/*
	 * The run of entries first + 1, first + 2 ... inside the folio, compared
	 * against pointers computed from the first (reloading the previous entry
	 * to compare with made 2 MiB unpin 2.4x the bench's floor). Whatever
	 * follows is asked of its struct page, as mainline does.
	 */
	if (span > npages - i)
		span = npages - i;
	if (span > INT_MAX)
		span = INT_MAX;
	nr = gup_pages_contig(pages + i, first, span);
	for (; i + nr < npages && nr < (unsigned long)INT_MAX; nr++) {
		struct page *p = pages[i + nr];

		if (!p || page_is_proxy(p) || page_folio(p) != folio)
			break;
	}
	*ntails = (unsigned int)nr;
	return folio;
}

/* Within a physically contiguous range: the rest of this folio, capped. */
static struct folio *gup_folio_range_next(struct page *start, unsigned long npages,
					  unsigned long i, unsigned int *ntails)
{
	struct page *next = start + i;
	struct folio *folio = page_folio(next);
	unsigned long nr = 1;

	if (folio_test_large(folio))
		nr = min_t(unsigned long, npages - i,
			   folio_nr_pages(folio) - folio_page_idx(folio, next));
	*ntails = (unsigned int)nr;
	return folio;
}

static void unpin_dirty_folio(struct folio *folio)
{
	/*
	 * Model: mainline would set PG_dirty on the shared zero page here, to no
	 * effect; pinmm leaves it (and its lock, which every pinner shares) alone.
	 */
	if (is_zero_folio(folio))
		return;
	/*
	 * The unlocked test is an optimisation mainline makes too: a folio that
	 * is already dirty needs no lock; one cleaned concurrently by writeback
	 * is the known race the pin_user_pages.rst TODO is about.
	 */
	if (!folio_test_dirty(folio)) {
		folio_lock(folio);
		folio_mark_dirty(folio);
		folio_unlock(folio);
	}
}

/*
 * A run of proxy entries (seed 000) of one folio from pages[i]: each is given
 * back to the tracker, then the pins whose last reference went are dropped
 * with one tracker call. Proxies have no address arithmetic, so the run is
 * found by page_folio() of each.
 */
static unsigned int unpin_proxy_run(struct page **pages, unsigned long npages, unsigned long i,
				    bool make_dirty)
{
	struct folio *folio = page_folio(pages[i]);
	unsigned int nr = 0;
	int drops = 0;

	do {
		sanity_check_pinned_folio(folio, canonical_page(pages[i + nr]));
		nr++;
	} while (i + nr < npages && nr < (unsigned int)INT_MAX && pages[i + nr] &&
		 page_is_proxy(pages[i + nr]) && page_folio(pages[i + nr]) == folio);
	drops = pin_tracker_put_entries(pages + i, nr);
	if (make_dirty)
		unpin_dirty_folio(folio);
	if (drops)
		gup_put_folio(folio, drops, FOLL_PIN);
	return nr;
}

void unpin_user_page(struct page *page)
{
	struct folio *folio;

	/* Model: mainline does not check; page_folio(NULL) would oops. */
	if (WARN_ON_ONCE(!page))
		return;
	folio = page_folio(page);
	mm_trace("unpin_user_page", "pfn=%#lx", page_to_pfn(page));
	sanity_check_pinned_folio(folio, canonical_page(page));
	if (pin_tracker_put_entry(page))
		gup_put_folio(folio, 1, FOLL_PIN);
}

void gup_put_entry(struct page *entry, unsigned int flags)
{
	struct folio *folio = page_folio(entry);

	if (!(flags & FOLL_PIN)) {
		folio_put(folio);
		return;
	}
	if (pin_tracker_put_entry(entry))
		gup_put_folio(folio, 1, flags | FOLL_UNPIN_KNOWN);
}

/*
 * A pin of a page the caller holds pinned already: a page-lock tracker
 * records it under the folio lock at once (the page stays mapped and pinned).
 */
static int gup_grab_and_record(struct folio *folio)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);
	int ret = try_grab_folio(folio, 1, FOLL_PIN);

	if (ret || !t->pin_post || is_zero_folio(folio))
		return ret;
	folio_lock(folio);
	t->pin_post(folio, 1, FOLL_PIN);
	folio_unlock(folio);
	return 0;
}

int ref_user_page(struct page *page)
{
	if (WARN_ON_ONCE(!page))
		return -EINVAL;
	if (page_is_proxy(page))
		return pin_tracker_get_entry(page);
	return gup_grab_and_record(page_folio(page));
}

void unpin_folio(struct folio *folio)
{
	/* Model: as unpin_user_page(), a check mainline does not make. */
	if (WARN_ON_ONCE(!folio))
		return;
	mm_trace("unpin_folio", "pfn=%#lx", folio_pfn(folio));
	gup_put_folio(folio, 1, FOLL_PIN);
}

static void unpin_pages(struct page **pages, unsigned long npages, bool make_dirty,
			unsigned int flags, const char *what)
{
	unsigned long i;
	unsigned int nr;
	struct pin_batch b;

	/* A negative count passed through an unsigned parameter. */
	if (WARN_ON_ONCE((long)npages < 0) || (npages && WARN_ON_ONCE(!pages)))
		return;
	mm_trace(what, "pfn=%#lx npages=%lu dirty=%d",
		 npages && pages[0] ? page_to_pfn(pages[0]) : 0UL, npages, make_dirty);
	pin_batch_begin(&b);
	for (i = 0; i < npages; i += nr) {
		struct folio *folio;

		/* NULL entries are skipped, as mainline does since 6.13. */
		if (!pages[i]) {
			nr = 1;
			continue;
		}
		if (page_is_proxy(pages[i])) {
			nr = unpin_proxy_run(pages, npages, i, make_dirty);
			continue;
		}
		folio = gup_folio_next(pages, npages, i, &nr);
		if (unlikely(!b.plain) && READ_ONCE(pin_config.debug))
			for (unsigned int j = 0; j < nr; j++)
				sanity_check_pinned_folio(folio, pages[i + j]);
		if (make_dirty)
			unpin_dirty_folio(folio);
		if (unlikely(flags & FOLL_UNPIN_KNOWN))
			gup_put_folio(folio, (int)nr, flags);
		else
			gup_put_folio_batch(&b, folio, (int)nr);
	}
}

void unpin_user_pages(struct page **pages, unsigned long npages)
{
	unpin_pages(pages, npages, false, FOLL_PIN, "unpin_user_pages");
}

void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty)
{
	unpin_pages(pages, npages, make_dirty, FOLL_PIN, "unpin_user_pages_dirty_lock");
}

void unpin_user_pages_flags(struct page **pages, unsigned long npages, unsigned int gup_flags,
			    bool make_dirty)
{
	unpin_pages(pages, npages, make_dirty,
		    FOLL_PIN | FOLL_UNPIN_KNOWN | (gup_flags & FOLL_WRITE), "unpin_user_pages_flags");
}

void unpin_user_page_range_dirty_lock(struct page *page, unsigned long npages,
				      bool make_dirty)
{
	unsigned long i;
	unsigned int nr;

	if (WARN_ON_ONCE(!page && npages) || WARN_ON_ONCE((long)npages < 0))
		return;
	/*
	 * Model: a proxy (seed 000) has no neighbours to count on from its
	 * address; a range of them is not a range. Mainline callers pass
	 * scatterlist pages; with proxies they must pass pages[] instead.
	 */
	if (WARN_ON_ONCE(page_is_proxy(page)))
		return;
	mm_trace("unpin_user_page_range_dirty_lock", "pfn=%#lx npages=%lu dirty=%d",
		 page ? page_to_pfn(page) : 0UL, npages, make_dirty);
	for (i = 0; i < npages; i += nr) {
		struct folio *folio = gup_folio_range_next(page, npages, i, &nr);

		sanity_check_pinned_folio(folio, page + i);
		if (make_dirty)
			unpin_dirty_folio(folio);
		gup_put_folio(folio, (int)nr, FOLL_PIN);
	}
}

void unpin_folios(struct folio **folios, unsigned long nfolios)
{
	unsigned long i, j;

	if (WARN_ON_ONCE((long)nfolios < 0) || (nfolios && WARN_ON_ONCE(!folios)))
		return;
	mm_trace("unpin_folios", "nfolios=%lu", nfolios);
	for (i = 0; i < nfolios; i = j) {
		if (!folios[i]) {
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < nfolios && folios[j] == folios[i] && j - i < INT_MAX; j++)
			;
		gup_put_folio(folios[i], (int)(j - i), FOLL_PIN);
	}
}

void put_user_page(struct page *page)
{
	unpin_user_page(page);
}

void put_user_pages(struct page **pages, unsigned long npages)
{
	unpin_user_pages(pages, npages);
}

void put_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty)
{
	unpin_user_pages_dirty_lock(pages, npages, make_dirty);
}
