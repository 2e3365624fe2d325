/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fsdax for blkfs (fs/dax.c with ext4's DAX paths folded in): read and write
 * copy to the pmem blocks, faults map the block's pfn, and truncate / hole
 * punch break the layout before freeing blocks.
 *
 * Model: blocks are allocated one at a time as written (no extents, no
 * unwritten conversion: a new block is zeroed before it is mapped). There
 * are no PMD (2 MiB) DAX faults, no MAP_SYNC and no DAX writeback: a store
 * through a mapping is on the media when it retires, and nothing flushes CPU
 * caches. Like ext4, which checksums metadata only, a DAX mount keeps no
 * per-block data checksums (fsck skips them): data written by CPU stores
 * through mappings never passes through the filesystem.
 */
#include <pinmm/mem/kernel.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/pin/pin.h>
#include <pinmm/vm/mm.h>
#include <pinmm/vm/vmf_insert.h>
#include <pinmm/fs/dax.h>
#include "blkfs.h"

unsigned int dax_layout_timeout_ms = 10000;

long dax_direct_access(struct dax_device *dax_dev, pgoff_t pgoff, long nr_pages,
		       void **kaddr, unsigned long *pfn)
{
	if (!dax_dev || !dax_dev->ops || !dax_dev->ops->direct_access || nr_pages <= 0)
		return -EINVAL;
	return dax_dev->ops->direct_access(dax_dev, pgoff, nr_pages, kaddr, pfn);
}

static struct dax_device *inode_dax_dev(struct inode *inode)
{
	return fs_dax_get_by_bdev(BLKFS_SB(inode->i_sb)->bdev);
}

/* The ZONE_DEVICE page that is disk block @block. NULL past the device. */
static struct page *dax_block_page(struct dax_device *dax_dev, sector_t block)
{
	unsigned long pfn;
	void *kaddr;

	if (dax_direct_access(dax_dev, (pgoff_t)block, 1, &kaddr, &pfn) < 1 || !pfn_valid(pfn))
		return NULL;
	return pfn_to_page(pfn);
}

/*
 * Model: DAX pages carry no dirty state; nothing writes them back. vm/ calls
 * folio_mark_dirty() when it zaps or upgrades a refcounted DAX PTE.
 */
static bool dax_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	(void)mapping; (void)folio;
	return false;
}

const struct address_space_operations blkfs_dax_aops = {
	.dirty_folio = dax_dirty_folio,
};

/*
 * i_data_sem held: the block of file block @idx to write, allocated (and
 * zeroed on the media) if it is a hole or unwritten. 0 with *err: -ENOSPC
 * when the disk is full, -EOPNOTSUPP for a block another file shares
 * (blkfs_reflink(): no copy-on-write unsharing in the model).
 */
static sector_t dax_get_block(struct inode *inode, pgoff_t idx, bool *fresh, int *err)
{
	struct blkfs *fs = BLKFS_SB(inode->i_sb);
	struct blkfs_inode *bi = BLKFS_I(inode);
	uint32_t v = blkfs_map_get(bi, idx);
	struct page *page;
	sector_t b;

	*fresh = false;
	*err = -ENOSPC;
	if (v && !(v & BLKFS_UNWRITTEN)) {
		if (blkfs_block_owners(fs, v & BLKFS_BLK_MASK) > 1) {
			*err = -EOPNOTSUPP;
			return 0;
		}
		return v & BLKFS_BLK_MASK;
	}
	b = v ? (v & BLKFS_BLK_MASK) : __blkfs_alloc_block(fs, false);
	if (!b)
		return 0;
	page = dax_block_page(inode_dax_dev(inode), b);
	if (!page || blkfs_map_set(bi, idx, (uint32_t)b)) {
		if (!v)
			blkfs_free_block(fs, b);
		return 0;
	}
	/* A reused block still holds its last owner's bytes. */
	memzero_page(page, 0, PAGE_SIZE);
	*fresh = true;
	mm_trace("dax_alloc_block", "ino=%lu index=%lu block=%llu pfn=%#lx", inode->i_ino, idx,
		 (unsigned long long)b, page_to_pfn(page));
	return b;
}

