/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Super blocks and inodes: the list of mounted filesystems, the inodes of
 * each, their lifetime (until unmount), and layout leases.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/vm/mm.h>
#include <pinmm/pin/tracker.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/writeback.h>
#include "internal.h"

static pthread_mutex_t super_lock = PTHREAD_MUTEX_INITIALIZER;
static CDS_LIST_HEAD(super_blocks);
static unsigned int super_boot;		/* mm_boot_generation of super_blocks */

/* super_lock held. Mounts of an earlier boot of the machine are gone with it. */
static void super_list_check(void)
{
	if (super_boot != atomic_load(&mm_boot_generation)) {
		CDS_INIT_LIST_HEAD(&super_blocks);
		super_boot = atomic_load(&mm_boot_generation);
	}
}

void fs_super_init(struct super_block *sb, const char *id, unsigned int flags,
		   const struct super_operations *sop,
		   const struct address_space_operations *aops,
		   const struct file_operations *fops)
{
	snprintf(sb->s_id, sizeof(sb->s_id), "%s", id);
	sb->s_flags = flags;
	sb->s_op = sop;
	sb->s_aops = aops;
	sb->s_fops = fops;
	pthread_mutex_init(&sb->s_inode_lock, NULL);
	CDS_INIT_LIST_HEAD(&sb->s_inodes);
	sb->s_next_ino = 1;
	pthread_mutex_init(&sb->s_flush_lock, NULL);
	pthread_cond_init(&sb->s_flush_cond, NULL);
	sb->s_flusher_running = false;
	sb->s_flusher_stop = false;
	atomic_store(&sb->s_flush_passes, 0);
	fs_install_hooks();
	pthread_mutex_lock(&super_lock);
	super_list_check();
	cds_list_add_tail(&sb->s_list, &super_blocks);
	pthread_mutex_unlock(&super_lock);
}

void fs_for_each_super(void (*fn)(struct super_block *sb, void *arg), void *arg)
{
	struct super_block *sb;

	pthread_mutex_lock(&super_lock);
	super_list_check();
	cds_list_for_each_entry(sb, &super_blocks, s_list)
		fn(sb, arg);
	pthread_mutex_unlock(&super_lock);
}

void inode_init_once(struct inode *inode, struct super_block *sb)
{
	memset(inode, 0, sizeof(*inode));
	inode->i_sb = sb;
	/* Model: every file is born 0644 (no umask); a memfd is 0777, as shmem_file_setup(). */
	inode->i_mode = S_IFREG | 0644;
	pthread_mutex_init(&inode->i_rwsem, NULL);
	CDS_INIT_LIST_HEAD(&inode->i_sb_list);
}

struct inode *fs_new_inode_locked(struct super_block *sb, const char *name)
{
	struct inode *inode = sb->s_op->alloc_inode(sb);
	struct address_space *mapping;

	if (!inode)
		return NULL;
	inode->i_ino = sb->s_next_ino++;
	snprintf(inode->i_name, sizeof(inode->i_name), "%s", name);
	mapping = &inode->i_data;
	address_space_init_once(mapping);
	mapping->host = inode;
	mapping->a_ops = sb->s_aops;
	if (sb->s_flags & SB_SHMEM) {
		set_bit(AS_SHMEM, &mapping->flags);
		set_bit(AS_UNEVICTABLE, &mapping->flags);
	}
	/* fsdax: file data bypasses the page cache (fs/dax.c). */
	if (sb->s_flags & SB_DAX)
		set_bit(AS_DAX, &mapping->flags);
	if (mapping_init_pages(mapping)) {
		sb->s_op->destroy_inode(inode);
		return NULL;
	}
	inode->i_mapping = mapping;
	cds_list_add_tail(&inode->i_sb_list, &sb->s_inodes);
	return inode;
}

struct inode *fs_lookup(struct super_block *sb, const char *name)
{
	struct inode *inode, *found = NULL;

