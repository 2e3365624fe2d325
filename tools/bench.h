/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `pinmm bench`: the kernel's gup_test benchmark, run against every preset of
 * the model, the atomic floor and the host kernel's own pin path. Every case
 * of one folio size runs in one process on one machine, interleaved repeat by
 * repeat (A B C ... then ... C B A), so that each ratio is the median of ratios
 * of samples taken moments apart.
 *
 * bench.c        options, the standard set, the order of the cases
 * bench_run.c    the timing harness: threads, barrier, rounds of interleaved arms
 * bench_gup.c    the simulated machine and the gup-layer arms (presets, floor,
 *                the page-lock contender, the accessor micro-cases)
 * bench_floor.c  the atomic floor over the same page tables and mem_map
 * bench_host.c   the host kernel anchor: io_uring fixed buffers, /proc/vmstat
 * bench_mem.c    memory per page of RAM and per pin, declared and measured
 * bench_worker.c --worker children, so two builds (64- and 72-byte struct
 *                page) are measured in one run
 * bench_stats.c  medians, paired ratios, verdicts, deltas (unit tested)
 * bench_report.c the table, verdicts, TAP
 * bench_json.c   the JSON record, --compare, --spread, --plot
 */
#ifndef PINMM_TOOLS_BENCH_H
#define PINMM_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include "bench_stats.h"

/* `pinmm bench ARGS...`: returns the process exit status (2 for a usage error). */
int bench_main(int argc, char **argv);

enum bench_mode {
	BM_PIN_FAST,		/* -a: pin_user_pages_fast() + unpin_user_pages() */
	BM_GUP_FAST,		/* -u: get_user_pages_fast() + put_page() */
	BM_PIN_LONGTERM,	/* -L: pin_user_pages(FOLL_LONGTERM) under mmap_lock */
	BM_MICRO,		/* an accessor timed per call, not a pin */
	BM_NR_MODES,
};
/* The names gup_test prints: "PIN_FAST_BENCHMARK" ... */
extern const char *const bench_mode_names[BM_NR_MODES];
/* Short names for tables and JSON: "pin-fast" ... */
extern const char *const bench_mode_short[BM_NR_MODES];

#define BENCH_MAX_THREADS	64
#define BENCH_MAX_PRESETS	64
#define BENCH_NAME		32
#define BENCH_MAX_SWEEP		16

struct bench_opts {
	unsigned int modes;		/* 1 << enum bench_mode; 0: the standard set */
	bool standard;			/* no -a/-u/-L: the standard set */
	unsigned long size;		/* bytes each thread pins (-m MiB) */
	long nr_per_call;		/* -n; -1: the whole range in one call */
	int repeats;			/* -r: rounds; every case runs once per round */
	int threads;			/* -j; 0: the standard 1 and 2 */
	bool same_range;		/* -j N: every thread pins the one range (gup_test) */
	int thp;			/* -1: both sizes (standard), 0: 4 KiB, 1: 2 MiB */
	bool write;			/* FOLL_WRITE; on by default, as in gup_test */
	bool host;			/* run the io_uring anchor (--no-host: skip) */
	bool shmem;			/* --shmem: a shared memfd mapping, not anonymous memory */
	bool hugetlb;			/* -H: MAP_HUGETLB (2 MiB hugetlb pool folios), as gup_test -H */
	bool floor;			/* run the atomic floor (--no-floor: skip) */
	bool contended;			/* the page-lock contended cases (standard set) */
	bool micro;			/* the page_to_pfn()/page_folio() micro-cases */
	bool memory;			/* memory per page and per pin */
	bool page72;			/* the 72-byte struct page comparison */
	const char *page72_bin;		/* --page72 PATH; NULL: beside this binary */
	int nr_sweep;			/* --sweep: sizes in MiB */
	unsigned long sweep[BENCH_MAX_SWEEP];
	int nr_presets;			/* 0: every preset */
	const char *presets[BENCH_MAX_PRESETS];
	const char *json;		/* --json FILE */
	const char *plot;		/* --plot FILE.svg (its JSON beside it) */
	const char *compare;		/* --compare OLD.json */
	bool tap;			/* --tap: verdicts as kselftest TAP */
	bool quiet;			/* -q: no per-repeat gup_test lines */
	bool worker;			/* --worker: a child of --page72 (bench_worker.c) */
};

enum bench_kind {
	BK_FLOOR,
	BK_HOST,
	BK_GUP,		/* get_user_pages_fast reference (no pin tracking) */
	BK_PRESET,
	BK_MICRO,
	BK_FLOOR_CAS,	/* the floor with a compare-and-exchange for the add and the sub */
	BK_NR_KINDS,
};
extern const char *const bench_kind_names[BK_NR_KINDS];

