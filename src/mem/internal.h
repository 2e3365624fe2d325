/* SPDX-License-Identifier: GPL-2.0-only */
/* Between the files of mem/. */
#ifndef PINMM_SRC_MEM_INTERNAL_H
#define PINMM_SRC_MEM_INTERNAL_H

#include <pinmm/mem/memory.h>

/*
 * Under ASan a free block's memory is poisoned until it is allocated again,
 * so a read of a freed page (a page table a lockless walker should not reach,
 * a page a device was not supposed to keep) is reported where it happens.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PINMM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PINMM_ASAN 1
#endif
#endif
#ifdef PINMM_ASAN
#include <sanitizer/asan_interface.h>
#define poison_free_block(page, order) \
	ASAN_POISON_MEMORY_REGION(page_address(page), PAGE_SIZE << (order))
#define unpoison_block(page, order) \
	ASAN_UNPOISON_MEMORY_REGION(page_address(page), PAGE_SIZE << (order))
#define unpoison_range(addr, len)	ASAN_UNPOISON_MEMORY_REGION(addr, len)
#else
#define poison_free_block(page, order)	do { } while (0)
#define unpoison_block(page, order)	do { } while (0)
#define unpoison_range(addr, len)	do { } while (0)
#endif

void buddy_init_zone(struct zone *zone);
void buddy_free_range(unsigned long start_pfn, unsigned long end_pfn);

#endif
