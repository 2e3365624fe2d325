/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file calls: open, read, write, fsync, truncate, punch hole. Buffered
 * I/O goes through the page cache as generic_perform_write() and
 * filemap_read() do; data is copied with the atomic page-copy helpers because
 * a device may be writing the same pages.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/fs/dax.h>
#include "internal.h"

#define FS_GFP	GFP_HIGHUSER_MOVABLE

struct file *fs_alloc_file(struct inode *inode, unsigned int f_mode)
{
	struct file *file = calloc(1, sizeof(*file));

	if (!file)
		return NULL;
	file->f_mapping = inode->i_mapping;
	file->f_op = inode->i_sb->s_fops;
	file->private_data = inode;
	file->f_mode = f_mode;
	atomic_store(&file->f_count, 1);
	atomic_fetch_add(&inode->i_count, 1);
	return file;
}

void fs_file_release(struct file *file)
{
	if (!file)
		return;
	atomic_fetch_sub(&file_inode(file)->i_count, 1);
	free(file);
}

static bool fs_name_ok(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	return len > 0 && len < FS_NAME_MAX && !strchr(name, '/');
}

struct file *fs_open(struct super_block *sb, const char *name, unsigned int flags, int *err)
{
	struct inode *inode, *found = NULL;
	struct file *file;
	int dummy;

	if (!err)
		err = &dummy;
	*err = 0;
	if (!sb || !fs_name_ok(name)) {
		*err = -EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&sb->s_inode_lock);
	cds_list_for_each_entry(inode, &sb->s_inodes, i_sb_list) {
		if (!strcmp(inode->i_name, name)) {
			found = inode;
			break;
		}
	}
	if (!found && (flags & FS_O_CREAT)) {
		found = fs_new_inode_locked(sb, name);
		if (!found)
			*err = -ENOMEM;
	} else if (!found) {
		*err = -ENOENT;
	}
	pthread_mutex_unlock(&sb->s_inode_lock);
	if (!found)
		return NULL;
	file = fs_alloc_file(found, (flags & FS_O_RDONLY) ? FMODE_READ : FMODE_READ | FMODE_WRITE);
	if (!file) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((flags & FS_O_TRUNC) && !(flags & FS_O_RDONLY)) {
		*err = fs_truncate(file, 0);
		if (*err) {
			fput(file);
			return NULL;
		}
	}
	return file;
}

static int fs_check_io(struct file *file, loff_t pos, const void *buf, size_t len)
{
	if (!file || !file_inode(file))
		return -EINVAL;
	if (!buf && len)
		return -EFAULT;
	if (pos < 0 || len > (size_t)LLONG_MAX || pos > LLONG_MAX - (loff_t)len)
		return -EINVAL;
	return 0;
}

/* A locked, uptodate folio for @index, read in if needed; NULL and *err on failure. */
struct folio *fs_read_get_folio(struct file *file, pgoff_t index, int *err)
{
	struct address_space *mapping = file->f_mapping;
	struct folio *folio;

	folio = filemap_get_folio(mapping, index);
	if (folio && folio_test_uptodate(folio))
		return folio;
	if (folio)
		folio_put(folio);
	folio = __filemap_get_folio(mapping, index, FGP_LOCK | FGP_CREAT, FS_GFP, err);
	if (!folio)
		return NULL;
	if (folio_test_uptodate(folio)) {
		folio_unlock(folio);
		return folio;
	}
	/* ->read_folio unlocks the folio when the read is done. */
	*err = mapping->a_ops->read_folio(file, folio);
	if (*err || !folio_test_uptodate(folio)) {
		if (!*err)
			*err = -EIO;
		folio_put(folio);
		return NULL;
	}
	return folio;
}

ssize_t fs_read(struct file *file, loff_t pos, void *buf, size_t len)
{
	struct inode *inode;
	size_t done = 0;
	loff_t isize;
	int err = fs_check_io(file, pos, buf, len);

	if (err)
		return err;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	inode = file_inode(file);
	if (IS_DAX(inode))
		return dax_file_read(file, pos, buf, len);
	isize = i_size_read(inode);
	if (pos >= isize)
		return 0;
	if ((loff_t)len > isize - pos)
		len = (size_t)(isize - pos);
	while (done < len) {
		loff_t p = pos + (loff_t)done;
		pgoff_t index = (pgoff_t)(p >> PAGE_SHIFT);
		size_t off = (size_t)(p & (loff_t)~PAGE_MASK);
		size_t n = min_t(size_t, PAGE_SIZE - off, len - done);
		struct folio *folio = fs_read_get_folio(file, index, &err);

		if (!folio)
			break;
		memcpy_from_page((char *)buf + done, folio_page(folio, index - folio->index), off, n);
		folio_mark_accessed(folio);
		folio_put(folio);
		done += n;
	}
	return done ? (ssize_t)done : err;
}

