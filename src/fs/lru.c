/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The LRU lists (mm/swap.c): one lruvec, one lock. PG_lru says a folio is on a
 * list; isolation clears it under the lock, so whoever clears it owns the
 * folio's ->lru link.
 */
#include <pinmm/vm/mm.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/filemap.h>
#include <pinmm/mem/hugetlb.h>
#include <pinmm/pin/lru.h>
#include "internal.h"

static struct {
	pthread_mutex_t lock;
	struct cds_list_head lists[NR_LRU_LISTS];
	unsigned long nr[NR_LRU_LISTS];
	unsigned int boot;		/* mm_boot_generation the lists belong to */
} lruvec = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.lists = {
		CDS_LIST_HEAD_INIT(lruvec.lists[0]), CDS_LIST_HEAD_INIT(lruvec.lists[1]),
		CDS_LIST_HEAD_INIT(lruvec.lists[2]), CDS_LIST_HEAD_INIT(lruvec.lists[3]),
		CDS_LIST_HEAD_INIT(lruvec.lists[4]),
	},
};

/*
 * folio->lru.next is page->compound_head: page_folio() reads it locklessly
 * from any thread (GUP-fast, faults), so every store to a ->next goes through
 * WRITE_ONCE, as the kernel's list helpers do.
 */
void lru_list_add(struct cds_list_head *entry, struct cds_list_head *head)
{
	struct cds_list_head *next = head->next;

	next->prev = entry;
	entry->prev = head;
	WRITE_ONCE(entry->next, next);
	WRITE_ONCE(head->next, entry);
}

void lru_list_del(struct cds_list_head *entry)
{
	struct cds_list_head *prev = entry->prev, *next = entry->next;

	next->prev = prev;
	WRITE_ONCE(prev->next, next);
}

static enum lru_list folio_lru_list(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);
	bool active = folio_test_active(folio);

	if (folio_test_unevictable(folio) ||
	    (mapping && mapping_test_flag(mapping, AS_UNEVICTABLE)))
		return LRU_UNEVICTABLE;
	if (folio_test_anon(folio))
		return active ? LRU_ACTIVE_ANON : LRU_INACTIVE_ANON;
	return active ? LRU_ACTIVE_FILE : LRU_INACTIVE_FILE;
}

static void lru_add_locked(struct folio *folio)
{
	enum lru_list lru = folio_lru_list(folio);

	lru_list_add(&folio->lru, &lruvec.lists[lru]);
	lruvec.nr[lru] += (unsigned long)folio_nr_pages(folio);
}

static void lru_del_locked(struct folio *folio)
{
	enum lru_list lru = folio_lru_list(folio);

	lru_list_del(&folio->lru);
	lruvec.nr[lru] -= (unsigned long)folio_nr_pages(folio);
}

void folio_add_lru(struct folio *folio)
{
	pthread_mutex_lock(&lruvec.lock);
	if (!folio_lru_dma_pinned(folio) && !folio_test_set_lru(folio))
		lru_add_locked(folio);
	pthread_mutex_unlock(&lruvec.lock);
}

bool folio_isolate_lru(struct folio *folio)
{
	bool ret = false;

	pthread_mutex_lock(&lruvec.lock);
	if (folio_test_clear_lru(folio)) {
		lru_del_locked(folio);
		ret = true;
	}
	pthread_mutex_unlock(&lruvec.lock);
	return ret;
}

/* __folio_clear_lru_flags(): the allocator refuses a folio still carrying them. */
static void folio_clear_lru_flags(struct folio *folio)
{
	folio_clear_active(folio);
	folio_clear_unevictable(folio);
}

/*
 * Whoever puts an isolated folio back (reclaim's putback, the lru tracker's
 * last unpin) decides under this lock, from ->mapping, whether it is still in
 * the cache. Clearing ->mapping in the same section as the removal means it
 * sees either a folio not yet removed, which the removal then takes off the
 * list, or one with no mapping, which it leaves off. With ->mapping cleared
 * after the lock is dropped, a last unpin in between relisted a truncated
 * folio, and it was freed with PG_lru set.
 */
