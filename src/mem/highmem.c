/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>
#include <pinmm/mem/memory.h>
#include <pinmm/mem/highmem.h>

typedef uint64_t word_t;
#define WORD sizeof(word_t)

static inline bool word_aligned(const void *p)
{
	return ((uintptr_t)p & (WORD - 1)) == 0;
}

void phys_copy_to(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (len && !word_aligned(d)) {
		__atomic_store_n(d++, *s++, __ATOMIC_RELAXED);
		len--;
	}
	for (; len >= WORD; len -= WORD, d += WORD, s += WORD) {
		word_t w;

		memcpy(&w, s, WORD);
		__atomic_store_n((word_t *)(void *)d, w, __ATOMIC_RELAXED);
	}
	while (len--)
		__atomic_store_n(d++, *s++, __ATOMIC_RELAXED);
}

void phys_copy_from(void *dst, const void *src, size_t len)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (len && !word_aligned(s)) {
		*d++ = __atomic_load_n(s++, __ATOMIC_RELAXED);
		len--;
	}
	for (; len >= WORD; len -= WORD, d += WORD, s += WORD) {
		word_t w = __atomic_load_n((const word_t *)(const void *)s, __ATOMIC_RELAXED);

		memcpy(d, &w, WORD);
	}
	while (len--)
		*d++ = __atomic_load_n(s++, __ATOMIC_RELAXED);
}

void phys_memset(void *dst, int c, size_t len)
{
	unsigned char *d = dst;
	word_t w;

	memset(&w, c, WORD);
	while (len && !word_aligned(d)) {
		__atomic_store_n(d++, (unsigned char)c, __ATOMIC_RELAXED);
		len--;
	}
	for (; len >= WORD; len -= WORD, d += WORD)
		__atomic_store_n((word_t *)(void *)d, w, __ATOMIC_RELAXED);
	while (len--)
		__atomic_store_n(d++, (unsigned char)c, __ATOMIC_RELAXED);
}

void copy_highpage(struct page *to, struct page *from)
{
	word_t *d = page_address(to);
	const word_t *s = page_address(from);

	for (size_t i = 0; i < PAGE_SIZE / WORD; i++)
		__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}

void folio_copy(struct folio *dst, struct folio *src)
{
	for (long i = 0; i < folio_nr_pages(src); i++)
		copy_highpage(folio_page(dst, (unsigned long)i), folio_page(src, (unsigned long)i));
}
