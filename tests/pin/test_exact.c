/* SPDX-License-Identifier: GPL-2.0-only */
/* The `exact` tracker: exact counts in _refcount's top bits, the overflow table, large folios. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <cmocka.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>

extern const struct pin_tracker exact_tracker;
static const struct pin_tracker *t = &exact_tracker;

#define ONE	(1 << 24)
#define W	(1 << 30)
#define WRITE	PIN_FOLL_WRITE

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	return pin_tracker_set(&exact_tracker);
}

static int teardown(void **state)
{
	mem_exit();
	return 0;
}

static void test_small_folio_exact(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_int_equal(folio_ref_count(folio), 1 + ONE);
	assert_true(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 1);
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(t->pincount(folio), 3);
	t->unpin(folio, 3);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pin_refs(folio, 5), 5L * ONE);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
}

/* The false positive bias accepts: exact has none, at any reference count it can build. */
static void test_no_false_positive(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 4);

	folio_ref_add(folio, 1023);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	folio_ref_add(folio, ONE - 1 - 1024);	/* 2^24 - 1 plain references */
	assert_int_equal(folio_ref_count(folio), ONE - 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	folio_ref_sub(folio, ONE - 1 - 5000);
	/* 5000 references and one pin: one pin. */
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_int_equal(t->pincount(folio), 1);
	t->unpin(folio, 1);
	assert_false(t->maybe_dma_pinned(folio));
	folio_ref_sub(folio, 4999);

	folio_ref_add(large, 5000);
	assert_false(t->maybe_dma_pinned(large));
	assert_int_equal(t->pincount(large), 0);
	folio_ref_sub(large, 5000);
	folio_put(large);
	folio_put(folio);
}

static void test_write_bit(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_false(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(t->try_pin(folio, 1, WRITE), 0);
	assert_true(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(folio_ref_count(folio), 1 + 2 * ONE + W);
	/* Unpin cannot tell which pin goes: the bit stays until the last one. */
	t->unpin(folio, 1);
	assert_true(t->maybe_dma_pinned_writable(folio));
	t->unpin(folio, 1);
	assert_false(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(folio_ref_count(folio), 1);
	folio_put(folio);
}

/* Past 63 pins a small folio's pins go to the overflow table, each a plain reference. */
static void test_small_folio_overflow_table(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	for (int i = 0; i < 100; i++)
		assert_int_equal(t->try_pin(folio, 1, i == 80 ? WRITE : 0), 0);
	assert_int_equal(t->pincount(folio), 100);
	assert_int_equal(folio_ref_count(folio), 1 + 63 * ONE + 37 + W);
	assert_int_equal(t->pin_refs(folio, 100), 63L * ONE + 37);
	assert_true(t->maybe_dma_pinned_writable(folio));
	/* A batch across the boundary, both ways. */
	assert_int_equal(t->try_pin(folio, 10, 0), 0);
	assert_int_equal(t->pincount(folio), 110);
	t->unpin(folio, 50);
	assert_int_equal(t->pincount(folio), 60);
	assert_int_equal(folio_ref_count(folio), 1 + 60 * ONE + W);
	t->unpin(folio, 60);
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_false(t->maybe_dma_pinned_writable(folio));
	/* Switching trackers needs the table empty; it is. */
	assert_int_equal(t->enable(), 0);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
}

/* A whole large folio is one unit in _refcount: one CAS, _pincount untouched. */
static void test_large_folio_whole_and_partial(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 4);

	assert_non_null(folio);
	assert_int_equal(t->try_pin(folio, 16, WRITE), 0);
	assert_int_equal(folio_ref_count(folio), 1 + ONE + W);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(t->pincount(folio), 16);
	assert_true(t->maybe_dma_pinned_writable(folio));
	/* A partial pin: references and _pincount, as bias does for large folios. */
	assert_int_equal(t->try_pin(folio, 3, 0), 0);
	assert_int_equal(t->pincount(folio), 19);
	assert_int_equal(folio_ref_count(folio), 1 + ONE + W + 3);
	/* Unpin page by page: the unit is broken into 16 pins when needed. */
	for (int i = 0; i < 19; i++) {
		t->unpin(folio, 1);
		assert_int_equal(t->pincount(folio), 18 - i);
		assert_true(t->maybe_dma_pinned(folio) == (i < 18));
	}
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_false(t->maybe_dma_pinned_writable(folio));
	/* Pinned in pieces, unpinned whole. */
	assert_int_equal(t->try_pin(folio, 8, 0), 0);
	assert_int_equal(t->try_pin(folio, 8, 0), 0);
	t->unpin(folio, 16);
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(folio_ref_count(folio), 1);
	folio_put(folio);
	assert_int_equal(mm_event_count(), 0);
}

static void test_unpin_frees_last_reference(void **state)
{
	unsigned long before = nr_free_pages();
	struct folio *small = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 2);

	assert_int_equal(t->try_pin(small, 1, 0), 0);
	assert_int_equal(t->try_pin(large, 4, 0), 0);
	folio_put(small);
	folio_put(large);
	assert_int_equal(nr_free_pages(), before - 5);
	assert_int_equal(folio_ref_count(small), ONE);
	t->unpin(small, 1);
	t->unpin(large, 4);
	assert_int_equal(nr_free_pages(), before);
	assert_int_equal(mm_event_count(), 0);
}

/* A double unpin: the count knows there is nothing to drop. */
static void test_bad_unpin_warns_and_drops_nothing(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 2);

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	t->unpin(folio, 1);
	t->unpin(folio, 1);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	t->unpin(large, 4);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 2);
	assert_int_equal(folio_ref_count(large), 1);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	folio_put(large);
	folio_put(folio);
}

