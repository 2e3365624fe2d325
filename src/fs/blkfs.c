/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blkfs address_space and super operations: ext4's buffered-I/O behaviour
 * where it matters to pinning. write(2) reserves blocks (delayed allocation)
 * and attaches buffers; page_mkwrite allocates blocks and attaches buffers;
 * writepage allocates what is still delayed, checksums and writes, and must
 * find the folio's buffers.
 *
 * Model: page_mkwrite allocates, as ext4 does with nodelalloc; with delalloc
 * (the default) ext4_page_mkwrite() only reserves (ext4_da_get_block_prep())
 * and the block appears at writeback. The host backend shows it: before a
 * sync, check disk finds no block on ext4 and a block of zeroes here; the
 * cell (corrupt) is the same.
 */
#include <pinmm/mem/kernel.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/vm/mm.h>
#include <pinmm/fs/buffer_head.h>
#include <pinmm/fs/dax.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/vmscan.h>
#include "internal.h"
#include "blkfs.h"

static struct blkfs *inode_blkfs(struct inode *inode)
{
	return BLKFS_SB(inode->i_sb);
}

/* Read the folio's blocks into it (holes and unwritten extents read as zeroes). */
static int blkfs_fill_folio(struct inode *inode, struct folio *folio)
{
	struct blkfs *fs = inode_blkfs(inode);
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct buffer_head *head;
	unsigned char *buf;
	int ret = 0;

	buf = malloc(BDEV_BLOCK_SIZE);
	if (!buf)
		return -ENOMEM;
	head = folio_create_buffers(folio, 0);
	for (long i = 0; i < folio_nr_pages(folio); i++) {
		pgoff_t idx = folio->index + (pgoff_t)i;
		struct page *page = folio_page(folio, (unsigned long)i);
		uint32_t v;
		int r = 0;

		pthread_mutex_lock(&bi->i_data_sem);
		v = blkfs_map_get(bi, idx);
		pthread_mutex_unlock(&bi->i_data_sem);
		if (head && v) {
			set_buffer_mapped(&head[i]);
			head[i].b_blocknr = v & BLKFS_BLK_MASK;
			if (v & BLKFS_UNWRITTEN)
				set_buffer_unwritten(&head[i]);
		}
		if (!v || (v & BLKFS_UNWRITTEN)) {
			memzero_page(page, 0, PAGE_SIZE);
		} else {
			r = bdev_read_block(fs->bdev, v & BLKFS_BLK_MASK, buf);
			if (r && !ret)
				ret = r;
			memcpy_to_page(page, 0, buf, PAGE_SIZE);
			mm_trace("read_block", "ino=%lu index=%lu pfn=%#lx block=%u%s", inode->i_ino,
				 idx, page_to_pfn(page), v & BLKFS_BLK_MASK, r ? " EIO" : "");
		}
		if (head && !r)
			set_buffer_uptodate(&head[i]);
	}
	free(buf);
	return ret;
}

static int blkfs_read_folio(struct file *file, struct folio *folio)
{
	struct inode *inode = folio_mapping(folio)->host;
	int ret;

	(void)file;
	ret = blkfs_fill_folio(inode, folio);
	if (!ret)
		folio_mark_uptodate(folio);
	folio_unlock(folio);
	return ret;
}

/*
 * Allocate the disk block behind file block @idx (i_data_sem held), consuming
 * the buffer's delayed-allocation reservation if it had one. The block is
 * recorded unwritten until its data reaches the disk. 0 or -ENOSPC/-ENOMEM.
 */
static int blkfs_alloc_file_block(struct blkfs *fs, struct blkfs_inode *bi, pgoff_t idx,
				  struct buffer_head *bh, sector_t *blockp)
{
	bool reserved = buffer_delay(bh);
	sector_t b = __blkfs_alloc_block(fs, reserved);
	int ret;

	if (!b)
		return -ENOSPC;
	ret = blkfs_map_set(bi, idx, (uint32_t)b | BLKFS_UNWRITTEN);
	if (ret) {
		if (reserved)
			blkfs_reserve(fs);
		blkfs_free_block(fs, b);
		return ret;
	}
	if (reserved) {
		bi->i_reserved--;
		clear_buffer_delay(bh);
	}
	*blockp = b;
	return 0;
}

/*
 * Attach buffers and map or reserve every block of the locked folio. With
 * @allocate, blocks are allocated now (page_mkwrite); otherwise holes get a
 * delayed-allocation reservation (write(2)).
 */
