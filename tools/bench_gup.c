/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The gup-layer cases. For one folio size and thread count: boot a machine,
 * give one process an anonymous mapping with a range per thread (PMD-aligned,
 * MADV_HUGEPAGE or MADV_NOHUGEPAGE), fault it in from "user space" with one
 * store per page as gup_test does, and then measure on the very same page
 * tables the floor, the gup-fast reference and every preset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/gup/gup.h>
#include <pinmm/pin/preset.h>
#include <pinmm/vm/mm.h>
#include "bench.h"
#include "bench_floor.h"

const char *bench_preset_name(int i)
{
	for (int j = 0; pin_presets[j]; j++)
		if (j == i)
			return pin_presets[j]->name;
	return NULL;
}

bool bench_preset_exists(const char *name)
{
	return pin_preset_find(name) != NULL;
}

struct gup_ctx {
	struct mm_struct *mm;
	enum bench_kind kind;
	enum bench_mode mode;
	unsigned int gup_flags;
	unsigned long start[BENCH_MAX_THREADS];	/* each thread's range */
	unsigned long nr_pages;			/* per thread */
	long nr_per_call;
	struct page **pages[BENCH_MAX_THREADS];
	long got[BENCH_MAX_THREADS];
	long not_pinned[BENCH_MAX_THREADS];	/* pages maybe_dma_pinned() denied */
};

static unsigned long chunk(const struct gup_ctx *g, unsigned long done)
{
	unsigned long left = g->nr_pages - done;

	if (g->nr_per_call < 0 || (unsigned long)g->nr_per_call > left)
		return left;
	return (unsigned long)g->nr_per_call;
}

/* gup_test's loop: calls of -n pages until the range is done or a call falls short. */
static long gup_get(void *ctx, int tid)
{
	struct gup_ctx *g = ctx;
	struct page **pages = g->pages[tid];
	unsigned long addr = g->start[tid], done = 0;
	bool locked = g->mode == BM_PIN_LONGTERM && g->kind == BK_PRESET;
	long err = 0;

	if (locked)
		mmap_read_lock(g->mm);
	while (done < g->nr_pages) {
		unsigned long nr = chunk(g, done);
		long n;

		if (g->kind == BK_FLOOR)
			n = bench_floor_get(g->mm->pgd, addr, nr, pages + done);
		else if (g->mode == BM_GUP_FAST)
			n = get_user_pages_fast(g->mm, addr, (int)nr, g->gup_flags, pages + done);
		else if (g->mode == BM_PIN_FAST)
			n = pin_user_pages_fast(g->mm, addr, (int)nr, g->gup_flags, pages + done);
		else
			n = pin_user_pages(g->mm, addr, nr, g->gup_flags | FOLL_LONGTERM,
					   pages + done);
		if (n <= 0) {
			err = n ? n : -EFAULT;
			break;
		}
		done += (unsigned long)n;
		addr += (unsigned long)n << PAGE_SHIFT;
		if ((unsigned long)n != nr)
			break;
	}
	if (locked)
		mmap_read_unlock(g->mm);
	g->got[tid] = (long)done;
	return done ? (long)done : err;
}

static int gup_put(void *ctx, int tid)
{
	struct gup_ctx *g = ctx;
	struct page **pages = g->pages[tid];
	unsigned long n = (unsigned long)g->got[tid];

	if (g->kind == BK_FLOOR) {
		bench_floor_put(pages, n);
	} else if (g->mode == BM_GUP_FAST) {
		for (unsigned long i = 0; i < n; i++)
			put_page(pages[i]);
	} else {
		unpin_user_pages(pages, n);
	}
	g->got[tid] = 0;
	return 0;
}

/*
 * gup_test's untimed verify_dma_pinned(): every page of a FOLL_PIN call must
 * read as maybe-pinned. A tracker that cannot tell (legacy get) is reported,
 * not failed: that inability is what the matrix of scenarios is about.
 */
