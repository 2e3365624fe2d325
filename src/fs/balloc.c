/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfs block allocation and fsck. The allocator hands out the lowest free
 * block, so a block freed by truncate goes to the next file that needs one:
 * that makes "DMA into a truncated file lands in another file" reproducible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blkfs.h"

#define BLKFS_MAX_FILE_BLOCKS	(1UL << 24)

uint32_t blkfs_map_get(struct blkfs_inode *bi, pgoff_t idx)
{
	return idx < bi->i_map_len ? bi->i_map[idx] : 0;
}

int blkfs_map_set(struct blkfs_inode *bi, pgoff_t idx, uint32_t v)
{
	if (idx >= BLKFS_MAX_FILE_BLOCKS)
		return -EFBIG;
	if (idx >= bi->i_map_len) {
		size_t len = bi->i_map_len ? bi->i_map_len : 16;
		uint32_t *map;

		if (!v)
			return 0;
		while (len <= idx)
			len *= 2;
		map = realloc(bi->i_map, len * sizeof(*map));
		if (!map)
			return -ENOMEM;
		for (size_t i = bi->i_map_len; i < len; i++)
			map[i] = 0;
		bi->i_map = map;
		bi->i_map_len = len;
	}
	bi->i_map[idx] = v;
	return 0;
}

sector_t blkfs_bmap(struct inode *inode, pgoff_t index)
{
	struct blkfs_inode *bi;
	uint32_t v;

	if (!inode || (inode->i_sb->s_flags & SB_SHMEM))
		return 0;
	bi = BLKFS_I(inode);
	pthread_mutex_lock(&bi->i_data_sem);
	v = blkfs_map_get(bi, index);
	pthread_mutex_unlock(&bi->i_data_sem);
	return v & BLKFS_BLK_MASK;
}

int blkfs_peek_file(struct inode *inode, loff_t pos, void *buf, size_t len)
{
	struct blkfs *fs;
	size_t done = 0;

	if (!inode || !buf || pos < 0 || (inode->i_sb->s_flags & SB_SHMEM))
		return -EINVAL;
	fs = BLKFS_SB(inode->i_sb);
	while (done < len) {
		loff_t p = pos + (loff_t)done;
		size_t off = (size_t)(p & (loff_t)(BDEV_BLOCK_SIZE - 1));
		size_t n = min_t(size_t, BDEV_BLOCK_SIZE - off, len - done);
		struct blkfs_inode *bi = BLKFS_I(inode);
		uint32_t v;

		pthread_mutex_lock(&bi->i_data_sem);
		v = blkfs_map_get(bi, (pgoff_t)(p >> BDEV_BLOCK_SHIFT));
		pthread_mutex_unlock(&bi->i_data_sem);
		if (!v || (v & BLKFS_UNWRITTEN))
			memset((char *)buf + done, 0, n);
		else if (bdev_peek(fs->bdev, v & BLKFS_BLK_MASK, off, (char *)buf + done, n))
			return -EIO;
		done += n;
	}
	return 0;
}

int blkfs_reserve(struct blkfs *fs)
{
	int ret = 0;

	pthread_mutex_lock(&fs->s_alloc_lock);
	if ((long)fs->s_free - fs->s_reserved <= 0)
		ret = -ENOSPC;
	else
		fs->s_reserved++;
	pthread_mutex_unlock(&fs->s_alloc_lock);
	return ret;
}

void blkfs_unreserve(struct blkfs *fs)
{
	pthread_mutex_lock(&fs->s_alloc_lock);
	if (!WARN_ON(fs->s_reserved <= 0))
		fs->s_reserved--;
	pthread_mutex_unlock(&fs->s_alloc_lock);
}

