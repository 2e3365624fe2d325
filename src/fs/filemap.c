/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page cache index. Model: mapping->i_pages is a liburcu lock-free hash
 * (bulletproof flavour) with one node per page index a folio covers, where
 * mainline has an xarray with multi-index entries. The protocol around it is
 * mainline's: lookup under RCU, speculative folio_try_get(), re-check that the
 * slot still holds the folio; insert and delete under i_pages_lock; a removed
 * node is freed after a grace period because lockless readers may still see it.
 */
#include <stdlib.h>
#include <limits.h>
#include <pinmm/mem/rcu.h>
#include <urcu/rculfhash.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/fs/buffer_head.h>
#include <pinmm/fs/vmscan.h>

#define PC_BUCKETS 1024

struct pc_entry {
	struct cds_lfht_node node;
	pgoff_t index;
	struct folio *folio;
	struct mm_rcu_head rcu;
};

static unsigned long pc_hash(pgoff_t index)
{
	return (unsigned long)(index * 0x9e3779b97f4a7c15ULL);
}

/*
 * The entry is published by cds_lfht_add_unique() inside liburcu, where TSan
 * cannot see the release; the index is stored last with release semantics and
 * read with acquire, which is the same ordering made visible.
 */
static pgoff_t pc_index(const struct pc_entry *e)
{
	return __atomic_load_n(&e->index, __ATOMIC_ACQUIRE);
}

static int pc_match(struct cds_lfht_node *node, const void *key)
{
	const struct pc_entry *e = caa_container_of(node, struct pc_entry, node);

	return pc_index(e) == *(const pgoff_t *)key;
}

static void pc_entry_free(struct mm_rcu_head *head)
{
	free(container_of(head, struct pc_entry, rcu));
}

int mapping_init_pages(struct address_space *mapping)
{
	if (!mapping)
		return -EINVAL;
	/*
	 * Model: a fixed bucket count, no CDS_LFHT_AUTO_RESIZE: the resize
	 * worker hands work over with futexes TSan cannot see, and a 1024-bucket
	 * table keeps chains short for the files a scenario uses.
	 */
	mapping->i_pages = cds_lfht_new_flavor(PC_BUCKETS, PC_BUCKETS, PC_BUCKETS, 0,
					       &urcu_bp_flavor, NULL);
	if (!mapping->i_pages)
		return -ENOMEM;
	atomic_store(&mapping->nrpages, 0);
	return 0;
}

void mapping_destroy_pages(struct address_space *mapping)
{
	if (!mapping || !mapping->i_pages)
		return;
	WARN_ON(atomic_load(&mapping->nrpages) != 0);
	/*
	 * cds_lfht_del() unlinked every node before returning, so the nodes
	 * still waiting for their grace period do not point into the table.
	 */
	cds_lfht_destroy(mapping->i_pages, NULL);
	mapping->i_pages = NULL;
}

/* Under RCU: the entry for @index, or NULL. */
static struct pc_entry *pc_lookup(struct address_space *mapping, pgoff_t index)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	cds_lfht_lookup(mapping->i_pages, pc_hash(index), pc_match, &index, &iter);
	node = cds_lfht_iter_get_node(&iter);
	return node ? caa_container_of(node, struct pc_entry, node) : NULL;
}

struct folio *filemap_get_folio(struct address_space *mapping, pgoff_t index)
{
	struct pc_entry *e;
	struct folio *folio;

	if (!mapping || !mapping->i_pages)
		return NULL;
repeat:
	mm_rcu_read_lock();
	e = pc_lookup(mapping, index);
	if (!e) {
		mm_rcu_read_unlock();
		return NULL;
	}
	folio = READ_ONCE(e->folio);
	if (!folio_try_get(folio)) {
		/* Being freed or frozen by reclaim: look again. */
		mm_rcu_read_unlock();
		goto repeat;
	}
	/* The slot may have been emptied (and the folio reused) meanwhile. */
	if (cds_lfht_is_node_deleted(&e->node) || READ_ONCE(folio->mapping) != mapping ||
	    index - READ_ONCE(folio->index) >= (pgoff_t)folio_nr_pages(folio)) {
		mm_rcu_read_unlock();
		folio_put(folio);
		goto repeat;
	}
	mm_rcu_read_unlock();
	return folio;
}

