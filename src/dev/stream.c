/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A DMA engine running beside the CPU, for races and stress: it sweeps the
 * region, writing and reading back, until told to stop.
 */
#include <stdlib.h>
#include <pinmm/dev/dma.h>

struct dma_stream {
	struct dma_mr *mr;
	int byte;
	atomic_bool stop;
	atomic_ulong passes;
	pthread_t thread;
};

static void *dma_stream_fn(void *arg)
{
	struct dma_stream *s = arg;
	unsigned char buf[64];

	while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
		for (unsigned long i = 0; i < s->mr->nr_pages; i++) {
			if (dma_mr_fill(s->mr, i * PAGE_SIZE, s->byte, PAGE_SIZE) ||
			    dma_mr_read(s->mr, i * PAGE_SIZE, buf, sizeof(buf)))
				return NULL;
		}
		atomic_fetch_add_explicit(&s->passes, 1, memory_order_relaxed);
	}
	return NULL;
}

struct dma_stream *dma_stream_start(struct dma_mr *mr, int byte)
{
	struct dma_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mr = mr;
	s->byte = byte;
	if (pthread_create(&s->thread, NULL, dma_stream_fn, s)) {
		free(s);
		return NULL;
	}
	return s;
}

unsigned long dma_stream_stop(struct dma_stream *s)
{
	unsigned long passes;

	atomic_store_explicit(&s->stop, true, memory_order_release);
	pthread_join(s->thread, NULL);
	passes = atomic_load(&s->passes);
	free(s);
	return passes;
}
