/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small kernel-style helpers the whole model uses. Shared fields that the kernel
 * touches with READ_ONCE/WRITE_ONCE are accessed through the same names here, built
 * on the compiler's __atomic builtins so that TSan sees them as atomic.
 */
#ifndef PINMM_MEM_COMPILER_H
#define PINMM_MEM_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sys/types.h>

#if defined(__SANITIZE_THREAD__)
#define PINMM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PINMM_TSAN 1
#endif
#endif

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#ifdef PINMM_TSAN
/*
 * TSan does not model fences (gcc refuses them under -fsanitize=thread): a
 * fully ordered RMW on one shared word orders as much and is visible to it.
 */
extern unsigned long mm_tsan_fence_word;
#define smp_mb()	((void)__atomic_fetch_add(&mm_tsan_fence_word, 0, __ATOMIC_SEQ_CST))
#define smp_rmb()	smp_mb()
#define smp_wmb()	smp_mb()
#else
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

#define BIT(nr)			(1UL << (nr))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a)		ALIGN_DOWN((x) + (a) - 1, (a))
#define BITS_PER_LONG		64
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PMD_SHIFT	21
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PMD_MASK	(~(PMD_SIZE - 1))
#define HPAGE_PMD_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define HPAGE_PMD_NR	(1 << HPAGE_PMD_ORDER)

/* The largest buddy order: 2 MiB blocks, enough for one PMD-mapped THP. */
#define MAX_PAGE_ORDER	9
#define NR_PAGE_ORDERS	(MAX_PAGE_ORDER + 1)
#define pageblock_order	MAX_PAGE_ORDER
#define pageblock_nr_pages (1UL << pageblock_order)

typedef unsigned long pgoff_t;
typedef unsigned int gfp_t;


#endif
