/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File mappings: ->mmap, the fault handler that maps page-cache folios
 * (filemap_fault, shmem_fault) and page_mkwrite, the filesystem's chance to
 * allocate blocks and attach buffers before a shared PTE becomes writable.
 */
#include <pinmm/vm/mm.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/dax.h>
#include "internal.h"

static bool fault_beyond_eof(struct inode *inode, pgoff_t index)
{
	loff_t size = i_size_read(inode);

	return index >= (pgoff_t)((size + (loff_t)PAGE_SIZE - 1) >> PAGE_SHIFT);
}

/* Shared by blkfs (filemap_fault) and tmpfs (shmem_fault): ->read_folio differs. */
static vm_fault_t filemap_fault(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct inode *inode = file_inode(file);
	struct folio *folio;
	vm_fault_t ret = VM_FAULT_LOCKED;
	bool cached;
	int err = 0;

	if (fault_beyond_eof(inode, vmf->pgoff))
		return VM_FAULT_SIGBUS;
	folio = filemap_get_folio(file->f_mapping, vmf->pgoff);
	cached = folio && folio_test_uptodate(folio);
	if (folio)
		folio_put(folio);
	/* Reading a block in must not race truncate freeing it. */
	filemap_invalidate_lock_shared(file->f_mapping);
	folio = fs_read_get_folio(file, vmf->pgoff, &err);
	filemap_invalidate_unlock_shared(file->f_mapping);
	if (!folio)
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	if (!cached) {
		count_vm_event(PGMAJFAULT);
		ret |= VM_FAULT_MAJOR;
	}
	folio_lock(folio);
	/* Truncated meanwhile: let the CPU retry and find it gone. */
	if (folio_mapping(folio) != file->f_mapping) {
		folio_unlock(folio);
		folio_put(folio);
		return VM_FAULT_NOPAGE;
	}
	if (fault_beyond_eof(inode, vmf->pgoff)) {
		folio_unlock(folio);
		folio_put(folio);
		return VM_FAULT_SIGBUS;
	}
	vmf->page = folio_page(folio, vmf->pgoff - folio->index);
	mm_trace("filemap_fault", "ino=%lu index=%lu pfn=%#lx%s", inode->i_ino, vmf->pgoff,
		 page_to_pfn(vmf->page), cached ? "" : " major");
	return ret;
}

/* ext4_page_mkwrite(): allocate the blocks, attach buffers, dirty the folio. */
static vm_fault_t blkfs_vm_page_mkwrite(struct vm_fault *vmf)
{
	struct file *file = vmf->vma->vm_file;
	struct inode *inode = file_inode(file);
	struct folio *folio = page_folio(vmf->page);
	int err;

	/* ext4_page_mkwrite(): blocks are allocated under the invalidate lock. */
	filemap_invalidate_lock_shared(file->f_mapping);
	folio_lock(folio);
	if (folio_mapping(folio) != file->f_mapping) {
		folio_unlock(folio);
		filemap_invalidate_unlock_shared(file->f_mapping);
		return VM_FAULT_NOPAGE;
	}
	err = inode->i_sb->s_op->page_mkwrite(inode, folio);
	filemap_invalidate_unlock_shared(file->f_mapping);
	if (err) {
		folio_unlock(folio);
		if (err == -EFAULT)
			return VM_FAULT_NOPAGE;
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
	folio_mark_dirty(folio);
	mm_trace("page_mkwrite", "ino=%lu index=%lu pfn=%#lx", inode->i_ino, folio->index,
		 folio_pfn(folio));
	return VM_FAULT_LOCKED;
}

static const char *fs_vma_name(struct vm_area_struct *vma)
{
	return file_inode(vma->vm_file)->i_name;
}

static const struct vm_operations_struct blkfs_file_vm_ops = {
	.fault = filemap_fault,
	.page_mkwrite = blkfs_vm_page_mkwrite,
	.name = fs_vma_name,
};

/* tmpfs has no blocks to allocate: a write fault just dirties the folio. */
static const struct vm_operations_struct shmem_vm_ops = {
	.fault = filemap_fault,
	.name = fs_vma_name,
};

static int blkfs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (IS_DAX(file_inode(file)))
		return dax_file_mmap(file, vma);
	vma->vm_ops = &blkfs_file_vm_ops;
	return 0;
}

static int shmem_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	(void)file;
	vma->vm_ops = &shmem_vm_ops;
	return 0;
}

const struct file_operations blkfs_file_operations = {
	.mmap = blkfs_file_mmap,
};

const struct file_operations shmem_file_operations = {
	.mmap = shmem_file_mmap,
	.check_mmap_flags = memfd_check_seals_mmap,
};

int fs_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!file || !vma || !file->f_op || !file->f_op->mmap)
		return -ENODEV;
	return file->f_op->mmap(file, vma);
}
