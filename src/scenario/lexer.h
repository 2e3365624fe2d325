/* SPDX-License-Identifier: GPL-2.0-only */
/* Splitting .pin text into lines of tokens; private to the parser. */
#ifndef PINMM_SCENARIO_LEXER_H
#define PINMM_SCENARIO_LEXER_H

#include <stdbool.h>
#include <stddef.h>

struct scn_tok {
	char *s;		/* unescaped text, NUL-terminated */
	bool quoted;		/* came from "..." */
};

struct scn_line {
	unsigned int line;
	struct scn_tok *toks;
	size_t nr, cap;
	char *comment;		/* text after '#', or NULL */
};

struct scn_lexer {
	const char *buf;
	size_t len, pos;
	unsigned int line;	/* of the line scn_lex_line() returned last */
};

void scn_lex_init(struct scn_lexer *lx, const char *buf, size_t len);
/*
 * Tokenise the next line into @out (reset first): 1 for a line (possibly with
 * no tokens), 0 at the end of input, -EINVAL with a message (no "file:line:"
 * prefix) in @err, or -ENOMEM.
 */
int scn_lex_line(struct scn_lexer *lx, struct scn_line *out, char *err, size_t errlen);
void scn_line_release(struct scn_line *l);

#endif
