/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VFS slice pinmm needs: super blocks, inodes, open files, and the file
 * calls a process makes (read, write, fsync, truncate, punch hole, mmap), all
 * going through the page cache the way the syscalls do.
 */
#ifndef PINMM_FS_FS_H
#define PINMM_FS_FS_H

#include <pthread.h>
#include <stdatomic.h>
#include <urcu/list.h>
#include <pinmm/vm/fs.h>

struct inode;
struct super_block;
struct writeback_control;

/* super_block->s_flags */
#define SB_CHECKSUM	0x1u	/* verify block checksums on read; stable pages */
#define SB_DAX		0x2u	/* mappings get AS_DAX */
#define SB_SHMEM	0x4u	/* tmpfs: no backing store */

/*
 * Filesystem callbacks the generic file code needs besides the a_ops.
 * Model: mainline has write_begin/write_end in the a_ops; vm/fs.h fixes the
 * a_ops table, so the fs-private steps of a buffered write live here.
 */
struct super_operations {
	struct inode *(*alloc_inode)(struct super_block *sb);
	void (*destroy_inode)(struct inode *inode);
	/*
	 * Prepare the locked @folio for a write of [@from, @from+@len) within it:
	 * read in what the write does not cover, attach buffers, reserve or map
	 * blocks. 0 or -errno (-ENOSPC).
	 */
	int (*write_begin)(struct inode *inode, struct folio *folio, size_t from, size_t len);
	/* Release the blocks of whole file blocks [@start, @end) (after the cache). */
	void (*free_blocks)(struct inode *inode, pgoff_t start, pgoff_t end);
	/* Make the locked @folio's blocks allocated and its buffers mapped and dirty. */
	int (*page_mkwrite)(struct inode *inode, struct folio *folio);
};

struct super_block {
	char s_id[32];
	unsigned int s_flags;
	const struct super_operations *s_op;
	const struct address_space_operations *s_aops;
	const struct file_operations *s_fops;
	void *s_fs_info;
	pthread_mutex_t s_inode_lock;
	struct cds_list_head s_inodes;
	unsigned long s_next_ino;
	struct cds_list_head s_list;		/* all mounted super blocks */
	/* the flusher thread (writeback.h) */
	pthread_t s_flusher;
	pthread_mutex_t s_flush_lock;
	pthread_cond_t s_flush_cond;
	bool s_flusher_running;
	bool s_flusher_stop;
	unsigned int s_flush_interval_ms;
	atomic_ulong s_flush_passes;
};

#define FS_NAME_MAX 64

struct inode {
	struct super_block *i_sb;
	unsigned long i_ino;
	char i_name[FS_NAME_MAX];
	struct address_space i_data;
	struct address_space *i_mapping;
	atomic_llong i_size;
	/*
	 * S_IFREG and the permission bits; chmod under i_rwsem.
	 * Model: no owner, group or permission checks use them: F_SEAL_EXEC is
	 * what reads the exec bits.
	 */
	unsigned int i_mode;
	pthread_mutex_t i_rwsem;		/* write/truncate exclusion (inode_lock) */
	struct cds_list_head i_sb_list;
	atomic_int i_count;			/* open files */
	/*
	 * Layout leases (seed 003's vaddr_pin_pages): a lease is taken on the
	 * file; pins taken under it are counted here by the gup layer.
	 * Model: a lease covers the whole file, not a byte range.
	 */
	atomic_int i_leases;
	atomic_long i_lease_pins;
};

static inline struct inode *file_inode(const struct file *f)
{
	return (struct inode *)f->private_data;
}
static inline loff_t i_size_read(const struct inode *inode)
{
	return atomic_load_explicit(&((struct inode *)inode)->i_size, memory_order_acquire);
}
static inline void i_size_write(struct inode *inode, loff_t size)
{
	atomic_store_explicit(&inode->i_size, size, memory_order_release);
}

/* Set up and tear down the generic parts of a super block (fs code calls these). */
void fs_super_init(struct super_block *sb, const char *id, unsigned int flags,
		   const struct super_operations *sop,
		   const struct address_space_operations *aops,
		   const struct file_operations *fops);
/*
 * Write back and evict every inode: -EBUSY while a file is open or mapped or a
 * folio is still referenced beyond the cache (pinned); nothing is torn down then.
 */
int fs_super_shutdown(struct super_block *sb);
/* Initialise the generic inode fields (called by alloc_inode implementations). */
void inode_init_once(struct inode *inode, struct super_block *sb);
/* Look an inode up by name; NULL if none. */
struct inode *fs_lookup(struct super_block *sb, const char *name);

/* Visit every mounted super block (drop_caches, the scenario runner). */
void fs_for_each_super(void (*fn)(struct super_block *sb, void *arg), void *arg);

/* fs_open() flags */
#define FS_O_CREAT	0x1u
#define FS_O_RDONLY	0x2u
#define FS_O_TRUNC	0x4u

/*
 * Open (and with FS_O_CREAT create) @name on @sb. The file holds one f_count;
 * fput() drops it. NULL with *err set (-ENOENT, -EINVAL, -ENOMEM) on failure.
 */
struct file *fs_open(struct super_block *sb, const char *name, unsigned int flags, int *err);
/* Read/write through the page cache: bytes done, or -errno. */
ssize_t fs_read(struct file *file, loff_t pos, void *buf, size_t len);
ssize_t fs_write(struct file *file, loff_t pos, const void *buf, size_t len);
/* Write back [start, end] and wait (vfs_fsync_range with end -1 for all). */
int fs_fsync(struct file *file);
int fs_truncate(struct file *file, loff_t size);
int fs_fallocate_punch_hole(struct file *file, loff_t offset, loff_t len);
/*
 * fallocate(@mode 0 or FALLOC_FL_KEEP_SIZE): every page of [offset, offset+len)
 * in the page cache, the size grown to its end unless KEEP_SIZE. shmem files
 * only (shmem_fallocate()): -EPERM under F_SEAL_GROW when the range ends past
 * i_size (KEEP_SIZE or not); -EOPNOTSUPP elsewhere. Punch holes go through
 * fs_fallocate_punch_hole().
 */
int fs_fallocate(struct file *file, int mode, loff_t offset, loff_t len);
/* fchmod(): the permission bits (07777) of @mode; -EPERM for an exec bit under F_SEAL_EXEC. */
int fs_fchmod(struct file *file, unsigned int mode);
/* file->f_op->mmap, for vm_mmap() */
int fs_file_mmap(struct file *file, struct vm_area_struct *vma);

/*
 * Layout leases. fs_lease_get/put take and drop a lease on the file's inode;
 * fs_lease_pin_add/sub count pins taken under it (the gup layer's
 * vaddr_pin_pages). With pin_config.longterm == LONGTERM_LEASE a truncate or
 * hole punch of a leased file with pins outstanding returns -ETXTBSY.
 */
int fs_lease_get(struct file *file);
int fs_lease_put(struct file *file);
bool fs_lease_held(const struct inode *inode);
void fs_lease_pin_add(struct inode *inode, long nr);
void fs_lease_pin_sub(struct inode *inode, long nr);
/* The check truncate and punch hole make: 0 or -ETXTBSY. */
int fs_break_layout(struct inode *inode);

#endif
