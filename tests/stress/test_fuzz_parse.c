/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parser's fuzz target (fuzz/fuzz_parse.c) as a test, so that make check
 * holds the parser to its contract without clang or libFuzzer: every
 * scenario in scenarios/, a fixed-seed set of mutations of each (bytes
 * changed, lines dropped or repeated, the text cut short) and random bytes.
 * The target abort()s on a broken contract (an error without "name:line:", a
 * canonical form that does not parse again or is not stable); the handler
 * below says which input it was, and the same inputs come every run.
 */
#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#include "../common/cmocka_tap.h"
#include "../common/seeds.h"
#include "../../fuzz/fuzz_parse.c"

#define FP_MUTATIONS	40	/* per scenario */
#define FP_RANDOM	500
#define FP_MAX		16384

static unsigned long long fp_seed = 0x2545f4914f6cdd1dULL;
static char fp_current[600];

static unsigned int fp_next(void)
{
	/* xorshift64*: the same sequence on every host */
	fp_seed ^= fp_seed >> 12;
	fp_seed ^= fp_seed << 25;
	fp_seed ^= fp_seed >> 27;
	return (unsigned int)((fp_seed * 0x2545f4914f6cdd1dULL) >> 32);
}

static void fp_on_abort(int sig)
{
	static const char what[] = "# the parser broke its contract on: ";

	if (write(2, what, sizeof(what) - 1) < 0 || write(2, fp_current, strlen(fp_current)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Run one input; fp_current names it for the abort handler. */
static void fp_one(const char *buf, size_t len)
{
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
}

/* The line of @in around *@at: its first byte in *@at, its newline (or @len) in *@end. */
static void fp_line(const char *in, size_t len, size_t *at, size_t *end)
{
	*end = *at;
	while (*end < len && in[*end] != '\n')
		(*end)++;
	while (*at && in[*at - 1] != '\n')
		(*at)--;
}

/* One mutation of @in into @out: what a fuzzer's first steps do to a seed. */
static size_t fp_mutate(const char *in, size_t len, char *out)
{
	size_t at = len ? fp_next() % len : 0, n = 0, end;

	switch (fp_next() % 5) {
	case 0:	/* a byte changed */
		memcpy(out, in, len);
		if (len)
			out[at] = (char)fp_next();
		return len;
	case 1:	/* the text cut short */
		memcpy(out, in, at);
		return at;
	case 2:	/* the line at @at dropped */
		fp_line(in, len, &at, &end);
		memcpy(out, in, at);
		n = len - (end < len ? end + 1 : len);
		memcpy(out + at, in + len - n, n);
		return at + n;
	case 3:	/* the line at @at repeated */
		fp_line(in, len, &at, &end);
		n = end < len ? end + 1 - at : end - at;
		if (len + n > FP_MAX)
			n = 0;
		memcpy(out, in, at + n);
		memcpy(out + at + n, in + at, len - at);
		return len + n;
	default:	/* a token's worth of bytes swapped between two places */
		memcpy(out, in, len);
		for (int k = 0; len && k < 4; k++) {
			size_t b = fp_next() % len;
			char t = out[at];

			out[at] = out[b];
			out[b] = t;
			at = (at + 1) % len;
		}
		return len;
	}
}

static void test_scenarios_and_their_mutations(void **state)
{
	static char in[FP_MAX], out[FP_MAX];
	DIR *d = opendir("scenarios");
	struct dirent *e;
	int files = 0;

	(void)state;
	assert_non_null(d);
	signal(SIGABRT, fp_on_abort);
	while ((e = readdir(d))) {
		size_t len, l = strlen(e->d_name);
		char path[512];

		if (l < 5 || strcmp(e->d_name + l - 4, ".pin"))
			continue;
		len = read_seed("scenarios", e->d_name, in, sizeof(in), path, sizeof(path));
		snprintf(fp_current, sizeof(fp_current), "%s", path);
		fp_one(in, len);
		for (int i = 0; i < FP_MUTATIONS; i++) {
			snprintf(fp_current, sizeof(fp_current), "%s, mutation %d", path, i);
			fp_one(out, fp_mutate(in, len, out));
		}
		files++;
	}
	closedir(d);
	signal(SIGABRT, SIG_DFL);
	/* Every scenario of the suite is a seed: there are 72 of them now. */
	assert_true(files >= 70);
	print_message("# %d scenarios, %d mutations each\n", files, FP_MUTATIONS);
}

static void test_random_bytes(void **state)
{
	static char buf[512];

	(void)state;
	signal(SIGABRT, fp_on_abort);
	for (int i = 0; i < FP_RANDOM; i++) {
		size_t len = fp_next() % sizeof(buf);

		for (size_t j = 0; j < len; j++)
			buf[j] = (char)fp_next();
		snprintf(fp_current, sizeof(fp_current), "random input %d", i);
		fp_one(buf, len);
	}
	signal(SIGABRT, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios_and_their_mutations),
		cmocka_unit_test(test_random_bytes),
	};

	return RUN_TAP(tests, NULL, NULL);
}