static int blkfs_prepare_buffers(struct inode *inode, struct folio *folio, bool allocate)
{
	struct blkfs *fs = inode_blkfs(inode);
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct buffer_head *head = folio_create_buffers(folio, 0);
	int ret = 0;

	if (!head)
		return -ENOMEM;
	for (long i = 0; i < folio_nr_pages(folio) && !ret; i++) {
		struct buffer_head *bh = &head[i];
		pgoff_t idx = folio->index + (pgoff_t)i;
		uint32_t v;

		pthread_mutex_lock(&bi->i_data_sem);
		v = blkfs_map_get(bi, idx);
		if (v) {
			/*
			 * A mapped buffer keeps its block; writeback's I/O reads
			 * b_blocknr after it drops the folio lock, so leave it be.
			 */
			if (bh->b_blocknr != (sector_t)(v & BLKFS_BLK_MASK))
				bh->b_blocknr = v & BLKFS_BLK_MASK;
			if (v & BLKFS_UNWRITTEN)
				set_buffer_unwritten(bh);
			set_buffer_mapped(bh);
		} else if (allocate) {
			sector_t b;

			ret = blkfs_alloc_file_block(fs, bi, idx, bh, &b);
			if (!ret) {
				bh->b_blocknr = b;
				set_buffer_new(bh);
				set_buffer_unwritten(bh);
				set_buffer_mapped(bh);
			}
		} else if (!buffer_delay(bh)) {
			ret = blkfs_reserve(fs);
			if (!ret) {
				bi->i_reserved++;
				set_buffer_delay(bh);
			}
		}
		pthread_mutex_unlock(&bi->i_data_sem);
		if (!ret)
			set_buffer_uptodate(bh);
	}
	return ret;
}

static int blkfs_write_begin(struct inode *inode, struct folio *folio, size_t from, size_t len)
{
	int ret;

	folio_wait_stable(folio);
	if (!folio_test_uptodate(folio) && (from || len < folio_size(folio))) {
		ret = blkfs_fill_folio(inode, folio);
		if (ret)
			return ret;
	}
	return blkfs_prepare_buffers(inode, folio, false);
}

static int blkfs_page_mkwrite(struct inode *inode, struct folio *folio)
{
	if (((loff_t)folio->index << PAGE_SHIFT) >= i_size_read(inode))
		return -EFAULT;
	folio_wait_stable(folio);
	return blkfs_prepare_buffers(inode, folio, true);
}

static bool blkfs_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	(void)mapping;
	/*
	 * ext4_dirty_folio() (ext4_set_page_dirty() since 4.10, 6dcc693bc57f):
	 * every proper way to dirty an ext4 folio (write_begin, page_mkwrite)
	 * attached buffers first, so a folio without them is dirtied behind the
	 * filesystem's back, by set_page_dirty_lock() after DMA into a folio
	 * whose buffers reclaim released. It warns once, then carries on.
	 */
	if (!folio_buffers(folio) && __MM_ONCE(true))
		mm_event(MM_EV_WARN, &folio->page, "ext4-like dirty_folio: folio has no buffers");
	/*
	 * block_dirty_folio(): buffers, if any, become dirty with the folio. A
	 * folio without buffers only gets the flag: that is the state writepage
	 * cannot handle.
	 */
	folio_mark_buffers_dirty(folio);
	if (!folio_test_set_dirty(folio)) {
		mod_node_page_state(NR_FILE_DIRTY, folio_nr_pages(folio));
		return true;
	}
	return false;
}

/* Allocate delayed blocks of the locked folio for writeback. */
static int blkfs_map_for_write(struct inode *inode, struct folio *folio, struct buffer_head *head)
{
	struct blkfs *fs = inode_blkfs(inode);
	struct blkfs_inode *bi = BLKFS_I(inode);
	int ret = 0;

	for (long i = 0; i < folio_nr_pages(folio) && !ret; i++) {
		struct buffer_head *bh = &head[i];
		pgoff_t idx = folio->index + (pgoff_t)i;
		uint32_t v;

		pthread_mutex_lock(&bi->i_data_sem);
		v = blkfs_map_get(bi, idx);
		if (!v) {
			sector_t b;

			ret = blkfs_alloc_file_block(fs, bi, idx, bh, &b);
			if (!ret)
				v = (uint32_t)b | BLKFS_UNWRITTEN;
		}
		if (!ret) {
			clear_buffer_delay(bh);
			bh->b_blocknr = v & BLKFS_BLK_MASK;
			set_buffer_mapped(bh);
		}
		pthread_mutex_unlock(&bi->i_data_sem);
	}
	return ret;
}

