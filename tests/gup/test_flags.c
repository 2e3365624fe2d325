/* SPDX-License-Identifier: GPL-2.0-only */
/* FOLL flag validation: what every entry point refuses before touching memory. */
#include "gup_test.h"

/* -EINVAL, nothing taken, and the kernel's WARN_ON_ONCE has fired (once per boot and site). */
static void assert_refused(long ret)
{
	assert_int_equal(ret, -EINVAL);
	assert_true(mm_event_count_kind(MM_EV_WARN) > 0);
	assert_int_equal(gt_pins_acquired(), 0);
	assert_int_equal(pin_outstanding(), 0);
}

/*
 * The slow pin entry points (pin_user_pages(), _remote(), _unlocked()) answer
 * bad arguments with 0 pages, not -EINVAL, as mainline's do from 6.3; the WARN
 * is the same.
 */
static void assert_pin_refused(long ret)
{
	assert_int_equal(ret, 0);
	assert_true(mm_event_count_kind(MM_EV_WARN) > 0);
	assert_int_equal(gt_pins_acquired(), 0);
	assert_int_equal(pin_outstanding(), 0);
}

static void test_flag_values_are_mainline(void **state)
{
	assert_int_equal(FOLL_WRITE, 0x01);
	assert_int_equal(FOLL_GET, 0x02);
	assert_int_equal(FOLL_FORCE, 0x08);
	assert_int_equal(FOLL_NOWAIT, 0x10);
	assert_int_equal(FOLL_ANON, 0x80);
	assert_int_equal(FOLL_LONGTERM, 0x100);
	assert_int_equal(FOLL_TOUCH, 1 << 16);
	assert_int_equal(FOLL_REMOTE, 1 << 18);
	assert_int_equal(FOLL_PIN, 1 << 19);
}

static void test_pin_flag_from_caller_refused(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;

	/* The pin wrappers set FOLL_PIN themselves; nobody else may. */
	assert_refused(pin_user_pages_fast(mm, addr, 1, FOLL_PIN, &page));
	mmap_read_lock(mm);
	assert_refused(get_user_pages(mm, addr, 1, FOLL_PIN, &page));
	mmap_read_unlock(mm);
}

static void test_pin_and_get_exclusive(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;

	mmap_read_lock(mm);
	assert_pin_refused(pin_user_pages(mm, addr, 1, FOLL_GET, &page));
	mmap_read_unlock(mm);
	assert_refused(pin_user_pages_fast(mm, addr, 1, FOLL_GET | FOLL_WRITE, &page));
}

/*
 * Before 6.3 each pin entry point refused FOLL_GET itself, with -EINVAL
 * (switch longterm-needs-pin, both sides: v6.1 and v6.18 with it off; on).
 */
static void test_pin_slow_family_einval_before_6_3(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;
	int locked = 1;
	long ret[2];

	assert_int_equal(pin_preset_apply(pin_preset_find("v6.1")), 0);
	mmap_read_lock(mm);
	ret[0] = pin_user_pages(mm, addr, 1, FOLL_GET, &page);
	ret[1] = pin_user_pages_remote(mm, addr, 1, FOLL_GET, &page, &locked);
	mmap_read_unlock(mm);
	assert_refused(ret[0]);
	assert_refused(ret[1]);
	assert_refused(pin_user_pages_unlocked(mm, addr, 1, &page, FOLL_GET));
	assert_int_equal(pin_preset_apply(pin_preset_find("mainline")), 0);
	kernel_override(KSW_LONGTERM_NEEDS_PIN, 0);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 1, &page, FOLL_GET), -EINVAL);
	kernel_override_clear();
	assert_pin_refused(pin_user_pages_unlocked(mm, addr, 1, &page, FOLL_GET));
}

static void test_internal_and_unknown_bits_refused(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	const unsigned int bad[] = { FOLL_TOUCH, FOLL_REMOTE, FOLL_FAST_ONLY, FOLL_TRIED,
				     FOLL_UNLOCKABLE, 1u << 13, 1u << 15, 1u << 31 };
	struct page *page;

	mm_events_reset();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t w = mm_event_count_kind(MM_EV_WARN);

		assert_int_equal(pin_user_pages_unlocked(mm, addr, 1, &page, bad[i]), 0);
		assert_int_equal(get_user_pages_fast(mm, addr, 1, bad[i], &page), -EINVAL);
		/*
		 * Internal flags and unknown bits are two WARN_ON_ONCE()s: each
		 * warns the first time it is hit this boot, and only then.
		 */
		if (i == 0 || i == 5)
			assert_int_equal(mm_event_count_kind(MM_EV_WARN), w + 1);
		else
			assert_int_equal(mm_event_count_kind(MM_EV_WARN), w);
	}
	assert_int_equal(gt_pins_acquired(), 0);
	assert_int_equal(folio_ref_count(page_folio(gt_mapped_page(mm, addr))), 1);
}