int filemap_add_folio(struct address_space *mapping, struct folio *folio,
		      pgoff_t index, gfp_t gfp)
{
	long nr = folio_nr_pages(folio);
	struct pc_entry **ents;
	long i;

	if (!mapping || !mapping->i_pages || !folio || index % (pgoff_t)nr)
		return -EINVAL;
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	ents = calloc((size_t)nr, sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ents[i] = calloc(1, sizeof(**ents));
		if (!ents[i])
			goto nomem;
		cds_lfht_node_init(&ents[i]->node);
		WRITE_ONCE(ents[i]->folio, folio);
		__atomic_store_n(&ents[i]->index, index + (pgoff_t)i, __ATOMIC_RELEASE);
	}
	folio_ref_add(folio, (int)nr);
	WRITE_ONCE(folio->mapping, mapping);
	WRITE_ONCE(folio->index, index);
	if (shmem_mapping(mapping))
		folio_set_swapbacked(folio);

	pthread_mutex_lock(&mapping->i_pages_lock);
	mm_rcu_read_lock();
	for (i = 0; i < nr; i++) {
		struct cds_lfht_node *got;

		got = cds_lfht_add_unique(mapping->i_pages, pc_hash(ents[i]->index), pc_match,
					  &ents[i]->index, &ents[i]->node);
		if (got != &ents[i]->node)
			break;
	}
	if (i < nr) {
		/* Slot taken: undo the part we inserted. */
		for (long j = 0; j < i; j++) {
			cds_lfht_del(mapping->i_pages, &ents[j]->node);
			mm_call_rcu(&ents[j]->rcu, pc_entry_free);
		}
		mm_rcu_read_unlock();
		pthread_mutex_unlock(&mapping->i_pages_lock);
		WRITE_ONCE(folio->mapping, NULL);
		folio_clear_swapbacked(folio);
		folio_ref_sub(folio, (int)nr);
		for (long j = i; j < nr; j++)
			free(ents[j]);
		free(ents);
		return -EEXIST;
	}
	mm_rcu_read_unlock();
	atomic_fetch_add(&mapping->nrpages, nr);
	mod_node_page_state(NR_FILE_PAGES, nr);
	if (shmem_mapping(mapping))
		mod_node_page_state(NR_SHMEM, nr);
	pthread_mutex_unlock(&mapping->i_pages_lock);
	free(ents);
	folio_add_lru(folio);
	return 0;
nomem:
	while (i-- > 0)
		free(ents[i]);
	free(ents);
	return -ENOMEM;
}

void __filemap_remove_folio(struct folio *folio, void *shadow)
{
	struct address_space *mapping = folio_mapping(folio);
	long nr = folio_nr_pages(folio);

	(void)shadow;	/* Model: no workingset shadow entries */
	if (!mapping)
		return;
	mm_rcu_read_lock();
	for (long i = 0; i < nr; i++) {
		struct pc_entry *e = pc_lookup(mapping, folio->index + (pgoff_t)i);

		if (e && e->folio == folio && !cds_lfht_del(mapping->i_pages, &e->node))
			mm_call_rcu(&e->rcu, pc_entry_free);
	}
	mm_rcu_read_unlock();
	/*
	 * Model: the folio leaves the LRU with the cache, not when it is freed,
	 * because mem/'s free path does not know the LRU (see vmscan.c). This
	 * also clears ->mapping.
	 */
	folio_del_from_lru_uncache(folio);
	if (folio_test_dirty(folio) && !shmem_mapping(mapping))
		mod_node_page_state(NR_FILE_DIRTY, -nr);
	atomic_fetch_sub(&mapping->nrpages, nr);
	mod_node_page_state(NR_FILE_PAGES, -nr);
	if (shmem_mapping(mapping))
		mod_node_page_state(NR_SHMEM, -nr);
}