/* Write [pos, pos+len) of @buf (NULL: zeroes) through the cache; inode locked. */
static ssize_t fs_perform_write(struct file *file, loff_t pos, const void *buf, size_t len)
{
	struct inode *inode = file_inode(file);
	struct address_space *mapping = file->f_mapping;
	const struct super_operations *sop = inode->i_sb->s_op;
	size_t done = 0;
	int err = 0;

	if (IS_DAX(inode))
		return dax_file_write(file, pos, buf, len);
	while (done < len) {
		loff_t p = pos + (loff_t)done;
		pgoff_t index = (pgoff_t)(p >> PAGE_SHIFT);
		size_t off = (size_t)(p & (loff_t)~PAGE_MASK);
		size_t n = min_t(size_t, PAGE_SIZE - off, len - done);
		struct folio *folio;
		struct page *page;

		folio = __filemap_get_folio(mapping, index, FGP_LOCK | FGP_CREAT | FGP_WRITE,
					    FS_GFP, &err);
		if (!folio)
			break;
		page = folio_page(folio, index - folio->index);
		if (sop->write_begin)
			err = sop->write_begin(inode, folio, (size_t)(page - &folio->page) * PAGE_SIZE + off, n);
		if (err) {
			folio_unlock(folio);
			folio_put(folio);
			break;
		}
		if (buf)
			memcpy_to_page(page, off, (const char *)buf + done, n);
		else
			memzero_page(page, off, n);
		folio_mark_uptodate(folio);
		folio_mark_dirty(folio);
		/* i_size moves under the folio lock, before writeback can see the folio. */
		if (p + (loff_t)n > i_size_read(inode))
			i_size_write(inode, p + (loff_t)n);
		folio_unlock(folio);
		folio_mark_accessed(folio);
		folio_put(folio);
		done += n;
	}
	return done ? (ssize_t)done : err;
}

ssize_t fs_write(struct file *file, loff_t pos, const void *buf, size_t len)
{
	struct inode *inode;
	ssize_t ret;
	int err = fs_check_io(file, pos, buf, len);

	if (err)
		return err;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!len)
		return 0;
	inode = file_inode(file);
	pthread_mutex_lock(&inode->i_rwsem);
	err = memfd_write_check(file, pos, &len);
	ret = err ? err : fs_perform_write(file, pos, buf, len);
	pthread_mutex_unlock(&inode->i_rwsem);
	return ret;
}

int fs_fsync(struct file *file)
{
	if (!file || !file->f_mapping)
		return -EINVAL;
	return filemap_write_and_wait_range(file->f_mapping, 0, LLONG_MAX);
}

/* Zero [pos, pos+len) inside one block through the cache, so the zeroes reach disk. */
static int fs_zero_partial(struct file *file, loff_t pos, loff_t len)
{
	ssize_t r;

	if (len <= 0)
		return 0;
	r = fs_perform_write(file, pos, NULL, (size_t)len);
	return r < 0 ? (int)r : 0;
}

/*
 * LONGTERM_BUSY (pinmm): a truncate or hole punch over a pinned page-cache
 * range answers -ETXTBSY, as a layout lease would. A pinned folio cut out of
 * the file would leave a device writing a page that no longer reaches the
 * disk, and its blocks free for another file; refusing keeps the blocks
 * allocated for as long as a device can write them.
 */
static bool truncate_refuses_pinned(void)
{
	return READ_ONCE(pin_config.longterm) == LONGTERM_BUSY;
}

int fs_truncate(struct file *file, loff_t size)
{
	struct inode *inode;
	bool inv_locked = false;
	bool dax_locked = false;
	loff_t old;
	int err;

	if (!file || !file_inode(file) || size < 0)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	inode = file_inode(file);
	pthread_mutex_lock(&inode->i_rwsem);
	err = memfd_truncate_check(file, size);
	if (!err)
		err = fs_break_layout(inode);
	/* fsdax: no block may be freed while a device can still reach it. */
	if (!err && IS_DAX(inode) && size < i_size_read(inode)) {
		err = dax_break_layout(inode, ALIGN_UP(size, (loff_t)PAGE_SIZE), -1);
		dax_locked = !err;
	}
	if (!err && !IS_DAX(inode) && size < i_size_read(inode) && truncate_refuses_pinned()) {
		filemap_invalidate_lock(inode->i_mapping);
		inv_locked = true;
		err = filemap_range_busy(inode, size, -1);
	}
	if (err)
		goto out;
	old = i_size_read(inode);
	if (size >= old) {
		i_size_write(inode, size);
		goto out;
	}
	/* block_truncate_page(): the tail of the last block is zeroed on disk too. */
	if (size & (loff_t)~PAGE_MASK) {
		loff_t end = ALIGN_UP(size, (loff_t)PAGE_SIZE);

		err = fs_zero_partial(file, size, (end < old ? end : old) - size);
		if (err)
			goto out;
	}
	i_size_write(inode, size);
	/* No fault may read a block back in between these two (DAX holds it already). */
	if (!dax_locked && !inv_locked)
		filemap_invalidate_lock(inode->i_mapping);
	truncate_pagecache_range(inode, size, -1);
	if (inode->i_sb->s_op->free_blocks)
		inode->i_sb->s_op->free_blocks(inode,
					       (pgoff_t)(ALIGN_UP(size, (loff_t)PAGE_SIZE) >> PAGE_SHIFT),
					       ~0UL);
	if (!dax_locked) {
		filemap_invalidate_unlock(inode->i_mapping);
		inv_locked = false;
	}
	mm_trace("truncate", "ino=%lu size=%lld old=%lld", inode->i_ino, (long long)size,
		 (long long)old);
out:
	if (inv_locked)
		filemap_invalidate_unlock(inode->i_mapping);
	if (dax_locked)
		dax_break_layout_done(inode);
	pthread_mutex_unlock(&inode->i_rwsem);
	return err;
}

