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

/* Does @mm still map @page at @addr, writable if the pin is for writing? */
static bool still_mapped(struct mm_struct *mm, unsigned long addr, struct page *page,
			 unsigned int flags)
{
	bool need_write = (flags & FOLL_WRITE) && !(flags & FOLL_FORCE);
	unsigned long pfn = page_to_pfn(page);
	pgd_t *pgdp;
	pud_t *pudp;
	pmd_t *pmdp, pmd;
	pte_t pte;
	bool ok = false;

	mm_rcu_read_lock();
	pgdp = pgd_offset(mm, addr);
	if (!pgd_present(pgdp_get(pgdp)))
		goto out;
	pudp = pgd_pgtable(pgdp_get(pgdp)) + pud_index(addr);
	if (!pud_present(pudp_get(pudp)))
		goto out;
	pmdp = pud_pgtable(pudp_get(pudp)) + pmd_index(addr);
	pmd = pmdp_get_lockless(pmdp);
	if (pmd_leaf(pmd)) {
		ok = pmd_pfn(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT) == pfn &&
		     (!need_write || pmd_write(pmd));
		goto out;
	}
	if (pmd_none(pmd) || !(pmd_val(pmd) & _PAGE_PRESENT))
		goto out;
	pte = ptep_get(pmd_pgtable(pmd) + pte_index(addr));
	ok = pte_hw_present(pte) && pte_pfn(pte) == pfn && (!need_write || pte_write(pte));
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

		/* The run of entries that belong to this folio: one lock, one record. */
		while (i + n < nr && page_folio(pages[i + n]) == folio)
			n++;
		if (is_zero_folio(folio)) {
			i += n;
			continue;
		}
		race_point(RACE_GUP_FAST, folio);
		folio_lock(folio);
		for (long k = 0; ok && k < n; k++)
			ok = still_mapped(mm, start + (unsigned long)(i + k) * PAGE_SIZE,
					  pages[i + k], flags);
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
