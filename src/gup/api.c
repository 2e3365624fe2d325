/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The public entry points: each checks its flags, adds its own (FOLL_GET or
 * FOLL_PIN, FOLL_TOUCH, FOLL_REMOTE...) and goes to the slow path, the
 * long-term wrapper or GUP-fast. One trace line per call.
 */
#include "internal.h"

const struct trace_flag gup_flag_names[] = {
	{ FOLL_WRITE, "FOLL_WRITE" }, { FOLL_GET, "FOLL_GET" }, { FOLL_DUMP, "FOLL_DUMP" },
	{ FOLL_FORCE, "FOLL_FORCE" }, { FOLL_NOWAIT, "FOLL_NOWAIT" },
	{ FOLL_NOFAULT, "FOLL_NOFAULT" }, { FOLL_HWPOISON, "FOLL_HWPOISON" },
	{ FOLL_ANON, "FOLL_ANON" }, { FOLL_LONGTERM, "FOLL_LONGTERM" },
	{ FOLL_SPLIT_PMD, "FOLL_SPLIT_PMD" }, { FOLL_PCI_P2PDMA, "FOLL_PCI_P2PDMA" },
	{ FOLL_INTERRUPTIBLE, "FOLL_INTERRUPTIBLE" },
	{ FOLL_HONOR_NUMA_FAULT, "FOLL_HONOR_NUMA_FAULT" }, { FOLL_TOUCH, "FOLL_TOUCH" },
	{ FOLL_TRIED, "FOLL_TRIED" }, { FOLL_REMOTE, "FOLL_REMOTE" }, { FOLL_PIN, "FOLL_PIN" },
	{ FOLL_FAST_ONLY, "FOLL_FAST_ONLY" }, { FOLL_UNLOCKABLE, "FOLL_UNLOCKABLE" },
	{ FOLL_MADV_POPULATE, "FOLL_MADV_POPULATE" }, { FOLL_LAYOUT_LEASE, "FOLL_LAYOUT_LEASE" },
	{ 0, NULL },
};

/* Entry and exit of an entry point, function_graph style: its faults and pins nest inside. */
#define gup_trace_enter(name, mm, start, nr, flags)					\
	do {										\
		char __f[256];								\
											\
		mm_trace_enter(name, "mm=%s start=%#lx nr_pages=%ld gup_flags=%s",	\
			       (mm) ? (mm)->owner : "-", (unsigned long)(start),	\
			       (long)(nr), READ_ONCE(mm_trace_on) ?			\
			       trace_flags(__f, sizeof(__f), (flags), gup_flag_names) : "");\
	} while (0)
#define gup_trace(name, mm, start, nr, flags, ret)					\
	mm_trace_exit(name, "%ld", (long)(ret))

/* Model: mainline does not check for a NULL mm; it would oops. */
static bool gup_mm_ok(struct mm_struct *mm)
{
	return !WARN_ON_ONCE(!mm);
}

/*
 * Every slow-path entry point: validate, add the entry point's own flags, run
 * the (long-term aware) slow path. @locked is the caller's (remote variants) or
 * NULL, in which case @held says whether the caller holds mmap_lock.
 * Arguments is_valid_gup_args() rejects (it WARNs) make the get family return
 * -EINVAL, but the slow pin family return 0 pages, as mainline's do from 6.3
 * (d64e2dbc33a1, switch longterm-needs-pin): a caller that loops until
 * everything is pinned sees no progress rather than an errno. Before, each pin
 * entry point checked its own arguments (FOLL_GET with FOLL_PIN) and returned
 * -EINVAL. Model: every release rejects what 6.3's is_valid_gup_args() does;
 * the older entry points checked less.
 */
static long gup_slow_entry(const char *name, struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags, struct page **pages,
			   int *locked, int held, unsigned int add)
{
	unsigned int flags = gup_flags;
	int local_locked = held;
	long ret;

	gup_trace_enter(name, mm, start, nr_pages, gup_flags);
	if (!gup_mm_ok(mm) || !is_valid_gup_args(pages, locked, &flags, add))
		ret = (add & FOLL_PIN) && kernel_has(KSW_LONGTERM_NEEDS_PIN) ? 0 : -EINVAL;
	else
		ret = gup_pin_post(mm, start, pages,
				   __gup_longterm_locked(mm, start, nr_pages, pages,
							 locked ? locked : &local_locked, flags),
				   locked ? locked : &local_locked, flags);
	gup_trace(name, mm, start, nr_pages, gup_flags, ret);
	return ret;
}

static int gup_fast_entry(const char *name, struct mm_struct *mm, unsigned long start,
			  int nr_pages, unsigned int gup_flags, struct page **pages,
			  unsigned int add)
{
	unsigned int flags = gup_flags;
	long ret;

	gup_trace_enter(name, mm, start, nr_pages, gup_flags);
	if (!gup_mm_ok(mm) || !is_valid_gup_args(pages, NULL, &flags, add))
		ret = -EINVAL;
	else
		ret = internal_get_user_pages_fast(mm, start, (unsigned long)(long)nr_pages,
						   flags, pages);
	if (ret > 0) {
		int locked = 0;

		ret = gup_pin_post(mm, start & PAGE_MASK, pages, ret, &locked,
				   flags | FOLL_UNLOCKABLE);
		if (locked)
			mmap_read_unlock(mm);
	}
	gup_trace(name, mm, start, nr_pages, gup_flags, ret);
	return (int)ret;
}

long get_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages)
{
	return gup_slow_entry("get_user_pages", mm, start, nr_pages, gup_flags, pages,
			      NULL, 1, FOLL_TOUCH);
}

long get_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, int *locked)
{
	return gup_slow_entry("get_user_pages_remote", mm, start, nr_pages, gup_flags, pages,
			      locked, 1, FOLL_TOUCH | FOLL_REMOTE);
}

long get_user_pages_unlocked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags)
{
	return gup_slow_entry("get_user_pages_unlocked", mm, start, nr_pages, gup_flags, pages,
			      NULL, 0, FOLL_TOUCH | FOLL_UNLOCKABLE);
}

int get_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	return gup_fast_entry("get_user_pages_fast", mm, start, nr_pages, gup_flags, pages,
			      FOLL_GET);
}

int get_user_pages_fast_only(struct mm_struct *mm, unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages)
{
	return gup_fast_entry("get_user_pages_fast_only", mm, start, nr_pages, gup_flags,
			      pages, FOLL_GET | FOLL_FAST_ONLY);
}

long pin_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages)
{
	return gup_slow_entry("pin_user_pages", mm, start, nr_pages, gup_flags, pages,
			      NULL, 1, FOLL_PIN);
}

long pin_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, int *locked)
{
	return gup_slow_entry("pin_user_pages_remote", mm, start, nr_pages, gup_flags, pages,
			      locked, 1, FOLL_PIN | FOLL_TOUCH | FOLL_REMOTE);
}

long pin_user_pages_unlocked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags)
{
	return gup_slow_entry("pin_user_pages_unlocked", mm, start, nr_pages, gup_flags, pages,
			      NULL, 0, FOLL_PIN | FOLL_TOUCH | FOLL_UNLOCKABLE);
}

int pin_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	return gup_fast_entry("pin_user_pages_fast", mm, start, nr_pages, gup_flags, pages,
			      FOLL_PIN);
}
