/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `pinmm bench`: options (gup_test's where they mean the same), the standard
 * set, and the order in which it runs: per folio size one machine, on which
 * every case runs once per round, interleaved; then the 72-byte struct page
 * comparison through two children; then the size sweep if asked for.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pinmm/mem/mm_types.h>
#include "bench.h"

#define MIB		(1UL << 20)
#define MAX_RESULTS	2048

static void usage(FILE *f)
{
	fprintf(f,
"usage: pinmm bench [-a|-u|-L] [-m MiB] [-n pages] [-r repeats] [-j threads] [--disjoint]\n"
"                   [-t|-H|-T] [-S] [-f /dev/zero] [-w|-W] [-q] [--preset NAME[,NAME...]]\n"
"                   [--json FILE] [--plot FILE.svg] [--compare OLD.json] [--tap]\n"
"                   [--sweep[=MiB,MiB...]] [--[no-]contended] [--[no-]micro]\n"
"                   [--[no-]memory] [--page72[=PINMM]] [--no-page72] [--no-host] [--no-floor]\n"
"                   [--shmem]\n"
"       pinmm bench --spread A.json B.json ...\n"
"\n"
"Options as the kernel's gup_test has them:\n"
"  -a             PIN_FAST_BENCHMARK: pin_user_pages_fast() + unpin_user_pages()\n"
"  -u             GUP_FAST_BENCHMARK: get_user_pages_fast() + put_page()\n"
"  -L             PIN_LONGTERM_BENCHMARK: pin_user_pages(FOLL_LONGTERM) under mmap_lock\n"
"  -m MiB         size each thread pins (default 128, as gup_test)\n"
"  -n pages       pages per call, -1 for all in one call (default 512; gup_test: 1)\n"
"  -r repeats     rounds; every case runs once per round (default 10; gup_test: 1)\n"
"  -j threads     threads, all pinning the one range, as gup_test's do\n"
"  -t             2 MiB folios (PMD-mapped THP)\n"
"  -H             2 MiB hugetlb folios (MAP_HUGETLB, from a pool sized to the range)\n"
"  -T             4 KiB folios\n"
"  -w / -W        with / without FOLL_WRITE (default with, as gup_test)\n"
"  -S             MAP_SHARED: of /dev/zero, that is shmem (the same as --shmem)\n"
"  -f FILE        the file gup_test maps: only /dev/zero, its default (docs/performance.md)\n"
"pinmm's own:\n"
"  --disjoint     with -j: each thread pins a range of its own\n"
"  --preset NAME  only these presets (repeatable, or comma-separated; default all)\n"
"  --json FILE    every sample, median, paired ratio and verdict as JSON\n"
"  --plot FILE    FILE's data as JSON (FILE.svg -> FILE.json), then an SVG through gnuplot\n"
"  --compare OLD  a table of changes against an earlier --json record\n"
"  --tap          the verdicts as kselftest TAP (exit 1 if a target is missed)\n"
"  --sweep[=LIST] also 4 KiB pin-fast at each size (default 64,256,1024,4096,8192 MiB)\n"
"  --contended    a thread locks and unlocks the pinned pages meanwhile (standard set)\n"
"  --micro        page_to_pfn() and page_folio() per call (standard set)\n"
"  --memory       memory per page and per pin of each tracker (standard set)\n"
"  --page72[=BIN] struct page of 72 vs 64 bytes, from a `make PAGE=72` build (standard set)\n"
"  --shmem        pin a shared memfd (shmem) mapping instead of anonymous memory (-S)\n"
"  --no-host      skip the host kernel's io_uring anchor\n"
"  --no-floor     skip the atomic floor (and the CAS floor beside it)\n"
"  -q             no per-repeat gup_test lines\n"
"  --spread A B.. how far apart the medians of several --json records are (target 10%%)\n"
"\n"
"With no -a/-u/-L the standard set runs: for 4 KiB and 2 MiB folios, 1 and 2 threads,\n"
"the floor (1 thread: also the CAS floor, a load and a cmpxchg where the floor has a\n"
"blind add), the host, gup-fast, and pin-fast and -L under every preset, interleaved\n"
"round by round; the contended and micro cases, memory, and the 72-byte comparison.\n"
"With one, only that mode runs, on 4 KiB folios (-t: 2 MiB) and -j threads (1).\n"
"The standard set's 2-thread cases pin disjoint ranges.\n");
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "pinmm bench: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'pinmm bench --help'.\n");
	return 2;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int add_presets(struct bench_opts *o, char *list)
{
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			o->nr_presets = 0;
			continue;
		}
		if (o->nr_presets == BENCH_MAX_PRESETS)
			return bad("too many presets: %s", tok);
		o->presets[o->nr_presets++] = tok;
	}
	return 0;
}

