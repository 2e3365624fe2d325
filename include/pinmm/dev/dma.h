/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated DMA devices. A device reaches memory by pfn, never through the CPU's
 * page tables: once a buffer is registered, whatever the mm does to its mappings,
 * the device keeps writing the pages it was given. That is the whole problem.
 *
 * Two kinds of registration, as RDMA has them:
 * - pinned (a memory region over pages from pin_user_pages()): the device holds
 *   the page array until it is deregistered; the caller unpins afterwards.
 * - ODP (on-demand paging): no pins. The device keeps its own table of pfns,
 *   fills it by faulting through GUP with no lasting reference, and an mmu
 *   notifier clears entries before the mm unmaps, write-protects or migrates.
 */
#ifndef PINMM_DEV_DMA_H
#define PINMM_DEV_DMA_H

#include <pthread.h>
#include <pinmm/mem/memory.h>
#include <pinmm/vm/mmu_notifier.h>

struct mm_struct;

enum dma_mr_kind {
	DMA_MR_PINNED,
	DMA_MR_ODP,
};

struct dma_device {
	char name[32];
	pthread_mutex_t lock;		/* the device page table: every mr's pfns */
	atomic_ulong bytes_written, bytes_read;
};

struct dma_mr {
	struct dma_device *dev;
	enum dma_mr_kind kind;
	unsigned long nr_pages;
	/* ODP */
	struct mm_struct *mm;
	unsigned long start;		/* user address of page 0 */
	bool writable;
	unsigned long *pfns;		/* the device page table; 0: not present (ODP) */
	unsigned long seq;		/* bumped at start and end of every invalidation */
	int invalidating;		/* invalidations between start and end (dev->lock) */
	struct mmu_notifier mn;
	atomic_ulong invalidations, faults;
};

struct dma_device *dma_device_create(const char *name);
void dma_device_destroy(struct dma_device *dev);

/*
 * Register @nr pinned pages: the device records their pfns (the pins stay the
 * caller's, to drop after deregistering).
 * NULL entries are refused: -EINVAL. Returns the region or an ERR via *err.
 */
struct dma_mr *dma_mr_register_pages(struct dma_device *dev, struct page **pages,
				     unsigned long nr, int *err);
/* Register [start, start+len) of @mm for on-demand paging; no pins taken. */
struct dma_mr *dma_mr_register_odp(struct dma_device *dev, struct mm_struct *mm,
				   unsigned long start, unsigned long len, bool writable,
				   int *err);
/* Stop all device access to the region and free it (pinned pages stay pinned). */
void dma_mr_deregister(struct dma_mr *mr);

/*
 * Device accesses at byte @offset of the region. -EINVAL past the end, -EFAULT
 * when an ODP fault cannot be resolved (unmapped, read-only for a write).
 */
int dma_mr_write(struct dma_mr *mr, unsigned long offset, const void *src, size_t len);
int dma_mr_fill(struct dma_mr *mr, unsigned long offset, int byte, size_t len);
int dma_mr_read(struct dma_mr *mr, unsigned long offset, void *dst, size_t len);
/* The pfn the device would reach for page @i now (0 when not present). */
unsigned long dma_mr_pfn(struct dma_mr *mr, unsigned long i);

/*
 * A DMA engine running beside the CPU: a thread that keeps filling the region
 * with @byte (and reading it back) until stopped. For stress tests and races.
 */
struct dma_stream;
struct dma_stream *dma_stream_start(struct dma_mr *mr, int byte);
/* Stop and join; returns how many full passes over the region it made. */
unsigned long dma_stream_stop(struct dma_stream *s);

#endif
