/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The check commands (check disk, fsck, pinned, vmstat, events, swapped,
 * folio, zone) and expect event: what a scenario asserts about the machine,
 * as opposed to what it does to it (parse_cmds.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/vmstat.h>
#include "parse_cmd.h"

int p_check_disk(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	int fs;

	TRY(scn_arg_word(P, "file", &w));
	TRY(scn_parse_loc(P, SCN_NS_FILE, w, &c->check_disk.at));
	fs = P->s->names[SCN_NS_FILE].v[c->check_disk.at.id].info;
	if (P->s->names[SCN_NS_FS].v[fs].info != SCN_FS_DISK)
		return scn_perr(P, "check disk: file '%s' is on tmpfs '%s', which has no disk",
				scn_name(P->s, SCN_NS_FILE, c->check_disk.at.id),
				scn_name(P->s, SCN_NS_FS, fs));
	TRY(scn_need_len(P, "len", &c->check_disk.len));
	return scn_arg_byte(P, "byte", true, NULL, &c->check_disk.byte);
}

int p_check_fsck(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(scn_word_lookup(P, "disk", SCN_NS_FS, &c->check_fsck.fs));
	if (P->s->names[SCN_NS_FS].v[c->check_fsck.fs].info != SCN_FS_DISK)
		return scn_perr(P, "check fsck needs a disk; '%s' is a tmpfs",
				scn_name(P->s, SCN_NS_FS, c->check_fsck.fs));
	return 0;
}

int p_check_pinned(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(scn_word_lookup(P, "handle", SCN_NS_HANDLE, &c->check_pinned.handle));
	TRY(scn_arg_word(P, "yes|no", &w));
	if (!strcmp(w, "yes"))
		c->check_pinned.pinned = true;
	else if (strcmp(w, "no"))
		return scn_perr(P, "check pinned takes 'yes' or 'no', not '%s'", w);
	return 0;
}

static int stat_pairs(struct scn_parser *P, struct scn_cmd *c, const char *what)
{
	size_t n = 0;

	for (size_t i = P->first; i < P->end; i++)
		n += !P->used[i];
	if (!n)
		return scn_perr(P, "missing argument 'name=value' for %s", what);
	c->check_vmstat.v = calloc(n, sizeof(*c->check_vmstat.v));
	if (!c->check_vmstat.v)
		return -ENOMEM;
	for (size_t i = P->first; i < P->end; i++) {
		const struct scn_tok *t = &P->l->toks[i];
		struct scn_stat *st = &c->check_vmstat.v[c->check_vmstat.nr];
		const char *eq = t->quoted ? NULL : strchr(t->s, '=');

		if (P->used[i])
			continue;
		if (!eq)
			return scn_perr(P, "%s takes name=value pairs, not '%s'", what, t->s);
		st->name = strndup(t->s, (size_t)(eq - t->s));
		if (!st->name)
			return -ENOMEM;
		c->check_vmstat.nr++;
		if (!scn_valid_name(st->name))
			return scn_perr(P, "bad counter name '%s' for %s", st->name, what);
		if (scn_parse_long(eq + 1, &st->value))
			return scn_perr(P, "bad value '%s' for %s", eq + 1, st->name);
		P->used[i] = true;
	}
	return 0;
}

int p_check_vmstat(struct scn_parser *P, struct scn_cmd *c)
{
	return stat_pairs(P, c, "check vmstat");
}

/* check thp-stat SIZE name=value...: hugepages-<size>kB/stats/<name>. */
int p_check_thp_stat(struct scn_parser *P, struct scn_cmd *c)
{
	const char *t;
	uint64_t size;

	TRY(scn_arg_word(P, "SIZE", &t));
	if (scn_parse_size(t, &size) || size < 2 * SCN_PAGE_BYTES || size > SCN_PMD_BYTES ||
	    (size & (size - 1)))
		return scn_perr(P, "check thp-stat takes a THP size, a power of two from 8K to 2M, "
				"not '%s'", t);
	c->check_vmstat.order = __builtin_ctzll(size / SCN_PAGE_BYTES);
	TRY(stat_pairs(P, c, "check thp-stat"));
	for (size_t i = 0; i < c->check_vmstat.nr; i++) {
		enum mthp_stat_item item;
		char hint[128];

		if (!mthp_stat_lookup(c->check_vmstat.v[i].name, &item))
			continue;
		scn_suggest(hint, sizeof(hint), c->check_vmstat.v[i].name, mthp_stat_text,
			    __MTHP_STAT_COUNT);
		return scn_perr(P, "no hugepages-<size>kB/stats/ file '%s' (%s)",
				c->check_vmstat.v[i].name, hint);
	}
	return 0;
}

static int event_kind(const char *s, enum mm_event_kind *k)
{
	static const char *const names[MM_EV_NR] = {
		[MM_EV_BUG] = "BUG", [MM_EV_WARN] = "WARN", [MM_EV_CSUM] = "CSUM",
	};

	for (int i = 0; i < MM_EV_NR; i++) {
		if (names[i] && !strcmp(s, names[i])) {
			*k = (enum mm_event_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

int p_check_events(struct scn_parser *P, struct scn_cmd *c)
{
	for (int k = 0; k < MM_EV_NR; k++)
		c->check_events.count[k] = -1;
	if (scn_arg_flag(P, "none")) {
		for (int k = 0; k < MM_EV_NR; k++)
			c->check_events.count[k] = 0;
		return 0;
	}
	for (size_t i = P->first; i < P->end; i++) {
		const struct scn_tok *t = &P->l->toks[i];
		const char *eq = t->quoted ? NULL : strchr(t->s, '=');
		enum mm_event_kind k;
		char kind[8];
		uint64_t v;

		if (P->used[i])
			continue;
		if (!eq || (size_t)(eq - t->s) >= sizeof(kind))
			return scn_perr(P, "check events takes 'none' or BUG=N WARN=N CSUM=N, not '%s'",
					t->s);
		memcpy(kind, t->s, (size_t)(eq - t->s));
		kind[eq - t->s] = '\0';
		if (event_kind(kind, &k))
			return scn_perr(P, "unknown event kind '%s' (BUG, WARN, CSUM)", kind);
		if (scn_parse_count(eq + 1, &v) || v > 1000000)
			return scn_perr(P, "bad count '%s'", eq + 1);
		c->check_events.count[k] = (long)v;
		P->used[i] = true;
	}
	for (int k = 0; k < MM_EV_NR; k++)
		if (c->check_events.count[k] >= 0)
			return 0;
	return scn_perr(P, "missing argument 'none' or 'KIND=N' for check events");
}

/* check swapped PROC MAP[+OFF] [len=SIZE] yes|no */
int p_check_swapped(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(scn_parse_range(P, "check swapped", &c->check_swapped.proc, &c->check_swapped.map,
		    &c->check_swapped.off, &c->check_swapped.len));
	TRY(scn_arg_word(P, "yes|no", &w));
	if (!strcmp(w, "yes"))
		c->check_swapped.swapped = true;
	else if (strcmp(w, "no"))
		return scn_perr(P, "check swapped takes 'yes' or 'no', not '%s'", w);
	return 0;
}

/* check folio HANDLE [page=N] [order=N] [large|small] [exclusive|shared] [pincount=N] */
int p_check_folio(struct scn_parser *P, struct scn_cmd *c)
{
	uint64_t v;
	int ret;

	TRY(scn_word_lookup(P, "handle", SCN_NS_HANDLE, &c->check_folio.handle));
	c->check_folio.order = c->check_folio.large = c->check_folio.exclusive = -1;
	c->check_folio.pincount = -1;
	/* scn_arg_size(): 0 when given, 1 when absent, < 0 on error. */
	ret = scn_arg_size(P, "page", false, &v);
	if (ret < 0)
		return ret;
	if (!ret)
		c->check_folio.page = v;
	ret = scn_arg_size(P, "order", false, &v);
	if (ret < 0)
		return ret;
	if (!ret) {
		if (v > 18)
			return scn_perr(P, "order= is a folio order, 0 to 18");
		c->check_folio.order = (int)v;
	}
	ret = scn_arg_size(P, "pincount", false, &v);
	if (ret < 0)
		return ret;
	if (!ret) {
		if (v > INT32_MAX)
			return scn_perr(P, "pincount= is more than a folio can hold");
		c->check_folio.pincount = (long)v;
	}
	if (scn_arg_flag(P, "large"))
		c->check_folio.large = 1;
	if (scn_arg_flag(P, "small")) {
		if (c->check_folio.large == 1)
			return scn_perr(P, "check folio: 'large' and 'small' contradict each other");
		c->check_folio.large = 0;
	}
	c->check_folio.hugetlb = scn_arg_flag(P, "hugetlb") ? 1 : -1;
	if (scn_arg_flag(P, "exclusive"))
		c->check_folio.exclusive = 1;
	if (scn_arg_flag(P, "shared")) {
		if (c->check_folio.exclusive == 1)
			return scn_perr(P, "check folio: 'exclusive' and 'shared' contradict each other");
		c->check_folio.exclusive = 0;
	}
	if (c->check_folio.order < 0 && c->check_folio.large < 0 &&
	    c->check_folio.exclusive < 0 && c->check_folio.pincount < 0 && c->check_folio.hugetlb < 0)
		return scn_perr(P, "check folio asks nothing: give order=, large|small, exclusive|shared, pincount= or hugetlb");
	return 0;
}

int p_check_zone(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	char hint[128];

	TRY(scn_word_lookup(P, "handle", SCN_NS_HANDLE, &c->check_zone.handle));
	TRY(scn_arg_word(P, "zone", &w));
	for (int z = 0; z < SCN_NR_ZONES; z++) {
		if (!strcmp(w, scn_zone_names[z])) {
			c->check_zone.zone = (enum scn_zone)z;
			return 0;
		}
	}
	scn_suggest(hint, sizeof(hint), w, scn_zone_names, SCN_NR_ZONES);
	return scn_perr(P, "unknown zone '%s' for check zone (%s)", w, hint);
}

int p_expect_event(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(scn_arg_word(P, "BUG|WARN|CSUM", &w));
	if (event_kind(w, &c->expect_event.kind))
		return scn_perr(P, "unknown event kind '%s' (BUG, WARN, CSUM)", w);
	for (size_t i = P->first; i < P->end; i++) {
		const struct scn_tok *t = &P->l->toks[i];

		if (!t->quoted || P->used[i])
			continue;
		if (!t->s[0])
			return scn_perr(P, "empty event text for expect event");
		c->expect_event.text = strdup(t->s);
		if (!c->expect_event.text)
			return -ENOMEM;
		P->used[i] = true;
		return 0;
	}
	return scn_perr(P, "missing argument '\"TEXT\"' for expect event");
}