void filemap_free_folio(struct address_space *mapping, struct folio *folio)
{
	(void)mapping;
	folio_put_refs(folio, (int)folio_nr_pages(folio));
}

void filemap_remove_folio(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	if (!mapping)
		return;
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	pthread_mutex_lock(&mapping->i_pages_lock);
	__filemap_remove_folio(folio, NULL);
	pthread_mutex_unlock(&mapping->i_pages_lock);
	filemap_free_folio(mapping, folio);
}

struct folio *__filemap_get_folio(struct address_space *mapping, pgoff_t index,
				  unsigned int fgp_flags, gfp_t gfp, int *err)
{
	struct folio *folio;
	int ret;

	*err = 0;
	if (!mapping || !mapping->i_pages) {
		*err = -EINVAL;
		return NULL;
	}
repeat:
	folio = filemap_get_folio(mapping, index);
	if (folio) {
		if (fgp_flags & FGP_LOCK) {
			if (fgp_flags & FGP_NOWAIT) {
				if (!folio_trylock(folio)) {
					folio_put(folio);
					*err = -EAGAIN;
					return NULL;
				}
			} else {
				folio_lock(folio);
			}
			/* Truncated while we slept on the lock? */
			if (READ_ONCE(folio->mapping) != mapping) {
				folio_unlock(folio);
				folio_put(folio);
				goto repeat;
			}
		}
		if (fgp_flags & FGP_ACCESSED)
			folio_mark_accessed(folio);
		return folio;
	}
	if (!(fgp_flags & FGP_CREAT)) {
		*err = -ENOENT;
		return NULL;
	}
	folio = folio_alloc(gfp, 0);
	if (!folio) {
		*err = -ENOMEM;
		return NULL;
	}
	/*
	 * Model: mainline sets the lock bit non-atomically, nobody else being
	 * able to reach the folio yet. GUP-fast can: a stale PTE of the page's
	 * previous life lets it take a speculative reference and read (a
	 * tracker may write) page->flags before it re-checks the PTE and backs
	 * out. The kernel lets that plain read race; C11 does not, so atomic.
	 */
	folio_set_locked(folio);
	ret = filemap_add_folio(mapping, folio, index, gfp);
	if (ret) {
		folio_clear_locked(folio);
		folio_put(folio);
		if (ret == -EEXIST)
			goto repeat;
		*err = ret;
		return NULL;
	}
	if (!(fgp_flags & FGP_LOCK))
		folio_unlock(folio);
	return folio;
}

static int folio_index_cmp(const void *a, const void *b)
{
	pgoff_t x = (*(struct folio *const *)a)->index;
	pgoff_t y = (*(struct folio *const *)b)->index;

	return x < y ? -1 : x > y;
}

size_t filemap_get_folios(struct address_space *mapping, pgoff_t start, pgoff_t end,
			  unsigned int flags, struct folio ***out)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct folio **arr = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	if (!mapping || !mapping->i_pages)
		return 0;
	mm_rcu_read_lock();
	/*
	 * Not cds_lfht_for_each_entry(): it computes container_of() of the NULL
	 * that ends the walk, pointer arithmetic on NULL (clang's UBSan says so).
	 */
	for (cds_lfht_first(mapping->i_pages, &iter);
	     (node = cds_lfht_iter_get_node(&iter)) != NULL;
	     cds_lfht_next(mapping->i_pages, &iter)) {
		struct pc_entry *e = caa_container_of(node, struct pc_entry, node);
		pgoff_t index = pc_index(e);
		struct folio *folio = READ_ONCE(e->folio);

		if (index < start || index > end)
			continue;
		/* One visit per folio: through the node of its first index. */
		if (READ_ONCE(folio->index) != index)
			continue;
		if ((flags & FILEMAP_DIRTY) && !folio_test_dirty(folio))
			continue;
		if (!folio_try_get(folio))
			continue;
		if (cds_lfht_is_node_deleted(&e->node) ||
		    READ_ONCE(folio->mapping) != mapping) {
			folio_put(folio);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct folio **na = realloc(arr, ncap * sizeof(*arr));

			if (!na) {
				folio_put(folio);
				break;
			}
			arr = na;
			cap = ncap;
		}
		arr[n++] = folio;
	}
	mm_rcu_read_unlock();
	if (n)
		qsort(arr, n, sizeof(*arr), folio_index_cmp);
	*out = arr;
	return n;
}