	if (!sb || !name)
		return NULL;
	pthread_mutex_lock(&sb->s_inode_lock);
	cds_list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (!strcmp(inode->i_name, name)) {
			found = inode;
			break;
		}
	}
	pthread_mutex_unlock(&sb->s_inode_lock);
	return found;
}

static bool inode_busy(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;
	bool mapped;

	if (atomic_load(&inode->i_count) > 0)
		return true;
	pthread_rwlock_rdlock(&mapping->i_mmap_rwsem);
	mapped = !cds_list_empty(&mapping->i_mmap);
	pthread_rwlock_unlock(&mapping->i_mmap_rwsem);
	return mapped;
}

int fs_super_shutdown(struct super_block *sb)
{
	struct inode *inode, *tmp;

	if (!sb)
		return -EINVAL;
	pthread_mutex_lock(&sb->s_inode_lock);
	cds_list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (inode_busy(inode)) {
			pthread_mutex_unlock(&sb->s_inode_lock);
			return -EBUSY;
		}
	}
	pthread_mutex_unlock(&sb->s_inode_lock);
	writeback_stop_flusher(sb);
	writeback_inodes(sb, WB_SYNC_ALL);
	pthread_mutex_lock(&super_lock);
	cds_list_del(&sb->s_list);
	pthread_mutex_unlock(&super_lock);
	/*
	 * evict(): the cache goes. A folio still pinned leaves the cache like on
	 * truncate; the pin holder's unpin frees it later.
	 */
	cds_list_for_each_entry_safe(inode, tmp, &sb->s_inodes, i_sb_list) {
		truncate_inode_pages(inode->i_mapping, 0);
		mapping_destroy_pages(inode->i_mapping);
		cds_list_del(&inode->i_sb_list);
		pthread_mutex_destroy(&inode->i_rwsem);
		sb->s_op->destroy_inode(inode);
	}
	pthread_mutex_destroy(&sb->s_inode_lock);
	pthread_mutex_destroy(&sb->s_flush_lock);
	pthread_cond_destroy(&sb->s_flush_cond);
	return 0;
}

/* ---- Layout leases ---- */

int fs_lease_get(struct file *file)
{
	if (!file || !file_inode(file))
		return -EINVAL;
	atomic_fetch_add(&file_inode(file)->i_leases, 1);
	return 0;
}

int fs_lease_put(struct file *file)
{
	struct inode *inode;
	int old;

	if (!file || !(inode = file_inode(file)))
		return -EINVAL;
	old = atomic_load(&inode->i_leases);
	do {
		if (old <= 0)
			return -ENOENT;
	} while (!atomic_compare_exchange_weak(&inode->i_leases, &old, old - 1));
	return 0;
}

bool fs_lease_held(const struct inode *inode)
{
	return inode && atomic_load(&((struct inode *)inode)->i_leases) > 0;
}

void fs_lease_pin_add(struct inode *inode, long nr)
{
	if (inode && nr > 0)
		atomic_fetch_add(&inode->i_lease_pins, nr);
}

void fs_lease_pin_sub(struct inode *inode, long nr)
{
	if (!inode || nr <= 0)
		return;
	if (WARN_ON_ONCE(atomic_fetch_sub(&inode->i_lease_pins, nr) < nr))
		atomic_store(&inode->i_lease_pins, 0);
}

int fs_break_layout(struct inode *inode)
{
	/*
	 * Model: under other policies a layout break would recall the lease and
	 * wait; only the lease and busy policies make a pinned, leased layout
	 * immovable.
	 */
	enum longterm_policy lt = READ_ONCE(pin_config.longterm);

	if ((lt == LONGTERM_LEASE || lt == LONGTERM_BUSY) && fs_lease_held(inode) &&
	    atomic_load(&inode->i_lease_pins) > 0)
		return -ETXTBSY;
	return 0;
}