static int gup_check(void *ctx, int tid)
{
	struct gup_ctx *g = ctx;

	if (g->kind != BK_PRESET || g->mode == BM_GUP_FAST)
		return 0;
	for (long i = 0; i < g->got[tid]; i++)
		if (!folio_maybe_dma_pinned(page_folio(g->pages[tid][i])))
			g->not_pinned[tid]++;
	return 0;
}

static void gup_counters(void *ctx, long *acquired, long *released)
{
	*acquired = node_page_state(NR_FOLL_PIN_ACQUIRED);
	*released = node_page_state(NR_FOLL_PIN_RELEASED);
}

/* How many PMDs of [start, start + len) map a 2 MiB folio directly. */
static unsigned long count_pmd_leaves(struct mm_struct *mm, unsigned long start,
				      unsigned long len)
{
	unsigned long n = 0;

	for (unsigned long a = start; a < start + len; a += PMD_SIZE) {
		pmd_t *pmd = mm_find_pmd(mm, a);

		if (pmd && pmd_trans_huge(pmdp_get(pmd)))
			n++;
	}
	return n;
}

static void init_result(struct bench_result *r, const struct bench_opts *o, const char *name,
			enum bench_kind kind, enum bench_mode mode, unsigned int order,
			int threads)
{
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = kind;
	r->mode = mode;
	r->order = order;
	r->threads = threads;
	r->same_range = o->same_range;
	r->pages = o->size >> PAGE_SHIFT;
	r->nr_per_call = o->nr_per_call;
	r->expect_pins = kind == BK_PRESET && mode != BM_GUP_FAST ?
			 (long)r->pages * threads : 0;
}

static void note(struct bench_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct bench_result *r, const char *fmt, ...)
{
	size_t l = strlen(r->note);
	va_list ap;

	if (l && l + 2 < sizeof(r->note)) {
		strcpy(r->note + l, "; ");
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->note + l, sizeof(r->note) - l, fmt, ap);
	va_end(ap);
}

/* Measure one case on the machine of @g; the result is appended to @run. */
static void run_case(struct bench_run *run, struct gup_ctx *g, const char *name,
		     enum bench_kind kind, enum bench_mode mode, unsigned int order, int threads,
		     const char *thp_note)
{
	const struct bench_opts *o = &run->opts;
	struct bench_result *r = bench_add_result(run);
	long outstanding;
	int ret;

	if (!r)
		return;
	init_result(r, o, name, kind, mode, order, threads);
	g->kind = kind;
	g->mode = mode;
	memset(g->not_pinned, 0, sizeof(g->not_pinned));

	struct bench_case c = {
		.label = kind == BK_FLOOR ? "FLOOR_BENCHMARK" : bench_mode_names[mode],
		.ctx = g,
		.get = gup_get,
		.put = gup_put,
		.check = gup_check,
		.counters = kind == BK_PRESET && mode != BM_GUP_FAST ? gup_counters : NULL,
	};
	bench_print_case_header(r);
	ret = bench_time_case(&c, threads, o->repeats, o->quiet, r);
	if (ret) {
		r->err = ret;
		note(r, "%s failed: %s", kind == BK_FLOOR ? "the floor walk" :
		     bench_mode_short[mode], strerror(-ret));
	}
	if (thp_note[0])
		note(r, "%s", thp_note);
	long np = 0;
	for (int t = 0; t < threads; t++)
		np += g->not_pinned[t];
	if (np)
		note(r, "maybe_dma_pinned() false for %ld of %ld pinned pages (the tracker cannot tell)",
		     np / (r->repeats ? r->repeats : 1), (long)r->pages * threads);
	outstanding = pin_outstanding();
	if (outstanding)
		note(r, "%ld pins still outstanding after unpin", outstanding);
	bench_print_summary_line(run, r);
}