void folio_batch_release(struct folio **folios, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		folio_put(folios[i]);
	free(folios);
}

bool filemap_release_folio(struct folio *folio, gfp_t gfp)
{
	struct address_space *mapping = folio_mapping(folio);

	if (!folio_has_private(folio))
		return true;
	if (folio_test_writeback(folio))
		return false;
	if (mapping && mapping->a_ops && mapping->a_ops->release_folio)
		return mapping->a_ops->release_folio(folio, gfp);
	return try_to_free_buffers(folio);
}

void folio_wait_stable(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);
	struct inode *inode = mapping ? mapping->host : NULL;

	/*
	 * A disk that checks guard tags needs stable pages: 6.12 has
	 * bdev_stable_writes() (BLK_FEAT_STABLE_WRITES) become the super
	 * block's SB_I_STABLE_WRITES and each mapping's AS_STABLE_WRITES
	 * (older releases: BDI_CAP_STABLE_WRITES). Model: a checksum mount
	 * stands for all of them.
	 */
	if (inode && inode->i_sb && (inode->i_sb->s_flags & SB_CHECKSUM))
		folio_wait_writeback(folio);
}

int filemap_migrate_folio(struct address_space *mapping, struct folio *dst, struct folio *src)
{
	long nr = folio_nr_pages(src);
	int expected;

	if (!mapping || !dst || !src || folio_nr_pages(dst) != nr || folio_mapping(src) != mapping)
		return -EINVAL;
	/* folio_migrate_mapping(): the caller's reference, the cache's, the buffers'. */
	expected = 1 + (int)nr + (folio_test_private(src) ? 1 : 0);
	pthread_mutex_lock(&mapping->i_pages_lock);
	if (!folio_ref_freeze(src, expected)) {
		pthread_mutex_unlock(&mapping->i_pages_lock);
		return -EAGAIN;
	}
	folio_ref_add(dst, (int)nr);
	WRITE_ONCE(dst->index, src->index);
	WRITE_ONCE(dst->mapping, mapping);
	if (folio_test_swapbacked(src))
		folio_set_swapbacked(dst);
	mm_rcu_read_lock();
	for (long i = 0; i < nr; i++) {
		struct pc_entry *e = pc_lookup(mapping, src->index + (pgoff_t)i);

		if (e && e->folio == src)
			WRITE_ONCE(e->folio, dst);
	}
	mm_rcu_read_unlock();
	/* Buffers follow the data, with the reference they hold. */
	pthread_mutex_lock(&mapping->private_lock);
	if (folio_test_private(src)) {
		struct buffer_head *head = folio_buffers(src), *bh = head;

		do {
			bh->b_folio = dst;
			bh = bh->b_this_page;
		} while (bh != head);
		folio_ref_add(dst, 1);
		WRITE_ONCE(dst->private, head);
		folio_set_private(dst);
		folio_clear_private(src);
		WRITE_ONCE(src->private, NULL);
	}
	pthread_mutex_unlock(&mapping->private_lock);
	/* Flags, dirty included, are vm/'s folio_migrate_flags() to copy. */
	WRITE_ONCE(src->mapping, NULL);
	pthread_mutex_unlock(&mapping->i_pages_lock);
	/* Only the caller's reference is left; dst joins the LRU through vm/'s hook. */
	folio_ref_unfreeze(src, 1);
	return 0;
}
