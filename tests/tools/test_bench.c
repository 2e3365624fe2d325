/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bench's logic on synthetic samples, with no timing at all: medians and
 * quartiles, pairing, the PASS/MISS/UNSURE rule, the verdicts a run yields,
 * the JSON record read back, --compare, --spread and the TAP output.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/cmocka_tap.h"
#include "../../tools/bench.h"
#include "../../tools/bench_cpu.h"

#define EPS 1e-9

static void test_median_and_quartiles(void **state)
{
	double odd[] = { 5, 1, 3, 2, 4 };
	double even[] = { 4, 1, 3, 2 };
	double gaps[] = { 2, NAN, -1, 4 };
	struct bench_stat s;

	bench_stat_of(&s, odd, 5);
	assert_int_equal(s.n, 5);
	assert_true(fabs(s.median - 3) < EPS);
	assert_true(fabs(s.q1 - 2) < EPS);
	assert_true(fabs(s.q3 - 4) < EPS);
	assert_true(fabs(s.min - 1) < EPS && fabs(s.max - 5) < EPS);
	/* The input is left as it was. */
	assert_true(odd[0] == 5 && odd[4] == 4);

	bench_stat_of(&s, even, 4);
	assert_true(fabs(s.median - 2.5) < EPS);
	assert_true(fabs(s.q1 - 1.75) < EPS);
	assert_true(fabs(s.q3 - 3.25) < EPS);

	/* A repeat that did not run (NaN, negative) is not a sample. */
	bench_stat_of(&s, gaps, 4);
	assert_int_equal(s.n, 2);
	assert_true(fabs(s.median - 3) < EPS);

	bench_stat_of(&s, gaps, 0);
	assert_int_equal(s.n, 0);
}

/*
 * The point of pairing: a machine that is slow in some rounds slows both
 * cases of those rounds. The ratio of medians then mixes moments; the median
 * of the per-round ratios does not.
 */
static void test_pairing_cancels_the_moment(void **state)
{
	double floor[] = { 1, 1, 1, 10, 10 };
	double preset[] = { 2, 2, 20, 20, 20 };
	struct bench_stat a, b, p;

	bench_stat_of(&a, preset, 5);
	bench_stat_of(&b, floor, 5);
	assert_true(fabs(a.median / b.median - 20) < EPS);
	bench_stat_paired(&p, preset, floor, 5);
	assert_int_equal(p.n, 5);
	assert_true(fabs(p.median - 2) < EPS);
	assert_true(fabs(p.q1 - 2) < EPS && fabs(p.q3 - 2) < EPS);
}

static void test_pairing_skips_unmeasured_rounds(void **state)
{
	double a[] = { 3, NAN, 6, 0 };
	double b[] = { 1, 1, 2, 1 };
	struct bench_stat p;

	bench_stat_paired(&p, a, b, 4);
	assert_int_equal(p.n, 2);
	assert_true(fabs(p.median - 3) < EPS);
}

static struct bench_stat st(double q1, double median, double q3, int n)
{
	return (struct bench_stat){ .n = n, .median = median, .q1 = q1, .q3 = q3,
				    .min = q1, .max = q3 };
}

static void test_verdict_needs_the_spread_to_clear(void **state)
{
	struct bench_stat s;

	/* At most 1.5. */
	s = st(1.30, 1.40, 1.45, 10);
	assert_int_equal(bench_judge(&s, 1.5, true), BS_PASS);
	s = st(1.55, 1.60, 1.70, 10);
	assert_int_equal(bench_judge(&s, 1.5, true), BS_MISS);
	s = st(1.40, 1.48, 1.55, 10);	/* median below, spread across */
	assert_int_equal(bench_judge(&s, 1.5, true), BS_UNSURE);
	/* At least 1.9. */
	s = st(1.92, 1.95, 1.99, 10);
	assert_int_equal(bench_judge(&s, 1.9, false), BS_PASS);
	s = st(1.50, 1.70, 1.85, 10);
	assert_int_equal(bench_judge(&s, 1.9, false), BS_MISS);
	s = st(1.85, 1.95, 2.05, 10);
	assert_int_equal(bench_judge(&s, 1.9, false), BS_UNSURE);
	/* Two pairs are not a spread; none is not a measurement. */
	s = st(1.0, 1.0, 1.0, 2);
	assert_int_equal(bench_judge(&s, 1.5, true), BS_UNSURE);
	s = st(0, 0, 0, 0);
	assert_int_equal(bench_judge(&s, 1.5, true), BS_NA);
	assert_int_equal(bench_judge(NULL, 1.5, true), BS_NA);
}

