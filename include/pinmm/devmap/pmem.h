/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A persistent-memory disk (drivers/nvdimm/pmem.c): a block device whose
 * storage is a ZONE_DEVICE range, so block b is the page at pfn start+b and
 * a DAX filesystem on it maps and pins the blocks themselves.
 */
#ifndef PINMM_DEVMAP_PMEM_H
#define PINMM_DEVMAP_PMEM_H

#include <pinmm/fs/blockdev.h>
#include <pinmm/fs/dax.h>
#include <pinmm/devmap/memremap.h>

/*
 * Create a pmem disk of @size bytes (a multiple of 4 KiB) in the lowest free
 * ZONE_DEVICE pfns, with an MEMORY_DEVICE_FS_DAX pagemap under
 * devmap_refcount_default. NULL with *err (-EINVAL, -ENOMEM when
 * mem_config.device_bytes has no room left). bdev_destroy() tears it down
 * (memunmap_pages(), which waits for the pages' users).
 * Model: firmware (the NFIT) says where pmem sits; here the driver picks.
 */
struct block_device *pmem_create(const char *name, uint64_t size, bool verify, int *err);
/* The pagemap behind a pmem disk (NULL for any other block device). */
struct dev_pagemap *pmem_pgmap(struct block_device *bdev);
/* The pfn of block @block of a pmem disk, 0 if none. */
unsigned long pmem_block_pfn(struct block_device *bdev, sector_t block);

#endif