void folio_del_from_lru_uncache(struct folio *folio)
{
	pthread_mutex_lock(&lruvec.lock);
	if (folio_test_clear_lru(folio))
		lru_del_locked(folio);
	folio_clear_lru_flags(folio);
	WRITE_ONCE(folio->mapping, NULL);
	pthread_mutex_unlock(&lruvec.lock);
}

/* Back on the LRU if still in the cache (or anon); off-LRU flags cleared otherwise. */
static void lru_add_if_live(struct folio *folio)
{
	pthread_mutex_lock(&lruvec.lock);
	/*
	 * A page-cache folio truncated while isolated stays off the LRU: it left
	 * the cache (->mapping cleared under this lock by the remover) and mem/
	 * would find PG_lru set when it frees it.
	 */
	if (folio_lru_dma_pinned(folio)) {
		/* The lru tracker owns ->lru until the last unpin puts it back. */
	} else if (folio_test_anon(folio) || READ_ONCE(folio->mapping)) {
		if (!folio_test_set_lru(folio))
			lru_add_locked(folio);
	} else {
		folio_clear_lru_flags(folio);
	}
	pthread_mutex_unlock(&lruvec.lock);
}

void folio_putback_lru(struct folio *folio)
{
	lru_add_if_live(folio);
	folio_put(folio);
}

void folio_mark_accessed(struct folio *folio)
{
	if (!folio_test_referenced(folio)) {
		folio_set_referenced(folio);
		return;
	}
	if (folio_test_active(folio) || folio_test_unevictable(folio))
		return;
	pthread_mutex_lock(&lruvec.lock);
	if (folio_test_lru(folio) && !folio_test_active(folio)) {
		lru_del_locked(folio);
		folio_set_active(folio);
		lru_add_locked(folio);
		folio_clear_referenced(folio);
	}
	pthread_mutex_unlock(&lruvec.lock);
}

unsigned long lru_count(enum lru_list lru)
{
	unsigned long n;

	if (lru >= NR_LRU_LISTS)
		return 0;
	pthread_mutex_lock(&lruvec.lock);
	n = lruvec.nr[lru];
	pthread_mutex_unlock(&lruvec.lock);
	return n;
}

/*
 * Isolate up to @max folios from the tail (oldest end) of @lru into @dst, each
 * with a reference. Folios being freed are skipped. Isolated folios are held
 * in an array, not on a private list through ->lru, so vm/'s hook may put a
 * folio it maps back on the LRU while reclaim looks at it.
 */
size_t lru_isolate_tail(enum lru_list lru, size_t max, struct folio **dst)
{
	unsigned long scanned = 0, len;
	size_t n = 0;

	pthread_mutex_lock(&lruvec.lock);
	len = lruvec.nr[lru];
	while (n < max && scanned < len && !cds_list_empty(&lruvec.lists[lru])) {
		struct folio *folio = cds_list_entry(lruvec.lists[lru].prev, struct folio, lru);

		scanned += (unsigned long)folio_nr_pages(folio);
		if (!folio_try_get(folio)) {
			/* Rotate it so the walk terminates. */
			lru_list_del(&folio->lru);
			lru_list_add(&folio->lru, &lruvec.lists[lru]);
			continue;
		}
		folio_clear_lru(folio);
		lru_del_locked(folio);
		dst[n++] = folio;
	}
	pthread_mutex_unlock(&lruvec.lock);
	return n;
}

/* Move every folio of the active file list to the inactive one. */
void lru_deactivate_file(void)
{
	pthread_mutex_lock(&lruvec.lock);
	while (!cds_list_empty(&lruvec.lists[LRU_ACTIVE_FILE])) {
		struct folio *folio = cds_list_entry(lruvec.lists[LRU_ACTIVE_FILE].prev,
						     struct folio, lru);

		lru_del_locked(folio);
		folio_clear_active(folio);
		folio_clear_referenced(folio);
		lru_add_locked(folio);
	}
	pthread_mutex_unlock(&lruvec.lock);
}