static void test_delta_between_runs(void **state)
{
	struct bench_stat old = st(9.5, 10, 10.5, 10), now;
	struct bench_delta d;

	now = st(7.5, 8, 8.5, 10);
	assert_true(bench_delta_of(&d, &old, &now));
	assert_true(fabs(d.ratio - 0.8) < EPS);
	assert_int_equal(d.change, -1);
	now = st(11, 12, 13, 10);
	assert_true(bench_delta_of(&d, &old, &now));
	assert_int_equal(d.change, 1);
	now = st(9.8, 10.2, 10.6, 10);	/* overlapping ranges: no change claimed */
	assert_true(bench_delta_of(&d, &old, &now));
	assert_int_equal(d.change, 0);
	now = st(0, 0, 0, 0);
	assert_false(bench_delta_of(&d, &old, &now));
}

static void test_medians_spread(void **state)
{
	struct bench_stat runs[3] = { st(1, 10, 11, 5), st(1, 10.5, 11, 5), st(1, 11, 12, 5) };

	assert_true(fabs(bench_medians_spread(runs, 3) - 1.1) < EPS);
	runs[1].n = runs[2].n = 0;
	assert_true(bench_medians_spread(runs, 3) == 0);
}

/* ---- a synthetic run ---- */

static struct bench_run run;

static struct bench_result *result(const char *name, enum bench_kind kind, enum bench_mode mode,
				   unsigned int order, int threads, const double *pin,
				   const double *unpin, int n)
{
	struct bench_result *r = bench_add_result(&run);

	assert_non_null(r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = kind;
	r->mode = mode;
	r->order = order;
	r->threads = threads;
	r->pages = 1024;
	r->size_mib = 4;
	for (int i = 0; i < n; i++) {
		r->pin[i] = pin[i];
		r->unpin[i] = unpin[i];
	}
	r->repeats = n;
	return r;
}

static int setup_run(void **state)
{
	memset(&run, 0, sizeof(run));
	run.opts.repeats = 5;
	run.opts.size = 4UL << 20;
	run.page_bytes = 64;
	run.cap = 64;
	run.res = calloc((size_t)run.cap, sizeof(*run.res));
	return run.res ? 0 : -1;
}

static int teardown_run(void **state)
{
	for (int i = 0; i < run.nr; i++) {
		free(run.res[i].pin);
		free(run.res[i].unpin);
		free(run.res[i].thr_get_us);
		free(run.res[i].thr_put_us);
	}
	free(run.res);
	memset(&run, 0, sizeof(run));
	return 0;
}

/* A floor with a noisy third round, and two presets measured beside it. */
static void fill_run(void)
{
	static const double fl[] = { 10, 10, 30, 10, 10 };
	static const double fast[] = { 12, 13, 36, 12, 13 };	/* 1.2-1.3x */
	static const double slow[] = { 20, 21, 60, 20, 22 };	/* 2.0-2.2x */
	static const double mixed[] = { 14, 16, 42, 14, 16 };	/* 1.4 / 1.6 */
	static const double x2[] = { 5.1, 5.1, 15.3, 5.1, 5.1 };
	static const double cas[] = { 11, 11, 33, 11, 11 };

	result("floor", BK_FLOOR, BM_PIN_FAST, 0, 1, fl, fl, 5);
	result("fast", BK_PRESET, BM_PIN_FAST, 0, 1, fast, fast, 5);
	result("slow", BK_PRESET, BM_PIN_FAST, 0, 1, slow, mixed, 5);
	result("floor", BK_FLOOR, BM_PIN_FAST, 0, 2, x2, x2, 5);
	result("fast", BK_PRESET, BM_PIN_FAST, 0, 2, x2, x2, 5);
	/* The CAS floor: another reference, never the one a preset is judged against. */
	result("floor-cas", BK_FLOOR_CAS, BM_PIN_FAST, 0, 1, cas, cas, 5);
	bench_finish_stats(&run);
}

static const struct bench_verdict *find_verdict(const struct bench_verdict *v, int n,
						const char *id, const char *subject)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].id, id) && !strcmp(v[i].subject, subject))
			return &v[i];
	return NULL;
}

