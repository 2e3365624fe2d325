/* SPDX-License-Identifier: GPL-2.0-only */
/* The tracker registry, pin_config and the presets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <pinmm/mem/kernel.h>
#include <cmocka.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>

static int setup(void **state)
{
	struct mem_config cfg = { 0 };

	if (mem_init(&cfg))
		return -1;
	return pin_preset_apply(pin_preset_find("mainline"));
}

static int teardown(void **state)
{
	mem_exit();
	return 0;
}

static void test_default_config_is_mainline(void **state)
{
	/* A fresh process (this is the first test) starts as the mainline kernel. */
	assert_ptr_equal(pin_config.tracker, &bias_tracker);
	assert_int_equal(pin_config.longterm, LONGTERM_MAINLINE);
	assert_int_equal(pin_config.writeback, WB_IGNORE);
	assert_false(pin_config.debug);
}

static void test_find(void **state)
{
	assert_ptr_equal(pin_tracker_find("get"), &get_tracker);
	assert_ptr_equal(pin_tracker_find("bias"), &bias_tracker);
	assert_null(pin_tracker_find("exactly-nothing"));
	assert_null(pin_tracker_find(NULL));
	for (size_t i = 0; pin_trackers[i]; i++) {
		assert_non_null(pin_trackers[i]->summary);
		assert_ptr_equal(pin_tracker_find(pin_trackers[i]->name), pin_trackers[i]);
	}
}

static void test_policy_names(void **state)
{
	assert_string_equal(longterm_policy_names[LONGTERM_ALLOW], "allow");
	assert_string_equal(longterm_policy_names[LONGTERM_MAINLINE], "release");
	assert_string_equal(longterm_policy_names[LONGTERM_LEASE], "lease");
	assert_string_equal(writeback_policy_names[WB_IGNORE], "ignore");
	assert_string_equal(writeback_policy_names[WB_BOUNCE], "bounce");
	assert_string_equal(writeback_policy_names[WB_SKIP], "skip");
}

static void test_set_refuses_while_pinned(void **state)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_non_null(folio);
	assert_int_equal(pin_tracker_set(NULL), -EINVAL);
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(pin_tracker_try_pin(folio, 3, 0), 0);
	assert_int_equal(pin_outstanding(), 3);
	assert_int_equal(pin_tracker_set(&get_tracker), -EBUSY);
	assert_ptr_equal(pin_config.tracker, &bias_tracker);
	pin_tracker_unpin(folio, 2);
	assert_int_equal(pin_tracker_set(&get_tracker), -EBUSY);
	pin_tracker_unpin(folio, 1);
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(pin_tracker_set(&get_tracker), 0);
	assert_ptr_equal(pin_config.tracker, &get_tracker);
	folio_put(folio);
}

/* What a pin sequence leaves on a folio, for comparing two ways of taking it. */
struct pin_seen {
	int refs;		/* _refcount - its value before */
	long pincount;
	bool pinned, writable;
};

static struct pin_seen pin_seen(struct folio *folio, int r0)
{
	return (struct pin_seen){
		.refs = folio_ref_count(folio) - r0,
		.pincount = pin_config.tracker->pincount(folio),
		.pinned = folio_maybe_dma_pinned(folio),
		.writable = folio_maybe_dma_pinned_writable(folio),
	};
}

static void assert_seen_equal(struct pin_seen a, struct pin_seen b, const char *tracker, int step)
{
	if (a.refs != b.refs || a.pincount != b.pincount || a.pinned != b.pinned ||
	    a.writable != b.writable)
		fail_msg("%s, step %d: table refs %+d pins %ld pinned %d writable %d, "
			 "batch refs %+d pins %ld pinned %d writable %d", tracker, step,
			 a.refs, a.pincount, a.pinned, a.writable,
			 b.refs, b.pincount, b.pinned, b.writable);
}

/*
 * Take @steps on two folios side by side, the table on @ft and the batch on
 * @fb (1: a writable pin, 0: a read-only one, -1: an unpin of unknown kind),
 * and assert after each step that both look the same; steps are numbered
 * from @first in a failure.
 */
static void run_side_by_side(const struct pin_tracker *t, const struct pin_batch *b,
			     struct folio *ft, int rt, struct folio *fb, int rb,
			     const int *steps, int nr, int first)
{
	for (int n = 0; n < nr; n++) {
		unsigned int flags = steps[n] == 1 ? PIN_FOLL_WRITE : 0;

		if (steps[n] < 0) {
			t->unpin(ft, 1);
			pin_batch_unpin(b, fb, 1);
		} else {
			assert_int_equal(t->try_pin(ft, 1, flags), 0);
			assert_int_equal(pin_batch_try_pin(b, fb, 1, flags), 0);
		}
		assert_seen_equal(pin_seen(ft, rt), pin_seen(fb, rb), t->name, first + n);
	}
}

