/* SPDX-License-Identifier: GPL-2.0-only */
/* Zero page, events, dump_page, vmstat, page-content copies, RCU callbacks. */
#include <pthread.h>
#include <string.h>
#include "../common/cmocka_tap.h"
#include <pinmm/mem/memory.h>


static void zero_page_is_reserved_and_zero(void **state)
{
	const unsigned char *z = page_address(ZERO_PAGE(0));

	(void)state;
	assert_non_null(zero_page);
	assert_true(is_zero_pfn(page_to_pfn(zero_page)));
	assert_true(is_zero_folio(page_folio(zero_page)));
	assert_true(folio_test_reserved(page_folio(zero_page)));
	assert_int_equal(page_ref_count(zero_page), 1);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(z[i], 0);
}

static void warn_once_fires_once_per_boot(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		WARN_ON_ONCE(i >= 0);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 1);
	assert_false(WARN_ON(false));
	assert_true(WARN_ON(true));
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 2);
	mm_event(MM_EV_BUG, zero_page, "ext4-like writepage: folio has no buffers");
	assert_int_equal(mm_event_match(MM_EV_BUG, "no buffers"), 1);
	assert_int_equal(mm_event_match(MM_EV_WARN, "no buffers"), 0);
	{
		struct mm_event ev;

		assert_int_equal(mm_event_get(2, &ev), 0);
		assert_int_equal(ev.pfn, page_to_pfn(zero_page));
		assert_int_equal(mm_event_get(3, &ev), -ENOENT);
	}
	mm_events_reset();
	assert_int_equal(mm_event_count(), 0);
}

static void dump_page_shows_kernel_fields(void **state)
{
	struct folio *f = folio_alloc(GFP_TRANSHUGE, 9);
	char buf[1024];

	(void)state;
	folio_set_dirty(f);
	folio_lock(f);
	folio_entire_mapcount_inc(f);
	atomic_store(&f->_pincount, 3);
	dump_page_str(buf, sizeof(buf), folio_page(f, 1), "test");
	assert_non_null(strstr(buf, "refcount:1 mapcount:1"));
	assert_non_null(strstr(buf, "order:9 entire_mapcount:1 nr_pages_mapped:0 pincount:3"));
	assert_non_null(strstr(buf, "locked|dirty|head"));
	assert_non_null(strstr(buf, "zone:Movable") ? strstr(buf, "zone:Movable") : strstr(buf, "zone:Normal"));
	assert_non_null(strstr(buf, "page dumped because: test"));
	atomic_store(&f->_pincount, 0);
	folio_entire_mapcount_dec(f);
	folio_unlock(f);
	folio_put(f);
}

/*
 * __dump_folio() prints folio->index plus the page's offset in the folio, and
 * folio_mapping(): the address_space, or NULL for an anon folio whose
 * ->mapping is its anon_vma with PAGE_MAPPING_ANON set.
 */
static void dump_page_index_and_mapping_are_the_folios(void **state)
{
	struct folio *f = folio_alloc(GFP_TRANSHUGE, 2);
	static unsigned long fake_mapping[8] __attribute__((aligned(8)));
	char buf[1024], want[128];

	(void)state;
	assert_non_null(f);
	f->mapping = (struct address_space *)fake_mapping;
	f->index = 0x10;
	dump_page_str(buf, sizeof(buf), folio_page(f, 3), NULL);
	snprintf(want, sizeof(want), "mapping:%p index:0x13 pfn:%#lx", (void *)fake_mapping,
		 page_to_pfn(folio_page(f, 3)));
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "aops mapping flags:"));

	f->mapping = (struct address_space *)((unsigned long)fake_mapping | PAGE_MAPPING_ANON);
	dump_page_str(buf, sizeof(buf), folio_page(f, 1), NULL);
	snprintf(want, sizeof(want), "mapping:%p index:0x11 ", (void *)NULL);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "anon flags:"));
	f->mapping = NULL;
	f->index = 0;
	folio_put(f);
}

