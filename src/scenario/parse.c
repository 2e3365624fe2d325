/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The .pin parser: lines from the lexer, the header commands (scenario,
 * presets, verdict) here, everything else through the command handlers. The
 * first error ends the parse; the partial AST is freed, never returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pinmm/scenario/parse.h>

#include "parse_int.h"

/* Scenario files are a dozen lines; anything this big is not one. */
#define SCN_FILE_MAX (1u << 20)

static char *name_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".pin"))
		n -= 4;
	return strndup(base, n);
}

struct strbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (!p)
			return -ENOMEM;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int p_scenario(struct scn_parser *P)
{
	const struct scn_line *l = P->l;
	struct scenario *s = P->s;

	if (s->title)
		return scn_perr(P, "duplicate 'scenario' (first at line %u)", s->title_line);
	if (l->nr < 2 || !l->toks[1].quoted)
		return scn_perr(P, "missing argument '\"TITLE\"' for scenario");
	if (l->nr > 2)
		return scn_perr(P, "unknown argument '%s' for scenario", l->toks[2].s);
	if (!l->toks[1].s[0])
		return scn_perr(P, "empty scenario title");
	s->title = strdup(l->toks[1].s);
	if (!s->title)
		return -ENOMEM;
	s->title_line = l->line;
	return 0;
}

/*
 * A preset target in a presets or verdict line: a preset name (or alias), a
 * group (releases, designs) or a range of releases FROM..TO, either end open
 * (..v5.4, v5.10..). What the names mean is checked by scenario_check().
 */
static bool valid_target(const char *t)
{
	const char *dots = strstr(t, "..");
	char buf[64];
	size_t n;

	if (!dots)
		return scn_valid_name(t);
	n = (size_t)(dots - t);
	if (n >= sizeof(buf) || strstr(dots + 2, ".."))
		return false;
	memcpy(buf, t, n);
	buf[n] = '\0';
	if (!n && !dots[2])
		return false;
	return (!n || scn_valid_name(buf)) && (!dots[2] || scn_valid_name(dots + 2));
}

static int p_presets(struct scn_parser *P)
{
	const struct scn_line *l = P->l;
	struct scenario *s = P->s;

	if (s->presets_line)
		return scn_perr(P, "duplicate 'presets' (first at line %u)", s->presets_line);
	s->presets_line = l->line;
	if (l->nr < 2)
		return scn_perr(P, "missing argument 'all' or preset names for presets");
	if (!l->toks[1].quoted && !strcmp(l->toks[1].s, "all")) {
		if (l->nr > 2)
			return scn_perr(P, "'presets all' takes no preset names");
		return 0;
	}
	s->presets = calloc(l->nr - 1, sizeof(*s->presets));
	if (!s->presets)
		return -ENOMEM;
	s->all_presets = false;
	for (size_t i = 1; i < l->nr; i++) {
		const char *n = l->toks[i].s;

		if (l->toks[i].quoted || !valid_target(n))
			return scn_perr(P, "bad preset name '%s'", n);
		if (!strcmp(n, "all"))
			return scn_perr(P, "'all' cannot be mixed with preset names");
		for (size_t j = 0; j < s->nr_presets; j++)
			if (!strcmp(s->presets[j], n))
				return scn_perr(P, "preset '%s' listed twice", n);
		s->presets[s->nr_presets] = strdup(n);
		if (!s->presets[s->nr_presets])
			return -ENOMEM;
		s->nr_presets++;
	}
	return 0;
}

