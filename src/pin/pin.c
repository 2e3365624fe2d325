/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every pin taken or dropped goes through here: the current tracker does the
 * work, and pin/ counts outstanding pins (so a tracker switch can refuse) and
 * feeds the debug shadow.
 */
#include <pthread.h>
#include <pinmm/pin/pin.h>
#include "internal.h"

/* The mm_boot_generation the debug shadow belongs to. */
static atomic_uint pin_boot_gen;
static pthread_mutex_t pin_boot_lock = PTHREAD_MUTEX_INITIALIZER;

void pin_sync_boot(void)
{
	unsigned int gen = atomic_load_explicit(&mm_boot_generation, memory_order_acquire);

	if (likely(atomic_load_explicit(&pin_boot_gen, memory_order_acquire) == gen))
		return;
	pthread_mutex_lock(&pin_boot_lock);
	if (atomic_load_explicit(&pin_boot_gen, memory_order_relaxed) != gen) {
		pin_debug_boot();
		atomic_store_explicit(&pin_boot_gen, gen, memory_order_release);
	}
	pthread_mutex_unlock(&pin_boot_lock);
}

/*
 * Outstanding pins are what nr_foll_pin_acquired and nr_foll_pin_released say:
 * the per-thread vmstat counters the kernel keeps anyway, so the hot path pays
 * no extra atomic for the count a tracker switch checks.
 */
long pin_outstanding(void)
{
	/* Negative when more was released than acquired: a double unpin. */
	return node_page_state(NR_FOLL_PIN_ACQUIRED) - node_page_state(NR_FOLL_PIN_RELEASED);
}

__attribute__((cold)) void pin_small_field_undo(const struct pin_small_code *sp,
						 struct folio *folio, unsigned int gup_flags)
{
	int add = pin_small_field_add(sp, gup_flags);
	int left = atomic_fetch_sub_explicit(&folio->_refcount, add, memory_order_seq_cst) - add;

	if (left <= 1)
		folio_put_refs_last(folio, left);
}

void pin_trace_before(struct folio *folio, struct pin_trace_state *st)
{
	st->refcount = folio_ref_count(folio);
	st->pincount = folio_test_large(folio) ? atomic_load(&folio->_pincount) : -1;
	st->mapcount = folio_mapcount(folio);
	st->pinned = pin_config.tracker->maybe_dma_pinned(folio);
}

/*
 * One line per folio pinned or unpinned, with the counts a kernel developer
 * checks: _refcount (which carries the bias under `bias`), _pincount of a
 * large folio, the mapcount, and what folio_maybe_dma_pinned() says.
 */
void pin_trace_after(const char *fn, struct folio *folio, int refs,
		     const struct pin_trace_state *b, int ret)
{
	struct pin_trace_state a;
	char pc[32] = "";

	pin_trace_before(folio, &a);
	if (b->pincount >= 0)
		snprintf(pc, sizeof(pc), " _pincount %d->%d", b->pincount, a.pincount);
	mm_trace(fn, "pfn=%#lx refs=%d _refcount %d->%d%s mapcount %d->%d maybe_dma_pinned %d->%d%s%s",
		 folio_pfn(folio), refs, b->refcount, a.refcount, pc, b->mapcount, a.mapcount,
		 b->pinned, a.pinned, ret ? " -> " : "",
		 ret == -ENOMEM ? "ENOMEM" : ret == -EAGAIN ? "EAGAIN" : ret ? "error" : "");
}
