/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfs: a small ext4-like filesystem on a block_device. Inodes map file blocks
 * to disk blocks; blocks are allocated late (delayed allocation at writeback,
 * or at page_mkwrite for shared mappings); each cached folio carries buffer
 * state that writepage must find.
 */
#ifndef PINMM_FS_BLKFS_H
#define PINMM_FS_BLKFS_H

#include <pinmm/fs/fs.h>
#include <pinmm/fs/blockdev.h>

/* blkfs_mount() flags */
#define BLKFS_CHECKSUM	SB_CHECKSUM	/* verify checksums on read; stable pages */
#define BLKFS_DAX	SB_DAX		/* fsdax: needs a DAX-capable (pmem) device */

/* A block-map entry: 0 is a hole; the top bit marks an unwritten extent. */
#define BLKFS_UNWRITTEN	0x80000000u
#define BLKFS_BLK_MASK	0x7fffffffu

struct blkfs_inode {
	struct inode vfs_inode;
	pthread_mutex_t i_data_sem;	/* the block map */
	uint32_t *i_map;		/* disk block of each file block */
	size_t i_map_len;
	long i_reserved;		/* delayed-allocation reservations */
};

static inline struct blkfs_inode *BLKFS_I(struct inode *inode)
{
	return container_of(inode, struct blkfs_inode, vfs_inode);
}

struct blkfs {
	struct super_block sb;
	struct block_device *bdev;
	pthread_mutex_t s_alloc_lock;
	unsigned char *s_used;		/* per block: how many files own it (0 = free; >1: reflinked) */
	sector_t s_free;		/* free data blocks */
	long s_reserved;		/* delayed-allocation reservations */
};

#define BLKFS_FIRST_DATA_BLOCK	1	/* block 0: the super block */

/*
 * Mount a fresh filesystem on @bdev. Model: the metadata (inodes, maps, bitmap)
 * lives in host memory, so a mount starts empty; only file data goes to the
 * device. NULL on bad arguments or no memory.
 */
struct blkfs *blkfs_mount(struct block_device *bdev, const char *name, unsigned int flags);
/* Sync and tear down; -EBUSY while files are open, mapped or pinned. */
int blkfs_umount(struct blkfs *fs);

/* Disk block of file block @index of @inode: 0 for a hole. */
sector_t blkfs_bmap(struct inode *inode, pgoff_t index);
/*
 * What the disk holds for [@pos, @pos+@len) of the file, bypassing the page
 * cache (the scenario's `check disk`): holes and unwritten extents read as
 * zeroes. No read is counted and nothing is verified. 0 or -EINVAL.
 */
int blkfs_peek_file(struct inode *inode, loff_t pos, void *buf, size_t len);
/* Allocate the lowest free block: 0 when the disk is full. */
sector_t blkfs_alloc_block(struct blkfs *fs);
void blkfs_free_block(struct blkfs *fs, sector_t block);
sector_t blkfs_free_blocks(struct blkfs *fs);
/* How many files own @block (more than one after blkfs_reflink()). */
unsigned int blkfs_block_owners(struct blkfs *fs, sector_t block);

/*
 * FICLONE: make empty file @dst share every written block of @src, same
 * size, as XFS/btrfs reflink does; a block is freed when its last owner
 * lets go. fsdax mounts only: the point is one pmem block (one struct page)
 * behind two files, the dax-reflink case of seed 000.
 * Model: no copy-on-write unsharing (dax_iomap_cow): a write to a shared
 * block fails with -EOPNOTSUPP (SIGBUS for a fault), so nothing can write
 * one file's data through the other. A page-cache mount refuses reflink
 * with -EOPNOTSUPP (it would need COW at writeback). -EINVAL for a
 * non-empty @dst or files of different filesystems, -EMLINK past 255 owners.
 */
int blkfs_reflink(struct file *dst, struct file *src);

/*
 * fsck: every written block of every file verifies its checksum, no block is
 * owned twice, no owned block is free, no free block is owned. Returns the
 * number of problems found (each also reported through @report if non-NULL).
 */
int blkfs_fsck(struct blkfs *fs, void (*report)(const char *msg, void *arg), void *arg);

static inline struct blkfs *BLKFS_SB(struct super_block *sb)
{
	return container_of(sb, struct blkfs, sb);
}

#endif