int bench_gup_config(struct bench_run *run, unsigned int order, int threads)
{
	const struct bench_opts *o = &run->opts;
	int nbuf = o->same_range ? 1 : threads;
	unsigned long len = o->size * (unsigned long)nbuf;
	struct mem_config cfg = { 0 };
	struct process *p = NULL;
	struct gup_ctx *g;
	char thp_note[128] = "";
	long addr;
	int ret;

	/* Room for the ranges, their page tables and the buddy's alignment slack. */
	cfg.ram_bytes = ALIGN_UP(len + len / 8 + (64UL << 20), 4UL << 20);
	ret = mem_init(&cfg);
	if (ret)
		return ret;
	g = calloc(1, sizeof(*g));
	if (!g) {
		ret = -ENOMEM;
		goto out_mem;
	}
	g->nr_pages = o->size >> PAGE_SHIFT;
	g->nr_per_call = o->nr_per_call;
	g->gup_flags = o->write ? FOLL_WRITE : 0;
	for (int t = 0; t < threads; t++) {
		g->pages[t] = calloc(g->nr_pages, sizeof(struct page *));
		if (!g->pages[t]) {
			ret = -ENOMEM;
			goto out;
		}
	}

	p = process_create("bench");
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	g->mm = p->mm;
	addr = vm_mmap(p->mm, 0, len + PMD_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (addr < 0) {
		ret = (int)addr;
		goto out;
	}
	unsigned long start = ALIGN_UP((unsigned long)addr, PMD_SIZE);
	ret = do_madvise(p->mm, start, len, order ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (ret)
		goto out;
	/* Fault it in from "user space", one store per page, as gup_test does. */
	for (unsigned long a = start; a < start + len; a += PAGE_SIZE) {
		ret = uaccess_write(p->mm, a, "", 1);
		if (ret)
			goto out;
	}
	for (int t = 0; t < threads; t++)
		g->start[t] = start + (o->same_range ? 0 : (unsigned long)t * o->size);
	if (order) {
		unsigned long want = len / PMD_SIZE, got = count_pmd_leaves(p->mm, start, len);

		if (got != want)
			snprintf(thp_note, sizeof(thp_note),
				 "only %lu of %lu PMDs map a 2 MiB folio", got, want);
	}

	if (o->floor)
		run_case(run, g, "floor", BK_FLOOR, BM_PIN_FAST, order, threads, thp_note);
	for (int m = 0; m < BM_NR_MODES; m++) {
		if (!(o->modes & (1u << m)))
			continue;
		if (m == BM_GUP_FAST) {
			/* Plain references: the same under every tracker. */
			run_case(run, g, "gup-fast", BK_GUP, BM_GUP_FAST, order, threads, thp_note);
			continue;
		}
		for (int i = 0; pin_presets[i]; i++) {
			const struct pin_preset *ps = pin_presets[i];
			bool want = o->nr_presets == 0;

			for (int j = 0; j < o->nr_presets; j++)
				want |= !strcmp(o->presets[j], ps->name);
			/* The field preset runs only in the PAGE=72 build: the ratio is across binaries. */
			if (!want || (o->nr_presets == 0 && pin_preset_unavailable(ps)))
				continue;
			ret = pin_preset_apply(ps);
			if (ret) {
				struct bench_result *r = bench_add_result(run);

				if (r) {
					init_result(r, o, ps->name, BK_PRESET, (enum bench_mode)m,
						    order, threads);
					r->err = ret;
					if (pin_preset_unavailable(ps))
						note(r, "%s", pin_preset_unavailable(ps));
					else
						note(r, "pin_preset_apply: %s", strerror(-ret));
					bench_print_summary_line(run, r);
				}
				continue;
			}
			run_case(run, g, ps->name, BK_PRESET, (enum bench_mode)m, order, threads,
				 thp_note);
		}
	}
	ret = 0;
out:
	if (p)
		process_destroy(p);
	for (int t = 0; t < threads; t++)
		free(g->pages[t]);
	free(g);
	mm_rcu_barrier();
out_mem:
	mem_exit();
	return ret;
}
