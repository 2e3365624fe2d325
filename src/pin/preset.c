/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Release presets and the preset lookup. Design presets live beside their
 * tracker (src/pin/<tracker>.c); the registry (mk/gen-registry.sh) lists both.
 */
#include <string.h>
#include <pinmm/pin/preset.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/pin/pin.h>

PIN_PRESET(100, legacy_2018_preset) = {
	.name = "legacy-2018",
	.family = PRESET_RELEASE,
	.kernel = "v4.19",
	.tracker = "get",
	.longterm = LONGTERM_ALLOW,
	.writeback = WB_IGNORE,
	.summary = "kernels before 2019: get_user_pages() takes plain references, nothing is refused",
};

PIN_PRESET(190, mainline_preset) = {
	.name = "mainline",
	.family = PRESET_RELEASE,
	.kernel = "v6.18",
	.tracker = "bias",
	.longterm = LONGTERM_MAINLINE,
	.writeback = WB_IGNORE,
	.summary = "Linux 6.x: FOLL_PIN bias/_pincount, longterm refusals, writeback ignores pins",
};

/*
 * Ira Weiny's RDMA/FS DAX series of 2019 (vaddr_pin_pages, F_LAYOUT leases;
 * seed 002) on top of mainline's tracking. Never merged.
 */
PIN_PRESET(800, lease_2019_preset) = {
	.name = "lease-2019",
	.family = PRESET_DESIGN,
	.tracker = "bias",
	.longterm = LONGTERM_LEASE,
	.writeback = WB_IGNORE,
	.summary = "mainline plus the 2019 layout-lease series: longterm file pins under a lease, truncate gets ETXTBSY",
};

const struct pin_preset_alias pin_preset_aliases[] = {
	{ NULL, NULL },
};

const struct pin_preset *pin_preset_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; pin_preset_aliases[i].alias; i++)
		if (!strcmp(pin_preset_aliases[i].alias, name))
			name = pin_preset_aliases[i].target;
	for (size_t i = 0; pin_presets[i]; i++)
		if (!strcmp(pin_presets[i]->name, name))
			return pin_presets[i];
	return NULL;
}

const char *pin_preset_unavailable(const struct pin_preset *p)
{
	const struct pin_tracker *t = p ? pin_tracker_find(p->tracker) : NULL;

	return t ? t->unavailable : NULL;
}

int pin_preset_apply(const struct pin_preset *p)
{
	const struct pin_tracker *t;
	int ret;

	if (!p || (unsigned int)p->longterm >= NR_LONGTERM_POLICIES ||
	    (unsigned int)p->writeback >= NR_WRITEBACK_POLICIES)
		return -EINVAL;
	t = pin_tracker_find(p->tracker);
	if (!t || kernel_release_index(p->kernel ? p->kernel : KERNEL_NEWEST_RELEASE) < 0)
		return -EINVAL;
	ret = pin_tracker_set(t);
	if (ret)
		return ret;
	kernel_select(p->kernel);
	WRITE_ONCE(pin_config.longterm, p->longterm);
	WRITE_ONCE(pin_config.writeback, p->writeback);
	return 0;
}
