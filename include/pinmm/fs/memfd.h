/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memfd seals (mm/memfd.c): memfd_create(MFD_ALLOW_SEALING), F_ADD_SEALS and
 * F_GET_SEALS on a shmem file. What matters for pinning is F_SEAL_WRITE: it
 * is refused with -EBUSY while a shared writable mapping exists
 * (i_mmap_writable) or while a folio of the file holds references beyond its
 * cache and mappings (a pin, an O_DIRECT in flight) after a bounded wait.
 */
#ifndef PINMM_FS_MEMFD_H
#define PINMM_FS_MEMFD_H

#include <fcntl.h>
#include <sys/mman.h>
#include <pinmm/fs/shmem.h>

/*
 * The uapi values (include/uapi/linux/fcntl.h, memfd.h), from the C library's
 * headers where it has them, so host code can include both.
 */
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL		0x0001
#define F_SEAL_SHRINK		0x0002
#define F_SEAL_GROW		0x0004
#define F_SEAL_WRITE		0x0008
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC		0x0020
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#define MFD_ALLOW_SEALING	0x0002U
#endif

/*
 * memfd_create(2) on @fs: without MFD_ALLOW_SEALING the file is born with
 * F_SEAL_SEAL, as every shmem file is. -EINVAL for other flags.
 */
struct file *memfd_create_file(struct shmem_sb *fs, const char *name, unsigned int flags, int *err);
/*
 * fcntl(F_ADD_SEALS): 0, -EPERM (file not writable, or F_SEAL_SEAL set),
 * -EINVAL (not a shmem file, unknown seal), -EBUSY (F_SEAL_WRITE with a
 * writable shared mapping, or with folios that stay referenced).
 */
int memfd_add_seals(struct file *file, unsigned int seals);
/* fcntl(F_GET_SEALS): the seals, or -EINVAL for a file that has none. */
int memfd_get_seals(struct file *file);

#endif
