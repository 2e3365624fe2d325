/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct page and struct folio, laid out as mainline lays them out on x86-64
 * (the 6.1 folio: order, entire mapcount and pincount in the first tail page).
 */
#ifndef PINMM_MEM_MM_TYPES_H
#define PINMM_MEM_MM_TYPES_H

#include <stdatomic.h>
#include <urcu/list.h>
#include <pinmm/mem/compiler.h>

struct address_space;		/* vm/ */
struct dev_pagemap;		/* devmap/ */

/*
 * Model: memcg_data is kept so the layout (and so every offset a kernel developer
 * knows) matches mainline; pinmm has no memory cgroups and never sets it.
 */
struct page {
	unsigned long flags;		/* page-flags.h; zone in the top bits */
	union {
		struct {	/* page cache, anonymous and free pages */
			struct cds_list_head lru;	/* LRU list or buddy free list */
			struct address_space *mapping;	/* file mapping, or anon_vma | PAGE_MAPPING_ANON */
			pgoff_t index;
			unsigned long private;		/* buffers (PG_private) or buddy order */
		};
		struct {	/* tail pages of a large folio */
			unsigned long compound_head;	/* head | 1 */
		};
		struct {	/* ZONE_DEVICE pages */
			struct dev_pagemap *pgmap;
			void *zone_device_data;
		};
	};
	union {
		atomic_int _mapcount;		/* -1: not mapped by any PTE */
		unsigned int page_type;		/* PGTY_* when not mappable (buddy) */
	};
	atomic_int _refcount;
#ifdef PINMM_FIELD_TRACKER_PAGE
	/*
	 * John Hubbard's December 2018 field (seed 001), where his patch put it:
	 * "DMA usage count. See get_user_pages*(), put_user_page*()". Only the
	 * `make PAGE=72` build has it; src/pin/field.c is its one user.
	 */
	atomic_int _dma_pinned_count;
#endif
	unsigned long memcg_data;
};

/*
 * Matthew Wilcox's answer to that field: "Adding this field will grow struct
 * page by 4-8 bytes, so it will no longer be 64 bytes. This isn't an
 * acceptable answer." (seed 001). The 4-byte counter costs 8 here: memcg_data
 * is re-aligned behind it.
 */
#ifdef PINMM_FIELD_TRACKER_PAGE
#define STRUCT_PAGE_SIZE	72
#else
#define STRUCT_PAGE_SIZE	64
#endif
_Static_assert(sizeof(struct page) == STRUCT_PAGE_SIZE, "struct page must be 64 bytes (72 with PAGE=72)");

struct folio {
	union {
		struct {
			unsigned long flags;
			union {
				struct cds_list_head lru;
			};
			struct address_space *mapping;
			pgoff_t index;
			void *private;
			atomic_int _mapcount;
			atomic_int _refcount;
#ifdef PINMM_FIELD_TRACKER_PAGE
			atomic_int _dma_pinned_count;
#endif
			unsigned long memcg_data;
		};
		struct page page;
	};
	union {		/* first tail page: only valid for large folios */
		/*
		 * As mainline lays it out since 6.15 (64-bit): the order in the low
		 * byte of _flags_1, the mapcounts and the exact pin count, then the
		 * two MM slots (CONFIG_MM_ID) that tell whether a PTE-mapped folio
		 * is mapped by one mm or may be mapped by several, and _nr_pages in
		 * the word behind this page's _mapcount/_refcount.
		 */
		struct {
			unsigned long _flags_1;		/* order in bits 0-7 */
			unsigned long _head_1;
			atomic_int _large_mapcount;	/* every mapping of every page; -1: none */
			atomic_int _nr_pages_mapped;
			atomic_int _entire_mapcount;	/* PMD mappings; -1: none */
			atomic_int _pincount;		/* exact FOLL_PIN count of a large folio */
			int _mm_id_mapcount[2];		/* mappings per MM slot; -1: slot free */
			unsigned long _mm_ids;		/* two mm_ids, the lock and the shared bit */
			atomic_int _mapcount_1;		/* page 1's own _mapcount */
			atomic_int _refcount_1;		/* page 1's own _refcount (0) */
#ifdef PINMM_FIELD_TRACKER_PAGE
			atomic_int _dma_pinned_count_1;	/* page 1's own */
#endif
			unsigned int _nr_pages;
		};
		struct page __page_1;
	};
};

#define FOLIO_MATCH(pg, fl) \
	_Static_assert(offsetof(struct page, pg) == offsetof(struct folio, fl), #pg " vs " #fl)
FOLIO_MATCH(flags, flags);
FOLIO_MATCH(lru, lru);
FOLIO_MATCH(mapping, mapping);
FOLIO_MATCH(index, index);
FOLIO_MATCH(private, private);
FOLIO_MATCH(_mapcount, _mapcount);
FOLIO_MATCH(_refcount, _refcount);
FOLIO_MATCH(memcg_data, memcg_data);
#ifdef PINMM_FIELD_TRACKER_PAGE
FOLIO_MATCH(_dma_pinned_count, _dma_pinned_count);
#endif
#undef FOLIO_MATCH
_Static_assert(offsetof(struct folio, _flags_1) == sizeof(struct page), "_flags_1 in page 1");
_Static_assert(offsetof(struct folio, _head_1) ==
	       sizeof(struct page) + offsetof(struct page, compound_head), "_head_1 aliases compound_head");
_Static_assert(offsetof(struct folio, _mapcount_1) ==
	       sizeof(struct page) + offsetof(struct page, _mapcount), "_mapcount_1 is page 1's _mapcount");
_Static_assert(offsetof(struct folio, _refcount_1) ==
	       sizeof(struct page) + offsetof(struct page, _refcount), "_refcount_1 is page 1's _refcount");
_Static_assert(offsetof(struct folio, _nr_pages) + sizeof(unsigned int) <= 2 * sizeof(struct page),
	       "first-tail folio fields stay in page 1");
_Static_assert(sizeof(struct folio) == 2 * sizeof(struct page), "folio spans two pages");

/* Anonymous folios carry their anon_vma in ->mapping with the low bit set. */
#define PAGE_MAPPING_ANON	0x1UL
#define PAGE_MAPPING_FLAGS	0x3UL

/* page_type values for pages that are never mapped (kept in the _mapcount word). */
#define PGTY_buddy	0xf0000080u

#endif
