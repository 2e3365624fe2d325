/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The language reference cannot drift from the parser: every command has an
 * entry; the keys and flags an entry names are exactly those the parser asks
 * for; its examples parse; "[-> RES]" is in a synopsis exactly when the
 * parser takes a result; the vmstat table is the mem layer's; and
 * docs/scenario-language.md holds what `pinmm list commands --markdown`
 * prints (run `make docs` after changing src/scenario/reference.c). Run from
 * the repository root, as `make check` does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/vmstat.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/reference.h>

#define MAX_ARGS 32

/* Split @s on spaces into @v (copies in @buf). */
static size_t words(const char *s, char buf[][24], size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		size_t l = strcspn(s, " ");

		if (l) {
			snprintf(buf[n++], 24, "%.*s", (int)l, s);
		}
		s += l;
		s += *s == ' ';
	}
	return n;
}

static bool in_set(const char *w, char set[][24], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i], w))
			return true;
	return false;
}

static char *probe_text(enum scn_cmd_kind k, const char *line)
{
	char *t;

	if (k == SCN_MEMORY || k == SCN_SWAP || k == SCN_WHATIF)
		assert_true(asprintf(&t, "scenario \"reference\"\n%s\n", line) > 0);
	else
		assert_true(asprintf(&t, "%s%s\n", scn_doc_prelude, line) > 0);
	return t;
}

static void test_every_command_is_documented(void **state)
{
	for (int k = 0; k < SCN_NR_CMDS; k++) {
		const struct scn_cmd_doc *d = &scn_cmd_docs[k];
		size_t n = strlen(scn_cmd_names[k]);

		if (!d->synopsis)
			fail_msg("command '%s' has no entry in scn_cmd_docs (src/scenario/reference.c)",
				 scn_cmd_names[k]);
		if (strncmp(d->synopsis, scn_cmd_names[k], n) || (d->synopsis[n] && d->synopsis[n] != ' '))
			fail_msg("synopsis '%s' does not start with '%s'", d->synopsis, scn_cmd_names[k]);
		assert_non_null(d->help);
		assert_non_null(d->examples);
		assert_non_null(d->args);
	}
}

/* The arguments the reference names are the ones the parser asks for, no more, no fewer. */
static void test_arguments_match_the_parser(void **state)
{
	for (int k = 0; k < SCN_NR_CMDS; k++) {
		const struct scn_cmd_doc *d = &scn_cmd_docs[k];
		char want[MAX_ARGS][24], got[MAX_ARGS][24];
		size_t nw = words(d->args, want, MAX_ARGS), ng = 0;
		const char *e = d->examples;

		while (*e) {
			size_t l = strcspn(e, "\n");
			char line[256], err[SCN_ERR_MAX], *t;
			struct scn_probe pr;

			snprintf(line, sizeof(line), "%.*s", (int)l, e);
			t = probe_text((enum scn_cmd_kind)k, line);
			if (scenario_parse_probe(t, &pr, err, sizeof(err)))
				fail_msg("example '%s' of %s does not parse: %s", line, scn_cmd_names[k], err);
			free(t);
			for (size_t i = 0; i < pr.nr; i++)
				if (!in_set(pr.args[i], got, ng) && ng < MAX_ARGS)
					snprintf(got[ng++], 24, "%s", pr.args[i]);
			e += l;
			e += *e == '\n';
		}
		for (size_t i = 0; i < ng; i++)
			if (!in_set(got[i], want, nw))
				fail_msg("the parser takes '%s' for %s; the reference does not name it",
					 got[i], scn_cmd_names[k]);
		for (size_t i = 0; i < nw; i++) {
			if (!in_set(want[i], got, ng))
				fail_msg("the reference names '%s' for %s; the parser never asked for it "
					 "in the examples", want[i], scn_cmd_names[k]);
			if (!strstr(d->synopsis, want[i]))
				fail_msg("'%s' of %s is missing from its synopsis", want[i],
					 scn_cmd_names[k]);
		}
	}
}

/* "[-> RES]" in a synopsis exactly when the parser takes one. */
static void test_results_match_the_parser(void **state)
{
	for (int k = 0; k < SCN_NR_CMDS; k++) {
		const struct scn_cmd_doc *d = &scn_cmd_docs[k];
		bool doc = strstr(d->synopsis, "[-> RES]") != NULL;
		char line[256], err[SCN_ERR_MAX], *t;
		size_t l = strcspn(d->examples, "\n");
		struct scn_probe pr;
		int ret;

		snprintf(line, sizeof(line), "%.*s", (int)l, d->examples);
		if (strstr(line, " -> "))
			*strstr(line, " -> ") = '\0';
		strncat(line, " -> ok", sizeof(line) - strlen(line) - 1);
		t = probe_text((enum scn_cmd_kind)k, line);
		ret = scenario_parse_probe(t, &pr, err, sizeof(err));
		free(t);
		if (doc && ret)
			fail_msg("%s: the synopsis says [-> RES], the parser says: %s", scn_cmd_names[k],
				 err);
		if (!doc && !ret)
			fail_msg("%s takes '-> RES'; its synopsis does not say so", scn_cmd_names[k]);
	}
}

static void test_vmstat_table_is_the_mem_layers(void **state)
{
	size_t n = 0;

	for (; scn_vmstat_docs[n].name; n++) {
		assert_true(n < NR_VM_NODE_STAT_ITEMS);
		assert_string_equal(scn_vmstat_docs[n].name, vmstat_text[n]);
	}
	if (n != NR_VM_NODE_STAT_ITEMS)
		fail_msg("vmstat counter '%s' has no entry in scn_vmstat_docs (src/scenario/reference.c)",
			 vmstat_text[n]);
}

#define BEGIN "<!-- generated: pinmm list commands --markdown (make docs) -->\n"
#define END "<!-- end of generated part -->\n"

static void test_docs_are_generated(void **state)
{
	FILE *f = fopen("docs/scenario-language.md", "r");
	char *doc = NULL, *gen = NULL, *b, *e;
	size_t dlen = 0, glen = 0;
	FILE *g;

	if (!f)
		fail_msg("docs/scenario-language.md: cannot open (run from the repository root)");
	g = open_memstream(&doc, &dlen);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, g);
	fclose(g);
	fclose(f);
	g = open_memstream(&gen, &glen);
	scn_reference_markdown(g);
	fclose(g);
	b = strstr(doc, BEGIN);
	e = b ? strstr(b, END) : NULL;
	if (!b || !e)
		fail_msg("docs/scenario-language.md has no generated part between the markers");
	b += strlen(BEGIN);
	if ((size_t)(e - b) != glen || memcmp(b, gen, glen))
		fail_msg("docs/scenario-language.md is not what pinmm list commands --markdown prints: "
			 "run make docs");
	free(doc);
	free(gen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_is_documented),
		cmocka_unit_test(test_arguments_match_the_parser),
		cmocka_unit_test(test_results_match_the_parser),
		cmocka_unit_test(test_vmstat_table_is_the_mem_layers),
		cmocka_unit_test(test_docs_are_generated),
	};

	return RUN_TAP(tests, NULL, NULL);
}
