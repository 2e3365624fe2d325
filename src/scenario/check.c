/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checks against tables the parser does not link (so the fuzz target stays a
 * parser alone): preset names against the pin layer's presets, vmstat names
 * against the mem layer's counters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pinmm/mem/vmstat.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>

/* A preset of @presets, or an alias of one the pin layer knows. */
static bool known(const char *name, const char *const *presets, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(presets[i], name))
			return true;
	return pin_preset_find(name) != NULL;
}

int scenario_check(const struct scenario *s, const char *const *presets, size_t nr_presets,
		   char *err, size_t errlen)
{
	char hint[512];

	if (presets) {
		/* Presets and verdict lines: names, aliases, groups, ranges (verdict.c). */
		if (scenario_check_targets(s, presets, nr_presets, err, errlen))
			return -EINVAL;
		for (size_t i = 0; i < s->nr_cmds; i++) {
			const struct scn_cmd *c = &s->cmds[i];

			for (size_t j = 0; j < c->nr_only; j++) {
				if (known(c->only[j], presets, nr_presets))
					continue;
				scn_suggest(hint, sizeof(hint), c->only[j], presets, nr_presets);
				snprintf(err, errlen, "%s:%u: unknown preset '%s' in %s= (%s)", s->path,
					 c->line, c->only[j], c->except ? "except" : "only", hint);
				return -EINVAL;
			}
		}
	}
	for (size_t i = 0; i < s->nr_cmds; i++) {
		const struct scn_cmd *c = &s->cmds[i];

		if (c->kind != SCN_CHECK_VMSTAT)
			continue;
		for (size_t j = 0; j < c->check_vmstat.nr; j++) {
			enum node_stat_item item;

			if (!vmstat_lookup(c->check_vmstat.v[j].name, &item))
				continue;
			scn_suggest(hint, sizeof(hint), c->check_vmstat.v[j].name, vmstat_text,
				    NR_VM_NODE_STAT_ITEMS);
			snprintf(err, errlen, "%s:%u: unknown vmstat counter '%s' (%s)", s->path,
				 c->line, c->check_vmstat.v[j].name, hint);
			return -EINVAL;
		}
	}
	return 0;
}
