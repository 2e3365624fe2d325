/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 72-byte struct page comparison. The field tracker needs a struct page
 * 8 bytes bigger, which is a different build (make PAGE=72), so it cannot run
 * in this process. Both builds run as --worker children of this one, one for
 * each, set up side by side; the parent has them run one round at a time,
 * alternately (64 72, then 72 64, ...), so that the ratio of a case in the
 * 72-byte build to the same case in the 64-byte build is paired round by
 * round exactly as the cases of one process are.
 *
 * The protocol, one line each way: the child says "P <sizeof(struct page)>",
 * then for every "R" it reads runs one round and answers with one line per
 * case, "S <kind> <mode> <order> <threads> <name> <pin ns/page> <unpin ns/page>",
 * and "E"; "Q" or end of file ends it. Other lines are ignored (its own
 * progress messages).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

#define MIB (1UL << 20)

/* ---- the child ---- */

struct worker_state {
	struct bench_run *run;
	int first;		/* index of this config's first result */
};

static int worker_before(void *arg, int round)
{
	char line[64];

	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	return line[0] != 'R';
}

static void worker_after(void *arg, int round)
{
	struct worker_state *w = arg;

	for (int i = w->first; i < w->run->nr; i++) {
		const struct bench_result *r = &w->run->res[i];

		if (r->err || r->repeats <= round)
			continue;
		printf("S %d %d %u %d %s %.6f %.6f\n", r->kind, r->mode, r->order, r->threads,
		       r->name, r->pin[round], r->unpin[round]);
	}
	printf("E\n");
	fflush(stdout);
}

int bench_worker_main(struct bench_run *run)
{
	struct worker_state w = { .run = run };
	struct bench_sched s = {
		.repeats = run->opts.repeats,
		.warm = true,
		.before_round = worker_before,
		.after_round = worker_after,
		.arg = &w,
	};
	int ret;

	run->opts.host = false;
	run->opts.contended = run->opts.micro = run->opts.memory = false;
	run->opts.quiet = true;
	printf("P %d\n", run->page_bytes);
	fflush(stdout);
	w.first = run->nr;
	ret = bench_gup_config(run, run->opts.thp == 1 ? 9 : 0, run->opts.size, false, &s);
	if (ret) {
		printf("X %s\n", strerror(-ret));
		fflush(stdout);
		return 1;
	}
	return 0;
}

/* ---- the parent ---- */

struct child {
	pid_t pid;
	FILE *to, *from;
	int page_bytes;
	int slot;		/* 1: this build, 2: the 72-byte one */
};

