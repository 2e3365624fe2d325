/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boundary between vm/ and fs/: what a file mapping is (address_space, file)
 * and the calls each side makes into the other. vm/ defines these types because
 * it walks them (rmap over i_mmap, faults through vm_ops); fs/ fills the ops.
 */
#ifndef PINMM_VM_FS_H
#define PINMM_VM_FS_H

#include <errno.h>
#include <pthread.h>
#include <urcu/rculfhash.h>
#include <pinmm/mem/memory.h>

struct vm_area_struct;
struct vm_fault;
struct writeback_control;
struct file;

/* address_space->flags */
enum mapping_flags {
	AS_EIO,
	AS_SHMEM,		/* tmpfs/memfd: no backing store, no writeback */
	AS_DAX,			/* fsdax: the "page cache" is the device's memory */
	AS_UNEVICTABLE,
};

struct address_space_operations {
	int  (*read_folio)(struct file *file, struct folio *folio);
	/* Write one locked folio whose dirty bit writeback already cleared. */
	int  (*writepage)(struct folio *folio, struct writeback_control *wbc);
	/*
	 * Mark dirty: called by folio_mark_dirty(); returns true if it was clean.
	 * May be called under a page-table lock (zap, migration unmap), as in
	 * mainline: it must not sleep.
	 */
	bool (*dirty_folio)(struct address_space *mapping, struct folio *folio);
	/* Drop fs-private state (buffers) so reclaim can free the folio. */
	bool (*release_folio)(struct folio *folio, gfp_t gfp);
	void (*invalidate_folio)(struct folio *folio, size_t offset, size_t len);
	/*
	 * Move @src's page-cache slot and private state to @dst (both locked,
	 * @src unmapped, dst->mapping and dst->index already set by vm/). Must
	 * freeze @src at exactly 1 (the migration's reference) + folio_nr_pages
	 * (the cache's) + 1 if PG_private, returning -EAGAIN if that fails (a pin
	 * or GUP reference exists); then give @dst the cache's references, clear
	 * src->mapping and unfreeze @src at 1. vm/ copies data and flags after.
	 */
	int  (*migrate_folio)(struct address_space *mapping, struct folio *dst,
			      struct folio *src);
};

struct address_space {
	void *host;				/* the fs inode */
	/*
	 * Model: the page cache index is a liburcu lock-free hash keyed by index
	 * instead of an xarray; lookups are RCU-lockless as with the xarray, but
	 * ranged walks (writeback, truncate) collect and sort. fs/ owns it.
	 */
	struct cds_lfht *i_pages;
	pthread_mutex_t i_pages_lock;		/* serialises insert/delete (xa_lock) */
	atomic_long nrpages;
	pthread_rwlock_t i_mmap_rwsem;
	struct cds_list_head i_mmap;		/* VMAs mapping this file, via vma->shared */
	/*
	 * Shared VM_MAYWRITE VMAs of this file when positive; when negative,
	 * that many F_SEAL_WRITE denials (memfd.h) and no such VMA may appear.
	 */
	atomic_int i_mmap_writable;
	/*
	 * Held shared by page faults that read a page in or allocate blocks
	 * (filemap_fault, page_mkwrite, the DAX fault), exclusive by truncate and
	 * hole punch: no fault brings back a block between the page cache being
	 * emptied and the block going free (ext4's i_mmap_sem; 5.15+).
	 */
	pthread_rwlock_t invalidate_lock;
	const struct address_space_operations *a_ops;
	unsigned long flags;			/* AS_* bits */
	pthread_mutex_t private_lock;		/* guards folio->private (buffers) */
	void *private_data;
};

static inline bool mapping_test_flag(const struct address_space *m, int bit)
{
	return test_bit(bit, &m->flags);
}
static inline bool shmem_mapping(const struct address_space *m)
{
	return m && mapping_test_flag(m, AS_SHMEM);
}
static inline bool dax_mapping(const struct address_space *m)
{
	return m && mapping_test_flag(m, AS_DAX);
}

static inline void filemap_invalidate_lock(struct address_space *m)
{
	pthread_rwlock_wrlock(&m->invalidate_lock);
}
static inline void filemap_invalidate_unlock(struct address_space *m)
{
	pthread_rwlock_unlock(&m->invalidate_lock);
}
static inline void filemap_invalidate_lock_shared(struct address_space *m)
{
	pthread_rwlock_rdlock(&m->invalidate_lock);
}
static inline void filemap_invalidate_unlock_shared(struct address_space *m)
{
	pthread_rwlock_unlock(&m->invalidate_lock);
}