static void test_refusals(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_true(folio_ref_freeze(folio, 1));
	assert_int_equal(t->try_pin(folio, 1, 0), -EAGAIN);
	assert_int_equal(folio_ref_count(folio), 0);
	folio_ref_unfreeze(folio, 1);
	assert_int_equal(t->try_pin(folio, 0, 0), -EINVAL);
	/* An overflow pin needs a reference in the 24-bit field: none left. */
	set_page_count(&folio->page, ONE - 1);
	for (int i = 0; i < 63; i++)
		assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_int_equal(t->try_pin(folio, 1, 0), -ENOMEM);
	assert_int_equal(t->pincount(folio), 63);
	t->unpin(folio, 63);
	assert_int_equal(folio_ref_count(folio), ONE - 1);
	set_page_count(&folio->page, 1);
	folio_put(folio);
}

/* Pinners and unpinners of one small and one large folio at once, across the boundaries. */
static struct folio *race_small, *race_large;

static void *racer(void *arg)
{
	int seed = (int)(intptr_t)arg;

	for (int i = 0; i < 4000; i++) {
		int n = 1 + (seed + i) % 40;
		unsigned int f = (i & 1) ? WRITE : 0;

		for (int k = 0; k < n; k++)
			assert_int_equal(t->try_pin(race_small, 1, f), 0);
		assert_int_equal(t->try_pin(race_large, 8, f), 0);
		assert_int_equal(t->try_pin(race_large, 3, f), 0);
		assert_true(t->maybe_dma_pinned(race_small));
		assert_true(t->maybe_dma_pinned(race_large));
		t->unpin(race_large, 1);
		t->unpin(race_large, 2);
		t->unpin(race_large, 8);
		t->unpin(race_small, n);
	}
	return NULL;
}

static void test_concurrent_pins_stay_exact(void **state)
{
	pthread_t th[3];

	race_small = folio_alloc(GFP_KERNEL, 0);
	race_large = folio_alloc(GFP_KERNEL, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, racer, (void *)(intptr_t)(i * 7)), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(t->pincount(race_small), 0);
	assert_int_equal(t->pincount(race_large), 0);
	assert_int_equal(folio_ref_count(race_small), 1);
	assert_int_equal(folio_ref_count(race_large), 1);
	assert_int_equal(atomic_load(&race_large->_pincount), 0);
	assert_int_equal(mm_event_count(), 0);
	folio_put(race_small);
	folio_put(race_large);
}

static void test_presets(void **state)
{
	const struct pin_preset *e = pin_preset_find("exact");
	const struct pin_preset *p = pin_preset_find("pinmm");

	assert_non_null(e);
	assert_non_null(p);
	assert_int_equal(e->family, PRESET_DESIGN);
	assert_null(e->kernel);
	assert_int_equal(e->longterm, LONGTERM_MAINLINE);
	assert_int_equal(e->writeback, WB_BOUNCE);
	assert_string_equal(p->tracker, "exact");
	assert_int_equal(p->longterm, LONGTERM_BUSY);
	assert_int_equal(p->writeback, WB_BOUNCE);
	assert_int_equal(pin_preset_apply(p), 0);
	assert_ptr_equal(pin_config.tracker, &exact_tracker);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_small_folio_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_false_positive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_folio_overflow_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_folio_whole_and_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpin_frees_last_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_unpin_warns_and_drops_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_pins_stay_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_presets, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
