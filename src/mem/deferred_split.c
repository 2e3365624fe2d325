/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The deferred split queue: what deferred_split_folio() and
 * __folio_unqueue_deferred_split() keep, under split_queue_lock, and the
 * isolation half of deferred_split_scan().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/memory.h>
#include <pinmm/mem/deferred_split.h>

static pthread_mutex_t split_queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct folio **split_queue;
static size_t split_queue_len, split_queue_cap;

static bool queue_grow_locked(void)
{
	struct folio **v;
	size_t cap;

	if (split_queue_len < split_queue_cap)
		return true;
	cap = split_queue_cap ? 2 * split_queue_cap : 64;
	v = realloc(split_queue, cap * sizeof(*v));
	if (!v)
		return false;
	split_queue = v;
	split_queue_cap = cap;
	return true;
}

static void queue_remove_locked(struct folio *folio)
{
	for (size_t i = 0; i < split_queue_len; i++) {
		if (split_queue[i] != folio)
			continue;
		memmove(&split_queue[i], &split_queue[i + 1],
			(split_queue_len - i - 1) * sizeof(*split_queue));
		split_queue_len--;
		return;
	}
}

static void clear_partially_mapped_locked(struct folio *folio)
{
	if (test_and_clear_bit(PG_partially_mapped, &folio->_flags_1))
		mod_mthp_stat((int)folio_order(folio), MTHP_STAT_NR_ANON_PARTIALLY_MAPPED, -1);
}

void deferred_split_folio(struct folio *folio, bool partially_mapped)
{
	/* Order 1 has no room for a deferred list in mainline either. */
	if (folio_order(folio) <= 1)
		return;
	/*
	 * Model: 6.12's split_underused_thp also queues every new PMD THP
	 * (partially_mapped false) for thp_underused(); with max_ptes_none at
	 * its default (511) the scan drops such a folio unsplit, so it is not
	 * queued here at all.
	 */
	if (!partially_mapped)
		return;
	/* Reclaim is handling a folio in the swap cache already. */
	if (folio_test_swapcache(folio))
		return;
	pthread_mutex_lock(&split_queue_lock);
	if (!folio_on_deferred_list(folio)) {
		/* Model: no memory for the array leaves the folio unqueued (and whole). */
		if (!queue_grow_locked()) {
			pthread_mutex_unlock(&split_queue_lock);
			return;
		}
		split_queue[split_queue_len++] = folio;
		set_bit(PG_deferred_list, &folio->_flags_1);
	}
	if (!test_and_set_bit(PG_partially_mapped, &folio->_flags_1)) {
		if (folio_order(folio) == HPAGE_PMD_ORDER)
			count_vm_event(THP_DEFERRED_SPLIT_PAGE);
		count_mthp_stat((int)folio_order(folio), MTHP_STAT_SPLIT_DEFERRED);
		mod_mthp_stat((int)folio_order(folio), MTHP_STAT_NR_ANON_PARTIALLY_MAPPED, 1);
	}
	pthread_mutex_unlock(&split_queue_lock);
}

bool folio_unqueue_deferred_split(struct folio *folio)
{
	bool was;

	if (folio_order(folio) <= 1)
		return false;
	/*
	 * Model: mainline peeks at list_empty() first, unlocked; here the lock
	 * is always taken, so that a scan still clearing this folio's bits
	 * (its folio_try_get() failed) is done before the folio is freed.
	 */
	pthread_mutex_lock(&split_queue_lock);
	was = test_and_clear_bit(PG_deferred_list, &folio->_flags_1);
	if (was) {
		/* Not found when the shrinker holds it on its own list: then it is just forgotten. */
		queue_remove_locked(folio);
		clear_partially_mapped_locked(folio);
	}
	pthread_mutex_unlock(&split_queue_lock);
	return was;
}

unsigned long deferred_split_count(void)
{
	unsigned long n;

	pthread_mutex_lock(&split_queue_lock);
	n = split_queue_len;
	pthread_mutex_unlock(&split_queue_lock);
	return n;
}

size_t deferred_split_isolate(struct folio **out, size_t max)
{
	size_t n = 0, i = 0;

	pthread_mutex_lock(&split_queue_lock);
	while (i < split_queue_len && n < max) {
		struct folio *folio = split_queue[i];

		if (folio_try_get(folio)) {
			/* On the scan's list now: PG_deferred_list stays set. */
			out[n++] = folio;
		} else {
			/* Lost the race with the last folio_put(): its unqueue waits for the lock. */
			clear_partially_mapped_locked(folio);
			clear_bit(PG_deferred_list, &folio->_flags_1);
		}
		memmove(&split_queue[i], &split_queue[i + 1],
			(split_queue_len - i - 1) * sizeof(*split_queue));
		split_queue_len--;
	}
	pthread_mutex_unlock(&split_queue_lock);
	return n;
}

void deferred_split_putback(struct folio *folio)
{
	pthread_mutex_lock(&split_queue_lock);
	if (!folio_on_deferred_list(folio)) {
		/* A split (or a free) took it off meanwhile. */
	} else if (test_bit(PG_partially_mapped, &folio->_flags_1) && queue_grow_locked()) {
		split_queue[split_queue_len++] = folio;
	} else {
		clear_bit(PG_deferred_list, &folio->_flags_1);
		clear_partially_mapped_locked(folio);
	}
	pthread_mutex_unlock(&split_queue_lock);
}

void deferred_split_reset(void)
{
	pthread_mutex_lock(&split_queue_lock);
	free(split_queue);
	split_queue = NULL;
	split_queue_len = split_queue_cap = 0;
	pthread_mutex_unlock(&split_queue_lock);
}
