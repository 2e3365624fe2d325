/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RCU for the lockless paths (GUP-fast, the page cache lookup): liburcu's
 * "bulletproof" flavour, so every thread is registered on first use and DMA or
 * test threads need no ceremony. Under TSan the grace period is announced as a
 * release/acquire pair, which is the ordering RCU actually provides and TSan
 * cannot see through membarrier().
 */
#ifndef PINMM_MEM_RCU_H
#define PINMM_MEM_RCU_H

#include <urcu-bp.h>
#include <urcu/rcuhlist.h>
#include <pinmm/mem/compiler.h>

#ifdef PINMM_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char mm_rcu_tsan_token;
#define mm_rcu_tsan_release()	__tsan_release(&mm_rcu_tsan_token)
#define mm_rcu_tsan_acquire()	__tsan_acquire(&mm_rcu_tsan_token)
#else
#define mm_rcu_tsan_release()	do { } while (0)
#define mm_rcu_tsan_acquire()	do { } while (0)
#endif

static inline void mm_rcu_read_lock(void)
{
	urcu_bp_read_lock();
}
static inline void mm_rcu_read_unlock(void)
{
	mm_rcu_tsan_release();
	urcu_bp_read_unlock();
}
static inline void mm_synchronize_rcu(void)
{
	urcu_bp_synchronize_rcu();
	mm_rcu_tsan_acquire();
}

struct mm_rcu_head {
	struct mm_rcu_head *next;
	void (*func)(struct mm_rcu_head *);
};
/* call_rcu(): @func runs after a grace period, in pinmm's RCU worker thread. */
void mm_call_rcu(struct mm_rcu_head *head, void (*func)(struct mm_rcu_head *));
/* Wait for every callback queued so far (rcu_barrier()). */
void mm_rcu_barrier(void);

#endif
