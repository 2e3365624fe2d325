/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The atomic floor: the least any pin tracker can cost, measured over the same
 * simulated page tables and mem_map the presets pin through.
 */
#ifndef PINMM_TOOLS_BENCH_FLOOR_H
#define PINMM_TOOLS_BENCH_FLOOR_H

#include <pinmm/vm/pgtable.h>

/*
 * Floor get: walk pgd -> pud -> pmd once per PMD range, as GUP-fast does, then
 * per page one PTE load, pfn_to_page() and one atomic add on _refcount; a
 * PMD-mapped folio costs one PMD load and one atomic add for all its pages.
 * pages[] receives the pages, as any get_user_pages() must. Returns the number
 * of pages taken, stopping at the first hole or special entry (0 if the first
 * page is one), like GUP-fast.
 *
 * @cas: each add and sub is a load and a compare-and-exchange, as a grab that
 * refuses a free folio (folio_ref_try_add()) must be; the CAS floor.
 */
long bench_floor_get(pgd_t *pgd, unsigned long start, unsigned long nr_pages,
		     struct page **pages, bool cas);
/* Floor put: the matching atomic sub, once per page, or once per PMD-mapped folio. */
void bench_floor_put(struct page **pages, unsigned long nr_pages, bool cas);

#endif