int fs_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct inode *inode;
	pgoff_t first, last;
	int err = 0;

	if (!file || !file_inode(file) || offset < 0 || len <= 0 || offset > LLONG_MAX - len ||
	    (mode & ~FALLOC_FL_KEEP_SIZE))
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	inode = file_inode(file);
	/* Model: blkfs has no unwritten extents to preallocate, so only shmem allocates. */
	if (!(inode->i_sb->s_flags & SB_SHMEM))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&inode->i_rwsem);
	/* Checked whether or not KEEP_SIZE: the pages past EOF would grow it too. */
	err = memfd_fallocate_check(file, offset + len);
	if (err)
		goto out;
	first = (pgoff_t)(offset >> PAGE_SHIFT);
	last = (pgoff_t)((offset + len - 1) >> PAGE_SHIFT);
	for (pgoff_t i = first; i <= last && !err; i++) {
		struct folio *folio = fs_read_get_folio(file, i, &err);

		if (folio)
			folio_put(folio);
	}
	/* Model: the pages placed before an error stay (shmem_fallocate() undoes them). */
	if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && offset + len > i_size_read(inode))
		i_size_write(inode, offset + len);
	mm_trace("fallocate", "ino=%lu offset=%lld len=%lld mode=%#x -> %d", inode->i_ino,
		 (long long)offset, (long long)len, (unsigned int)mode, err);
out:
	pthread_mutex_unlock(&inode->i_rwsem);
	return err;
}

int fs_fallocate_punch_hole(struct file *file, loff_t offset, loff_t len)
{
	struct inode *inode;
	loff_t isize, end, first, last;
	bool inv_locked = false;
	bool dax_locked = false;
	int err;

	if (!file || !file_inode(file) || offset < 0 || len <= 0 || offset > LLONG_MAX - len)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	inode = file_inode(file);
	pthread_mutex_lock(&inode->i_rwsem);
	err = memfd_punch_check(file);
	if (!err)
		err = fs_break_layout(inode);
	if (err)
		goto out;
	isize = i_size_read(inode);
	if (offset >= isize)
		goto out;
	/* FALLOC_FL_KEEP_SIZE: the hole never extends the file. */
	end = offset + len < isize ? offset + len : isize;
	if (!IS_DAX(inode) && truncate_refuses_pinned()) {
		filemap_invalidate_lock(inode->i_mapping);
		inv_locked = true;
		err = filemap_range_busy(inode, offset, end - 1);
		if (err)
			goto out;
	}
	first = ALIGN_UP(offset, (loff_t)PAGE_SIZE);
	last = ALIGN_DOWN(end, (loff_t)PAGE_SIZE);
	if (first > last) {
		/* Inside one block. */
		err = fs_zero_partial(file, offset, end - offset);
		goto out;
	}
	err = fs_zero_partial(file, offset, first - offset);
	if (!err && end > last)
		err = fs_zero_partial(file, last, end - last);
	if (err || first == last)
		goto out;
	if (IS_DAX(inode)) {
		err = dax_break_layout(inode, first, last - 1);
		dax_locked = !err;
		if (err)
			goto out;
	}
	if (!dax_locked && !inv_locked)
		filemap_invalidate_lock(inode->i_mapping);
	truncate_pagecache_range(inode, first, last - 1);
	if (inode->i_sb->s_op->free_blocks)
		inode->i_sb->s_op->free_blocks(inode, (pgoff_t)(first >> PAGE_SHIFT),
					       (pgoff_t)(last >> PAGE_SHIFT));
	if (!dax_locked) {
		filemap_invalidate_unlock(inode->i_mapping);
		inv_locked = false;
	}
	mm_trace("punch_hole", "ino=%lu offset=%lld len=%lld", inode->i_ino,
		 (long long)first, (long long)(last - first));
out:
	if (inv_locked)
		filemap_invalidate_unlock(inode->i_mapping);
	if (dax_locked)
		dax_break_layout_done(inode);
	pthread_mutex_unlock(&inode->i_rwsem);
	return err;
}
