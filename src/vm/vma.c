/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMA set of an mm: lookup, insertion, removal, split and merge. Changes
 * to a VMA's range happen under mmap_lock for writing and under the rmap lock
 * (i_mmap_rwsem, anon_vma rwsem), so rmap walkers see consistent ranges.
 */
#include <stdlib.h>
#include "internal.h"

struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;

	cds_list_for_each_entry(vma, &mm->mmap, vm_list)
		if (vma->vm_end > addr)
			return vma;
	return NULL;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, unsigned long start,
					     unsigned long end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	return vma && vma->vm_start < end ? vma : NULL;
}

struct vm_area_struct *vma_prev(struct vm_area_struct *vma)
{
	if (vma->vm_list.prev == &vma->vm_mm->mmap)
		return NULL;
	return cds_list_entry(vma->vm_list.prev, struct vm_area_struct, vm_list);
}

struct vm_area_struct *vma_next(struct vm_area_struct *vma)
{
	if (vma->vm_list.next == &vma->vm_mm->mmap)
		return NULL;
	return cds_list_entry(vma->vm_list.next, struct vm_area_struct, vm_list);
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = calloc(1, sizeof(*vma));

	if (!vma)
		return NULL;
	vma->vm_mm = mm;
	CDS_INIT_LIST_HEAD(&vma->vm_list);
	CDS_INIT_LIST_HEAD(&vma->shared);
	CDS_INIT_LIST_HEAD(&vma->anon_vma_node);
	return vma;
}

struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *vma = vm_area_alloc(orig->vm_mm);

	if (!vma)
		return NULL;
	vma->vm_start = orig->vm_start;
	vma->vm_end = orig->vm_end;
	vma->vm_flags = orig->vm_flags;
	vma->vm_page_prot = orig->vm_page_prot;
	vma->vm_ops = orig->vm_ops;
	vma->vm_pgoff = orig->vm_pgoff;
	vma->vm_file = orig->vm_file ? get_file(orig->vm_file) : NULL;
	vma->vm_private_data = orig->vm_private_data;
	return vma;
}

/* A driver's file (remap_pfn_range) may have no address_space: no rmap then. */
static struct address_space *vma_mapping(struct vm_area_struct *vma)
{
	return vma->vm_file ? vma->vm_file->f_mapping : NULL;
}

static void i_mmap_lock(struct vm_area_struct *vma)
{
	if (vma_mapping(vma))
		pthread_rwlock_wrlock(&vma_mapping(vma)->i_mmap_rwsem);
}

static void i_mmap_unlock(struct vm_area_struct *vma)
{
	if (vma_mapping(vma))
		pthread_rwlock_unlock(&vma_mapping(vma)->i_mmap_rwsem);
}

static void anon_lock(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		pthread_rwlock_wrlock(&vma->anon_vma->root->rwsem);
}

static void anon_unlock(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		pthread_rwlock_unlock(&vma->anon_vma->root->rwsem);
}

void vma_rmap_lock(struct vm_area_struct *vma)
{
	i_mmap_lock(vma);
	anon_lock(vma);
}

void vma_rmap_unlock(struct vm_area_struct *vma)
{
	anon_unlock(vma);
	i_mmap_unlock(vma);
}

static void vma_link_mm(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *pos;
	struct cds_list_head *before = &mm->mmap;

	cds_list_for_each_entry(pos, &mm->mmap, vm_list) {
		if (pos->vm_start >= vma->vm_end) {
			before = &pos->vm_list;
			break;
		}
	}
	cds_list_add_tail(&vma->vm_list, before);
	mm->map_count++;
}

/* Insert @vma into the mm's address-ordered list and into the rmap. */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma_link_mm(mm, vma);
	if (vma_mapping(vma)) {
		i_mmap_lock(vma);
		/* __vma_link_file(): the VMA's share of i_mmap_writable comes with it. */
		if (is_shared_maywrite(vma->vm_flags))
			mapping_allow_writable(vma_mapping(vma));
		cds_list_add_tail(&vma->shared, &vma_mapping(vma)->i_mmap);
		i_mmap_unlock(vma);
	}
	if (vma->anon_vma)
		anon_vma_attach(vma, vma->anon_vma);
}

