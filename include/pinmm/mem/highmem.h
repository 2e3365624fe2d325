/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading and writing page contents. A device's DMA, the CPU's stores and
 * writeback's checksum all touch the same bytes from different threads; those
 * races are the subject, so they must be defined behaviour, not UB.
 *
 * Model: page contents are accessed in relaxed atomic 8-byte words (bytes at
 * unaligned edges). Real hardware gives at least that much single-copy atomicity;
 * TSan then reports the model's own bugs, not the races it exists to show.
 */
#ifndef PINMM_MEM_HIGHMEM_H
#define PINMM_MEM_HIGHMEM_H

#include <pinmm/mem/mmzone.h>

/* Copy between a host buffer and simulated memory at @dst/@src (any alignment). */
void phys_copy_to(void *dst, const void *src, size_t len);
void phys_copy_from(void *dst, const void *src, size_t len);
void phys_memset(void *dst, int c, size_t len);

static inline void memcpy_to_page(struct page *page, size_t offset, const void *from, size_t len)
{
	phys_copy_to((char *)page_address(page) + offset, from, len);
}
static inline void memcpy_from_page(void *to, struct page *page, size_t offset, size_t len)
{
	phys_copy_from(to, (const char *)page_address(page) + offset, len);
}
static inline void memset_page(struct page *page, size_t offset, int c, size_t len)
{
	phys_memset((char *)page_address(page) + offset, c, len);
}
static inline void memzero_page(struct page *page, size_t offset, size_t len)
{
	memset_page(page, offset, 0, len);
}
void copy_highpage(struct page *to, struct page *from);
/* Copy every page of @src into @dst (same size). */
void folio_copy(struct folio *dst, struct folio *src);
/* clear_gigantic_page() and copy_user_gigantic_page() for folios of order > MAX_PAGE_ORDER. */
void folio_zero_gigantic(struct folio *folio);
void folio_copy_gigantic(struct folio *dst, struct folio *src);
static inline void folio_zero_range(struct folio *folio, size_t offset, size_t len)
{
	phys_memset((char *)folio_address(folio) + offset, 0, len);
}

#endif
