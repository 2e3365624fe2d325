/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The gup-layer arms. For one folio size: boot a machine, give one process an
 * anonymous mapping with a range per thread (PMD-aligned, MADV_HUGEPAGE or
 * MADV_NOHUGEPAGE), fault it in from "user space" with one store per page as
 * gup_test does, and then run on the very same page tables, round after
 * round, the floor, the host anchor, the gup-fast reference and every preset
 * in every mode, on 1 and N threads, with and without a thread that locks and
 * unlocks the same pages, plus the accessor micro-cases.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/gup/gup.h>
#include <pinmm/mem/pagemap.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/preset.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/shmem.h>
#include <pinmm/fs/vmscan.h>
#include "bench.h"
#include "bench_floor.h"
#include "bench_cpu.h"

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

bool bench_preset_wanted(const struct bench_opts *o, const char *name)
{
	/*
	 * A preset this build cannot run (field, in the 64-byte build) is
	 * measured by the 72-byte comparison, through the build that can; named
	 * on the command line it gets a row that says why it is not measured.
	 */
	if (!o->nr_presets)
		return !pin_preset_unavailable(pin_preset_find(name));
	/* By name or alias: --preset mainline measures v6.18. */
	for (int j = 0; j < o->nr_presets; j++)
		if (!strcmp(o->presets[j], name) || pin_preset_find(o->presets[j]) == pin_preset_find(name))
			return true;
	return false;
}

/*
 * The contender: one thread that takes and drops the page lock of every folio
 * of thread 0's range, over and over, as writeback's write_cache_pages() does
 * to the pages it cleans, while an arm marked contended runs. Otherwise it
 * sleeps, so that the other arms run on a quiet machine.
 */
struct contender {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int want;		/* 0 idle, 1 run, 2 exit */
	atomic_int running;	/* the thread is between its first lock and its last unlock */
	struct folio **folios;
	unsigned long nr;
	atomic_ulong rounds;	/* lock/unlock pairs done */
};

struct machine {
	struct process *p;
	struct mm_struct *mm;
	unsigned int order;
	unsigned long nr_pages;			/* per thread */
	long nr_per_call;
	unsigned int gup_flags;
	int threads;				/* ranges' users */
	unsigned long start[BENCH_MAX_THREADS];
	struct page **pages[BENCH_MAX_THREADS];
	long got[BENCH_MAX_THREADS];
	struct contender cont;
	struct host_ctx *host;
	struct shmem_sb *shm;			/* --shmem: the memfd's mount */
	struct file *file;
};

/* What one arm does on the machine. */
struct arm_ctx {
	struct machine *m;
	enum bench_kind kind;
	enum bench_mode mode;
	const struct pin_preset *preset;
	bool contended;
	struct bench_result *r;
	long not_pinned;
};

static unsigned long chunk(const struct machine *m, unsigned long done)
{
	unsigned long left = m->nr_pages - done;

	if (m->nr_per_call < 0 || (unsigned long)m->nr_per_call > left)
		return left;
	return (unsigned long)m->nr_per_call;
}