static int child_start(struct child *c, const char *bin, const struct bench_run *run,
		       unsigned int order)
{
	int in[2], out[2];
	char m[32], n[32], r[32];
	char *argv[32];
	int a = 0;
	char presets[BENCH_MAX_PRESETS * (BENCH_NAME + 1)] = "";

	if (pipe(in))
		return -errno;
	if (pipe(out)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	snprintf(m, sizeof(m), "%lu", run->opts.size / MIB);
	snprintf(n, sizeof(n), "%ld", run->opts.nr_per_call);
	snprintf(r, sizeof(r), "%d", run->opts.repeats);
	for (int i = 0; i < run->opts.nr_presets; i++) {
		strcat(presets, i ? "," : "");
		strncat(presets, run->opts.presets[i], BENCH_NAME);
	}
	argv[a++] = (char *)bin;
	argv[a++] = "bench";
	argv[a++] = "--worker";
	argv[a++] = "-a";
	argv[a++] = order ? (run->opts.hugetlb ? "-H" : "-t") : "-T";
	argv[a++] = "-m";
	argv[a++] = m;
	argv[a++] = "-n";
	argv[a++] = n;
	argv[a++] = "-r";
	argv[a++] = r;
	argv[a++] = "-j";
	argv[a++] = "1";
	argv[a++] = run->opts.write ? "-w" : "-W";
	if (presets[0]) {
		argv[a++] = "--preset";
		argv[a++] = presets;
	}
	argv[a] = NULL;
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0) {
		int e = -errno;

		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return e;
	}
	if (c->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv(bin, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->to = fdopen(in[1], "w");
	c->from = fdopen(out[0], "r");
	if (!c->to || !c->from)
		return -EIO;
	return 0;
}

static void child_end(struct child *c)
{
	int status;

	if (c->to) {
		fputs("Q\n", c->to);
		fclose(c->to);
	}
	if (c->from)
		fclose(c->from);
	if (c->pid > 0)
		waitpid(c->pid, &status, 0);
	memset(c, 0, sizeof(*c));
}

/* Read lines until @want; a line starting with 'X' or end of file is an error. */
static int child_wait(struct child *c, char want, char *line, size_t len)
{
	while (fgets(line, (int)len, c->from)) {
		if (line[0] == want && (line[1] == ' ' || line[1] == '\n'))
			return 0;
		if (line[0] == 'X')
			return -EIO;
	}
	return -EPIPE;
}

static struct bench_result *child_result(struct bench_run *run, const struct child *c, int kind,
					 int mode, unsigned int order, int threads,
					 const char *name)
{
	struct bench_result *r;

	for (int i = 0; i < run->nr; i++) {
		r = &run->res[i];
		if (r->child && r->page_bytes == c->page_bytes && (int)r->kind == kind &&
		    (int)r->mode == mode && r->order == order && r->threads == threads &&
		    !strcmp(r->name, name))
			return r;
	}
	r = bench_add_result(run);
	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = (enum bench_kind)kind;
	r->mode = (enum bench_mode)mode;
	r->order = order;
	r->threads = threads;
	r->child = true;
	r->page_bytes = c->page_bytes;
	r->size_mib = run->opts.size / MIB;
	r->pages = run->opts.size >> 12;
	r->nr_per_call = run->opts.nr_per_call;
	return r;
}

static int child_round(struct bench_run *run, struct child *c, unsigned int order, int round)
{
	char line[256];
	int ret;

	fputs("R\n", c->to);
	fflush(c->to);
	while (fgets(line, sizeof(line), c->from)) {
		int kind, mode, threads;
		unsigned int ord;
		char name[BENCH_NAME];
		double pin, unpin;
		struct bench_result *r;

		if (line[0] == 'E')
			return 0;
		if (line[0] == 'X')
			return -EIO;
		if (line[0] != 'S' || sscanf(line, "S %d %d %u %d %31s %lf %lf", &kind, &mode, &ord,
					     &threads, name, &pin, &unpin) != 7)
			continue;
		if (kind < 0 || kind >= BK_NR_KINDS || mode < 0 || mode >= BM_NR_MODES)
			continue;
		r = child_result(run, c, kind, mode, ord, threads, name);
		if (!r || round >= r->cap)
			continue;
		r->pin[round] = pin;
		r->unpin[round] = unpin;
		r->repeats = round + 1;
	}
	ret = -EPIPE;
	(void)order;
	return ret;
}

/* This binary's path, and the 72-byte build's beside it: build/gcc -> build/gcc-page72. */
static void find_bins(const char *argv0, char *self, size_t len, char *other, size_t olen)
{
	ssize_t n = readlink("/proc/self/exe", self, len - 1);
	char *slash;

	if (n <= 0)
		snprintf(self, len, "%s", argv0);
	else
		self[n] = 0;
	snprintf(other, olen, "%s", self);
	slash = strrchr(other, '/');
	if (!slash) {
		other[0] = 0;
		return;
	}
	*slash = 0;
	snprintf(other + strlen(other), olen - strlen(other), "-page72/pinmm");
}

static void cell(const struct bench_stat *s, const char *none)
{
	char buf[48];

	if (s && s->n)
		snprintf(buf, sizeof(buf), "%.3f [%.3f-%.3f]", s->median, s->q1, s->q3);
	else
		snprintf(buf, sizeof(buf), "%s", none);
	printf(" %-22s", buf);
}

static void paired(struct bench_stat *s, const struct bench_result *a,
		   const struct bench_result *b, bool unpin)
{
	memset(s, 0, sizeof(*s));
	if (a && b)
		bench_stat_paired(s, unpin ? a->unpin : a->pin, unpin ? b->unpin : b->pin,
				  a->repeats < b->repeats ? a->repeats : b->repeats);
}

void bench_print_page72(const struct bench_run *run)
{
	bool any = false;

	for (int i = 0; i < run->nr; i++)
		any |= run->res[i].child && run->res[i].page_bytes != 64;
	if (!any) {
		if (run->page72_note[0])
			printf("\nstruct page 72 vs 64 bytes: %s\n", run->page72_note);
		return;
	}
	printf("\nstruct page 72 vs 64 bytes: both builds as children, rounds interleaved; ratios paired\n");
	printf("%-24s %-22s %-22s %-22s %-22s %-22s\n", "pin-fast x1", "72: pin ns/page",
	       "72/64 pin", "72/64 unpin", "72 pin / 64 floor", "72 unpin / 64 floor");
	for (int i = 0; i < run->nr; i++) {
		const struct bench_result *b = &run->res[i], *a, *fl;
		struct bench_stat s;
		char key[64];

		if (!b->child || b->page_bytes == 64 || !b->repeats)
			continue;
		a = bench_find_child(run, b->kind, b->name, b->mode, b->order, 64);
		fl = bench_find_child(run, BK_FLOOR, NULL, BM_PIN_FAST, b->order, 64);
		snprintf(key, sizeof(key), "%s/%s", b->order ? "2M" : "4K", b->name);
		printf("%-24s", key);
		cell(&b->pin_st, "-");
		paired(&s, b, a, false);
		cell(&s, "(only this build)");
		paired(&s, b, a, true);
		cell(&s, "(only this build)");
		paired(&s, b, fl, false);
		cell(&s, "-");
		paired(&s, b, fl, true);
		cell(&s, "-");
		printf("\n");
	}
}

void bench_page72(struct bench_run *run, const char *argv0)
{
	char self[PATH_MAX], other[PATH_MAX];
	const char *bin72 = run->opts.page72_bin;
	unsigned int orders[2] = { 0, 9 };
	int nr_orders = run->opts.size % (2 * MIB) ? 1 : 2;

	find_bins(argv0, self, sizeof(self), other, sizeof(other));
	if (!bin72)
		bin72 = other;
	if (access(bin72, X_OK)) {
		snprintf(run->page72_note, sizeof(run->page72_note),
			 "not measured: build it with make PAGE=72 (no %s)", bin72);
		printf("\npinmm bench: struct page 72 vs 64 bytes: %s\n", run->page72_note);
		return;
	}
	if (run->opts.thp == 1)
		orders[0] = 9, nr_orders = 1;
	else if (run->opts.thp == 0)
		nr_orders = 1;
	printf("\npinmm bench: struct page 72 vs 64 bytes: %s and %s as --worker children\n", self,
	       bin72);
	for (int oi = 0; oi < nr_orders; oi++) {
		struct child c[2] = { { 0 }, { 0 } };
		char line[256];
		int ret = 0;

		signal(SIGPIPE, SIG_IGN);
		for (int k = 0; k < 2 && !ret; k++) {
			ret = child_start(&c[k], k ? bin72 : self, run, orders[oi]);
			if (!ret)
				ret = child_wait(&c[k], 'P', line, sizeof(line));
			if (!ret && sscanf(line, "P %d", &c[k].page_bytes) != 1)
				ret = -EIO;
			c[k].slot = k + 1;
		}
		if (!ret && c[0].page_bytes == c[1].page_bytes) {
			snprintf(run->page72_note, sizeof(run->page72_note),
				 "not measured: %s has a %d-byte struct page too (not a PAGE=72 build)",
				 bin72, c[1].page_bytes);
			ret = -EINVAL;
		}
		for (int round = 0; !ret && round < run->opts.repeats; round++)
			for (int k = 0; k < 2 && !ret; k++)
				ret = child_round(run, &c[round & 1 ? 1 - k : k], orders[oi], round);
		child_end(&c[0]);
		child_end(&c[1]);
		if (ret) {
			if (!run->page72_note[0])
				snprintf(run->page72_note, sizeof(run->page72_note),
					 "not measured: a --worker child failed (%s)", strerror(-ret));
			printf("pinmm bench: struct page 72 vs 64 bytes: %s\n", run->page72_note);
			return;
		}
	}
}