static int p_verdict(struct scn_parser *P)
{
	const struct scn_line *l = P->l;
	struct scenario *s = P->s;
	struct scn_verdict *v;
	enum scn_cell cell;
	size_t nt;

	if (l->nr < 2)
		return scn_perr(P, "missing argument 'preset' for verdict");
	if (l->nr < 3)
		return scn_perr(P, "missing argument 'cell' for verdict");
	nt = l->nr - 2;
	if (l->toks[l->nr - 1].quoted || scn_cell_parse(l->toks[l->nr - 1].s, &cell)) {
		/* Two words and a bad last one: a bad cell; more: say which word is odd. */
		if (nt > 1 && !scn_cell_parse(l->toks[2].s, &cell))
			return scn_perr(P, "unknown argument '%s' for verdict", l->toks[3].s);
		return scn_perr(P, "bad verdict cell '%s' (pass, refused, corrupt, bug)",
				l->toks[l->nr - 1].s);
	}
	for (size_t t = 1; t <= nt; t++) {
		const char *name = l->toks[t].s;

		if (l->toks[t].quoted || !valid_target(name))
			return scn_perr(P, "bad preset name '%s'", name);
		for (size_t i = 0; i < s->nr_verdicts; i++)
			if (!strcmp(s->verdicts[i].preset, name))
				return scn_perr(P, "duplicate verdict for preset '%s' (first at line %u)",
						name, s->verdicts[i].line);
		v = realloc(s->verdicts, (s->nr_verdicts + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->verdicts = v;
		v = &s->verdicts[s->nr_verdicts];
		v->preset = strdup(name);
		if (!v->preset)
			return -ENOMEM;
		v->cell = cell;
		v->line = l->line;
		s->nr_verdicts++;
	}
	return 0;
}

static int p_op(struct scn_parser *P, size_t *cap)
{
	struct scenario *s = P->s;
	struct scn_cmd *c;

	if (s->nr_cmds == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		c = realloc(s->cmds, ncap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		s->cmds = c;
		*cap = ncap;
	}
	c = &s->cmds[s->nr_cmds++];
	memset(c, 0, sizeof(*c));
	c->line = P->l->line;
	/* kind stays SCN_MEMORY (nothing to free) until the handler sets it. */
	if (P->l->comment) {
		const char *t = P->l->comment + (P->l->comment[0] == ' ');

		c->comment = strdup(t);
		if (!c->comment)
			return -ENOMEM;
	}
	return scn_parse_command(P, c);
}

/*
 * A declaration nothing uses is a scenario that does not test what its
 * author thinks: "device odp0 odp" with the pin never given dev=odp0 ran
 * on the default device and passed. An error, with the line, not a warning.
 */
static int check_unused(struct scn_parser *P)
{
	struct scenario *s = P->s;

	for (size_t i = 0; i < s->nr_cmds; i++) {
		const struct scn_cmd *c = &s->cmds[i];
		const struct scn_name *n;
		struct scn_line at = { .line = c->line };

		if (c->kind == SCN_DEVICE) {
			n = &s->names[SCN_NS_DEV].v[c->device.dev];
			if (n->used)
				continue;
			P->l = &at;
			return scn_perr(P, "device '%s' is never used: a pin is attached to it with "
					"dev=%s", n->name, n->name);
		}
		if (c->kind == SCN_PROCESS) {
			n = &s->names[SCN_NS_PROC].v[c->process.proc];
			if (n->used)
				continue;
			P->l = &at;
			return scn_perr(P, "process '%s' is never used", n->name);
		}
	}
	return 0;
}

static int parse_lines(struct scn_parser *P, struct scn_lexer *lx, struct scn_line *line,
		       struct strbuf *desc)
{
	struct scenario *s = P->s;
	bool header = true;
	size_t cap = 0;
	int ret;

	for (;;) {
		char msg[SCN_ERR_MAX];
		const char *w;

		P->l = NULL;
		ret = scn_lex_line(lx, line, msg, sizeof(msg));
		if (ret == 0)
			break;
		P->l = line;
		if (ret == -EINVAL)
			return scn_perr(P, "%s", msg);
		if (ret < 0)
			return ret;
		if (!line->nr) {
			/* The comment block at the top is what `pinmm explain` prints. */
			if (header && (line->comment || desc->len)) {
				const char *t = line->comment ? line->comment : "";

				if (t[0] == ' ')
					t++;
				if (sb_add(desc, t, strlen(t)) || sb_add(desc, "\n", 1))
					return -ENOMEM;
			}
			continue;
		}
		header = false;
		w = line->toks[0].quoted ? "" : line->toks[0].s;
		if (!strcmp(w, "scenario")) {
			if (s->nr_cmds || s->nr_verdicts || s->presets_line)
				return scn_perr(P, "'scenario' must be the first command");
			ret = p_scenario(P);
		} else if (!s->title) {
			return scn_perr(P, "the first command must be 'scenario \"TITLE\"'");
		} else if (!strcmp(w, "presets")) {
			ret = p_presets(P);
		} else if (!strcmp(w, "verdict")) {
			ret = p_verdict(P);
		} else {
			ret = p_op(P, &cap);
			if (!ret && !P->first_op_line && s->cmds[s->nr_cmds - 1].kind != SCN_MEMORY &&
			    s->cmds[s->nr_cmds - 1].kind != SCN_SWAP &&
			    s->cmds[s->nr_cmds - 1].kind != SCN_WHATIF)
				P->first_op_line = line->line;
		}
		if (ret)
			return ret;
	}
	if (!s->title) {
		P->l = NULL;
		return scn_perr(P, "missing 'scenario \"TITLE\"' line");
	}
	/* Whether each verdict's presets run is scenario_check()'s question: names need the presets. */
	return P->probe ? 0 : check_unused(P);
}

static int parse_buffer(const char *display, const char *buf, size_t len, struct scenario **out,
			char *err, size_t errlen, struct scn_probe *probe)
{
	struct scn_parser P = { .err = err, .errlen = errlen, .probe = probe != NULL };
	struct strbuf desc = { 0 };
	struct scn_line line = { 0 };
	struct scn_lexer lx;
	struct scenario *s;
	int ret;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!display || (!buf && len))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto nomem;
	s->all_presets = true;
	s->path = strdup(display);
	s->name = name_from_path(display);
	if (!s->path || !s->name)
		goto nomem;
	P.s = s;
	scn_lex_init(&lx, buf, len);
	ret = parse_lines(&P, &lx, &line, &desc);
	if (probe && !ret) {
		/* The handler of the last line asked for these: copy them out. */
		probe->nr = 0;
		for (size_t i = 0; i < P.nr_asked && i < SCN_PROBE_MAX; i++) {
			snprintf(probe->args[probe->nr++], sizeof(probe->args[0]), "%s%s",
				 P.asked[i], P.asked_kv[i] ? "=" : "");
		}
		probe->result_ok = s->nr_cmds && s->cmds[s->nr_cmds - 1].has_result;
	}
	scn_line_release(&line);
	free(P.used);
	free(P.vis);
	free(P.unpinned);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", display);
		free(desc.s);
		scenario_free(s);
		return ret;
	}
	while (desc.len && desc.s[desc.len - 1] == '\n')
		desc.s[--desc.len] = '\0';
	s->description = desc.s ? desc.s : strdup("");
	if (!s->description)
		goto nomem;
	*out = s;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", display);
	free(desc.s);
	scenario_free(s);
	return -ENOMEM;
}

int scenario_parse_buffer(const char *display, const char *buf, size_t len,
			  struct scenario **out, char *err, size_t errlen)
{
	return parse_buffer(display, buf, len, out, err, errlen, NULL);
}

int scenario_parse_probe(const char *text, struct scn_probe *probe, char *err, size_t errlen)
{
	struct scenario *s;
	int ret = parse_buffer("probe.pin", text, strlen(text), &s, err, errlen, probe);

	scenario_free(s);
	return ret;
}

int scenario_parse_file(const char *path, struct scenario **out, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat() says what it is. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SCN_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
			 S_ISREG(st.st_mode) ? "too large for a scenario" : "not a regular file");
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return ret;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	ret = scenario_parse_buffer(path, buf, len, out, err, errlen);
	free(buf);
	return ret;
}
