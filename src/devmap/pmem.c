/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pmem driver: one FS_DAX pagemap, a block device on its memory, and the
 * dax_operations through which fs/ reaches the pages without knowing devmap/.
 */
#include <stdlib.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/mem/whatif.h>
#include <string.h>
#include <pinmm/devmap/pmem.h>

struct pmem_device {
	struct dev_pagemap pgmap;
	struct dax_device dax_dev;
	unsigned long pfn_start;
	unsigned long nr_pages;
};

static const struct dax_operations pmem_dax_ops;

static struct pmem_device *to_pmem(struct dax_device *dax_dev)
{
	return dax_dev->private;
}

/* pmem_dax_direct_access() */
static long pmem_direct_access(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
			       void **kaddr, unsigned long *pfn)
{
	struct pmem_device *pmem = to_pmem(dax_dev);
	unsigned long p;

	if (pgoff >= pmem->nr_pages)
		return -ERANGE;
	p = pmem->pfn_start + pgoff;
	if (pfn)
		*pfn = p;
	if (kaddr)
		*kaddr = page_address(pfn_to_page(p));
	return (long)min_t(unsigned long, (unsigned long)nr_pages, pmem->nr_pages - pgoff);
}

static bool pmem_page_idle(struct dax_device *dax_dev, struct page *page)
{
	(void)dax_dev;
	return devmap_page_idle(page);
}

static int pmem_wait_page_idle(struct dax_device *dax_dev, struct page *page,
			       unsigned int timeout_ms)
{
	(void)dax_dev;
	return devmap_wait_page_idle(page, timeout_ms);
}

static int pmem_page_get(struct dax_device *dax_dev, struct page *page)
{
	(void)dax_dev;
	return zone_device_page_get(page);
}

static void pmem_release(struct dax_device *dax_dev)
{
	struct pmem_device *pmem = to_pmem(dax_dev);

	memunmap_pages(&pmem->pgmap);
	mm_trace("pmem_release", "pfn=%#lx pages=%lu", pmem->pfn_start, pmem->nr_pages);
	free(pmem);
}

static const struct dax_operations pmem_dax_ops = {
	.direct_access = pmem_direct_access,
	.page_idle = pmem_page_idle,
	.wait_page_idle = pmem_wait_page_idle,
	.page_get = pmem_page_get,
	.release = pmem_release,
};

struct block_device *pmem_create(const char *name, uint64_t size, bool verify, int *err)
{
	struct pmem_device *pmem;
	struct block_device *bdev;
	int dummy, ret;
	bool rfc;

	if (!err)
		err = &dummy;
	if (!name || !size || size % PAGE_SIZE) {
		*err = -EINVAL;
		return NULL;
	}
	/*
	 * Model: the kernel's pmem_device comes from kzalloc, whose address bit
	 * 4 is anything. 64-aligned here, so that what the lru-nov2018 tracker's
	 * PageDmaPinnedWasLru test reads from pgmap (bit 4) is the same in every
	 * build and run: clear.
	 */
	pmem = aligned_alloc(64, (sizeof(*pmem) + 63) & ~(size_t)63);
	if (pmem)
		memset(pmem, 0, sizeof(*pmem));
	if (!pmem) {
		*err = -ENOMEM;
		return NULL;
	}
	pmem->nr_pages = (unsigned long)(size >> PAGE_SHIFT);
	ret = devmap_find_free_range(pmem->nr_pages, &pmem->pfn_start);
	if (!ret) {
		pmem->pgmap.type = MEMORY_DEVICE_FS_DAX;
		pmem->pgmap.range.start = pfn_to_phys(pmem->pfn_start);
		pmem->pgmap.range.end = pfn_to_phys(pmem->pfn_start + pmem->nr_pages) - 1;
		pmem->pgmap.owner = pmem;
		ret = memremap_pages(&pmem->pgmap);
	}
	if (ret) {
		free(pmem);
		*err = ret;
		return NULL;
	}
	pmem->dax_dev.ops = &pmem_dax_ops;
	pmem->dax_dev.private = pmem;
	/*
	 * Seed 003's RFC (and Dan Williams' answer to it) on a release whose
	 * fsdax is not refcounted yet: idle at 0, but mapped the old way.
	 */
	rfc = (whatif(WHATIF_RFC_2020_IDLE_ZERO) || whatif(WHATIF_DAX_REF_AT_INSERT)) &&
	      !kernel_has(KSW_FSDAX_REFCOUNTED);
	pmem->dax_dev.refcounted_mappings = pmem->pgmap.refcount == DEVMAP_REFCOUNT_IDLE_ZERO && !rfc;
	pmem->dax_dev.ref_at_insert = rfc && whatif(WHATIF_DAX_REF_AT_INSERT) &&
				      pmem->pgmap.refcount == DEVMAP_REFCOUNT_IDLE_ZERO;
	bdev = bdev_create_dax(name, size, verify, page_address(pfn_to_page(pmem->pfn_start)),
			       &pmem->dax_dev);
	if (!bdev) {
		memunmap_pages(&pmem->pgmap);
		free(pmem);
		*err = -ENOMEM;
		return NULL;
	}
	*err = 0;
	mm_trace("pmem_create", "%s pfn=%#lx-%#lx refcount=%s", name, pmem->pfn_start,
		 pmem->pfn_start + pmem->nr_pages - 1, devmap_refcount_names[pmem->pgmap.refcount]);
	return bdev;
}

struct dev_pagemap *pmem_pgmap(struct block_device *bdev)
{
	if (!bdev || !bdev->bd_dax_dev || bdev->bd_dax_dev->ops != &pmem_dax_ops)
		return NULL;
	return &to_pmem(bdev->bd_dax_dev)->pgmap;
}

unsigned long pmem_block_pfn(struct block_device *bdev, sector_t block)
{
	struct dev_pagemap *pgmap = pmem_pgmap(bdev);

	if (!pgmap || block >= pgmap_nr_pages(pgmap))
		return 0;
	return pgmap_pfn_start(pgmap) + (unsigned long)block;
}