/*
 * A tracker that declares small_pin lets GUP take and drop a small folio's
 * pins inline (struct pin_batch): step by step, the batch must leave a folio
 * exactly as the tracker's own try_pin()/unpin() leave another, through
 * writable and read-only pins, and past a full pin field (more pins than it
 * holds); and the code must say what the table does.
 */
static void test_small_pin_is_what_the_tracker_does(void **state)
{
	/* 1: a writable pin, 0: a read-only one, -1: an unpin (of unknown kind). */
	static const int steps[] = { 1, 0, 0, -1, 1, -1, -1, -1, 0, 1, -1, -1 };
	unsigned int declared = 0, packed = 0;

	for (size_t i = 0; pin_trackers[i]; i++) {
		const struct pin_tracker *t = pin_trackers[i];
		const struct pin_small_code *sp = &t->small_pin;
		struct folio *ft, *fb, *large;
		struct pin_batch b;
		int rt, rb, n;

		if (!sp->one || t->unavailable)
			continue;
		declared++;
		packed += sp->field != 0;
		assert_int_equal(pin_tracker_set(t), 0);
		ft = folio_alloc(GFP_KERNEL, 0);
		fb = folio_alloc(GFP_KERNEL, 0);
		assert_non_null(ft);
		assert_non_null(fb);
		rt = folio_ref_count(ft);
		rb = folio_ref_count(fb);
		pin_batch_begin(&b);
		assert_true(b.plain);
		/* Every tracker's declared code is taken inline, a packed field included. */
		assert_true(pin_batch_inline(&b, fb, 1));
		if (sp->field) {
			/* The same field in another geometry: the batch leaves it to the table. */
			struct pin_tracker other = *t;
			struct pin_batch ob;

			other.small_pin.wshift++;
			WRITE_ONCE(pin_config.tracker, &other);
			pin_batch_begin(&ob);
			WRITE_ONCE(pin_config.tracker, t);
			assert_false(pin_batch_inline(&ob, fb, 1));
		}

		run_side_by_side(t, &b, ft, rt, fb, rb, steps, (int)(sizeof(steps) / sizeof(steps[0])), 0);
		assert_int_equal(folio_ref_count(fb), rb);

		/* The code is what the table adds: a plain pin is @one references. */
		assert_int_equal(t->try_pin(ft, 1, PIN_FOLL_WRITE), 0);
		assert_int_equal(folio_ref_count(ft) - rt, sp->one + (sp->field ? sp->one << sp->wshift : 0));
		t->unpin(ft, 1);

		/* Past a full field (exact: 63 pins in _refcount, the rest listed). */
		for (n = 0; n < 70; n++) {
			assert_int_equal(t->try_pin(ft, 1, n & 1 ? PIN_FOLL_WRITE : 0), 0);
			assert_int_equal(pin_batch_try_pin(&b, fb, 1, n & 1 ? PIN_FOLL_WRITE : 0), 0);
			assert_seen_equal(pin_seen(ft, rt), pin_seen(fb, rb), t->name, 100 + n);
		}
		if (sp->field)
			assert_int_equal(t->pincount(fb), 70);
		for (n = 0; n < 70; n++) {
			t->unpin(ft, 1);
			pin_batch_unpin(&b, fb, 1);
			assert_seen_equal(pin_seen(ft, rt), pin_seen(fb, rb), t->name, 200 + n);
		}
		assert_int_equal(folio_ref_count(fb), rb);
		assert_false(folio_maybe_dma_pinned(fb));

		/* More than one pin at a time: a plain code takes them inline too. */
		assert_int_equal(pin_batch_try_pin(&b, fb, 3, 0), 0);
		assert_int_equal(pin_outstanding(), 3);
		if (sp->field)
			assert_int_equal(t->pincount(fb), 3);
		pin_batch_unpin(&b, fb, 3);
		assert_int_equal(folio_ref_count(fb), rb);
		assert_int_equal(pin_outstanding(), 0);

		/* A folio being freed is refused by both, and left as it was. */
		assert_true(folio_ref_freeze(fb, rb));
		assert_int_equal(t->try_pin(fb, 1, 0), -EAGAIN);
		assert_int_equal(pin_batch_try_pin(&b, fb, 1, 0), -EAGAIN);
		assert_int_equal(pin_batch_try_pin(&b, fb, 1, PIN_FOLL_WRITE), -EAGAIN);
		assert_int_equal(folio_ref_count(fb), 0);
		folio_ref_unfreeze(fb, rb);

		/* A large folio is the tracker's own business: the batch calls it. */
		large = folio_alloc(GFP_KERNEL, 2);
		assert_non_null(large);
		rb = folio_ref_count(large);
		assert_int_equal(pin_batch_try_pin(&b, large, 2, 0), 0);
		assert_int_equal(folio_ref_count(large) - rb, (int)(t->pin_refs ? t->pin_refs(large, 2) : 2));
		pin_batch_unpin(&b, large, 2);
		assert_int_equal(folio_ref_count(large), rb);
		folio_put(large);
		folio_put(ft);
		folio_put(fb);
	}
	/* bias (mainline), get (the pre-FOLL_PIN kernels) and exact say so. */
	assert_true(declared >= 3);
	assert_true(packed >= 1);
	assert_int_equal(bias_tracker.small_pin.one, GUP_PIN_COUNTING_BIAS);
	assert_int_equal(get_tracker.small_pin.one, 1);
}

