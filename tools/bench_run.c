/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The timing harness. Every case of one machine is an arm; a round runs every
 * arm once, in order on even rounds and in reverse on odd ones, so that no arm
 * always follows the same neighbour and a slow moment of the shared machine
 * lands on arms next to each other: their ratio in that round cancels it.
 *
 * Each thread times its own get and put phases with CLOCK_MONOTONIC; a
 * phase's time is the wall time from the first active thread's start to the
 * last one's end, so that two threads are only faster than one if they really
 * overlapped. Threads meet at a pthread barrier before each phase and then
 * spin until all active ones have arrived: a thread woken from a futex can
 * start tens of microseconds after the one that released it, which is as long
 * as a whole 2 MiB-folio phase.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"

double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

long bench_rss_kib(void)
{
	long size, rss;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

struct phase_time {
	double g0, g1, p0, p1;
	long got;
};

struct harness {
	struct bench_arm *arms;
	int nr_arms, threads;
	const struct bench_sched *s;
	pthread_barrier_t bar;
	atomic_long arrive;	/* spin rendezvous, counts up forever */
	atomic_int err;		/* first harness -errno */
	atomic_int stop;
	pthread_mutex_t gate_lock;	/* workers wait here until all exist */
	pthread_cond_t gate;
	bool go;
	struct phase_time *t;	/* [tid], this arm's repeat */
	int arm_err;		/* select() of the current arm failed */
	long acq0, rel0;
};

struct worker {
	struct harness *h;
	int tid;
	pthread_t thread;
	long spins;		/* spin rendezvous this thread has passed */
};

/*
 * Every thread meets; then the @active first ones spin until every thread has
 * counted itself in. Each rendezvous adds exactly h->threads to the counter,
 * so it is a multiple of h->threads whenever one starts.
 */
static void rendezvous(struct worker *w, int active)
{
	struct harness *h = w->h;
	long old, target;
	int n = 0;

	pthread_barrier_wait(&h->bar);
	if (h->threads == 1)
		return;
	old = atomic_fetch_add_explicit(&h->arrive, 1, memory_order_acq_rel);
	if (active <= 1 || w->tid >= active)
		return;
	target = (old / h->threads + 1) * h->threads;
	while (atomic_load_explicit(&h->arrive, memory_order_acquire) < target) {
		/* More threads than cores: let the late one run. */
		if (++n > 4096) {
			sched_yield();
			n = 0;
		}
	}
}

/*
 * One thread per CPU, round robin over the CPUs we may use. Left to itself the
 * scheduler starts a new thread on its parent's CPU and balances it away only
 * after milliseconds, which is longer than a whole phase: two "parallel"
 * threads then run one after the other.
 */
static void bind_cpu(int tid)
{
	cpu_set_t allowed, one;
	int n = 0, want;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return;
	want = tid % CPU_COUNT(&allowed);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		if (n++ == want) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
			return;
		}
	}
}

static double wall(const struct phase_time *t, int active, bool put)
{
	double lo = put ? t[0].p0 : t[0].g0, hi = put ? t[0].p1 : t[0].g1;

	for (int i = 1; i < active; i++) {
		double a = put ? t[i].p0 : t[i].g0, b = put ? t[i].p1 : t[i].g1;

		if (a < lo)
			lo = a;
		if (b > hi)
			hi = b;
	}
	return hi - lo;
}

static void note_once(struct bench_result *r, const char *msg)
{
	if (!strstr(r->note, msg)) {
		size_t l = strlen(r->note);

		snprintf(r->note + l, sizeof(r->note) - l, "%s%s", l ? "; " : "", msg);
	}
}

/* Thread 0, after the arm's timed repeat: one sample. */
static void record(struct harness *h, struct bench_arm *a, int round)
{
	struct bench_result *r = a->r;
	double total = (double)a->threads * (double)r->pages;
	bool short_got = false;

	if (round >= r->cap || r->err)
		return;
	for (int t = 0; t < a->threads; t++) {
		if (h->t[t].got < 0) {
			r->err = (int)h->t[t].got;
			snprintf(r->note, sizeof(r->note), "%s failed: %s", bench_mode_short[r->mode],
				 strerror((int)-h->t[t].got));
			return;
		}
		short_got |= (unsigned long)h->t[t].got != r->pages;
		r->thr_get_us[round * r->threads + t] = (h->t[t].g1 - h->t[t].g0) / 1000;
		r->thr_put_us[round * r->threads + t] = (h->t[t].p1 - h->t[t].p0) / 1000;
	}
	if (short_got)
		note_once(r, "truncated: a call pinned fewer pages than asked");
	r->pin[round] = wall(h->t, a->threads, false) / total;
	r->unpin[round] = wall(h->t, a->threads, true) / total;
	r->repeats = round + 1;
	if (a->c.counters) {
		long acq1, rel1;

		a->c.counters(a->c.ctx, &acq1, &rel1);
		r->foll_pin_acquired = h->acq0 < 0 || acq1 < 0 ? -1 : acq1 - h->acq0;
		r->foll_pin_released = h->rel0 < 0 || rel1 < 0 ? -1 : rel1 - h->rel0;
		if (r->foll_pin_acquired != r->expect_pins || r->foll_pin_released != r->expect_pins)
			r->pins_mismatch = true;
	}
}

