/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File-backed mappings through a fake file: read faults, shared writes with
 * page_mkwrite and folio_mark_dirty, private COW, folio_mkclean, rmap of file
 * folios, unmap_mapping_range, try_to_unmap and dirty transfer on zap.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>
#include <pinmm/mem/kernel.h>
#include "vm_test.h"

static struct vt_file vf;

static long map_file(struct process *p, unsigned long len, unsigned long prot, int type,
		     pgoff_t pgoff)
{
	return vm_mmap(p->mm, 0, len, prot, (unsigned long)type, &vf.file, pgoff);
}

static void read_fault_maps_cache_page_readonly(void **state)
{
	struct process *p = process_create("p");
	long a;
	pte_t pte;

	(void)state;
	vt_file_init(&vf);
	a = map_file(p, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 2);
	assert_true(a > 0);
	assert_int_equal(vt_byte(p, (unsigned long)a + PAGE_SIZE), 4);	/* pgoff 3 */
	assert_int_equal(vf.fault_calls, 1);
	pte = vt_pte(p->mm, (unsigned long)a + PAGE_SIZE);
	assert_true(pte_present(pte));
	/* Shared writable file mapping: read-only until page_mkwrite says yes. */
	assert_false(pte_write(pte));
	assert_ptr_equal(pfn_folio(pte_pfn(pte)), vf.pages[3]);
	assert_int_equal(folio_mapcount(vf.pages[3]), 1);
	assert_int_equal(folio_ref_count(vf.pages[3]), 2);	/* cache + PTE */
	assert_int_equal(get_mm_counter(p->mm, MM_FILEPAGES), 1);
	assert_int_equal(vf.mkwrite_calls, 0);
	process_destroy(p);
	fput(&vf.file);
	vt_assert_all_free();
}

static void shared_write_calls_page_mkwrite_and_dirties(void **state)
{
	struct process *p = process_create("p");
	long a;
	pte_t pte;
	struct folio *folio;
	bool raced = true;

	(void)state;
	vt_file_init(&vf);
	a = map_file(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	/* write after a read: wp fault on a present R/O PTE */
	assert_int_equal(vt_byte(p, (unsigned long)a), 1);
	vt_fill(p, (unsigned long)a, 0xaa, 1);
	assert_int_equal(vf.mkwrite_calls, 1);
	folio = vf.pages[0];
	assert_true(folio_test_dirty(folio));
	assert_int_equal(vf.dirty_calls, 1);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_true(pte_write(pte) && pte_dirty(pte));
	/* write to an unmapped page: do_shared_fault */
	vf.fault_locked = true;
	vt_fill(p, (unsigned long)a + PAGE_SIZE, 0xbb, 1);
	assert_int_equal(vf.mkwrite_calls, 2);
	assert_true(folio_test_dirty(vf.pages[1]));
	assert_false(folio_test_locked(vf.pages[1]));

	/* Writeback: clear dirty, mkclean; the PTE is clean and read-only again. */
	folio_lock(folio);
	assert_true(folio_test_clear_dirty(folio));
	assert_int_equal(folio_mkclean_pinned(folio, &raced), 1);
	assert_false(raced);
	assert_int_equal(vt_mkclean_begins, 1);
	folio_unlock(folio);
	pte = vt_pte(p->mm, (unsigned long)a);
	assert_false(pte_write(pte) || pte_dirty(pte));
	/* Second mkclean finds nothing to clean. */
	folio_lock(folio);
	assert_int_equal(folio_mkclean(folio), 0);
	folio_unlock(folio);
	/* The next store goes through page_mkwrite again and re-dirties. */
	vt_fill(p, (unsigned long)a + 1, 0xcc, 1);
	assert_int_equal(vf.mkwrite_calls, 3);
	assert_true(folio_test_dirty(folio));
	assert_int_equal(vt_byte(p, (unsigned long)a), 0xaa);
	process_destroy(p);
	fput(&vf.file);
	vt_assert_all_free();
}

static void private_write_copies_file_unchanged(void **state)
{
	struct process *p = process_create("p");
	long a;
	struct page *cow;
	unsigned char b;

	(void)state;
	vt_file_init(&vf);
	a = map_file(p, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	/* read then write: wp fault copies the file page */
	assert_int_equal(vt_byte(p, (unsigned long)a), 1);
	vt_fill(p, (unsigned long)a, 0x70, 1);
	cow = vt_page(p->mm, (unsigned long)a);
	assert_ptr_not_equal(page_folio(cow), vf.pages[0]);
	assert_true(folio_test_anon(page_folio(cow)));
	assert_true(PageAnonExclusive(cow));
	memcpy_from_page(&b, &vf.pages[0]->page, 0, 1);
	assert_int_equal(b, 1);
	assert_false(folio_test_dirty(vf.pages[0]));
	assert_int_equal(folio_mapcount(vf.pages[0]), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a + 1), 1);
	/* write first: do_cow_fault */
	vt_fill(p, (unsigned long)a + PAGE_SIZE, 0x71, 1);
	assert_true(folio_test_anon(page_folio(vt_page(p->mm, (unsigned long)a + PAGE_SIZE))));
	memcpy_from_page(&b, &vf.pages[1]->page, 0, 1);
	assert_int_equal(b, 2);
	assert_int_equal(vf.mkwrite_calls, 0);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 2);
	assert_int_equal(get_mm_counter(p->mm, MM_FILEPAGES), 0);

	/* unmap_mapping_range without even_cows keeps the private copies... */
	unmap_mapping_range(&vf.mapping, 0, 0, 0);
	assert_int_equal(vt_byte(p, (unsigned long)a), 0x70);
	/* ...with even_cows they go, and the file shows through again. */
	unmap_mapping_range(&vf.mapping, 0, 0, 1);
	assert_int_equal(get_mm_counter(p->mm, MM_ANONPAGES), 0);
	assert_int_equal(vt_byte(p, (unsigned long)a), 1);
	process_destroy(p);
	fput(&vf.file);
	vt_assert_all_free();
}

