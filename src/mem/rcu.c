/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * call_rcu() and rcu_barrier() on liburcu's grace periods.
 *
 * liburcu's own call_rcu worker sleeps 10 ms after every wake-up to batch
 * callbacks, so an rcu_barrier() after a few callbacks costs 10-20 ms. Every
 * simulated machine ends with one (mem_exit() must not unmap mem_map under a
 * pending page-table free), and the suites boot thousands of machines: that
 * sleep was most of `make check`'s wall time. This worker runs each batch as
 * soon as it has one grace period (urcu_bp_synchronize_rcu()) behind it, which
 * is what call_rcu() promises and no more.
 */
#include <pthread.h>
#include <pinmm/mem/memory.h>

#ifdef PINMM_TSAN
char mm_rcu_tsan_token;
unsigned long mm_tsan_fence_word;
#endif

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;		/* the queue is not empty */
	pthread_cond_t done;		/* completed moved */
	struct mm_rcu_head *head, **tail;
	unsigned long queued, completed;
	pthread_once_t once;
} rcu_cb = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.tail = &rcu_cb.head,
	.once = PTHREAD_ONCE_INIT,
};

static void *rcu_cb_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&rcu_cb.lock);
	for (;;) {
		struct mm_rcu_head *batch;
		unsigned long n = 0;

		while (!rcu_cb.head)
			pthread_cond_wait(&rcu_cb.work, &rcu_cb.lock);
		batch = rcu_cb.head;
		rcu_cb.head = NULL;
		rcu_cb.tail = &rcu_cb.head;
		pthread_mutex_unlock(&rcu_cb.lock);

		/* Every reader that could see what the batch frees has finished. */
		urcu_bp_synchronize_rcu();
		mm_rcu_tsan_acquire();
		while (batch) {
			struct mm_rcu_head *next = batch->next;

			batch->func(batch);
			batch = next;
			n++;
		}

		pthread_mutex_lock(&rcu_cb.lock);
		rcu_cb.completed += n;
		pthread_cond_broadcast(&rcu_cb.done);
	}
	return NULL;
}

static void rcu_cb_start(void)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, rcu_cb_worker, NULL)) {
		/* Without a worker, mm_call_rcu() waits for the grace period itself. */
		rcu_cb.tail = NULL;
	}
	pthread_attr_destroy(&attr);
}

void mm_call_rcu(struct mm_rcu_head *head, void (*func)(struct mm_rcu_head *))
{
	head->func = func;
	head->next = NULL;
	pthread_once(&rcu_cb.once, rcu_cb_start);
	pthread_mutex_lock(&rcu_cb.lock);
	if (!rcu_cb.tail) {
		pthread_mutex_unlock(&rcu_cb.lock);
		mm_synchronize_rcu();
		func(head);
		return;
	}
	*rcu_cb.tail = head;
	rcu_cb.tail = &head->next;
	rcu_cb.queued++;
	pthread_cond_signal(&rcu_cb.work);
	pthread_mutex_unlock(&rcu_cb.lock);
}

void mm_rcu_barrier(void)
{
	unsigned long target;

	pthread_mutex_lock(&rcu_cb.lock);
	target = rcu_cb.queued;
	while (rcu_cb.completed < target)
		pthread_cond_wait(&rcu_cb.done, &rcu_cb.lock);
	pthread_mutex_unlock(&rcu_cb.lock);
}
