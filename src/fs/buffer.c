/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Buffer heads (fs/buffer.c): the per-block state ext4 keeps on a folio.
 * Attaching them takes a folio reference and sets PG_private, so reclaim's
 * expected reference count includes them exactly as in mainline.
 */
#include <stdlib.h>
#include <pinmm/fs/buffer_head.h>
#include <pinmm/fs/fs.h>

static pthread_mutex_t *folio_private_lock(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	return mapping ? &mapping->private_lock : NULL;
}

static void private_lock(pthread_mutex_t *l)
{
	if (l)
		pthread_mutex_lock(l);
}

static void private_unlock(pthread_mutex_t *l)
{
	if (l)
		pthread_mutex_unlock(l);
}

static void folio_attach_private(struct folio *folio, void *data)
{
	folio_get(folio);
	WRITE_ONCE(folio->private, data);
	folio_set_private(folio);
}

static void *folio_detach_private(struct folio *folio)
{
	void *data = folio->private;

	if (!folio_test_private(folio))
		return NULL;
	folio_clear_private(folio);
	WRITE_ONCE(folio->private, NULL);
	folio_put(folio);
	return data;
}

struct buffer_head *folio_create_buffers(struct folio *folio, unsigned long b_state)
{
	pthread_mutex_t *l = folio_private_lock(folio);
	unsigned int nr = (unsigned int)folio_nr_pages(folio);
	struct buffer_head *bhs, *head;

	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	head = folio_buffers(folio);
	if (head)
		return head;
	/* Model: one allocation for the ring; a block is a page (4 KiB blocks). */
	bhs = calloc(nr, sizeof(*bhs));
	if (!bhs)
		return NULL;
	for (unsigned int i = 0; i < nr; i++) {
		bhs[i].b_state = b_state;
		bhs[i].b_folio = folio;
		bhs[i].b_size = PAGE_SIZE;
		bhs[i].b_page = i;
		bhs[i].b_this_page = &bhs[(i + 1) % nr];
	}
	private_lock(l);
	folio_attach_private(folio, bhs);
	private_unlock(l);
	return bhs;
}

struct buffer_head *folio_buffer_nr(struct folio *folio, unsigned int n)
{
	struct buffer_head *head = folio_buffers(folio);

	if (!head || n >= folio_nr_pages(folio))
		return NULL;
	return &head[n];
}

static bool buffers_busy(struct buffer_head *head)
{
	struct buffer_head *bh = head;

	do {
		if (buffer_dirty(bh) || buffer_delay(bh))
			return true;
		bh = bh->b_this_page;
	} while (bh != head);
	return false;
}

bool try_to_free_buffers(struct folio *folio)
{
	pthread_mutex_t *l = folio_private_lock(folio);
	struct buffer_head *head;
	bool freed = false;

	if (folio_test_writeback(folio))
		return false;
	private_lock(l);
	head = folio_buffers(folio);
	if (!head) {
		freed = true;
	} else if (!buffers_busy(head)) {
		/*
		 * Deliberately no look at the reference count: ext4's releasepage
		 * never did, which is how a pinned, clean folio lost its buffers.
		 */
		folio_detach_private(folio);
		free(head);
		freed = true;
	}
	private_unlock(l);
	return freed;
}

void folio_drop_buffers(struct folio *folio)
{
	pthread_mutex_t *l = folio_private_lock(folio);
	struct buffer_head *head;

	private_lock(l);
	head = folio_detach_private(folio);
	private_unlock(l);
	free(head);
}

void folio_mark_buffers_dirty(struct folio *folio)
{
	pthread_mutex_t *l = folio_private_lock(folio);
	struct buffer_head *head, *bh;

	private_lock(l);
	head = folio_buffers(folio);
	if (head) {
		bh = head;
		do {
			set_buffer_dirty(bh);
			bh = bh->b_this_page;
		} while (bh != head);
	}
	private_unlock(l);
}