static int add_sweep(struct bench_opts *o, char *list)
{
	o->nr_sweep = 0;
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long v;

		if (!parse_long(tok, 1, 65536, &v))
			return bad("--sweep takes sizes in MiB from 1 to 65536, not '%s'", tok);
		if (o->nr_sweep == BENCH_MAX_SWEEP)
			return bad("--sweep takes at most 16 sizes: %s", tok);
		o->sweep[o->nr_sweep++] = (unsigned long)v;
	}
	return 0;
}

enum {
	OPT_PRESET = 256,
	OPT_JSON,
	OPT_PLOT,
	OPT_COMPARE,
	OPT_TAP,
	OPT_SWEEP,
	OPT_CONTENDED,
	OPT_NO_CONTENDED,
	OPT_MICRO,
	OPT_NO_MICRO,
	OPT_MEMORY,
	OPT_NO_MEMORY,
	OPT_PAGE72,
	OPT_NO_PAGE72,
	OPT_NO_HOST,
	OPT_SHMEM,
	OPT_DISJOINT,
	OPT_NO_FLOOR,
	OPT_WORKER,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{ "preset", required_argument, NULL, OPT_PRESET },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "tap", no_argument, NULL, OPT_TAP },
	{ "sweep", optional_argument, NULL, OPT_SWEEP },
	{ "contended", no_argument, NULL, OPT_CONTENDED },
	{ "no-contended", no_argument, NULL, OPT_NO_CONTENDED },
	{ "micro", no_argument, NULL, OPT_MICRO },
	{ "no-micro", no_argument, NULL, OPT_NO_MICRO },
	{ "memory", no_argument, NULL, OPT_MEMORY },
	{ "no-memory", no_argument, NULL, OPT_NO_MEMORY },
	{ "page72", optional_argument, NULL, OPT_PAGE72 },
	{ "no-page72", no_argument, NULL, OPT_NO_PAGE72 },
	{ "no-host", no_argument, NULL, OPT_NO_HOST },
	{ "shmem", no_argument, NULL, OPT_SHMEM },
	{ "disjoint", no_argument, NULL, OPT_DISJOINT },
	{ "no-floor", no_argument, NULL, OPT_NO_FLOOR },
	{ "worker", no_argument, NULL, OPT_WORKER },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* 0 to go on, 1 for --help, or the exit status of a usage error. */