/* The verdict @id of @subject, which must exist and say @status. */
static const struct bench_verdict *expect_verdict(const struct bench_verdict *v, int n,
						  const char *id, const char *subject,
						  enum bench_status status)
{
	const struct bench_verdict *x = find_verdict(v, n, id, subject);

	if (!x)
		fail_msg("no verdict %s of %s", id, subject);
	if (x->status != status)
		fail_msg("%s of %s: %s, expected %s", id, subject, bench_status_names[x->status],
			 bench_status_names[status]);
	return x;
}

static void test_verdicts_of_a_run(void **state)
{
	struct bench_verdict v[32];
	const struct bench_verdict *x;
	int n;

	fill_run();
	n = bench_verdicts(&run, v, 32);
	x = expect_verdict(v, n, "4k-pin-1.5x-floor", "fast", BS_PASS);
	assert_int_equal(x->st.n, 5);
	assert_true(fabs(x->st.median - 1.2) < EPS);
	x = expect_verdict(v, n, "4k-pin-1.5x-floor", "slow", BS_MISS);
	/* Unpin of "slow" alternates 1.4 and 1.6: the spread straddles 1.5. */
	x = expect_verdict(v, n, "4k-unpin-1.5x-floor", "slow", BS_UNSURE);
	/* 2 threads: (12+12)/(5.1+5.1) per round, 2.35x or more. */
	x = expect_verdict(v, n, "2-threads-1.9x", "fast", BS_PASS);
	/* The floor scaled (10+10)/(5.1+5.1) = 1.96x; "fast" 2.35x, 1.2x the floor's. */
	x = expect_verdict(v, n, "2-threads-1.9x", "floor", BS_PASS);
	assert_true(fabs(x->st.median - 20 / 10.2) < EPS);
	x = expect_verdict(v, n, "2-threads-vs-floor", "fast", BS_PASS);
	assert_true(fabs(x->st.median - (24 / 10.2) / (20 / 10.2)) < EPS);
	/* No 2 MiB and no -L results: no verdict claims them. */
	assert_null(find_verdict(v, n, "2m-pin-1.25x-floor", "fast"));
	assert_null(find_verdict(v, n, "L-2m-vs-host", "fast"));
	assert_null(find_verdict(v, n, "2-threads-1.9x", "slow"));
	/* The floors are references, not subjects. */
	assert_null(find_verdict(v, n, "4k-pin-1.5x-floor", "floor"));
	assert_null(find_verdict(v, n, "4k-pin-1.5x-floor", "floor-cas"));
	for (int i = 0; i < n; i++)
		assert_string_not_equal(v[i].subject, "floor-cas");
}

/*
 * Where the floor, which shares nothing, does not scale, a design's 1.9x is
 * not judged (the machine cannot show it), while its scaling against the
 * floor's, round by round, still is.
 */
static void test_two_threads_on_a_machine_that_does_not_scale(void **state)
{
	static const double fl[] = { 10, 10, 10, 10, 10 };
	static const double fl2[] = { 8, 8.5, 8, 8.5, 8 };	/* the floor: 1.18-1.25x, median 1.25 */
	static const double one[] = { 12, 12, 12, 12, 12 };
	static const double good2[] = { 9.6, 10.2, 9.6, 10.2, 9.6 };	/* as the floor */
	static const double bad2[] = { 24, 24, 24, 24, 24 };		/* 0.5x: it serialises */
	struct bench_verdict v[32];
	const struct bench_verdict *x;
	int n;

	result("floor", BK_FLOOR, BM_PIN_FAST, 0, 1, fl, fl, 5);
	result("good", BK_PRESET, BM_PIN_FAST, 0, 1, one, one, 5);
	result("bad", BK_PRESET, BM_PIN_FAST, 0, 1, one, one, 5);
	result("floor", BK_FLOOR, BM_PIN_FAST, 0, 2, fl2, fl2, 5);
	result("good", BK_PRESET, BM_PIN_FAST, 0, 2, good2, good2, 5);
	result("bad", BK_PRESET, BM_PIN_FAST, 0, 2, bad2, bad2, 5);
	bench_finish_stats(&run);
	n = bench_verdicts(&run, v, 32);

	x = expect_verdict(v, n, "2-threads-1.9x", "floor", BS_MISS);
	x = expect_verdict(v, n, "2-threads-1.9x", "good", BS_MACHINE);
	assert_non_null(strstr(x->what, "the floor itself scaled 1.25x"));
	x = expect_verdict(v, n, "2-threads-vs-floor", "good", BS_PASS);
	assert_true(fabs(x->st.median - 1.0) < EPS);
	x = expect_verdict(v, n, "2-threads-1.9x", "bad", BS_MACHINE);
	x = expect_verdict(v, n, "2-threads-vs-floor", "bad", BS_MISS);
}

