/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record of a run: JSON with every sample and every verdict, written one
 * case per line so that --compare and --spread can read back what pinmm bench
 * wrote without a general JSON parser; and the gnuplot plot drawn from it.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "bench_cpu.h"

#define BENCH_SCHEMA 2

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (isnan(v) || isinf(v))
		fputs("null", f);
	else
		fprintf(f, "%.4f", v);
}

static void json_stat(FILE *f, const char *name, const struct bench_stat *s)
{
	fprintf(f, ", \"%s\": {\"n\": %d, \"median\": ", name, s->n);
	json_num(f, s->n ? s->median : NAN);
	fprintf(f, ", \"q1\": ");
	json_num(f, s->n ? s->q1 : NAN);
	fprintf(f, ", \"q3\": ");
	json_num(f, s->n ? s->q3 : NAN);
	fprintf(f, ", \"min\": ");
	json_num(f, s->n ? s->min : NAN);
	fprintf(f, ", \"max\": ");
	json_num(f, s->n ? s->max : NAN);
	fprintf(f, "}");
}

static void json_samples(FILE *f, const char *name, const double *v, int n)
{
	fprintf(f, ", \"%s\": [", name);
	for (int i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_num(f, v[i]);
	}
	fputc(']', f);
}

/* The floor or host result paired with @r (same machine and round), or NULL. */
static const struct bench_result *ref(const struct bench_run *run, const struct bench_result *r,
				      enum bench_kind kind)
{
	const struct bench_result *f;

	if (r->kind == kind || r->kind == BK_MICRO || r->child)
		return NULL;
	f = bench_find(run, kind, NULL, kind == BK_HOST ? BM_PIN_LONGTERM : BM_PIN_FAST, r->order,
		       r->threads, kind == BK_HOST ? false : r->contended, r->page_bytes,
		       r->size_mib);
	return f && !f->err && f->repeats ? f : NULL;
}

static void json_ratio(FILE *f, const char *name, const struct bench_result *a,
		       const struct bench_result *b, bool unpin)
{
	struct bench_stat s;
	int n;

	if (!b)
		return;
	n = a->repeats < b->repeats ? a->repeats : b->repeats;
	bench_stat_paired(&s, unpin ? a->unpin : a->pin, unpin ? b->unpin : b->pin, n);
	json_stat(f, name, &s);
}

