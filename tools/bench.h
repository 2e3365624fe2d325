/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `pinmm bench`: the kernel's gup_test benchmark, run against every preset of the
 * model, the atomic floor and the host kernel's own pin path, all in one run so
 * that each number is read as a ratio to references measured beside it.
 *
 * bench.c        options, the standard set, the order of the cases
 * bench_run.c    the timing harness: threads, barrier, best of -r repeats
 * bench_gup.c    the simulated machine and the gup-layer cases (presets)
 * bench_floor.c  the atomic floor over the same page tables and mem_map
 * bench_host.c   the host kernel anchor: io_uring fixed buffers, /proc/vmstat
 * bench_report.c the gup_test lines, ratios, verdicts, --json and --plot
 */
#ifndef PINMM_TOOLS_BENCH_H
#define PINMM_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdio.h>

/* `pinmm bench ARGS...`: returns the process exit status (2 for a usage error). */
int bench_main(int argc, char **argv);

enum bench_mode {
	BM_PIN_FAST,		/* -a: pin_user_pages_fast() + unpin_user_pages() */
	BM_GUP_FAST,		/* -u: get_user_pages_fast() + put_page() */
	BM_PIN_LONGTERM,	/* -L: pin_user_pages(FOLL_LONGTERM) under mmap_lock */
	BM_NR_MODES,
};
/* The names gup_test prints: "PIN_FAST_BENCHMARK" ... */
extern const char *const bench_mode_names[BM_NR_MODES];
/* Short names for tables and JSON: "pin-fast" ... */
extern const char *const bench_mode_short[BM_NR_MODES];

#define BENCH_MAX_THREADS	64
#define BENCH_MAX_PRESETS	32
#define BENCH_NAME		32

struct bench_opts {
	unsigned int modes;		/* 1 << enum bench_mode; 0: the standard set */
	unsigned long size;		/* bytes each thread pins (-m MiB) */
	long nr_per_call;		/* -n; -1: the whole range in one call */
	int repeats;			/* -r; the best repeat is reported */
	int threads;			/* -j; 0: the standard 1 and 2 */
	bool same_range;		/* -J: every thread pins the same range */
	int thp;			/* -1: both sizes (standard), 0: 4 KiB, 1: 2 MiB */
	bool write;			/* FOLL_WRITE; on by default, as in gup_test */
	bool host;			/* run the io_uring anchor (--no-host: skip) */
	bool floor;			/* run the atomic floor (--no-floor: skip) */
	int nr_presets;			/* 0: every preset */
	const char *presets[BENCH_MAX_PRESETS];
	const char *json;		/* --json FILE */
	const char *plot;		/* --plot FILE.svg */
	bool quiet;			/* -q: no per-repeat gup_test lines */
};

enum bench_kind {
	BK_FLOOR,
	BK_HOST,
	BK_GUP,		/* get_user_pages_fast reference (no pin tracking) */
	BK_PRESET,
	BK_NR_KINDS,
};
extern const char *const bench_kind_names[BK_NR_KINDS];

/* One measured case: one row of the table, one point of the plot. */
struct bench_result {
	char name[BENCH_NAME];		/* "floor", "host", "gup-fast", or a preset */
	enum bench_kind kind;
	enum bench_mode mode;
	unsigned int order;		/* folio order the range is mapped with: 0 or 9 */
	int threads;
	bool same_range;
	unsigned long pages;		/* pages each thread pins per repeat */
	long nr_per_call;
	int repeats;
	/* Best repeat, wall time of the phase over all threads, nanoseconds. */
	double get_ns, put_ns;
	/* Inverse throughput: wall time / (threads * pages). */
	double pin_ns_page, unpin_ns_page;
	/* vmstat deltas over the best repeat; -1 when not known. */
	long foll_pin_acquired, foll_pin_released;
	long expect_pins;		/* what the deltas should be */
	int err;			/* 0 or -errno: the case did not run */
	char note[256];			/* why it did not run, or a remark */
};