static void run_arm(struct worker *w, struct bench_arm *a, int round)
{
	struct harness *h = w->h;
	bool active = w->tid < a->threads;
	struct phase_time *t = &h->t[w->tid];

	pthread_barrier_wait(&h->bar);
	if (w->tid == 0) {
		h->arm_err = a->r->err;
		if (!h->arm_err && a->select)
			h->arm_err = a->select(a->arg);
		if (h->arm_err && !a->r->err) {
			a->r->err = h->arm_err;
			snprintf(a->r->note, sizeof(a->r->note), "could not be selected: %s",
				 strerror(-h->arm_err));
		}
	}
	pthread_barrier_wait(&h->bar);
	if (h->arm_err)
		return;

	if (h->s->warm) {
		long got = active ? a->c.get(a->c.ctx, w->tid) : 0;

		if (got > 0 && a->c.check)
			a->c.check(a->c.ctx, w->tid);
		if (got > 0)
			a->c.put(a->c.ctx, w->tid);
		pthread_barrier_wait(&h->bar);
	}
	if (w->tid == 0 && a->c.counters)
		a->c.counters(a->c.ctx, &h->acq0, &h->rel0);

	rendezvous(w, a->threads);
	if (active) {
		t->g0 = bench_now_ns();
		t->got = a->c.get(a->c.ctx, w->tid);
		t->g1 = bench_now_ns();
	}
	rendezvous(w, a->threads);
	if (active) {
		t->p0 = bench_now_ns();
		if (t->got > 0)
			a->c.put(a->c.ctx, w->tid);
		t->p1 = bench_now_ns();
	}
	pthread_barrier_wait(&h->bar);
	if (w->tid == 0) {
		record(h, a, round);
		if (a->deselect)
			a->deselect(a->arg);
	}
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct harness *h = w->h;

	if (h->threads > 1)
		bind_cpu(w->tid);
	pthread_mutex_lock(&h->gate_lock);
	while (!h->go)
		pthread_cond_wait(&h->gate, &h->gate_lock);
	pthread_mutex_unlock(&h->gate_lock);
	if (atomic_load(&h->err))
		return NULL;

	for (int round = 0; round < h->s->repeats; round++) {
		pthread_barrier_wait(&h->bar);
		if (w->tid == 0 && h->s->before_round && h->s->before_round(h->s->arg, round))
			atomic_store(&h->stop, 1);
		pthread_barrier_wait(&h->bar);
		if (atomic_load(&h->stop))
			break;
		for (int k = 0; k < h->nr_arms; k++)
			run_arm(w, &h->arms[round & 1 ? h->nr_arms - 1 - k : k], round);
		pthread_barrier_wait(&h->bar);
		if (w->tid == 0 && h->s->after_round)
			h->s->after_round(h->s->arg, round);
	}
	return NULL;
}

int bench_run_rounds(struct bench_arm *arms, int nr_arms, int threads,
		     const struct bench_sched *s)
{
	struct harness h;
	struct worker *w;
	int started = 0, ret;

	if (threads < 1 || threads > BENCH_MAX_THREADS || s->repeats < 1 || nr_arms < 1)
		return -EINVAL;
	for (int i = 0; i < nr_arms; i++)
		if (arms[i].threads < 1 || arms[i].threads > threads)
			return -EINVAL;
	memset(&h, 0, sizeof(h));
	h.arms = arms;
	h.nr_arms = nr_arms;
	h.threads = threads;
	h.s = s;
	h.t = calloc((size_t)threads, sizeof(*h.t));
	w = calloc((size_t)threads, sizeof(*w));
	if (!h.t || !w) {
		free(h.t);
		free(w);
		return -ENOMEM;
	}
	pthread_barrier_init(&h.bar, NULL, (unsigned int)threads);
	pthread_mutex_init(&h.gate_lock, NULL);
	pthread_cond_init(&h.gate, NULL);
	for (int t = 0; t < threads; t++) {
		w[t].h = &h;
		w[t].tid = t;
		if (pthread_create(&w[t].thread, NULL, worker_fn, &w[t])) {
			/* The ones already started leave at the gate. */
			atomic_store(&h.err, -EAGAIN);
			break;
		}
		started++;
	}
	pthread_mutex_lock(&h.gate_lock);
	h.go = true;
	pthread_cond_broadcast(&h.gate);
	pthread_mutex_unlock(&h.gate_lock);
	for (int t = 0; t < started; t++)
		pthread_join(w[t].thread, NULL);
	pthread_barrier_destroy(&h.bar);
	pthread_mutex_destroy(&h.gate_lock);
	pthread_cond_destroy(&h.gate);
	ret = atomic_load(&h.err);
	free(h.t);
	free(w);
	return ret;
}

void bench_print_gup_test_lines(const struct bench_result *r, const char *label)
{
	for (int rep = 0; rep < r->repeats; rep++)
		for (int t = 0; t < r->threads; t++)
			/* gup_test's line, with its microsecond truncation. */
			printf("%s: Time: get:%lld put:%lld us\n", label,
			       (long long)r->thr_get_us[rep * r->threads + t],
			       (long long)r->thr_put_us[rep * r->threads + t]);
}
