/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The swap device and the swap cache (mm/swapfile.c, mm/swap_state.c): slots
 * with their swap_map counts, the folio each slot's cache entry holds, and the
 * slots' contents.
 *
 * Model: one device, its slots in host memory. The swap cache is an array
 * indexed by slot (mainline: an xarray per 64 MiB of swap); one lock covers
 * swap_map and the cache, as the cluster lock and the cache's xa_lock do
 * between them.
 */
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <pinmm/vm/swap.h>
#include "internal.h"

struct swap_info_struct {
	unsigned long max;		/* slots */
	unsigned long inuse;		/* slots with a count or the cache bit */
	unsigned char *swap_map;
	struct folio **cache;		/* the swap cache: the folio of each slot */
	unsigned char *data;		/* the slots' contents, PAGE_SIZE each */
	pthread_mutex_t lock;
};

static struct swap_info_struct *swap_info;

int swapon_mem(unsigned long bytes)
{
	struct swap_info_struct *si;

	if (swap_info)
		return -EBUSY;
	if (!bytes || bytes % PMD_SIZE || bytes > (1UL << 30))
		return -EINVAL;
	si = calloc(1, sizeof(*si));
	if (!si)
		return -ENOMEM;
	si->max = bytes >> PAGE_SHIFT;
	si->swap_map = calloc(si->max, 1);
	si->cache = calloc(si->max, sizeof(*si->cache));
	si->data = malloc(bytes);
	if (!si->swap_map || !si->cache || !si->data) {
		free(si->swap_map);
		free(si->cache);
		free(si->data);
		free(si);
		return -ENOMEM;
	}
	pthread_mutex_init(&si->lock, NULL);
	__atomic_store_n(&swap_info, si, __ATOMIC_RELEASE);
	mm_trace("swapon", "slots=%lu", si->max);
	return 0;
}

int swapoff_mem(void)
{
	struct swap_info_struct *si = swap_info;
	struct folio *drop[64];
	int nr;

	if (!si)
		return -ENOENT;
	/* The cache's folios go first, mapped or not, when no swap PTE names their slots. */
	do {
		nr = 0;
		pthread_mutex_lock(&si->lock);
		for (unsigned long i = 0; i < si->max && nr < 64; i++) {
			struct folio *f = si->cache[i];

			if (f && swp_offset(folio_swap_entry(f)) == i) {
				folio_get(f);
				drop[nr++] = f;
			}
		}
		pthread_mutex_unlock(&si->lock);
		for (int i = 0; i < nr; i++) {
			folio_lock(drop[i]);
			if (!folio_test_swapcache(drop[i]) || folio_swapped(drop[i])) {
				folio_unlock(drop[i]);
				folio_put(drop[i]);
				return -EBUSY;
			}
			delete_from_swap_cache(drop[i]);
			folio_set_dirty(drop[i]);
			folio_unlock(drop[i]);
			folio_put(drop[i]);
		}
	} while (nr);
	pthread_mutex_lock(&si->lock);
	if (si->inuse) {
		pthread_mutex_unlock(&si->lock);
		return -EBUSY;
	}
	pthread_mutex_unlock(&si->lock);
	__atomic_store_n(&swap_info, NULL, __ATOMIC_RELEASE);
	pthread_mutex_destroy(&si->lock);
	free(si->swap_map);
	free(si->cache);
	free(si->data);
	free(si);
	mm_trace("swapoff", "done");
	return 0;
}

bool swap_enabled(void)
{
	return __atomic_load_n(&swap_info, __ATOMIC_ACQUIRE) != NULL;
}

unsigned long swap_slots_used(void)
{
	struct swap_info_struct *si = swap_info;
	unsigned long n;

	if (!si)
		return 0;
	pthread_mutex_lock(&si->lock);
	n = si->inuse;
	pthread_mutex_unlock(&si->lock);
	return n;
}

unsigned long swap_slots_total(void)
{
	struct swap_info_struct *si = swap_info;

	return si ? si->max : 0;
}

/* The device and the slot of @entry, or NULL for a bad entry (a WARN, as swap_info_get()). */
static struct swap_info_struct *swp_slot(swp_entry_t entry, unsigned long *off)
{
	struct swap_info_struct *si = __atomic_load_n(&swap_info, __ATOMIC_ACQUIRE);

	if (non_swap_entry(entry) || !si || swp_offset(entry) >= si->max) {
		mm_event(MM_EV_WARN, NULL, "swap: bad swap entry %#lx", entry.val);
		return NULL;
	}
	*off = swp_offset(entry);
	return si;
}

int __swap_count(swp_entry_t entry)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(entry, &off);
	int n;

	if (!si)
		return 0;
	pthread_mutex_lock(&si->lock);
	n = si->swap_map[off] & ~SWAP_HAS_CACHE;
	pthread_mutex_unlock(&si->lock);
	return n;
}

