/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the .pin parser. Beyond "no crash, no leak" it checks
 * the parser's contract: failure means -EINVAL or -ENOMEM, a "name:line:"
 * message and no AST; success means the canonical form parses again to the
 * same canonical form.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/scenario/format.h>
#include <pinmm/scenario/parse.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *canonical(const struct scenario *s)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	if (!f)
		abort();
	scenario_format(s, f);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SCN_ERR_MAX];
	struct scenario *s, *s2;
	char *text, *again;
	int ret;

	ret = scenario_parse_buffer("fuzz.pin", (const char *)data, size, &s, err, sizeof(err));
	if (ret) {
		/* Fuzzing harness, not the library: abort() is how it reports. */
		if ((ret != -EINVAL && ret != -ENOMEM) || s || strncmp(err, "fuzz.pin:", 9))
			abort();
		return 0;
	}
	text = canonical(s);
	ret = scenario_parse_buffer("fuzz.pin", text, strlen(text), &s2, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "canonical form does not parse: %s\n%s", err, text);
		abort();
	}
	again = canonical(s2);
	if (strcmp(text, again)) {
		fprintf(stderr, "canonical form not stable:\n%s---\n%s", text, again);
		abort();
	}
	free(again);
	free(text);
	scenario_free(s2);
	scenario_free(s);
	return 0;
}
