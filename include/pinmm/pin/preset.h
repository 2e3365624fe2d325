/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Presets: one tracker with one longterm and one writeback policy, the unit the
 * scenario matrix and the benchmark compare.
 */
#ifndef PINMM_PIN_PRESET_H
#define PINMM_PIN_PRESET_H

#include <pinmm/pin/tracker.h>

enum preset_family {
	PRESET_RELEASE,		/* a kernel release: the history */
	PRESET_DESIGN,		/* a tracker (or pinmm) on the current release's mm: the debate */
};

struct pin_preset {
	const char *name;
	enum preset_family family;
	/*
	 * The release whose mm behaviour (its kernel_has() switches) this preset
	 * runs; NULL: the newest release. Design presets leave it NULL so that the
	 * tracker is the only variable.
	 */
	const char *kernel;
	const char *tracker;		/* pin_tracker_find() name */
	enum longterm_policy longterm;
	enum writeback_policy writeback;
	const char *summary;		/* one line for `pinmm list` */
};

/*
 * Every preset built in, NULL-terminated, in `order` (the matrix's column
 * order): like trackers, each is a `PIN_PRESET(order, ident) = { ... };`
 * definition at the start of a line in a pin-layer source. A tracker's file defines
 * its own design preset. Orders: releases 100-199, designs 200-899, the
 * project's own design 900.
 */
extern const struct pin_preset *const pin_presets[];
#define PIN_PRESET(order, ident) const struct pin_preset ident

/*
 * Old names kept working: each alias stands for a release preset (the
 * matrix shows the release's column; `verdict ALIAS CELL` is the release's
 * verdict). NULL-terminated pairs.
 */
struct pin_preset_alias {
	const char *alias, *target;
};
extern const struct pin_preset_alias pin_preset_aliases[];

/* By name or alias (an alias finds its release preset). */
const struct pin_preset *pin_preset_find(const char *name);
/*
 * Make @p current: its release's kernel_has() switches, its tracker and both
 * policies. -EBUSY while pins are outstanding (nothing is then changed),
 * -EINVAL for NULL or a preset naming a tracker or release not built in,
 * -EOPNOTSUPP when this build cannot run its tracker (pin_preset_unavailable()).
 */
int pin_preset_apply(const struct pin_preset *p);
/* NULL, or why this build cannot run @p (its tracker's ->unavailable). */
const char *pin_preset_unavailable(const struct pin_preset *p);

#endif
