/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The commands that change a process's address space after it is set up:
 * fork, vma, munmap, mprotect, madvise, mremap, exit, and the THP settings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse_cmd.h"

/* A hole in @proc's view of @map from this line on, as munmap leaves. */
static void add_hole(struct scn_parser *P, const struct scn_cmd *c, int proc, int map,
		     uint64_t off, uint64_t len)
{
	struct scn_vis *v = scn_vis_find(P, proc, map);

	if (v && v->nr_holes < SCN_HOLES_MAX && !c->has_result) {
		v->holes[v->nr_holes].off = off;
		v->holes[v->nr_holes].len = len;
		v->holes[v->nr_holes].what = P->cmd;
		v->holes[v->nr_holes++].line = c->line;
	}
}

int p_fork(struct scn_parser *P, struct scn_cmd *c)
{
	size_t nr = P->nr_vis;

	TRY(scn_word_lookup(P, "parent process", SCN_NS_PROC, &c->fork.parent));
	TRY(scn_word_declare(P, "child process", SCN_NS_PROC, 0, &c->fork.child));
	for (size_t i = 0; i < nr; i++) {
		if (P->vis[i].proc == c->fork.parent) {
			struct scn_vis parent = P->vis[i];

			TRY(scn_vis_add(P, c->fork.child, parent.map));
			parent.proc = c->fork.child;
			P->vis[P->nr_vis - 1] = parent;
		}
	}
	return 0;
}

int p_vma(struct scn_parser *P, struct scn_cmd *c)
{
	return scn_proc_map(P, &c->vma.proc, &c->vma.map);
}

/*
 * PROC MAP[+OFF] [len=SIZE], for munmap, mprotect and madvise: all of the
 * mapping, or a page-aligned part of it. @what names the call in messages.
 */
int scn_parse_range(struct scn_parser *P, const char *what, int *proc, int *map,
		    uint64_t *off, uint64_t *len)
{
	const struct scn_name *m;
	struct scn_loc at;
	const char *w;
	int ret;

	TRY(scn_word_lookup(P, "process", SCN_NS_PROC, proc));
	TRY(scn_arg_word(P, "mapping", &w));
	TRY(scn_lookup_map(P, *proc, w, &at));
	*map = at.id;
	*off = at.off;
	m = &P->s->names[SCN_NS_MAP].v[at.id];
	ret = scn_arg_size(P, "len", false, len);
	if (ret < 0)
		return ret;
	if (ret && at.off)
		return scn_perr(P, "%s of part of a mapping needs len=", what);
	if (!ret && !*len)
		return scn_perr(P, "len= must not be 0 for %s", what);
	if (at.off % SCN_PAGE_BYTES && strchr(what, ' '))
		return scn_perr(P, "%s offset must be page aligned", what);
	if (at.off % SCN_PAGE_BYTES)
		return scn_perr(P, "%s offset must be page aligned (%s(2) answers EINVAL)", what, what);
	return scn_check_range(P, &(struct scn_cmd){ .has_result = true }, *proc, &at,
			   *len ? *len : m->len);
}

/* munmap PROC MAP[+OFF] [len=SIZE]: all of the mapping, or a page-aligned part. */
int p_munmap(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(scn_parse_range(P, "munmap", &c->vma.proc, &c->vma.map, &c->vma.off, &c->vma.len));
	add_hole(P, c, c->vma.proc, c->vma.map, c->vma.off,
		 c->vma.len ? c->vma.len : P->s->names[SCN_NS_MAP].v[c->vma.map].len);
	return 0;
}

int p_mprotect(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(scn_parse_range(P, "mprotect", &c->mprotect.proc, &c->mprotect.map, &c->mprotect.off,
		    &c->mprotect.len));
	TRY(scn_arg_word(P, "none|ro|rw", &w));
	if (!strcmp(w, "rw"))
		c->mprotect.writable = true;
	else if (!strcmp(w, "none"))
		c->mprotect.none = true;
	else if (strcmp(w, "ro"))
		return scn_perr(P, "mprotect takes 'none', 'ro' or 'rw', not '%s'", w);
	return 0;
}

int p_madvise(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	char hint[160];

	TRY(scn_parse_range(P, "madvise", &c->madvise.proc, &c->madvise.map, &c->madvise.off,
		    &c->madvise.len));
	TRY(scn_arg_word(P, "advice", &w));
	for (int a = 0; a < SCN_NR_ADVICE; a++) {
		if (!strcmp(w, scn_advice_names[a])) {
			c->madvise.advice = (enum scn_advice)a;
			return 0;
		}
	}
	scn_suggest(hint, sizeof(hint), w, scn_advice_names, SCN_NR_ADVICE);
	return scn_perr(P, "unknown advice '%s' (%s)", w, hint);
}

/*
 * mremap PROC MAP[+OFF] [len=SIZE] as=NEWMAP [newlen=SIZE] [fixed=MAP[+OFF]]:
 * the moved (or resized) range is the new mapping NEWMAP; the old range, and
 * the range a fixed= move replaces, are holes from here on.
 */