static void test_case_keys(void **state)
{
	char key[128];
	struct bench_result *r;

	fill_run();
	bench_case_key(&run.res[1], key, sizeof(key));
	assert_string_equal(key, "pin-fast/4K/x1/fast");
	r = &run.res[2];
	r->contended = true;
	r->order = 9;
	r->mode = BM_PIN_LONGTERM;
	bench_case_key(r, key, sizeof(key));
	assert_string_equal(key, "pin-longterm/2M/x1/slow/contended");
	r->child = true;
	r->page_bytes = 72;
	bench_case_key(r, key, sizeof(key));
	assert_string_equal(key, "pin-longterm/2M/x1/slow/contended/page72");
}

static char *tmpfile_path(const char *tag)
{
	static char path[4][64];
	static int k;
	char *p = path[k++ & 3];

	snprintf(p, sizeof(path[0]), "/tmp/pinmm-test-bench-%d-%s.json", (int)getpid(), tag);
	return p;
}

static void test_json_round_trip(void **state)
{
	struct bench_verdict v[32];
	struct bench_loaded *l;
	char *path = tmpfile_path("rt");
	int n, nl;

	fill_run();
	n = bench_verdicts(&run, v, 32);
	assert_int_equal(bench_write_json(&run, v, n, path), 0);
	assert_int_equal(bench_read_json(path, &l, &nl), 0);
	assert_int_equal(nl, run.nr);
	for (int i = 0; i < nl; i++) {
		char key[128];

		bench_case_key(&run.res[i], key, sizeof(key));
		assert_string_equal(l[i].key, key);
		assert_int_equal(l[i].pin.n, run.res[i].pin_st.n);
		assert_true(fabs(l[i].pin.median - run.res[i].pin_st.median) < 1e-3);
		assert_true(fabs(l[i].unpin.q3 - run.res[i].unpin_st.q3) < 1e-3);
	}
	free(l);

	/* The record holds every sample and every verdict as {case, value, target, status}. */
	FILE *f = fopen(path, "r");
	char buf[16384];
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[len] = 0;
	assert_non_null(strstr(buf, "\"pin_ns\": [10.0000, 10.0000, 30.0000, 10.0000, 10.0000]"));
	assert_non_null(strstr(buf, "{\"case\": \"4k-pin-1.5x-floor/slow\""));
	assert_non_null(strstr(buf, "\"target\": \"<= 1.5\", \"status\": \"MISS\""));
	assert_non_null(strstr(buf, "\"status\": \"UNSURE\""));
	assert_non_null(strstr(buf, "\"pin_vs_floor\": {\"n\": 5, \"median\": 1.2000"));
	unlink(path);
}

static void test_json_rejects_other_files(void **state)
{
	struct bench_loaded *l;
	char *path = tmpfile_path("bad");
	FILE *f = fopen(path, "w");
	int n;

	fputs("{\"tool\": \"something else\"}\n", f);
	fclose(f);
	assert_int_equal(bench_read_json(path, &l, &n), -EINVAL);
	unlink(path);
	assert_int_equal(bench_read_json(path, &l, &n), -ENOENT);
}

