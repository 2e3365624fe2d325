/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading scenario sets and running them preset by preset into the matrix. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/event.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>
#include <pinmm/scenario/suite.h>

/* Overridden by the file mk/embed-scenarios.sh generates. */
__attribute__((weak)) const struct scenario_source *scenario_builtin(size_t *nr)
{
	*nr = 0;
	return NULL;
}

int scenario_suite_add(struct scenario_suite *suite, struct scenario *s, char *err, size_t errlen)
{
	const struct scenario *dup = scenario_suite_find(suite, s->name);

	if (dup) {
		snprintf(err, errlen, "%s: scenario '%s' already loaded from %s", s->path, s->name,
			 dup->path);
		scenario_free(s);
		return -EEXIST;
	}
	if (suite->nr == suite->cap) {
		size_t cap = suite->cap ? suite->cap * 2 : 16;
		struct scenario **v = realloc(suite->v, cap * sizeof(*v));

		if (!v) {
			snprintf(err, errlen, "%s: out of memory", s->path);
			scenario_free(s);
			return -ENOMEM;
		}
		suite->v = v;
		suite->cap = cap;
	}
	suite->v[suite->nr++] = s;
	return 0;
}

int scenario_suite_add_file(struct scenario_suite *suite, const char *path, char *err,
			    size_t errlen)
{
	struct scenario *s;
	int ret = scenario_parse_file(path, &s, err, errlen);

	return ret ? ret : scenario_suite_add(suite, s, err, errlen);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int scenario_suite_add_dir(struct scenario_suite *suite, const char *dir, char *err,
			   size_t errlen)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t nr = 0, cap = 0;
	struct dirent *e;
	int ret = 0;

	if (!d) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return ret;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 4, ".pin") || e->d_name[0] == '.')
			continue;
		if (nr == cap) {
			char **v = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!v) {
				ret = -ENOMEM;
				break;
			}
			names = v;
		}
		if (asprintf(&names[nr], "%s/%s", dir, e->d_name) < 0) {
			ret = -ENOMEM;
			break;
		}
		nr++;
	}
	closedir(d);
	if (ret)
		snprintf(err, errlen, "%s: out of memory", dir);
	else
		qsort(names, nr, sizeof(*names), cmp_str);
	for (size_t i = 0; i < nr; i++) {
		if (!ret)
			ret = scenario_suite_add_file(suite, names[i], err, errlen);
		free(names[i]);
	}
	free(names);
	return ret;
}

int scenario_suite_load_builtin(struct scenario_suite *suite, char *err, size_t errlen)
{
	size_t nr;
	const struct scenario_source *src = scenario_builtin(&nr);
	const char *dir;

	if (!nr) {
		/* Model: a tree whose build does not embed the suite reads it at run time. */
		dir = getenv("PINMM_SCENARIOS");
		return scenario_suite_add_dir(suite, dir && dir[0] ? dir : "scenarios", err, errlen);
	}
	for (size_t i = 0; i < nr; i++) {
		struct scenario *s;
		int ret = scenario_parse_buffer(src[i].name, src[i].text, src[i].len, &s, err, errlen);

		if (!ret)
			ret = scenario_suite_add(suite, s, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

const struct scenario *scenario_suite_find(const struct scenario_suite *suite, const char *name)
{
	for (size_t i = 0; i < suite->nr; i++)
		if (!strcmp(suite->v[i]->name, name))
			return suite->v[i];
	return NULL;
}

void scenario_suite_free(struct scenario_suite *suite)
{
	for (size_t i = 0; i < suite->nr; i++)
		scenario_free(suite->v[i]);
	free(suite->v);
	memset(suite, 0, sizeof(*suite));
}

int scenario_suite_run(const struct scenario_suite *suite, const char *const *presets,
		       size_t nr_presets, FILE *trace, struct scn_matrix *m)
{
	const char **names = calloc(suite->nr ? suite->nr : 1, sizeof(*names));
	int ret;

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < suite->nr; i++)
		names[i] = suite->v[i]->name;
	ret = scn_matrix_init(m, presets, nr_presets, names, suite->nr);
	free(names);
	if (ret)
		return ret;

	for (size_t si = 0; si < suite->nr; si++) {
		const struct scenario *s = suite->v[si];

		for (size_t pi = 0; pi < nr_presets; pi++) {
			struct scn_matrix_cell *c = scn_matrix_at(m, si, pi);

			/* The host is judged by the verdicts of the release it runs. */
			const char *judge = scenario_verdict_preset(presets[pi]);

			c->expected = scenario_expected(s, judge);
			if (!scenario_wants_preset(s, presets[pi]) && !scenario_wants_preset(s, judge))
				continue;
			if (trace)
				fprintf(trace, "# %s / %s: %s\n", s->name, presets[pi], s->title);
			if (READ_ONCE(mm_trace_on)) {
				char name[192];

				/* --trace-json: each cell is a process of its own in the timeline. */
				snprintf(name, sizeof(name), "%s / %s", s->name, presets[pi]);
				mm_trace_json_process(name);
			}
			ret = scenario_run(s, presets[pi], &c->res, trace);
			if (ret) {
				c->state = SCN_ERROR;
				c->error = ret;
			} else if (c->res.scenario_error) {
				c->state = SCN_ERROR;
				c->error = -EINVAL;
			} else {
				c->state = SCN_RAN;
			}
		}
	}
	return 0;
}
