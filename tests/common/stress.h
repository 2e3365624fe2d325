/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For threads of the stress tests: they must not assert (cmocka's longjmp
 * belongs to the main thread), so they count failures for the main thread.
 */
#ifndef PINMM_TESTS_STRESS_H
#define PINMM_TESTS_STRESS_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_long thread_errors;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
			atomic_fetch_add(&thread_errors, 1);		\
		}							\
	} while (0)

/*
 * A deadlock or livelock must fail the test, not hang CI: SIGALRM's default
 * action ends the process, which the runner reports as a failed binary.
 */
static inline void stress_watchdog(unsigned int seconds)
{
	alarm(seconds);
}

static inline unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return (unsigned int)rand_r(seed) % n;
}

#endif
