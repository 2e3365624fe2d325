/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memfd seals, as mm/memfd.c and the seal checks of mm/shmem.c keep them.
 * F_SEAL_WRITE is where sealing meets pinning: the seal is a promise to
 * another party that the contents no longer change, so it must not be given
 * while anything can still write the pages - a shared writable mapping
 * (refused at once through i_mmap_writable) or a device or in-flight
 * O_DIRECT holding a folio reference (waited for, then refused).
 */
#include <time.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/fs/filemap.h>
#include "internal.h"

#define F_ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
		     F_SEAL_FUTURE_WRITE)
/* memfd_wait_for_pins(): rescans after the first look. */
#define LAST_SCAN 4

unsigned int *memfd_file_seals_ptr(struct file *file)
{
	struct inode *inode = file ? file_inode(file) : NULL;

	if (!inode || !(inode->i_sb->s_flags & SB_SHMEM))
		return NULL;
	return &SHMEM_I(inode)->seals;
}

static unsigned int file_seals(struct file *file)
{
	unsigned int *p = memfd_file_seals_ptr(file);

	return p ? READ_ONCE(*p) : 0;
}

struct file *memfd_create_file(struct shmem_sb *fs, const char *name, unsigned int flags, int *err)
{
	struct file *file;
	int dummy;

	if (!err)
		err = &dummy;
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING)) {
		/* Model: MFD_HUGETLB, MFD_EXEC, MFD_NOEXEC_SEAL are not taken here. */
		*err = -EINVAL;
		return NULL;
	}
	file = shmem_memfd_create(fs, name, err);
	if (file && (flags & MFD_ALLOW_SEALING))
		SHMEM_I(file_inode(file))->seals &= ~(unsigned int)F_SEAL_SEAL;
	return file;
}

/*
 * The refcount of a cached shmem folio is its cache's folio_nr_pages(), one
 * per mapping, and the caller's one (our batch). More is a pin or a GUP
 * reference: something that may write the folio behind the seal's back.
 */
static bool memfd_folio_has_extra_refs(struct folio *folio)
{
	return folio_ref_count(folio) - 1 - folio_mapcount(folio) != folio_nr_pages(folio);
}

/*
 * Model: the kernel tags the busy folios in the xarray (MEMFD_TAG_PINNED) and
 * rescans the tagged ones, sleeping (HZ << scan) / 200 before each rescan,
 * about 150 ms in all. pinmm's page cache has no tags: the busy folios are
 * kept in a batch instead, and the waits are 1/20 of the kernel's (a few ms),
 * so a test that hits -EBUSY stays fast. It is bounded the same way: after
 * LAST_SCAN rescans a folio still referenced makes the seal fail.
 */
static int memfd_wait_for_pins(struct address_space *mapping)
{
	struct folio **batch;
	size_t n, busy = 0;
	int error = 0;

	n = filemap_get_folios(mapping, 0, ~0UL, 0, &batch);
	for (size_t i = 0; i < n; i++) {
		if (memfd_folio_has_extra_refs(batch[i])) {
			struct folio *tmp = batch[busy];

			batch[busy++] = batch[i];
			batch[i] = tmp;
		}
	}
	for (int scan = 0; scan <= LAST_SCAN && busy; scan++) {
		size_t still = 0;

		if (scan) {
			struct timespec ts = { 0, (long)((1000000000L << scan) / 200 / 20) };

			nanosleep(&ts, NULL);
		}
		for (size_t i = 0; i < busy; i++) {
			struct folio *folio = batch[i];

			/* Truncated meanwhile: no longer the file's. */
			if (READ_ONCE(folio->mapping) != mapping || !memfd_folio_has_extra_refs(folio))
				continue;
			if (scan == LAST_SCAN) {
				mm_trace("memfd", "seal write: pfn=%#lx index=%lu refs=%d mapcount=%d: EBUSY",
					 folio_pfn(folio), folio->index, folio_ref_count(folio),
					 folio_mapcount(folio));
				error = -EBUSY;
				continue;
			}
			batch[i] = batch[still];
			batch[still++] = folio;
		}
		if (scan < LAST_SCAN)
			busy = still;
	}
	folio_batch_release(batch, n);
	return error;
}