static int blkfs_writepage(struct folio *folio, struct writeback_control *wbc)
{
	struct address_space *mapping = folio_mapping(folio);
	struct inode *inode = mapping->host;
	struct blkfs *fs = inode_blkfs(inode);
	struct blkfs_inode *bi = BLKFS_I(inode);
	struct buffer_head *head = folio_buffers(folio);
	unsigned char *buf;
	enum wb_decision d;
	int ret;

	if (!head) {
		if (kernel_has(KSW_EXT4_WARN_NO_BUFFERS)) {
			/*
			 * 5.18+: ext4 complains (ext4_warning_inode(), a rate-limited
			 * "EXT4-fs warning", on top of the WARN_ON_ONCE its
			 * dirty_folio gave when the folio was dirtied) and drops the
			 * dirty bit: the machine lives, the device's data is lost.
			 * Model: recorded as one WARN event here.
			 */
			mm_event(MM_EV_WARN, &folio->page,
				 "ext4-like writepages: page %lu does not have buffers attached",
				 folio->index);
			folio_clear_dirty_for_io(folio);
			mm_trace("writeback", "ino=%lu index=%lu pfn=%#lx no buffers: dirty bit dropped",
				 inode->i_ino, folio->index, folio_pfn(folio));
			folio_unlock(folio);
			return 0;
		}
		/*
		 * Model: ext4 hit BUG() here and the machine died; the model
		 * records it and drops the write, leaving the folio clean, so the
		 * data the device put in the page never reaches the disk.
		 */
		mm_event(MM_EV_BUG, &folio->page, "ext4-like writepage: folio has no buffers");
		mm_trace("writeback", "ino=%lu index=%lu pfn=%#lx no buffers: not written",
			 inode->i_ino, folio->index, folio_pfn(folio));
		folio_unlock(folio);
		return -EIO;
	}
	if (((loff_t)folio->index << PAGE_SHIFT) >= i_size_read(inode)) {
		/* Wholly past EOF: truncate is on its way to remove it. */
		folio_unlock(folio);
		return 0;
	}
	d = writeback_decide(folio, wbc);
	if (d == WB_DO_SKIP) {
		folio_redirty_for_writepage(wbc, folio);
		wbc->nr_skipped++;
		mm_trace("writeback", "ino=%lu index=%lu pfn=%#lx pinned policy=skip: left dirty",
			 inode->i_ino, folio->index, folio_pfn(folio));
		folio_unlock(folio);
		return 0;
	}
	/* A stable copy needs room for the whole folio; in place needs one block. */
	buf = malloc(d == WB_DO_BOUNCE ? (size_t)folio_size(folio) : BDEV_BLOCK_SIZE);
	ret = buf ? blkfs_map_for_write(inode, folio, head) : -ENOMEM;
	if (ret) {
		free(buf);
		folio_redirty_for_writepage(wbc, folio);
		set_bit(AS_EIO, &mapping->flags);
		folio_unlock(folio);
		return ret;
	}
	/*
	 * Buffers are cleaned under the folio lock, before writeback starts: a
	 * page_mkwrite that dirties them after the unlock must not be undone.
	 */
	for (long i = 0; i < folio_nr_pages(folio); i++)
		clear_buffer_dirty(&head[i]);
	if (d == WB_DO_BOUNCE) {
		/*
		 * The stable copy is taken under the folio lock, and the folio is
		 * dirtied again under it too: nobody (reclaim, invalidation, a
		 * second writeback) can see it clean while a device may still
		 * write it. Only a writable pin needs that; the copy of a folio
		 * pinned read-only is what the disk needs, and the folio is clean.
		 */
		for (long i = 0; i < folio_nr_pages(folio); i++)
			memcpy_from_page(buf + (size_t)i * PAGE_SIZE,
					 folio_page(folio, (unsigned long)i), 0, PAGE_SIZE);
		if (folio_maybe_dma_pinned_writable(folio))
			folio_redirty_for_writepage(wbc, folio);
		wbc->nr_copied++;
	}
	folio_start_writeback(folio);
	/* The I/O runs without the folio lock, as submitted bios do. */
	folio_unlock(folio);
	for (long i = 0; i < folio_nr_pages(folio); i++) {
		struct buffer_head *bh = &head[i];
		struct page *page = folio_page(folio, (unsigned long)i);
		pgoff_t idx = folio->index + (pgoff_t)i;
		sector_t b = bh->b_blocknr;
		const char *how = wb_decision_names[d];
		uint32_t csum;

		if (d == WB_DO_BOUNCE) {
			unsigned char *copy = buf + (size_t)i * PAGE_SIZE;

			csum = bdev_csum(copy, PAGE_SIZE);
			/*
			 * A long-term writable pin keeps its folio dirty, so every
			 * flusher pass comes back to it: rewrite only what the
			 * device changed since the last copy. That bounds the
			 * write amplification to one write per changed page per
			 * pass, and none while the device is idle.
			 */
			if (!buffer_new(bh) && !buffer_unwritten(bh) &&
			    bdev_block_equals(fs->bdev, b, copy, csum)) {
				mod_node_page_state(NR_PIN_WB_UNCHANGED, 1);
				wbc->nr_unchanged++;
				how = "unchanged";
			} else {
				bdev_write_block(fs->bdev, b, copy, csum);
				mod_node_page_state(NR_PIN_WB_COPIED, 1);
			}
		} else {
			/* The bytes the checksum covers: one atomic snapshot of the page. */
			memcpy_from_page(buf, page, 0, PAGE_SIZE);
			csum = bdev_csum(buf, PAGE_SIZE);
			/*
			 * Model: without a bounce the device DMAs from the page
			 * itself after the checksum was computed, as a real
			 * controller does; a device writing the page through a pin
			 * in between makes data and checksum disagree.
			 */
			race_point(RACE_WRITEBACK, folio);
			/*
			 * A guard-tag failure fails the bio; ext4's end_io records
			 * it with mapping_set_error() for the next fsync.
			 * Model: fsync answers -EIO (AS_EIO); the kernel's errseq
			 * carries the bio's -EILSEQ to fsync, AS_EIO's -EIO to
			 * filemap_fdatawait().
			 */
			if (bdev_write_block_from_page(fs->bdev, b, page, csum))
				set_bit(AS_EIO, &mapping->flags);
		}
		pthread_mutex_lock(&bi->i_data_sem);
		if ((blkfs_map_get(bi, idx) & BLKFS_BLK_MASK) == b)
			blkfs_map_set(bi, idx, (uint32_t)b);
		pthread_mutex_unlock(&bi->i_data_sem);
		clear_buffer_unwritten(bh);
		clear_buffer_new(bh);
		mm_trace("writeback", "ino=%lu index=%lu pfn=%#lx block=%llu bytes=%lu csum=%08x "
			 "maybe_dma_pinned=%d policy=%s", inode->i_ino, idx, page_to_pfn(page),
			 (unsigned long long)b, PAGE_SIZE, csum,
			 READ_ONCE(mm_trace_on) ? folio_maybe_dma_pinned(folio) : 0, how);
	}
	free(buf);
	folio_set_mappedtodisk(folio);
	wbc->nr_written++;
	folio_end_writeback(folio);
	return 0;
}

