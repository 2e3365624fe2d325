/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The public entry points: each checks its flags, adds its own (FOLL_GET or
 * FOLL_PIN, FOLL_TOUCH, FOLL_REMOTE...) and goes to the slow path, the
 * long-term wrapper or GUP-fast. One trace line per call.
 */
#include "internal.h"

#define gup_trace(name, mm, start, nr, flags, ret)					\
	mm_trace(name, "mm=%s start=%#lx nr=%ld flags=%#x -> %ld",			\
		 (mm) ? (mm)->owner : "-", (unsigned long)(start), (long)(nr),		\
		 (unsigned int)(flags), (long)(ret))

static bool gup_mm_ok(struct mm_struct *mm)
{
	return !WARN_ON_ONCE(!mm);
}

long get_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages)
{
	unsigned int flags = gup_flags;
	int locked = 1;
	long ret;

	if (!gup_mm_ok(mm) || !is_valid_gup_args(pages, NULL, &flags, FOLL_TOUCH))
		ret = -EINVAL;
	else
		ret = __gup_longterm_locked(mm, start, nr_pages, pages, &locked, flags);
	gup_trace("get_user_pages", mm, start, nr_pages, gup_flags, ret);
	return ret;
}

long get_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, int *locked)
{
	unsigned int flags = gup_flags;
	int local_locked = 1;
	long ret;

	if (!gup_mm_ok(mm) ||
	    !is_valid_gup_args(pages, locked, &flags, FOLL_TOUCH | FOLL_REMOTE))
		ret = -EINVAL;
	else
		ret = __gup_longterm_locked(mm, start, nr_pages, pages,
					    locked ? locked : &local_locked, flags);
	gup_trace("get_user_pages_remote", mm, start, nr_pages, gup_flags, ret);
	return ret;
}

long get_user_pages_unlocked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags)
{
	unsigned int flags = gup_flags;
	int locked = 0;
	long ret;

	if (!gup_mm_ok(mm) ||
	    !is_valid_gup_args(pages, NULL, &flags, FOLL_TOUCH | FOLL_UNLOCKABLE))
		ret = -EINVAL;
	else
		ret = __gup_longterm_locked(mm, start, nr_pages, pages, &locked, flags);
	gup_trace("get_user_pages_unlocked", mm, start, nr_pages, gup_flags, ret);
	return ret;
}

int get_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	unsigned int flags = gup_flags;
	long ret;

	if (!gup_mm_ok(mm) || !is_valid_gup_args(pages, NULL, &flags, FOLL_GET))
		ret = -EINVAL;
	else
		ret = internal_get_user_pages_fast(mm, start, (unsigned long)(long)nr_pages,
						   flags, pages);
	gup_trace("get_user_pages_fast", mm, start, nr_pages, gup_flags, ret);
	return (int)ret;
}

int get_user_pages_fast_only(struct mm_struct *mm, unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages)
{
	unsigned int flags = gup_flags;
	long ret;

	if (!gup_mm_ok(mm) ||
	    !is_valid_gup_args(pages, NULL, &flags, FOLL_GET | FOLL_FAST_ONLY))
		ret = -EINVAL;
	else
		ret = internal_get_user_pages_fast(mm, start, (unsigned long)(long)nr_pages,
						   flags, pages);
	gup_trace("get_user_pages_fast_only", mm, start, nr_pages, gup_flags, ret);
	return (int)ret;
}

long pin_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages)
{
	unsigned int flags = gup_flags;
	int locked = 1;
	long ret;

	if (!gup_mm_ok(mm) || !is_valid_gup_args(pages, NULL, &flags, FOLL_PIN))
		ret = -EINVAL;
	else
		ret = __gup_longterm_locked(mm, start, nr_pages, pages, &locked, flags);
	gup_trace("pin_user_pages", mm, start, nr_pages, gup_flags, ret);
	return ret;
}

long pin_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, int *locked)
{
	unsigned int flags = gup_flags;
	int local_locked = 1;
	long ret;

	if (!gup_mm_ok(mm) ||
	    !is_valid_gup_args(pages, locked, &flags, FOLL_PIN | FOLL_TOUCH | FOLL_REMOTE))
		ret = -EINVAL;
	else
		ret = __gup_longterm_locked(mm, start, nr_pages, pages,
					    locked ? locked : &local_locked, flags);
	gup_trace("pin_user_pages_remote", mm, start, nr_pages, gup_flags, ret);
	return ret;
}

long pin_user_pages_unlocked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags)
{
	unsigned int flags = gup_flags;
	int locked = 0;
	long ret;

	if (!gup_mm_ok(mm) ||
	    !is_valid_gup_args(pages, NULL, &flags, FOLL_PIN | FOLL_TOUCH | FOLL_UNLOCKABLE))
		ret = -EINVAL;
	else
		ret = __gup_longterm_locked(mm, start, nr_pages, pages, &locked, flags);
	gup_trace("pin_user_pages_unlocked", mm, start, nr_pages, gup_flags, ret);
	return ret;
}

int pin_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	unsigned int flags = gup_flags;
	long ret;

	if (!gup_mm_ok(mm) || !is_valid_gup_args(pages, NULL, &flags, FOLL_PIN))
		ret = -EINVAL;
	else
		ret = internal_get_user_pages_fast(mm, start, (unsigned long)(long)nr_pages,
						   flags, pages);
	gup_trace("pin_user_pages_fast", mm, start, nr_pages, gup_flags, ret);
	return (int)ret;
}
