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

#ifdef PINMM_MEM_EVENT_H
/*
 * Print every BUG and WARN recorded so far and return how many there were: a
 * stress failure that only says "1 != 0" cannot be chased.
 */
static inline size_t stress_report_events(const char *who)
{
	struct mm_event ev;
	size_t n = 0;

	for (size_t i = 0; !mm_event_get(i, &ev); i++) {
		if (ev.kind != MM_EV_BUG && ev.kind != MM_EV_WARN)
			continue;
		fprintf(stderr, "# %s: %s pfn %#lx: %s\n", who, mm_event_kind_names[ev.kind], ev.pfn,
			ev.text);
		n++;
	}
	return n;
}
#endif

#ifdef PINMM_PIN_PRESET_H
/*
 * The presets every stress test runs under: mainline and the design presets
 * that must come out clean. A name this build does not have, or cannot run
 * (field outside PAGE=72), is left out. Fills @v with one test per preset
 * named "FN[PRESET]", the preset's name as the initial state.
 */
static const char *const stress_presets[] = {
	"mainline", "bias", "field", "page_ext", "lru", "mapping", "proxy", "exact", "pinmm", NULL,
};

static inline size_t stress_tests(struct CMUnitTest *v, size_t max, const char *fn_name,
				  CMUnitTestFunction fn)
{
	static char names[64][96];
	static size_t used;
	size_t n = 0;

	for (size_t i = 0; stress_presets[i] && n < max && used < 64; i++) {
		const struct pin_preset *p = pin_preset_find(stress_presets[i]);

		if (!p || pin_preset_unavailable(p))
			continue;
		snprintf(names[used], sizeof(names[used]), "%s[%s]", fn_name, p->name);
		v[n] = (struct CMUnitTest){ .name = names[used], .test_func = fn,
					    .initial_state = (void *)p->name };
		used++;
		n++;
	}
	return n;
}

/* The preset a stress test was started for, applied on the running machine. */
static inline const char *stress_apply_preset(void **state)
{
	const char *name = *state ? (const char *)*state : "mainline";

	thread_errors = 0;
	if (pin_preset_apply(pin_preset_find(name)))
		return NULL;
	return name;
}
#endif

#endif
