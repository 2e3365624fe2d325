/* SPDX-License-Identifier: GPL-2.0-only */
/* The `exact` tracker: exact counts in _refcount's top bits, the overflow table, large folios, writable counts. */
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

#define ONE	(1 << 18)		/* a pin in P */
#define WONE	(1 << 24)		/* a writable pin in Wc */
#define S	(1 << 30)		/* references in the overflow table */
#define WRITE	PIN_FOLL_WRITE
#define KNOWN	PIN_UNPIN_KNOWN
#define EXACT_FIELD_MAX	63		/* P and Wc saturate here: the table's */

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

/* The false positive bias accepts: exact has none, at any reference count. */
static void test_no_false_positive(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);
	struct folio *large = folio_alloc(GFP_KERNEL, 4);
	const int chunk = 1 << 16, chunks = 300;	/* 19660800 references, past 2^24 */

	folio_ref_add(folio, 1023);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	folio_ref_sub(folio, 1023);
	for (int i = 0; i < chunks; i++) {
		folio_ref_add(folio, chunk);
		assert_false(t->maybe_dma_pinned(folio));
	}
	/* Most of them were moved out of the 18-bit field; P never saw a carry. */
	assert_true(folio_ref_count(folio) & S);
	assert_int_equal(exact_overflow_entries(), 1);
	assert_false(t->maybe_dma_pinned(folio));
	assert_false(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(t->pincount(folio), 0);
	assert_false(folio_ref_freeze(folio, 1 + chunks * chunk));
	/* With one pin: pinned, exactly one, writable as it was taken. */
	assert_int_equal(t->try_pin(folio, 1, WRITE), 0);
	assert_true(t->maybe_dma_pinned(folio));
	assert_true(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(t->pincount(folio), 1);
	t->unpin_flags(folio, 1, KNOWN | WRITE);
	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), 0);
	/* And back: the references come home, S clears, the entry goes. */
	for (int i = 0; i < chunks; i++) {
		folio_ref_sub(folio, chunk);
		assert_false(t->maybe_dma_pinned(folio));
	}
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(exact_overflow_entries(), 0);
	/* One at a time across the spill and refill marks, with a pin held. */
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	for (int i = 0; i < 4 * chunk; i++)
		folio_get(folio);
	assert_true(folio_ref_count(folio) & S);
	assert_int_equal(t->pincount(folio), 1);
	for (int i = 0; i < 4 * chunk; i++)
		folio_put(folio);
	assert_int_equal(folio_ref_count(folio), 1 + ONE);
	t->unpin(folio, 1);
	assert_int_equal(exact_overflow_entries(), 0);

	folio_ref_add(large, 5000);
	assert_false(t->maybe_dma_pinned(large));
	assert_int_equal(t->pincount(large), 0);
	folio_ref_sub(large, 5000);
	folio_put(large);
	folio_put(folio);
}