static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	int contended = -1, micro = -1, memory = -1, page72 = -1;
	bool gave_threads = false, disjoint = false;
	long v;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->size = 128 * MIB;
	o->nr_per_call = 512;
	o->repeats = 10;
	o->thp = -1;
	o->write = true;
	o->host = true;
	o->floor = true;

	optind = 0;	/* glibc: rescan from argv[1] even if pinmm used getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":aulm:n:r:j:f:LtTHSwWqh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->modes |= 1u << BM_PIN_FAST;
			break;
		case 'u':
			o->modes |= 1u << BM_GUP_FAST;
			break;
		case 'L':
			o->modes |= 1u << BM_PIN_LONGTERM;
			break;
		case 'm':
			if (!parse_long(optarg, 1, 16384, &v))
				return bad("-m takes a size in MiB from 1 to 16384, not '%s'", optarg);
			o->size = (unsigned long)v * MIB;
			break;
		case 'n':
			if (!parse_long(optarg, -1, 1L << 30, &v) || v == 0)
				return bad("-n takes a number of pages per call (or -1 for all), not '%s'",
					   optarg);
			o->nr_per_call = v;
			break;
		case 'r':
			if (!parse_long(optarg, 1, 10000, &v))
				return bad("-r takes a number of repeats from 1 to 10000, not '%s'", optarg);
			o->repeats = (int)v;
			break;
		case 'j':
			if (!parse_long(optarg, 1, BENCH_MAX_THREADS, &v))
				return bad("-j takes a number of threads from 1 to 64, not '%s'", optarg);
			o->threads = (int)v;
			gave_threads = true;
			break;
		case OPT_DISJOINT:
			disjoint = true;
			break;
		case 'f':
			/*
			 * gup_test maps /dev/zero unless told otherwise. The model
			 * has no host path to map; its file-backed memory (blkfs,
			 * shmem) is reached through -S and the scenarios.
			 */
			if (strcmp(optarg, "/dev/zero"))
				return bad("-f: the model maps no host files, only /dev/zero "
					   "(anonymous, or shmem with -S), not '%s'", optarg);
			break;
		case 'S':
			o->shmem = true;
			break;
		case 't':
			o->thp = 1;
			break;
		case 'H':
			o->thp = 1;
			o->hugetlb = true;
			break;
		case 'T':
			o->thp = 0;
			break;
		case 'w':
			o->write = true;
			break;
		case 'W':
			o->write = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_PRESET:
			if ((r = add_presets(o, optarg)))
				return r;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_COMPARE:
			o->compare = optarg;
			break;
		case OPT_TAP:
			o->tap = true;
			break;
		case OPT_SWEEP: {
			char def[] = "64,256,1024,4096,8192";

			if ((r = add_sweep(o, optarg ? optarg : def)))
				return r;
			break;
		}
		case OPT_CONTENDED:
		case OPT_NO_CONTENDED:
			contended = c == OPT_CONTENDED;
			break;
		case OPT_MICRO:
		case OPT_NO_MICRO:
			micro = c == OPT_MICRO;
			break;
		case OPT_MEMORY:
		case OPT_NO_MEMORY:
			memory = c == OPT_MEMORY;
			break;
		case OPT_PAGE72:
			page72 = 1;
			o->page72_bin = optarg;
			break;
		case OPT_NO_PAGE72:
			page72 = 0;
			break;
		case OPT_NO_HOST:
			o->host = false;
			break;
		case OPT_SHMEM:
			o->shmem = true;
			break;
		case OPT_NO_FLOOR:
			o->floor = false;
			break;
		case OPT_WORKER:
			o->worker = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 1;
		case ':':
			return bad("option %s needs an argument", argv[optind - 1]);
		default:
			if (optopt > ' ' && optopt < 127) {
				char opt[3] = { '-', (char)optopt, 0 };

				return bad("unknown option %s", opt);
			}
			return bad("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	/* gup_test's threads share one range; --disjoint gives each its own. */
	o->same_range = gave_threads && o->threads > 1 && !disjoint;
	if (o->nr_per_call > 0 && (unsigned long)o->nr_per_call > o->size / 4096)
		o->nr_per_call = -1;
	/* The standard set has every part; a gup_test-style run only what it names. */
	bool standard = !o->modes;

	o->standard = standard;
	o->contended = contended >= 0 ? contended : standard;
	o->micro = micro >= 0 ? micro : standard;
	o->memory = memory >= 0 ? memory : standard;
	o->page72 = page72 >= 0 ? page72 : standard;
	for (int i = 0; i < o->nr_presets; i++)
		if (!bench_preset_exists(o->presets[i])) {
			fprintf(stderr, "pinmm bench: no preset '%s'; presets:", o->presets[i]);
			for (int j = 0; bench_preset_name(j); j++)
				fprintf(stderr, " %s", bench_preset_name(j));
			fprintf(stderr, "\n");
			return 2;
		}
	return 0;
}

static struct bench_run *the_run;

struct bench_result *bench_add_result(struct bench_run *run)
{
	struct bench_result *r;
	int cap = run->opts.repeats, maxt = run->opts.threads > 2 ? run->opts.threads : 2;

	/* Fixed capacity: callers keep pointers to earlier results. */
	if (run->nr == run->cap)
		return NULL;
	r = &run->res[run->nr];
	memset(r, 0, sizeof(*r));
	r->pin = calloc((size_t)cap, sizeof(double));
	r->unpin = calloc((size_t)cap, sizeof(double));
	r->thr_get_us = calloc((size_t)cap * (size_t)maxt, sizeof(double));
	r->thr_put_us = calloc((size_t)cap * (size_t)maxt, sizeof(double));
	if (!r->pin || !r->unpin || !r->thr_get_us || !r->thr_put_us) {
		free(r->pin);
		free(r->unpin);
		free(r->thr_get_us);
		free(r->thr_put_us);
		return NULL;
	}
	run->nr++;
	r->cap = cap;
	r->page_bytes = run->page_bytes;
	r->foll_pin_acquired = r->foll_pin_released = -1;
	r->rss_kib = -1;
	return r;
}

