/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The presets. Only presets whose tracker is built in are listed; the per-seed
 * presets (lru, field, page_ext, mapping, proxy, mapcount, pagelock with bounce
 * writeback) and `pinmm` (exact/lease/bounce) join as their trackers land.
 */
#include <string.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/pin.h>

const struct pin_preset pin_presets[] = {
	{
		.name = "legacy-2018",
		.tracker = "get",
		.longterm = LONGTERM_ALLOW,
		.writeback = WB_IGNORE,
		.summary = "kernels before 2019: get_user_pages() takes plain references, nothing is refused",
	},
	{
		.name = "mainline",
		.tracker = "bias",
		.longterm = LONGTERM_MAINLINE,
		.writeback = WB_IGNORE,
		.summary = "Linux 6.x: FOLL_PIN bias/_pincount, longterm refusals, writeback ignores pins",
	},
	{
		/*
		 * Ira Weiny's RDMA/FS DAX series of 2019 (vaddr_pin_pages, F_LAYOUT
		 * leases; seed 002) on top of mainline's tracking. Never merged.
		 */
		.name = "lease-2019",
		.tracker = "bias",
		.longterm = LONGTERM_LEASE,
		.writeback = WB_IGNORE,
		.summary = "mainline plus the 2019 layout-lease series: longterm file pins under a lease, truncate gets ETXTBSY",
	},
	{ .name = NULL },
};

const struct pin_preset *pin_preset_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct pin_preset *p = pin_presets; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

int pin_preset_apply(const struct pin_preset *p)
{
	const struct pin_tracker *t;
	int ret;

	if (!p || (unsigned int)p->longterm >= NR_LONGTERM_POLICIES ||
	    (unsigned int)p->writeback >= NR_WRITEBACK_POLICIES)
		return -EINVAL;
	t = pin_tracker_find(p->tracker);
	if (!t)
		return -EINVAL;
	ret = pin_tracker_set(t);
	if (ret)
		return ret;
	WRITE_ONCE(pin_config.longterm, p->longterm);
	WRITE_ONCE(pin_config.writeback, p->writeback);
	return 0;
}