static bool blkfs_release_folio(struct folio *folio, gfp_t gfp)
{
	(void)gfp;
	/* ext4 refuses while dirty or under writeback; it never asks about pins. */
	if (folio_test_dirty(folio) || folio_test_writeback(folio))
		return false;
	if (!try_to_free_buffers(folio))
		return false;
	mm_trace("release_folio", "index=%lu pfn=%#lx refcount=%d buffers released", folio->index,
		 folio_pfn(folio), folio_ref_count(folio));
	return true;
}

static void blkfs_invalidate_folio(struct folio *folio, size_t offset, size_t len)
{
	struct address_space *mapping = folio_mapping(folio);
	struct buffer_head *head = folio_buffers(folio);
	struct inode *inode;

	if (!head || !mapping)
		return;
	inode = mapping->host;
	for (long i = 0; i < folio_nr_pages(folio); i++) {
		struct buffer_head *bh = &head[i];
		size_t bstart = (size_t)i * PAGE_SIZE;

		if (bstart < offset || bstart + PAGE_SIZE > offset + len)
			continue;
		if (buffer_delay(bh)) {
			pthread_mutex_lock(&BLKFS_I(inode)->i_data_sem);
			BLKFS_I(inode)->i_reserved--;
			pthread_mutex_unlock(&BLKFS_I(inode)->i_data_sem);
			blkfs_unreserve(inode_blkfs(inode));
		}
		bh->b_state = 0;
	}
	if (offset == 0 && len >= folio_size(folio))
		folio_drop_buffers(folio);
}

