/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The post-pass of trackers that record pins under the folio lock (seed 004,
 * John Hubbard's plan A; pin_tracker.pin_post). GUP-fast cannot sleep inside
 * its lockless walk and the slow path finds pages under the page-table lock,
 * which page_mkclean() takes inside the folio lock: so both take references
 * only, and here, holding nothing, GUP locks each folio, checks the page is
 * still mapped as it was when it was found, and records the pins. A folio
 * writeback cleaned and write-protected in between fails the check: its
 * reference goes and the rest of the range is asked again through the slow
 * path, which faults (page_mkwrite) first.
 */
#include "internal.h"

/* Model: the bound on re-asking; mainline's slow path loops on its own. */
#define POST_RETRIES 3

/*
 * How many of @pages[0..n) @mm still maps at @addr onwards, writable if the
 * pin is for writing: one walk of the upper levels per PMD, one entry read per
 * page (one for a whole PMD-mapped folio).
 */
static long mapped_run(struct mm_struct *mm, unsigned long addr, struct page **pages, long n,
		       unsigned int flags)
{
	bool need_write = (flags & FOLL_WRITE) && !(flags & FOLL_FORCE);
	long ok = 0;

	mm_rcu_read_lock();
	while (ok < n) {
		unsigned long a = addr + (unsigned long)ok * PAGE_SIZE;
		unsigned long left = (pmd_addr_end(a, a + (unsigned long)(n - ok) * PAGE_SIZE) - a)
				     >> PAGE_SHIFT;
		pgd_t *pgdp = pgd_offset(mm, a);
		unsigned long leaf_mask;
		pud_t *pudp;
		pmd_t *pmdp, pmd;
		pte_t *ptep;

		if (!pgd_present(pgdp_get(pgdp)))
			break;
		pudp = pgd_pgtable(pgdp_get(pgdp)) + pud_index(a);
		if (!pud_present(pudp_get(pudp)))
			break;
		if (pud_leaf(pudp_get(pudp))) {
			/* A 1 GiB hugetlb page: the run is whatever of it the pages cover. */
			pmd = __pmd(pud_val(pudp_get(pudp)));
			left = (pud_addr_end(a, a + (unsigned long)(n - ok) * PAGE_SIZE) - a) >> PAGE_SHIFT;
			leaf_mask = ~PUD_MASK;
		} else {
			pmdp = pud_pgtable(pudp_get(pudp)) + pmd_index(a);
			pmd = pmdp_get_lockless(pmdp);
			leaf_mask = ~PMD_MASK;
		}
		if (pmd_leaf(pmd)) {
			unsigned long pfn = pmd_pfn(pmd) + ((a & leaf_mask) >> PAGE_SHIFT);

			if (need_write && !pmd_write(pmd))
				break;
			/*
			 * GUP filled the run from this folio's pages in order:
			 * its ends place all of it under the one entry.
			 */
			if (page_to_pfn(pages[ok]) != pfn ||
			    page_to_pfn(pages[ok + (long)left - 1]) != pfn + left - 1)
				break;
			ok += (long)left;
			continue;
		}
		if (pmd_none(pmd) || !(pmd_val(pmd) & _PAGE_PRESENT))
			break;
		ptep = pmd_pgtable(pmd) + pte_index(a);
		for (unsigned long k = 0; k < left; k++, ok++) {
			pte_t pte = ptep_get(ptep + k);

			if (!pte_hw_present(pte) || pte_pfn(pte) != page_to_pfn(pages[ok]) ||
			    (need_write && !pte_write(pte)))
				goto out;
		}
	}
out:
	mm_rcu_read_unlock();
	return ok;
}

static void drop_pending(struct page **pages, long from, long nr)
{
	for (long i = from; i < nr; i++) {
		struct folio *folio = page_folio(pages[i]);

		if (!is_zero_folio(folio))
			pin_tracker_drop_pending(folio, 1);
	}
}

/* Record the leading entries whose folios are still mapped; how many were. */
static long post_pass(struct mm_struct *mm, unsigned long start, struct page **pages, long nr,
		      unsigned int flags, const struct pin_tracker *t)
{
	long i = 0;

	while (i < nr) {
		struct folio *folio = page_folio(pages[i]);
		long n = 1;
		bool ok = true;
		struct page *end = folio_page(folio, (unsigned long)folio_nr_pages(folio));

		/*
		 * The run of entries that belong to this folio: one lock, one
		 * record. The next page of the folio's span needs no struct page
		 * read (a 2 MiB folio costs one, not 512), as unpin's batching.
		 */
		while (i + n < nr && ((pages[i + n] == pages[i + n - 1] + 1 && pages[i + n] < end) ||
				      page_folio(pages[i + n]) == folio))
			n++;
		if (is_zero_folio(folio)) {
			i += n;
			continue;
		}
		race_point(RACE_GUP_FAST, folio);
		folio_lock(folio);
		ok = mapped_run(mm, start + (unsigned long)i * PAGE_SIZE, pages + i, n, flags) == n;
		if (ok)
			t->pin_post(folio, (int)n, flags);
		folio_unlock(folio);
		if (!ok)
			return i;
		i += n;
	}
	return nr;
}

long gup_pin_post(struct mm_struct *mm, unsigned long start, struct page **pages, long nr,
		  int *locked, unsigned int flags)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);
	long done = 0;

	if (nr <= 0 || !pages || !(flags & FOLL_PIN) || !t->pin_post)
		return nr;
	for (int round = 0;; round++) {
		long got;

		done += post_pass(mm, start + (unsigned long)done * PAGE_SIZE, pages + done,
				  nr - done, flags, t);
		if (done == nr)
			return nr;
		drop_pending(pages, done, nr);
		if (round == POST_RETRIES)
			return done;
		/* The rest through the slow path: it faults what changed, then we look again. */
		got = __gup_longterm_locked(mm, start + (unsigned long)done * PAGE_SIZE,
					    (unsigned long)(nr - done), pages + done, locked,
					    flags | FOLL_TOUCH);
		if (got <= 0)
			return done ? done : got;
		nr = done + got;
	}
}