static void test_spread_and_compare(void **state)
{
	char *a = tmpfile_path("a"), *b = tmpfile_path("b"), *c = tmpfile_path("c");
	char *files[3] = { a, b, c };

	fill_run();
	assert_int_equal(bench_write_json(&run, NULL, 0, a), 0);
	/* 5% slower everywhere: within 10%. */
	for (int i = 0; i < run.nr; i++)
		for (int k = 0; k < 5; k++)
			run.res[i].pin[k] *= 1.05, run.res[i].unpin[k] *= 1.05;
	bench_finish_stats(&run);
	assert_int_equal(bench_write_json(&run, NULL, 0, b), 0);
	assert_int_equal(bench_spread_main(2, files, 1.10), 0);
	assert_int_equal(bench_compare(&run, a), 0);
	/* Another 20%: not. */
	for (int i = 0; i < run.nr; i++)
		for (int k = 0; k < 5; k++)
			run.res[i].pin[k] *= 1.2;
	bench_finish_stats(&run);
	assert_int_equal(bench_write_json(&run, NULL, 0, c), 0);
	assert_int_equal(bench_spread_main(3, files, 1.10), 1);
	assert_int_equal(bench_compare(&run, "/nonexistent/old.json"), -ENOENT);
	unlink(a);
	unlink(b);
	unlink(c);
}

/*
 * The memory probe must visit every slot once per pass, in one cycle: a
 * shorter cycle would measure a buffer that fits in a cache it does not.
 */
static void test_memory_probe_is_one_cycle(void **state)
{
	static const unsigned long sizes[] = { 1, 2, 7, 4096 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		unsigned long n = sizes[s], at = 0, steps = 0;
		struct bench_cpu cpu = { 0 };
		struct bench_case c;
		unsigned char *seen = calloc(n, 1);

		assert_non_null(seen);
		assert_int_equal(bench_cpu_init(&cpu, n), 0);
		do {
			assert_true(at < n);
			assert_false(seen[at]);
			seen[at] = 1;
			at = cpu.chase[at * (64 / sizeof(unsigned long))];
			steps++;
		} while (at != 0 && steps <= n);
		assert_int_equal(steps, n);
		/* Not the identity order, past the trivial sizes: no prefetcher may follow it. */
		if (n > 2)
			assert_true(cpu.chase[0] != 1 || cpu.chase[64 / sizeof(unsigned long)] != 2);
		for (int p = 0; p < BENCH_NR_CPU; p++) {
			bench_cpu_case(&c, (enum bench_cpu_probe)p, &cpu);
			assert_int_equal(c.get(c.ctx, 0), (long)n);
			assert_int_equal(c.put(c.ctx, 0), 0);
		}
		bench_cpu_free(&cpu);
		assert_null(cpu.chase);
		free(seen);
	}
	assert_int_equal(bench_cpu_init(&(struct bench_cpu){ 0 }, 0), -ENOMEM);
}

static void test_tap_is_kselftest_shaped(void **state)
{
	struct bench_verdict v[32];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n, fails;

	fill_run();
	n = bench_verdicts(&run, v, 32);
	fails = bench_print_tap(f, v, n);
	fclose(f);
	assert_int_equal(fails, 1);	/* 4k-pin of "slow" */
	assert_true(!strncmp(buf, "TAP version 13\n1..", 18));
	assert_non_null(strstr(buf, "\nok 1 4k-pin-1.5x-floor fast 1.20x"));
	assert_non_null(strstr(buf, "\nnot ok "));
	assert_non_null(strstr(buf, "# SKIP UNSURE"));
	assert_non_null(strstr(buf, "# Totals: pass:"));
	assert_non_null(strstr(buf, " fail:1 "));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median_and_quartiles),
		cmocka_unit_test(test_pairing_cancels_the_moment),
		cmocka_unit_test(test_pairing_skips_unmeasured_rounds),
		cmocka_unit_test(test_verdict_needs_the_spread_to_clear),
		cmocka_unit_test(test_delta_between_runs),
		cmocka_unit_test(test_medians_spread),
		cmocka_unit_test_setup_teardown(test_verdicts_of_a_run, setup_run, teardown_run),
		cmocka_unit_test_setup_teardown(test_two_threads_on_a_machine_that_does_not_scale, setup_run,
						teardown_run),
		cmocka_unit_test_setup_teardown(test_case_keys, setup_run, teardown_run),
		cmocka_unit_test_setup_teardown(test_json_round_trip, setup_run, teardown_run),
		cmocka_unit_test(test_json_rejects_other_files),
		cmocka_unit_test_setup_teardown(test_spread_and_compare, setup_run, teardown_run),
		cmocka_unit_test_setup_teardown(test_tap_is_kselftest_shaped, setup_run, teardown_run),
		cmocka_unit_test(test_memory_probe_is_one_cycle),
	};

	return RUN_TAP(tests, NULL, NULL);
}
