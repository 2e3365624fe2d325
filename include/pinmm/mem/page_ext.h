/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * page_ext (mm/page_ext.c): per-pfn data kept outside struct page, in a table
 * allocated at boot for all memory, for facilities that must not grow struct
 * page (page_owner, page_table_check, idle tracking on 32-bit). Each entry is
 * a flags word followed by the clients' data; a client is told its offset.
 *
 * Model: one client at a time (nothing else in pinmm uses page_ext), and the
 * table is FLATMEM's node_page_ext: one array over the node's pfns, found with
 * one subtraction. x86-64 uses SPARSEMEM, which reaches it through the
 * pfn's mem_section instead (one more dependent load) and has no entries for
 * ZONE_DEVICE ranges (memremap_pages() never onlines them); the model's table
 * spans the device pfns too. No memory hot-remove, so no RCU around a lookup.
 */
#ifndef PINMM_MEM_PAGE_EXT_H
#define PINMM_MEM_PAGE_EXT_H

#include <pinmm/mem/mmzone.h>

struct page_ext {
	unsigned long flags;
};

/* The table and its stride; NULL / 0 when no client asked for one. */
extern unsigned char *node_page_ext;
extern size_t page_ext_size;

/*
 * Ask for @bytes of per-page data (0: none), as a page_ext_operations' need()
 * does. The table is allocated when the machine boots; a request made while
 * it is up allocates it at once. Returns the client's offset in an entry
 * (after struct page_ext), -EBUSY when another size is already in force on a
 * running machine, -ENOMEM.
 */
long page_ext_request(size_t bytes);
/* Bytes the table takes for the running machine (entries x stride). */
size_t page_ext_table_bytes(void);

/* lookup_page_ext(): NULL when no table exists. */
static inline struct page_ext *page_ext_get(const struct page *page)
{
	unsigned char *base = node_page_ext;

	if (unlikely(!base))
		return NULL;
	return (struct page_ext *)(base + (page_to_pfn(page) - ARCH_PFN_OFFSET) * page_ext_size);
}

static inline void *page_ext_data(struct page_ext *ext, long offset)
{
	return (unsigned char *)ext + offset;
}

/* mem/ internal: called by mem_init() and mem_exit(). */
int page_ext_init(void);
void page_ext_exit(void);

#endif
