/* SPDX-License-Identifier: GPL-2.0-only */
/* The tracker registry and the current pin configuration. */
#include <string.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/trackers.h>
#include "internal.h"

const char *const longterm_policy_names[NR_LONGTERM_POLICIES] = {
	[LONGTERM_ALLOW] = "allow",
	[LONGTERM_MAINLINE] = "release",
	[LONGTERM_LEASE] = "lease",
	[LONGTERM_BUSY] = "busy",
};

const char *const writeback_policy_names[NR_WRITEBACK_POLICIES] = {
	[WB_IGNORE] = "ignore",
	[WB_BOUNCE] = "bounce",
	[WB_SKIP] = "skip",
};

/* What a freshly started pinmm does: the mainline kernel. */
struct pin_config pin_config = {
	.tracker = &bias_tracker,
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_IGNORE,
	.debug = false,
};

const struct pin_tracker *pin_tracker_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; pin_trackers[i]; i++)
		if (!strcmp(pin_trackers[i]->name, name))
			return pin_trackers[i];
	return NULL;
}

/*
 * Model: the kernel never changes how pins are tracked at run time. pinmm does,
 * between scenarios, and only with nothing pinned: a pin taken under one
 * tracker cannot be dropped by another. The check is not atomic with respect
 * to concurrent pinning; callers switch while the machine is quiescent.
 */
int pin_tracker_set(const struct pin_tracker *t)
{
	const struct pin_tracker *old = pin_config.tracker;
	int ret;

	if (t && t->unavailable)
		return -EOPNOTSUPP;
	if (!t || !t->try_pin || !t->unpin || !t->maybe_dma_pinned || !t->pincount)
		return -EINVAL;
	if (pin_outstanding() != 0)
		return -EBUSY;
	if (t == old)
		return 0;
	if (t->enable) {
		ret = t->enable();
		if (ret)
			return ret;
	}
	if (old && old->disable)
		old->disable();
	WRITE_ONCE(pin_config.tracker, t);
	return 0;
}