/* gup_test's loop: calls of -n pages until the range is done or a call falls short. */
static long gup_get(void *ctx, int tid)
{
	struct arm_ctx *a = ctx;
	struct machine *m = a->m;
	struct page **pages = m->pages[tid];
	unsigned long addr = m->start[tid], done = 0;
	bool locked = a->mode == BM_PIN_LONGTERM;
	long err = 0;

	if (locked)
		mmap_read_lock(m->mm);
	while (done < m->nr_pages) {
		unsigned long nr = chunk(m, done);
		long n;

		if (a->kind == BK_FLOOR || a->kind == BK_FLOOR_CAS)
			n = bench_floor_get(m->mm->pgd, addr, nr, pages + done,
					    a->kind == BK_FLOOR_CAS);
		else if (a->mode == BM_GUP_FAST)
			n = get_user_pages_fast(m->mm, addr, (int)nr, m->gup_flags, pages + done);
		else if (a->mode == BM_PIN_FAST)
			n = pin_user_pages_fast(m->mm, addr, (int)nr, m->gup_flags, pages + done);
		else
			n = pin_user_pages(m->mm, addr, nr, m->gup_flags | FOLL_LONGTERM,
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
		mmap_read_unlock(m->mm);
	m->got[tid] = (long)done;
	return done ? (long)done : err;
}

static int gup_put(void *ctx, int tid)
{
	struct arm_ctx *a = ctx;
	struct machine *m = a->m;
	struct page **pages = m->pages[tid];
	unsigned long n = (unsigned long)m->got[tid];

	if (a->kind == BK_FLOOR || a->kind == BK_FLOOR_CAS) {
		bench_floor_put(pages, n, a->kind == BK_FLOOR_CAS);
	} else if (a->mode == BM_GUP_FAST) {
		for (unsigned long i = 0; i < n; i++)
			put_page(pages[i]);
	} else {
		unpin_user_pages(pages, n);
	}
	m->got[tid] = 0;
	return 0;
}

/*
 * gup_test's verify_dma_pinned(), on the untimed warm-up pass: every page of
 * a FOLL_PIN call must read as maybe-pinned. A tracker that cannot tell
 * (legacy get) is reported, not failed: that inability is what the matrix of
 * scenarios is about.
 */
static int gup_check(void *ctx, int tid)
{
	struct arm_ctx *a = ctx;
	struct machine *m = a->m;
	long n = 0;

	for (long i = 0; i < m->got[tid]; i++)
		if (!folio_maybe_dma_pinned(page_folio(m->pages[tid][i])))
			n++;
	if (tid == 0)
		a->not_pinned = n;
	return 0;
}

static void gup_counters(void *ctx, long *acquired, long *released)
{
	*acquired = node_page_state(NR_FOLL_PIN_ACQUIRED);
	*released = node_page_state(NR_FOLL_PIN_RELEASED);
}

/* ---- the contender ---- */

static void *contender_fn(void *arg)
{
	struct contender *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->want == 0)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->want == 2)
			break;
		pthread_mutex_unlock(&c->lock);
		atomic_store(&c->running, 1);
		while (__atomic_load_n(&c->want, __ATOMIC_ACQUIRE) == 1) {
			for (unsigned long i = 0; i < c->nr; i++) {
				folio_lock(c->folios[i]);
				folio_unlock(c->folios[i]);
			}
			atomic_fetch_add(&c->rounds, c->nr);
		}
		atomic_store(&c->running, 0);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void contender_set(struct contender *c, int want)
{
	pthread_mutex_lock(&c->lock);
	__atomic_store_n(&c->want, want, __ATOMIC_RELEASE);
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (want == 1)
		while (!atomic_load(&c->running))
			sched_yield();
	else
		while (atomic_load(&c->running))
			sched_yield();
}

/* The folios of thread 0's range, found through the floor walk (untimed). */
static int contender_start(struct machine *m)
{
	struct contender *c = &m->cont;
	struct page **pages = m->pages[0];
	long n = bench_floor_get(m->mm->pgd, m->start[0], m->nr_pages, pages, false);

	if (n <= 0)
		return -EFAULT;
	bench_floor_put(pages, (unsigned long)n, false);
	c->folios = calloc((size_t)n, sizeof(*c->folios));
	if (!c->folios)
		return -ENOMEM;
	for (long i = 0; i < n; i++) {
		struct folio *f = page_folio(pages[i]);

		if (!c->nr || c->folios[c->nr - 1] != f)
			c->folios[c->nr++] = f;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (pthread_create(&c->thread, NULL, contender_fn, c)) {
		free(c->folios);
		c->folios = NULL;
		return -EAGAIN;
	}
	c->started = true;
	return 0;
}

static void contender_stop(struct contender *c)
{
	if (!c->started)
		return;
	contender_set(c, 2);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->folios);
	c->started = false;
}

/* ---- selecting an arm ---- */

static int arm_select(void *arg)
{
	struct arm_ctx *a = arg;
	int ret = 0;

	if (a->preset)
		ret = pin_preset_apply(a->preset);
	if (!ret && a->contended)
		contender_set(&a->m->cont, 1);
	return ret;
}

static void arm_deselect(void *arg)
{
	struct arm_ctx *a = arg;
	long outstanding;

	if (a->contended)
		contender_set(&a->m->cont, 0);
	if (a->not_pinned && !strstr(a->r->note, "maybe_dma_pinned"))
		a->r->not_pinned = a->not_pinned;
	outstanding = pin_outstanding();
	if (outstanding && !strstr(a->r->note, "outstanding")) {
		size_t l = strlen(a->r->note);

		snprintf(a->r->note + l, sizeof(a->r->note) - l,
			 "%s%ld pins still outstanding after unpin", l ? "; " : "", outstanding);
	}
}

/* ---- the accessor micro-cases ---- */

/*
 * page_to_pfn() and page_folio() as the mem layer defines them when the bench
 * is built, against the plain arithmetic they were before any design added a
 * branch to them (the proxy tracker's untagging): the ratio is what the branch
 * costs on an untagged page. The asm keeps each call a scalar step, so neither
 * loop is vectorised into something no caller would see.
 */
struct micro_ctx {
	struct page **pages;
	unsigned long nr;
	int which;
};
enum { MICRO_PFN_RAW, MICRO_PFN, MICRO_FOLIO_RAW, MICRO_FOLIO, NR_MICRO };
static const char *const micro_names[NR_MICRO] = {
	"pfn-arith", "page_to_pfn", "folio-arith", "page_folio",
};
static const char *const micro_labels[NR_MICRO] = {
	"PFN_ARITH", "PAGE_TO_PFN", "FOLIO_ARITH", "PAGE_FOLIO",
};
static volatile unsigned long micro_sink;

static inline unsigned long raw_pfn(const struct page *page)
{
	return (unsigned long)(page - mem_map) + ARCH_PFN_OFFSET;
}

static inline const void *raw_folio(const struct page *page)
{
	unsigned long head = __atomic_load_n(&page->compound_head, __ATOMIC_RELAXED);

	return head & 1 ? (const void *)(head - 1) : (const void *)page;
}

/*
 * Four calls per branch: a loop of one call per branch ran at 0.44 or 0.67
 * ns/call from its alignment alone, which is the size of what it measures.
 */
#define MICRO_LOOP(mc, s, F)							\
	do {									\
		unsigned long i_ = 0;						\
		for (; i_ + 4 <= (mc)->nr; i_ += 4) {				\
			s += (unsigned long)F((mc)->pages[i_]);			\
			__asm__ volatile("" : "+r"(s));				\
			s += (unsigned long)F((mc)->pages[i_ + 1]);		\
			__asm__ volatile("" : "+r"(s));				\
			s += (unsigned long)F((mc)->pages[i_ + 2]);		\
			__asm__ volatile("" : "+r"(s));				\
			s += (unsigned long)F((mc)->pages[i_ + 3]);		\
			__asm__ volatile("" : "+r"(s));				\
		}								\
		for (; i_ < (mc)->nr; i_++) {					\
			s += (unsigned long)F((mc)->pages[i_]);			\
			__asm__ volatile("" : "+r"(s));				\
		}								\
	} while (0)

static long micro_get(void *ctx, int tid)
{
	struct micro_ctx *mc = ctx;
	unsigned long s = 0;

	switch (mc->which) {
	case MICRO_PFN_RAW:
		MICRO_LOOP(mc, s, raw_pfn);
		break;
	case MICRO_PFN:
		MICRO_LOOP(mc, s, page_to_pfn);
		break;
	case MICRO_FOLIO_RAW:
		MICRO_LOOP(mc, s, raw_folio);
		break;
	default:
		MICRO_LOOP(mc, s, page_folio);
		break;
	}
	micro_sink = s;
	return (long)mc->nr;
}

static int micro_put(void *ctx, int tid)
{
	return 0;
}

/* ---- building the arms ---- */

struct arms {
	struct bench_arm *a;
	struct arm_ctx *ctx;
	int nr, cap;
};

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

static struct bench_result *new_result(struct bench_run *run, const char *name,
				       enum bench_kind kind, enum bench_mode mode,
				       const struct machine *m, int threads, bool contended)
{
	struct bench_result *r = bench_add_result(run);

	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->kind = kind;
	r->mode = mode;
	r->order = m->order;
	r->threads = threads;
	r->same_range = run->opts.same_range && threads > 1;
	r->contended = contended;
	r->pages = m->nr_pages;
	r->size_mib = (m->nr_pages << PAGE_SHIFT) >> 20;
	r->nr_per_call = kind == BK_HOST || kind == BK_MICRO ? -1 : m->nr_per_call;
	r->expect_pins = (kind == BK_PRESET && mode != BM_GUP_FAST) || kind == BK_HOST ?
			 (long)r->pages * threads : 0;
	return r;
}

static struct bench_arm *add_arm(struct arms *as, struct bench_result *r)
{
	struct bench_arm *a;

	if (!r || as->nr == as->cap)
		return NULL;
	a = &as->a[as->nr];
	memset(a, 0, sizeof(*a));
	memset(&as->ctx[as->nr], 0, sizeof(as->ctx[0]));
	a->r = r;
	a->threads = r->threads;
	as->nr++;
	return a;
}

static void add_gup_arm(struct arms *as, struct bench_run *run, struct machine *m,
			const char *name, enum bench_kind kind, enum bench_mode mode,
			const struct pin_preset *ps, int threads, bool contended)
{
	struct bench_result *r = new_result(run, name, kind, mode, m, threads, contended);
	struct bench_arm *a = add_arm(as, r);
	struct arm_ctx *c;

	if (!a)
		return;
	c = &as->ctx[as->nr - 1];
	c->m = m;
	c->kind = kind;
	c->mode = mode;
	c->preset = ps;
	c->contended = contended;
	c->r = r;
	a->c.label = kind == BK_FLOOR ? "FLOOR_BENCHMARK" :
		     kind == BK_FLOOR_CAS ? "FLOOR_CAS_BENCHMARK" : bench_mode_names[mode];
	a->c.ctx = c;
	a->c.get = gup_get;
	a->c.put = gup_put;
	a->c.check = kind == BK_PRESET && mode != BM_GUP_FAST ? gup_check : NULL;
	a->c.counters = kind == BK_PRESET && mode != BM_GUP_FAST ? gup_counters : NULL;
	a->select = arm_select;
	a->deselect = arm_deselect;
	a->arg = c;
	if (kind == BK_PRESET) {
		int ret = pin_preset_apply(ps);

		if (ret) {
			r->err = ret;
			if (pin_preset_unavailable(ps))
				note(r, "%s", pin_preset_unavailable(ps));
			else
				note(r, "pin_preset_apply: %s", strerror(-ret));
		}
	}
}

/* The arms of the standard set (or of the options) on machine @m. */
static void build_arms(struct arms *as, struct bench_run *run, struct machine *m,
		       const int *threads, int nr_threads, bool sweep,
		       struct micro_ctx *micro)
{
	const struct bench_opts *o = &run->opts;

	for (int ti = 0; ti < nr_threads; ti++) {
		int t = threads[ti];

		if (o->floor)
			add_gup_arm(as, run, m, "floor", BK_FLOOR, BM_PIN_FAST, NULL, t, false);
		/* What the floor costs with the instruction a refusing grab must use. */
		if (o->floor && !sweep && t == 1)
			add_gup_arm(as, run, m, "floor-cas", BK_FLOOR_CAS, BM_PIN_FAST, NULL, t,
				    false);
		if (m->host && !sweep) {
			struct bench_result *r = new_result(run, "host", BK_HOST, BM_PIN_LONGTERM, m,
							    t, false);
			struct bench_arm *a = add_arm(as, r);

			if (a) {
				bench_host_arm(m->host, a, t);
				a->r = r;
			}
		}
		for (int mode = 0; mode < BM_MICRO; mode++) {
			if (!(o->modes & (1u << mode)) || (sweep && mode != BM_PIN_FAST))
				continue;
			if (mode == BM_GUP_FAST) {
				/* Plain references: the same under every tracker. */
				add_gup_arm(as, run, m, "gup-fast", BK_GUP, BM_GUP_FAST, NULL, t, false);
				continue;
			}
			for (int i = 0; pin_presets[i]; i++)
				if (bench_preset_wanted(o, pin_presets[i]->name))
					add_gup_arm(as, run, m, pin_presets[i]->name, BK_PRESET,
						    (enum bench_mode)mode, pin_presets[i], t, false);
		}
	}
	if (o->contended && m->cont.started) {
		add_gup_arm(as, run, m, "floor", BK_FLOOR, BM_PIN_FAST, NULL, 1, true);
		for (int mode = 0; mode < BM_MICRO; mode++) {
			if (mode == BM_GUP_FAST || !(o->modes & (1u << mode)))
				continue;
			for (int i = 0; pin_presets[i]; i++)
				if (bench_preset_wanted(o, pin_presets[i]->name))
					add_gup_arm(as, run, m, pin_presets[i]->name, BK_PRESET,
						    (enum bench_mode)mode, pin_presets[i], 1, true);
		}
	}
	for (int i = 0; micro && i < NR_MICRO; i++) {
		struct bench_result *r = new_result(run, micro_names[i], BK_MICRO, BM_MICRO, m, 1,
						    false);
		struct bench_arm *a = add_arm(as, r);

		if (!a)
			continue;
		micro[i].which = i;
		a->c.label = micro_labels[i];
		a->c.ctx = &micro[i];
		a->c.get = micro_get;
		a->c.put = micro_put;
	}
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

/* ---- memory probe: thread 0's range ---- */

static struct arm_ctx mem_arm;

static long mem_pin(void *ctx)
{
	mem_arm.m = ctx;
	mem_arm.kind = BK_PRESET;
	mem_arm.mode = BM_PIN_FAST;
	return gup_get(&mem_arm, 0);
}

static void mem_unpin(void *ctx)
{
	gup_put(&mem_arm, 0);
}

static void machine_free(struct machine *m)
{
	contender_stop(&m->cont);
	bench_host_teardown(m->host);
	if (m->p)
		process_destroy(m->p);
	if (m->file)
		fput(m->file);
	if (m->shm)
		shmem_umount(m->shm);
	for (int t = 0; t < BENCH_MAX_THREADS; t++)
		free(m->pages[t]);
	free(m);
	mm_rcu_barrier();
	mem_exit();
}

int bench_gup_config(struct bench_run *run, unsigned int order, unsigned long size,
		     bool sweep, const struct bench_sched *sched)
{
	const struct bench_opts *o = &run->opts;
	int threads[2], nr_threads = 0, maxt = 1;
	struct mem_config cfg = { 0 };
	struct micro_ctx micro[NR_MICRO];
	struct bench_sched std = { .repeats = o->repeats, .warm = true };
	struct arms as = { 0 };
	struct bench_cpu cpu = { 0 };
	struct machine *m;
	char thp_note[128] = "";
	int nbuf, ret;
	long addr;

	if (o->threads) {
		threads[nr_threads++] = o->threads;
	} else {
		threads[nr_threads++] = 1;
		if (!sweep && o->standard)
			threads[nr_threads++] = 2;
	}
	for (int i = 0; i < nr_threads; i++)
		if (threads[i] > maxt)
			maxt = threads[i];
	nbuf = o->same_range ? 1 : maxt;
	unsigned long len = size * (unsigned long)nbuf;

	/* Room for the ranges, their page tables and the buddy's alignment slack. */
	cfg.ram_bytes = ALIGN_UP(len + len / 8 + (64UL << 20), 4UL << 20);
	ret = mem_init(&cfg);
	if (ret)
		return ret;
	/* The LRU lists exist, as on any kernel: the lru tracker isolates from them. */
	fs_install_hooks();
	m = calloc(1, sizeof(*m));
	if (!m) {
		mem_exit();
		return -ENOMEM;
	}
	m->order = order;
	m->nr_pages = size >> PAGE_SHIFT;
	m->nr_per_call = o->nr_per_call;
	m->gup_flags = o->write ? FOLL_WRITE : 0;
	m->threads = maxt;
	for (int t = 0; t < maxt; t++) {
		m->pages[t] = calloc(m->nr_pages, sizeof(struct page *));
		if (!m->pages[t]) {
			ret = -ENOMEM;
			goto out;
		}
	}
	m->p = process_create("bench");
	if (!m->p) {
		ret = -ENOMEM;
		goto out;
	}
	m->mm = m->p->mm;
	if (o->shmem) {
		/*
		 * A file mapping: GUP-fast takes its pages like anonymous ones
		 * under most trackers; the proxy tracker sends them to the slow
		 * path (src/gup/fast.c), and this is where that shows.
		 */
		int err = -ENOMEM;

		m->shm = shmem_mount("bench");
		m->file = m->shm ? shmem_memfd_create(m->shm, "bench", &err) : NULL;
		ret = m->file ? fs_truncate(m->file, (loff_t)(len + PMD_SIZE)) : err;
		if (ret)
			goto out;
		addr = vm_mmap(m->mm, 0, len + PMD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			       m->file, 0);
	} else if (o->hugetlb && order) {
		/* gup_test -H: MAP_HUGETLB|MAP_ANONYMOUS, the pool holding the whole range. */
		unsigned long need = len / PMD_SIZE;

		if (hugetlb_set_nr_pages(&default_hstate, need) != need) {
			ret = -ENOMEM;
			goto out;
		}
		addr = vm_mmap(m->mm, 0, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, NULL, 0);
	} else {
		addr = vm_mmap(m->mm, 0, len + PMD_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	}
	if (addr < 0) {
		ret = (int)addr;
		goto out;
	}
	unsigned long start = ALIGN_UP((unsigned long)addr, PMD_SIZE);
	ret = o->hugetlb && order ? 0 :
	      do_madvise(m->mm, start, len, order ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (ret)
		goto out;
	/* Fault it in from "user space", one store per page, as gup_test does. */
	for (unsigned long a = start; a < start + len; a += PAGE_SIZE) {
		ret = uaccess_write(m->mm, a, "", 1);
		if (ret)
			goto out;
	}
	for (int t = 0; t < maxt; t++)
		m->start[t] = start + (o->same_range ? 0 : (unsigned long)t * size);
	if (order) {
		unsigned long want = len / PMD_SIZE, got = count_pmd_leaves(m->mm, start, len);

		if (got != want)
			snprintf(thp_note, sizeof(thp_note),
				 "only %lu of %lu PMDs map a 2 MiB folio", got, want);
	}

	if (o->host && o->hugetlb && order && !run->host_note[0] && !sweep && !sched) {
		/* The anchor registers THP memory; the host's hugetlb pool is not ours to size. */
		snprintf(run->host_note, sizeof(run->host_note),
			 "not run with -H: the host's hugetlb pool is the host's (nr_hugepages), "
			 "pinmm does not reserve it");
		printf("pinmm bench: host anchor: %s\n", run->host_note);
	} else if (o->host && !run->host_note[0] && !sweep && !sched) {
		char why[256];

		ret = bench_host_setup(&m->host, size, order, maxt, o->same_range, why, sizeof(why));
		if (ret)
			printf("pinmm bench: host anchor, %s folios: %s\n", order ? "2 MiB" : "4 KiB",
			       why);
	}
	if (o->contended && !sweep && !o->same_range) {
		ret = contender_start(m);
		if (ret)
			printf("pinmm bench: no page-lock contender: %s\n", strerror(-ret));
	}
	if (o->memory && !order && !sweep && !sched) {
		struct bench_mem_probe probe = {
			.pin = mem_pin, .unpin = mem_unpin, .ctx = m,
			.ram_pages = cfg.ram_bytes >> PAGE_SHIFT,
		};

		bench_measure_memory(run, &probe);
	}

	as.cap = 4 * (BENCH_MAX_PRESETS * 3 + 8) + NR_MICRO + BENCH_NR_CPU;
	as.a = calloc((size_t)as.cap, sizeof(*as.a));
	as.ctx = calloc((size_t)as.cap, sizeof(*as.ctx));
	if (!as.a || !as.ctx) {
		ret = -ENOMEM;
		goto out;
	}
	if (o->micro && !order && !sweep) {
		for (int i = 0; i < NR_MICRO; i++) {
			micro[i].pages = m->pages[0];
			micro[i].nr = m->nr_pages;
		}
		/* pages[] of thread 0 holds its range's struct pages from here on. */
		long n = bench_floor_get(m->mm->pgd, m->start[0], m->nr_pages, m->pages[0], false);

		if (n > 0)
			bench_floor_put(m->pages[0], (unsigned long)n, false);
		for (int i = 0; i < NR_MICRO; i++)
			micro[i].nr = n > 0 ? (unsigned long)n : 0;
	}
	build_arms(&as, run, m, threads, nr_threads, sweep,
		   o->micro && !order && !sweep ? micro : NULL);
	/* The machine's own references, round by round (bench_cpu.c). */
	if (!order && !sweep && !o->worker && !bench_cpu_init(&cpu, m->nr_pages)) {
		for (int i = 0; i < BENCH_NR_CPU; i++) {
			struct bench_result *r = new_result(run, bench_cpu_names[i], BK_MICRO,
							    BM_MICRO, m, 1, false);
			struct bench_arm *a = add_arm(&as, r);

			if (a)
				bench_cpu_case(&a->c, (enum bench_cpu_probe)i, &cpu);
		}
	}
	for (int i = 0; i < as.nr; i++) {
		as.a[i].r->rss_kib = bench_rss_kib();
		if (thp_note[0] && as.a[i].r->kind != BK_HOST && as.a[i].r->kind != BK_MICRO)
			note(as.a[i].r, "%s", thp_note);
	}

	printf("pinmm bench: %s folios, %lu MiB per thread: %d cases, %d rounds\n",
	       order ? (o->hugetlb ? "2 MiB hugetlb" : "2 MiB") : "4 KiB", size >> 20, as.nr, (sched ? sched : &std)->repeats);
	fflush(stdout);
	ret = bench_run_rounds(as.a, as.nr, maxt, sched ? sched : &std);
	for (int i = 0; i < as.nr; i++) {
		struct bench_result *r = as.a[i].r;

		if (r->kind == BK_MICRO)
			continue;
		if (r->not_pinned)
			note(r, "maybe_dma_pinned() false for %ld of %lu pinned pages (the tracker cannot tell)",
			     r->not_pinned, r->pages);
		if (m->cont.started && r->contended)
			note(r, "contender: %lu page-lock rounds in all",
			     (unsigned long)atomic_load(&m->cont.rounds));
		if (!o->quiet && !r->err) {
			bench_print_gup_test_lines(r, as.a[i].c.label);
		}
	}
out:
	bench_cpu_free(&cpu);
	free(as.a);
	free(as.ctx);
	machine_free(m);
	return ret;
}