/*
 * vm/ calls this for folios it maps and for a migration's new folio (or the
 * old one put back). Page-cache folios go (back) on the file LRU.
 * Model: anonymous folios are not put on a list: only MADV_PAGEOUT reclaims
 * them (vm/pageout.c, from the page tables), and mem/'s free path does not yet take a folio off the LRU
 * (mainline's __page_cache_release), so a listed anon folio freed by munmap
 * would be freed while still linked.
 */
static void lru_add_hook(struct folio *folio)
{
	if (folio_test_anon(folio) || !READ_ONCE(folio->mapping))
		return;
	lru_add_if_live(folio);
}

/*
 * The lru tracker's isolation (the 2018 RFC's isolate_lru_page() on the first
 * pin). Model: anonymous folios are on no list here (lru_add_hook), where the
 * kernel has them on the anon LRU once lru_add_drain() has run; they count as
 * isolated by the pin, after the same lock round trip. Nothing else isolates
 * an anonymous folio in pinmm, so that is the kernel's outcome too. A hugetlb
 * folio is the exception the kernel has as well: anonymous or not, it is
 * never on an LRU.
 */
static bool pin_lru_isolate(struct folio *folio, void (*mark)(struct folio *folio))
{
	bool ret = false;

	if (folio_is_zone_device(folio))
		return false;	/* never on an LRU: its ->lru words are pgmap and zone_device_data */
	/*
	 * Never on an LRU either, anonymous or not: its ->lru links it on the
	 * hstate's active list (or on migration's private list).
	 */
	if (folio_test_hugetlb(folio))
		return false;
	pthread_mutex_lock(&lruvec.lock);
	/* Test first: GUP-fast may hand us a folio it is about to back out of. */
	if (folio_test_lru(folio) && folio_test_clear_lru(folio)) {
		lru_del_locked(folio);
		ret = true;
	} else if (folio_test_anon(folio)) {
		ret = true;
	}
	if (ret)
		mark(folio);
	pthread_mutex_unlock(&lruvec.lock);
	return ret;
}

/* The last unpin: the RFC's putback_lru_page(). */
static void pin_lru_putback(struct folio *folio, void (*unmark)(struct folio *folio))
{
	pthread_mutex_lock(&lruvec.lock);
	unmark(folio);
	if (folio_test_anon(folio)) {
		/* As pin_lru_isolate: the model lists no anonymous folio. */
	} else if (READ_ONCE(folio->mapping)) {
		if (!folio_test_set_lru(folio))
			lru_add_locked(folio);
	} else {
		/* Truncated while pinned: it stays off the LRU, to be freed. */
		folio_clear_lru_flags(folio);
	}
	pthread_mutex_unlock(&lruvec.lock);
}

/*
 * Model: the huge zero folio is the one user-mapped folio pinmm keeps on no
 * list while GUP may pin it; any other non-LRU folio a pin can reach is
 * on someone's list (isolated, or hugetlb's).
 */
static bool pin_lru_unused(const struct folio *folio)
{
	return is_huge_zero_folio(folio);
}

static const struct pin_lru_ops fs_pin_lru_ops = {
	.isolate = pin_lru_isolate,
	.putback = pin_lru_putback,
	.lru_unused = pin_lru_unused,
};

/*
 * A new simulated boot starts with empty lists: folios a previous machine left
 * listed (a scenario torn down mid-way) are gone with its mem_map.
 */
static void lru_boot_check(void)
{
	unsigned int gen = atomic_load(&mm_boot_generation);

	pthread_mutex_lock(&lruvec.lock);
	if (lruvec.boot != gen) {
		for (int i = 0; i < NR_LRU_LISTS; i++) {
			CDS_INIT_LIST_HEAD(&lruvec.lists[i]);
			lruvec.nr[i] = 0;
		}
		lruvec.boot = gen;
	}
	pthread_mutex_unlock(&lruvec.lock);
}

void fs_install_hooks(void)
{
	lru_boot_check();
	folio_add_lru_hook = lru_add_hook;
	folio_isolate_lru_hook = folio_isolate_lru;
	fput_release_hook = fs_file_release;
	WRITE_ONCE(pin_lru_ops, &fs_pin_lru_ops);
}
