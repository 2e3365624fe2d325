/* SPDX-License-Identifier: GPL-2.0-only */
/* Medians, quartiles, paired ratios and verdicts for `pinmm bench`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bench_stats.h"

const char *const bench_status_names[BS_NR] = {
	[BS_PASS] = "PASS",
	[BS_MISS] = "MISS",
	[BS_UNSURE] = "UNSURE",
	[BS_NA] = "NOT MEASURED",
	[BS_MACHINE] = "NOT ON THIS MACHINE",
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-quantile of sorted @v[0..n), n >= 1. */
static double quantile(const double *v, int n, double p)
{
	double pos = p * (n - 1);
	int lo = (int)floor(pos);
	double frac = pos - lo;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (v[lo + 1] - v[lo]) * frac;
}

static void stat_sorted(struct bench_stat *s, double *v, int n)
{
	memset(s, 0, sizeof(*s));
	if (n <= 0)
		return;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	s->n = n;
	s->min = v[0];
	s->max = v[n - 1];
	s->median = quantile(v, n, 0.5);
	s->q1 = quantile(v, n, 0.25);
	s->q3 = quantile(v, n, 0.75);
}

void bench_stat_of(struct bench_stat *s, const double *v, int n)
{
	double *c = n > 0 ? malloc((size_t)n * sizeof(*c)) : NULL;
	int m = 0;

	for (int i = 0; c && i < n; i++)
		if (!isnan(v[i]) && v[i] >= 0)
			c[m++] = v[i];
	stat_sorted(s, c, m);
	free(c);
}

void bench_stat_paired(struct bench_stat *s, const double *a, const double *b, int n)
{
	double *c = n > 0 ? malloc((size_t)n * sizeof(*c)) : NULL;
	int m = 0;

	for (int i = 0; c && i < n; i++)
		if (!isnan(a[i]) && !isnan(b[i]) && a[i] > 0 && b[i] > 0)
			c[m++] = a[i] / b[i];
	stat_sorted(s, c, m);
	free(c);
}

enum bench_status bench_judge(const struct bench_stat *s, double target, bool at_most)
{
	if (!s || s->n == 0)
		return BS_NA;
	if (s->n < BENCH_MIN_SAMPLES)
		return BS_UNSURE;
	if (at_most) {
		if (s->q3 <= target)
			return BS_PASS;
		if (s->q1 > target)
			return BS_MISS;
	} else {
		if (s->q1 >= target)
			return BS_PASS;
		if (s->q3 < target)
			return BS_MISS;
	}
	return BS_UNSURE;
}

bool bench_delta_of(struct bench_delta *d, const struct bench_stat *old,
		    const struct bench_stat *now)
{
	memset(d, 0, sizeof(*d));
	if (!old->n || !now->n || old->median <= 0 || old->q1 <= 0 || old->q3 <= 0)
		return false;
	d->ratio = now->median / old->median;
	d->lo = now->q1 / old->q3;
	d->hi = now->q3 / old->q1;
	d->change = d->hi < 1 ? -1 : d->lo > 1 ? 1 : 0;
	return true;
}

double bench_medians_spread(const struct bench_stat *runs, int n)
{
	double lo = 0, hi = 0;
	int m = 0;

	for (int i = 0; i < n; i++) {
		if (!runs[i].n || runs[i].median <= 0)
			continue;
		if (!m || runs[i].median < lo)
			lo = runs[i].median;
		if (!m || runs[i].median > hi)
			hi = runs[i].median;
		m++;
	}
	return m >= 2 ? hi / lo : 0;
}