static void zap_transfers_pte_dirty_to_folio(void **state)
{
	struct process *p = process_create("p");
	long a;
	struct folio *folio;
	struct mm_struct *mm = p->mm;
	pte_t *ptep;
	spinlock_t *ptl;

	(void)state;
	vt_file_init(&vf);
	a = map_file(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	vt_fill(p, (unsigned long)a, 0x42, 1);
	folio = vf.pages[0];
	/* Writeback-like clean of the folio only, leaving the PTE dirty. */
	folio_lock(folio);
	folio_clear_dirty(folio);
	folio_unlock(folio);
	ptep = pte_offset_map_lock(mm, mm_find_pmd(mm, (unsigned long)a), (unsigned long)a, &ptl);
	assert_true(pte_dirty(ptep_get(ptep)));
	pte_unmap_unlock(ptep, ptl);
	assert_int_equal(vm_munmap(mm, (unsigned long)a, PAGE_SIZE), 0);
	assert_true(folio_test_dirty(folio));
	assert_int_equal(folio_ref_count(folio), 1);
	process_destroy(p);
	fput(&vf.file);
	vt_assert_all_free();
}

struct stale_tlb {
	struct mm_struct *mm;
	unsigned long a;
	struct folio *folio;
	int madvise;
	atomic_bool zapped, cleaned;
};

static void *dontneed_thread(void *arg)
{
	struct stale_tlb *st = arg;

	st->madvise = do_madvise(st->mm, st->a, PAGE_SIZE, MADV_DONTNEED);
	return NULL;
}

/* Writeback's folio_clear_dirty_for_io(), once the zap has cleared the PTE. */
static void *mkclean_thread(void *arg)
{
	struct stale_tlb *st = arg;
	pmd_t *pmd = mm_find_pmd(st->mm, st->a);
	pte_t *pte = pte_offset_map(pmd, st->a);

	while (!pte_none(ptep_get(pte)))
		sched_yield();
	pte_unmap(pte);
	atomic_store(&st->zapped, true);
	folio_lock(st->folio);
	folio_mkclean(st->folio);
	folio_unlock(st->folio);
	atomic_store(&st->cleaned, true);
	return NULL;
}

/*
 * A dirty shared file page stays in the rmap until the zap's TLB flush is
 * done, under the PTL (mainline's delayed rmap, 5df397dec7c4): until then a
 * CPU with a stale writable TLB entry may still store to it, and a
 * folio_mkclean() that no longer saw the mapping would let writeback clean
 * the folio under that store. The stale entry is an access in flight, which
 * holds tlb_sync. Does folio_mkclean() complete while it is held?
 */
static bool mkclean_completes_under_stale_tlb(int wait_ms)
{
	struct process *p = process_create("p");
	struct stale_tlb st = { .mm = p->mm };
	bool cleaned_under_stale_tlb;
	pthread_t z, m;

	vt_file_init(&vf);
	st.a = (unsigned long)map_file(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	vt_fill(p, st.a, 0x43, 1);
	st.folio = vf.pages[0];
	atomic_init(&st.zapped, false);
	atomic_init(&st.cleaned, false);
	pthread_rwlock_rdlock(&p->mm->tlb_sync);
	assert_int_equal(pthread_create(&m, NULL, mkclean_thread, &st), 0);
	assert_int_equal(pthread_create(&z, NULL, dontneed_thread, &st), 0);
	while (!atomic_load(&st.zapped))
		usleep(1000);
	for (int i = 0; i < wait_ms && !atomic_load(&st.cleaned); i++)
		usleep(1000);
	cleaned_under_stale_tlb = atomic_load(&st.cleaned);
	pthread_rwlock_unlock(&p->mm->tlb_sync);
	assert_int_equal(pthread_join(z, NULL), 0);
	assert_int_equal(pthread_join(m, NULL), 0);
	assert_int_equal(st.madvise, 0);
	assert_true(folio_test_dirty(st.folio));
	assert_int_equal(folio_mapcount(st.folio), 0);
	process_destroy(p);
	fput(&vf.file);
	vt_assert_all_free();
	return cleaned_under_stale_tlb;
}

static void zap_keeps_dirty_file_rmap_until_flushed(void **state)
{
	(void)state;
	assert_false(mkclean_completes_under_stale_tlb(300));
}

/* Before 6.2 the rmap went first: folio_mkclean() found no mapping and did not wait. */
static void zap_removed_dirty_file_rmap_before_flush_before_6_2(void **state)
{
	(void)state;
	assert_int_equal(kernel_select("v6.1"), 0);
	assert_true(mkclean_completes_under_stale_tlb(20000));
	assert_int_equal(kernel_select(NULL), 0);
}

static void rmap_and_try_to_unmap_of_a_file_folio(void **state)
{
	struct process *p = process_create("p"), *q = process_create("q");
	long a, b;
	struct folio *folio;

	(void)state;
	vt_file_init(&vf);
	a = map_file(p, 4 * PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
	b = map_file(q, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, 2);
	assert_int_equal(vt_byte(p, (unsigned long)a + 2 * PAGE_SIZE), 3);
	assert_int_equal(vt_byte(q, (unsigned long)b), 3);
	folio = vf.pages[2];
	assert_int_equal(folio_mapcount(folio), 2);
	folio_lock(folio);
	assert_int_equal(folio_rmap_count(folio), 2);
	assert_true(try_to_unmap(folio, 0));
	assert_int_equal(folio_rmap_count(folio), 0);
	folio_unlock(folio);
	assert_int_equal(folio_mapcount(folio), 0);
	assert_int_equal(folio_ref_count(folio), 1);
	assert_int_equal(get_mm_counter(p->mm, MM_FILEPAGES), 0);
	/* It faults back in. */
	assert_int_equal(vt_byte(q, (unsigned long)b), 3);
	/* Partial unmap_mapping_range: only page 2 (offset 8K, 4K long). */
	assert_int_equal(vt_byte(p, (unsigned long)a + 3 * PAGE_SIZE), 4);
	unmap_mapping_range(&vf.mapping, 2 * PAGE_SIZE, PAGE_SIZE, 0);
	assert_false(pte_present(vt_pte(q->mm, (unsigned long)b)));
	assert_true(pte_present(vt_pte(p->mm, (unsigned long)a + 3 * PAGE_SIZE)));
	process_destroy(p);
	process_destroy(q);
	fput(&vf.file);
	vt_assert_all_free();
}

static void write_shared_mapping_of_readonly_file_refused(void **state)
{
	struct process *p = process_create("p");

	(void)state;
	vt_file_init(&vf);
	vf.file.f_mode = FMODE_READ;
	assert_int_equal(map_file(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0), -EACCES);
	assert_true(map_file(p, PAGE_SIZE, PROT_READ, MAP_SHARED, 0) > 0);
	assert_true(map_file(p, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0) > 0);
	process_destroy(p);
	assert_int_equal(atomic_load(&vf.file.f_count), 1);
	fput(&vf.file);
	vt_assert_all_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(read_fault_maps_cache_page_readonly, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(shared_write_calls_page_mkwrite_and_dirties, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(private_write_copies_file_unchanged, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(zap_transfers_pte_dirty_to_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(zap_keeps_dirty_file_rmap_until_flushed, vt_setup,
						vt_teardown),
		cmocka_unit_test_setup_teardown(zap_removed_dirty_file_rmap_before_flush_before_6_2,
						vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(rmap_and_try_to_unmap_of_a_file_folio, vt_setup, vt_teardown),
		cmocka_unit_test_setup_teardown(write_shared_mapping_of_readonly_file_refused, vt_setup, vt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
