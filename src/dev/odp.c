/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * On-demand paging: the device holds no pin. It learns a pfn by faulting through
 * GUP, keeps it in its own table, and an mmu notifier removes it before the mm
 * may unmap, write-protect or migrate the page. The sequence count is the
 * mmu_interval_notifier protocol: a fault that raced with an invalidation is
 * thrown away and retried.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/dev/dma.h>
#include <pinmm/gup/gup.h>
#include <pinmm/vm/mm.h>
#include "internal.h"

static unsigned long odp_end(const struct dma_mr *mr)
{
	return mr->start + mr->nr_pages * PAGE_SIZE;
}

/* Does the invalidated range touch this region at all? */
static bool odp_overlaps(const struct dma_mr *mr, const struct mmu_notifier_range *r)
{
	return r->end > mr->start && r->start < odp_end(mr);
}

static int odp_invalidate_start(struct mmu_notifier *sub, const struct mmu_notifier_range *r)
{
	struct dma_mr *mr = container_of(sub, struct dma_mr, mn);
	unsigned long end = odp_end(mr);
	unsigned long from, to, cleared = 0;

	if (!odp_overlaps(mr, r))
		return 0;
	from = (max_t(unsigned long, r->start, mr->start) - mr->start) >> PAGE_SHIFT;
	to = (min_t(unsigned long, r->end, end) - mr->start + PAGE_SIZE - 1) >> PAGE_SHIFT;
	pthread_mutex_lock(&mr->dev->lock);
	mr->seq++;
	mr->invalidating++;
	for (unsigned long i = from; i < to; i++) {
		if (mr->pfns[i])
			cleared++;
		mr->pfns[i] = 0;
	}
	pthread_mutex_unlock(&mr->dev->lock);
	atomic_fetch_add_explicit(&mr->invalidations, 1, memory_order_relaxed);
	mm_trace("odp_invalidate", "dev=%s [%#lx, %#lx) event=%s dropped=%lu", mr->dev->name,
		 r->start, r->end, mmu_notifier_event_names[r->event], cleared);
	return 0;
}

static void odp_invalidate_end(struct mmu_notifier *sub, const struct mmu_notifier_range *r)
{
	struct dma_mr *mr = container_of(sub, struct dma_mr, mn);

	if (!odp_overlaps(mr, r))
		return;
	pthread_mutex_lock(&mr->dev->lock);
	mr->seq++;
	mr->invalidating--;
	pthread_mutex_unlock(&mr->dev->lock);
}

static void odp_release(struct mmu_notifier *sub, struct mm_struct *mm)
{
	struct dma_mr *mr = container_of(sub, struct dma_mr, mn);

	pthread_mutex_lock(&mr->dev->lock);
	mr->seq++;
	memset(mr->pfns, 0, mr->nr_pages * sizeof(*mr->pfns));
	pthread_mutex_unlock(&mr->dev->lock);
}

static const struct mmu_notifier_ops odp_ops = {
	.release = odp_release,
	.invalidate_range_start = odp_invalidate_start,
	.invalidate_range_end = odp_invalidate_end,
};

struct dma_mr *dma_mr_register_odp(struct dma_device *dev, struct mm_struct *mm,
				   unsigned long start, unsigned long len, bool writable,
				   int *err)
{
	struct dma_mr *mr;

	*err = -EINVAL;
	if (!dev || !mm || !len || !IS_ALIGNED(start, PAGE_SIZE))
		return NULL;
	*err = -ENOMEM;
	mr = calloc(1, sizeof(*mr));
	if (!mr)
		return NULL;
	mr->nr_pages = (len + PAGE_SIZE - 1) >> PAGE_SHIFT;
	mr->pfns = calloc(mr->nr_pages, sizeof(*mr->pfns));
	if (!mr->pfns) {
		free(mr);
		return NULL;
	}
	mr->dev = dev;
	mr->kind = DMA_MR_ODP;
	mr->mm = mm;
	mr->start = start;
	mr->writable = writable;
	mr->mn.ops = &odp_ops;
	*err = mmu_notifier_register(&mr->mn, mm);
	if (*err) {
		free(mr->pfns);
		free(mr);
		return NULL;
	}
	mm_trace("dma_map", "dev=%s odp [%#lx, +%#lx) %s", dev->name, start, len,
		 writable ? "rw" : "ro");
	return mr;
}

int dma_odp_fault(struct dma_mr *mr, unsigned long i, bool write)
{
	unsigned int flags = write ? FOLL_WRITE : 0;

	for (;;) {
		struct page *page;
		unsigned long seq;
		long n;

		/*
		 * mmu_interval_read_begin(): a fault that starts inside an
		 * invalidation window could still see the PTE about to go.
		 */
		pthread_mutex_lock(&mr->dev->lock);
		while (mr->invalidating) {
			pthread_mutex_unlock(&mr->dev->lock);
			sched_yield();
			pthread_mutex_lock(&mr->dev->lock);
		}
		seq = mr->seq;
		pthread_mutex_unlock(&mr->dev->lock);
		/*
		 * Model: hmm_range_fault() walks without a reference; taking one
		 * FOLL_GET reference for the duration of the fault and dropping it
		 * once the pfn is in the device table is equivalent here, because
		 * the table entry is only trusted while no invalidation ran.
		 */
		n = get_user_pages_unlocked(mr->mm, mr->start + i * PAGE_SIZE, 1, &page, flags);
		if (n != 1)
			return -EFAULT;
		pthread_mutex_lock(&mr->dev->lock);
		if (mr->seq == seq) {
			mr->pfns[i] = page_to_pfn(page);
			pthread_mutex_unlock(&mr->dev->lock);
			put_page(page);
			atomic_fetch_add_explicit(&mr->faults, 1, memory_order_relaxed);
			mm_trace("odp_fault", "dev=%s addr=%#lx -> pfn=%#lx", mr->dev->name,
				 mr->start + i * PAGE_SIZE, page_to_pfn(page));
			return 0;
		}
		pthread_mutex_unlock(&mr->dev->lock);
		put_page(page);
	}
}

void dma_odp_teardown(struct dma_mr *mr)
{
	mmu_notifier_unregister(&mr->mn, mr->mm);
}
