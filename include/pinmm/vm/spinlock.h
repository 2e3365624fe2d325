/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two small locking primitives vm/ needs that a pthread lock cannot be:
 * a spinlock that fits in one word of a page-table page's struct page (split
 * PTL), and the seqcount GUP-fast reads to detect a concurrent fork.
 */
#ifndef PINMM_VM_SPINLOCK_H
#define PINMM_VM_SPINLOCK_H

#include <sched.h>
#include <pinmm/mem/compiler.h>
#include <pinmm/mem/race.h>

/*
 * Model: spinlock_t is one word so that it can live in page->private of a
 * page-table page, as mainline's split PTL lives in the ptdesc. Contended
 * waiters yield the CPU after a short spin: the host has few cores and the
 * holder may be preempted, which a kernel spinlock holder never is.
 */
typedef unsigned long spinlock_t;
#define __SPIN_LOCK_UNLOCKED 0UL

static inline void spin_lock_init(spinlock_t *l)
{
	__atomic_store_n(l, 0UL, __ATOMIC_RELAXED);
}
static inline bool spin_trylock(spinlock_t *l)
{
	return __atomic_exchange_n(l, 1UL, __ATOMIC_ACQUIRE) == 0;
}
static inline void spin_lock(spinlock_t *l)
{
	unsigned int spins = 0;

	while (!spin_trylock(l)) {
		/* A context run inside a race point may be spinning on its interrupter. */
		if (!spins)
			race_blocking();
		while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
			if (++spins > 64)
				sched_yield();
		}
	}
}
static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(l, 0UL, __ATOMIC_RELEASE);
}
static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(l, __ATOMIC_RELAXED) != 0;
}

/* A sequence count: odd while a writer is inside (fork write-protecting). */
typedef struct {
	unsigned int sequence;
} seqcount_t;

static inline void seqcount_init(seqcount_t *s)
{
	__atomic_store_n(&s->sequence, 0u, __ATOMIC_RELAXED);
}
/* The raw value, odd or not: GUP-fast gives up on odd rather than spinning. */
static inline unsigned int raw_read_seqcount(const seqcount_t *s)
{
	return __atomic_load_n(&s->sequence, __ATOMIC_ACQUIRE);
}
static inline unsigned int read_seqcount_begin(const seqcount_t *s)
{
	unsigned int seq;

	while ((seq = raw_read_seqcount(s)) & 1)
		sched_yield();
	return seq;
}
/*
 * The fences a seqcount needs. TSan cannot model fences (GCC refuses them under
 * -fsanitize=thread); there the count is accessed seq_cst, which is what the
 * model's PTE updates (seq_cst RMWs) pair with anyway.
 */
static inline void __seq_fence(int order)
{
#ifndef PINMM_TSAN
	__atomic_thread_fence(order);
#else
	(void)order;
#endif
}
static inline bool read_seqcount_retry(const seqcount_t *s, unsigned int start)
{
	__seq_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->sequence, __ATOMIC_SEQ_CST) != start;
}
static inline void raw_write_seqcount_begin(seqcount_t *s)
{
	__atomic_fetch_add(&s->sequence, 1u, __ATOMIC_SEQ_CST);
	/* The entries written next must not be seen before the count is odd. */
	__seq_fence(__ATOMIC_SEQ_CST);
}
static inline void raw_write_seqcount_end(seqcount_t *s)
{
	__atomic_fetch_add(&s->sequence, 1u, __ATOMIC_SEQ_CST);
}

#endif