int bench_write_json(const struct bench_run *run, const struct bench_verdict *v, int nv,
		     const char *path)
{
	const struct bench_opts *o = &run->opts;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "{\n\"tool\": \"pinmm bench\", \"schema\": %d,\n\"machine\": ", BENCH_SCHEMA);
	json_str(f, run->machine);
	fprintf(f, ",\n\"host_anchor\": ");
	json_str(f, run->host_note[0] ? run->host_note :
		 "io_uring_register_buffers(): pin_user_pages_fast(FOLL_LONGTERM) plus io_uring's bookkeeping");
	fprintf(f, ",\n\"page72\": ");
	json_str(f, run->page72_note[0] ? run->page72_note : "measured");
	fprintf(f, ",\n\"struct_page_bytes\": %d,\n", run->page_bytes);
	fprintf(f, "\"options\": {\"size_mib_per_thread\": %lu, \"pages_per_call\": %ld, "
		"\"repeats\": %d, \"write\": %s, \"same_range\": %s, \"shmem\": %s, "
		"\"hugetlb\": %s},\n",
		o->size >> 20, o->nr_per_call, o->repeats, o->write ? "true" : "false",
		o->same_range ? "true" : "false", o->shmem ? "true" : "false",
		o->hugetlb ? "true" : "false");
	fprintf(f, "\"results\": [\n");
	for (int i = 0; i < run->nr; i++) {
		const struct bench_result *r = &run->res[i];
		char key[128];

		bench_case_key(r, key, sizeof(key));
		fprintf(f, "{\"case\": ");
		json_str(f, key);
		fprintf(f, ", \"name\": ");
		json_str(f, r->name);
		fprintf(f, ", \"kind\": \"%s\", \"mode\": \"%s\", \"folio_kib\": %u, \"threads\": %d, "
			"\"same_range\": %s, \"contended\": %s, \"struct_page_bytes\": %d, "
			"\"size_mib\": %lu, \"pages_per_thread\": %lu, \"pages_per_call\": %ld, "
			"\"rss_kib\": %ld, \"repeats\": %d",
			bench_kind_names[r->kind], bench_mode_short[r->mode], 4u << r->order,
			r->threads, r->same_range ? "true" : "false", r->contended ? "true" : "false",
			r->page_bytes, r->size_mib, r->pages, r->nr_per_call, r->rss_kib, r->repeats);
		if (r->err || !r->repeats) {
			fprintf(f, ", \"error\": ");
			json_str(f, r->note[0] ? r->note : strerror(-r->err));
			fprintf(f, "}%s\n", i + 1 < run->nr ? "," : "");
			continue;
		}
		json_stat(f, "pin", &r->pin_st);
		json_stat(f, "unpin", &r->unpin_st);
		json_samples(f, "pin_ns", r->pin, r->repeats);
		json_samples(f, "unpin_ns", r->unpin, r->repeats);
		json_ratio(f, "pin_vs_floor", r, ref(run, r, BK_FLOOR), false);
		json_ratio(f, "unpin_vs_floor", r, ref(run, r, BK_FLOOR), true);
		json_ratio(f, "pin_vs_host", r, ref(run, r, BK_HOST), false);
		if (r->child && r->page_bytes != 64) {
			const struct bench_result *a = bench_find_child(run, r->kind, r->name, r->mode,
									 r->order, 64);
			const struct bench_result *fl = bench_find_child(run, BK_FLOOR, NULL,
									  BM_PIN_FAST, r->order, 64);

			json_ratio(f, "pin_vs_page64", r, a, false);
			json_ratio(f, "unpin_vs_page64", r, a, true);
			json_ratio(f, "pin_vs_page64_floor", r, fl, false);
			json_ratio(f, "unpin_vs_page64_floor", r, fl, true);
		}
		if (r->foll_pin_acquired >= 0)
			fprintf(f, ", \"nr_foll_pin_acquired\": %ld, \"nr_foll_pin_released\": %ld, "
				"\"expected_pins\": %ld, \"pins_match\": %s", r->foll_pin_acquired,
				r->foll_pin_released, r->expect_pins,
				r->pins_mismatch ? "false" : "true");
		if (r->note[0]) {
			fprintf(f, ", \"note\": ");
			json_str(f, r->note);
		}
		fprintf(f, "}%s\n", i + 1 < run->nr ? "," : "");
	}
	fprintf(f, "],\n\"memory\": [\n");
	for (int i = 0; i < run->nr_mem; i++) {
		const struct bench_memory *m = &run->mem[i];

		fprintf(f, "{\"tracker\": ");
		json_str(f, m->tracker);
		fprintf(f, ", \"preset\": ");
		json_str(f, m->preset);
		fprintf(f, ", \"bytes_per_page\": {\"declared\": %u, \"heap\": ", m->declared_per_page);
		json_num(f, m->err ? NAN : m->heap_per_page);
		fprintf(f, ", \"rss\": ");
		json_num(f, m->err ? NAN : m->rss_per_page);
		fprintf(f, "}, \"bytes_per_pin\": {\"declared\": %u, \"heap\": ", m->declared_per_pin);
		json_num(f, m->err ? NAN : m->heap_per_pin);
		fprintf(f, ", \"rss\": ");
		json_num(f, m->err ? NAN : m->rss_per_pin);
		fprintf(f, "}, \"retained_heap_bytes\": %ld}%s\n", m->retained_heap,
			i + 1 < run->nr_mem ? "," : "");
	}
	fprintf(f, "],\n\"verdicts\": [\n");
	for (int i = 0; i < nv; i++) {
		const struct bench_verdict *x = &v[i];
		char c[96];

		snprintf(c, sizeof(c), "%s/%s", x->id, x->subject);
		fprintf(f, "{\"case\": ");
		json_str(f, c);
		fprintf(f, ", \"what\": ");
		json_str(f, x->what);
		fprintf(f, ", \"value\": ");
		json_num(f, x->st.n ? x->st.median : NAN);
		fprintf(f, ", \"spread\": [");
		json_num(f, x->st.n ? x->st.q1 : NAN);
		fprintf(f, ", ");
		json_num(f, x->st.n ? x->st.q3 : NAN);
		fprintf(f, "], \"pairs\": %d, \"target\": \"%s %.4g\", \"status\": \"%s\"}%s\n",
			x->st.n, x->at_most ? "<=" : ">=", x->target, bench_status_names[x->status],
			i + 1 < nv ? "," : "");
	}
	fprintf(f, "]\n}\n");
	if (fclose(f))
		return -errno;
	return 0;
}

