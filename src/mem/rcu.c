/* SPDX-License-Identifier: GPL-2.0-only */
#include <pinmm/mem/memory.h>

#ifdef PINMM_TSAN
char mm_rcu_tsan_token;
unsigned long mm_tsan_fence_word;
static char mm_rcu_cb_token;
#endif

static void mm_rcu_trampoline(struct rcu_head *head)
{
	struct mm_rcu_head *h = container_of(head, struct mm_rcu_head, head);

	/* Everything readers did before the grace period happens before this. */
	mm_rcu_tsan_acquire();
#ifdef PINMM_TSAN
	__tsan_acquire(h);
#endif
	h->func(h);
#ifdef PINMM_TSAN
	/* ... and what the callback did happens before rcu_barrier() returns. */
	__tsan_release(&mm_rcu_cb_token);
#endif
}

void mm_call_rcu(struct mm_rcu_head *head, void (*func)(struct mm_rcu_head *))
{
	head->func = func;
#ifdef PINMM_TSAN
	/* liburcu hands the head to its worker thread behind TSan's back. */
	__tsan_release(head);
#endif
	urcu_bp_call_rcu(&head->head, mm_rcu_trampoline);
}

void mm_rcu_barrier(void)
{
	urcu_bp_barrier();
#ifdef PINMM_TSAN
	__tsan_acquire(&mm_rcu_cb_token);
#endif
}