/* One measured case: one row of the table, one point of the plot. */
struct bench_result {
	char name[BENCH_NAME];		/* "floor", "host", "gup-fast", a preset, an accessor */
	enum bench_kind kind;
	enum bench_mode mode;
	unsigned int order;		/* folio order the range is mapped with: 0 or 9 */
	int threads;
	bool same_range;
	bool contended;			/* a thread locks and unlocks the same pages meanwhile */
	int page_bytes;			/* sizeof(struct page) of the build that measured it */
	bool child;			/* measured by a --worker child (the 72-byte comparison) */
	unsigned long size_mib;		/* per thread */
	unsigned long pages;		/* pages each thread pins per repeat */
	long nr_per_call;
	int cap;			/* samples allocated */
	int repeats;			/* samples taken */
	double *pin, *unpin;		/* ns/page of each repeat (wall time / all pages) */
	double *thr_get_us, *thr_put_us; /* [repeat * threads + tid], for gup_test's lines */
	struct bench_stat pin_st, unpin_st;
	long rss_kib;			/* the process's RSS when the case ran; -1 unknown */
	/* vmstat deltas of the last repeat; -1 when not counted. */
	long foll_pin_acquired, foll_pin_released;
	long expect_pins;		/* what the deltas should be */
	bool pins_mismatch;		/* some repeat's deltas were not expect_pins */
	long not_pinned;		/* pages maybe_dma_pinned() denied (warm-up pass) */
	int err;			/* 0 or -errno: the case did not run */
	char note[256];			/* why it did not run, or a remark */
};

/* Memory a tracker adds, declared by the tracker and measured. */
struct bench_memory {
	char tracker[BENCH_NAME];
	char preset[BENCH_NAME];	/* the preset it was measured through */
	unsigned int declared_per_page, declared_per_pin;
	double heap_per_page, rss_per_page;	/* allocated when it became current */
	double heap_per_pin, rss_per_pin;	/* allocated while a range was pinned */
	long retained_heap;		/* still allocated after the unpin, bytes */
	int err;
};

/* The whole run, in the order the cases were first measured. */
struct bench_run {
	struct bench_opts opts;
	struct bench_result *res;
	int nr, cap;
	struct bench_memory mem[BENCH_MAX_PRESETS];
	int nr_mem;
	char machine[256];		/* CPU model, cores, kernel */
	char host_note[256];		/* why the host anchor did not run, if it did not */
	char page72_note[256];		/* why the 72-byte comparison did not run */
	int page_bytes;			/* sizeof(struct page) here */
};

struct bench_result *bench_add_result(struct bench_run *run);
/* Name the case "pin-fast/4K/x1/mainline" (+ "/contended", "/page72", "/256M"). */
void bench_case_key(const struct bench_result *r, char *buf, size_t len);
/* The result of @kind/@name for a configuration (any name if NULL), or NULL. */
const struct bench_result *bench_find(const struct bench_run *run, enum bench_kind kind,
				      const char *name, enum bench_mode mode,
				      unsigned int order, int threads, bool contended,
				      int page_bytes, unsigned long size_mib);
/* A --worker child's result (the 72-byte comparison), or NULL. */
const struct bench_result *bench_find_child(const struct bench_run *run, enum bench_kind kind,
					    const char *name, enum bench_mode mode,
					    unsigned int order, int page_bytes);
/* The medians and quartiles of every result, from its samples. */
void bench_finish_stats(struct bench_run *run);

/* ---- bench_run.c: the timing harness ---- */

/*
 * A case pins and releases the range of thread @tid. get() returns the number
 * of pages it pinned or -errno; put() releases them. Both run inside the timed
 * window; anything else belongs outside it.
 */
struct bench_case {
	const char *label;		/* "PIN_FAST_BENCHMARK", "FLOOR_BENCHMARK" ... */
	void *ctx;
	long (*get)(void *ctx, int tid);
	int (*put)(void *ctx, int tid);
	/* Optional, untimed: after the warm-up get (gup_test's verify_dma_pinned). */
	int (*check)(void *ctx, int tid);
	/* Optional: counters read before and after each timed repeat (vmstat). */
	void (*counters)(void *ctx, long *acquired, long *released);
};

/* One case of a round: what it runs, on how many threads, where its samples go. */
struct bench_arm {
	struct bench_case c;
	int threads;				/* threads 0..threads-1 take part */
	int (*select)(void *arg);		/* optional, untimed, thread 0, first */
	void (*deselect)(void *arg);		/* optional, untimed, thread 0, last */
	void *arg;
	struct bench_result *r;
};

struct bench_sched {
	int repeats;
	/* An untimed get/check/put before each timed one: every arm starts from its own state. */
	bool warm;
	/* Optional: thread 0 at the start of each round; nonzero stops. */
	int (*before_round)(void *arg, int round);
	/* Optional: thread 0 after each round. */
	void (*after_round)(void *arg, int round);
	void *arg;
};

