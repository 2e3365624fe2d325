/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Swap: one swap device with in-memory slots (mm/swapfile.c), the swap cache
 * (mm/swap_state.c), reclaim of anonymous folios to it (the anon part of
 * mm/vmscan.c's shrink_folio_list(), reached by MADV_PAGEOUT), and swap-in
 * (do_swap_page()).
 *
 * A slot's swap_map count is the number of swap PTEs that refer to it;
 * SWAP_HAS_CACHE says a folio for it sits in the swap cache. A folio in the
 * swap cache has PG_swapcache, its first slot in folio->swap, and one
 * reference per page held by the cache, as in mainline.
 *
 * Model: the device's writes and reads complete at once (pageout() of a
 * folio finds it clean and off writeback straight away), so reclaim frees a
 * folio in the pass that wrote it, as shrink_folio_list() does for a folio
 * whose writeback has finished. No readahead: swap-in reads the one page.
 */
#ifndef PINMM_VM_SWAP_H
#define PINMM_VM_SWAP_H

#include <pinmm/vm/mm_types.h>
#include <pinmm/vm/swapops.h>

#define SWAP_HAS_CACHE	0x40	/* swap_map: a folio for the slot is in the swap cache */
#define SWAP_MAP_MAX	0x3e	/* swap_map: the most PTEs one slot counts (no continuation) */
/* A THP is swapped out whole into one aligned cluster of slots (CONFIG_THP_SWAP). */
#define SWAPFILE_CLUSTER	512

/*
 * swapon(2) of an in-memory device of @bytes (a multiple of 2 MiB, at most
 * 1 GiB). -EBUSY if one is already on, -EINVAL for a bad size, -ENOMEM.
 */
int swapon_mem(unsigned long bytes);
/*
 * swapoff(2). The swap cache lets go of folios no swap PTE names any more.
 * Model: no try_to_unuse(): with a swap PTE still in some page table the
 * device stays and -EBUSY is returned. -ENOENT when none is on.
 */
int swapoff_mem(void);
bool swap_enabled(void);
/* Slots in use (a swap PTE or the swap cache refers to them). */
unsigned long swap_slots_used(void);
unsigned long swap_slots_total(void);

/* The first slot of a folio in the swap cache (folio->swap in mainline). */
static inline swp_entry_t folio_swap_entry(const struct folio *folio)
{
	return (swp_entry_t){ (unsigned long)folio->private };
}

/* swap_map counts of the slot @entry names (flag bits ignored); 0 without a device. */
int __swap_count(swp_entry_t entry);
/* Does any slot of @folio (in the swap cache) still have a swap PTE? */
bool folio_swapped(struct folio *folio);
/* One more swap PTE for the slot (fork, try_to_unmap). 0, or -ENOENT/-ENOMEM. */
int swap_duplicate(swp_entry_t entry);
/* One swap PTE fewer for each of @nr slots from @entry (zap, swap-in). */
void swap_free_nr(swp_entry_t entry, int nr);
static inline void swap_free(swp_entry_t entry)
{
	swap_free_nr(entry, 1);
}

/*
 * add_to_swap(): give the locked anon @folio slots (an aligned cluster for a
 * large folio) and put it in the swap cache, dirty. false when the device is
 * full, off, or has no cluster free for a large folio.
 */
bool add_to_swap(struct folio *folio);
/*
 * The swap cache's folio for @entry, with a reference, or NULL
 * (swap_cache_get_folio()).
 */
struct folio *swap_cache_get_folio(swp_entry_t entry);
/*
 * Read the slot @entry into a new locked order-0 folio in the swap cache, or
 * find the one there (*@new false, not locked, referenced). NULL: out of memory.
 * Model: __read_swap_cache_async() without readahead.
 */
struct folio *swapin_folio(swp_entry_t entry, bool *new);
/* Take @folio (locked) out of the swap cache: the cache's references go. */
void delete_from_swap_cache(struct folio *folio);
/* The same, leaving the references to a caller that froze them. false: not in it. */
bool __delete_from_swap_cache(struct folio *folio);
/*
 * A swap PTE of @entry went away (zap): one count fewer, and a cache folio
 * that nothing maps or names any more is dropped.
 */
void free_swap_and_cache(swp_entry_t entry);
/* A zap unmapped @folio (we hold a reference): an idle swap cache entry goes. */
void free_swap_cache(struct folio *folio);
/*
 * folio_free_swap(): if no swap PTE refers to the locked @folio's slots any
 * more and it is not under writeback, drop it from the swap cache and free
 * the slots. Returns whether it did.
 */
bool folio_free_swap(struct folio *folio);
/*
 * Migration: @dst (locked, with the cache's references already taken) takes
 * frozen @src's place in the swap cache (folio_migrate_mapping()).
 */
void swap_cache_migrate(struct folio *dst, struct folio *src);
/* swap_writepage(): copy the locked folio's contents to its slots; clears dirty. */
void swap_writepage(struct folio *folio);

/*
 * How many pages of [start, start+len) have a swap-format PTE: what
 * /proc/PID/pagemap's PM_SWAP bit says (a migration entry counts too).
 */
long mm_range_swapped(struct mm_struct *mm, unsigned long start, unsigned long len);
/*
 * Bring the device down whatever is left (a machine's teardown): the cache's
 * references are dropped and the slots forgotten. Returns how many slots
 * were still in use (a leak the caller reports), 0 when none or no device.
 */
unsigned long swap_reset(void);

/* MADV_PAGEOUT of [start, end) in @vma (mmap_lock held for reading). */
void madvise_pageout_vma(struct vm_area_struct *vma, unsigned long start, unsigned long end);

#endif