void bench_case_key(const struct bench_result *r, char *buf, size_t len)
{
	char size[24] = "", page[16] = "";

	if (r->size_mib && the_run && r->size_mib != the_run->opts.size >> 20)
		snprintf(size, sizeof(size), "/%luM", r->size_mib);
	if (r->child)
		snprintf(page, sizeof(page), "/page%d", r->page_bytes);
	snprintf(buf, len, "%s/%s/x%d%s/%s%s%s%s", bench_mode_short[r->mode], r->order ? "2M" : "4K",
		 r->threads, r->same_range ? "/one-range" : "", r->name,
		 r->contended ? "/contended" : "", page, size);
}

const struct bench_result *bench_find(const struct bench_run *run, enum bench_kind kind,
				      const char *name, enum bench_mode mode,
				      unsigned int order, int threads, bool contended,
				      int page_bytes, unsigned long size_mib)
{
	for (int i = 0; i < run->nr; i++) {
		const struct bench_result *r = &run->res[i];

		if (r->kind == kind && r->mode == mode && r->order == order &&
		    r->threads == threads && r->contended == contended &&
		    r->page_bytes == page_bytes && r->size_mib == size_mib && !r->child &&
		    (!name || !strcmp(r->name, name)))
			return r;
	}
	return NULL;
}

const struct bench_result *bench_find_child(const struct bench_run *run, enum bench_kind kind,
					    const char *name, enum bench_mode mode,
					    unsigned int order, int page_bytes)
{
	for (int i = 0; i < run->nr; i++) {
		const struct bench_result *r = &run->res[i];

		if (r->child && r->kind == kind && r->mode == mode && r->order == order &&
		    r->page_bytes == page_bytes && (!name || !strcmp(r->name, name)))
			return r;
	}
	return NULL;
}

void bench_finish_stats(struct bench_run *run)
{
	for (int i = 0; i < run->nr; i++) {
		struct bench_result *r = &run->res[i];

		bench_stat_of(&r->pin_st, r->pin, r->repeats);
		bench_stat_of(&r->unpin_st, r->unpin, r->repeats);
	}
}

static void free_run(struct bench_run *run)
{
	for (int i = 0; i < run->nr; i++) {
		free(run->res[i].pin);
		free(run->res[i].unpin);
		free(run->res[i].thr_get_us);
		free(run->res[i].thr_put_us);
	}
	free(run->res);
	the_run = NULL;
}

