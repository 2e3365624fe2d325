/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The get_page()/put_page() side of page proxies (mem/proxy.h): a driver that
 * treats a pin_user_pages() result as a plain page is caught at the call.
 */
#include <pinmm/mem/memory.h>

void get_page_proxy(struct page *entry)
{
	mm_event(MM_EV_WARN, canonical_page(entry),
		 "get_page() on a pin_user_pages() proxy: take another reference with ref_user_page()");
}

void put_page_proxy(struct page *entry)
{
	mm_event(MM_EV_WARN, canonical_page(entry),
		 "put_page() on a pin_user_pages() proxy: release it with put_user_page()/unpin_user_page()");
}