static void test_null_pages_refused_for_pin(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 2, PROT_READ | PROT_WRITE, -1);

	assert_refused(pin_user_pages_fast(mm, addr, 1, FOLL_WRITE, NULL));
	assert_pin_refused(pin_user_pages_unlocked(mm, addr, 1, NULL, 0));
	/* An explicit FOLL_GET needs somewhere to put the pages too. */
	assert_refused(get_user_pages_unlocked(mm, addr, 1, NULL, FOLL_GET));
	assert_refused(get_user_pages_unlocked(mm, addr, 1, NULL, FOLL_LONGTERM));
	/* No pages[] and no FOLL_GET: get_user_pages() only faults the range in. */
	assert_null(gt_mapped_page(mm, addr));
	assert_int_equal(get_user_pages_unlocked(mm, addr, 2, NULL, FOLL_WRITE), 2);
	assert_non_null(gt_mapped_page(mm, addr));
	assert_non_null(gt_mapped_page(mm, addr + PAGE_SIZE));
}

static void test_longterm_needs_pin_or_get(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page = NULL;

	/* A long-term pin of a PCI P2P page would block its unplug. */
	assert_refused(pin_user_pages_fast(mm, addr, 1, FOLL_LONGTERM | FOLL_PCI_P2PDMA, &page));
	/* 6.3+: FOLL_LONGTERM only with FOLL_PIN, on every path. */
	mm_events_reset();
	assert_refused(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_LONGTERM));
	/* (the same WARN_ON_ONCE: no second event this boot) */
	assert_int_equal(get_user_pages_fast(mm, addr, 1, FOLL_LONGTERM | FOLL_WRITE, &page),
			 -EINVAL);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 1, &page, FOLL_LONGTERM), 1);
	unpin_user_page(page);
	/*
	 * Before 6.3 (KSW_LONGTERM_NEEDS_PIN) FOLL_LONGTERM came with FOLL_GET too
	 * (get_user_pages_longterm(), 4.15-5.5, then get_user_pages()), on any
	 * tracker: v4.14, v6.1, and v6.18 with only that switch turned off.
	 */
	assert_int_equal(pin_preset_apply(pin_preset_find("v4.14")), 0);
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_LONGTERM), 1);
	put_page(page);
	assert_int_equal(pin_preset_apply(pin_preset_find("v6.1")), 0);
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_LONGTERM), 1);
	put_page(page);
	assert_int_equal(pin_preset_apply(pin_preset_find("mainline")), 0);
	kernel_override(KSW_LONGTERM_NEEDS_PIN, 0);
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_LONGTERM), 1);
	put_page(page);
	kernel_override_clear();
	assert_int_equal(get_user_pages_unlocked(mm, addr, 1, &page, FOLL_LONGTERM), -EINVAL);
}

static void test_locked_must_be_held(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;
	int locked = 0;

	assert_pin_refused(pin_user_pages_remote(mm, addr, 1, 0, &page, &locked));
	locked = 1;
	mmap_read_lock(mm);
	assert_int_equal(pin_user_pages_remote(mm, addr, 1, 0, &page, &locked), 1);
	assert_int_equal(locked, 1);
	mmap_read_unlock(mm);
	unpin_user_page(page);
}

static void test_ranges(void **state)
{
	struct mm_struct *mm = gt_mm();
	unsigned long addr = gt_anon(mm, 1, PROT_READ | PROT_WRITE, 0x11);
	struct page *page;

	assert_int_equal(pin_user_pages_fast(mm, addr, 0, 0, &page), 0);
	assert_int_equal(pin_user_pages_fast(mm, addr, -1, 0, &page), -EOVERFLOW);
	assert_int_equal(pin_user_pages_fast(mm, TASK_SIZE, 1, 0, &page), -EFAULT);
	assert_int_equal(pin_user_pages_unlocked(mm, addr, 0, &page, 0), 0);
	assert_int_equal(pin_user_pages_fast(NULL, addr, 1, 0, &page), -EINVAL);
	assert_int_equal(gt_pins_acquired(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_values_are_mainline),
		cmocka_unit_test_setup_teardown(test_pin_flag_from_caller_refused, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_pin_and_get_exclusive, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_pin_slow_family_einval_before_6_3, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_internal_and_unknown_bits_refused, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_null_pages_refused_for_pin, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_longterm_needs_pin_or_get, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_locked_must_be_held, gt_setup_mainline, gt_teardown),
		cmocka_unit_test_setup_teardown(test_ranges, gt_setup_mainline, gt_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