int bench_main(int argc, char **argv)
{
	struct bench_run run;
	unsigned int orders[2];
	int nr_orders = 0;
	int ret, status = 0;

	if (argc >= 2 && !strcmp(argv[1], "--spread")) {
		if (argc < 4) {
			fprintf(stderr, "pinmm bench: --spread needs two or more JSON records\n");
			return 2;
		}
		return bench_spread_main(argc - 2, argv + 2, 1.10);
	}
	memset(&run, 0, sizeof(run));
	ret = parse_opts(argc, argv, &run.opts);
	if (ret)
		return ret == 1 ? 0 : ret;
	run.page_bytes = (int)sizeof(struct page);

	/* 2 MiB folios need whole PMDs: a smaller or odd size would pin 4 KiB pages. */
	if ((run.opts.thp == 1 || (run.opts.thp == -1 && !run.opts.modes)) &&
	    run.opts.size % (2 * MIB)) {
		fprintf(stderr, "pinmm bench: 2 MiB folios need -m to be a multiple of 2 (MiB), not %lu\n",
			run.opts.size / MIB);
		return 2;
	}
	if (run.opts.hugetlb && run.opts.shmem) {
		fprintf(stderr, "pinmm bench: -H maps anonymous hugetlb memory; --shmem is a memfd: pick one\n");
		return 2;
	}
	if (run.opts.thp == 1) {
		orders[nr_orders++] = 9;
	} else {
		orders[nr_orders++] = 0;
		if (run.opts.thp == -1 && !run.opts.modes)
			orders[nr_orders++] = 9;
	}
	if (!run.opts.modes)
		run.opts.modes = 1u << BM_PIN_FAST | 1u << BM_GUP_FAST | 1u << BM_PIN_LONGTERM;

	run.cap = MAX_RESULTS;
	run.res = calloc(MAX_RESULTS, sizeof(*run.res));
	if (!run.res) {
		fprintf(stderr, "pinmm bench: out of memory\n");
		return 1;
	}
	the_run = &run;
	bench_describe_machine(run.machine, sizeof(run.machine));
	if (run.opts.worker) {
		ret = bench_worker_main(&run);
		free_run(&run);
		return ret;
	}
	printf("pinmm bench: %s\n", run.machine);
	printf("pinmm bench: %lu MiB per thread, %ld pages per call, %d rounds, %s, struct page %d bytes\n",
	       run.opts.size >> 20, run.opts.nr_per_call, run.opts.repeats,
	       run.opts.write ? "FOLL_WRITE" : "read-only", run.page_bytes);
	if (run.opts.host) {
		const char *why = bench_host_probe();

		if (*why) {
			snprintf(run.host_note, sizeof(run.host_note), "%s", why);
			printf("pinmm bench: host anchor not available: %s\n", why);
		} else if (bench_host_vmstat("nr_foll_pin_acquired") < 0) {
			printf("pinmm bench: host /proc/vmstat has no nr_foll_pin_acquired; "
			       "host pins are timed but not proven\n");
		}
	} else {
		snprintf(run.host_note, sizeof(run.host_note), "skipped (--no-host)");
	}

	for (int oi = 0; oi < nr_orders; oi++) {
		ret = bench_gup_config(&run, orders[oi], run.opts.size, false, NULL);
		if (ret) {
			fprintf(stderr, "pinmm bench: %s folios: %s\n", orders[oi] ? "2 MiB" : "4 KiB",
				strerror(-ret));
			status = 1;
		}
	}
	if (run.opts.page72)
		bench_page72(&run, argv[0]);
	else
		snprintf(run.page72_note, sizeof(run.page72_note), "not asked for");
	for (int i = 0; i < run.opts.nr_sweep; i++) {
		ret = bench_gup_config(&run, 0, run.opts.sweep[i] * MIB, true, NULL);
		if (ret) {
			fprintf(stderr, "pinmm bench: sweep at %lu MiB: %s\n", run.opts.sweep[i],
				strerror(-ret));
			status = 1;
		}
	}

	bench_finish_stats(&run);
	bench_print_table(&run);
	bench_print_page72(&run);
	bench_print_micro(&run);
	bench_print_cpu(&run);
	bench_print_memory(&run);

	struct bench_verdict *v = calloc(4 * BENCH_MAX_PRESETS * 8, sizeof(*v));
	int nv = v ? bench_verdicts(&run, v, 4 * BENCH_MAX_PRESETS * 8) : 0;

	bench_print_verdicts(v, nv);
	if (run.opts.compare) {
		ret = bench_compare(&run, run.opts.compare);
		if (ret) {
			fprintf(stderr, "pinmm bench: %s: %s\n", run.opts.compare,
				ret == -EINVAL ? "not a pinmm bench record" : strerror(-ret));
			status = 2;
		}
	}
	if (run.opts.json) {
		ret = bench_write_json(&run, v, nv, run.opts.json);
		if (ret) {
			fprintf(stderr, "pinmm bench: %s: %s\n", run.opts.json, strerror(-ret));
			status = 1;
		} else {
			printf("pinmm bench: wrote %s\n", run.opts.json);
		}
	}
	if (run.opts.plot) {
		ret = bench_write_plot(&run, v, nv, run.opts.plot);
		if (ret == -ENOENT) {
			fprintf(stderr, "pinmm bench: gnuplot is not installed, so no %s "
				"(Debian: apt-get install gnuplot-nox); its data is written\n",
				run.opts.plot);
			status = 1;
		} else if (ret) {
			fprintf(stderr, "pinmm bench: could not draw %s: %s\n", run.opts.plot,
				strerror(-ret));
			status = 1;
		} else {
			printf("pinmm bench: wrote %s\n", run.opts.plot);
		}
	}
	if (run.opts.tap) {
		printf("\n");
		if (bench_print_tap(stdout, v, nv) && !status)
			status = 1;
	}
	free(v);
	free_run(&run);
	return status;
}