static void vmstat_sums_across_threads(void **state)
{
	enum node_stat_item item;

	(void)state;
	mod_node_page_state(NR_FOLL_PIN_ACQUIRED, 512);
	mod_node_page_state(NR_FOLL_PIN_RELEASED, 2);
	assert_int_equal(node_page_state(NR_FOLL_PIN_ACQUIRED), 512);
	assert_int_equal(vmstat_lookup("nr_foll_pin_released", &item), 0);
	assert_int_equal(item, NR_FOLL_PIN_RELEASED);
	assert_int_equal(node_page_state(item), 2);
	assert_int_equal(vmstat_lookup("nr_bogus", &item), -EINVAL);
}

static void *vmstat_adder(void *arg)
{
	for (int i = 0; i < 1000; i++)
		mod_node_page_state(NR_FOLL_PIN_ACQUIRED, (long)(uintptr_t)arg);
	return NULL;
}

/*
 * Per-thread shards: counts survive their thread's exit, shards are handed
 * on to new threads, and more live threads than shards share the last one.
 */
static void vmstat_per_thread_shards(void **state)
{
	enum { MANY = VMSTAT_SHARDS + 16 };
	pthread_t t[MANY];
	long want = 0;

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, vmstat_adder, (void *)(uintptr_t)(i + 1));
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		want += 1000L * (8 * 9 / 2);
		assert_int_equal(node_page_state(NR_FOLL_PIN_ACQUIRED), want);
	}
	/* more threads alive at once than there are shards */
	for (int i = 0; i < MANY; i++)
		pthread_create(&t[i], NULL, vmstat_adder, (void *)(uintptr_t)1);
	for (int i = 0; i < MANY; i++)
		pthread_join(t[i], NULL);
	want += 1000L * MANY;
	assert_int_equal(node_page_state(NR_FOLL_PIN_ACQUIRED), want);
}

static void page_copies_at_any_alignment(void **state)
{
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	unsigned char src[300], dst[300];

	(void)state;
	for (int i = 0; i < 300; i++)
		src[i] = (unsigned char)(i * 7);
	memcpy_to_page(p, PAGE_SIZE - 101, src, 300);	/* crosses into the next page */
	memcpy_from_page(dst, p, PAGE_SIZE - 101, 300);
	assert_memory_equal(src, dst, 300);
	assert_int_equal(((unsigned char *)page_address(p))[PAGE_SIZE - 102], 0);
	memset_page(p, 3, 0x5a, 9);
	assert_int_equal(((unsigned char *)page_address(p))[2], 0);
	assert_int_equal(((unsigned char *)page_address(p))[3], 0x5a);
	assert_int_equal(((unsigned char *)page_address(p))[11], 0x5a);
	assert_int_equal(((unsigned char *)page_address(p))[12], 0);
	copy_highpage(p + 1, p);
	assert_memory_equal(page_address(p + 1), page_address(p), PAGE_SIZE);
	__free_pages(p, 1);
}

struct cb {
	struct mm_rcu_head rh;
	atomic_int *ran;
};

static void cb_fn(struct mm_rcu_head *h)
{
	struct cb *c = container_of(h, struct cb, rh);

	atomic_fetch_add(c->ran, 1);
}

static void rcu_callbacks_run_after_barrier(void **state)
{
	atomic_int ran = 0;
	struct cb c[8];

	(void)state;
	mm_rcu_read_lock();
	mm_rcu_read_unlock();
	for (int i = 0; i < 8; i++) {
		c[i].ran = &ran;
		mm_call_rcu(&c[i].rh, cb_fn);
	}
	mm_synchronize_rcu();
	mm_rcu_barrier();
	assert_int_equal(atomic_load(&ran), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(zero_page_is_reserved_and_zero, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(warn_once_fires_once_per_boot, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(dump_page_shows_kernel_fields, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(dump_page_index_and_mapping_are_the_folios, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(vmstat_sums_across_threads, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(vmstat_per_thread_shards, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(page_copies_at_any_alignment, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(rcu_callbacks_run_after_barrier, boot_default_machine, halt_machine),
	};
	return RUN_TAP(tests, NULL, NULL);
}
