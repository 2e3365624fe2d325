/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-block state of a page-cache folio, as buffer_heads give it to ext4: one
 * per block, linked in a ring, hung off folio->private with PG_private set and
 * a folio reference held for them (folio_attach_private()).
 */
#ifndef PINMM_FS_BUFFER_HEAD_H
#define PINMM_FS_BUFFER_HEAD_H

#include <pinmm/fs/blockdev.h>

enum bh_state_bits {
	BH_Uptodate,	/* contains valid data */
	BH_Dirty,	/* must be written */
	BH_Mapped,	/* b_blocknr is the disk block */
	BH_New,		/* block just allocated, not yet on disk */
	BH_Delay,	/* delayed allocation: space reserved, no block yet */
	BH_Unwritten,	/* block allocated but never written (reads as zero) */
};

struct buffer_head {
	unsigned long b_state;
	struct buffer_head *b_this_page;	/* ring of the folio's buffers */
	struct folio *b_folio;
	sector_t b_blocknr;
	size_t b_size;
	unsigned int b_page;			/* which page of the folio */
};

#define BUFFER_FNS(bit, name)							\
static inline bool buffer_##name(const struct buffer_head *bh)			\
{ return test_bit(BH_##bit, &bh->b_state); }					\
static inline void set_buffer_##name(struct buffer_head *bh)			\
{ set_bit(BH_##bit, &bh->b_state); }						\
static inline void clear_buffer_##name(struct buffer_head *bh)			\
{ clear_bit(BH_##bit, &bh->b_state); }
BUFFER_FNS(Uptodate, uptodate)
BUFFER_FNS(Dirty, dirty)
BUFFER_FNS(Mapped, mapped)
BUFFER_FNS(New, new)
BUFFER_FNS(Delay, delay)
BUFFER_FNS(Unwritten, unwritten)
#undef BUFFER_FNS

static inline struct buffer_head *folio_buffers(struct folio *folio)
{
	return (struct buffer_head *)READ_ONCE(folio->private);
}
static inline bool folio_has_private(const struct folio *folio)
{
	return folio_test_private(folio);
}

/*
 * Attach one buffer per page (block) of the locked @folio, with @b_state
 * initial bits, under mapping->private_lock. Returns the ring head, or NULL
 * when out of memory. If buffers exist they are returned unchanged.
 */
struct buffer_head *folio_create_buffers(struct folio *folio, unsigned long b_state);
/* The buffer for page @n of the folio (its ring is in page order). */
struct buffer_head *folio_buffer_nr(struct folio *folio, unsigned int n);
/*
 * try_to_free_buffers(): drop the buffers of a folio whose buffers are all
 * clean and not under writeback. Like ext4's releasepage it does not look at
 * the folio's reference count: a pinned clean folio loses its buffers too.
 */
bool try_to_free_buffers(struct folio *folio);
/* Drop buffers unconditionally (truncate's invalidate): returns them dropped. */
void folio_drop_buffers(struct folio *folio);
/* Mark every buffer dirty (block_dirty_folio's half under private_lock). */
void folio_mark_buffers_dirty(struct folio *folio);

#endif
