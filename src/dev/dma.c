/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device side of DMA: accesses by pfn under the device lock, for pinned and
 * ODP regions alike. ODP faulting and invalidation live in odp.c.
 */
#include <stdlib.h>
#include <string.h>
#include <pinmm/dev/dma.h>
#include "internal.h"

struct dma_device *dma_device_create(const char *name)
{
	struct dma_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	snprintf(dev->name, sizeof(dev->name), "%s", name ? name : "dma");
	pthread_mutex_init(&dev->lock, NULL);
	return dev;
}

void dma_device_destroy(struct dma_device *dev)
{
	if (!dev)
		return;
	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

struct dma_mr *dma_mr_register_pages(struct dma_device *dev, struct page **pages,
				     unsigned long nr, int *err)
{
	struct dma_mr *mr;

	*err = -EINVAL;
	if (!dev || !pages || !nr)
		return NULL;
	for (unsigned long i = 0; i < nr; i++)
		if (!pages[i])
			return NULL;
	*err = -ENOMEM;
	mr = calloc(1, sizeof(*mr));
	if (!mr)
		return NULL;
	mr->pfns = malloc(nr * sizeof(*mr->pfns));
	if (!mr->pfns) {
		free(mr);
		return NULL;
	}
	for (unsigned long i = 0; i < nr; i++)
		mr->pfns[i] = page_to_pfn(pages[i]);
	mr->dev = dev;
	mr->kind = DMA_MR_PINNED;
	mr->nr_pages = nr;
	mr->writable = true;
	*err = 0;
	mm_trace("dma_map", "dev=%s pinned pages=%lu first_pfn=%#lx", dev->name, nr, mr->pfns[0]);
	return mr;
}

void dma_mr_deregister(struct dma_mr *mr)
{
	if (!mr)
		return;
	if (mr->kind == DMA_MR_ODP)
		dma_odp_teardown(mr);
	mm_trace("dma_unmap", "dev=%s pages=%lu", mr->dev->name, mr->nr_pages);
	free(mr->pfns);
	free(mr);
}

unsigned long dma_mr_pfn(struct dma_mr *mr, unsigned long i)
{
	unsigned long pfn;

	if (i >= mr->nr_pages)
		return 0;
	pthread_mutex_lock(&mr->dev->lock);
	pfn = mr->pfns[i];
	pthread_mutex_unlock(&mr->dev->lock);
	return pfn;
}

enum dma_op { DMA_TO_DEVICE, DMA_FROM_DEVICE_COPY, DMA_FROM_DEVICE_FILL };

/*
 * One access, page by page. For ODP the device lock is held across the check of
 * its table and the access, so an invalidation (which takes the same lock before
 * the mm may free the page) can never slip between them.
 */
static int dma_access(struct dma_mr *mr, unsigned long offset, void *buf, int byte,
		      size_t len, enum dma_op op)
{
	struct dma_device *dev = mr->dev;
	bool write = op != DMA_TO_DEVICE;
	size_t done = 0;

	if (offset > mr->nr_pages * PAGE_SIZE || len > mr->nr_pages * PAGE_SIZE - offset)
		return -EINVAL;
	if (write && !mr->writable)
		return -EFAULT;
	while (done < len) {
		unsigned long i = (offset + done) >> PAGE_SHIFT;
		size_t in = (offset + done) & ~PAGE_MASK;
		size_t chunk = min_t(size_t, PAGE_SIZE - in, len - done);
		unsigned long pfn;

		pthread_mutex_lock(&dev->lock);
		pfn = mr->pfns[i];
		if (!pfn && mr->kind == DMA_MR_ODP) {
			int err;

			pthread_mutex_unlock(&dev->lock);
			err = dma_odp_fault(mr, i, write);
			if (err)
				return err;
			continue;	/* re-check under the lock */
		}
		switch (op) {
		case DMA_TO_DEVICE:
			memcpy_from_page((char *)buf + done, pfn_to_page(pfn), in, chunk);
			break;
		case DMA_FROM_DEVICE_COPY:
			memcpy_to_page(pfn_to_page(pfn), in, (const char *)buf + done, chunk);
			break;
		case DMA_FROM_DEVICE_FILL:
			memset_page(pfn_to_page(pfn), in, byte, chunk);
			break;
		}
		pthread_mutex_unlock(&dev->lock);
		mm_trace(write ? "dma_write" : "dma_read", "dev=%s pfn=%#lx off=%zu len=%zu%s",
			 dev->name, pfn, in, chunk,
			 op == DMA_FROM_DEVICE_FILL ? " (fill)" : "");
		done += chunk;
	}
	atomic_fetch_add_explicit(write ? &dev->bytes_written : &dev->bytes_read, len,
				  memory_order_relaxed);
	return 0;
}

int dma_mr_write(struct dma_mr *mr, unsigned long offset, const void *src, size_t len)
{
	return dma_access(mr, offset, (void *)src, 0, len, DMA_FROM_DEVICE_COPY);
}

int dma_mr_fill(struct dma_mr *mr, unsigned long offset, int byte, size_t len)
{
	return dma_access(mr, offset, NULL, byte, len, DMA_FROM_DEVICE_FILL);
}

int dma_mr_read(struct dma_mr *mr, unsigned long offset, void *dst, size_t len)
{
	return dma_access(mr, offset, dst, 0, len, DMA_TO_DEVICE);
}
