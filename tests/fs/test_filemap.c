/* SPDX-License-Identifier: GPL-2.0-only */
/* The page cache index: references, lookups, lockless readers against removal. */
#include <pthread.h>
#include <pinmm/vm/mm.h>
#include "fs_test.h"

struct fm_state {
	unsigned long free0;
	struct address_space mapping;
};

static int setup(void **state)
{
	struct mem_config cfg = { 0 };
	struct fm_state *st = calloc(1, sizeof(*st));

	if (!st || mem_init(&cfg))
		return -1;
	mm_events_reset();
	st->free0 = nr_free_pages();
	address_space_init_once(&st->mapping);
	if (mapping_init_pages(&st->mapping))
		return -1;
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	struct fm_state *st = *state;
	int ret = 0;

	truncate_inode_pages(&st->mapping, 0);
	mapping_destroy_pages(&st->mapping);
	if (nr_free_pages() != st->free0 || mm_event_count_kind(MM_EV_BUG))
		ret = -1;
	mem_exit();
	free(st);
	return ret;
}

static struct folio *new_locked_folio(unsigned int order)
{
	struct folio *folio = folio_alloc(GFP_HIGHUSER_MOVABLE | (order ? __GFP_COMP : 0), order);

	assert_non_null(folio);
	__folio_set_locked(folio);
	return folio;
}

static void test_add_lookup_remove(void **state)
{
	struct fm_state *st = *state;
	struct address_space *m = &st->mapping;
	struct folio *folio = new_locked_folio(0), *dup = new_locked_folio(0), *got;
	long files0 = node_page_state(NR_FILE_PAGES);

	assert_int_equal(filemap_add_folio(m, folio, 3, 0), 0);
	assert_int_equal(folio_ref_count(folio), 2);		/* ours + the cache's */
	assert_ptr_equal(folio->mapping, m);
	assert_int_equal(folio->index, 3);
	assert_true(folio_test_lru(folio));
	assert_int_equal(atomic_load(&m->nrpages), 1);
	assert_int_equal(node_page_state(NR_FILE_PAGES), files0 + 1);

	got = filemap_get_folio(m, 3);
	assert_ptr_equal(got, folio);
	assert_int_equal(folio_ref_count(folio), 3);
	folio_put(got);
	assert_null(filemap_get_folio(m, 4));

	/* The slot is taken: the second folio is left as it was. */
	assert_int_equal(filemap_add_folio(m, dup, 3, 0), -EEXIST);
	assert_int_equal(folio_ref_count(dup), 1);
	assert_null(dup->mapping);
	__folio_clear_locked(dup);
	folio_put(dup);

	filemap_remove_folio(folio);
	assert_null(folio->mapping);
	assert_false(folio_test_lru(folio));
	assert_int_equal(folio_ref_count(folio), 1);
	assert_null(filemap_get_folio(m, 3));
	assert_int_equal(atomic_load(&m->nrpages), 0);
	assert_int_equal(node_page_state(NR_FILE_PAGES), files0);
	folio_unlock(folio);
	folio_put(folio);
}

static void test_large_folio(void **state)
{
	struct fm_state *st = *state;
	struct address_space *m = &st->mapping;
	struct folio *folio = new_locked_folio(2), *got;

	assert_int_equal(filemap_add_folio(m, folio, 5, 0), -EINVAL);	/* misaligned */
	assert_int_equal(filemap_add_folio(m, folio, 4, 0), 0);
	assert_int_equal(folio_ref_count(folio), 1 + 4);	/* one per page, as mainline */
	for (pgoff_t i = 4; i < 8; i++) {
		got = filemap_get_folio(m, i);
		assert_ptr_equal(got, folio);
		folio_put(got);
	}
	assert_null(filemap_get_folio(m, 8));
	assert_int_equal(atomic_load(&m->nrpages), 4);
	filemap_remove_folio(folio);
	assert_int_equal(folio_ref_count(folio), 1);
	folio_unlock(folio);
	folio_put(folio);
}

