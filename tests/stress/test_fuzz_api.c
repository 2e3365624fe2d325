/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The API-sequence fuzz target (fuzz/fuzz_api.c) as a test: its seed corpus
 * and a fixed-seed set of random sequences, each checked for the target's
 * invariants, so what the fuzzer once found cannot come back unnoticed. The
 * same inputs every run: PINMM_FUZZ_TRACE=N replays random input N with the
 * trace on stderr and writes its bytes to fuzz-api-input.bin, which can go
 * into fuzz/corpus-api/ once the bug is fixed.
 */
#include <dirent.h>
#include "../common/cmocka_tap.h"
#include "../common/seeds.h"
#include "../../fuzz/fuzz_api.c"

#define FA_RANDOM_INPUTS	600
#define FA_INPUT_MAX		192

static unsigned long long fa_seed = 0x9e3779b97f4a7c15ULL;

static uint8_t fa_next(void)
{
	/* xorshift64*: the same sequence on every host */
	fa_seed ^= fa_seed >> 12;
	fa_seed ^= fa_seed << 25;
	fa_seed ^= fa_seed >> 27;
	return (uint8_t)((fa_seed * 0x2545f4914f6cdd1dULL) >> 56);
}

static void check_input(const uint8_t *data, size_t len, const char *name)
{
	const char *preset, *failure = fa_run_one(data, len, &preset);

	if (failure)
		print_message("# %s under %s: %s\n", name, preset, failure);
	assert_null(failure);
}

static void test_seed_corpus(void **state)
{
	DIR *d = opendir("fuzz/corpus-api");
	struct dirent *e;
	size_t n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[512];
		uint8_t buf[4096];
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		len = read_seed("fuzz/corpus-api", e->d_name, buf, sizeof(buf), path, sizeof(path));
		check_input(buf, len, path);
		n++;
	}
	closedir(d);
	assert_true(n >= 4);
}

static void test_fixed_seed_sequences(void **state)
{
	const char *trace = getenv("PINMM_FUZZ_TRACE");	/* replay input N with --trace output */
	uint8_t buf[FA_INPUT_MAX];

	(void)state;
	for (int i = 0; i < FA_RANDOM_INPUTS; i++) {
		size_t len = 1 + fa_next() % FA_INPUT_MAX;
		char name[32];

		for (size_t j = 0; j < len; j++)
			buf[j] = fa_next();
		snprintf(name, sizeof(name), "random input %d", i);
		if (trace && atoi(trace) == i) {
			FILE *f = fopen("fuzz-api-input.bin", "wb");	/* for fuzz/corpus-api/ */

			if (f) {
				fwrite(buf, 1, len, f);
				fclose(f);
			}
			mm_trace_set(stderr);
		}
		check_input(buf, len, name);
		mm_trace_set(NULL);
	}
	print_message("# %d random sequences checked\n", FA_RANDOM_INPUTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_corpus),
		cmocka_unit_test(test_fixed_seed_sequences),
	};

	return RUN_TAP(tests, NULL, NULL);
}