/* Take @vma out of the mm and the rmap; its pages must already be zapped. */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	cds_list_del_init(&vma->vm_list);
	mm->map_count--;
	if (vma_mapping(vma)) {
		i_mmap_lock(vma);
		if (is_shared_maywrite(vma->vm_flags))
			mapping_unmap_writable(vma_mapping(vma));
		cds_list_del_init(&vma->shared);
		i_mmap_unlock(vma);
	}
	if (vma->anon_vma)
		anon_vma_detach(vma);
}

void vm_area_free_raw(struct vm_area_struct *vma)
{
	free(vma);
}

void remove_vma(struct vm_area_struct *vma)
{
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	if (vma->vm_file)
		fput(vma->vm_file);
	free(vma);
}

/*
 * Split @vma at @addr; the new VMA takes the lower part if @new_below. A PMD
 * mapping straddling @addr is split first (vma_adjust_trans_huge).
 */
int split_vma(struct vm_area_struct *vma, unsigned long addr, int new_below)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_area_struct *new;

	if (addr <= vma->vm_start || addr >= vma->vm_end || !IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	/* hugetlb_vm_op_split(): a huge page is never cut in two. */
	if (is_vm_hugetlb_page(vma) && !IS_ALIGNED(addr, huge_page_size(hstate_vma(vma))))
		return -EINVAL;
	split_huge_pmd_address(vma, addr);
	new = vm_area_dup(vma);
	if (!new)
		return -ENOMEM;
	new->anon_vma = vma->anon_vma;
	if (new_below) {
		new->vm_end = addr;
	} else {
		new->vm_start = addr;
		new->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	}
	/*
	 * The new VMA joins the rmap in the same critical section that shrinks
	 * the old one: an rmap walk (restoring migration entries, say) must never
	 * find the moved range in neither.
	 */
	if (new->anon_vma)
		atomic_fetch_add(&new->anon_vma->refcount, 1);
	i_mmap_lock(vma);
	anon_lock(vma);
	if (vma_mapping(vma)) {
		if (is_shared_maywrite(new->vm_flags))
			mapping_allow_writable(vma_mapping(vma));
		cds_list_add_tail(&new->shared, &vma_mapping(vma)->i_mmap);
	}
	if (new->anon_vma)
		cds_list_add_tail(&new->anon_vma_node, &new->anon_vma->vmas);
	if (new_below) {
		WRITE_ONCE(vma->vm_pgoff, vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT));
		WRITE_ONCE(vma->vm_start, addr);
	} else {
		WRITE_ONCE(vma->vm_end, addr);
	}
	anon_unlock(vma);
	i_mmap_unlock(vma);
	vma_link_mm(mm, new);
	if (new->vm_ops && new->vm_ops->open)
		new->vm_ops->open(new);
	return 0;
}

static bool vma_can_merge(struct vm_area_struct *a, struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->vm_flags == b->vm_flags &&
	       a->vm_file == b->vm_file && a->vm_ops == b->vm_ops &&
	       a->anon_vma == b->anon_vma && a->vm_private_data == b->vm_private_data &&
	       !(a->vm_flags & (VM_PFNMAP | VM_IO)) &&
	       !(a->vm_ops && a->vm_ops->close) &&
	       a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
}

/* Merge @b into @a (a directly below b); frees @b. */
static void vma_merge_pair(struct vm_area_struct *a, struct vm_area_struct *b)
{
	struct mm_struct *mm = a->vm_mm;

	i_mmap_lock(a);
	anon_lock(a);
	WRITE_ONCE(a->vm_end, b->vm_end);
	anon_unlock(a);
	i_mmap_unlock(a);
	vma_unlink(mm, b);
	remove_vma(b);
}

/* Merge @vma with compatible neighbours; returns the surviving VMA. */
struct vm_area_struct *vma_merge_neighbours(struct vm_area_struct *vma)
{
	struct vm_area_struct *prev = vma_prev(vma), *next = vma_next(vma);

	if (next && vma_can_merge(vma, next))
		vma_merge_pair(vma, next);
	if (prev && vma_can_merge(prev, vma)) {
		vma_merge_pair(prev, vma);
		vma = prev;
	}
	return vma;
}
