/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fsdax: a filesystem on persistent memory with no page cache for file data.
 * read/write copy straight to and from the device's memory, a fault maps the
 * block's own pfn, and the "pages" a process maps, and GUP pins, are the
 * file's blocks. So before truncate or hole punch may give a block back to
 * the allocator, every user of its page must be gone: dax_layout_busy_page()
 * finds one that is still referenced, and what happens then is the longterm
 * policy's call (dax_break_layout()).
 *
 * fs/ comes before devmap/ in the layer order; the device side (which pfn a
 * block is, whether its page is idle, waiting for it) reaches fs/ through the
 * dax_operations a pmem driver fills (devmap/pmem.h).
 */
#ifndef PINMM_FS_DAX_H
#define PINMM_FS_DAX_H

#include <pinmm/fs/fs.h>
#include <pinmm/fs/blockdev.h>

struct vm_area_struct;
struct dax_device;

struct dax_operations {
	/*
	 * Kernel address and pfn of device page @pgoff (a block of the pmem
	 * disk). Returns how many pages from there are contiguous (at most
	 * @nr_pages), or -ERANGE past the end of the device.
	 */
	long (*direct_access)(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
			      void **kaddr, unsigned long *pfn);
	/* Is nobody but the filesystem using this page (no mapping, GUP, pin)? */
	bool (*page_idle)(struct dax_device *dax_dev, struct page *page);
	/* Sleep until page_idle() or @timeout_ms: 0 or -ETIMEDOUT. */
	int (*wait_page_idle)(struct dax_device *dax_dev, struct page *page,
			      unsigned int timeout_ms);
	/* A reference on the page, the first one if it is idle: 0 or -errno. */
	int (*page_get)(struct dax_device *dax_dev, struct page *page);
	/*
	 * Model: the kernel's pmem driver tears down through devm actions; here
	 * bdev_destroy() of a DAX-capable disk calls this, which unmaps the
	 * pages (waiting for their users) and frees the driver's state.
	 */
	void (*release)(struct dax_device *dax_dev);
};

struct dax_device {
	const struct dax_operations *ops;
	void *private;			/* the driver's */
	/*
	 * Page tables hold a page reference (the IDLE_ZERO ZONE_DEVICE
	 * convention, mainline since 6.15): a fault maps the page like any
	 * other, with rmap. Otherwise (IDLE_ONE, the 2018 kernels) a DAX PTE
	 * is pte_devmap and special, with no reference and no rmap.
	 */
	bool refcounted_mappings;
	/*
	 * The dax-ref-at-insert what-if (Dan Williams' answer to seed 003's
	 * RFC): pages idle at 0, fs/dax holds one reference for as long as the
	 * block is associated with the file, and "idle" means 1.
	 */
	bool ref_at_insert;
};

static inline struct dax_device *fs_dax_get_by_bdev(struct block_device *bdev)
{
	return bdev ? bdev->bd_dax_dev : NULL;
}
/* ->direct_access(), checked: -EINVAL without a device. */
long dax_direct_access(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
		       void **kaddr, unsigned long *pfn);

static inline bool IS_DAX(const struct inode *inode)
{
	return dax_mapping(inode->i_mapping);
}

/*
 * How long dax_break_layout() waits for one busy page under the mainline and
 * lease policies before it gives up with a WARN and -EBUSY (the kernel waits
 * for ever; a broken test should not hang CI). Default 10 s.
 */
extern unsigned int dax_layout_timeout_ms;

/*
 * Unmap [@start, @end] (bytes, @end inclusive; -1 for the end of the file)
 * from every mm, then return a page of that range whose block is still in use
 * (GUP reference or pin), or NULL. Called with the inode's invalidate lock
 * held for writing (so no fault maps the range again).
 */
struct page *dax_layout_busy_page_range(struct address_space *mapping, loff_t start,
					loff_t end);
struct page *dax_layout_busy_page(struct address_space *mapping);

/*
 * Make [@start, @end] safe to give back to the block allocator: take the
 * inode's invalidate lock for writing, unmap, and deal with busy pages by
 * the longterm policy: LONGTERM_ALLOW proceeds anyway (the kernels before
 * 4.18: the bug), LONGTERM_MAINLINE and LONGTERM_LEASE sleep until each page
 * is idle (woken when its last reference goes). Returns 0 with the lock held
 * (drop it with dax_break_layout_done() once the blocks are freed), or
 * -EBUSY after a timeout (WARN recorded, lock not held).
 */
int dax_break_layout(struct inode *inode, loff_t start, loff_t end);
void dax_break_layout_done(struct inode *inode);
/* The inode is going: its blocks leave the file (and drop fs/dax's references). */
void dax_inode_evict(struct inode *inode);

/* dax_iomap_rw(): copy to/from the blocks; the write allocates (inode locked). */
ssize_t dax_file_read(struct file *file, loff_t pos, void *buf, size_t len);
/* @buf NULL writes zeroes. */
ssize_t dax_file_write(struct file *file, loff_t pos, const void *buf, size_t len);
/* ->mmap of a DAX file. */
int dax_file_mmap(struct file *file, struct vm_area_struct *vma);

extern const struct address_space_operations blkfs_dax_aops;

#endif