/* i_mmap_writable, as include/linux/fs.h keeps it. */
static inline int mapping_map_writable(struct address_space *m)
{
	int v = atomic_load(&m->i_mmap_writable);

	do {
		if (v < 0)
			return -EPERM;
	} while (!atomic_compare_exchange_weak(&m->i_mmap_writable, &v, v + 1));
	return 0;
}
static inline void mapping_unmap_writable(struct address_space *m)
{
	atomic_fetch_sub(&m->i_mmap_writable, 1);
}
static inline int mapping_deny_writable(struct address_space *m)
{
	int v = atomic_load(&m->i_mmap_writable);

	do {
		if (v > 0)
			return -EBUSY;
	} while (!atomic_compare_exchange_weak(&m->i_mmap_writable, &v, v - 1));
	return 0;
}
static inline void mapping_allow_writable(struct address_space *m)
{
	atomic_fetch_add(&m->i_mmap_writable, 1);
}
static inline bool mapping_writably_mapped(struct address_space *m)
{
	return atomic_load(&m->i_mmap_writable) > 0;
}

/* Initialise the vm-owned parts (locks, i_mmap); fs/ sets host, a_ops, i_pages. */
void address_space_init_once(struct address_space *mapping);

struct file_operations {
	/* Set vma->vm_ops (and flags) for a new mapping of this file. */
	int (*mmap)(struct file *file, struct vm_area_struct *vma);
	/*
	 * Optional: refuse or narrow the VM_* flags of a new mapping before it
	 * is made (-errno, or 0 with *vm_flags possibly cleared of VM_MAYWRITE).
	 * Model: do_mmap() calls memfd_check_seals_mmap() itself; vm/ cannot see
	 * fs/'s inodes, so the memfd seals come in through the file's ops.
	 */
	int (*check_mmap_flags)(struct file *file, unsigned long *vm_flags);
	/*
	 * Optional: the last fput() of a file with this op calls it instead of
	 * fput_release_hook (files vm/ creates itself, e.g. shared anonymous).
	 */
	void (*release)(struct file *file);
};

struct file {
	struct address_space *f_mapping;
	const struct file_operations *f_op;
	void *private_data;			/* the fs inode */
	atomic_long f_count;
	unsigned int f_mode;			/* FMODE_READ | FMODE_WRITE */
};
#define FMODE_READ	0x1u
#define FMODE_WRITE	0x2u

static inline struct file *get_file(struct file *f)
{
	atomic_fetch_add(&f->f_count, 1);
	return f;
}
/* Drop a reference; the fs frees the file on the last one. */
void fput(struct file *f);
extern void (*fput_release_hook)(struct file *f);

/* ---- Calls fs/ makes into vm/ ---- */

/* The anon_vma or address_space of a folio; NULL for anon and unmapped-cache. */
static inline struct address_space *folio_mapping(struct folio *folio)
{
	unsigned long m = (unsigned long)READ_ONCE(folio->mapping);

	if (m & PAGE_MAPPING_ANON)
		return NULL;
	return (struct address_space *)m;
}

/*
 * Write-protect and clean every PTE that maps @folio (locked) through rmap, with
 * TLB flush and mmu-notifier invalidation; returns how many PTEs were dirty or
 * writable. Runs the tracker's mkclean hooks.
 */
int folio_mkclean(struct folio *folio);
/*
 * folio_mkclean(), and report through @pin_raced (may be NULL) what the
 * tracker's mkclean_end hook said: a pin raced with the walk.
 */
int folio_mkclean_pinned(struct folio *folio, bool *pin_raced);
/* Unmap [holebegin, holebegin+holelen) of @mapping from every mm (even_cows: private COW copies too). */
void unmap_mapping_range(struct address_space *mapping, loff_t holebegin, loff_t holelen,
			 int even_cows);
/* Unmap @folio (locked) from every mm; true if no mapping is left. */
bool try_to_unmap(struct folio *folio, unsigned int flags);
/* Mark dirty through mapping->a_ops->dirty_folio (or just the flag with no mapping). */
bool folio_mark_dirty(struct folio *folio);
/* folio_mark_dirty() under the folio lock, for callers that do not hold it. */
bool set_page_dirty_lock(struct page *page);

/* ---- Calls vm/ makes into fs/ (through the ops above and vm_operations_struct) ---- */

#endif
