/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the presets and verdict lines mean: their targets (a preset or an
 * alias, the groups `releases` and `designs`, a range of releases FROM..TO)
 * resolved against the pin layer's presets. Kept out of the parser, which
 * the fuzz target builds alone.
 */
#include <stdio.h>
#include <string.h>

#include <pinmm/mem/kernel.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>

#define TARGET_MAX 64

/* A range end: a release preset (or an alias of one), else NULL. */
static const struct pin_preset *release_end(const char *name)
{
	const struct pin_preset *p = pin_preset_find(name);

	return p && p->family == PRESET_RELEASE && p->kernel ? p : NULL;
}

/*
 * Split "A..B" into its ends ("" for an open one). false: not a range, or
 * an end too long to be a name.
 */
static bool split_range(const char *target, char *from, char *to)
{
	const char *dots = strstr(target, "..");
	size_t n;

	if (!dots)
		return false;
	n = (size_t)(dots - target);
	if (n >= TARGET_MAX || strlen(dots + 2) >= TARGET_MAX)
		return false;
	memcpy(from, target, n);
	from[n] = '\0';
	strcpy(to, dots + 2);
	return true;
}

static bool covers(const char *target, const struct pin_preset *p)
{
	char from[TARGET_MAX], to[TARGET_MAX];
	const struct pin_preset *a, *b;
	int cmp;

	if (!strcmp(target, "releases"))
		return p->family == PRESET_RELEASE;
	if (!strcmp(target, "designs"))
		return p->family == PRESET_DESIGN;
	if (!split_range(target, from, to))
		return pin_preset_find(target) == p;
	if (p->family != PRESET_RELEASE || !p->kernel)
		return false;
	a = from[0] ? release_end(from) : NULL;
	b = to[0] ? release_end(to) : NULL;
	if ((from[0] && !a) || (to[0] && !b))
		return false;
	if (a && (kernel_release_cmp(p->kernel, a->kernel, &cmp) || cmp < 0))
		return false;
	if (b && (kernel_release_cmp(p->kernel, b->kernel, &cmp) || cmp > 0))
		return false;
	return true;
}

/* Overrides ast.c's weak fallback (names only) wherever the pin layer is linked. */
bool scn_target_covers(const char *target, const char *preset)
{
	const struct pin_preset *p = pin_preset_find(preset);

	/* A name the pin layer does not know can only match itself. */
	if (!p)
		return !strcmp(target, preset);
	return covers(target, p);
}

enum scn_cell scenario_expected(const struct scenario *s, const char *preset)
{
	for (size_t i = 0; i < s->nr_verdicts; i++)
		if (scn_target_covers(s->verdicts[i].preset, preset))
			return s->verdicts[i].cell;
	return SCN_PASS;
}

bool scenario_wants_preset(const struct scenario *s, const char *preset)
{
	if (s->all_presets)
		return true;
	for (size_t i = 0; i < s->nr_presets; i++)
		if (scn_target_covers(s->presets[i], preset))
			return true;
	return false;
}

/* Does @target name something: a preset or alias, a group, a range of releases? */
static int target_check(const struct scenario *s, unsigned int line, const char *target,
			const char *const *presets, size_t nr_presets, char *err, size_t errlen)
{
	char hint[512];
	char from[TARGET_MAX], to[TARGET_MAX];
	const struct pin_preset *a = NULL, *b = NULL;
	int cmp;

	if (!strcmp(target, "releases") || !strcmp(target, "designs"))
		return 0;
	if (!split_range(target, from, to)) {
		if (pin_preset_find(target))
			return 0;
		scn_suggest(hint, sizeof(hint), target, presets, nr_presets);
		snprintf(err, errlen, "%s:%u: unknown preset '%s' (%s)", s->path, line, target, hint);
		return -EINVAL;
	}
	if ((from[0] && !(a = release_end(from))) || (to[0] && !(b = release_end(to)))) {
		snprintf(err, errlen, "%s:%u: '%s' in range '%s' is not a release (see: pinmm list kernels)",
			 s->path, line, from[0] && !a ? from : to, target);
		return -EINVAL;
	}
	if (a && b && (kernel_release_cmp(a->kernel, b->kernel, &cmp) || cmp > 0)) {
		snprintf(err, errlen, "%s:%u: empty range '%s' (%s comes after %s)", s->path, line,
			 target, a->kernel, b->kernel);
		return -EINVAL;
	}
	return 0;
}

int scenario_check_targets(const struct scenario *s, const char *const *presets,
			   size_t nr_presets, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nr_presets; i++)
		if (target_check(s, s->presets_line, s->presets[i], presets, nr_presets, err, errlen))
			return -EINVAL;
	for (size_t i = 0; i < s->nr_verdicts; i++) {
		const struct scn_verdict *v = &s->verdicts[i];
		bool runs = false;

		if (target_check(s, v->line, v->preset, presets, nr_presets, err, errlen))
			return -EINVAL;
		for (size_t k = 0; pin_presets[k]; k++) {
			const struct pin_preset *p = pin_presets[k];

			if (!covers(v->preset, p))
				continue;
			runs |= scenario_wants_preset(s, p->name);
			/* One verdict per preset: an earlier target covering it too is a clash. */
			for (size_t j = 0; j < i; j++) {
				if (!covers(s->verdicts[j].preset, p))
					continue;
				snprintf(err, errlen,
					 "%s:%u: second verdict for preset '%s' ('%s'; first '%s' at line %u)",
					 s->path, v->line, p->name, v->preset, s->verdicts[j].preset,
					 s->verdicts[j].line);
				return -EINVAL;
			}
		}
		/* A verdict for nothing the presets line runs could never be checked. */
		if (!runs) {
			snprintf(err, errlen,
				 "%s:%u: verdict for preset '%s', which the presets line (line %u) does not run",
				 s->path, v->line, v->preset, s->presets_line);
			return -EINVAL;
		}
	}
	return 0;
}
