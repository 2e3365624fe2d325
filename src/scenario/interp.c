/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario interpreter: one fresh machine per (scenario, preset), the
 * commands in order, and the cell they land in (run.h says how it is decided).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/whatif.h>
#include <pinmm/gup/gup.h>
#include <pinmm/devmap/memremap.h>
#include <pinmm/pin/debug.h>
#include <pinmm/pin/preset.h>
#include <pinmm/fs/dax.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/vm/swap.h>
#include <pinmm/vm/hugetlb.h>
#include <pinmm/vm/mm.h>
#include <pinmm/scenario/format.h>
#include "interp.h"

void interp_fail(struct interp *in, enum scn_cell cell, const char *fmt, ...)
{
	va_list ap;

	/* An armed command's context may fail at the same time as the main one. */
	pthread_mutex_lock(in->res_lock);
	if (in->res->cell != SCN_PASS || in->res->scenario_error) {
		pthread_mutex_unlock(in->res_lock);
		return;
	}
	in->res->cell = cell;
	in->res->line = in->cur ? in->cur->line : 0;
	va_start(ap, fmt);
	vsnprintf(in->res->reason, sizeof(in->res->reason), fmt, ap);
	va_end(ap);
	if (cell != SCN_REFUSED)
		in->stop = true;
	if (in->trace)
		interp_trace(in->trace, "scenario: line %u: %s: %s\n", in->res->line,
			scn_cell_names[cell], in->res->reason);
	pthread_mutex_unlock(in->res_lock);
}

void interp_trace(FILE *f, const char *fmt, ...)
{
	char buf[512];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (READ_ONCE(mm_trace_on))
		__mm_trace_raw("%s", buf);
	else if (f)
		fprintf(f, "%s\n", buf);
}

void interp_error(struct interp *in, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(in->res_lock);
	if (in->res->scenario_error) {
		pthread_mutex_unlock(in->res_lock);
		return;
	}
	in->res->scenario_error = true;
	in->res->cell = SCN_PASS;
	in->res->line = in->cur ? in->cur->line : 0;
	va_start(ap, fmt);
	vsnprintf(in->res->reason, sizeof(in->res->reason), fmt, ap);
	va_end(ap);
	in->stop = true;
	if (in->trace)
		interp_trace(in->trace, "scenario: line %u: scenario error: %s\n", in->res->line,
			in->res->reason);
	pthread_mutex_unlock(in->res_lock);
}

static const char *errname(int err)
{
	const char *n = scn_errno_name(err < 0 ? -err : err);

	return n ? n : "an errno";
}

/* Operations a preset may refuse: pins (longterm policy) and layout changes (leases). */
static bool refusable(const struct scn_cmd *c)
{
	return c->kind == SCN_PIN || c->kind == SCN_TRUNCATE || c->kind == SCN_PUNCH;
}

/*
 * Commands no preset changes the outcome of: setting up the machine, and
 * the CPU's own accesses. Their failing, unasked for, is the scenario's.
 */
static bool scenario_owned(const struct scn_cmd *c)
{
	switch (c->kind) {
	case SCN_DISK: case SCN_TMPFS: case SCN_FILE: case SCN_PROCESS: case SCN_DEVICE:
	case SCN_MMAP: case SCN_WRITE: case SCN_READ: case SCN_PWRITE: case SCN_FORK:
	case SCN_MUNMAP: case SCN_MPROTECT: case SCN_MADVISE: case SCN_MREMAP:
		return true;
	default:
		return false;
	}
}

bool interp_result(struct interp *in, int err, const char *what)
{
	const struct scn_cmd *c = in->cur;
	int want = c->has_result ? c->result : 0;

	if (-err == want)
		return err == 0;
	if (!c->has_result && scenario_owned(c)) {
		interp_error(in, "%s failed: %s (no preset changes this; end the line with '-> %s' "
			     "if it is meant)", what, errname(err), errname(err));
		return false;
	}
	/* DESIGN: an operation expected to succeed that the preset refuses. */
	if (want == 0 && refusable(c)) {
		interp_fail(in, SCN_REFUSED, "%s: %s", what, errname(err));
		return false;
	}
	if (c->has_result)
		interp_fail(in, SCN_CORRUPT, "%s returned %s, expected %s", what,
			    err ? errname(err) : "ok", want ? errname(want) : "ok");
	else
		interp_fail(in, SCN_CORRUPT, "%s failed: %s", what, errname(err));
	return false;
}

