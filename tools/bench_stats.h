/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arithmetic of `pinmm bench`, kept free of timing so that it can be unit
 * tested on synthetic samples: medians and quartiles, paired ratios, the
 * PASS/MISS/UNSURE verdict and the comparison of two runs.
 */
#ifndef PINMM_TOOLS_BENCH_STATS_H
#define PINMM_TOOLS_BENCH_STATS_H

#include <stdbool.h>

/* A distribution of samples: the median and its spread. n == 0: nothing measured. */
struct bench_stat {
	int n;
	double median, q1, q3, min, max;
};

/*
 * The stat of @v[0..n): quartiles by linear interpolation between order
 * statistics (q1 at (n-1)/4, q3 at 3(n-1)/4). NaN and negative samples (a
 * repeat that did not run) are left out.
 */
void bench_stat_of(struct bench_stat *s, const double *v, int n);

/*
 * The stat of the paired ratios a[i] / b[i], over the i where both were
 * measured (> 0): the samples of one repeat were taken moments apart, so their
 * ratio cancels what the machine did in that moment, and the median of the
 * ratios is what a run reports.
 */
void bench_stat_paired(struct bench_stat *s, const double *a, const double *b, int n);

enum bench_status {
	BS_PASS,
	BS_MISS,
	BS_UNSURE,	/* the spread straddles the target, or too few samples */
	BS_NA,		/* not measured */
	BS_MACHINE,	/* not judged: the floor, which shares nothing, misses the target too */
	BS_NR,
};
extern const char *const bench_status_names[BS_NR];

/* Fewer paired samples than this and no verdict is more than UNSURE. */
#define BENCH_MIN_SAMPLES	3

/*
 * Judge @s against @target: with @at_most the target is an upper bound (a
 * ratio to the floor), otherwise a lower bound (a speed-up). PASS or MISS only
 * when the whole interquartile range is on one side of the target.
 */
enum bench_status bench_judge(const struct bench_stat *s, double target, bool at_most);

/*
 * Two runs of one case (unpaired: taken at different times): new / old of
 * the medians, and the widest ratio the two interquartile ranges allow.
 */
struct bench_delta {
	double ratio, lo, hi;
	int change;		/* -1 faster, +1 slower, 0 within the spread */
};
bool bench_delta_of(struct bench_delta *d, const struct bench_stat *old,
		    const struct bench_stat *now);

/*
 * Several runs of one case: how far apart their medians are, max / min.
 * Returns 0 when fewer than two runs measured it.
 */
double bench_medians_spread(const struct bench_stat *runs, int n);

#endif