static int blkfs_migrate_folio(struct address_space *mapping, struct folio *dst,
			       struct folio *src)
{
	return filemap_migrate_folio(mapping, dst, src);
}

static struct inode *blkfs_alloc_inode(struct super_block *sb)
{
	struct blkfs_inode *bi = calloc(1, sizeof(*bi));

	if (!bi)
		return NULL;
	inode_init_once(&bi->vfs_inode, sb);
	pthread_mutex_init(&bi->i_data_sem, NULL);
	return &bi->vfs_inode;
}

static void blkfs_destroy_inode(struct inode *inode)
{
	struct blkfs_inode *bi = BLKFS_I(inode);

	if (IS_DAX(inode))
		dax_inode_evict(inode);
	pthread_mutex_destroy(&bi->i_data_sem);
	free(bi->i_map);
	free(bi);
}

static void blkfs_free_file_blocks(struct inode *inode, pgoff_t start, pgoff_t end)
{
	struct blkfs *fs = inode_blkfs(inode);
	struct blkfs_inode *bi = BLKFS_I(inode);

	pthread_mutex_lock(&bi->i_data_sem);
	for (pgoff_t i = start; i < end && i < bi->i_map_len; i++) {
		uint32_t v = bi->i_map[i];

		if (!v)
			continue;
		bi->i_map[i] = 0;
		blkfs_free_block(fs, v & BLKFS_BLK_MASK);
		mm_trace("free_block", "ino=%lu index=%lu block=%u", inode->i_ino, i,
			 v & BLKFS_BLK_MASK);
	}
	pthread_mutex_unlock(&bi->i_data_sem);
}

static const struct address_space_operations blkfs_aops = {
	.read_folio = blkfs_read_folio,
	.writepage = blkfs_writepage,
	.dirty_folio = blkfs_dirty_folio,
	.release_folio = blkfs_release_folio,
	.invalidate_folio = blkfs_invalidate_folio,
	.migrate_folio = blkfs_migrate_folio,
};

static const struct super_operations blkfs_sops = {
	.alloc_inode = blkfs_alloc_inode,
	.destroy_inode = blkfs_destroy_inode,
	.write_begin = blkfs_write_begin,
	.free_blocks = blkfs_free_file_blocks,
	.page_mkwrite = blkfs_page_mkwrite,
};

struct blkfs *blkfs_mount(struct block_device *bdev, const char *name, unsigned int flags)
{
	struct blkfs *fs;

	if (!bdev || !name || !*name || bdev->nr_blocks < 2 ||
	    bdev->nr_blocks > BLKFS_BLK_MASK || (flags & ~(BLKFS_CHECKSUM | BLKFS_DAX)))
		return NULL;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->s_used = calloc(bdev->nr_blocks, 1);
	if (!fs->s_used) {
		free(fs);
		return NULL;
	}
	/* ext4: "DAX unsupported by block device". */
	if ((flags & BLKFS_DAX) && !bdev->bd_dax_dev) {
		free(fs->s_used);
		free(fs);
		return NULL;
	}
	fs->bdev = bdev;
	fs->s_used[0] = 1;	/* the super block */
	fs->s_free = bdev->nr_blocks - BLKFS_FIRST_DATA_BLOCK;
	pthread_mutex_init(&fs->s_alloc_lock, NULL);
	bdev->verify = flags & BLKFS_CHECKSUM;
	fs_super_init(&fs->sb, name, flags, &blkfs_sops,
		      (flags & BLKFS_DAX) ? &blkfs_dax_aops : &blkfs_aops, &blkfs_file_operations);
	return fs;
}

int blkfs_umount(struct blkfs *fs)
{
	int ret;

	if (!fs)
		return -EINVAL;
	ret = fs_super_shutdown(&fs->sb);
	if (ret)
		return ret;
	WARN_ON(fs->s_reserved != 0);
	pthread_mutex_destroy(&fs->s_alloc_lock);
	free(fs->s_used);
	free(fs);
	return 0;
}
