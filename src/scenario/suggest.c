/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "Did you mean": every "unknown X" message names the nearest known X, or
 * lists them all when nothing is near, so a typo never sends the reader to
 * the source to find out what exists.
 */
#include <stdio.h>
#include <string.h>

#include <pinmm/scenario/parse.h>

/* Edit distance (insert, delete, substitute, swap adjacent), capped at 8. */
static unsigned int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int d[3][33];

	if (la > 32 || lb > 32)
		return 8;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int *row = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];

		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] != b[j - 1];
			unsigned int v = prev[j] + 1;

			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			row[j] = v;
		}
	}
	return d[la % 3][lb] > 8 ? 8 : d[la % 3][lb];
}

const char *scn_nearest(const char *word, const char *const *known, size_t nr)
{
	size_t n = strlen(word);
	unsigned int best = n <= 3 ? 1 : n <= 6 ? 2 : 3;
	const char *pick = NULL;

	best++;
	for (size_t i = 0; i < nr; i++) {
		unsigned int d;

		if (!known[i])
			continue;
		d = distance(word, known[i]);
		/* A prefix of a known name ("check vm") is what the reader meant. */
		if (n >= 3 && !strncmp(known[i], word, n))
			d = 1;
		if (d < best) {
			best = d;
			pick = known[i];
		}
	}
	return pick;
}

void scn_suggest(char *buf, size_t len, const char *word, const char *const *known, size_t nr)
{
	const char *near = scn_nearest(word, known, nr);
	size_t o;

	if (!len)
		return;
	if (near) {
		snprintf(buf, len, "did you mean '%s'?", near);
		return;
	}
	o = (size_t)snprintf(buf, len, "known: ");
	for (size_t i = 0, first = 1; i < nr && o < len; i++) {
		if (!known[i])
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", first ? "" : ", ", known[i]);
		first = 0;
	}
	if (o >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}
