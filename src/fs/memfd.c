/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memfd seals, as mm/memfd.c and the seal checks of mm/shmem.c keep them.
 * F_SEAL_WRITE is where sealing meets pinning: the seal is a promise to
 * another party that the contents no longer change, so it must not be given
 * while anything can still write the pages - a shared writable mapping
 * (refused at once through i_mmap_writable) or a device or in-flight
 * O_DIRECT holding a folio reference (waited for, then refused).
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/vm/mm.h>
#include <pinmm/vm/hugetlb.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/fs/filemap.h>
#include "internal.h"

#define F_ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | \
		     F_SEAL_FUTURE_WRITE)
/* memfd_wait_for_pins(): rescans after the first look. */
#define LAST_SCAN 4

int memfd_noexec_scope = MEMFD_NOEXEC_SCOPE_EXEC;

/* F_SEAL_EXEC came in 6.3: before, it is an unknown seal. */
static unsigned int all_seals(void)
{
	return F_ALL_SEALS | (kernel_has(KSW_MEMFD_NOEXEC) ? F_SEAL_EXEC : 0);
}

unsigned int *memfd_file_seals_ptr(struct file *file)
{
	struct hugetlbfs_memfd *hm = hugetlbfs_file_memfd(file);
	struct inode *inode;

	/* HUGETLBFS_I()->seals: 4.16 (before, hugetlbfs files had none). */
	if (hm)
		return kernel_has(KSW_HUGETLB_MEMFD_SEALS) ? &hm->seals : NULL;
	inode = file ? file_inode(file) : NULL;
	if (!inode || !(inode->i_sb->s_flags & SB_SHMEM))
		return NULL;
	return &SHMEM_I(inode)->seals;
}

/* The inode's mode: hugetlbfs keeps a memfd's in vm/. */
static unsigned int *memfd_mode_ptr(struct file *file)
{
	struct hugetlbfs_memfd *hm = hugetlbfs_file_memfd(file);

	return hm ? &hm->mode : &file_inode(file)->i_mode;
}

/*
 * inode_lock() for F_ADD_SEALS. Model: pinmm's hugetlbfs files have no
 * struct inode, so one lock serialises the sealing of all of them.
 */
static pthread_mutex_t hugetlb_seals_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t *memfd_lock_of(struct file *file)
{
	return is_file_hugepages(file) ? &hugetlb_seals_lock : &file_inode(file)->i_rwsem;
}

static unsigned int file_seals(struct file *file)
{
	unsigned int *p = memfd_file_seals_ptr(file);

	return p ? READ_ONCE(*p) : 0;
}

/*
 * memfd_create()'s flag checks, before any file exists: unknown flags (MFD_EXEC
 * and MFD_NOEXEC_SEAL are unknown before 6.3; MFD_ALLOW_SEALING with
 * MFD_HUGETLB before 4.16), both exec flags at once, then vm.memfd_noexec
 * (check_sysctl_memfd_noexec()), which picks the exec flag a caller left out
 * and, at 2, refuses anything but MFD_NOEXEC_SEAL with -EACCES.
 */
static int memfd_check_flags(unsigned int *flags)
{
	unsigned int known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB;

	/* memfd_create(): a hugetlb memfd may encode its page size in the flags. */
	if (*flags & MFD_HUGETLB)
		known |= MFD_HUGE_MASK << MFD_HUGE_SHIFT;

	if (kernel_has(KSW_MEMFD_NOEXEC))
		known |= MFD_EXEC | MFD_NOEXEC_SEAL;
	if (*flags & ~known)
		return -EINVAL;
	/* 4.14's memfd_create(): "Sealing not supported in hugetlbfs (MFD_HUGETLB)". */
	if ((*flags & MFD_HUGETLB) && (*flags & MFD_ALLOW_SEALING) &&
	    !kernel_has(KSW_HUGETLB_MEMFD_SEALS))
		return -EINVAL;
	if (!kernel_has(KSW_MEMFD_NOEXEC))
		return 0;
	if ((*flags & MFD_EXEC) && (*flags & MFD_NOEXEC_SEAL))
		return -EINVAL;
	if (!(*flags & (MFD_EXEC | MFD_NOEXEC_SEAL)))
		*flags |= READ_ONCE(memfd_noexec_scope) >= MEMFD_NOEXEC_SCOPE_NOEXEC_SEAL ?
			  MFD_NOEXEC_SEAL : MFD_EXEC;
	if (!(*flags & MFD_NOEXEC_SEAL) &&
	    READ_ONCE(memfd_noexec_scope) >= MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED)
		return -EACCES;
	return 0;
}

/* The seals and mode a new memfd gets from its flags. */
static void memfd_apply_flags(struct file *file, unsigned int flags)
{
	unsigned int *seals = memfd_file_seals_ptr(file);

	if (flags & MFD_NOEXEC_SEAL) {
		*memfd_mode_ptr(file) &= ~0111u;
		if (seals) {
			*seals &= ~(unsigned int)F_SEAL_SEAL;
			*seals |= F_SEAL_EXEC;
		}
	} else if ((flags & MFD_ALLOW_SEALING) && seals) {
		*seals &= ~(unsigned int)F_SEAL_SEAL;
	}
}

struct file *memfd_create_file(struct shmem_sb *fs, const char *name, unsigned int flags, int *err)
{
	struct file *file;
	int dummy;

	if (!err)
		err = &dummy;
	*err = memfd_check_flags(&flags);
	/* Model: a hugetlb memfd is memfd_create_hugetlb()'s, which takes its size. */
	if (!*err && (flags & MFD_HUGETLB))
		*err = -EINVAL;
	if (*err)
		return NULL;
	file = shmem_memfd_create(fs, name, err);
	if (file)
		memfd_apply_flags(file, flags);
	return file;
}

