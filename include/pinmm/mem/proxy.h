/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page proxies: seed 000, Dan Williams, December 2018 - "Have get_user_pages()
 * allocate a proxy object that gets passed around to drivers. Something like a
 * struct page pointer with bit 0 set." A proxy fronts one real struct page (the
 * canonical one, "the canonical location for dirty-tracking and dma
 * operations") and may carry its own mapping and index, so N proxies can front
 * one page: one pmem block shared by two reflinked files, pinned through each.
 *
 * Only the `proxy` tracker makes them (src/pin/proxy.c); its pages[] entries
 * are tagged pointers. Every accessor a GUP result goes through looks through
 * a proxy - page_to_pfn(), page_folio(), compound_head(), PageTail(),
 * page_address(), page_ref_count(), page_zonenum(), PageAnonExclusive(),
 * is_zero_page(), and get_page()/put_page(), which catch it - so the branch
 * Dan named ("a
 * conditional branch and pointer chase to many page operations, like
 * page_to_pfn()") is on every path, for every preset, as it would be in a
 * kernel that had proxies. __page_to_pfn() is the branch-free form, for
 * measuring what the branch costs (`pinmm bench`).
 *
 * struct page is 64 bytes and at least 8-byte aligned, so bit 0 of a real page
 * pointer is always clear.
 */
#ifndef PINMM_MEM_PROXY_H
#define PINMM_MEM_PROXY_H

#include <stdint.h>
#include <urcu/list.h>
#include <pinmm/mem/compiler.h>

struct page;
struct folio;
struct address_space;

#define PAGE_PROXY_TAG	1UL

struct page_proxy {
	struct page *page;		/* the page fronted; NULL while not handed out */
	struct folio *folio;		/* whose pin this is (the tracker's index) */
	struct address_space *mapping;	/* the file it was pinned through; NULL: the page's */
	pgoff_t index;			/* ... at this page offset */
	struct cds_list_head list;	/* the tracker's per-bucket list, or its free list */
	int refs;			/* put_user_page() calls owed: 1 + ref_user_page()s */
	unsigned short state;		/* the tracker's: free, pinned, handed out */
	unsigned short cache;		/* the tracker's: which cache the object lives in */
};

static inline bool page_is_proxy(const struct page *page)
{
	return unlikely((uintptr_t)page & PAGE_PROXY_TAG);
}
static inline struct page_proxy *page_to_proxy(const struct page *page)
{
	return (struct page_proxy *)((uintptr_t)page & ~PAGE_PROXY_TAG);
}
static inline struct page *proxy_to_page_entry(const struct page_proxy *proxy)
{
	return (struct page *)((uintptr_t)proxy | PAGE_PROXY_TAG);
}
/*
 * The real struct page behind a GUP result: itself, or the page its proxy
 * fronts. One predictable branch on the pointer, no load when untagged.
 */
static inline struct page *canonical_page(const struct page *page)
{
	if (page_is_proxy(page))
		return page_to_proxy(page)->page;
	return (struct page *)page;
}

/*
 * get_page()/put_page() on a proxy: the catch the thread cites as a benefit
 * ("catching cases that might be doing a get_page() on a get_user_pages()
 * result and should instead switch to a ref_user_page()"). Each records a
 * WARN naming the page at the call. Model: nothing is taken or dropped - the
 * kernel would WARN and go on to corrupt the count; refusing keeps the pin's
 * accounting intact so the run can report what else happens.
 */
void get_page_proxy(struct page *entry);
void put_page_proxy(struct page *entry);

#endif
