/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Seed inputs of the fuzz targets, read back by the tests that replay them.
 */
#ifndef PINMM_TESTS_SEEDS_H
#define PINMM_TESTS_SEEDS_H

#include <stdio.h>
#include "cmocka_tap.h"

/* @dir/@name into @buf (at most @max bytes, the rest cut); its length. Fails the test if unreadable. */
static inline size_t read_seed(const char *dir, const char *name, void *buf, size_t max,
			       char *path, size_t path_len)
{
	size_t len;
	FILE *f;

	snprintf(path, path_len, "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(buf, 1, max, f);
	fclose(f);
	return len;
}

#endif
