/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `mapcount` tracker (seed 004, Jérôme Glisse) and its barrier-free
 * variant: the pin in _mapcount and PagePin, page_mkclean()'s C1..C5, the
 * observer problem, and the interleaving that loses a pin without barriers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/trackers.h>

static const struct pin_tracker *t;

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	t = pin_tracker_find("mapcount");
	return t && pin_tracker_find("mapcount-nobarrier") ? 0 : -1;
}

static int teardown(void **state)
{
	race_register(NULL, NULL, NULL);
	mem_exit();
	return 0;
}

/* A folio mapped by one PTE, locked as page_mkclean() has it. */
static struct folio *mapped_folio(void)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_non_null(folio);
	page_mapcount_inc(&folio->page);
	return folio;
}

static void put_mapped_folio(struct folio *folio)
{
	page_mapcount_dec(&folio->page);
	folio_put(folio);
}

static void test_pin_counts_in_mapcount(void **state)
{
	struct folio *folio = mapped_folio();

	assert_false(t->maybe_dma_pinned(folio));
	assert_int_equal(t->try_pin(folio, 2, 0), 0);
	assert_int_equal(page_mapcount(&folio->page), 1 + 2);
	assert_int_equal(folio_ref_count(folio), 1 + 2);
	assert_true(t->maybe_dma_pinned(folio));
	assert_int_equal(t->pincount(folio), -1);
	t->unpin(folio, 2);
	assert_int_equal(page_mapcount(&folio->page), 1);
	assert_int_equal(folio_ref_count(folio), 1);
	/* Sticky: only page_mkclean() finding no pin clears it. */
	assert_true(t->maybe_dma_pinned(folio));
	folio_lock(folio);
	t->mkclean_begin(folio);
	t->mkclean_end(folio, 1);
	folio_unlock(folio);
	assert_false(t->maybe_dma_pinned(folio));
	put_mapped_folio(folio);
}

/*
 * John Hubbard's observer: between C1 and C5 a pinned folio reads as unpinned.
 * Jérôme's answer: the window is inside the folio lock, so whoever needs the
 * answer to hold takes the lock and sees C5's result.
 */
static void test_observer_sees_flag_clear_inside_the_lock(void **state)
{
	struct folio *folio = mapped_folio();

	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	folio_lock(folio);
	t->mkclean_begin(folio);
	assert_false(t->maybe_dma_pinned(folio));	/* the observer problem */
	assert_false(folio_trylock(folio));		/* ...which a locker cannot see */
	t->mkclean_end(folio, 1);
	folio_unlock(folio);
	assert_true(folio_trylock(folio));
	assert_true(t->maybe_dma_pinned(folio));	/* C5 restored it */
	folio_unlock(folio);
	t->unpin(folio, 1);
	put_mapped_folio(folio);
}

/* A pin landing after C1 sets the flag itself; one before C3 is in the count. */
static void test_pin_inside_mkclean_survives(void **state)
{
	struct folio *folio = mapped_folio();

	folio_lock(folio);
	t->mkclean_begin(folio);
	assert_int_equal(t->try_pin(folio, 1, 0), 0);
	t->mkclean_end(folio, 1);
	folio_unlock(folio);
	assert_true(t->maybe_dma_pinned(folio));
	t->unpin(folio, 1);
	put_mapped_folio(folio);
}

/* page_mkclean()'s C1..C3 at RACE_PIN, between the tracker's two stores. */
static void mkclean_reads_at_pin(enum race_point point, struct folio *folio, void *arg)
{
	const struct pin_tracker *tr = arg;

	if (point == RACE_PIN)
		tr->mkclean_begin(folio);
}

static bool pin_across_mkclean(const struct pin_tracker *tr)
{
	struct folio *folio = mapped_folio();
	bool pinned;

	assert_int_equal(pin_tracker_set(tr), 0);
	race_register(mkclean_reads_at_pin, NULL, (void *)tr);
	assert_int_equal(tr->try_pin(folio, 1, 0), 0);
	race_register(NULL, NULL, NULL);
	tr->mkclean_end(folio, 1);		/* the walk found the one mapping */
	pinned = tr->maybe_dma_pinned(folio);
	tr->unpin(folio, 1);
	put_mapped_folio(folio);
	return pinned;
}

static void test_barriers_keep_a_racing_pin(void **state)
{
	assert_true(pin_across_mkclean(pin_tracker_find("mapcount")));
}

/* The interleaving models/mapcount.broken-no-wmb.pml finds, in the implementation. */
static void test_without_barriers_the_pin_is_lost(void **state)
{
	assert_false(pin_across_mkclean(pin_tracker_find("mapcount-nobarrier")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_counts_in_mapcount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observer_sees_flag_clear_inside_the_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_inside_mkclean_survives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_barriers_keep_a_racing_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_barriers_the_pin_is_lost, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