/* ---- reading a record back ---- */

static bool get_stat(const char *line, const char *name, struct bench_stat *s)
{
	char pat[48];
	const char *p;

	memset(s, 0, sizeof(*s));
	snprintf(pat, sizeof(pat), "\"%s\": {", name);
	p = strstr(line, pat);
	if (!p)
		return false;
	if (sscanf(p + strlen(pat), "\"n\": %d, \"median\": %lf, \"q1\": %lf, \"q3\": %lf, "
		   "\"min\": %lf, \"max\": %lf", &s->n, &s->median, &s->q1, &s->q3, &s->min,
		   &s->max) != 6) {
		memset(s, 0, sizeof(*s));
		return false;
	}
	return true;
}

int bench_read_json(const char *path, struct bench_loaded **out, int *nr)
{
	char *line = NULL;
	size_t cap = 0;
	struct bench_loaded *v = NULL;
	int n = 0, vcap = 0, ret = 0;
	bool ours = false;
	FILE *f = fopen(path, "r");

	*out = NULL;
	*nr = 0;
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		const char *p;
		size_t l;

		if (strstr(line, "\"tool\": \"pinmm bench\""))
			ours = true;
		if (strncmp(line, "{\"case\": \"", 10) || !strstr(line, "\"kind\": "))
			continue;
		p = line + 10;
		l = strcspn(p, "\"");
		if (n == vcap) {
			struct bench_loaded *nv = realloc(v, (size_t)(vcap = vcap ? 2 * vcap : 64) *
							  sizeof(*v));

			if (!nv) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		snprintf(v[n].key, sizeof(v[n].key), "%.*s", (int)l, p);
		get_stat(line, "pin", &v[n].pin);
		get_stat(line, "unpin", &v[n].unpin);
		get_stat(line, "pin_vs_floor", &v[n].pin_vs_floor);
		get_stat(line, "unpin_vs_floor", &v[n].unpin_vs_floor);
		n++;
	}
	free(line);
	fclose(f);
	if (!ret && !ours)
		ret = -EINVAL;
	if (ret) {
		free(v);
		return ret;
	}
	*out = v;
	*nr = n;
	return 0;
}

static void print_delta(const char *what, const struct bench_stat *old, const struct bench_stat *now)
{
	struct bench_delta d;

	if (!bench_delta_of(&d, old, now)) {
		printf(" %-34s", "-");
		return;
	}
	char buf[64];

	snprintf(buf, sizeof(buf), "%.2f->%.2f %+.0f%% [%+.0f,%+.0f]%s", old->median, now->median,
		 (d.ratio - 1) * 100, (d.lo - 1) * 100, (d.hi - 1) * 100,
		 d.change < 0 ? " faster" : d.change > 0 ? " slower" : "");
	(void)what;
	printf(" %-34s", buf);
}

int bench_compare(const struct bench_run *run, const char *old_path)
{
	struct bench_loaded *old;
	int n, ret = bench_read_json(old_path, &old, &n), matched = 0;

	if (ret)
		return ret;
	printf("\n%-36s %-34s %-34s\n", "compared with", "pin ns/page old->new", "unpin ns/page old->new");
	printf("%-36s %s\n", old_path, "change of the medians [the widest the two IQRs allow]");
	for (int i = 0; i < run->nr; i++) {
		const struct bench_result *r = &run->res[i];
		char key[128];

		if (r->err || !r->repeats)
			continue;
		bench_case_key(r, key, sizeof(key));
		for (int j = 0; j < n; j++) {
			if (strcmp(old[j].key, key))
				continue;
			printf("%-36s", key);
			print_delta("pin", &old[j].pin, &r->pin_st);
			print_delta("unpin", &old[j].unpin, &r->unpin_st);
			printf("\n");
			matched++;
			break;
		}
	}
	printf("%d of %d cases matched; 'faster'/'slower' only when the IQRs do not overlap\n",
	       matched, run->nr);
	free(old);
	return 0;
}

/*
 * The medians (or, with @best, the best repeats) of one field of one case
 * over every run that has it.
 */
static int spread_of(struct bench_loaded **runs, const int *nr, int nfiles, const char *key,
		     size_t field, bool best, struct bench_stat *st, double *out)
{
	int have = 0;

	for (int i = 0; i < nfiles; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		for (int j = 0; j < nr[i]; j++)
			if (!strcmp(runs[i][j].key, key)) {
				st[i] = *(const struct bench_stat *)((const char *)&runs[i][j] + field);
				if (best)
					st[i].median = st[i].min;
				have += st[i].n > 0;
				break;
			}
	}
	*out = bench_medians_spread(st, nfiles);
	return have;
}

