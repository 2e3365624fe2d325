/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host against a release preset, over one suite run with the host in
 * column 0 and the release in column 1: what both ran is compared; what the
 * host cannot carry out (n/a) is counted; a host run that failed is a
 * difference, never a skipped cell. Needs the scenario headers first.
 */
#ifndef PINMM_TESTS_HOST_COMPARE_H
#define PINMM_TESTS_HOST_COMPARE_H

#include <string.h>

struct host_tally {
	size_t compared, na, differ;
};

static inline void host_compare(const struct scenario_suite *suite, const struct scn_matrix *m,
				const char *release, struct host_tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t si = 0; si < suite->nr; si++) {
		const struct scn_matrix_cell *h = scn_matrix_at(m, si, 0);
		const struct scn_matrix_cell *k = scn_matrix_at(m, si, 1);

		if (h->state == SCN_NOT_RUN)
			continue;
		if (h->state == SCN_ERROR || k->state != SCN_RAN) {
			print_message("# %s: %s run failed: %s\n", suite->v[si]->name,
				      h->state == SCN_ERROR ? "host" : release,
				      strerror(-(h->state == SCN_ERROR ? h->error : k->error)));
			t->differ++;
			continue;
		}
		if (h->res.cell == SCN_NA) {
			t->na++;
			continue;
		}
		t->compared++;
		if (h->res.cell != k->res.cell || h->res.scenario_error != k->res.scenario_error) {
			print_message("# %s: host %s (line %u: %s), %s %s (line %u: %s)\n",
				      suite->v[si]->name, scn_cell_names[h->res.cell], h->res.line,
				      h->res.reason, release, scn_cell_names[k->res.cell],
				      k->res.line, k->res.reason);
			t->differ++;
		}
	}
}

#endif
