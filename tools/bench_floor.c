/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The atomic floor. Whatever a tracker does, pinning a page means reaching its
 * struct page through the page tables and changing one word of it atomically;
 * this file does exactly that and nothing more, over the same page tables and
 * mem_map the presets use, so `preset / floor` says what a design costs above
 * the unavoidable.
 *
 * Model: no rcu_read_lock(), no re-check of the entry after the grab, no
 * refusal of a freed or overflowing page: those are GUP-fast's protocol, not
 * a tracker's, and the floor measures only the part every design shares.
 * The benchmark is the only user of the range while the floor runs, so the
 * unprotected walk is safe here and nowhere else.
 *
 * The CAS floor (@cas) is the same walk with the instruction a grab that may
 * refuse must use: a load and a compare-and-exchange that fails on a free
 * (zero) count, as folio_ref_try_add() (atomic_add_unless()) does, and on the
 * put side a load and a compare-and-exchange, as any unpin that reads the
 * word before it writes it (to refuse a double unpin, to keep a bound). The
 * floor / CAS floor ratio is the price of that instruction alone on this CPU.
 */
#include <stdatomic.h>
#include <pinmm/gup/gup.h>
#include "bench_floor.h"

/* Add @delta (a get, or a put when negative) to @folio's count: blind, or read first (@cas). */
static inline __attribute__((always_inline)) void floor_mod(struct folio *folio, int delta,
							    bool cas)
{
	int old;

	if (!cas) {
		atomic_fetch_add_explicit(&folio->_refcount, delta, memory_order_seq_cst);
		return;
	}
	old = atomic_load_explicit(&folio->_refcount, memory_order_relaxed);
	do {
		/* A free count, or one the put would take below zero: refused. */
		if (old <= 0 || old + delta < 0)
			return;
	} while (!atomic_compare_exchange_weak_explicit(&folio->_refcount, &old, old + delta,
							memory_order_seq_cst,
							memory_order_relaxed));
}

static inline __attribute__((always_inline)) long
floor_pmd_range(pmd_t pmd, unsigned long addr, unsigned long end, struct page **pages, bool cas)
{
	unsigned long nr = (end - addr) >> PAGE_SHIFT;

	if (pmd_leaf(pmd)) {
		/* One atomic for every page of the folio this range reaches. */
		struct page *page = pmd_page(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		struct folio *folio = page_folio(page);

		if (pmd_devmap(pmd))
			return 0;
		floor_mod(folio, (int)nr, cas);
		gup_pages_fill(pages, page, nr);
		return (long)nr;
	}

	pte_t *ptep = pmd_pgtable(pmd) + pte_index(addr);
	for (unsigned long i = 0; i < nr; i++) {
		pte_t pte = ptep_get(ptep + i);
		struct page *page;

		if (!pte_present(pte) || pte_special(pte))
			return (long)i;
		page = pfn_to_page(pte_pfn(pte));
		/* A small folio's head is the page itself: same cache line either way. */
		floor_mod(page_folio(page), 1, cas);
		pages[i] = page;
	}
	return (long)nr;
}

static inline __attribute__((always_inline)) long
floor_get(pgd_t *pgd, unsigned long start, unsigned long nr_pages, struct page **pages, bool cas)
{
	unsigned long addr = start, end = start + (nr_pages << PAGE_SHIFT);
	long done = 0;

	while (addr < end) {
		unsigned long next = pmd_addr_end(addr, end);
		pgd_t g = pgdp_get(pgd + pgd_index(addr));
		pud_t u;
		pmd_t m;
		long n;

		if (!pgd_present(g))
			break;
		u = pudp_get(pgd_pgtable(g) + pud_index(addr));
		if (!pud_present(u))
			break;
		m = pmdp_get_lockless(pud_pgtable(u) + pmd_index(addr));
		if (!pmd_present(m))
			break;
		n = floor_pmd_range(m, addr, next, pages + done, cas);
		done += n;
		if ((unsigned long)n != (next - addr) >> PAGE_SHIFT)
			break;
		addr = next;
	}
	return done;
}

/*
 * The put side gets only the array, as unpin_user_pages() does, so it must
 * look at every entry; it need not look at every struct page: the pages of a
 * folio are consecutive in mem_map, so a run of entries that are consecutive
 * pointers within the folio is released with one atomic, reading the first
 * struct page only - found by the same scan unpin_user_pages() uses.
 */
static inline __attribute__((always_inline)) void floor_put(struct page **pages,
							    unsigned long nr_pages, bool cas)
{
	unsigned long i = 0;

	while (i < nr_pages) {
		struct page *page = pages[i];
		struct folio *folio = page_folio(page);
		unsigned long n = 1;

		if (folio_test_large(folio)) {
			unsigned long max = (unsigned long)folio_nr_pages(folio) -
					    folio_page_idx(folio, page);

			if (max > nr_pages - i)
				max = nr_pages - i;
			n = gup_pages_contig(pages + i, page, max);
		}
		floor_mod(folio, -(int)n, cas);
		i += n;
	}
}

long bench_floor_get(pgd_t *pgd, unsigned long start, unsigned long nr_pages,
		     struct page **pages, bool cas)
{
	return cas ? floor_get(pgd, start, nr_pages, pages, true)
		   : floor_get(pgd, start, nr_pages, pages, false);
}

void bench_floor_put(struct page **pages, unsigned long nr_pages, bool cas)
{
	if (cas)
		floor_put(pages, nr_pages, true);
	else
		floor_put(pages, nr_pages, false);
}
