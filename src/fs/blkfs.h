/* SPDX-License-Identifier: GPL-2.0-only */
/* blkfs internals shared by its files. */
#ifndef PINMM_FS_BLKFS_INTERNAL_H
#define PINMM_FS_BLKFS_INTERNAL_H

#include <pinmm/fs/blkfs.h>

/* i_data_sem held: the raw map entry of file block @idx (0: hole). */
uint32_t blkfs_map_get(struct blkfs_inode *bi, pgoff_t idx);
/* i_data_sem held: set an entry, growing the map. -ENOMEM, -EFBIG. */
int blkfs_map_set(struct blkfs_inode *bi, pgoff_t idx, uint32_t v);
/* Reserve one block for a delayed allocation: -ENOSPC when none is left. */
int blkfs_reserve(struct blkfs *fs);
void blkfs_unreserve(struct blkfs *fs);
/* Allocate the lowest free block, consuming a reservation if @reserved. 0: full. */
sector_t __blkfs_alloc_block(struct blkfs *fs, bool reserved);

#endif