ssize_t dax_file_read(struct file *file, loff_t pos, void *buf, size_t len)
{
	struct inode *inode = file_inode(file);
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct dax_device *dax_dev = inode_dax_dev(inode);
	loff_t isize = i_size_read(inode);
	size_t done = 0;

	if (pos >= isize)
		return 0;
	if ((loff_t)len > isize - pos)
		len = (size_t)(isize - pos);
	while (done < len) {
		loff_t p = pos + (loff_t)done;
		pgoff_t idx = (pgoff_t)(p >> PAGE_SHIFT);
		size_t off = (size_t)(p & (loff_t)~PAGE_MASK);
		size_t n = min_t(size_t, PAGE_SIZE - off, len - done);
		struct page *page = NULL;
		uint32_t v;

		pthread_mutex_lock(&bi->i_data_sem);
		v = blkfs_map_get(bi, idx);
		if (v && !(v & BLKFS_UNWRITTEN))
			page = dax_block_page(dax_dev, v & BLKFS_BLK_MASK);
		/* Copied under the map lock: truncate cannot free the block meanwhile. */
		if (page)
			memcpy_from_page((char *)buf + done, page, off, n);
		else
			memset((char *)buf + done, 0, n);
		pthread_mutex_unlock(&bi->i_data_sem);
		done += n;
	}
	mm_trace("dax_read", "ino=%lu pos=%lld bytes=%zu", inode->i_ino, (long long)pos, done);
	return (ssize_t)done;
}

ssize_t dax_file_write(struct file *file, loff_t pos, const void *buf, size_t len)
{
	struct inode *inode = file_inode(file);
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct dax_device *dax_dev = inode_dax_dev(inode);
	size_t done = 0;
	int err = 0;

	while (done < len) {
		loff_t p = pos + (loff_t)done;
		pgoff_t idx = (pgoff_t)(p >> PAGE_SHIFT);
		size_t off = (size_t)(p & (loff_t)~PAGE_MASK);
		size_t n = min_t(size_t, PAGE_SIZE - off, len - done);
		struct page *page = NULL;
		bool fresh;
		sector_t b;

		pthread_mutex_lock(&bi->i_data_sem);
		b = dax_get_block(inode, idx, &fresh, &err);
		if (b)
			page = dax_block_page(dax_dev, b);
		if (page) {
			if (buf)
				memcpy_to_page(page, off, (const char *)buf + done, n);
			else
				memzero_page(page, off, n);
		}
		pthread_mutex_unlock(&bi->i_data_sem);
		if (!page)
			break;
		mm_trace("dax_write", "ino=%lu index=%lu block=%llu pfn=%#lx off=%zu bytes=%zu",
			 inode->i_ino, idx, (unsigned long long)b, page_to_pfn(page), off, n);
		if (p + (loff_t)n > i_size_read(inode))
			i_size_write(inode, p + (loff_t)n);
		done += n;
	}
	return done ? (ssize_t)done : err;
}

/* ---- Faults ---- */

static bool dax_fault_beyond_eof(struct inode *inode, pgoff_t index)
{
	loff_t size = i_size_read(inode);

	return index >= (pgoff_t)((size + (loff_t)PAGE_SIZE - 1) >> PAGE_SHIFT);
}

/*
 * dax_associate_entry(): memory-failure and rmap find the file from the page.
 * Under the dax-ref-at-insert what-if the block's first association with the
 * file takes the page reference fs/dax then holds until the block leaves the
 * file (dax_disassociate_range(), dax_inode_evict()). -ENXIO if the pagemap
 * is going.
 */
static int dax_associate(struct dax_device *dax_dev, struct page *page,
			 struct address_space *mapping, pgoff_t index)
{
	if (READ_ONCE(page->mapping) != mapping) {
		if (dax_dev->ref_at_insert && !READ_ONCE(page->mapping) &&
		    dax_dev->ops->page_get(dax_dev, page))
			return -ENXIO;
		WRITE_ONCE(page->mapping, mapping);
	}
	WRITE_ONCE(page->index, index);	/* a racing GUP-fast may read it */
	return 0;
}

/*
 * Is GUP done with @page? Under dax-ref-at-insert the file's own reference
 * stays while the block is the file's: "get_user_pages() idle" is 1.
 */
static bool dax_page_gup_idle(struct dax_device *dax_dev, struct address_space *mapping,
			      struct page *page)
{
	if (dax_dev->ref_at_insert && READ_ONCE(page->mapping) == mapping)
		return page_ref_count(page) == 1;
	return dax_dev->ops->page_idle(dax_dev, page);
}

