/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The block device: host memory plus a guard tag per block. Device accesses
 * take the block's stripe lock so a writeback thread and a reader never see a
 * block whose data and tag come from different writes.
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <zlib.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/fs/blockdev.h>
#include <pinmm/fs/dax.h>

uint32_t bdev_csum(const void *buf, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)len);
}

/*
 * A disk's blocks, tags and written-map are zero-filled host memory reserved
 * without commitment: blocks never written cost nothing, so a disk can be far
 * larger than what a scenario touches (a real disk is mostly empty too).
 */
static void *sparse_zalloc(uint64_t n, size_t size)
{
	void *p;

	if (!n || n > SIZE_MAX / size)
		return NULL;
	p = mmap(NULL, (size_t)n * size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void sparse_free(void *p, uint64_t n, size_t size)
{
	if (p)
		munmap(p, (size_t)n * size);
}

static void bdev_free_maps(struct block_device *bdev, sector_t n, bool own_data)
{
	if (own_data)
		sparse_free(bdev->data, n, BDEV_BLOCK_SIZE);
	sparse_free(bdev->csum, n, sizeof(uint32_t));
	sparse_free(bdev->written, n, 1);
}

struct block_device *bdev_create(const char *name, uint64_t size, bool verify)
{
	struct block_device *bdev;
	sector_t n;

	if (!name || size == 0 || size % BDEV_BLOCK_SIZE)
		return NULL;
	n = size / BDEV_BLOCK_SIZE;
	bdev = calloc(1, sizeof(*bdev));
	if (!bdev)
		return NULL;
	bdev->data = sparse_zalloc(n, BDEV_BLOCK_SIZE);
	bdev->csum = sparse_zalloc(n, sizeof(uint32_t));
	bdev->written = sparse_zalloc(n, 1);
	if (!bdev->data || !bdev->csum || !bdev->written) {
		bdev_free_maps(bdev, n, true);
		free(bdev);
		return NULL;
	}
	snprintf(bdev->bd_name, sizeof(bdev->bd_name), "%s", name);
	bdev->nr_blocks = n;
	bdev->verify = verify;
	for (int i = 0; i < BDEV_LOCK_STRIPES; i++)
		pthread_mutex_init(&bdev->stripe[i], NULL);
	return bdev;
}

struct block_device *bdev_create_dax(const char *name, uint64_t size, bool verify, void *data,
				     struct dax_device *dax_dev)
{
	struct block_device *bdev;
	sector_t n;

	if (!name || !data || !dax_dev || !dax_dev->ops || size == 0 || size % BDEV_BLOCK_SIZE)
		return NULL;
	n = size / BDEV_BLOCK_SIZE;
	bdev = calloc(1, sizeof(*bdev));
	if (!bdev)
		return NULL;
	bdev->csum = sparse_zalloc(n, sizeof(uint32_t));
	bdev->written = sparse_zalloc(n, 1);
	if (!bdev->csum || !bdev->written) {
		bdev_free_maps(bdev, n, false);
		free(bdev);
		return NULL;
	}
	snprintf(bdev->bd_name, sizeof(bdev->bd_name), "%s", name);
	bdev->data = data;
	bdev->nr_blocks = n;
	bdev->verify = verify;
	bdev->bd_dax_dev = dax_dev;
	for (int i = 0; i < BDEV_LOCK_STRIPES; i++)
		pthread_mutex_init(&bdev->stripe[i], NULL);
	return bdev;
}

void bdev_destroy(struct block_device *bdev)
{
	if (!bdev)
		return;
	for (int i = 0; i < BDEV_LOCK_STRIPES; i++)
		pthread_mutex_destroy(&bdev->stripe[i]);
	if (bdev->bd_dax_dev && bdev->bd_dax_dev->ops->release)
		bdev->bd_dax_dev->ops->release(bdev->bd_dax_dev);
	bdev_free_maps(bdev, bdev->nr_blocks, !bdev->bd_dax_dev);
	free(bdev);
}

static pthread_mutex_t *bdev_lock(struct block_device *bdev, sector_t block)
{
	return &bdev->stripe[block % BDEV_LOCK_STRIPES];
}

static unsigned char *bdev_block(struct block_device *bdev, sector_t block)
{
	return bdev->data + block * BDEV_BLOCK_SIZE;
}

int bdev_write_block(struct block_device *bdev, sector_t block, const void *buf,
		     uint32_t csum)
{
	if (!bdev || !buf || block >= bdev->nr_blocks)
		return -EINVAL;
	pthread_mutex_lock(bdev_lock(bdev, block));
	memcpy(bdev_block(bdev, block), buf, BDEV_BLOCK_SIZE);
	bdev->csum[block] = csum;
	bdev->written[block] = 1;
	pthread_mutex_unlock(bdev_lock(bdev, block));
	atomic_fetch_add(&bdev->nr_writes, 1);
	return 0;
}

bool bdev_block_equals(struct block_device *bdev, sector_t block, const void *buf, uint32_t csum)
{
	bool same;

	if (!bdev || !buf || block >= bdev->nr_blocks)
		return false;
	pthread_mutex_lock(bdev_lock(bdev, block));
	same = bdev->written[block] && bdev->csum[block] == csum &&
	       !memcmp(bdev_block(bdev, block), buf, BDEV_BLOCK_SIZE);
	pthread_mutex_unlock(bdev_lock(bdev, block));
	return same;
}

/* Caller holds the stripe lock. */
static bool bdev_block_ok(struct block_device *bdev, sector_t block)
{
	return bdev_csum(bdev_block(bdev, block), BDEV_BLOCK_SIZE) == bdev->csum[block];
}

int bdev_write_block_from_page(struct block_device *bdev, sector_t block,
			       struct page *page, uint32_t csum)
{
	if (!bdev || !page || block >= bdev->nr_blocks)
		return -EINVAL;
	bool torn = false;

	pthread_mutex_lock(bdev_lock(bdev, block));
	memcpy_from_page(bdev_block(bdev, block), page, 0, BDEV_BLOCK_SIZE);
	bdev->csum[block] = csum;
	bdev->written[block] = 1;
	/*
	 * A device that keeps guard tags (T10 DIF) checks the tag against the
	 * data it received: the page changed between checksum and transfer.
	 * It fails the I/O (BLK_STS_PROTECTION), which the caller reports.
	 * Model: the write is stored anyway (a real device keeps the old
	 * block); the mismatch is recorded so that a torn write is seen when it
	 * happens, not only if the block is never rewritten.
	 */
	if (bdev->verify)
		torn = !bdev_block_ok(bdev, block);
	pthread_mutex_unlock(bdev_lock(bdev, block));
	atomic_fetch_add(&bdev->nr_writes, 1);
	if (torn) {
		atomic_fetch_add(&bdev->nr_csum_errors, 1);
		mm_event(MM_EV_CSUM, page, "guard tag mismatch on write %s block %llu: the page changed after its checksum",
			 bdev->bd_name, (unsigned long long)block);
		return -EIO;
	}
	return 0;
}

int bdev_read_block(struct block_device *bdev, sector_t block, void *buf)
{
	bool bad = false;

	if (!bdev || !buf || block >= bdev->nr_blocks)
		return -EINVAL;
	pthread_mutex_lock(bdev_lock(bdev, block));
	memcpy(buf, bdev_block(bdev, block), BDEV_BLOCK_SIZE);
	if (bdev->verify && bdev->written[block])
		bad = !bdev_block_ok(bdev, block);
	pthread_mutex_unlock(bdev_lock(bdev, block));
	atomic_fetch_add(&bdev->nr_reads, 1);
	if (bad) {
		atomic_fetch_add(&bdev->nr_csum_errors, 1);
		mm_event(MM_EV_CSUM, NULL, "checksum error %s block %llu", bdev->bd_name,
			 (unsigned long long)block);
		return -EIO;
	}
	return 0;
}

int bdev_verify_block(struct block_device *bdev, sector_t block)
{
	int ret = 0;

	if (!bdev || block >= bdev->nr_blocks)
		return -EINVAL;
	pthread_mutex_lock(bdev_lock(bdev, block));
	if (!bdev->written[block])
		ret = -ENODATA;
	else if (!bdev_block_ok(bdev, block))
		ret = -EIO;
	pthread_mutex_unlock(bdev_lock(bdev, block));
	return ret;
}

int bdev_peek(struct block_device *bdev, sector_t block, size_t off, void *buf, size_t len)
{
	if (!bdev || !buf || block >= bdev->nr_blocks || off > BDEV_BLOCK_SIZE ||
	    len > BDEV_BLOCK_SIZE - off)
		return -EINVAL;
	pthread_mutex_lock(bdev_lock(bdev, block));
	memcpy(buf, bdev_block(bdev, block) + off, len);
	pthread_mutex_unlock(bdev_lock(bdev, block));
	return 0;
}

int bdev_corrupt(struct block_device *bdev, sector_t block, size_t off, unsigned char xor)
{
	if (!bdev || block >= bdev->nr_blocks || off >= BDEV_BLOCK_SIZE || !xor)
		return -EINVAL;
	pthread_mutex_lock(bdev_lock(bdev, block));
	bdev_block(bdev, block)[off] ^= xor;
	pthread_mutex_unlock(bdev_lock(bdev, block));
	return 0;
}