sector_t __blkfs_alloc_block(struct blkfs *fs, bool reserved)
{
	sector_t b = 0;

	pthread_mutex_lock(&fs->s_alloc_lock);
	if (!reserved && (long)fs->s_free - fs->s_reserved <= 0)
		goto out;
	for (sector_t i = BLKFS_FIRST_DATA_BLOCK; i < fs->bdev->nr_blocks; i++) {
		if (!fs->s_used[i]) {
			fs->s_used[i] = 1;
			fs->s_free--;
			if (reserved)
				fs->s_reserved--;
			b = i;
			break;
		}
	}
out:
	pthread_mutex_unlock(&fs->s_alloc_lock);
	return b;
}

sector_t blkfs_alloc_block(struct blkfs *fs)
{
	return fs ? __blkfs_alloc_block(fs, false) : 0;
}

void blkfs_free_block(struct blkfs *fs, sector_t block)
{
	if (!fs || block < BLKFS_FIRST_DATA_BLOCK || block >= fs->bdev->nr_blocks)
		return;
	pthread_mutex_lock(&fs->s_alloc_lock);
	/* A reflinked block goes back only with its last owner. */
	if (!WARN_ON(!fs->s_used[block]) && --fs->s_used[block] == 0)
		fs->s_free++;
	pthread_mutex_unlock(&fs->s_alloc_lock);
}

unsigned int blkfs_block_owners(struct blkfs *fs, sector_t block)
{
	unsigned int n;

	if (!fs || block >= fs->bdev->nr_blocks)
		return 0;
	pthread_mutex_lock(&fs->s_alloc_lock);
	n = fs->s_used[block];
	pthread_mutex_unlock(&fs->s_alloc_lock);
	return n;
}

int blkfs_reflink(struct file *dst, struct file *src)
{
	struct inode *di = dst ? file_inode(dst) : NULL, *si = src ? file_inode(src) : NULL;
	struct blkfs_inode *dbi, *sbi;
	struct blkfs *fs;
	int err = 0;

	if (!di || !si || di == si || di->i_sb != si->i_sb || (si->i_sb->s_flags & SB_SHMEM))
		return -EINVAL;
	if (!(si->i_sb->s_flags & SB_DAX))
		return -EOPNOTSUPP;
	fs = BLKFS_SB(si->i_sb);
	dbi = BLKFS_I(di);
	sbi = BLKFS_I(si);
	if (i_size_read(di))
		return -EINVAL;
	/* Two block maps: lower inode number first. */
	pthread_mutex_lock(di->i_ino < si->i_ino ? &dbi->i_data_sem : &sbi->i_data_sem);
	pthread_mutex_lock(di->i_ino < si->i_ino ? &sbi->i_data_sem : &dbi->i_data_sem);
	for (size_t idx = 0; idx < sbi->i_map_len && !err; idx++) {
		uint32_t v = sbi->i_map[idx];
		sector_t b = v & BLKFS_BLK_MASK;

		if (!v || (v & BLKFS_UNWRITTEN))
			continue;
		pthread_mutex_lock(&fs->s_alloc_lock);
		if (fs->s_used[b] == UCHAR_MAX)
			err = -EMLINK;
		else
			fs->s_used[b]++;
		pthread_mutex_unlock(&fs->s_alloc_lock);
		if (!err && (err = blkfs_map_set(dbi, idx, v)))
			blkfs_free_block(fs, b);
	}
	pthread_mutex_unlock(&sbi->i_data_sem);
	pthread_mutex_unlock(&dbi->i_data_sem);
	if (!err)
		i_size_write(di, i_size_read(si));
	mm_trace("reflink", "ino=%lu from ino=%lu -> %d", di->i_ino, si->i_ino, err);
	return err;
}

sector_t blkfs_free_blocks(struct blkfs *fs)
{
	sector_t n;

	if (!fs)
		return 0;
	pthread_mutex_lock(&fs->s_alloc_lock);
	n = fs->s_free;
	pthread_mutex_unlock(&fs->s_alloc_lock);
	return n;
}

