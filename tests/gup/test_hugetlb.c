/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GUP of hugetlb pages: one folio behind 512 entries with its pins in
 * _pincount, R/O pins unsharing a hugetlb page shared with a child,
 * FOLL_LONGTERM moving a pool folio out of CMA into a temporary one, and what
 * the 2018 LRU RFC's trackers make of a hugetlb folio, which is on no LRU.
 */
#include <unistd.h>
#include "gup_test.h"
#include <pinmm/vm/hugetlb.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/pin/lru.h>
#include "../../src/gup/internal.h"

#define RW (PROT_READ | PROT_WRITE)

static int setup_cma(void **state)
{
	struct mem_config cfg = { .cma_bytes = 8UL << 20 };

	return gt_boot(&cfg, "mainline");
}

static unsigned long ht_map(struct mm_struct *mm, unsigned long flags, int fill)
{
	long a = vm_mmap(mm, 0, HPAGE_SIZE, RW, flags | MAP_ANONYMOUS | MAP_HUGETLB, NULL, 0);

	assert_true(a > 0);
	assert_int_equal(uaccess_memset(mm, (unsigned long)a, fill, HPAGE_SIZE), 0);
	return (unsigned long)a;
}

/* 512 pages, one folio: the pins are exact in _pincount, the bias is not in _refcount. */
static void test_pin_fast_one_folio(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct folio *folio;
	unsigned long a;
	int ref;

	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 1), 1);
	a = ht_map(mm, MAP_PRIVATE, 0x31);
	folio = page_folio(gt_mapped_page(mm, a));
	ref = folio_ref_count(folio);
	assert_int_equal(pin_user_pages_fast(mm, a, HPAGE_PMD_NR, FOLL_WRITE, pages), HPAGE_PMD_NR);
	for (int i = 0; i < HPAGE_PMD_NR; i++)
		assert_ptr_equal(pages[i], folio_page(folio, (unsigned long)i));
	assert_true(folio_test_hugetlb(folio));
	assert_int_equal(atomic_load(&folio->_pincount), HPAGE_PMD_NR);
	assert_int_equal(folio_ref_count(folio), ref + HPAGE_PMD_NR);
	assert_true(folio_maybe_dma_pinned(folio));
	unpin_user_pages(pages, HPAGE_PMD_NR);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	assert_int_equal(folio_ref_count(folio), ref);
	free(pages);
}

/* A R/O pin of a hugetlb page shared with a child unshares it first (FAULT_FLAG_UNSHARE). */
static void test_ro_pin_unshares_shared_hugetlb(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct process *c;
	struct page *page = NULL;
	struct folio *old;
	unsigned long a;

	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 2), 2);
	a = ht_map(mm, MAP_PRIVATE, 0x41);
	old = page_folio(gt_mapped_page(mm, a));
	c = process_fork(gt_proc, "c");
	assert_false(PageAnonExclusive(&old->page));
	assert_int_equal(pin_user_pages_fast(mm, a, 1, 0, &page), 1);
	assert_ptr_not_equal(page_folio(page), old);
	assert_true(PageAnonExclusive(&page_folio(page)->page));
	unpin_user_pages(&page, 1);
	process_destroy(c);
}

/*
 * A writable long-term pin of a shared hugetlb mapping: hugetlbfs has no
 * writeback, so neither GUP path refuses it, and GUP-fast decides from the
 * folio alone (gup_fast_folio_allowed() answers yes for hugetlb before it
 * reads the mapping, as mainline does since 6.5) instead of sending it to
 * the slow path to look at the VMA.
 */
static void test_longterm_write_shared_hugetlb_fast(void **state)
{
	const unsigned int lt_write = FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE;
	struct mm_struct *mm = gt_mm();
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct folio *folio;
	unsigned long a;

	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 1), 1);
	a = ht_map(mm, MAP_SHARED, 0x51);
	folio = page_folio(gt_mapped_page(mm, a));
	assert_true(folio_test_hugetlb(folio));
	assert_non_null(READ_ONCE(folio->mapping));
	assert_true(gup_fast_folio_allowed(folio, lt_write));
	assert_int_equal(pin_user_pages_fast(mm, a, HPAGE_PMD_NR, FOLL_WRITE | FOLL_LONGTERM, pages),
			 HPAGE_PMD_NR);
	assert_ptr_equal(page_folio(pages[0]), folio);
	assert_int_equal(atomic_load(&folio->_pincount), HPAGE_PMD_NR);
	unpin_user_pages(pages, HPAGE_PMD_NR);
	assert_int_equal(atomic_load(&folio->_pincount), 0);
	free(pages);
}

/* FOLL_LONGTERM: the pool's only folio is in CMA; the pin lands on a temporary one outside. */
static void test_longterm_migrates_out_of_cma(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page *page = NULL;
	struct hstate_counts hc;
	struct folio *old;
	unsigned long a;
	long n;

	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 1), 1);
	a = ht_map(mm, MAP_PRIVATE, 0x51);
	old = page_folio(gt_mapped_page(mm, a));
	assert_true(folio_is_cma(old));
	mmap_read_lock(mm);
	n = pin_user_pages(mm, a, 1, FOLL_WRITE | FOLL_LONGTERM, &page);
	mmap_read_unlock(mm);
	assert_int_equal(n, 1);
	assert_false(folio_is_cma(page_folio(page)));
	assert_true(folio_test_hugetlb(page_folio(page)));
	assert_ptr_equal(gt_mapped_page(mm, a), page);
	assert_int_equal(gt_peek(page, 4095), 0x51);
	/* The target took the old folio's place in the pool; the old one left it. */
	hugetlb_counts(&default_hstate, &hc);
	assert_int_equal(hc.nr_huge_pages, 1);
	assert_int_equal(hc.temporary, 0);
	unpin_user_pages(&page, 1);
	assert_int_equal(pin_outstanding(), 0);
}

