/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's pinning selftests (cow.c, gup_longterm.c, gup_test.c as
 * run_vmtests.sh drives it), translated case by case into
 * tests/kernel-selftests/ with the kernel's answers as their verdicts (see
 * its README.md). Every case runs under every preset on the newest release's
 * mm (the release and every design built on it) and under the release the
 * selftests were taken from (6.12); each cell must be the kernel's answer.
 * The same cases run on the host kernel and
 * must agree with the release preset nearest to it wherever the host can run
 * them. Run from the repository root, as make check does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pinmm/mem/compiler.h>	/* PINMM_TSAN */
#include <pinmm/mem/kernel.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>
#include "../common/host_compare.h"

static const char *const suites[] = {
	"tests/kernel-selftests/cow",
	"tests/kernel-selftests/gup_longterm",
	"tests/kernel-selftests/gup_test",
};

/* What cow.c's run_anon_test_cases() and friends would count, for the report. */
#define MIN_CASES 200


/*
 * The 28 1 GiB hugetlb cases (files *-1048576kb) do what cow.c does, a
 * memset() and comparisons of the whole gigantic page: under ThreadSanitizer
 * one such cell takes about a minute of CPU and 10 GiB of shadow memory on
 * this 2-core machine, more than make check SAN=thread can give 28 of them.
 * They run in the plain and the ASan/UBSan builds (mainline's column, see
 * tests/kernel-selftests/README.md); under TSan this says how many it left
 * out, and tests/gup/test_hugetlb_gigantic runs the PUD paths instead.
 */
static void drop_gigantic_under_tsan(struct scenario_suite *suite)
{
#ifdef PINMM_TSAN
	static const char giga[] = "-1048576kb";
	size_t kept = 0, dropped = 0;

	for (size_t i = 0; i < suite->nr; i++) {
		const char *n = suite->v[i]->name;
		size_t len = strlen(n);

		if (len >= sizeof(giga) - 1 && !strcmp(n + len - (sizeof(giga) - 1), giga)) {
			scenario_free(suite->v[i]);
			dropped++;
		} else {
			suite->v[kept++] = suite->v[i];
		}
	}
	suite->nr = kept;
	print_message("# ThreadSanitizer: %zu 1 GiB hugetlb cases not run here (a minute and "
		      "10 GiB of shadow a cell); the plain and ASan builds run them\n", dropped);
#else
	(void)suite;
#endif
}

static void load(struct scenario_suite *suite, size_t nr)
{
	char err[SCN_ERR_MAX];

	for (size_t i = 0; i < nr; i++)
		if (scenario_suite_add_dir(suite, suites[i], err, sizeof(err)))
			fail_msg("%s", err);
	drop_gigantic_under_tsan(suite);
}

/*
 * The release whose tools/testing/selftests/mm the cases were translated
 * from (tests/kernel-selftests/README.md): its preset must give the same
 * answers as the newest release's mm.
 */
#define SELFTESTS_RELEASE "v6.12"

/*
 * The presets judged (not the host): every one this build can run on the
 * newest release's mm, and the selftests' own release.
 */
static size_t judged_presets(const char **v, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; pin_presets[i] && n < max; i++) {
		const struct pin_preset *p = pin_presets[i];
		const char *k = p->kernel ? p->kernel : KERNEL_NEWEST_RELEASE;

		if ((strcmp(k, KERNEL_NEWEST_RELEASE) && strcmp(p->name, SELFTESTS_RELEASE)) ||
		    !pin_tracker_find(p->tracker))
			continue;
		if (pin_preset_unavailable(p))
			continue;
		v[n++] = p->name;
	}
	return n;
}

