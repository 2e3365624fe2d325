/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The exact tracker's overflow table under concurrency: two threads pin many
 * distinct small folios (sharing the table's 64 buckets) past the 63 pins
 * the field holds, with writable and R/O pins and unpins of known and unknown
 * kind, while plain references are taken past the spill mark and dropped.
 * Every thread checks what its own pins guarantee (pinned, at least its pins,
 * writable while it holds a writable pin); at the end every count is back,
 * the table is empty and nothing was reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <cmocka.h>
#include <pinmm/mem/memory.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/trackers.h>
#include "../common/stress.h"

extern const struct pin_tracker exact_tracker;
static const struct pin_tracker *t = &exact_tracker;

#define NR_FOLIOS	192
#define ROUNDS		10000
#define MAX_PINS	90

static struct folio *folios[NR_FOLIOS];

static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	bool kinds[MAX_PINS];

	for (int r = 0; r < ROUNDS; r++) {
		struct folio *folio = folios[rnd(&seed, NR_FOLIOS)];
		int n = 64 + (int)rnd(&seed, MAX_PINS - 64 + 1), writable = 0;
		bool refs = rnd(&seed, 16) == 0;

		for (int i = 0; i < n; i++) {
			kinds[i] = rnd(&seed, 3) == 0;
			writable += kinds[i];
			CHECK(t->try_pin(folio, 1, kinds[i] ? PIN_FOLL_WRITE : 0) == 0);
		}
		/* Plain references past the spill mark, in adds of a 2 MiB folio's size. */
		if (refs)
			for (int i = 0; i < 400; i++)
				folio_ref_add(folio, 512);
		CHECK(t->maybe_dma_pinned(folio));
		CHECK(t->pincount(folio) >= n);
		CHECK(!writable || t->maybe_dma_pinned_writable(folio));
		for (int i = n - 1; i >= 0; i--) {
			unsigned int how = rnd(&seed, 3);

			if (how == 0)
				t->unpin(folio, 1);
			else
				t->unpin_flags(folio, 1, PIN_UNPIN_KNOWN | (kinds[i] ? PIN_FOLL_WRITE : 0));
			writable -= kinds[i];
			if (i)
				CHECK(t->maybe_dma_pinned(folio));
			CHECK(!writable || t->maybe_dma_pinned_writable(folio));
		}
		if (refs)
			for (int i = 0; i < 400; i++)
				folio_ref_sub(folio, 512);
	}
	return NULL;
}

static void test_overflow_table_two_threads(void **state)
{
	struct mem_config cfg = { 0 };
	pthread_t th[2];

	(void)state;
	stress_watchdog(120);
	assert_int_equal(mem_init(&cfg), 0);
	assert_int_equal(pin_tracker_set(&exact_tracker), 0);
	for (int i = 0; i < NR_FOLIOS; i++)
		assert_non_null(folios[i] = folio_alloc(GFP_KERNEL, 0));
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i * 7919 + 1)), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&thread_errors), 0);
	for (int i = 0; i < NR_FOLIOS; i++) {
		assert_int_equal(t->pincount(folios[i]), 0);
		assert_false(t->maybe_dma_pinned_writable(folios[i]));
		assert_int_equal(folio_ref_count(folios[i]), 1);
		folio_put(folios[i]);
	}
	assert_int_equal(exact_overflow_entries(), 0);
	assert_int_equal(stress_report_events("exact overflow"), 0);
	assert_int_equal(pin_outstanding(), 0);
	mem_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overflow_table_two_threads),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