struct file *memfd_create_hugetlb(unsigned long size, unsigned int flags, int *err)
{
	struct hstate *h;
	struct file *file;
	unsigned int log;
	int dummy;

	if (!err)
		err = &dummy;
	flags |= MFD_HUGETLB;
	*err = memfd_check_flags(&flags);
	if (*err)
		return NULL;
	log = (flags >> MFD_HUGE_SHIFT) & MFD_HUGE_MASK;
	h = log ? size_to_hstate(1UL << log) : &default_hstate;
	if (!h) {
		*err = -ENODEV;
		return NULL;
	}
	file = hugetlb_file_setup(size, h);
	if (!file) {
		*err = -ENOMEM;
		return NULL;
	}
	memfd_apply_flags(file, flags);
	return file;
}

/*
 * The refcount of a cached shmem folio is its cache's folio_nr_pages(), one
 * per mapping, and the caller's one (our batch). More is a pin or a GUP
 * reference: something that may write the folio behind the seal's back.
 */
static bool memfd_folio_has_extra_refs(struct folio *folio)
{
	/*
	 * Model: pinmm's hugetlbfs cache holds one reference on a folio; the
	 * kernel's __filemap_add_folio() takes folio_nr_pages() for hugetlb too.
	 */
	long cache = folio_test_hugetlb(folio) ? 1 : folio_nr_pages(folio);

	return folio_ref_count(folio) - 1 - folio_mapcount(folio) != cache;
}

/*
 * Model: the kernel tags the busy folios in the xarray (MEMFD_TAG_PINNED) and
 * rescans the tagged ones, sleeping (HZ << scan) / 200 before each rescan,
 * about 150 ms in all. pinmm's page cache has no tags: the busy folios are
 * kept in a batch instead, and the waits are 1/20 of the kernel's (a few ms),
 * so a test that hits -EBUSY stays fast. It is bounded the same way: after
 * LAST_SCAN rescans a folio still referenced makes the seal fail.
 */
static int memfd_wait_for_pins(struct file *file)
{
	struct address_space *mapping = file->f_mapping;
	bool huge = is_file_hugepages(file);
	struct folio **batch;
	size_t n, busy = 0;
	int error = 0;

	n = huge ? hugetlbfs_get_folios(file, &batch) :
		   filemap_get_folios(mapping, 0, ~0UL, 0, &batch);
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
	if (huge) {
		for (size_t i = 0; i < n; i++)
			folio_put(batch[i]);
		free(batch);
	} else {
		folio_batch_release(batch, n);
	}
	return error;
}

int memfd_add_seals(struct file *file, unsigned int seals)
{
	pthread_mutex_t *lock;
	unsigned int *file_seals;
	int error;

	if (!file || !file_inode(file))
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EPERM;
	if (seals & ~all_seals())
		return -EINVAL;
	lock = memfd_lock_of(file);
	pthread_mutex_lock(lock);
	file_seals = memfd_file_seals_ptr(file);
	if (!file_seals) {
		error = -EINVAL;
		goto unlock;
	}
	if (*file_seals & F_SEAL_SEAL) {
		error = -EPERM;
		goto unlock;
	}
	/* W^X: sealing the exec bits of an executable memfd seals its contents too. */
	if ((seals & F_SEAL_EXEC) && (READ_ONCE(*memfd_mode_ptr(file)) & 0111))
		seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
	if ((seals & F_SEAL_WRITE) && !(*file_seals & F_SEAL_WRITE)) {
		/* No new writable shared mapping from here on; none may exist now. */
		error = mapping_deny_writable(file->f_mapping);
		if (error)
			goto unlock;
		error = memfd_wait_for_pins(file);
		if (error) {
			mapping_allow_writable(file->f_mapping);
			goto unlock;
		}
	}
	WRITE_ONCE(*file_seals, *file_seals | seals);
	error = 0;
unlock:
	pthread_mutex_unlock(lock);
	mm_trace("memfd", "add_seals seals=%#x -> %d", seals, error);
	return error;
}

/*
 * fchmod(): shmem_setattr() (and hugetlbfs_setattr()) refuse to change an exec
 * bit under F_SEAL_EXEC. It lives here because a hugetlb memfd's mode does.
 */
int fs_fchmod(struct file *file, unsigned int mode)
{
	pthread_mutex_t *lock;
	unsigned int *seals, *imode;
	int err = 0;

	if (!file || !file_inode(file))
		return -EINVAL;
	lock = memfd_lock_of(file);
	pthread_mutex_lock(lock);
	seals = memfd_file_seals_ptr(file);
	imode = memfd_mode_ptr(file);
	if (seals && (*seals & F_SEAL_EXEC) && ((*imode ^ mode) & 0111))
		err = -EPERM;
	else
		WRITE_ONCE(*imode, (*imode & S_IFMT) | (mode & 07777));
	pthread_mutex_unlock(lock);
	return err;
}

int memfd_fallocate_check(struct file *file, loff_t end)
{
	unsigned int *seals = memfd_file_seals_ptr(file);

	if (seals && (READ_ONCE(*seals) & F_SEAL_GROW) && end > i_size_read(file_inode(file)))
		return -EPERM;
	return 0;
}

int memfd_get_seals(struct file *file)
{
	unsigned int *seals = memfd_file_seals_ptr(file);

	return seals ? (int)READ_ONCE(*seals) : -EINVAL;
}

/* The rule is seal_check_mmap_flags() (vm/mm.h), hugetlbfs memfds' too. */
int memfd_check_seals_mmap(struct file *file, unsigned long *vm_flags)
{
	return seal_check_mmap_flags(file_seals(file), vm_flags);
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
