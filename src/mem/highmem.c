/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
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

/*
 * Model: a gigantic folio (1 GiB) is cleared by giving its host pages back
 * (MADV_DONTNEED on the arena's private anonymous mapping reads as zeroes
 * afterwards), where clear_gigantic_page() stores zeroes page by page: the
 * same contents, but a 1 GiB cell costs host memory only for what it touches.
 */
void folio_zero_gigantic(struct folio *folio)
{
	if (madvise(folio_address(folio), folio_size(folio), MADV_DONTNEED))
		phys_memset(folio_address(folio), 0, folio_size(folio));
}

/* Can the host have moved an arena page out of memory? Then mincore() cannot tell zeroes. */
static bool host_has_swap(void)
{
	static int cached = -1;
	FILE *f;

	if (cached < 0) {
		int lines = 0, c;

		f = fopen("/proc/swaps", "r");
		if (!f) {
			cached = 1;
		} else {
			while ((c = fgetc(f)) != EOF)
				lines += c == '\n';
			fclose(f);
			cached = lines > 1;
		}
	}
	return cached;
}

/*
 * Model: copy_user_gigantic_page() copies every base page. Here the target
 * is cleared as above and only the source pages the host has memory behind
 * (mincore()) are copied: the others never held anything but zeroes. On a
 * host with swap, a swapped-out page would look empty, so every page is
 * copied there.
 */
void folio_copy_gigantic(struct folio *dst, struct folio *src)
{
	size_t len = folio_size(src), n = len / PAGE_SIZE;
	bool sparse = sysconf(_SC_PAGESIZE) == (long)PAGE_SIZE && !host_has_swap();
	unsigned char *vec = sparse ? malloc(n) : NULL;

	if (!vec || mincore(folio_address(src), len, vec)) {
		free(vec);
		folio_copy(dst, src);
		return;
	}
	folio_zero_gigantic(dst);
	for (size_t i = 0; i < n; i++)
		if (vec[i] & 1)
			copy_highpage(folio_page(dst, i), folio_page(src, i));
	free(vec);
}
