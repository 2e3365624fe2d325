/* SPDX-License-Identifier: GPL-2.0-only */
/* Folios: compound layout, references, overflow refusal, mapcounts, split. */
#include <limits.h>
#include <pthread.h>
#include "../common/cmocka_tap.h"
#include <pinmm/mem/memory.h>


static void large_folio_head_and_tails(void **state)
{
	unsigned long free0 = nr_free_pages();
	struct folio *f = folio_alloc(GFP_HIGHUSER_MOVABLE, 9);

	(void)state;
	assert_non_null(f);
	assert_true(folio_test_large(f));
	assert_int_equal(folio_order(f), 9);
	assert_int_equal(folio_nr_pages(f), 512);
	assert_int_equal(folio_size(f), 2UL << 20);
	assert_int_equal(atomic_load(&f->_pincount), 0);
	assert_int_equal(folio_entire_mapcount(f), 0);
	for (unsigned long i = 1; i < 512; i++) {
		struct page *t = folio_page(f, i);

		assert_true(PageTail(t));
		assert_ptr_equal(page_folio(t), f);
		assert_int_equal(page_ref_count(t), 0);
		/* folio flags are the head's */
		assert_ptr_equal(compound_head(t), &f->page);
	}
	assert_false(PageTail(&f->page));
	assert_int_equal(nr_free_pages(), free0 - 512);
	folio_put(f);
	assert_int_equal(nr_free_pages(), free0);
	assert_int_equal(buddy_check_integrity(), 0);
	assert_int_equal(mm_event_count(), 0);
}

static void try_get_refuses_free_and_overflow(void **state)
{
	struct folio *f = folio_alloc(GFP_KERNEL, 0);

	(void)state;
	assert_true(folio_try_get(f));
	assert_int_equal(folio_ref_count(f), 2);
	folio_put(f);

	/* near INT_MAX: adding must be refused, never wrap */
	folio_set_count(f, INT_MAX - 10);
	assert_false(folio_ref_try_add(f, 11));
	assert_true(folio_ref_try_add(f, 10));
	assert_int_equal(folio_ref_count(f), INT_MAX);
	assert_false(folio_try_get(f));
	assert_int_equal(folio_ref_count(f), INT_MAX);

	/* an already-overflowed (negative) count is refused too */
	folio_set_count(f, INT_MIN + 5);
	assert_false(folio_try_get(f));
	/* folio_get() on a count about to wrap is a VM_BUG_ON event, not a wrap */
	folio_set_count(f, -1);
	folio_get(f);
	assert_int_equal(folio_ref_count(f), -1);
	assert_int_equal(mm_event_match(MM_EV_BUG, "VM_BUG_ON_PAGE"), 1);

	/* a freed folio (count 0) cannot be revived */
	folio_set_count(f, 1);
	folio_put(f);
	assert_false(folio_try_get(f));
	assert_int_equal(folio_ref_count(f), 0);
}

/* As in mainline: an underflow is not caught, the folio is simply never freed. */
static void put_underflow_leaks_silently(void **state)
{
	struct folio *f = folio_alloc(GFP_KERNEL, 0);
	unsigned long free_before;

	(void)state;
	free_before = nr_free_pages();
	folio_get(f);
	folio_put_refs(f, 3);
	assert_int_equal(folio_ref_count(f), -1);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	assert_int_equal(nr_free_pages(), free_before);
	folio_put(f);
	assert_int_equal(nr_free_pages(), free_before);
	folio_set_count(f, 1);
	folio_put(f);
	assert_int_equal(nr_free_pages(), free_before + 1);
}

static void mapcounts(void **state)
{
	struct folio *f = folio_alloc(GFP_TRANSHUGE, 9);

	(void)state;
	assert_false(folio_mapped(f));
	assert_int_equal(folio_large_mapcount(f), 0);
	assert_true(folio_entire_mapcount_inc(f));
	assert_int_equal(folio_entire_mapcount(f), 1);
	assert_int_equal(page_mapcount(folio_page(f, 7)), 1);
	assert_true(page_mapcount_inc(folio_page(f, 7)));
	assert_false(page_mapcount_inc(folio_page(f, 7)));
	assert_int_equal(page_mapcount(folio_page(f, 7)), 3);
	/* folio_mapcount() reads _large_mapcount, which vm/'s rmap keeps with them. */
	atomic_fetch_add(&f->_large_mapcount, 3);
	assert_int_equal(folio_mapcount(f), 3);
	assert_false(page_mapcount_dec(folio_page(f, 7)));
	assert_true(page_mapcount_dec(folio_page(f, 7)));
	assert_true(folio_entire_mapcount_dec(f));
	atomic_fetch_sub(&f->_large_mapcount, 3);
	assert_false(folio_mapped(f));
	folio_put(f);
	assert_int_equal(mm_event_count(), 0);
}

