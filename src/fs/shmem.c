/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tmpfs and memfd: folios that exist only in the page cache. They start
 * zeroed, are marked dirty without accounting (noop_dirty_folio), are never
 * written back and, as the model never swaps shmem, sit on the unevictable list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/fs/filemap.h>
#include "internal.h"

static int shmem_read_folio(struct file *file, struct folio *folio)
{
	(void)file;
	folio_zero_range(folio, 0, folio_size(folio));
	folio_mark_uptodate(folio);
	folio_unlock(folio);
	return 0;
}

static bool shmem_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	(void)mapping;
	return !folio_test_set_dirty(folio);
}

static int shmem_write_begin(struct inode *inode, struct folio *folio, size_t from, size_t len)
{
	(void)inode;
	(void)from;
	(void)len;
	if (!folio_test_uptodate(folio)) {
		folio_zero_range(folio, 0, folio_size(folio));
		folio_mark_uptodate(folio);
	}
	return 0;
}

static struct inode *shmem_alloc_inode(struct super_block *sb)
{
	struct shmem_inode_info *info = calloc(1, sizeof(*info));

	if (!info)
		return NULL;
	inode_init_once(&info->vfs_inode, sb);
	/* shmem_get_inode(): only memfd_create(MFD_ALLOW_SEALING) lifts it. */
	info->seals = F_SEAL_SEAL;
	return &info->vfs_inode;
}

static void shmem_destroy_inode(struct inode *inode)
{
	free(SHMEM_I(inode));
}

static const struct address_space_operations shmem_aops = {
	.read_folio = shmem_read_folio,
	.dirty_folio = shmem_dirty_folio,
	.migrate_folio = filemap_migrate_folio,
};

static const struct super_operations shmem_sops = {
	.alloc_inode = shmem_alloc_inode,
	.destroy_inode = shmem_destroy_inode,
	.write_begin = shmem_write_begin,
};

struct shmem_sb *shmem_mount(const char *name)
{
	struct shmem_sb *fs;

	if (!name || !*name)
		return NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs_super_init(&fs->sb, name, SB_SHMEM, &shmem_sops, &shmem_aops, &shmem_file_operations);
	return fs;
}

int shmem_umount(struct shmem_sb *fs)
{
	int ret;

	if (!fs)
		return -EINVAL;
	ret = fs_super_shutdown(&fs->sb);
	if (!ret)
		free(fs);
	return ret;
}

struct file *shmem_memfd_create(struct shmem_sb *fs, const char *name, int *err)
{
	struct inode *inode;
	struct file *file;
	char id[FS_NAME_MAX];
	int dummy;

	if (!err)
		err = &dummy;
	if (!fs || !name) {
		*err = -EINVAL;
		return NULL;
	}
	/* A '/' no fs_open() name may contain keeps it out of reach, like an unlinked file. */
	snprintf(id, sizeof(id), "memfd:/%s", name);
	pthread_mutex_lock(&fs->sb.s_inode_lock);
	inode = fs_new_inode_locked(&fs->sb, id);
	pthread_mutex_unlock(&fs->sb.s_inode_lock);
	if (!inode) {
		*err = -ENOMEM;
		return NULL;
	}
	/* shmem_file_setup(): S_IFREG | S_IRWXUGO; MFD_NOEXEC_SEAL takes the x bits away. */
	inode->i_mode = S_IFREG | 0777;
	file = fs_alloc_file(inode, FMODE_READ | FMODE_WRITE);
	*err = file ? 0 : -ENOMEM;
	return file;
}
