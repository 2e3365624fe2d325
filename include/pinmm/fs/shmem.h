/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * shmem: tmpfs and memfd. Folios live only in the page cache (AS_SHMEM);
 * they are never written back and, as the model never swaps shmem, never
 * reclaimed.
 */
#ifndef PINMM_FS_SHMEM_H
#define PINMM_FS_SHMEM_H

#include <pinmm/fs/fs.h>

struct shmem_sb {
	struct super_block sb;
};

struct shmem_inode_info {
	unsigned int seals;		/* F_SEAL_* (memfd.h); F_SEAL_SEAL from birth */
	struct inode vfs_inode;
};

static inline struct shmem_inode_info *SHMEM_I(struct inode *inode)
{
	return container_of(inode, struct shmem_inode_info, vfs_inode);
}

struct shmem_sb *shmem_mount(const char *name);
/* -EBUSY while files are open, mapped or pinned. */
int shmem_umount(struct shmem_sb *fs);
/* memfd_create(2): an open file on @fs with no name a later open can find. */
struct file *shmem_memfd_create(struct shmem_sb *fs, const char *name, int *err);

#endif
