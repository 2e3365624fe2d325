/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `CMD during=POINT`: another context runs CMD at a race point (mem/race.h)
 * of the next command. The armed command runs in a thread of its own while
 * the interrupted context waits at the point, until the command is done or
 * sleeps on a lock (the folio lock page_mkclean holds, fork's mmap_lock...);
 * then the interrupted context goes on, as it would on a real machine, and
 * the interpreter waits for both before the next command. So a pin armed
 * `during=mkclean` under a tracker that takes the page lock waits for
 * writeback, and one under a lockless tracker lands between mkclean_begin and
 * the rmap walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pinmm/mem/race.h>
#include "interp.h"

enum helper_state { HELPER_RUNNING, HELPER_BLOCKED, HELPER_DONE };

struct interp_helper {
	struct interp sub;		/* the armed command's copy of the interpreter */
	const struct scn_cmd *cmd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum helper_state state;
	struct interp_helper *next;
};

static __thread struct interp_helper *race_self;

/*
 * How long the interrupted context waits for an armed command that neither
 * finishes nor reports sleeping (it spins, or sleeps somewhere that does not
 * call race_blocking()): then it goes on as if the command had blocked.
 */
#define HELPER_PATIENCE_MS 2000

static void *helper_main(void *arg)
{
	struct interp_helper *h = arg;

	char name[32];

	race_self = h;
	/* Its own track in the trace: the command it runs, by line. */
	snprintf(name, sizeof(name), "line %u", h->cmd->line);
	mm_trace_thread_name(name);
	interp_exec(&h->sub, h->cmd);
	pthread_mutex_lock(&h->lock);
	h->state = HELPER_DONE;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* A helper context is about to sleep on a lock: let its interrupter go on. */
static void interp_race_block(void *arg)
{
	struct interp_helper *h = race_self;

	(void)arg;
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	if (h->state == HELPER_RUNNING) {
		h->state = HELPER_BLOCKED;
		pthread_cond_broadcast(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
}

static void fire(struct interp *in, struct interp_armed *a, const char *where)
{
	struct interp_helper *h = calloc(1, sizeof(*h));
	struct timespec ts;
	int err = 0;

	a->fired = true;
	if (in->trace)
		interp_trace(in->trace, "scenario: line %u runs %s\n", a->cmd->line, where);
	if (!h) {
		interp_fail(in, SCN_CORRUPT, "out of memory running line %u", a->cmd->line);
		return;
	}
	/* The helper's copy of the interpreter must not create what the main one owns. */
	if (a->cmd->kind == SCN_PIN && !in->default_dev)
		in->default_dev = dma_device_create("dev0");
	h->sub = *in;
	h->sub.cur = a->cmd;
	h->sub.in_helper = true;
	h->sub.stop = false;
	h->cmd = a->cmd;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	if (pthread_create(&h->thread, NULL, helper_main, h)) {
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->cond);
		free(h);
		/* No second context: run it here, at the point, as the closest thing. */
		interp_exec(in, a->cmd);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += HELPER_PATIENCE_MS / 1000;
	ts.tv_nsec += (long)(HELPER_PATIENCE_MS % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	while (h->state == HELPER_RUNNING && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&h->cond, &h->lock, &ts);
	if (h->state != HELPER_DONE && in->trace)
		interp_trace(in->trace, "scenario: line %u %s; the interrupted context goes on\n",
			a->cmd->line, h->state == HELPER_BLOCKED ? "sleeps on a lock" : "makes no progress");
	pthread_mutex_unlock(&h->lock);
	h->next = in->helpers;
	in->helpers = h;
}

/* Is @folio one the dma command's handle holds? */
static bool dma_targets(struct interp *in, const struct scn_cmd *c, struct folio *folio)
{
	struct interp_handle *h = &in->handles[c->dma.handle];

	if (!folio)
		return false;
	for (unsigned long p = 0; p < h->nr; p++)
		if (page_folio(h->pages[p]) == folio)
			return true;
	return false;
}

static void interp_race_point(enum race_point point, struct folio *folio, void *arg)
{
	struct interp *in = arg;

	/* Points reached by armed commands, flushers and stress threads do not fire. */
	if (race_self || !pthread_equal(pthread_self(), in->main_thread))
		return;
	for (size_t i = 0; i < in->nr_armed; i++) {
		struct interp_armed *a = &in->armed[i];
		const struct scn_cmd *c = a->cmd;
		char where[96];

		if (a->fired)
			continue;
		if (c->kind == SCN_DMA && !dma_targets(in, c, folio))
			continue;
		if (c->during == SCN_DURING_ANY) {
			long k = in->any_seen++;

			if (k != in->land_at)
				continue;
			snprintf(in->any_where, sizeof(in->any_where), "at %s (race point %ld)",
				 race_point_names[point], k + 1);
		} else if (c->during != (int)point) {
			continue;
		}
		snprintf(where, sizeof(where), "inside %s (pfn %#lx)", race_point_names[point],
			 folio ? folio_pfn(folio) : 0UL);
		fire(in, a, where);
	}
}

void interp_arm(struct interp *in, const struct scn_cmd *c)
{
	struct interp_armed *a = &in->armed[in->nr_armed++];

	a->cmd = c;
	a->fired = false;
	if (in->trace)
		interp_trace(in->trace, "scenario: armed: runs inside the next command\n");
}

void interp_land_pending(struct interp *in)
{
	for (size_t i = 0; i < in->nr_armed; i++) {
		struct interp_armed *a = &in->armed[i];

		if (a->fired)
			continue;
		if (a->cmd->during == SCN_DURING_ANY && !in->any_where[0])
			snprintf(in->any_where, sizeof(in->any_where),
				 "after the command (no race point)");
		fire(in, a, "when the command ends (no race point reached)");
	}
	in->nr_armed = 0;
	while (in->helpers) {
		struct interp_helper *h = in->helpers;

		in->helpers = h->next;
		pthread_join(h->thread, NULL);
		if (h->sub.stop)
			in->stop = true;
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->cond);
		free(h);
	}
}

void interp_race_up(struct interp *in)
{
	in->main_thread = pthread_self();
	race_register(interp_race_point, interp_race_block, in);
}

void interp_race_down(struct interp *in)
{
	race_register(NULL, NULL, NULL);
}