bool folio_swapped(struct folio *folio)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(folio_swap_entry(folio), &off);
	bool swapped = false;

	if (!si)
		return false;
	pthread_mutex_lock(&si->lock);
	for (long i = 0; i < folio_nr_pages(folio); i++)
		if (si->swap_map[off + (unsigned long)i] & ~SWAP_HAS_CACHE)
			swapped = true;
	pthread_mutex_unlock(&si->lock);
	return swapped;
}

int swap_duplicate(swp_entry_t entry)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(entry, &off);
	int err = 0;

	if (!si)
		return -ENOENT;
	pthread_mutex_lock(&si->lock);
	if (!si->swap_map[off])
		err = -ENOENT;
	else if ((si->swap_map[off] & ~SWAP_HAS_CACHE) >= SWAP_MAP_MAX)
		/* Model: no swap count continuation pages; the caller fails as on -ENOMEM. */
		err = -ENOMEM;
	else
		si->swap_map[off]++;
	pthread_mutex_unlock(&si->lock);
	if (err == -ENOENT)
		mm_event(MM_EV_WARN, NULL, "swap_duplicate: slot %lu is free", off);
	return err;
}

/* swap_map[off] changed to @v: account a slot that became free. Lock held. */
static void slot_update(struct swap_info_struct *si, unsigned long off, unsigned char v)
{
	if (si->swap_map[off] && !v)
		si->inuse--;
	else if (!si->swap_map[off] && v)
		si->inuse++;
	si->swap_map[off] = v;
}

void swap_free_nr(swp_entry_t entry, int nr)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(entry, &off);
	bool bad = false;

	if (!si)
		return;
	pthread_mutex_lock(&si->lock);
	for (int i = 0; i < nr && off + (unsigned long)i < si->max; i++) {
		unsigned char v = si->swap_map[off + (unsigned long)i];

		if (!(v & ~SWAP_HAS_CACHE)) {
			bad = true;
			continue;
		}
		slot_update(si, off + (unsigned long)i, (unsigned char)(v - 1));
	}
	pthread_mutex_unlock(&si->lock);
	if (bad)
		mm_event(MM_EV_WARN, NULL, "swap_free: slot %lu has no swap PTE left", off);
}

/* An aligned run of @nr free slots (a cluster for a THP), or -1. Lock held. */
static long scan_swap_map(struct swap_info_struct *si, unsigned long nr)
{
	for (unsigned long base = 0; base + nr <= si->max; base += nr) {
		unsigned long i;

		for (i = 0; i < nr && !si->swap_map[base + i]; i++)
			;
		if (i == nr)
			return (long)base;
	}
	return -1;
}

bool add_to_swap(struct folio *folio)
{
	struct swap_info_struct *si = __atomic_load_n(&swap_info, __ATOMIC_ACQUIRE);
	unsigned long nr = (unsigned long)folio_nr_pages(folio);
	long base;

	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (!si || folio_test_swapcache(folio))
		return false;
	/* Model: a large folio below PMD size gets an aligned run of its own size. */
	pthread_mutex_lock(&si->lock);
	base = scan_swap_map(si, nr);
	if (base < 0) {
		pthread_mutex_unlock(&si->lock);
		return false;
	}
	for (unsigned long i = 0; i < nr; i++) {
		slot_update(si, (unsigned long)base + i, SWAP_HAS_CACHE);
		si->cache[(unsigned long)base + i] = folio;
	}
	folio_ref_add(folio, (int)nr);
	folio->private = (void *)swp_swap_entry((unsigned long)base).val;
	folio_set_swapcache(folio);
	pthread_mutex_unlock(&si->lock);
	/* Nothing is in the slots yet: the folio must be written before it may go. */
	folio_set_dirty(folio);
	mm_trace("add_to_swap", "pfn=%#lx order=%u slot=%ld", folio_pfn(folio), folio_order(folio), base);
	return true;
}

struct folio *swap_cache_get_folio(swp_entry_t entry)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(entry, &off);
	struct folio *folio;

	if (!si)
		return NULL;
	pthread_mutex_lock(&si->lock);
	folio = si->cache[off];
	if (folio)
		folio_get(folio);
	pthread_mutex_unlock(&si->lock);
	return folio;
}

struct folio *swapin_folio(swp_entry_t entry, bool *new)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(entry, &off);
	struct folio *folio, *found;

	*new = false;
	if (!si)
		return NULL;
	found = swap_cache_get_folio(entry);
	if (found)
		return found;
	folio = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);
	if (!folio)
		return NULL;
	__folio_set_locked(folio);
	folio_set_swapbacked(folio);
	pthread_mutex_lock(&si->lock);
	found = si->cache[off];
	if (found || !(si->swap_map[off] & ~SWAP_HAS_CACHE)) {
		/* Raced: another swap-in added it, or the last swap PTE went. */
		if (found)
			folio_get(found);
		pthread_mutex_unlock(&si->lock);
		__folio_clear_locked(folio);
		folio_put(folio);
		return found;
	}
	slot_update(si, off, si->swap_map[off] | SWAP_HAS_CACHE);
	si->cache[off] = folio;
	folio_ref_add(folio, 1);
	folio->private = (void *)swp_swap_entry(off).val;
	folio_set_swapcache(folio);
	pthread_mutex_unlock(&si->lock);
	/* swap_read_folio(): the slot's contents, then uptodate publishes them. */
	memcpy_to_page(&folio->page, 0, si->data + off * PAGE_SIZE, PAGE_SIZE);
	folio_mark_uptodate(folio);
	count_vm_event(PSWPIN);
	*new = true;
	mm_trace("swap_read_folio", "slot=%lu -> pfn=%#lx", off, folio_pfn(folio));
	return folio;
}