/* One preset's column: the cells that differ are printed, the counts returned. */
static void run_column(const struct scenario_suite *suite, const char *preset, size_t out[3])
{
	struct scn_matrix m;

	out[0] = out[1] = out[2] = 0;	/* ran, differ, n/a */
	if (scenario_suite_run(suite, &preset, 1, NULL, &m)) {
		print_message("# %s: scenario_suite_run failed\n", preset);
		out[1]++;
		return;
	}
	for (size_t si = 0; si < suite->nr; si++) {
		const struct scn_matrix_cell *c = scn_matrix_at(&m, si, 0);

		if (c->state == SCN_NOT_RUN)
			continue;
		if (c->state != SCN_RAN) {
			print_message("# %s [%s]: not run\n", suite->v[si]->name, preset);
			out[1]++;
			continue;
		}
		if (c->res.cell == SCN_NA) {
			out[2]++;
			continue;
		}
		out[0]++;
		if (c->res.cell != c->expected || c->res.scenario_error) {
			print_message("# %s [%s]: %s, the kernel says %s (line %u: %s)\n",
				      suite->v[si]->name, preset, scn_cell_names[c->res.cell],
				      scn_cell_names[c->expected], c->res.line, c->res.reason);
			out[1]++;
		}
	}
	scn_matrix_free(&m);
}

/*
 * The columns run in forked workers, a few at a time: a run spends more of
 * its wall time waiting (grace periods at mem_exit()'s rcu_barrier, the host
 * idle) than computing, so workers overlap the waits (765 cases x 13 presets:
 * 96 s with one worker, 59 s with four, on a loaded 2-core machine). Forked
 * before any run, while the process has no RCU callback thread yet (each
 * worker starts its own at its first call_rcu).
 */
#define WORKERS 4

static void test_every_case_gives_the_kernels_answer(void **state)
{
	struct scenario_suite suite = { 0 };
	const char *presets[64];
	size_t nr = judged_presets(presets, 64), ran = 0, differ = 0, na = 0;
	int fds[WORKERS][2];
	pid_t pids[WORKERS];

	(void)state;
	assert_true(nr >= 2);
	assert_non_null(pin_preset_find(SELFTESTS_RELEASE));
	load(&suite, ARRAY_SIZE(suites));
	assert_true(suite.nr >= MIN_CASES);
	fflush(stdout);
	for (int w = 0; w < WORKERS; w++) {
		assert_int_equal(pipe(fds[w]), 0);
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (!pids[w]) {
			size_t sum[3] = { 0, 0, 0 }, col[3];

			close(fds[w][0]);
			for (size_t pi = (size_t)w; pi < nr; pi += WORKERS) {
				run_column(&suite, presets[pi], col);
				for (int k = 0; k < 3; k++)
					sum[k] += col[k];
			}
			fflush(stdout);
			_exit(write(fds[w][1], sum, sizeof(sum)) == (ssize_t)sizeof(sum) ? 0 : 1);
		}
		close(fds[w][1]);
	}
	for (int w = 0; w < WORKERS; w++) {
		size_t sum[3];
		int status;

		assert_int_equal(read(fds[w][0], sum, sizeof(sum)), (ssize_t)sizeof(sum));
		close(fds[w][0]);
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		ran += sum[0];
		differ += sum[1];
		na += sum[2];
	}
	print_message("# %zu selftest cases x %zu presets (%s's mm and %s): %zu cells, %zu differ, "
		      "%zu n/a\n", suite.nr, nr, KERNEL_NEWEST_RELEASE, SELFTESTS_RELEASE, ran, differ, na);
	scenario_suite_free(&suite);
	assert_int_equal(differ, 0);
}

/* cow.c and gup_longterm.c on the running kernel: where the host can run a case, it agrees. */
static void test_host_agrees(void **state)
{
	const char *release = scenario_host_release();
	const char *presets[2] = { SCN_HOST_PRESET, release };
	struct scenario_suite suite = { 0 };
	struct host_tally t;
	struct scn_matrix m;
	char why[160];

	(void)state;
	if (!scenario_host_usable(why, sizeof(why))) {
		print_message("# host: %s\n", why);
		skip();
	}
	load(&suite, 2);
	assert_int_equal(scenario_suite_run(&suite, presets, 2, NULL, &m), 0);
	host_compare(&suite, &m, release, &t);
	print_message("# selftest cases, host vs %s: %zu compared, %zu n/a, %zu differ\n", release,
		      t.compared, t.na, t.differ);
	scn_matrix_free(&m);
	scenario_suite_free(&suite);
	assert_int_equal(t.differ, 0);
	assert_true(t.compared >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_case_gives_the_kernels_answer),
		cmocka_unit_test(test_host_agrees),
	};

	return RUN_TAP(tests, NULL, NULL);
}