/* The whole run, in the order the cases were measured. */
struct bench_run {
	struct bench_opts opts;
	struct bench_result *res;
	int nr, cap;
	char machine[256];		/* CPU model, cores, kernel */
	char host_note[256];		/* why the host anchor did not run, if it did not */
};

struct bench_result *bench_add_result(struct bench_run *run);
/* The result of @kind/@name for a configuration, or NULL. */
const struct bench_result *bench_find(const struct bench_run *run, enum bench_kind kind,
				      const char *name, enum bench_mode mode,
				      unsigned int order, int threads);

/* ---- bench_run.c: the timing harness ---- */

/*
 * A case pins and releases the range of thread @tid. get() returns the number
 * of pages it pinned or -errno; put() releases them. Both run inside the timed
 * window; anything else belongs in prepare()/finish(), outside it.
 */
struct bench_case {
	const char *label;		/* "PIN_FAST_BENCHMARK", "FLOOR_BENCHMARK" ... */
	void *ctx;
	int (*prepare)(void *ctx, int tid);	/* optional, untimed, per repeat */
	long (*get)(void *ctx, int tid);
	int (*put)(void *ctx, int tid);
	/* Optional, untimed, between get and put (gup_test's verify_dma_pinned). */
	int (*check)(void *ctx, int tid);
	void (*finish)(void *ctx, int tid);	/* optional, untimed, per repeat */
	/* Optional: counters read before and after each repeat (vmstat). */
	void (*counters)(void *ctx, long *acquired, long *released);
};

/*
 * Run @c on @threads threads for @repeats repeats; every repeat prints one
 * gup_test line per thread unless @quiet. Fills the timing fields of @r with
 * the best repeat. Returns 0 or the first -errno a thread met.
 */
int bench_time_case(const struct bench_case *c, int threads, int repeats, bool quiet,
		    struct bench_result *r);

double bench_now_ns(void);

/* ---- bench_gup.c: the simulated machine and the gup-layer cases ---- */

/* Presets known to the pin layer, in their table order; NULL past the end. */
const char *bench_preset_name(int i);
bool bench_preset_exists(const char *name);

/*
 * Bring up a machine with one process whose anonymous mapping holds
 * @threads ranges of opts->size bytes (one shared range with -J), populated,
 * and 2 MiB folios when @order is 9. Then measure every requested preset and
 * the gup-fast reference and the floor on it, appending to @run.
 */
int bench_gup_config(struct bench_run *run, unsigned int order, int threads);

/* ---- bench_floor.c: the atomic floor (bench_floor.h) ---- */

/* ---- bench_host.c: the host kernel's pin path ---- */

/* Why the host cannot be measured ("" when it can): probed once. */
const char *bench_host_probe(void);
/*
 * Register @threads fixed buffers of opts->size bytes with io_uring (one per
 * thread; the same one with -J), backed by 4 KiB or 2 MiB (THP) pages, and
 * time registration (get) and unregistration (put). Appends one result.
 */
int bench_host_config(struct bench_run *run, unsigned int order, int threads);
/* /proc/vmstat counter, or -1 when the host has none of that name. */
long bench_host_vmstat(const char *name);

/* ---- bench_report.c: output ---- */

void bench_print_case_header(const struct bench_result *r);
void bench_print_summary_line(const struct bench_run *run, const struct bench_result *r);
void bench_print_table(const struct bench_run *run);
/* One line per target and preset; returns how many targets were missed. */
int bench_print_verdicts(const struct bench_run *run);
int bench_write_json(const struct bench_run *run, const char *path);
/* 0, or -errno; -ENOENT when gnuplot is not installed. */
int bench_write_plot(const struct bench_run *run, const char *path);
bool bench_gnuplot_available(void);
void bench_describe_machine(char *buf, size_t len);

#endif
