/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A host run as a whole: the isolated child it happens in, the loop over the
 * commands, and which release preset the host is compared with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/pin/preset.h>
#include <pinmm/scenario/format.h>
#include "interp_host.h"

static int *ids(size_t n)
{
	int *v = malloc((n + 1) * sizeof(*v));

	for (size_t i = 0; v && i <= n; i++)
		v[i] = -1;
	return v;
}

struct host_job {
	const struct scenario *s;
	const char *release;
	FILE *trace;
	const char *dir;
	double deadline;
};

/* In the isolated child: the whole run. */
static int host_body(void *arg, void *out)
{
	struct host_job *job = arg;
	const struct scenario *s = job->s;
	struct scenario_result *res = out;
	pthread_mutex_t res_lock = PTHREAD_MUTEX_INITIALIZER;
	struct hrun r = { .in = { .s = s, .preset = SCN_HOST_PRESET, .res = res,
				  .trace = job->trace, .res_lock = &res_lock } };
	int err;

	r.fs = ids(s->names[SCN_NS_FS].nr);
	r.files = ids(s->names[SCN_NS_FILE].nr);
	r.procs = ids(s->names[SCN_NS_PROC].nr);
	r.odp = calloc(s->names[SCN_NS_DEV].nr + 1, sizeof(*r.odp));
	r.maps = calloc(s->names[SCN_NS_MAP].nr + 1, sizeof(*r.maps));
	r.handles = calloc(s->names[SCN_NS_HANDLE].nr + 1, sizeof(*r.handles));
	err = !r.fs || !r.files || !r.procs || !r.odp || !r.maps || !r.handles ? -ENOMEM
									      : host_read_baselines(&r);
	if (!err)
		err = host_session_open(&r.hs, job->dir, job->deadline);
	for (size_t i = 0; !err && i < s->nr_cmds && !r.in.stop; i++) {
		const struct scn_cmd *c = &s->cmds[i];

		r.idx = i;
		r.in.cur = c;
		/* A check for some presets only: the host runs as its release would. */
		if (!scn_cmd_applies(c, SCN_HOST_PRESET) && !scn_cmd_applies(c, job->release))
			continue;
		if (r.in.trace) {
			char buf[256];

			scn_cmd_format(s, c, buf, sizeof(buf));
			interp_trace(r.in.trace, "scenario: line %u: %s\n", c->line, buf);
		}
		if (c->has_during)
			host_na(&r, "the host cannot run a command inside another at a race point (during=)");
		else
			host_exec_cmd(&r, c);
		if (!r.in.stop)
			host_scan_kmsg(&r);
	}
	host_session_close(r.hs);
	free(r.fs);
	free(r.files);
	free(r.procs);
	free(r.odp);
	free(r.maps);
	free(r.handles);
	free(r.vm_base);
	return err ? err : r.fatal;
}

static unsigned int host_timeout(void)
{
	const char *e = getenv("PINMM_HOST_TIMEOUT");
	long v = e ? strtol(e, NULL, 10) : 0;

	return v > 0 && v < 3600 ? (unsigned int)v : 30;
}

bool scenario_host_usable(char *why, size_t len)
{
	return host_usable(why, len);
}

int scenario_run_host(const struct scenario *s, struct scenario_result *out, FILE *trace)
{
	struct host_job job = { .s = s, .trace = trace, .release = scenario_host_release() };
	unsigned int timeout = host_timeout();
	char dir[1024];
	int err;

	memset(out, 0, sizeof(*out));
	out->cell = SCN_PASS;
	if (!host_usable(out->reason, sizeof(out->reason))) {
		out->cell = SCN_NA;
		return 0;
	}
	err = host_mkdtemp(dir, sizeof(dir));
	if (err)
		return err;
	job.dir = dir;
	/* The session's own deadline comes first, so that it can still report. */
	job.deadline = host_now() + (timeout > 4 ? timeout - 2 : timeout);
	err = host_isolated_run(host_body, &job, out, sizeof(*out), timeout, dir);
	if (err == -ECHILD)
		snprintf(out->reason, sizeof(out->reason), "a host process died");
	return err;
}

/* "6.18", "v4.14", "4.14.0": major * 1000 + minor; 0 if it is none of those. */
static unsigned int parse_release(const char *k)
{
	unsigned int major, minor;

	if (!k)
		return 0;
	if (*k == 'v')
		k++;
	return sscanf(k, "%u.%u", &major, &minor) == 2 ? major * 1000 + minor : 0;
}

const char *scenario_host_release(void)
{
	unsigned int host = host_release(), best = 0, oldest = ~0U;
	const char *pick = NULL, *old = NULL;

	for (size_t i = 0; pin_presets[i]; i++) {
		const struct pin_preset *p = pin_presets[i];
		unsigned int v = p->family == PRESET_RELEASE ? parse_release(p->kernel) : 0;

		if (!v)
			continue;
		if (v <= host && v > best)
			best = v, pick = p->name;
		if (v < oldest)
			oldest = v, old = p->name;
	}
	if (pick)
		return pick;
	if (old)
		return old;	/* a kernel older than every release preset */
	/* No release names its kernel: the newest release's mm is "mainline". */
	if (pin_preset_find("mainline"))
		return "mainline";
	for (size_t i = 0; pin_presets[i]; i++)
		if (pin_presets[i]->family == PRESET_RELEASE)
			return pin_presets[i]->name;
	return pin_presets[0] ? pin_presets[0]->name : "mainline";
}

const char *scenario_verdict_preset(const char *preset)
{
	return !strcmp(preset, SCN_HOST_PRESET) ? scenario_host_release() : preset;
}
