/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hugetlb mappings and hugetlbfs: pool folios mapped by one leaf entry each
 * (a PMD for 2 MiB, a PUD for 1 GiB), never split, never on the LRU. MAP_HUGETLB and memfd_create(MFD_HUGETLB)
 * get an unlinked hugetlbfs file, as hugetlb_file_setup() gives them.
 *
 * Private mappings fault in anonymous folios (PageAnonExclusive on the head),
 * or map the file's page read-only until a write copies it; shared mappings
 * map the file's page. COW (hugetlb_wp) reuses a folio by its mapcount, not
 * its refcount, which is why a FOLL_GET reference (vmsplice) still sees a
 * parent's later writes: cow.c expects those four tests to fail on hugetlb.
 *
 * Model: hugetlbfs lives in vm/, beside hugetlb, as shmem_anon does for
 * MAP_SHARED|MAP_ANONYMOUS: its "page cache" is an array indexed by huge page
 * (the kernel's hugetlbfs indexes its cache in huge pages too). There is no
 * PMD sharing, no reservation map (see mem/hugetlb.h), no truncate or hole
 * punch, no userfaultfd, no mm->hugetlb_usage counter.
 */
#ifndef PINMM_VM_HUGETLB_H
#define PINMM_VM_HUGETLB_H

#include <pinmm/mem/hugetlb.h>
#include <pinmm/vm/mm_types.h>

static inline bool is_vm_hugetlb_page(const struct vm_area_struct *vma)
{
	return READ_ONCE(vma->vm_flags) & VM_HUGETLB;
}

/*
 * A new unlinked hugetlbfs file of @size bytes (rounded up to the huge page
 * size of @h; NULL: the default hstate), one reference (fput() drops it):
 * memfd_create(MFD_HUGETLB [| MFD_HUGE_1GB]) + ftruncate, and what
 * MAP_HUGETLB [| MAP_HUGE_1GB] maps. NULL when out of memory.
 */
struct file *hugetlb_file_setup(unsigned long size, struct hstate *h);
bool is_file_hugepages(const struct file *file);
/* The hstate of a hugetlbfs file, of a VM_HUGETLB VMA. */
struct hstate *hstate_file(struct file *file);
struct hstate *hstate_vma(struct vm_area_struct *vma);
/* copy_user_large_folio(): the contents and uptodate flag of @src into @dst. */
void copy_hugetlb_folio(struct folio *dst, struct folio *src);
/*
 * fallocate(@file, 0, @offset, @len): every huge page of the range in the
 * page cache, zeroed. -ENOSPC when the pool runs dry (the pages placed so far
 * stay), -EINVAL beyond the file's size.
 */
int hugetlbfs_fallocate(struct file *file, unsigned long offset, unsigned long len);
/*
 * A hugetlb memfd's seals (F_SEAL_*, born F_SEAL_SEAL) and mode (born 0777),
 * which fs/memfd.c reads and sets; NULL for a file that is not hugetlbfs'.
 */
struct hugetlbfs_memfd {
	unsigned int seals;
	unsigned int mode;
};
struct hugetlbfs_memfd *hugetlbfs_file_memfd(struct file *file);
/* The file's folios, each with a reference, into a new array *@out (free() it): how many. */
size_t hugetlbfs_get_folios(struct file *file, struct folio ***out);

/* handle_mm_fault() for a VM_HUGETLB VMA (hugetlb_fault()). */
vm_fault_t hugetlb_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags);
/* fork: the child's page table for a private hugetlb VMA (copy_hugetlb_page_range()). */
int copy_hugetlb_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);
/* mprotect() of [start, end) of a hugetlb VMA (hugetlb_change_protection()). */
void hugetlb_change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end,
			       pgprot_t newprot);
/* Zap the huge pages wholly inside [start, end) (__unmap_hugepage_range()). */
void unmap_hugepage_range(struct vm_area_struct *vma, unsigned long start, unsigned long end);
/*
 * Migrate a hugetlb folio (the caller holds a reference) to a folio allocated
 * with @gfp: from the pool, else a temporary one (alloc_hugetlb_folio_nodemask).
 * 0, -ENOMEM (no target), -EAGAIN (a reference the migration cannot account
 * for: a pin, a GUP reference).
 */
int migrate_hugetlb_folio(struct folio *src, gfp_t gfp, struct folio **dstp);

#endif