/* BUG/WARN/CSUM events since the last look: expected ones are ticked off. */
static void interp_scan_events(struct interp *in)
{
	struct mm_event ev;

	while (mm_event_get(in->events_seen, &ev) == 0) {
		bool matched = false;

		in->events_seen++;
		for (size_t i = 0; i < in->nr_expects; i++) {
			struct interp_expect *x = &in->expects[i];

			if (x->cmd->expect_event.kind == ev.kind &&
			    strstr(ev.text, x->cmd->expect_event.text)) {
				x->fired = true;
				matched = true;
				break;
			}
		}
		if (matched)
			continue;
		if (ev.kind == MM_EV_CSUM)
			interp_fail(in, SCN_CORRUPT, "%s", ev.text);
		else
			interp_fail(in, SCN_BUG, "%s %s", mm_event_kind_names[ev.kind], ev.text);
	}
}

#define SCN_DAX_LAYOUT_TIMEOUT_MS 250
static unsigned int saved_dax_timeout;

static int interp_machine_up(struct interp *in, const char *preset_name)
{
	const struct pin_preset *preset = pin_preset_find(preset_name);
	struct mem_config cfg = { 0 };
	int err;

	if (!preset)
		return -EINVAL;
	for (size_t i = 0; i < in->s->nr_cmds; i++) {
		const struct scn_cmd *c = &in->s->cmds[i];

		if (c->kind == SCN_MEMORY) {
			cfg.ram_bytes = c->memory.size;
			cfg.movable_bytes = c->memory.movable;
			cfg.cma_bytes = c->memory.cma;
		} else if (c->kind == SCN_DISK && c->disk.dax) {
			/* A pmem disk's blocks are ZONE_DEVICE pages: reserve their pfns. */
			cfg.device_bytes += ALIGN_UP((unsigned long)c->disk.size, PMD_SIZE);
		}
	}
	/* A new machine has the boot-time THP settings; `thp` changes them. */
	transparent_hugepage = THP_MADVISE;
	thp_reset_anon_orders();
	huge_zero_page_enabled = true;
	/* Each pagemap gets its type's convention in the preset's release (seed 003). */
	devmap_refcount_default = DEVMAP_REFCOUNT_BY_RELEASE;
	whatif_set(0);
	for (size_t i = 0; i < in->s->nr_cmds; i++)
		if (in->s->cmds[i].kind == SCN_WHATIF)
			whatif_set(in->s->cmds[i].whatif.mask);
	err = mem_init(&cfg);
	if (err)
		return err;
	for (size_t i = 0; i < in->s->nr_cmds; i++) {
		const struct scn_cmd *m = &in->s->cmds[i];

		if (m->kind != SCN_MEMORY)
			continue;
		/* Gigantic pages first, as at boot: they need the unfragmented pageblocks. */
		if ((m->memory.hugepages_1g &&
		     hugetlb_set_nr_pages(size_to_hstate(1UL << 30), m->memory.hugepages_1g) !=
		     m->memory.hugepages_1g) ||
		    (m->memory.hugepages &&
		     hugetlb_set_nr_pages(&default_hstate, m->memory.hugepages) != m->memory.hugepages)) {
			hugetlb_pool_release();
			mem_exit();
			return -ENOMEM;
		}
	}
	err = pin_preset_apply(preset);
	for (size_t i = 0; i < in->s->nr_cmds && !err; i++)
		if (in->s->cmds[i].kind == SCN_SWAP)
			err = swapon_mem(in->s->cmds[i].swap.size);
	/* The debug mode is a scenario's choice (debug-pins); a new machine has none. */
	if (!err)
		err = pin_debug_set(false);
	if (err) {
		swap_reset();
		mem_exit();
		return err;
	}
	fs_install_hooks();
	/*
	 * A truncate waiting for a busy DAX page in a scenario has nobody to end
	 * the wait but a during= command, so it gives up (WARN, EBUSY) after a
	 * quarter second rather than the 10 s meant for tests with threads.
	 */
	saved_dax_timeout = dax_layout_timeout_ms;
	dax_layout_timeout_ms = SCN_DAX_LAYOUT_TIMEOUT_MS;
	interp_race_up(in);
	return 0;
}

