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
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif
/* The hugetlb page size of a MFD_HUGETLB memfd, log2 in bits 26-31 (0: the default hstate). */
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT		26
#define MFD_HUGE_MASK		0x3fU
#endif
#ifndef MFD_HUGE_1GB
#define MFD_HUGE_2MB		(21U << MFD_HUGE_SHIFT)
#define MFD_HUGE_1GB		(30U << MFD_HUGE_SHIFT)
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL		0x0008U
#define MFD_EXEC		0x0010U
#endif

/* vm.memfd_noexec (6.3+): what memfd_create() does without MFD_EXEC or MFD_NOEXEC_SEAL. */
#define MEMFD_NOEXEC_SCOPE_EXEC			0	/* MFD_EXEC implied (the default) */
#define MEMFD_NOEXEC_SCOPE_NOEXEC_SEAL		1	/* MFD_NOEXEC_SEAL implied */
#define MEMFD_NOEXEC_SCOPE_NOEXEC_ENFORCED	2	/* and MFD_EXEC refused: -EACCES */
/* Model: one machine-wide value; the kernel's is per pid namespace. */
extern int memfd_noexec_scope;

/*
 * memfd_create(2) on @fs: without MFD_ALLOW_SEALING (or MFD_NOEXEC_SEAL) the
 * file is born with F_SEAL_SEAL, as every shmem file is. Mode 0777, or 0666
 * with F_SEAL_EXEC for MFD_NOEXEC_SEAL (6.3+). -EINVAL for unknown flags or
 * both exec flags, -EACCES for MFD_EXEC under vm.memfd_noexec = 2.
 */
struct file *memfd_create_file(struct shmem_sb *fs, const char *name, unsigned int flags, int *err);
/*
 * memfd_create(MFD_HUGETLB | @flags) and ftruncate(@size): a hugetlbfs file,
 * sealable (4.16+) with MFD_ALLOW_SEALING, otherwise as memfd_create_file().
 * MFD_HUGE_2MB/MFD_HUGE_1GB in @flags pick the hstate; a size there is no
 * hstate for is -ENODEV (hugetlb_file_setup()'s answer).
 */
struct file *memfd_create_hugetlb(unsigned long size, unsigned int flags, int *err);
/*
 * fcntl(F_ADD_SEALS): 0, -EPERM (file not writable, or F_SEAL_SEAL set),
 * -EINVAL (not a shmem or hugetlbfs file, unknown seal), -EBUSY (F_SEAL_WRITE
 * with a writable shared mapping, or with folios that stay referenced).
 * F_SEAL_EXEC (6.3+) on a memfd with an exec bit adds the write seals too.
 */
int memfd_add_seals(struct file *file, unsigned int seals);
/* fcntl(F_GET_SEALS): the seals, or -EINVAL for a file that has none. */
int memfd_get_seals(struct file *file);

#endif
