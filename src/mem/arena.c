/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bringing the simulated machine up: one node whose RAM is a host mapping, a flat
 * mem_map covering RAM and the ZONE_DEVICE range, and the zones carved out of it.
 */
#include <string.h>
#include <sys/mman.h>
#include <pinmm/mem/memory.h>
#include <pinmm/mem/page_ext.h>
#include <pinmm/mem/deferred_split.h>
#include "internal.h"

pg_data_t contig_page_data;
struct page *mem_map;
struct page *zero_page;
static bool mem_up;
static size_t mem_map_bytes, ram_map_bytes;


bool mem_initialized(void)
{
	return mem_up;
}

static int check_config(struct mem_config *c)
{
	if (!c->ram_bytes)
		c->ram_bytes = 64UL << 20;
	/* Zones are made of whole pageblocks so the buddy allocator can reach order 9. */
	if (!IS_ALIGNED(c->ram_bytes, PMD_SIZE) || !IS_ALIGNED(c->movable_bytes, PMD_SIZE) ||
	    !IS_ALIGNED(c->cma_bytes, PMD_SIZE) || !IS_ALIGNED(c->device_bytes, PMD_SIZE))
		return -EINVAL;
	/* NORMAL must keep at least one non-CMA pageblock (page tables, the zero page). */
	if (c->movable_bytes + c->cma_bytes + PMD_SIZE > c->ram_bytes)
		return -EINVAL;
	if (c->ram_bytes > (1UL << 40) || c->device_bytes > (1UL << 40))
		return -EINVAL;
	return 0;
}

static void init_zone(struct zone *z, enum zone_type idx, const char *name,
		      unsigned long start_pfn, unsigned long nr)
{
	z->name = name;
	z->idx = idx;
	z->zone_start_pfn = start_pfn;
	z->spanned_pages = nr;
	z->cma_start_pfn = z->cma_end_pfn = 0;
	pthread_mutex_init(&z->lock, NULL);
	buddy_init_zone(z);
	for (unsigned long pfn = start_pfn; pfn < start_pfn + nr; pfn++) {
		struct page *page = pfn_to_page(pfn);

		page->flags = (unsigned long)idx << ZONES_PGSHIFT;
		atomic_init(&page->_mapcount, -1);
		atomic_init(&page->_refcount, 0);
	}
}

int mem_init(const struct mem_config *cfg)
{
	struct mem_config c = cfg ? *cfg : (struct mem_config){ 0 };
	unsigned long ram_pages, dev_pages, movable_pages, normal_pages;
	pg_data_t *pgdat = &contig_page_data;
	int err;

	if (mem_up)
		return -EBUSY;
	err = check_config(&c);
	if (err)
		return err;

	ram_pages = c.ram_bytes >> PAGE_SHIFT;
	dev_pages = c.device_bytes >> PAGE_SHIFT;
	movable_pages = c.movable_bytes >> PAGE_SHIFT;
	normal_pages = ram_pages - movable_pages;

	/*
	 * Model: RAM and device memory are one host mapping reserved without
	 * commitment, so an 8 GiB machine costs only what it touches.
	 */
	ram_map_bytes = (ram_pages + dev_pages) << PAGE_SHIFT;
	mem_map_bytes = (ram_pages + dev_pages) * sizeof(struct page);
	pgdat->ram = mmap(NULL, ram_map_bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pgdat->ram == MAP_FAILED)
		return -ENOMEM;
	mem_map = mmap(NULL, mem_map_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem_map == MAP_FAILED) {
		munmap(pgdat->ram, ram_map_bytes);
		mem_map = NULL;
		return -ENOMEM;
	}
	pgdat->config = c;
	pgdat->node_start_pfn = ARCH_PFN_OFFSET;
	pgdat->node_spanned_pages = ram_pages + dev_pages;

	init_zone(&pgdat->node_zones[ZONE_NORMAL], ZONE_NORMAL, "Normal",
		  ARCH_PFN_OFFSET, normal_pages);
	init_zone(&pgdat->node_zones[ZONE_MOVABLE], ZONE_MOVABLE, "Movable",
		  ARCH_PFN_OFFSET + normal_pages, movable_pages);
	init_zone(&pgdat->node_zones[ZONE_DEVICE], ZONE_DEVICE, "Device",
		  ARCH_PFN_OFFSET + ram_pages, dev_pages);
	if (c.cma_bytes) {
		struct zone *n = &pgdat->node_zones[ZONE_NORMAL];

		n->cma_end_pfn = n->zone_start_pfn + normal_pages;
		n->cma_start_pfn = n->cma_end_pfn - (c.cma_bytes >> PAGE_SHIFT);
	}
	/* page_ext_init(): at boot, for every pfn, before anything is allocated. */
	err = page_ext_init();
	if (err) {
		munmap(mem_map, mem_map_bytes);
		munmap(pgdat->ram, ram_map_bytes);
		memset(pgdat, 0, sizeof(*pgdat));
		mem_map = NULL;
		return err;
	}
	mm_events_reset();
	vmstat_reset();
	atomic_fetch_add(&mm_boot_generation, 1);
	mem_up = true;

	/* ZONE_DEVICE pfns stay out of the buddy allocator: devmap/ owns them. */
	buddy_free_range(ARCH_PFN_OFFSET, ARCH_PFN_OFFSET + ram_pages);

	zero_page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 0);
	folio_set_reserved(page_folio(zero_page));
	return 0;
}

void mem_exit(void)
{
	pg_data_t *pgdat = &contig_page_data;

	if (!mem_up)
		return;
	/* Callbacks queued by the last user must not run against a dead mem_map. */
	mm_rcu_barrier();
	for (int i = 0; i < MAX_NR_ZONES; i++)
		pthread_mutex_destroy(&pgdat->node_zones[i].lock);
	page_ext_exit();
	deferred_split_reset();
	munmap(mem_map, mem_map_bytes);
	/* The next machine may be mapped here: leave no poisoned shadow behind. */
	unpoison_range(pgdat->ram, ram_map_bytes);
	munmap(pgdat->ram, ram_map_bytes);
	memset(pgdat, 0, sizeof(*pgdat));
	mem_map = NULL;
	zero_page = NULL;
	zone_device_page_free_hook = NULL;
	zone_device_page_idle_hook = NULL;
	atomic_store(&zone_device_lru_written, false);
	mem_up = false;
}

bool is_migrate_cma_page(const struct page *page)
{
	const struct zone *n = &contig_page_data.node_zones[ZONE_NORMAL];
	unsigned long pfn = page_to_pfn(page);

	return pfn >= n->cma_start_pfn && pfn < n->cma_end_pfn;
}
