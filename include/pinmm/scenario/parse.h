/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * .pin text to struct scenario. Errors come back as -EINVAL with
 * "file:line: message" in @err; the parser never prints and never exits.
 */
#ifndef PINMM_SCENARIO_PARSE_H
#define PINMM_SCENARIO_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pinmm/scenario/ast.h>

/* Room for any message the parser writes, path included. */
#define SCN_ERR_MAX 512

/*
 * Parse @len bytes of @buf (NUL bytes allowed: they are an error, not an end),
 * naming it @display in messages. 0 and *@out, or -EINVAL/-ENOMEM and a message.
 */
int scenario_parse_buffer(const char *display, const char *buf, size_t len,
			  struct scenario **out, char *err, size_t errlen);
/* Read and parse @path; -errno from open/read with "path: strerror" in @err. */
int scenario_parse_file(const char *path, struct scenario **out, char *err, size_t errlen);
void scenario_free(struct scenario *s);

/*
 * What the parser itself accepts, for the language reference and its test:
 * parse @text (a whole scenario, without the checks that need the whole
 * file, such as unused declarations) and return the arguments the handler of
 * its last line asked for ("len=", "write", ...), in the order it asked.
 */
#define SCN_PROBE_MAX 24
struct scn_probe {
	char args[SCN_PROBE_MAX][24];
	size_t nr;
	bool result_ok;			/* the last line's "-> RES" was accepted */
};
int scenario_parse_probe(const char *text, struct scn_probe *probe, char *err, size_t errlen);

/*
 * A .pin size: decimal or 0x hex, then optionally K/M/G (binary, either case)
 * or p (4 KiB pages). 0 or -EINVAL (overflow, stray characters).
 */
int scn_parse_size(const char *s, uint64_t *out);

/*
 * The known name nearest to @word (a typo, a swapped pair, a prefix), or NULL
 * when none is close. NULL entries of @known are skipped.
 */
const char *scn_nearest(const char *word, const char *const *known, size_t nr);
/* "did you mean 'x'?" or "known: a, b, c" into @buf. */
void scn_suggest(char *buf, size_t len, const char *word, const char *const *known, size_t nr);

/*
 * What the grammar cannot know: preset names against the preset table
 * (@presets, @nr_presets; NULL skips the check) and vmstat counter names
 * against the mem layer's vmstat_text. -EINVAL with "file:line: unknown
 * preset 'x'" or "file:line: unknown vmstat counter 'x'". The runner calls it
 * before running a scenario (src/scenario/check.c, not part of the fuzzed
 * parser because it needs the mem layer).
 */
int scenario_check(const struct scenario *s, const char *const *presets, size_t nr_presets,
		   char *err, size_t errlen);
/*
 * The presets and verdict targets of @s against the pin layer's presets:
 * every name known, every range end a release, no preset with two verdicts,
 * no verdict for a preset the presets line does not run (src/scenario/verdict.c).
 * @presets only feeds the "did you mean" hint of an unknown name.
 */
int scenario_check_targets(const struct scenario *s, const char *const *presets,
			   size_t nr_presets, char *err, size_t errlen);

#endif