int p_mremap(struct scn_parser *P, struct scn_cmd *c)
{
	uint64_t len;
	const char *w;
	int ret;

	TRY(scn_parse_range(P, "mremap", &c->mremap.proc, &c->mremap.map, &c->mremap.off, &c->mremap.len));
	len = c->mremap.len ? c->mremap.len : P->s->names[SCN_NS_MAP].v[c->mremap.map].len;
	ret = scn_arg_size(P, "newlen", false, &c->mremap.newlen);
	if (ret < 0)
		return ret;
	if (!ret && (!c->mremap.newlen || c->mremap.newlen % SCN_PAGE_BYTES))
		return scn_perr(P, "newlen= must be a non-zero multiple of 4K");
	c->mremap.fixed.id = -1;
	ret = scn_arg_kv(P, "fixed", false, &w);
	if (ret < 0)
		return ret;
	if (!ret) {
		TRY(scn_lookup_map(P, c->mremap.proc, w, &c->mremap.fixed));
		if (c->mremap.fixed.off % SCN_PAGE_BYTES)
			return scn_perr(P, "fixed= must be page aligned (mremap(2) answers EINVAL)");
	}
	TRY(scn_arg_kv(P, "as", true, &w));
	TRY(scn_declare(P, SCN_NS_MAP, w, c->mremap.proc, &c->mremap.to));
	P->s->names[SCN_NS_MAP].v[c->mremap.to].len = c->mremap.newlen ? c->mremap.newlen : len;
	add_hole(P, c, c->mremap.proc, c->mremap.map, c->mremap.off, len);
	if (c->mremap.fixed.id >= 0)
		add_hole(P, c, c->mremap.proc, c->mremap.fixed.id, c->mremap.fixed.off,
			 c->mremap.newlen ? c->mremap.newlen : len);
	return c->has_result ? 0 : scn_vis_add(P, c->mremap.proc, c->mremap.to);
}

/* exit PROC: the process and its mappings go; pins it took stay with their handles. */
int p_exit(struct scn_parser *P, struct scn_cmd *c)
{
	size_t keep = 0;

	TRY(scn_word_lookup(P, "process", SCN_NS_PROC, &c->exit.proc));
	for (size_t i = 0; i < P->nr_vis; i++)
		if (P->vis[i].proc != c->exit.proc)
			P->vis[keep++] = P->vis[i];
	P->nr_vis = keep;
	return 0;
}

/*
 * thp SIZE always|inherit|madvise|never, thp enabled always|madvise|never,
 * thp zeropage on|off: what a test writes to /sys/kernel/mm/transparent_hugepage.
 */
int p_thp(struct scn_parser *P, struct scn_cmd *c)
{
	const char *t, *m;
	uint64_t size;

	TRY(scn_arg_word(P, "SIZE|enabled|zeropage", &t));
	TRY(scn_arg_word(P, "mode", &m));
	if (!strcmp(t, "zeropage")) {
		c->thp.order = SCN_THP_ZEROPAGE;
		if (strcmp(m, "on") && strcmp(m, "off"))
			return scn_perr(P, "thp zeropage takes 'on' or 'off', not '%s'", m);
		c->thp.mode = !strcmp(m, "on");
		return 0;
	}
	c->thp.mode = -1;
	for (int i = 0; i < 4; i++)
		if (!strcmp(m, scn_thp_modes[i]))
			c->thp.mode = i;
	if (!strcmp(t, "enabled")) {
		c->thp.order = SCN_THP_ENABLED;
		if (c->thp.mode < 0 || c->thp.mode == 1)
			return scn_perr(P, "thp enabled takes always, madvise or never, not '%s'", m);
		return 0;
	}
	if (scn_parse_size(t, &size))
		return scn_perr(P, "thp takes a size (16K..2M), 'enabled' or 'zeropage', not '%s'", t);
	if (size < 4 * SCN_PAGE_BYTES || size > SCN_PMD_BYTES || (size & (size - 1)))
		return scn_perr(P, "thp size '%s': anonymous THP sizes are the powers of two from 16K to 2M "
				"(hugepages-8kB has no anon 'enabled' file)", t);
	c->thp.order = __builtin_ctzll(size / SCN_PAGE_BYTES);
	if (c->thp.mode < 0)
		return scn_perr(P, "thp %s takes always, inherit, madvise or never, not '%s'", t, m);
	return 0;
}

/* drop-caches [1|2|3]: what echo N > /proc/sys/vm/drop_caches drops (1 when not given). */
int p_drop_caches(struct scn_parser *P, struct scn_cmd *c)
{
	static const char *const v[] = { "1", "2", "3" };

	c->drop_caches.what = 1;
	for (int i = 0; i < 3; i++)
		if (scn_arg_flag(P, v[i]))
			c->drop_caches.what = i + 1;
	return 0;
}