/*
 * Wait for dax_page_gup_idle(). Model: under dax-ref-at-insert nothing wakes
 * a sleeper when the count comes back to 1 (the pagemap wakes at its idle
 * value, 0), so this one polls every millisecond.
 */
static int dax_wait_gup_idle(struct dax_device *dax_dev, struct address_space *mapping,
			     struct page *page, unsigned int timeout_ms)
{
	if (!dax_dev->ref_at_insert || READ_ONCE(page->mapping) != mapping)
		return dax_dev->ops->wait_page_idle(dax_dev, page, timeout_ms);
	for (unsigned int waited = 0; !dax_page_gup_idle(dax_dev, mapping, page); waited++) {
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

/* The block leaves the file: forget the file, and drop fs/dax's reference. */
static void dax_disassociate(struct dax_device *dax_dev, struct page *page)
{
	WRITE_ONCE(page->mapping, NULL);
	if (dax_dev->ref_at_insert)
		put_page(page);
}

/*
 * A private write fault: hand the block (or the zero page of a hole) to the
 * generic COW path, referenced and locked, as filemap_fault would.
 */
static vm_fault_t dax_cow_source(struct vm_fault *vmf, struct dax_device *dax_dev,
				 struct page *page)
{
	if (!page) {
		page = ZERO_PAGE(vmf->address);
		folio_get(page_folio(page));
	} else if (dax_dev->ops->page_get(dax_dev, page)) {
		return VM_FAULT_SIGBUS;
	}
	folio_lock(page_folio(page));
	vmf->page = page;
	return VM_FAULT_LOCKED;
}

/* dax_iomap_pte_fault(): ->fault, ->page_mkwrite and ->pfn_mkwrite. */
static vm_fault_t dax_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct inode *inode = file_inode(vma->vm_file);
	struct address_space *mapping = inode->i_mapping;
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct dax_device *dax_dev = inode_dax_dev(inode);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	bool cow = write && !(READ_ONCE(vma->vm_flags) & VM_SHARED);
	struct page *page = NULL;
	vm_fault_t ret;
	const char *what;
	bool fresh = false;
	sector_t b = 0;

	filemap_invalidate_lock_shared(inode->i_mapping);
	if (dax_fault_beyond_eof(inode, vmf->pgoff)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	pthread_mutex_lock(&bi->i_data_sem);
	if (write && !cow) {
		int err;

		b = dax_get_block(inode, vmf->pgoff, &fresh, &err);
	} else {
		uint32_t v = blkfs_map_get(bi, vmf->pgoff);

		if (v && !(v & BLKFS_UNWRITTEN))
			b = v & BLKFS_BLK_MASK;
	}
	if (b)
		page = dax_block_page(dax_dev, b);
	if (cow) {
		ret = dax_cow_source(vmf, dax_dev, page);
		what = "cow source";
	} else if (!page && write) {
		ret = VM_FAULT_SIGBUS;		/* ENOSPC, or a shared block */
		what = "no block to write";
	} else if (!page) {
		/* dax_load_hole(): a read of a hole maps the zero page, read-only. */
		ret = vmf_insert_mixed(vma, vmf->address, page_to_pfn(ZERO_PAGE(vmf->address)), false);
		what = "hole";
	} else if (dax_dev->refcounted_mappings) {
		/* The temporary reference makes an idle page busy before rmap's. */
		if (dax_dev->ops->page_get(dax_dev, page)) {
			ret = VM_FAULT_SIGBUS;
		} else {
			dax_associate(dax_dev, page, mapping, vmf->pgoff);
			ret = vmf_insert_page_mkwrite(vmf, page, write);
			folio_put(page_folio(page));
		}
		what = "page";
	} else if (dax_associate(dax_dev, page, mapping, vmf->pgoff)) {
		ret = VM_FAULT_SIGBUS;
		what = "pagemap going";
	} else {
		ret = vmf_insert_mixed(vma, vmf->address, page_to_pfn(page), write);
		what = "pfn devmap";
	}
	pthread_mutex_unlock(&bi->i_data_sem);
	mm_trace("dax_fault", "mm=%s ino=%lu index=%lu %s -> %s pfn=%#lx block=%llu%s ret=%#x",
		 vma->vm_mm->owner, inode->i_ino, vmf->pgoff, write ? "write" : "read", what,
		 page ? page_to_pfn(page) : 0UL, (unsigned long long)b, fresh ? " (new)" : "", ret);
out:
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return ret;
}

static const char *dax_vma_name(struct vm_area_struct *vma)
{
	return file_inode(vma->vm_file)->i_name;
}

/*
 * A read-only DAX PTE taking a store comes back through the fault: page_mkwrite
 * for a refcounted entry, pfn_mkwrite for a special one (or a hole's zero
 * page). The handler makes the entry writable itself; VM_FAULT_NOPAGE tells
 * vm/ so.
 */
static const struct vm_operations_struct dax_vm_ops = {
	.fault = dax_fault,
	.page_mkwrite = dax_fault,
	.pfn_mkwrite = dax_fault,
	.name = dax_vma_name,
};

int dax_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	(void)file;
	/* Mainline sets VM_HUGEPAGE too (PMD faults); pinmm maps 4 KiB only. */
	vma->vm_ops = &dax_vm_ops;
	WRITE_ONCE(vma->vm_flags, vma->vm_flags | VM_MIXEDMAP);
	return 0;
}

/* ---- Layout breaking ---- */

/*
 * A block another file still owns (blkfs_reflink()) is not freed when this
 * file lets go of it, so it is busy for @mapping only while something holds
 * it through @mapping. The page's refcount says how many hold it, not
 * through which file: less the other files' mappings (rmap knows those),
 * what remains is GUP's references and pins, anyone's. A tracker whose pins
 * carry their file (the proxy's own mapping, seed 000) can say which are
 * this file's; any other has to count them all, and waits on pins taken
 * through the other file.
 * Model: mainline marks a shared fsdax page PAGE_MAPPING_DAX_SHARED with a
 * share count and checks its refcount like any other; this check is what a
 * per-pin mapping would make possible, not something the kernel does.
 */
static bool dax_shared_page_busy(struct dax_device *dax_dev, struct address_space *mapping,
				 struct page *page)
{
	struct folio *folio = page_folio(page);
	long idle = dax_dev->refcounted_mappings ? 0 : 1;
	long gup = page_ref_count(page) - idle -
		   (dax_dev->refcounted_mappings ? folio_mapcount(folio) : 0);
	long mine = pin_tracker_pins_through(page, mapping);
	long pins;