static void test_get_folio_flags(void **state)
{
	struct fm_state *st = *state;
	struct address_space *m = &st->mapping;
	struct folio *folio, *again;
	int err = 0;

	assert_null(__filemap_get_folio(m, 9, FGP_LOCK, GFP_KERNEL, &err));
	assert_int_equal(err, -ENOENT);
	folio = __filemap_get_folio(m, 9, FGP_LOCK | FGP_CREAT, GFP_KERNEL, &err);
	assert_non_null(folio);
	assert_int_equal(err, 0);
	assert_true(folio_test_locked(folio));
	/* Locked by us: a NOWAIT lock attempt fails instead of sleeping. */
	assert_null(__filemap_get_folio(m, 9, FGP_LOCK | FGP_NOWAIT, GFP_KERNEL, &err));
	assert_int_equal(err, -EAGAIN);
	again = __filemap_get_folio(m, 9, FGP_CREAT, GFP_KERNEL, &err);
	assert_ptr_equal(again, folio);
	folio_put(again);
	folio_unlock(folio);
	folio_put(folio);
	assert_int_equal(atomic_load(&m->nrpages), 1);
}

static void test_get_folios_sorted_and_dirty(void **state)
{
	struct fm_state *st = *state;
	struct address_space *m = &st->mapping;
	pgoff_t idx[] = { 40, 2, 17, 33, 0, 9 };
	struct folio **batch;
	size_t n;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(idx); i++) {
		struct folio *f = __filemap_get_folio(m, idx[i], FGP_CREAT, GFP_KERNEL, &err);

		assert_non_null(f);
		if (idx[i] % 2)
			folio_set_dirty(f);
		folio_put(f);
	}
	n = filemap_get_folios(m, 1, 39, 0, &batch);
	assert_int_equal(n, 4);
	assert_int_equal(batch[0]->index, 2);
	assert_int_equal(batch[1]->index, 9);
	assert_int_equal(batch[2]->index, 17);
	assert_int_equal(batch[3]->index, 33);
	folio_batch_release(batch, n);
	n = filemap_get_folios(m, 0, ~0UL, FILEMAP_DIRTY, &batch);
	assert_int_equal(n, 3);
	assert_int_equal(batch[0]->index, 9);
	assert_int_equal(batch[2]->index, 33);
	for (size_t i = 0; i < n; i++)
		folio_clear_dirty(batch[i]);
	folio_batch_release(batch, n);
}

#define RACE_SLOTS 32
#define RACE_ROUNDS 3000

struct race {
	struct address_space *m;
	atomic_bool stop;
	atomic_long bad;
	atomic_long hits;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	unsigned int seed = 1;

	while (!atomic_load(&r->stop)) {
		pgoff_t i = (seed = seed * 1103515245u + 12345u) % RACE_SLOTS;
		struct folio *f = filemap_get_folio(r->m, i);

		if (!f)
			continue;
		atomic_fetch_add(&r->hits, 1);
		/* A folio handed out must be the one at that index, alive. */
		if (READ_ONCE(f->index) != i || folio_ref_count(f) < 1)
			atomic_fetch_add(&r->bad, 1);
		folio_put(f);
	}
	return NULL;
}

static void test_lockless_lookup_races_removal(void **state)
{
	struct fm_state *st = *state;
	struct race r = { .m = &st->mapping };
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_reader, &r), 0);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		pgoff_t i = (pgoff_t)(round % RACE_SLOTS);
		int err;
		struct folio *f = __filemap_get_folio(&st->mapping, i, FGP_LOCK | FGP_CREAT,
						      GFP_KERNEL, &err);

		assert_non_null(f);
		if (round % 3 == 0) {
			filemap_remove_folio(f);
		}
		folio_unlock(f);
		folio_put(f);
	}
	atomic_store(&r.stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&r.bad), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_lookup_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_folio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_folio_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_folios_sorted_and_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockless_lookup_races_removal, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
