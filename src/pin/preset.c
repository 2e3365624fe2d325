/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Release presets and the preset lookup. Design presets live beside their
 * tracker (src/pin/<tracker>.c); the registry (mk/gen-registry.sh) lists both.
 */
#include <string.h>
#include <pinmm/pin/preset.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/pin/pin.h>

/*
 * The releases: the LTS kernels and the newest. Each runs its release's
 * switches (kernel_has()); the tracker is what the release had: plain
 * references before FOLL_PIN was counted (5.7), the bias after. Writeback
 * ignores pins in every one of them (the pin_user_pages.rst TODO).
 */
#define RELEASE_PRESET(rel, trk, text)					\
	{ .name = rel, .family = PRESET_RELEASE, .kernel = rel, .tracker = trk,	\
	  .longterm = LONGTERM_MAINLINE, .writeback = WB_IGNORE, .summary = text }

PIN_PRESET(100, v4_14_preset) = RELEASE_PRESET("v4.14", "get",
	"2017 LTS: plain references, no long-term rules, COW by mapcount");
PIN_PRESET(110, v4_19_preset) = RELEASE_PRESET("v4.19", "get",
	"2018 LTS: fsdax refuses FOLL_LONGTERM (4.15), truncate waits for busy DAX pages (4.18)");
PIN_PRESET(120, v5_4_preset) = RELEASE_PRESET("v5.4", "get",
	"2019 LTS: long-term pins migrate out of CMA (5.1); still plain references");
PIN_PRESET(130, v5_10_preset) = RELEASE_PRESET("v5.10", "bias",
	"2020 LTS: FOLL_PIN counted (5.7), COW by refcount and fork copies pinned pages (5.9)");
PIN_PRESET(140, v5_15_preset) = RELEASE_PRESET("v5.15", "bias",
	"2021 LTS: long-term pins migrate out of ZONE_MOVABLE (5.13)");
PIN_PRESET(150, v6_1_preset) = RELEASE_PRESET("v6.1", "bias",
	"2022 LTS: PageAnonExclusive and R/O unshare of anon pages (5.19), ext4 WARNs (5.18)");
PIN_PRESET(160, v6_6_preset) = RELEASE_PRESET("v6.6", "bias",
	"2023 LTS: R/O unshare in COW mappings (6.2), reclaim keeps pinned folios (6.4), "
	"writable long-term file pins refused (6.5)");
PIN_PRESET(170, v6_12_preset) = RELEASE_PRESET("v6.12", "bias",
	"2024 LTS: as 6.6 for pinning");
PIN_PRESET(180, v6_18_preset) = RELEASE_PRESET("v6.18", "bias",
	"2025 LTS, the newest modelled: fsdax pages refcounted normally (6.15)");

/*
 * Ira Weiny's RDMA/FS DAX series of 2019 (vaddr_pin_pages, F_LAYOUT leases;
 * seed 002) on top of the newest release's tracking. Never merged.
 */
PIN_PRESET(800, lease_2019_preset) = {
	.name = "lease-2019",
	.family = PRESET_DESIGN,
	.tracker = "bias",
	.longterm = LONGTERM_LEASE,
	.writeback = WB_IGNORE,
	.summary = "mainline plus the 2019 layout-lease series: longterm file pins under a lease, truncate gets ETXTBSY",
};

/*
 * The two presets of the first matrix, kept so old scenario files and
 * `--preset mainline` still work: "legacy-2018" was a 2018 kernel with
 * nothing refused (that is v4.14 for some cells and v4.19 for others; the
 * alias is the 2018 LTS), "mainline" the newest release.
 */
const struct pin_preset_alias pin_preset_aliases[] = {
	{ "legacy-2018", "v4.19" },
	{ "mainline", "v6.18" },
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
	const char *old_release = kernel_selected();
	const struct pin_tracker *t;
	int ret;

	if (!p || (unsigned int)p->longterm >= NR_LONGTERM_POLICIES ||
	    (unsigned int)p->writeback >= NR_WRITEBACK_POLICIES)
		return -EINVAL;
	t = pin_tracker_find(p->tracker);
	if (!t || kernel_select(p->kernel))
		return -EINVAL;
	/*
	 * A release's tracker is its FOLL_PIN switch: plain references before
	 * 5.7, the bias after. Asked after kernel_select() so that a run with
	 * that switch overridden (pinmm run --timeline) gets the matching one.
	 */
	if (p->family == PRESET_RELEASE)
		t = pin_tracker_find(kernel_has(KSW_FOLL_PIN) ? "bias" : "get");
	ret = t ? pin_tracker_set(t) : -EINVAL;
	if (ret) {
		kernel_select(old_release);
		return ret;
	}
	WRITE_ONCE(pin_config.longterm, p->longterm);
	WRITE_ONCE(pin_config.writeback, p->writeback);
	return 0;
}