static void interp_release_handle(struct interp_handle *h)
{
	if (h->mr)
		dma_mr_deregister(h->mr);
	h->mr = NULL;
	if (h->live && h->nr)
		interp_put_pages(h, h->pages, h->nr, false);
	h->live = false;
	h->nr = 0;
}

/* Undo everything the scenario left behind, then bring the machine down. */
static void interp_machine_down(struct interp *in)
{
	const struct scenario *s = in->s;

	interp_race_down(in);
	dax_layout_timeout_ms = saved_dax_timeout;
	for (size_t i = 0; i < s->names[SCN_NS_HANDLE].nr; i++) {
		interp_release_handle(&in->handles[i]);
		free(in->handles[i].pages);
	}
	for (size_t i = 0; i < s->names[SCN_NS_DEV].nr; i++)
		dma_device_destroy(in->devs[i].dev);
	dma_device_destroy(in->default_dev);
	for (size_t i = s->names[SCN_NS_PROC].nr; i-- > 0;)
		if (in->procs[i])
			process_destroy(in->procs[i]);
	for (size_t i = 0; i < s->names[SCN_NS_FILE].nr; i++)
		if (in->files[i].file)
			fput(in->files[i].file);
	for (size_t i = 0; i < s->names[SCN_NS_FS].nr; i++) {
		struct interp_fs *f = &in->fs[i];

		if (f->blk)
			blkfs_umount(f->blk);
		if (f->shm)
			shmem_umount(f->shm);
		if (f->bdev)
			bdev_destroy(f->bdev);
	}
	/* Every process is gone, so every swap PTE: what is left is a leak. */
	if (swap_enabled()) {
		unsigned long leaked = swap_reset();

		if (leaked)
			interp_fail(in, SCN_BUG, "swapoff: %lu swap slot(s) still in use with every "
				    "process gone", leaked);
	}
	mem_exit();
	whatif_set(0);
}

static int interp_alloc(struct interp *in)
{
	const struct scenario *s = in->s;

	in->fs = calloc(s->names[SCN_NS_FS].nr + 1, sizeof(*in->fs));
	in->files = calloc(s->names[SCN_NS_FILE].nr + 1, sizeof(*in->files));
	in->procs = calloc(s->names[SCN_NS_PROC].nr + 1, sizeof(*in->procs));
	in->maps = calloc(s->names[SCN_NS_MAP].nr + 1, sizeof(*in->maps));
	in->handles = calloc(s->names[SCN_NS_HANDLE].nr + 1, sizeof(*in->handles));
	in->devs = calloc(s->names[SCN_NS_DEV].nr + 1, sizeof(*in->devs));
	in->expects = calloc(s->nr_cmds + 1, sizeof(*in->expects));
	in->armed = calloc(s->nr_cmds + 1, sizeof(*in->armed));
	if (!in->fs || !in->files || !in->procs || !in->maps || !in->handles || !in->devs ||
	    !in->expects || !in->armed)
		return -ENOMEM;
	return 0;
}

static void interp_free(struct interp *in)
{
	free(in->fs);
	free(in->files);
	free(in->procs);
	free(in->maps);
	free(in->handles);
	free(in->devs);
	free(in->expects);
	free(in->armed);
}

/*
 * One run on a fresh machine. @land_at: where a during=any command lands (the
 * 0-based race point it reaches; -1: at none, so after the command); *@seen:
 * how many points it could have landed at.
 */
