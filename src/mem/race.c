/* SPDX-License-Identifier: GPL-2.0-only */
/* Race points (race.h): the registered callbacks and the point names. */
#include <errno.h>
#include <string.h>
#include <pinmm/mem/race.h>

const char *const race_point_names[NR_RACE_POINTS] = {
	[RACE_WRITEBACK] = "writeback",
	[RACE_MKCLEAN] = "mkclean",
	[RACE_RECLAIM] = "reclaim",
	[RACE_MIGRATE] = "migrate",
	[RACE_FORK] = "fork",
	[RACE_TRUNCATE] = "truncate",
	[RACE_GUP_FAST] = "gup-fast",
	[RACE_PIN] = "pin",
};

race_fn race_hook;
static race_block_fn race_block_hook;
static void *race_arg;

int race_point_parse(const char *name, enum race_point *out)
{
	for (int i = 0; name && i < NR_RACE_POINTS; i++) {
		if (!strcmp(name, race_point_names[i])) {
			*out = (enum race_point)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Registration happens while the machine is quiescent (between scenario
 * commands, in test set-up); the release store publishes the argument and the
 * block hook with the point hook.
 */
void race_register(race_fn fn, race_block_fn block, void *arg)
{
	__atomic_store_n(&race_hook, NULL, __ATOMIC_RELEASE);
	race_arg = arg;
	race_block_hook = block;
	if (fn)
		__atomic_store_n(&race_hook, fn, __ATOMIC_RELEASE);
}

void __race_point(enum race_point point, struct folio *folio)
{
	race_fn fn = __atomic_load_n(&race_hook, __ATOMIC_ACQUIRE);

	if (fn)
		fn(point, folio, race_arg);
}

void __race_blocking(void)
{
	race_block_fn fn;

	if (!__atomic_load_n(&race_hook, __ATOMIC_ACQUIRE))
		return;
	fn = race_block_hook;
	if (fn)
		fn(race_arg);
}