/* The real tracker behind the counting copy test_batch_calls_the_table() installs. */
static const struct pin_tracker *table_of;
static struct pin_tracker counting;
static int table_pins, table_unpins;

static int counting_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	table_pins++;
	return table_of->try_pin(folio, refs, gup_flags);
}

static void counting_unpin(struct folio *folio, int refs)
{
	table_unpins++;
	table_of->unpin(folio, refs);
}

/*
 * A tracker that declares no small_pin (field, page_ext, lru, mapping, ...),
 * or one whose packed field is not the geometry GUP's batch is compiled for
 * (PIN_INLINE_FIELD), is the table's: every pin and unpin the batch takes on
 * a small folio is one call of the tracker's own try_pin()/unpin(), and the
 * folio ends as the table leaves it.
 */
static void test_batch_calls_the_table(void **state)
{
	static const struct pin_small_code other_geometry = {
		.one = PIN_INLINE_FIELD_ONE, .field = PIN_INLINE_FIELD_MASK,
		.wshift = PIN_INLINE_FIELD_WSHIFT + 1,
	};
	unsigned int checked = 0;

	for (size_t i = 0; pin_trackers[i]; i++) {
		const struct pin_tracker *t = pin_trackers[i];

		/* Two-step pins (pin_post) and proxies are GUP's business, not the batch's. */
		if (t->unavailable || t->pin_post || t->pin_entries)
			continue;
		for (int variant = 0; variant < 2; variant++) {
			/* 1: a writable pin, 0: a read-only one, -1: an unpin. */
			static const int steps[] = { 1, 0, -1, 0, -1, -1 };
			struct folio *ft, *fb;
			struct pin_batch b;
			int rt, rb;

			if (variant == 0 && t->small_pin.one)
				continue;	/* declared: test_small_pin_is_what_the_tracker_does */
			assert_int_equal(pin_tracker_set(t), 0);
			counting = *t;
			counting.try_pin = counting_try_pin;
			counting.unpin = counting_unpin;
			counting.unpin_flags = NULL;
			if (variant == 1)
				counting.small_pin = other_geometry;
			table_of = t;
			table_pins = table_unpins = 0;
			ft = folio_alloc(GFP_KERNEL, 0);
			fb = folio_alloc(GFP_KERNEL, 0);
			assert_non_null(ft);
			assert_non_null(fb);
			rt = folio_ref_count(ft);
			rb = folio_ref_count(fb);
			WRITE_ONCE(pin_config.tracker, &counting);
			pin_batch_begin(&b);
			assert_true(b.plain);
			assert_false(pin_batch_inline(&b, fb, 1));
			run_side_by_side(t, &b, ft, rt, fb, rb, steps,
					 (int)(sizeof(steps) / sizeof(steps[0])), 0);
			/* One call of the tracker's own per pin and per unpin, none inline. */
			assert_int_equal(table_pins, 3);
			assert_int_equal(table_unpins, 3);
			assert_int_equal(folio_ref_count(fb), rb);
			assert_int_equal(pin_outstanding(), 0);
			WRITE_ONCE(pin_config.tracker, t);
			folio_put(ft);
			folio_put(fb);
			checked++;
		}
	}
	/* page_ext, lru, lru-nov2018, mapping (and field in the PAGE=72 build) among them. */
	assert_true(checked >= 4);
}

static void test_outstanding_forgotten_on_new_boot(void **state)
{
	struct mem_config cfg = { 0 };
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_int_equal(pin_tracker_try_pin(folio, 1, 0), 0);
	assert_int_equal(pin_outstanding(), 1);
	/* The machine the pin lived in is gone: a new one starts with none. */
	mem_exit();
	assert_int_equal(mem_init(&cfg), 0);
	assert_int_equal(pin_outstanding(), 0);
	assert_int_equal(pin_tracker_set(&get_tracker), 0);
}

