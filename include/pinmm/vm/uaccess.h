/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated CPU's loads and stores at user addresses, like copy_to_user()
 * and copy_from_user(): translated through the page tables (a lockless walk,
 * like a TLB fill), setting the accessed and dirty bits as the MMU does, and
 * faulting (mmap_lock for reading, handle_mm_fault) on a miss or a protection
 * fault. Page contents are touched with the atomic page-copy helpers because a
 * device may be writing the same memory.
 */
#ifndef PINMM_VM_UACCESS_H
#define PINMM_VM_UACCESS_H

#include <pinmm/vm/mm_types.h>

/*
 * 0 on success; -EFAULT where the process would get SIGSEGV/SIGBUS (nothing
 * mapped, a protection violation, a VM_PFNMAP/VM_IO range), -ENOMEM when a
 * fault ran out of memory. Bytes before the failing page have been accessed.
 */
int uaccess_write(struct mm_struct *mm, unsigned long addr, const void *src, size_t len);
int uaccess_read(struct mm_struct *mm, unsigned long addr, void *dst, size_t len);
int uaccess_memset(struct mm_struct *mm, unsigned long addr, int c, size_t len);

#endif