/* The key of the machine probe @name in run 0, or NULL (records from before it). */
static const char *probe_key(struct bench_loaded **runs, const int *nr, const char *name)
{
	size_t l = strlen(name);

	for (int k = 0; k < nr[0]; k++) {
		size_t kl = strlen(runs[0][k].key);

		if (kl > l && runs[0][k].key[kl - l - 1] == '/' && !strcmp(runs[0][k].key + kl - l, name))
			return runs[0][k].key;
	}
	return NULL;
}

/*
 * What the machine's own probes did over the same runs (bench_cpu.c). A probe
 * that moved past the target says the target cannot be judged here; probes
 * that held rule their causes out and no more.
 */
static void spread_machine(struct bench_loaded **runs, const int *nr, int nfiles,
			   struct bench_stat *st, double target)
{
	double v[BENCH_NR_CPU];

	for (int i = 0; i < BENCH_NR_CPU; i++) {
		const char *k = probe_key(runs, nr, bench_cpu_names[i]);

		if (!k || spread_of(runs, nr, nfiles, k, offsetof(struct bench_loaded, pin), false,
				    st, &v[i]) < 2 || !v[i])
			return;
	}
	printf("machine      max/min of the probes: clock %.3f, core width %.3f, memory %.3f\n",
	       v[BENCH_CPU_LATENCY], v[BENCH_CPU_THROUGHPUT], v[BENCH_CPU_MEMORY]);
	if (v[BENCH_CPU_LATENCY] > target || v[BENCH_CPU_THROUGHPUT] > target ||
	    v[BENCH_CPU_MEMORY] > target)
		printf("             the machine itself moved past %.0f%% between runs: the target cannot be\n"
		       "             judged on it\n", (target - 1) * 100);
	else
		printf("             all held: what moved above did not move with the clock, the core's\n"
		       "             width or memory\n");
}

int bench_spread_main(int nfiles, char **files, double target)
{
	/*
	 * The last column is each run's best repeat of pin: on a loaded machine
	 * the least disturbed sample holds from run to run when medians do not.
	 */
	static const struct {
		const char *name;
		size_t off;
		bool best;
	} fields[] = {
		{ "pin", offsetof(struct bench_loaded, pin), false },
		{ "unpin", offsetof(struct bench_loaded, unpin), false },
		{ "pin/floor", offsetof(struct bench_loaded, pin_vs_floor), false },
		{ "unpin/floor", offsetof(struct bench_loaded, unpin_vs_floor), false },
		{ "best pin", offsetof(struct bench_loaded, pin), true },
	};
	enum { NF = sizeof(fields) / sizeof(fields[0]) };
	struct bench_loaded **runs = calloc((size_t)nfiles, sizeof(*runs));
	int *nr = calloc((size_t)nfiles, sizeof(*nr));
	struct bench_stat *st = calloc((size_t)nfiles, sizeof(*st));
	int status = 0, npass[NF] = { 0 }, nmiss[NF] = { 0 }, worst_k[NF];
	double worst[NF] = { 0 };

	if (!runs || !nr || !st) {
		fprintf(stderr, "pinmm bench: out of memory\n");
		status = 1;
		goto out;
	}
	for (int f = 0; f < NF; f++)
		worst_k[f] = -1;
	for (int i = 0; i < nfiles; i++) {
		int ret = bench_read_json(files[i], &runs[i], &nr[i]);

		if (ret) {
			fprintf(stderr, "pinmm bench: %s: %s\n", files[i],
				ret == -EINVAL ? "not a pinmm bench record" : strerror(-ret));
			status = 2;
			goto out;
		}
	}
	printf("%-44s %9s %9s %11s %11s %9s   max/min of the medians (best: of the best repeats) over %d runs\n",
	       "case", "pin", "unpin", "pin/floor", "unpin/floor", "best pin", nfiles);
	for (int k = 0; k < nr[0]; k++) {
		const char *key = runs[0][k].key;
		bool any = false;
		char line[160];
		int l = 0;

		for (int f = 0; f < NF; f++) {
			double sp;
			int have = spread_of(runs, nr, nfiles, key, fields[f].off, fields[f].best, st,
					     &sp);

			if (have < 2 || !sp) {
				l += snprintf(line + l, sizeof(line) - (size_t)l, " %*s",
					      f == 2 || f == 3 ? 11 : 9, "-");
				continue;
			}
			any = true;
			l += snprintf(line + l, sizeof(line) - (size_t)l, " %*.3f%s",
				      f == 2 || f == 3 ? 10 : 8, sp, sp <= target ? " " : "!");
			if (sp <= target)
				npass[f]++;
			else
				nmiss[f]++;
			if (sp > worst[f]) {
				worst[f] = sp;
				worst_k[f] = k;
			}
		}
		if (any)
			printf("%-44s%s\n", key, line);
	}
	printf("(! = medians more than %.0f%% apart)\n", (target - 1) * 100);
	for (int f = 0; f < NF; f++) {
		printf("%-12s %d cases within %.0f%%, %d not", fields[f].name, npass[f],
		       (target - 1) * 100, nmiss[f]);
		if (worst_k[f] >= 0)
			printf("; widest %s at %.3f", runs[0][worst_k[f]].key, worst[f]);
		printf("\n");
		if (nmiss[f])
			status = 1;
	}
	spread_machine(runs, nr, nfiles, st, target);
out:
	for (int i = 0; runs && i < nfiles; i++)
		free(runs[i]);
	free(runs);
	free(nr);
	free(st);
	return status;
}

