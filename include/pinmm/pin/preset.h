/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Presets: one tracker with one longterm and one writeback policy, the unit the
 * scenario matrix and the benchmark compare.
 */
#ifndef PINMM_PIN_PRESET_H
#define PINMM_PIN_PRESET_H

#include <pinmm/pin/tracker.h>

struct pin_preset {
	const char *name;
	const char *tracker;		/* pin_tracker_find() name */
	enum longterm_policy longterm;
	enum writeback_policy writeback;
	const char *summary;		/* one line for `pinmm list` */
};

/* Every preset whose tracker is built in; NULL-name terminated. */
extern const struct pin_preset pin_presets[];

const struct pin_preset *pin_preset_find(const char *name);
/*
 * Make @p current: its tracker and both policies. -EBUSY while pins are
 * outstanding (pin_config is then untouched), -EINVAL for NULL or a preset
 * naming a tracker that is not built in.
 */
int pin_preset_apply(const struct pin_preset *p);

#endif