static int fsck_problem(void (*report)(const char *, void *), void *arg, const char *fmt,
			unsigned long a, unsigned long b)
{
	char msg[160];

	snprintf(msg, sizeof(msg), fmt, a, b);
	if (report)
		report(msg, arg);
	return 1;
}

int blkfs_fsck(struct blkfs *fs, void (*report)(const char *msg, void *arg), void *arg)
{
	struct super_block *sb;
	unsigned long *owner;
	unsigned int *owners;
	unsigned char *used;
	struct inode *inode;
	sector_t nr;
	int problems = 0;

	if (!fs)
		return -EINVAL;
	sb = &fs->sb;
	nr = fs->bdev->nr_blocks;
	owner = calloc(nr, sizeof(*owner));
	owners = calloc(nr, sizeof(*owners));
	used = malloc(nr);
	if (!owner || !owners || !used) {
		free(owner);
		free(owners);
		free(used);
		return -ENOMEM;
	}
	/*
	 * Lock order is i_data_sem before s_alloc_lock (writeback allocates
	 * under the map lock), so take a copy of the bitmap first. fsck is
	 * meant for a quiet filesystem; this only keeps it from deadlocking.
	 */
	pthread_mutex_lock(&fs->s_alloc_lock);
	memcpy(used, fs->s_used, nr);
	pthread_mutex_unlock(&fs->s_alloc_lock);
	pthread_mutex_lock(&sb->s_inode_lock);
	cds_list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		struct blkfs_inode *bi = BLKFS_I(inode);

		pthread_mutex_lock(&bi->i_data_sem);
		for (size_t idx = 0; idx < bi->i_map_len; idx++) {
			uint32_t v = bi->i_map[idx];
			sector_t b = v & BLKFS_BLK_MASK;
			int r;

			if (!v)
				continue;
			if (b < BLKFS_FIRST_DATA_BLOCK || b >= nr) {
				problems += fsck_problem(report, arg, "inode %lu block map entry %lu out of range",
							 inode->i_ino, (unsigned long)idx);
				continue;
			}
			/* More owners than the block's share count (1 unless reflinked). */
			if (++owners[b] > used[b] && used[b])
				problems += fsck_problem(report, arg, "block %lu owned twice (and by inode %lu)",
							 (unsigned long)b, inode->i_ino);
			owner[b] = inode->i_ino;
			if (!used[b])
				problems += fsck_problem(report, arg, "block %lu owned by inode %lu is free",
							 (unsigned long)b, inode->i_ino);
			/* Unwritten extents have no data (and no tag) yet. */
			if (v & BLKFS_UNWRITTEN)
				continue;
			/*
			 * Model: a DAX mount keeps no data checksums (ext4 checksums
			 * metadata only; CPU stores through DAX mappings never pass
			 * through the filesystem), so only ownership is checked.
			 */
			if (sb->s_flags & SB_DAX)
				continue;
			r = bdev_verify_block(fs->bdev, b);
			if (r == -EIO)
				problems += fsck_problem(report, arg, "checksum error block %lu (inode %lu)",
							 (unsigned long)b, inode->i_ino);
			else if (r)
				problems += fsck_problem(report, arg, "block %lu of inode %lu was never written",
							 (unsigned long)b, inode->i_ino);
		}
		pthread_mutex_unlock(&bi->i_data_sem);
	}
	for (sector_t b = BLKFS_FIRST_DATA_BLOCK; b < nr; b++) {
		if (used[b] && !owner[b])
			problems += fsck_problem(report, arg, "block %lu allocated but owned by inode %lu",
						 (unsigned long)b, 0);
		else if (owner[b] && owners[b] < used[b])
			problems += fsck_problem(report, arg, "block %lu shared %lu times, owned fewer",
						 (unsigned long)b, used[b]);
	}
	pthread_mutex_unlock(&sb->s_inode_lock);
	free(owner);
	free(owners);
	free(used);
	return problems;
}