/* ---- gnuplot ---- */

bool bench_gnuplot_available(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && n < sizeof(buf) - 9) {
			memcpy(buf, path, n);
			memcpy(buf + n, "/gnuplot", 9);
			if (!access(buf, X_OK))
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static void plot_value(FILE *f, const struct bench_run *run, const struct bench_result *row,
		       unsigned int order, int threads, bool unpin)
{
	const struct bench_result *x = bench_find(run, row->kind, row->name, row->mode, order,
						  threads, false, run->page_bytes, row->size_mib);
	const struct bench_stat *s = x && !x->err && x->repeats ? (unpin ? &x->unpin_st : &x->pin_st)
								: NULL;

	if (!s || !s->n)
		fputs(" ? ? ?", f);
	else
		fprintf(f, " %.4f %.4f %.4f", s->median, s->q1, s->q3);
}

static void gp_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {	/* gnuplot single quotes: '' is a quote */
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* pin-fast and pin-longterm of every preset, the floor and gup-fast, at the standard size. */
static void plot_script(FILE *f, const struct bench_run *run, const char *out)
{
	const struct bench_result *rows[4 * BENCH_MAX_PRESETS];
	int n = 0, tmax = 1;
	bool sweep = false;

	for (int i = 0; i < run->nr; i++) {
		const struct bench_result *r = &run->res[i];
		bool seen = false;

		if (r->threads > tmax)
			tmax = r->threads;
		if (r->size_mib != run->opts.size >> 20) {
			sweep = true;
			continue;
		}
		if (r->contended || r->kind == BK_HOST || r->kind == BK_MICRO ||
		    r->page_bytes != run->page_bytes || r->err)
			continue;
		for (int j = 0; j < n; j++)
			seen |= rows[j]->kind == r->kind && rows[j]->mode == r->mode &&
				!strcmp(rows[j]->name, r->name);
		if (!seen && n < (int)(sizeof(rows) / sizeof(rows[0])))
			rows[n++] = r;
	}
	fprintf(f, "set terminal svg size 1400,%d dynamic noenhanced font 'sans,10' background '#ffffff'\n",
		sweep ? 1400 : 950);
	fprintf(f, "set output ");
	gp_quote(f, out);
	fprintf(f, "\nset datafile missing '?'\n");
	for (int u = 0; u < 2; u++) {
		fprintf(f, "$%s << EOD\n", u ? "unpin" : "pin");
		for (int i = 0; i < n; i++) {
			fprintf(f, "\"%s%s\"", rows[i]->name,
				rows[i]->mode == BM_PIN_LONGTERM ? " -L" : "");
			plot_value(f, run, rows[i], 0, 1, u);
			plot_value(f, run, rows[i], 0, tmax, u);
			plot_value(f, run, rows[i], 9, 1, u);
			plot_value(f, run, rows[i], 9, tmax, u);
			fputc('\n', f);
		}
		fprintf(f, "EOD\n");
	}
	if (sweep) {
		fprintf(f, "$sweep << EOD\n");
		for (int i = 0; i < run->nr; i++) {
			const struct bench_result *r = &run->res[i];

			if (r->size_mib == run->opts.size >> 20 || r->err || !r->repeats)
				continue;
			fprintf(f, "\"%s\" %lu %.4f %.4f %ld\n", r->name, r->size_mib, r->pin_st.median,
				r->unpin_st.median, r->rss_kib);
		}
		fprintf(f, "EOD\n");
	}
	fprintf(f, "set style data histograms\n"
		   "set style histogram errorbars gap 1 lw 1\n"
		   "set style fill solid 0.85 border -1\n"
		   "set boxwidth 0.9\n"
		   "set logscale y\n"
		   "set grid ytics\n"
		   "set key top right\n"
		   "set xtics rotate by -30 nomirror\n"
		   "set ylabel 'ns per page, median and IQR (log; threads: wall time / all pages)'\n");
	fprintf(f, "set multiplot layout %d,1 title ", sweep ? 3 : 2);
	gp_quote(f, run->machine);
	fprintf(f, "\n");
	for (int u = 0; u < 2; u++) {
		fprintf(f, "set title '%s'\n", u ? "unpin (put)" : "pin (get)");
		fprintf(f, "plot $%s using 2:3:4:xtic(1) title '4 KiB, 1 thread' lc rgb '#4e79a7', "
			   "'' using 5:6:7 title '4 KiB, %d threads' lc rgb '#a0cbe8', "
			   "'' using 8:9:10 title '2 MiB, 1 thread' lc rgb '#f28e2b', "
			   "'' using 11:12:13 title '2 MiB, %d threads' lc rgb '#ffbe7d'\n",
			u ? "unpin" : "pin", tmax, tmax);
	}
	if (sweep) {
		fprintf(f, "set title 'size sweep: 4 KiB pin-fast, 1 thread, median ns/page vs MiB pinned'\n"
			   "set style data linespoints\nset logscale x 2\nunset logscale y\n"
			   "set xtics norotate\nset xlabel 'MiB pinned'\nset ylabel 'ns per page'\n"
			   "plot for [name in \"");
		const char *seen[BENCH_MAX_PRESETS + 2];
		int ns = 0;
		for (int i = 0; i < run->nr; i++) {
			const struct bench_result *r = &run->res[i];
			bool dup = false;

			if (r->size_mib == run->opts.size >> 20)
				continue;
			for (int j = 0; j < ns; j++)
				dup |= !strcmp(seen[j], r->name);
			if (!dup && ns < (int)(sizeof(seen) / sizeof(seen[0]))) {
				seen[ns++] = r->name;
				fprintf(f, "%s%s", ns > 1 ? " " : "", r->name);
			}
		}
		fprintf(f, "\"] $sweep using 2:(strcol(1) eq name ? $3 : NaN) title name\n");
	}
	fprintf(f, "unset multiplot\n");
}

int bench_write_plot(const struct bench_run *run, const struct bench_verdict *v, int nv,
		     const char *path)
{
	char data[4096];
	int fds[2], status, ret;
	size_t l = strlen(path);
	pid_t pid;
	FILE *f;

	/* The plot's data, FILE.svg -> FILE.json, whether gnuplot is there or not. */
	snprintf(data, sizeof(data), "%.*s.json",
		 (int)(l > 4 && !strcmp(path + l - 4, ".svg") ? l - 4 : l), path);
	ret = bench_write_json(run, v, nv, data);
	if (ret)
		return ret;
	printf("pinmm bench: wrote %s\n", data);
	if (!bench_gnuplot_available())
		return -ENOENT;
	if (pipe(fds))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execlp("gnuplot", "gnuplot", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	f = fdopen(fds[1], "w");
	if (!f) {
		close(fds[1]);
		waitpid(pid, &status, 0);
		return -EIO;
	}
	plot_script(f, run, path);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -EIO;
	return 0;
}

void bench_describe_machine(char *buf, size_t len)
{
	char model[128] = "unknown CPU", line[256];
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			char *c = strchr(line, ':');

			if (!strncmp(line, "model name", 10) && c) {
				c++;
				while (*c == ' ' || *c == '\t')
					c++;
				c[strcspn(c, "\n")] = 0;
				snprintf(model, sizeof(model), "%s", c);
				break;
			}
		}
		fclose(f);
	}
	if (uname(&u))
		strcpy(u.release, "?");
	snprintf(buf, len, "%s, %ld cores, Linux %s", model, sysconf(_SC_NPROCESSORS_ONLN),
		 u.release);
}
