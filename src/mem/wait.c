/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sleeping on page bits. Waiters hash by folio address into a table of wait
 * queues, as the kernel's folio_wait_table does; the waker takes the queue lock
 * only when the queue has sleepers.
 */
#include <pthread.h>
#include <pinmm/mem/memory.h>

#define WAIT_TABLE_BITS 8
#define WAIT_TABLE_SIZE (1U << WAIT_TABLE_BITS)

struct wait_queue_head {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_int sleepers;
} __attribute__((aligned(64)));

static struct wait_queue_head folio_wait_table[WAIT_TABLE_SIZE];
static pthread_once_t wait_table_once = PTHREAD_ONCE_INIT;
static atomic_ulong total_sleeps;

static void wait_table_init(void)
{
	for (unsigned int i = 0; i < WAIT_TABLE_SIZE; i++) {
		pthread_mutex_init(&folio_wait_table[i].lock, NULL);
		pthread_cond_init(&folio_wait_table[i].cond, NULL);
		atomic_init(&folio_wait_table[i].sleepers, 0);
	}
}

static struct wait_queue_head *folio_waitqueue(const struct folio *folio)
{
	uintptr_t h = (uintptr_t)folio / sizeof(struct page);

	pthread_once(&wait_table_once, wait_table_init);
	h ^= h >> WAIT_TABLE_BITS;
	return &folio_wait_table[h & (WAIT_TABLE_SIZE - 1)];
}

/*
 * Sleep until @bit is clear; with @take, also set it (the lock). The sleeper
 * count is raised before the bit is re-tested and the waker clears the bit
 * before reading the count, both sequentially consistent, so a wakeup is never
 * lost.
 */
static void folio_wait_bit_common(struct folio *folio, int bit, bool take)
{
	struct wait_queue_head *q = folio_waitqueue(folio);

	pthread_mutex_lock(&q->lock);
	atomic_fetch_add(&q->sleepers, 1);
	set_bit(PG_waiters, &folio->flags);
	for (;;) {
		if (take ? !test_and_set_bit_lock(bit, &folio->flags)
			 : !(__atomic_load_n(&folio->flags, __ATOMIC_SEQ_CST) & BIT(bit)))
			break;
		atomic_fetch_add_explicit(&total_sleeps, 1, memory_order_relaxed);
		race_blocking();
		pthread_cond_wait(&q->cond, &q->lock);
	}
	atomic_fetch_sub(&q->sleepers, 1);
	pthread_mutex_unlock(&q->lock);
}

void folio_wake_bit(struct folio *folio, int bit)
{
	struct wait_queue_head *q = folio_waitqueue(folio);

	(void)bit;
	if (atomic_load(&q->sleepers) == 0) {
		/* No one left asleep on this queue: the hint may go (folio_wake_bit()). */
		if (test_bit(PG_waiters, &folio->flags))
			clear_bit(PG_waiters, &folio->flags);
		return;
	}
	pthread_mutex_lock(&q->lock);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void __folio_lock(struct folio *folio)
{
	folio_wait_bit_common(folio, PG_locked, true);
}

void folio_unlock(struct folio *folio)
{
	if (VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio))
		return;
	clear_bit_unlock(PG_locked, &folio->flags);
	folio_wake_bit(folio, PG_locked);
}

void folio_wait_bit(struct folio *folio, int bit)
{
	folio_wait_bit_common(folio, bit, false);
}

void folio_start_writeback(struct folio *folio)
{
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (VM_BUG_ON_FOLIO(folio_test_set_writeback(folio), folio))
		return;
	mod_node_page_state(NR_WRITEBACK, folio_nr_pages(folio));
}

void folio_end_writeback(struct folio *folio)
{
	if (VM_BUG_ON_FOLIO(!test_and_clear_bit(PG_writeback, &folio->flags), folio))
		return;
	mod_node_page_state(NR_WRITEBACK, -folio_nr_pages(folio));
	folio_wake_bit(folio, PG_writeback);
}

unsigned long folio_wait_sleepers(void)
{
	return atomic_load(&total_sleeps);
}