	if (mine < 0)
		return gup > 0;
	if (mine > 0)
		return true;
	/* One reference per pin (the proxy's); plain FOLL_GET references cannot be told apart. */
	pins = pin_config.tracker->pincount(folio);
	return pins < 0 || gup - pins > 0;
}

struct page *dax_layout_busy_page_range(struct address_space *mapping, loff_t start, loff_t end)
{
	struct inode *inode;
	struct blkfs_inode *bi;
	struct dax_device *dax_dev;
	struct page *busy = NULL;
	pgoff_t first, last;

	if (!dax_mapping(mapping) || start < 0 || (end != -1 && end < start))
		return NULL;
	inode = mapping->host;
	bi = BLKFS_I(inode);
	dax_dev = inode_dax_dev(inode);
	/* Mappings hold no reference under IDLE_ONE and drop theirs under IDLE_ZERO. */
	unmap_mapping_range(mapping, ALIGN_DOWN(start, (loff_t)PAGE_SIZE),
			    end == -1 ? 0 : end - ALIGN_DOWN(start, (loff_t)PAGE_SIZE) + 1, 0);
	first = (pgoff_t)(start >> PAGE_SHIFT);
	last = end == -1 ? ~0UL : (pgoff_t)(end >> PAGE_SHIFT);
	pthread_mutex_lock(&bi->i_data_sem);
	for (pgoff_t i = first; i <= last && i < bi->i_map_len && !busy; i++) {
		uint32_t v = bi->i_map[i];
		struct page *page;

		if (!v)
			continue;
		page = dax_block_page(dax_dev, v & BLKFS_BLK_MASK);
		if (!page)
			continue;
		if (blkfs_block_owners(BLKFS_SB(inode->i_sb), v & BLKFS_BLK_MASK) > 1) {
			if (dax_shared_page_busy(dax_dev, mapping, page))
				busy = page;
		} else if (!dax_page_gup_idle(dax_dev, mapping, page)) {
			busy = page;
		}
	}
	pthread_mutex_unlock(&bi->i_data_sem);
	if (busy)
		mm_trace("dax_layout_busy_page", "ino=%lu pfn=%#lx refcount=%d", inode->i_ino,
			 page_to_pfn(busy), page_ref_count(busy));
	return busy;
}

struct page *dax_layout_busy_page(struct address_space *mapping)
{
	return dax_layout_busy_page_range(mapping, 0, -1);
}

/* dax_disassociate_entry() for the idle pages of a range about to be freed. */
static void dax_disassociate_range(struct inode *inode, loff_t start, loff_t end)
{
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct dax_device *dax_dev = inode_dax_dev(inode);
	pgoff_t first = (pgoff_t)(start >> PAGE_SHIFT);
	pgoff_t last = end == -1 ? ~0UL : (pgoff_t)(end >> PAGE_SHIFT);

	pthread_mutex_lock(&bi->i_data_sem);
	for (pgoff_t i = first; i <= last && i < bi->i_map_len; i++) {
		struct page *page;

		if (!bi->i_map[i])
			continue;
		page = dax_block_page(dax_dev, bi->i_map[i] & BLKFS_BLK_MASK);
		if (page && READ_ONCE(page->mapping) == inode->i_mapping &&
		    dax_page_gup_idle(dax_dev, inode->i_mapping, page))
			dax_disassociate(dax_dev, page);
	}
	pthread_mutex_unlock(&bi->i_data_sem);
}

void dax_inode_evict(struct inode *inode)
{
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct dax_device *dax_dev = inode_dax_dev(inode);

	if (!dax_dev || !dax_dev->ref_at_insert)
		return;
	pthread_mutex_lock(&bi->i_data_sem);
	for (pgoff_t i = 0; i < bi->i_map_len; i++) {
		struct page *page;

		if (!bi->i_map[i])
			continue;
		page = dax_block_page(dax_dev, bi->i_map[i] & BLKFS_BLK_MASK);
		if (page && READ_ONCE(page->mapping) == inode->i_mapping)
			dax_disassociate(dax_dev, page);
	}
	pthread_mutex_unlock(&bi->i_data_sem);
}

int dax_break_layout(struct inode *inode, loff_t start, loff_t end)
{
	struct dax_device *dax_dev;
	struct page *page;
	int err;

	if (!inode || !IS_DAX(inode))
		return -EINVAL;
	dax_dev = inode_dax_dev(inode);
	for (;;) {
		filemap_invalidate_lock(inode->i_mapping);
		/*
		 * Kernels before 4.18 had no such check: the blocks went back to
		 * the allocator whoever still held the pages. Model: the `allow`
		 * longterm policy drops the check too (see gup_longterm_must_migrate()).
		 */
		if (!kernel_has(KSW_DAX_TRUNCATE_WAITS_BUSY) ||
		    READ_ONCE(pin_config.longterm) == LONGTERM_ALLOW) {
			mm_trace("dax_break_layout", "ino=%lu no busy-page check (before 4.18)",
				 inode->i_ino);
			break;
		}
		page = dax_layout_busy_page_range(inode->i_mapping, start, end);
		if (!page)
			break;
		mm_trace("dax_break_layout", "ino=%lu pfn=%#lx refcount=%d busy: waiting for it to go idle",
			 inode->i_ino, page_to_pfn(page), page_ref_count(page));
		/* ext4_wait_dax_page(): sleep without the lock, then look again. */
		filemap_invalidate_unlock(inode->i_mapping);
		err = dax_wait_gup_idle(dax_dev, inode->i_mapping, page, dax_layout_timeout_ms);
		if (err) {
			mm_event(MM_EV_WARN, page,
				 "dax_break_layout: pfn %#lx of inode %lu still busy after %u ms (refcount %d)",
				 page_to_pfn(page), inode->i_ino, dax_layout_timeout_ms,
				 page_ref_count(page));
			return -EBUSY;
		}
	}
	dax_disassociate_range(inode, start, end);
	return 0;
}

void dax_break_layout_done(struct inode *inode)
{
	filemap_invalidate_unlock(inode->i_mapping);
}
