/* SPDX-License-Identifier: GPL-2.0-only */
/* fs/-private helpers shared by its files. */
#ifndef PINMM_FS_INTERNAL_H
#define PINMM_FS_INTERNAL_H

#include <pinmm/fs/fs.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/fs/vmscan.h>

/* Create an inode named @name on @sb (s_inode_lock held). NULL on no memory. */
struct inode *fs_new_inode_locked(struct super_block *sb, const char *name);
/* A new open file on @inode. */
struct file *fs_alloc_file(struct inode *inode, unsigned int f_mode);

/* Drop the dirty bit of a folio leaving the cache, with its accounting. */
void folio_cancel_dirty(struct folio *folio);
/*
 * Clean a locked folio's PTEs and dirty bit and hand it to ->writepage, which
 * unlocks it. 0 if there was nothing to write, else writepage's result.
 */
int writeback_write_folio(struct folio *folio, struct writeback_control *wbc);
/*
 * Remove a locked folio from the cache if only the caller (one reference) and
 * the cache hold it: freezes the count so no new reference can appear. The
 * caller keeps its reference. false if someone else holds one, or it is dirty.
 */
bool remove_mapping(struct address_space *mapping, struct folio *folio);

/* A referenced, uptodate (read in if needed), unlocked folio; NULL and *err on failure. */
struct folio *fs_read_get_folio(struct file *file, pgoff_t index, int *err);
/* fput()'s last reference (fput_release_hook). */
void fs_file_release(struct file *file);

/* LRU internals for reclaim (lru.c). List helpers that store ->next with WRITE_ONCE. */
void lru_list_add(struct cds_list_head *entry, struct cds_list_head *head);
void lru_list_del(struct cds_list_head *entry);
size_t lru_isolate_tail(enum lru_list lru, size_t max, struct folio **dst);
void lru_deactivate_file(void);

/* memfd seals (memfd.c): NULL for a file that cannot carry seals. */
unsigned int *memfd_file_seals_ptr(struct file *file);
int memfd_check_seals_mmap(struct file *file, unsigned long *vm_flags);
/* The seal checks of write(), ftruncate() and punch hole; i_rwsem held. */
int memfd_write_check(struct file *file, loff_t pos, size_t *len);
int memfd_truncate_check(struct file *file, loff_t newsize);
int memfd_punch_check(struct file *file);
/* shmem_fallocate()'s: -EPERM under F_SEAL_GROW for a range ending past i_size. */
int memfd_fallocate_check(struct file *file, loff_t end);

extern const struct file_operations blkfs_file_operations;
extern const struct file_operations shmem_file_operations;

#endif
