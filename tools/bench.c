/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `pinmm bench`: options (gup_test's where they mean the same), the standard
 * set, and the order in which cases run: for every folio size and thread
 * count, the host anchor first, then the floor, then the gup-fast reference and
 * the presets on one freshly booted machine, so every ratio compares numbers
 * taken minutes apart at most.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define MIB		(1UL << 20)
#define MAX_RESULTS	1024

static void usage(FILE *f)
{
	fprintf(f,
"usage: pinmm bench [-a|-u|-L] [-m MiB] [-n pages] [-r repeats] [-j threads] [-J]\n"
"                   [-t|-H|-T] [-w|-W] [-q] [--preset NAME[,NAME...]]\n"
"                   [--json FILE] [--plot FILE.svg] [--no-host] [--no-floor]\n"
"\n"
"Options as the kernel's gup_test has them:\n"
"  -a             PIN_FAST_BENCHMARK: pin_user_pages_fast() + unpin_user_pages()\n"
"  -u             GUP_FAST_BENCHMARK: get_user_pages_fast() + put_page()\n"
"  -L             PIN_LONGTERM_BENCHMARK: pin_user_pages(FOLL_LONGTERM) under mmap_lock\n"
"  -m MiB         size each thread pins (default 128, as gup_test)\n"
"  -n pages       pages per call, -1 for all in one call (default 512; gup_test: 1)\n"
"  -r repeats     repeats; the best of them is reported (default 10; gup_test: 1)\n"
"  -j threads     threads, on disjoint ranges (gup_test: all on one range)\n"
"  -J             every thread pins the same range, as gup_test does\n"
"  -t, -H         2 MiB folios (PMD-mapped THP)\n"
"  -T             4 KiB folios\n"
"  -w / -W        with / without FOLL_WRITE (default with, as gup_test)\n"
"pinmm's own:\n"
"  --preset NAME  only these presets (repeatable, or comma-separated; default all)\n"
"  --json FILE    write every result and ratio as JSON\n"
"  --plot FILE    draw ns/page per preset as SVG through gnuplot\n"
"  --no-host      skip the host kernel's io_uring anchor\n"
"  --no-floor     skip the atomic floor\n"
"  -q             no per-repeat gup_test lines\n"
"\n"
"With no -a/-u/-L the standard set runs: pin-fast for every preset, gup-fast for\n"
"reference, the floor and the host, each at 4 KiB and 2 MiB, 1 and 2 threads.\n"
"With one, only that mode runs, on 4 KiB folios (-t: 2 MiB) and -j threads (1).\n");
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

enum {
	OPT_PRESET = 256,
	OPT_JSON,
	OPT_PLOT,
	OPT_NO_HOST,
	OPT_NO_FLOOR,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{ "preset", required_argument, NULL, OPT_PRESET },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "no-host", no_argument, NULL, OPT_NO_HOST },
	{ "no-floor", no_argument, NULL, OPT_NO_FLOOR },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* 0 to go on, 1 for --help, or the exit status of a usage error. */
static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	bool gave_threads = false;
	long v;
	int c;

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
	while ((c = getopt_long(argc, argv, ":aulm:n:r:j:JLtTHwWqh", long_opts, NULL)) != -1) {
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
		case 'J':
			o->same_range = true;
			break;
		case 't':
		case 'H':
			o->thp = 1;
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
		case OPT_PRESET: {
			int r = add_presets(o, optarg);

			if (r)
				return r;
			break;
		}
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_NO_HOST:
			o->host = false;
			break;
		case OPT_NO_FLOOR:
			o->floor = false;
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
	if (gave_threads && o->threads == 1 && o->same_range)
		o->same_range = false;
	if (o->nr_per_call > 0 && (unsigned long)o->nr_per_call > o->size / 4096)
		o->nr_per_call = -1;
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

struct bench_result *bench_add_result(struct bench_run *run)
{
	struct bench_result *r;

	/* Fixed capacity: callers keep pointers to earlier results. */
	if (run->nr == run->cap)
		return NULL;
	r = &run->res[run->nr++];
	memset(r, 0, sizeof(*r));
	r->foll_pin_acquired = r->foll_pin_released = -1;
	return r;
}

const struct bench_result *bench_find(const struct bench_run *run, enum bench_kind kind,
				      const char *name, enum bench_mode mode,
				      unsigned int order, int threads)
{
	for (int i = 0; i < run->nr; i++) {
		const struct bench_result *r = &run->res[i];

		if (r->kind == kind && r->mode == mode && r->order == order &&
		    r->threads == threads && (!name || !strcmp(r->name, name)))
			return r;
	}
	return NULL;
}

int bench_main(int argc, char **argv)
{
	struct bench_run run;
	unsigned int orders[2];
	int threads[2], nr_orders = 0, nr_threads = 0;
	int ret, status = 0;

	memset(&run, 0, sizeof(run));
	ret = parse_opts(argc, argv, &run.opts);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (run.opts.plot && !bench_gnuplot_available()) {
		fprintf(stderr, "pinmm bench: --plot needs gnuplot, which is not installed "
			"(Debian: apt-get install gnuplot-nox)\n");
		return 1;
	}

	/* 2 MiB folios need whole PMDs: a smaller or odd size would pin 4 KiB pages. */
	if ((run.opts.thp == 1 || (run.opts.thp == -1 && !run.opts.modes)) &&
	    run.opts.size % (2 * MIB)) {
		fprintf(stderr, "pinmm bench: 2 MiB folios need -m to be a multiple of 2 (MiB), not %lu\n",
			run.opts.size / MIB);
		return 2;
	}
	if (run.opts.thp == 1) {
		orders[nr_orders++] = 9;
	} else {
		orders[nr_orders++] = 0;
		if (run.opts.thp == -1 && !run.opts.modes)
			orders[nr_orders++] = 9;
	}
	if (run.opts.threads) {
		threads[nr_threads++] = run.opts.threads;
	} else {
		threads[nr_threads++] = 1;
		if (!run.opts.modes)
			threads[nr_threads++] = 2;
	}
	if (!run.opts.modes)
		run.opts.modes = 1u << BM_PIN_FAST | 1u << BM_GUP_FAST;

	run.cap = MAX_RESULTS;
	run.res = calloc(MAX_RESULTS, sizeof(*run.res));
	if (!run.res) {
		fprintf(stderr, "pinmm bench: out of memory\n");
		return 1;
	}
	bench_describe_machine(run.machine, sizeof(run.machine));
	printf("pinmm bench: %s\n", run.machine);
	printf("pinmm bench: %lu MiB per thread, %ld pages per call, best of %d repeats, %s\n",
	       run.opts.size >> 20, run.opts.nr_per_call, run.opts.repeats,
	       run.opts.write ? "FOLL_WRITE" : "read-only");
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
		for (int ti = 0; ti < nr_threads; ti++) {
			if (run.opts.host && !run.host_note[0]) {
				ret = bench_host_config(&run, orders[oi], threads[ti]);
				if (ret)
					fprintf(stderr, "pinmm bench: host: %s\n", strerror(-ret));
			}
			ret = bench_gup_config(&run, orders[oi], threads[ti]);
			if (ret) {
				fprintf(stderr, "pinmm bench: %s folios, %d threads: %s\n",
					orders[oi] ? "2 MiB" : "4 KiB", threads[ti], strerror(-ret));
				status = 1;
			}
		}
	}

	bench_print_table(&run);
	bench_print_verdicts(&run);
	if (run.opts.json) {
		ret = bench_write_json(&run, run.opts.json);
		if (ret) {
			fprintf(stderr, "pinmm bench: %s: %s\n", run.opts.json, strerror(-ret));
			status = 1;
		} else {
			printf("pinmm bench: wrote %s\n", run.opts.json);
		}
	}
	if (run.opts.plot) {
		ret = bench_write_plot(&run, run.opts.plot);
		if (ret == -ENOENT) {
			fprintf(stderr, "pinmm bench: gnuplot is not installed "
				"(Debian: apt-get install gnuplot-nox)\n");
			status = 1;
		} else if (ret) {
			fprintf(stderr, "pinmm bench: gnuplot failed to draw %s\n", run.opts.plot);
			status = 1;
		} else {
			printf("pinmm bench: wrote %s\n", run.opts.plot);
		}
	}
	free(run.res);
	return status;
}
