/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The .pin lexer: a line is whitespace-separated words and "quoted strings";
 * '#' outside quotes starts a comment. Input comes from files people edit and
 * from the fuzzer, so every byte is checked and nothing is assumed terminated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

void scn_lex_init(struct scn_lexer *lx, const char *buf, size_t len)
{
	lx->buf = buf;
	lx->len = len;
	lx->pos = 0;
	lx->line = 0;
}

void scn_line_release(struct scn_line *l)
{
	for (size_t i = 0; i < l->nr; i++)
		free(l->toks[i].s);
	free(l->toks);
	free(l->comment);
	memset(l, 0, sizeof(*l));
}

static void line_reset(struct scn_line *l)
{
	for (size_t i = 0; i < l->nr; i++)
		free(l->toks[i].s);
	l->nr = 0;
	free(l->comment);
	l->comment = NULL;
}

static int push_tok(struct scn_line *l, const char *s, size_t n, bool quoted)
{
	char *copy;

	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct scn_tok *t = realloc(l->toks, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		l->toks = t;
		l->cap = cap;
	}
	copy = malloc(n + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, n);
	copy[n] = '\0';
	l->toks[l->nr].s = copy;
	l->toks[l->nr].quoted = quoted;
	l->nr++;
	return 0;
}

static bool word_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '#';
}

/* Unescape a quoted string starting after its opening quote; ends at the quote. */
static int lex_string(struct scn_lexer *lx, size_t eol, struct scn_line *out,
		      char *err, size_t errlen)
{
	size_t p = lx->pos + 1;
	char *tmp = malloc(eol - p + 1);
	size_t n = 0;
	int ret;

	if (!tmp)
		return -ENOMEM;
	for (;;) {
		unsigned char c;

		if (p >= eol) {
			snprintf(err, errlen, "unterminated string");
			free(tmp);
			return -EINVAL;
		}
		c = (unsigned char)lx->buf[p++];
		if (c == '"')
			break;
		if (c == '\\') {
			if (p >= eol) {
				snprintf(err, errlen, "unterminated string");
				free(tmp);
				return -EINVAL;
			}
			c = (unsigned char)lx->buf[p++];
			if (c != '"' && c != '\\') {
				snprintf(err, errlen, "bad escape '\\%c' in string (only \\\" and \\\\)",
					 c >= ' ' && c < 0x7f ? c : '?');
				free(tmp);
				return -EINVAL;
			}
		} else if (c < ' ' && c != '\t') {
			snprintf(err, errlen, "bad character 0x%02x in string", c);
			free(tmp);
			return -EINVAL;
		}
		tmp[n++] = (char)c;
	}
	ret = push_tok(out, tmp, n, true);
	free(tmp);
	lx->pos = p;
	return ret;
}

int scn_lex_line(struct scn_lexer *lx, struct scn_line *out, char *err, size_t errlen)
{
	size_t eol;
	int ret;

	line_reset(out);
	if (lx->pos >= lx->len)
		return 0;
	lx->line++;
	out->line = lx->line;
	eol = lx->pos;
	while (eol < lx->len && lx->buf[eol] != '\n')
		eol++;

	while (lx->pos < eol) {
		unsigned char c = (unsigned char)lx->buf[lx->pos];

		if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
		} else if (c == '#') {
			size_t start = lx->pos + 1, end = eol;

			for (size_t i = start; i < end; i++) {
				if (lx->buf[i] == '\0') {
					snprintf(err, errlen, "NUL byte in comment");
					ret = -EINVAL;
					goto out;
				}
			}
			while (end > start && (lx->buf[end - 1] == '\r'))
				end--;
			out->comment = malloc(end - start + 1);
			if (!out->comment) {
				ret = -ENOMEM;
				goto out;
			}
			memcpy(out->comment, lx->buf + start, end - start);
			out->comment[end - start] = '\0';
			lx->pos = eol;
		} else if (c == '"') {
			ret = lex_string(lx, eol, out, err, errlen);
			if (ret)
				goto out;
			if (lx->pos < eol && word_char((unsigned char)lx->buf[lx->pos])) {
				snprintf(err, errlen, "missing space after string");
				ret = -EINVAL;
				goto out;
			}
		} else if (word_char(c)) {
			size_t start = lx->pos;

			while (lx->pos < eol && word_char((unsigned char)lx->buf[lx->pos]))
				lx->pos++;
			if (lx->pos < eol && lx->buf[lx->pos] == '"') {
				snprintf(err, errlen, "missing space before string");
				ret = -EINVAL;
				goto out;
			}
			ret = push_tok(out, lx->buf + start, lx->pos - start, false);
			if (ret)
				goto out;
		} else {
			snprintf(err, errlen, "bad character 0x%02x", c);
			ret = -EINVAL;
			goto out;
		}
	}
	ret = 1;
out:
	/* Resume after this line even on error, so a caller could go on. */
	lx->pos = eol < lx->len ? eol + 1 : lx->len;
	return ret;
}