/*
 * Run every arm once per round on @threads threads (the most any arm uses),
 * in order on even rounds and in reverse on odd ones, for @s->repeats rounds.
 * Fills the samples of each arm's result. Returns 0 or the first -errno a
 * harness operation met; a case's own error is in its result.
 */
int bench_run_rounds(struct bench_arm *arms, int nr_arms, int threads,
		     const struct bench_sched *s);
/* gup_test's "Time: get:N put:N us" lines of @r. */
void bench_print_gup_test_lines(const struct bench_result *r, const char *label);

double bench_now_ns(void);
long bench_rss_kib(void);

/* ---- bench_gup.c: the simulated machine and its arms ---- */

/* Presets known to the pin layer, in their table order; NULL past the end. */
const char *bench_preset_name(int i);
bool bench_preset_exists(const char *name);
bool bench_preset_wanted(const struct bench_opts *o, const char *name);

/*
 * One machine for one folio size, with one process whose anonymous mapping
 * holds a range per thread, and every arm the options ask for on it: the
 * floor, the host anchor, gup-fast, every preset in every mode, 1 and N
 * threads, contended and not, the micro-cases. Runs the rounds and appends
 * the results to @run. @size is per thread; @sched may be NULL (standard).
 */
int bench_gup_config(struct bench_run *run, unsigned int order, unsigned long size,
		     bool sweep, const struct bench_sched *sched);

/* ---- bench_host.c: the host kernel's pin path ---- */

/* Why the host cannot be measured ("" when it can): probed once. */
const char *bench_host_probe(void);
struct host_ctx;
/* Buffers of @size for @threads threads (backed by 2 MiB THP when @order). */
int bench_host_setup(struct host_ctx **hp, unsigned long size, unsigned int order,
		     int threads, bool same_range, char *note, size_t note_len);
void bench_host_teardown(struct host_ctx *h);
/* The arm for @threads threads of @h. */
void bench_host_arm(struct host_ctx *h, struct bench_arm *arm, int threads);
/* /proc/vmstat counter, or -1 when the host has none of that name. */
long bench_host_vmstat(const char *name);

/* ---- bench_mem.c: memory per page and per pin ---- */

struct bench_mem_probe {
	/* Pin and unpin the probe range (thread 0's), n pages. */
	long (*pin)(void *ctx);
	void (*unpin)(void *ctx);
	void *ctx;
	unsigned long ram_pages;
};
void bench_measure_memory(struct bench_run *run, const struct bench_mem_probe *p);

/* ---- bench_worker.c: --worker children and the 72-byte comparison ---- */

/* The child side: run the page72 set, one round per line read. */
int bench_worker_main(struct bench_run *run);
/* The parent side: both builds, interleaved; appends their results. */
void bench_page72(struct bench_run *run, const char *self);
void bench_print_page72(const struct bench_run *run);

/* ---- bench_report.c: output ---- */

void bench_print_table(const struct bench_run *run);
void bench_print_memory(const struct bench_run *run);
void bench_print_micro(const struct bench_run *run);
/* The machine's clock and width probes (bench_cpu.c) and what their spread says. */
void bench_print_cpu(const struct bench_run *run);

struct bench_verdict {
	char id[48];			/* "4k-pin-1.5x-floor" */
	char subject[BENCH_NAME];	/* preset or tracker */
	char what[200];
	struct bench_stat st;		/* of the paired ratio */
	double target;
	bool at_most;
	enum bench_status status;
};
/* Every verdict the run supports; returns how many (at most @max). */
int bench_verdicts(const struct bench_run *run, struct bench_verdict *v, int max);
void bench_print_verdicts(const struct bench_verdict *v, int n);
/* kselftest TAP; returns the number of MISSes. */
int bench_print_tap(FILE *f, const struct bench_verdict *v, int n);

/* ---- bench_json.c ---- */

int bench_write_json(const struct bench_run *run, const struct bench_verdict *v, int nv,
		     const char *path);
/* One case of a JSON record, as --compare and --spread read it back. */
struct bench_loaded {
	char key[128];
	struct bench_stat pin, unpin;
	struct bench_stat pin_vs_floor, unpin_vs_floor;	/* n == 0: not in the record */
};
/* 0 and a malloc'ed array, or -errno (-EINVAL: not a pinmm bench record). */
int bench_read_json(const char *path, struct bench_loaded **out, int *nr);
int bench_compare(const struct bench_run *run, const char *old_path);
/* `pinmm bench --spread A.json B.json ...`: how far apart the runs' medians are. */
int bench_spread_main(int nfiles, char **files, double target);
/* 0, or -errno; -ENOENT when gnuplot is not installed (the data is written anyway). */
int bench_write_plot(const struct bench_run *run, const struct bench_verdict *v, int nv,
		     const char *path);
bool bench_gnuplot_available(void);
void bench_describe_machine(char *buf, size_t len);

#endif