static void test_writable_count(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	assert_false(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(t->try_pin(folio, 1, WRITE), 0);
	assert_true(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(folio_ref_count(folio), 1 + 2 * ONE + WONE);
	/* An unpin that says it drops the writable pin: the R/O one is left, and known to be. */
	t->unpin_flags(folio, 1, KNOWN | WRITE);
	assert_true(t->maybe_dma_pinned(folio));
	assert_false(t->maybe_dma_pinned_writable(folio));
	/* One that says it drops an R/O pin leaves a writable one counted. */
	assert_int_equal(t->try_pin(folio, 1, WRITE), 0);
	t->unpin_flags(folio, 1, KNOWN);
	assert_true(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(t->pincount(folio), 1);
	t->unpin_flags(folio, 1, KNOWN | WRITE);
	assert_int_equal(folio_ref_count(folio), 1);

	/* The kernel's unpin does not say: which pin went cannot be known, so W stays. */
	assert_int_equal(t->try_pin(folio, 1, WRITE), 0);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	t->unpin(folio, 1);
	assert_true(t->maybe_dma_pinned_writable(folio));
	t->unpin(folio, 1);
	assert_false(t->maybe_dma_pinned_writable(folio));
	/* ... and the bound min(Wc, P) never counts more writable pins than pins. */
	assert_int_equal(t->try_pin(folio, 2, WRITE), 0);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	t->unpin(folio, 2);
	assert_int_equal(folio_ref_count(folio), 1 + ONE + WONE);
	t->unpin(folio, 1);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(mm_event_count(), 0);

	/* An unpin that claims FOLL_WRITE for an R/O pin is caught and taken as unknown. */
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	t->unpin_flags(folio, 1, KNOWN | WRITE);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	folio_put(folio);
}

/* Large folios: units and partial pins each keep their writable count. */
static void test_writable_count_large(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 4);

	assert_int_equal(t->try_pin(folio, 16, WRITE), 0);
	assert_int_equal(t->try_pin(folio, 16, 0), 0);
	t->unpin_flags(folio, 16, KNOWN | WRITE);
	assert_true(t->maybe_dma_pinned(folio));
	assert_false(t->maybe_dma_pinned_writable(folio));
	t->unpin_flags(folio, 16, KNOWN);
	assert_int_equal(t->try_pin(folio, 3, WRITE), 0);
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	t->unpin_flags(folio, 3, KNOWN | WRITE);
	assert_false(t->maybe_dma_pinned_writable(folio));
	t->unpin_flags(folio, 2, KNOWN);
	/*
	 * A partial unpin of an unknown kind breaks a unit: with a writable
	 * unit and an R/O one, the broken one may be either, so its pages
	 * count as writable and the writable unit stays counted too.
	 */
	assert_int_equal(t->try_pin(folio, 16, WRITE), 0);
	assert_int_equal(t->try_pin(folio, 16, 0), 0);
	for (int i = 0; i < 16; i++)
		t->unpin(folio, 1);
	assert_int_equal(t->pincount(folio), 16);
	assert_true(t->maybe_dma_pinned_writable(folio));
	t->unpin(folio, 16);
	assert_false(t->maybe_dma_pinned(folio));
	assert_false(t->maybe_dma_pinned_writable(folio));
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(mm_event_count(), 0);
	folio_put(folio);
}

/* Past 63 pins a small folio's pins go to the overflow table, which holds their references. */
static void test_small_folio_overflow_table(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	for (int i = 0; i < 100; i++)
		assert_int_equal(t->try_pin(folio, 1, i == 80 || i == 90 ? WRITE : 0), 0);
	assert_int_equal(t->pincount(folio), 100);
	assert_int_equal(exact_overflow_entries(), 1);
	/* The writable count is kept in the field first: Wc != 0 says it all. */
	assert_int_equal(folio_ref_count(folio), 1 + 63 * ONE + 2 * WONE);
	assert_int_equal(t->pin_refs(folio, 100), 63L * ONE);
	assert_true(t->maybe_dma_pinned_writable(folio));
	/* A batch across the boundary, both ways. */
	assert_int_equal(t->try_pin(folio, 10, 0), 0);
	assert_int_equal(t->pincount(folio), 110);
	t->unpin(folio, 50);
	assert_int_equal(t->pincount(folio), 60);
	assert_int_equal(folio_ref_count(folio), 1 + 60 * ONE + 2 * WONE);
	assert_int_equal(exact_overflow_entries(), 0);
	/* The two writable ones, known, from the field. */
	t->unpin_flags(folio, 2, KNOWN | WRITE);
	assert_false(t->maybe_dma_pinned_writable(folio));
	t->unpin(folio, 58);
	assert_int_equal(t->pincount(folio), 0);
	assert_int_equal(folio_ref_count(folio), 1);

	/* Writable pins past 63, dropped as known writable while listed. */
	for (int i = 0; i < 70; i++)
		assert_int_equal(t->try_pin(folio, 1, WRITE), 0);
	assert_int_equal(t->try_pin(folio, 5, 0), 0);
	t->unpin_flags(folio, 70, KNOWN | WRITE);
	assert_int_equal(t->pincount(folio), 5);
	assert_false(t->maybe_dma_pinned_writable(folio));
	t->unpin_flags(folio, 5, KNOWN);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(exact_overflow_entries(), 0);
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
	assert_int_equal(folio_ref_count(folio), 1 + ONE + WONE);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(t->pincount(folio), 16);
	assert_true(t->maybe_dma_pinned_writable(folio));
	/* A partial pin: references and _pincount, as bias does for large folios. */
	assert_int_equal(t->try_pin(folio, 3, 0), 0);
	assert_int_equal(t->pincount(folio), 19);
	assert_int_equal(folio_ref_count(folio), 1 + ONE + WONE + 3);
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

/*
 * The one-pin case pin_small_field_unpin() takes with an AND and a test must
 * do what the general rule does from every field value: the same answer, the
 * same count left (or, where the table must act, nothing touched).
 */
static void test_single_pin_unpin_is_the_general_rule(void **state)
{
	const struct pin_small_code sp = PIN_INLINE_FIELD;
	struct folio *a = folio_alloc(GFP_KERNEL, 0);
	struct folio *b = folio_alloc(GFP_KERNEL, 0);
	int cases = 0, fast = 0;

	for (int s = 0; s <= 1; s++)
		for (int p = 0; p <= EXACT_FIELD_MAX; p++)
			for (int w = 0; w <= p; w++)
				for (int write = 0; write <= 1; write++) {
					int v = (s ? S : 0) + w * WONE + p * ONE + 2 + p + w;
					bool ra, rb;

					atomic_store(&a->_refcount, v);
					atomic_store(&b->_refcount, v);
					ra = pin_small_field_unpin(&sp, a, write);
					rb = pin_small_field_unpin_many(&sp, b, v, write);
					assert_int_equal(ra, rb);
					assert_int_equal(folio_ref_count(a), folio_ref_count(b));
					/* The general rule's answers: only 1..62 pins, and a writable one to drop. */
					assert_int_equal(ra, p >= 1 && p < EXACT_FIELD_MAX && (!write || w));
					cases++;
					fast += p == 1;
				}
	assert_int_equal(cases, 2 * 2 * 64 * 65 / 2);
	assert_int_equal(fast, 2 * 2 * 2);
	atomic_store(&a->_refcount, 1);
	atomic_store(&b->_refcount, 1);
	folio_put(a);
	folio_put(b);
	assert_int_equal(mm_event_count(), 0);
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
		cmocka_unit_test_setup_teardown(test_writable_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable_count_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_folio_overflow_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_folio_whole_and_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpin_frees_last_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_unpin_warns_and_drops_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_pins_stay_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_pin_unpin_is_the_general_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_presets, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
