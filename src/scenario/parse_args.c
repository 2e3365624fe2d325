/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Argument syntax of .pin commands: sizes, bytes, counts, key=value options,
 * flags, names and locations. Commands pull what they need; whatever is left
 * over is an error, so a misspelt flag never silently means "off".
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

int scn_perr(struct scn_parser *P, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(P->err, P->errlen, "%s:%u: ", P->s->path, P->l ? P->l->line : 1);
	if (n >= 0 && (size_t)n < P->errlen) {
		va_start(ap, fmt);
		vsnprintf(P->err + n, P->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Digits in @base; -EINVAL on none, on overflow or on a stray character. */
static int parse_digits(const char *s, size_t n, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Decimal or 0x hex, no suffix. */
static int parse_number(const char *s, size_t n, uint64_t *out)
{
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_digits(s + 2, n - 2, 16, out);
	return parse_digits(s, n, 10, out);
}

int scn_parse_count(const char *s, uint64_t *out)
{
	return parse_number(s, strlen(s), out);
}

/*
 * Model: sizes are bytes with binary suffixes (K = 1024) as in the kernel's
 * memparse(), plus "Np" for N base pages of 4 KiB, the unit pins count in.
 */
int scn_parse_size(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t v, mult = 1;

	if (!n)
		return -EINVAL;
	switch (s[n - 1]) {
	case 'K': case 'k': mult = 1ULL << 10; n--; break;
	case 'M': case 'm': mult = 1ULL << 20; n--; break;
	case 'G': case 'g': mult = 1ULL << 30; n--; break;
	case 'p': mult = 4096; n--; break;
	default: break;
	}
	if (parse_number(s, n, &v))
		return -EINVAL;
	if (v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

int scn_parse_byte(const char *s, uint8_t *out)
{
	uint64_t v;

	if (parse_number(s, strlen(s), &v) || v > 0xff)
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

int scn_parse_long(const char *s, long *out)
{
	bool neg = s[0] == '-';
	uint64_t v;

	if (parse_number(s + neg, strlen(s + neg), &v))
		return -EINVAL;
	if (v > (uint64_t)LONG_MAX + neg)
		return -EINVAL;
	*out = neg ? (long)(0 - v) : (long)v;
	return 0;
}

bool scn_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static const struct scn_tok *tok(struct scn_parser *P, size_t i)
{
	return &P->l->toks[i];
}

static bool is_kv(const struct scn_tok *t)
{
	return !t->quoted && strchr(t->s, '=') != NULL;
}

static size_t key_len(const struct scn_tok *t)
{
	return (size_t)(strchr(t->s, '=') - t->s);
}

int scn_args_begin(struct scn_parser *P, size_t first, struct scn_cmd *c, bool result_ok)
{
	size_t end = P->l->nr;

	for (size_t i = first; i < end; i++) {
		if (tok(P, i)->quoted || strcmp(tok(P, i)->s, "->"))
			continue;
		if (!result_ok)
			return scn_perr(P, "'%s' takes no '-> RESULT'", P->cmd);
		if (i + 2 != end)
			return scn_perr(P, "'->' must be followed by one result at the end of the line");
		c->has_result = true;
		c->result = scn_errno_parse(tok(P, i + 1)->s);
		if (c->result < 0) {
			const char *known[32];
			char hint[384];
			size_t nr = 0;

			while (nr < 32 && scn_errno_name_at(nr)) {
				known[nr] = scn_errno_name_at(nr);
				nr++;
			}
			scn_suggest(hint, sizeof(hint), tok(P, i + 1)->s, known, nr);
			return scn_perr(P, "unknown result '%s' (%s)", tok(P, i + 1)->s, hint);
		}
		end = i;
		break;
	}
	if (end > P->used_cap) {
		bool *u = realloc(P->used, end * sizeof(*u));

		if (!u)
			return -ENOMEM;
		P->used = u;
		P->used_cap = end;
	}
	if (end)
		memset(P->used, 0, end * sizeof(*P->used));
	P->first = first;
	P->end = end;
	P->nr_asked = 0;

	/* A repeated key would make one of the two values silently win. */
	for (size_t i = first; i < end; i++) {
		if (!is_kv(tok(P, i)))
			continue;
		for (size_t j = first; j < i; j++) {
			if (is_kv(tok(P, j)) && key_len(tok(P, j)) == key_len(tok(P, i)) &&
			    !strncmp(tok(P, j)->s, tok(P, i)->s, key_len(tok(P, i))))
				return scn_perr(P, "duplicate argument '%.*s=' for %s",
						(int)key_len(tok(P, i)), tok(P, i)->s, P->cmd);
		}
	}
	return 0;
}

int scn_arg_word(struct scn_parser *P, const char *what, const char **out)
{
	for (size_t i = P->first; i < P->end; i++) {
		if (P->used[i] || is_kv(tok(P, i)) || tok(P, i)->quoted)
			continue;
		P->used[i] = true;
		*out = tok(P, i)->s;
		return 0;
	}
	return scn_perr(P, "missing argument '%s' for %s", what, P->cmd);
}

/*
 * A flag and a key=value may share a spelling (mmap's hugetlb and hugetlb=), and a
 * compiler may give equal strings one address (clang does): the kind is part of
 * what was asked.
 */
static void asked(struct scn_parser *P, const char *what, bool kv)
{
	for (size_t i = 0; i < P->nr_asked; i++)
		if (P->asked[i] == what && P->asked_kv[i] == kv)
			return;
	if (P->nr_asked < SCN_ASKED_MAX) {
		P->asked_kv[P->nr_asked] = kv;
		P->asked[P->nr_asked++] = what;
	}
}

int scn_arg_kv(struct scn_parser *P, const char *key, bool required, const char **out)
{
	size_t n = strlen(key);

	asked(P, key, true);

	for (size_t i = P->first; i < P->end; i++) {
		const struct scn_tok *t = tok(P, i);

		if (is_kv(t) && key_len(t) == n && !strncmp(t->s, key, n)) {
			P->used[i] = true;
			*out = t->s + n + 1;
			return 0;
		}
	}
	if (required)
		return scn_perr(P, "missing argument '%s=' for %s", key, P->cmd);
	return 1;
}

int scn_arg_size(struct scn_parser *P, const char *key, bool required, uint64_t *out)
{
	const char *v;
	int ret = scn_arg_kv(P, key, required, &v);

	if (ret)
		return ret;
	if (scn_parse_size(v, out))
		return scn_perr(P, "bad size '%s'", v);
	return 0;
}

bool scn_arg_flag(struct scn_parser *P, const char *flag)
{
	asked(P, flag, false);
	for (size_t i = P->first; i < P->end; i++) {
		if (!P->used[i] && !tok(P, i)->quoted && !strcmp(tok(P, i)->s, flag)) {
			P->used[i] = true;
			return true;
		}
	}
	return false;
}

/* "did you mean 'longterm'?" or "pin takes: len= write ..." for an argument nobody used. */
static void unknown_arg_hint(struct scn_parser *P, const struct scn_tok *t, char *buf, size_t len)
{
	char names[SCN_ASKED_MAX][24];
	const char *known[SCN_ASKED_MAX];
	char word[64];
	const char *near;
	size_t o;

	snprintf(word, sizeof(word), "%s", t->s);
	if (is_kv(t))
		word[key_len(t) + 1 < sizeof(word) ? key_len(t) + 1 : sizeof(word) - 1] = '\0';
	for (size_t i = 0; i < P->nr_asked; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%s", P->asked[i], P->asked_kv[i] ? "=" : "");
		known[i] = names[i];
	}
	near = scn_nearest(word, known, P->nr_asked);
	if (near) {
		snprintf(buf, len, " (did you mean '%s'?)", near);
		return;
	}
	if (!P->nr_asked) {
		snprintf(buf, len, " (%s takes no more arguments)", P->cmd);
		return;
	}
	o = (size_t)snprintf(buf, len, " (%s takes:", P->cmd);
	for (size_t i = 0; i < P->nr_asked && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " %s", known[i]);
	if (o < len)
		snprintf(buf + o, len - o, ")");
}

int scn_args_end(struct scn_parser *P)
{
	for (size_t i = P->first; i < P->end; i++) {
		char hint[256];

		if (P->used[i])
			continue;
		if (tok(P, i)->quoted)
			return scn_perr(P, "unexpected string \"%s\" for %s", tok(P, i)->s, P->cmd);
		unknown_arg_hint(P, tok(P, i), hint, sizeof(hint));
		return scn_perr(P, "unknown argument '%s' for %s%s", tok(P, i)->s, P->cmd, hint);
	}
	return 0;
}

int scn_declare(struct scn_parser *P, enum scn_ns ns, const char *name, int info, int *id)
{
	struct scn_names *t = &P->s->names[ns];
	char *copy;

	if (!scn_valid_name(name))
		return scn_perr(P, "bad %s name '%s'", scn_ns_names[ns], name);
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->v[i].name, name))
			return scn_perr(P, "%s '%s' already declared at line %u",
					scn_ns_names[ns], name, t->v[i].line);
	/*
	 * One name, one thing: "pin ... as=odp0" next to "device odp0 odp"
	 * read as attaching the pin to the device, and silently was not. A
	 * disk and a file may share a name (DESIGN: different name spaces).
	 */
	for (int o = 0; o < SCN_NR_NS; o++) {
		const struct scn_names *ot = &P->s->names[o];

		if (o == (int)ns || (o == SCN_NS_FS && ns == SCN_NS_FILE) ||
		    (o == SCN_NS_FILE && ns == SCN_NS_FS))
			continue;
		for (size_t i = 0; i < ot->nr; i++) {
			if (strcmp(ot->v[i].name, name))
				continue;
			if (ns == SCN_NS_HANDLE && o == SCN_NS_DEV)
				return scn_perr(P, "handle '%s' has the name of device '%s' (line %u); a pin "
						"is attached to a device with dev=%s",
						name, name, ot->v[i].line, name);
			return scn_perr(P, "%s '%s' has the name of %s '%s' (line %u)",
					scn_ns_names[ns], name, scn_ns_names[o], name, ot->v[i].line);
		}
	}
	if (t->nr >= INT_MAX)
		return scn_perr(P, "too many names");
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4;
		struct scn_name *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	t->v[t->nr] = (struct scn_name){ .name = copy, .line = P->l->line, .info = info };
	*id = (int)t->nr++;
	return 0;
}

int scn_lookup(struct scn_parser *P, enum scn_ns ns, const char *name, int *id)
{
	struct scn_names *t = &P->s->names[ns];
	const char *known[16];
	char hint[256];
	size_t nr = 0;

	for (size_t i = 0; i < t->nr; i++) {
		if (!strcmp(t->v[i].name, name)) {
			t->v[i].used = true;
			*id = (int)i;
			return 0;
		}
	}
	if (!scn_valid_name(name))
		return scn_perr(P, "bad %s name '%s'", scn_ns_names[ns], name);
	for (int o = 0; o < SCN_NR_NS; o++) {
		const struct scn_names *ot = &P->s->names[o];

		for (size_t i = 0; o != (int)ns && i < ot->nr; i++)
			if (!strcmp(ot->v[i].name, name))
				return scn_perr(P, "'%s' is a %s (line %u), not a %s", name,
						scn_ns_names[o], ot->v[i].line, scn_ns_names[ns]);
	}
	for (size_t i = 0; i < t->nr && nr < 16; i++)
		known[nr++] = t->v[i].name;
	if (!nr)
		return scn_perr(P, "undeclared %s '%s' (none declared yet)", scn_ns_names[ns], name);
	scn_suggest(hint, sizeof(hint), name, known, nr);
	return scn_perr(P, "undeclared %s '%s' (%s)", scn_ns_names[ns], name, hint);
}

int scn_parse_loc(struct scn_parser *P, enum scn_ns ns, const char *tokstr, struct scn_loc *out)
{
	const char *plus = strchr(tokstr, '+');
	char name[64];
	size_t n = plus ? (size_t)(plus - tokstr) : strlen(tokstr);

	if (n >= sizeof(name))
		return scn_perr(P, "bad %s name '%.*s'", scn_ns_names[ns], (int)n, tokstr);
	memcpy(name, tokstr, n);
	name[n] = '\0';
	out->off = 0;
	if (plus && scn_parse_size(plus + 1, &out->off))
		return scn_perr(P, "bad offset '%s'", tokstr);
	return scn_lookup(P, ns, name, &out->id);
}

int scn_vis_add(struct scn_parser *P, int proc, int map)
{
	if (P->nr_vis == P->cap_vis) {
		size_t cap = P->cap_vis ? P->cap_vis * 2 : 8;
		struct scn_vis *v = realloc(P->vis, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		P->vis = v;
		P->cap_vis = cap;
	}
	P->vis[P->nr_vis++] = (struct scn_vis){ .proc = proc, .map = map };
	return 0;
}

struct scn_vis *scn_vis_find(struct scn_parser *P, int proc, int map)
{
	for (size_t i = 0; i < P->nr_vis; i++)
		if (P->vis[i].proc == proc && P->vis[i].map == map)
			return &P->vis[i];
	return NULL;
}

bool scn_vis_has(const struct scn_parser *P, int proc, int map)
{
	return scn_vis_find((struct scn_parser *)P, proc, map) != NULL;
}

int scn_lookup_map(struct scn_parser *P, int proc, const char *tokstr, struct scn_loc *out)
{
	int ret = scn_parse_loc(P, SCN_NS_MAP, tokstr, out);

	if (ret)
		return ret;
	if (!scn_vis_has(P, proc, out->id))
		return scn_perr(P, "mapping '%s' is not mapped in process '%s'",
				scn_name(P->s, SCN_NS_MAP, out->id), scn_name(P->s, SCN_NS_PROC, proc));
	return 0;
}