int memfd_add_seals(struct file *file, unsigned int seals)
{
	struct inode *inode;
	unsigned int *file_seals;
	int error;

	if (!file || !file_inode(file))
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EPERM;
	/* Model: F_SEAL_EXEC is not modelled (pinmm's inodes have no mode bits). */
	if (seals & ~(unsigned int)F_ALL_SEALS)
		return -EINVAL;
	inode = file_inode(file);
	pthread_mutex_lock(&inode->i_rwsem);
	file_seals = memfd_file_seals_ptr(file);
	if (!file_seals) {
		error = -EINVAL;
		goto unlock;
	}
	if (*file_seals & F_SEAL_SEAL) {
		error = -EPERM;
		goto unlock;
	}
	if ((seals & F_SEAL_WRITE) && !(*file_seals & F_SEAL_WRITE)) {
		/* No new writable shared mapping from here on; none may exist now. */
		error = mapping_deny_writable(file->f_mapping);
		if (error)
			goto unlock;
		error = memfd_wait_for_pins(file->f_mapping);
		if (error) {
			mapping_allow_writable(file->f_mapping);
			goto unlock;
		}
	}
	WRITE_ONCE(*file_seals, *file_seals | seals);
	error = 0;
unlock:
	pthread_mutex_unlock(&inode->i_rwsem);
	mm_trace("memfd", "add_seals ino=%lu seals=%#x -> %d", inode->i_ino, seals, error);
	return error;
}

int memfd_get_seals(struct file *file)
{
	unsigned int *seals = memfd_file_seals_ptr(file);

	return seals ? (int)READ_ONCE(*seals) : -EINVAL;
}

int memfd_check_seals_mmap(struct file *file, unsigned long *vm_flags)
{
	if (!(file_seals(file) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return 0;
	/* A private mapping's writes are COWed away from the file. */
	if (!(*vm_flags & VM_SHARED))
		return 0;
	if (*vm_flags & VM_WRITE)
		return -EPERM;
	/* Read-only now, and mprotect() may never make it writable. */
	*vm_flags &= ~VM_MAYWRITE;
	return 0;
}

/*
 * shmem_write_begin()'s checks, made for the whole write up front (i_rwsem
 * held): -EPERM under a write seal; under F_SEAL_GROW the write stops before
 * the first chunk that would end past i_size (-EPERM if that is the first).
 * Model: the chunks are pages; the kernel's are mapping_max_folio_size().
 */
int memfd_write_check(struct file *file, loff_t pos, size_t *len)
{
	unsigned int seals = file_seals(file);
	loff_t isize, end = pos;

	if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if (!(seals & F_SEAL_GROW))
		return 0;
	isize = i_size_read(file_inode(file));
	while (end < pos + (loff_t)*len) {
		loff_t n = min_t(loff_t, PAGE_SIZE - (end & (loff_t)~PAGE_MASK), pos + (loff_t)*len - end);

		if (end + n > isize)
			break;
		end += n;
	}
	if (end == pos)
		return -EPERM;
	*len = (size_t)(end - pos);
	return 0;
}

/* shmem_setattr(): ftruncate() against F_SEAL_SHRINK / F_SEAL_GROW (i_rwsem held). */
int memfd_truncate_check(struct file *file, loff_t newsize)
{
	unsigned int seals = file_seals(file);
	loff_t oldsize = i_size_read(file_inode(file));

	if ((newsize < oldsize && (seals & F_SEAL_SHRINK)) ||
	    (newsize > oldsize && (seals & F_SEAL_GROW)))
		return -EPERM;
	return 0;
}

/* shmem_fallocate(FALLOC_FL_PUNCH_HOLE) under a write seal (i_rwsem held). */
int memfd_punch_check(struct file *file)
{
	return file_seals(file) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) ? -EPERM : 0;
}