static int scenario_run_once(const struct scenario *s, const char *preset,
			     struct scenario_result *out, FILE *trace, long land_at, long *seen,
			     char *where, size_t wherelen)
{
	pthread_mutex_t res_lock = PTHREAD_MUTEX_INITIALIZER;
	char cmdtext[256];
	struct interp in = { .s = s, .preset = preset, .res = out, .trace = trace, .res_lock = &res_lock,
			     .land_at = land_at };
	int err;

	memset(out, 0, sizeof(*out));
	out->cell = SCN_PASS;
	err = interp_alloc(&in);
	if (!err)
		err = interp_machine_up(&in, preset);
	if (err) {
		interp_free(&in);
		return err;
	}
	mm_trace_set(trace);
	mm_trace_thread_name("cpu");
	for (size_t i = 0; i < s->nr_cmds && !in.stop; i++) {
		const struct scn_cmd *c = &s->cmds[i];

		in.cur = c;
		if (!scn_cmd_applies(c, preset)) {
			if (trace)
				interp_trace(trace, "scenario: line %u: not for %s (%s=)\n", c->line, preset,
					c->except ? "except" : "only");
			continue;
		}
		if (trace || READ_ONCE(mm_trace_on)) {
			scn_cmd_format(s, c, cmdtext, sizeof(cmdtext));
			interp_trace(trace, "scenario: line %u: %s\n", c->line, cmdtext);
			mm_trace_json_scope(cmdtext, true);
		}
		interp_exec(&in, c);
		if (trace || READ_ONCE(mm_trace_on))
			mm_trace_json_scope(cmdtext, false);
		if (!c->has_during)
			interp_land_pending(&in);
		interp_scan_events(&in);
	}
	interp_land_pending(&in);
	interp_scan_events(&in);
	if (seen)
		*seen = in.any_seen;
	if (where)
		snprintf(where, wherelen, "%s", in.any_where);
	if (!in.stop) {
		for (size_t i = 0; i < in.nr_expects; i++) {
			if (!in.expects[i].fired) {
				in.cur = in.expects[i].cmd;
				interp_fail(&in, SCN_CORRUPT, "expected %s \"%s\" never happened",
					    mm_event_kind_names[in.expects[i].cmd->expect_event.kind],
					    in.expects[i].cmd->expect_event.text);
				break;
			}
		}
	}
	mm_trace_set(NULL);
	interp_machine_down(&in);
	interp_free(&in);
	return 0;
}

/* The most runs during=any makes: one per race point, and one after the command. */
#define DURING_ANY_MAX_RUNS 256

int scenario_run(const struct scenario *s, const char *preset, struct scenario_result *out,
		 FILE *trace)
{
	struct scenario_result r;
	char where[64], worst_where[64];
	long seen = 0, runs;
	bool any = false;
	int err;

	if (!strcmp(preset, SCN_HOST_PRESET))
		return scenario_run_host(s, out, trace);
	memset(out, 0, sizeof(*out));
	out->cell = SCN_PASS;
	if (!pin_preset_find(preset))
		return -EINVAL;
	for (size_t i = 0; i < s->nr_cmds; i++)
		any |= s->cmds[i].has_during && s->cmds[i].during == SCN_DURING_ANY;
	if (!any)
		return scenario_run_once(s, preset, out, trace, -1, NULL, NULL, 0);

	/*
	 * during=any: the first run lands after the command and counts the
	 * points it reached; then one run per point. The worst cell wins, the
	 * earliest point among equals.
	 */
	if (trace)
		interp_trace(trace, "scenario: during=any: a run landing after the command\n");
	err = scenario_run_once(s, preset, out, trace, -1, &seen, worst_where, sizeof(worst_where));
	if (err)
		return err;
	runs = seen < DURING_ANY_MAX_RUNS - 1 ? seen : DURING_ANY_MAX_RUNS - 1;
	for (long k = 0; k < runs; k++) {
		if (trace)
			interp_trace(trace, "scenario: during=any: run %ld of %ld, landing at race point %ld\n",
				k + 2, runs + 1, k + 1);
		err = scenario_run_once(s, preset, &r, trace, k, NULL, where, sizeof(where));
		if (err)
			return err;
		/* A scenario error in any run is the scenario's, whatever the others scored. */
		if (r.scenario_error && !out->scenario_error) {
			*out = r;
			return 0;
		}
		if (!out->scenario_error && r.cell > out->cell) {
			*out = r;
			memcpy(worst_where, where, sizeof(where));
		}
	}
	if (out->cell != SCN_PASS) {
		char reason[SCN_REASON_MAX + sizeof(worst_where) + 16];

		snprintf(reason, sizeof(reason), "during=any %s: %s", worst_where, out->reason);
		reason[sizeof(out->reason) - 1] = '\0';
		memcpy(out->reason, reason, sizeof(out->reason));
	}
	if (trace)
		interp_trace(trace, "scenario: during=any: %ld runs (%ld race points%s), worst %s%s%s\n",
			runs + 1, seen, seen > runs ? ", the first ones" : "", scn_cell_names[out->cell],
			out->cell != SCN_PASS ? " " : "", out->cell != SCN_PASS ? worst_where : "");
	return 0;
}