/*
 * FOLL_SPLIT_PMD on a hugetlb mapping: refused (check_vma_flags(), -EOPNOTSUPP),
 * the page left whole and unpinned. Found by fuzz_api: the slow walk split
 * the PMD for ever (split_huge_pmd() leaves a hugetlb PMD as it is); the
 * alarm turns a regression into a failure instead of a hang.
 */
static void test_split_pmd_refused_on_hugetlb(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page *pages[4];
	struct folio *folio;
	unsigned long a;
	int locked = 1;

	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 1), 1);
	a = ht_map(mm, MAP_PRIVATE, 0x61);
	folio = page_folio(gt_mapped_page(mm, a));
	alarm(10);
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages(mm, a, 4, FOLL_WRITE | FOLL_SPLIT_PMD, pages), -EOPNOTSUPP);
	assert_int_equal(get_user_pages_remote(mm, a, 4, FOLL_SPLIT_PMD, pages, &locked),
			 -EOPNOTSUPP);
	if (locked)
		mmap_read_unlock(mm);
	alarm(0);
	assert_false(folio_maybe_dma_pinned(folio));
	assert_ptr_equal(page_folio(gt_mapped_page(mm, a + HPAGE_SIZE - PAGE_SIZE)), folio);
	assert_int_equal(pin_outstanding(), 0);
}

/* The lru trackers, with the LRU the page cache's fs layer installs. */
static int setup_lru_tracker(const char *preset)
{
	if (gt_boot(NULL, preset))
		return -1;
	fs_install_hooks();
	return 0;
}
static int setup_lru(void **state)
{
	(void)state;
	return setup_lru_tracker("lru");
}
static int setup_lru_nov2018(void **state)
{
	(void)state;
	return setup_lru_tracker("lru-nov2018");
}

/*
 * The July 2018 RFC marks a page only when isolate_lru_page() takes it off an
 * LRU, and a hugetlb folio, anonymous or not, is never on one (its ->lru
 * links it on the hstate's list of pages in use): the pins of a private
 * MAP_HUGETLB page are plain references, unseen, and ->lru is left alone.
 */
static void test_lru_rfc_cannot_mark_hugetlb(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct cds_list_head lru;
	struct folio *folio;
	long untracked0 = lru_pins_untracked();
	unsigned long a;
	int ref;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 1), 1);
	a = ht_map(mm, MAP_PRIVATE, 0x31);
	folio = page_folio(gt_mapped_page(mm, a));
	assert_true(folio_test_hugetlb(folio));
	assert_true(folio_test_anon(folio));
	lru = folio->lru;
	ref = folio_ref_count(folio);
	assert_int_equal(pin_user_pages_fast(mm, a, HPAGE_PMD_NR, FOLL_WRITE, pages), HPAGE_PMD_NR);
	assert_false(folio_maybe_dma_pinned(folio));
	assert_int_equal(lru_pins_untracked(), untracked0 + HPAGE_PMD_NR);
	assert_ptr_equal(folio->lru.next, lru.next);
	assert_ptr_equal(folio->lru.prev, lru.prev);
	assert_int_equal(folio_ref_count(folio), ref + HPAGE_PMD_NR);
	unpin_user_pages(pages, HPAGE_PMD_NR);
	assert_int_equal(folio_ref_count(folio), ref);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	free(pages);
}

/* The November repost marks it anyway: SetPageDmaPinned() over the hstate's list. */
static void test_lru_nov2018_writes_hugetlb_list(void **state)
{
	struct mm_struct *mm = gt_mm();
	struct page **pages = calloc(HPAGE_PMD_NR, sizeof(*pages));
	struct mm_event ev;
	struct folio *folio;
	unsigned long a;

	(void)state;
	assert_int_equal(hugetlb_set_nr_pages(&default_hstate, 1), 1);
	a = ht_map(mm, MAP_PRIVATE, 0x31);
	folio = page_folio(gt_mapped_page(mm, a));
	mm_events_reset();
	assert_int_equal(pin_user_pages_fast(mm, a, HPAGE_PMD_NR, FOLL_WRITE, pages), HPAGE_PMD_NR);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 1);
	for (size_t i = 0; !mm_event_get(i, &ev); i++)
		if (ev.kind == MM_EV_BUG)
			break;
	assert_int_equal(ev.pfn, folio_pfn(folio));
	assert_non_null(strstr(ev.text, "hstate's active list"));
	unpin_user_pages(pages, HPAGE_PMD_NR);
	mm_events_reset();
	free(pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_fast_one_folio, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_ro_pin_unshares_shared_hugetlb, gt_setup_mainline,
						gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_write_shared_hugetlb_fast, gt_setup_mainline,
						gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_migrates_out_of_cma, setup_cma, gt_teardown),
		cmocka_unit_test_setup_teardown(test_split_pmd_refused_on_hugetlb, gt_setup_mainline,
						gt_teardown),
		cmocka_unit_test_setup_teardown(test_lru_rfc_cannot_mark_hugetlb, setup_lru, gt_teardown),
		cmocka_unit_test_setup_teardown(test_lru_nov2018_writes_hugetlb_list, setup_lru_nov2018,
						gt_teardown),
	};

	return RUN_TAP(tests, NULL, NULL);
}