bool __delete_from_swap_cache(struct folio *folio)
{
	unsigned long off;
	struct swap_info_struct *si;
	long nr = folio_nr_pages(folio);

	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (!folio_test_swapcache(folio))
		return false;
	si = swp_slot(folio_swap_entry(folio), &off);
	if (!si)
		return false;
	pthread_mutex_lock(&si->lock);
	for (unsigned long i = 0; i < (unsigned long)nr; i++) {
		si->cache[off + i] = NULL;
		slot_update(si, off + i, si->swap_map[off + i] & ~SWAP_HAS_CACHE);
	}
	folio_clear_swapcache(folio);
	folio->private = NULL;
	pthread_mutex_unlock(&si->lock);
	return true;
}

void delete_from_swap_cache(struct folio *folio)
{
	if (__delete_from_swap_cache(folio))
		folio_ref_sub(folio, (int)folio_nr_pages(folio));
}

void free_swap_and_cache(swp_entry_t entry)
{
	struct folio *folio;

	swap_free(entry);
	if (__swap_count(entry))
		return;
	/* __try_to_reclaim_swap(TTRS_UNMAPPED): an unmapped cache folio goes too. */
	folio = swap_cache_get_folio(entry);
	if (!folio)
		return;
	if (folio_trylock(folio)) {
		if (!folio_mapped(folio))
			folio_free_swap(folio);
		folio_unlock(folio);
	}
	folio_put(folio);
}

bool folio_free_swap(struct folio *folio)
{
	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (!folio_test_swapcache(folio) || folio_test_writeback(folio) || folio_swapped(folio))
		return false;
	delete_from_swap_cache(folio);
	folio_set_dirty(folio);
	return true;
}

void swap_writepage(struct folio *folio)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(folio_swap_entry(folio), &off);

	VM_BUG_ON_FOLIO(!folio_test_locked(folio), folio);
	if (!si)
		return;
	folio_clear_dirty(folio);
	for (long i = 0; i < folio_nr_pages(folio); i++)
		memcpy_from_page(si->data + (off + (unsigned long)i) * PAGE_SIZE,
				 folio_page(folio, i), 0, PAGE_SIZE);
	mod_node_page_state(PSWPOUT, folio_nr_pages(folio));
	/* count_swpout_vm_event(): thp_swpout is the PMD size's; each size has its swpout. */
	if (folio_order(folio) == HPAGE_PMD_ORDER)
		count_vm_event(THP_SWPOUT);
	count_mthp_stat((int)folio_order(folio), MTHP_STAT_SWPOUT);
	mm_trace("swap_writepage", "pfn=%#lx slot=%lu pages=%ld", folio_pfn(folio), off,
		 folio_nr_pages(folio));
}

void swap_cache_migrate(struct folio *dst, struct folio *src)
{
	unsigned long off;
	struct swap_info_struct *si = swp_slot(folio_swap_entry(src), &off);

	if (!si)
		return;
	pthread_mutex_lock(&si->lock);
	for (long i = 0; i < folio_nr_pages(src); i++)
		si->cache[off + (unsigned long)i] = dst;
	dst->private = src->private;
	folio_set_swapcache(dst);
	folio_clear_swapcache(src);
	src->private = NULL;
	pthread_mutex_unlock(&si->lock);
}

void free_swap_cache(struct folio *folio)
{
	if (folio_test_swapcache(folio) && !folio_mapped(folio) && folio_trylock(folio)) {
		folio_free_swap(folio);
		folio_unlock(folio);
	}
}

unsigned long swap_reset(void)
{
	struct swap_info_struct *si = swap_info;
	unsigned long leaked;

	if (!si || !swapoff_mem())
		return 0;
	pthread_mutex_lock(&si->lock);
	leaked = si->inuse;
	for (unsigned long i = 0; i < si->max; i++) {
		struct folio *f = si->cache[i];

		if (f && swp_offset(folio_swap_entry(f)) == i) {
			long nr = folio_nr_pages(f);

			for (long j = 0; j < nr; j++)
				si->cache[i + (unsigned long)j] = NULL;
			folio_clear_swapcache(f);
			f->private = NULL;
			pthread_mutex_unlock(&si->lock);
			folio_ref_sub(f, (int)nr);
			pthread_mutex_lock(&si->lock);
		}
	}
	pthread_mutex_unlock(&si->lock);
	__atomic_store_n(&swap_info, NULL, __ATOMIC_RELEASE);
	pthread_mutex_destroy(&si->lock);
	free(si->swap_map);
	free(si->cache);
	free(si->data);
	free(si);
	return leaked;
}