static void split_keeps_data_index_and_frees_cleanly(void **state)
{
	unsigned long free0 = nr_free_pages();
	struct folio *f = folio_alloc(GFP_TRANSHUGE, 9);
	struct folio *parts[4];

	(void)state;
	for (int i = 0; i < 512; i++)
		memset_page(folio_page(f, (unsigned long)i), 0, i & 0xff, PAGE_SIZE);
	f->index = 1024;
	folio_set_dirty(f);
	folio_mark_uptodate(f);
	SetPageAnonExclusive(folio_page(f, 130));

	/* pinned or PMD-mapped folios cannot be split */
	atomic_store(&f->_pincount, 1);
	assert_int_equal(split_folio_unmapped(f, 7), -EBUSY);
	atomic_store(&f->_pincount, 0);
	folio_get(f);
	assert_int_equal(split_folio_unmapped(f, 7), -EAGAIN);
	folio_put(f);

	assert_int_equal(split_folio_unmapped(f, 7), 0);
	for (int i = 0; i < 4; i++) {
		parts[i] = page_folio(folio_page(f, (unsigned long)i * 128));
		assert_ptr_equal(&parts[i]->page, folio_page(f, (unsigned long)i * 128));
		assert_int_equal(folio_order(parts[i]), 7);
		assert_int_equal(folio_ref_count(parts[i]), 1);
		assert_int_equal(parts[i]->index, 1024 + (unsigned long)i * 128);
		assert_true(folio_test_dirty(parts[i]));
		assert_true(folio_test_uptodate(parts[i]));
		assert_int_equal(((unsigned char *)folio_address(parts[i]))[PAGE_SIZE * 3], (i * 128 + 3) & 0xff);
	}
	assert_true(PageAnonExclusive(folio_page(parts[1], 2)));
	assert_false(PageAnonExclusive(folio_page(parts[1], 3)));
	assert_int_equal(split_folio_unmapped(parts[2], 0), 0);
	assert_int_equal(folio_page(parts[2], 5)->index, 1024 + 256 + 5);
	assert_false(PageTail(folio_page(parts[2], 5)));
	for (int i = 0; i < 4; i++) {
		if (i == 2) {
			for (unsigned long j = 0; j < 128; j++) {
				struct folio *small = page_folio(folio_page(parts[2], j));

				folio_clear_dirty(small);
				folio_put(small);
			}
			continue;
		}
		folio_put(parts[i]);
	}
	assert_int_equal(nr_free_pages(), free0);
	assert_int_equal(buddy_check_integrity(), 0);
	assert_int_equal(split_folio_unmapped(folio_alloc(GFP_KERNEL, 0), 0), -EINVAL);
}

struct getput_arg {
	struct folio *folio;
	int loops;
};

static void *getput_thread(void *p)
{
	struct getput_arg *a = p;

	for (int i = 0; i < a->loops; i++) {
		if (folio_try_get(a->folio))
			folio_put(a->folio);
		folio_get(a->folio);
		folio_ref_add(a->folio, 3);
		folio_put_refs(a->folio, 4);
	}
	return NULL;
}

static void concurrent_get_put_keeps_the_count(void **state)
{
	struct getput_arg a = { .folio = folio_alloc(GFP_KERNEL, 0), .loops = 50000 };
	pthread_t t[4];
	unsigned long free0;

	(void)state;
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, getput_thread, &a);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(folio_ref_count(a.folio), 1);
	free0 = nr_free_pages();
	folio_put(a.folio);
	assert_int_equal(nr_free_pages(), free0 + 1);
	assert_int_equal(mm_event_count(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(large_folio_head_and_tails, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(try_get_refuses_free_and_overflow, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(put_underflow_leaks_silently, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(mapcounts, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(split_keeps_data_index_and_frees_cleanly, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(concurrent_get_put_keeps_the_count, boot_default_machine, halt_machine),
	};
	return RUN_TAP(tests, NULL, NULL);
}
