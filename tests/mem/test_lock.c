/* SPDX-License-Identifier: GPL-2.0-only */
/* The page lock and the writeback wait really sleep and wake across threads. */
#include <pthread.h>
#include <unistd.h>
#include "../common/cmocka_tap.h"
#include <pinmm/mem/memory.h>


struct lock_arg {
	struct folio *folio;
	long *counter;
	int loops;
};

static void *locker(void *p)
{
	struct lock_arg *a = p;

	for (int i = 0; i < a->loops; i++) {
		folio_lock(a->folio);
		/* a non-atomic read-modify-write: only mutual exclusion keeps it exact */
		long v = *a->counter;
		if ((i & 63) == 0)
			sched_yield();
		*a->counter = v + 1;
		folio_unlock(a->folio);
	}
	return NULL;
}

static void lock_is_mutual_exclusion(void **state)
{
	long counter = 0;
	struct lock_arg a = { .folio = folio_alloc(GFP_KERNEL, 0), .counter = &counter, .loops = 20000 };
	pthread_t t[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, locker, &a);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(counter, 60000);
	assert_false(folio_test_locked(a.folio));
	folio_put(a.folio);
}

struct sleeper_arg {
	struct folio *folio;
	atomic_int stage;
};

static void *lock_sleeper(void *p)
{
	struct sleeper_arg *a = p;

	atomic_store(&a->stage, 1);
	folio_lock(a->folio);		/* held by the main thread: must sleep */
	atomic_store(&a->stage, 2);
	folio_unlock(a->folio);
	return NULL;
}

static void contended_lock_sleeps_then_wakes(void **state)
{
	struct sleeper_arg a = { .folio = folio_alloc(GFP_KERNEL, 0) };
	unsigned long sleeps0 = folio_wait_sleepers();
	pthread_t t;

	(void)state;
	assert_true(folio_trylock(a.folio));
	assert_false(folio_trylock(a.folio));
	pthread_create(&t, NULL, lock_sleeper, &a);
	while (folio_wait_sleepers() == sleeps0)
		usleep(1000);
	assert_int_equal(atomic_load(&a.stage), 1);
	folio_unlock(a.folio);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&a.stage), 2);
	assert_false(folio_test_locked(a.folio));
	folio_put(a.folio);
}

static void *wb_waiter(void *p)
{
	struct sleeper_arg *a = p;

	folio_wait_writeback(a->folio);
	atomic_store(&a->stage, 2);
	return NULL;
}

static void writeback_wait(void **state)
{
	struct sleeper_arg a = { .folio = folio_alloc(GFP_KERNEL, 0) };
	unsigned long sleeps0 = folio_wait_sleepers();
	pthread_t t;

	(void)state;
	folio_lock(a.folio);
	folio_start_writeback(a.folio);
	assert_int_equal(node_page_state(NR_WRITEBACK), 1);
	folio_unlock(a.folio);
	pthread_create(&t, NULL, wb_waiter, &a);
	while (folio_wait_sleepers() == sleeps0)
		usleep(1000);
	assert_int_equal(atomic_load(&a.stage), 0);
	folio_end_writeback(a.folio);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&a.stage), 2);
	assert_int_equal(node_page_state(NR_WRITEBACK), 0);
	/* ending writeback that never started is a kernel BUG, recorded */
	folio_end_writeback(a.folio);
	assert_int_equal(mm_event_match(MM_EV_BUG, "VM_BUG_ON_PAGE"), 1);
	/* unlocking an unlocked folio too */
	folio_unlock(a.folio);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 2);
	folio_put(a.folio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lock_is_mutual_exclusion, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(contended_lock_sleeps_then_wakes, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(writeback_wait, boot_default_machine, halt_machine),
	};
	return RUN_TAP(tests, NULL, NULL);
}