static void test_presets(void **state)
{
	const struct pin_preset *legacy = pin_preset_find("v4.14");
	const struct pin_preset *mainline = pin_preset_find("mainline");
	struct folio *folio = folio_alloc(GFP_KERNEL, 0);

	assert_non_null(legacy);
	assert_non_null(mainline);
	assert_null(pin_preset_find("pinmm-from-the-future"));
	assert_int_equal(pin_preset_apply(NULL), -EINVAL);

	assert_int_equal(pin_preset_apply(legacy), 0);
	assert_ptr_equal(pin_config.tracker, &get_tracker);
	assert_int_equal(pin_config.longterm, LONGTERM_MAINLINE);
	assert_int_equal(pin_config.writeback, WB_IGNORE);
	assert_string_equal(kernel_selected(), "v4.14");

	/* Refused while a pin is outstanding, and nothing changes: not even the release. */
	assert_int_equal(pin_tracker_try_pin(folio, 1, 0), 0);
	assert_int_equal(pin_preset_apply(mainline), -EBUSY);
	assert_ptr_equal(pin_config.tracker, &get_tracker);
	assert_string_equal(kernel_selected(), "v4.14");
	pin_tracker_unpin(folio, 1);

	assert_int_equal(pin_preset_apply(mainline), 0);
	assert_ptr_equal(pin_config.tracker, &bias_tracker);
	assert_int_equal(pin_config.longterm, LONGTERM_MAINLINE);
	assert_string_equal(kernel_selected(), "v6.18");

	/* Aliases find their release; a release's tracker follows its FOLL_PIN switch. */
	assert_ptr_equal(pin_preset_find("legacy-2018"), pin_preset_find("v4.19"));
	assert_ptr_equal(mainline, pin_preset_find("v6.18"));
	assert_int_equal(pin_preset_apply(pin_preset_find("v5.4")), 0);
	assert_ptr_equal(pin_config.tracker, &get_tracker);
	kernel_override(KSW_FOLL_PIN, 1);
	assert_int_equal(pin_preset_apply(pin_preset_find("v5.4")), 0);
	assert_ptr_equal(pin_config.tracker, &bias_tracker);
	kernel_override_clear();
	assert_int_equal(pin_preset_apply(pin_preset_find("v5.10")), 0);
	assert_ptr_equal(pin_config.tracker, &bias_tracker);
	assert_int_equal(pin_preset_apply(mainline), 0);
	folio_put(folio);
}

static void test_every_preset_names_a_tracker(void **state)
{
	size_t n = 0;

	for (size_t i = 0; pin_presets[i]; i++, n++) {
		const struct pin_preset *p = pin_presets[i];

		assert_non_null(pin_tracker_find(p->tracker));
		assert_non_null(p->summary);
		if (pin_preset_unavailable(p)) {
			/* Listed, refused, and nothing changed (field outside PAGE=72). */
			const struct pin_tracker *before = pin_config.tracker;

			assert_int_equal(pin_preset_apply(p), -EOPNOTSUPP);
			assert_ptr_equal(pin_config.tracker, before);
			continue;
		}
		assert_int_equal(pin_preset_apply(p), 0);
		assert_string_equal(pin_config.tracker->name, p->tracker);
		/* The release whose switches it runs; design presets: the newest. */
		assert_string_equal(kernel_selected(), p->kernel ? p->kernel : KERNEL_NEWEST_RELEASE);
		assert_int_equal(p->family == PRESET_DESIGN, p->kernel == NULL);
	}
	assert_true(n >= 2);
}

static void test_bad_preset_rejected(void **state)
{
	struct pin_preset bogus = {
		.name = "bogus", .tracker = "nonexistent",
		.longterm = LONGTERM_ALLOW, .writeback = WB_IGNORE,
	};

	assert_int_equal(pin_preset_apply(&bogus), -EINVAL);
	bogus.tracker = "get";
	bogus.writeback = NR_WRITEBACK_POLICIES;
	assert_int_equal(pin_preset_apply(&bogus), -EINVAL);
	bogus.writeback = WB_IGNORE;
	bogus.kernel = "v5.8";		/* a release, but no preset's */
	assert_int_equal(pin_preset_apply(&bogus), -EINVAL);
	assert_ptr_equal(pin_config.tracker, &bias_tracker);
	assert_string_equal(kernel_selected(), KERNEL_NEWEST_RELEASE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_config_is_mainline),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_refuses_while_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_pin_is_what_the_tracker_does, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_calls_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outstanding_forgotten_on_new_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_presets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_preset_names_a_tracker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_preset_rejected, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
