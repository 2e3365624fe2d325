/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A block device of 4 KiB blocks with a checksum stored beside every block, the
 * way a T10-PI / DIF-capable disk stores a guard tag: the writer computes the
 * checksum, the device keeps it with the data, a reader verifies both agree.
 * The device's storage is host memory, not simulated RAM: a block is never a page.
 * Model: the tag is zlib's crc32 over the whole 4 KiB block; T10 DIF's guard
 * is a CRC16 (crc_t10dif) per protection interval, NVMe's also CRC64. What
 * matters here, that the tag covers the bytes the writer computed it over,
 * is the same.
 */
#ifndef PINMM_FS_BLOCKDEV_H
#define PINMM_FS_BLOCKDEV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <pinmm/mem/memory.h>

#define BDEV_BLOCK_SIZE		PAGE_SIZE
#define BDEV_BLOCK_SHIFT	PAGE_SHIFT
#define BDEV_LOCK_STRIPES	64

typedef uint64_t sector_t;	/* here: a block number */

struct dax_device;

struct block_device {
	char bd_name[32];
	sector_t nr_blocks;
	unsigned char *data;		/* nr_blocks * BDEV_BLOCK_SIZE */
	uint32_t *csum;			/* guard tag stored with each block */
	unsigned char *written;		/* has the block ever been written? */
	pthread_mutex_t stripe[BDEV_LOCK_STRIPES];
	atomic_ulong nr_reads;
	atomic_ulong nr_writes;
	atomic_ulong nr_csum_errors;
	bool verify;			/* verify the guard tag on every read */
	/*
	 * fsdax-capable: set by a pmem driver (devmap/pmem.h), whose device
	 * memory is ->data, so block b is a ZONE_DEVICE page. NULL for a disk.
	 */
	struct dax_device *bd_dax_dev;
};

/* crc32 (zlib) of @len bytes: the checksum writers compute and fsck verifies. */
uint32_t bdev_csum(const void *buf, size_t len);

/* A zeroed device of @size bytes (a multiple of 4 KiB). NULL on bad size or no memory. */
struct block_device *bdev_create(const char *name, uint64_t size, bool verify);
/*
 * A device whose storage is @data, owned by the caller (a pmem driver's
 * device memory), with @dax_dev describing it. NULL on bad arguments or no
 * memory. bdev_destroy() calls @dax_dev->ops->release instead of freeing @data.
 */
struct block_device *bdev_create_dax(const char *name, uint64_t size, bool verify, void *data,
				     struct dax_device *dax_dev);
void bdev_destroy(struct block_device *bdev);

/*
 * Store one block and the checksum its writer computed over those bytes. The
 * data and the tag are stored together under the block's lock, so a reader
 * never sees half a write. -EINVAL for a bad block number.
 */
int bdev_write_block(struct block_device *bdev, sector_t block, const void *buf,
		     uint32_t csum);
/*
 * The device end of a DMA transfer from simulated memory: the data comes from
 * @page (read with the atomic page copy, as the device's DMA engine would),
 * the tag is the one the writer computed earlier, possibly over other bytes.
 * A verifying device whose tag does not match the data it received records
 * MM_EV_CSUM and fails the write with -EIO (the bytes are stored anyway).
 */
int bdev_write_block_from_page(struct block_device *bdev, sector_t block,
			       struct page *page, uint32_t csum);
/*
 * Read one block. With @bdev->verify, a block whose data does not match its tag
 * records MM_EV_CSUM ("checksum error d0 block 17") and returns -EIO (the data
 * is still copied out). Blocks never written read as zeroes.
 */
int bdev_read_block(struct block_device *bdev, sector_t block, void *buf);
/*
 * Does the block hold exactly these bytes under this tag (written, same
 * checksum, same data)? Lets writeback leave a block alone that a stable copy
 * would only rewrite as it is.
 */
bool bdev_block_equals(struct block_device *bdev, sector_t block, const void *buf, uint32_t csum);
/* Verify one block's tag without counting a read: 0, -EIO, -ENODATA if never written. */
int bdev_verify_block(struct block_device *bdev, sector_t block);
/* Raw access for tests and `check disk`: no count, no verification. */
int bdev_peek(struct block_device *bdev, sector_t block, size_t off, void *buf, size_t len);
/* Flip bytes behind the device's back (media corruption), keeping the old tag. */
int bdev_corrupt(struct block_device *bdev, sector_t block, size_t off, unsigned char xor);

#endif
