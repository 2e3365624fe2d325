/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What each tracker costs in memory. Declared: the tracker's own
 * bytes_per_page (a side table, a bigger struct page) and bytes_per_pin (an
 * object per pin). Measured, for every tracker that some wanted preset uses:
 * the heap (malloc'ed and mmap'ed by malloc) and the resident set before and
 * after it became current, and before and after a range was pinned under it,
 * from a baseline tracker that declares nothing. A tracker whose cost is a
 * bigger struct page (field) allocates nothing here: its bytes are in mem_map,
 * and the 72-byte comparison measures them.
 */
#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <pinmm/pin/preset.h>
#include "bench.h"

struct usage {
	double heap, rss;
};

static struct usage usage_now(void)
{
	struct mallinfo2 mi = mallinfo2();
	long rss = bench_rss_kib();

	return (struct usage){
		.heap = (double)(mi.uordblks + mi.hblkhd),
		.rss = rss < 0 ? 0 : (double)rss * 1024,
	};
}

/* The preset whose tracker declares the least: the state every measurement starts from. */
static const struct pin_preset *baseline(void)
{
	const struct pin_preset *best = NULL;
	unsigned long best_cost = 0;

	for (int i = 0; pin_presets[i]; i++) {
		const struct pin_tracker *t = pin_tracker_find(pin_presets[i]->tracker);
		unsigned long cost;

		if (!t)
			continue;
		cost = (unsigned long)t->bytes_per_page + t->bytes_per_pin;
		if (!best || cost < best_cost) {
			best = pin_presets[i];
			best_cost = cost;
		}
	}
	return best;
}

void bench_measure_memory(struct bench_run *run, const struct bench_mem_probe *p)
{
	const struct pin_preset *base = baseline();

	run->nr_mem = 0;
	if (!base)
		return;
	for (int i = 0; pin_presets[i] && run->nr_mem < BENCH_MAX_PRESETS; i++) {
		const struct pin_preset *ps = pin_presets[i];
		const struct pin_tracker *t = pin_tracker_find(ps->tracker);
		struct bench_memory *bm;
		struct usage u0, u1, u2, u3;
		bool seen = false;
		long pins;

		if (!t || !bench_preset_wanted(&run->opts, ps->name))
			continue;
		for (int j = 0; j < run->nr_mem; j++)
			seen |= !strcmp(run->mem[j].tracker, t->name);
		if (seen)
			continue;
		bm = &run->mem[run->nr_mem++];
		memset(bm, 0, sizeof(*bm));
		snprintf(bm->tracker, sizeof(bm->tracker), "%s", t->name);
		snprintf(bm->preset, sizeof(bm->preset), "%s", ps->name);
		bm->declared_per_page = t->bytes_per_page;
		bm->declared_per_pin = t->bytes_per_pin;

		if ((bm->err = pin_preset_apply(base)))
			continue;
		/* pages[] and whatever the pin path touches first: not the tracker's. */
		if (p->pin(p->ctx) > 0)
			p->unpin(p->ctx);
		u0 = usage_now();
		if ((bm->err = pin_preset_apply(ps)))
			continue;
		u1 = usage_now();
		pins = p->pin(p->ctx);
		u2 = usage_now();
		if (pins > 0)
			p->unpin(p->ctx);
		u3 = usage_now();
		if (pins <= 0) {
			bm->err = pins ? (int)pins : -EFAULT;
			continue;
		}
		bm->heap_per_page = (u1.heap - u0.heap) / (double)p->ram_pages;
		bm->rss_per_page = (u1.rss - u0.rss) / (double)p->ram_pages;
		bm->heap_per_pin = (u2.heap - u1.heap) / (double)pins;
		bm->rss_per_pin = (u2.rss - u1.rss) / (double)pins;
		bm->retained_heap = (long)(u3.heap - u1.heap);
	}
	pin_preset_apply(base);
}
