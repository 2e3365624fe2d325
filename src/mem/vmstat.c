/* SPDX-License-Identifier: GPL-2.0-only */
#include <pthread.h>
#include <string.h>
#include <pinmm/mem/memory.h>

struct vmstat_shard vmstat_shards[VMSTAT_SHARDS];

const char *const vmstat_text[NR_VM_NODE_STAT_ITEMS] = {
	[NR_FILE_PAGES] = "nr_file_pages",
	[NR_ANON_MAPPED] = "nr_anon_pages",
	[NR_FILE_MAPPED] = "nr_mapped",
	[NR_FILE_DIRTY] = "nr_dirty",
	[NR_WRITEBACK] = "nr_writeback",
	[NR_SHMEM] = "nr_shmem",
	[NR_ANON_THPS] = "nr_anon_transparent_hugepages",
	[NR_FOLL_PIN_ACQUIRED] = "nr_foll_pin_acquired",
	[NR_FOLL_PIN_RELEASED] = "nr_foll_pin_released",
	[NR_PIN_WB_COPIED] = "nr_pin_wb_copied",
	[NR_PIN_WB_UNCHANGED] = "nr_pin_wb_unchanged",
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[PGMIGRATE_SUCCESS] = "pgmigrate_success",
	[PGMIGRATE_FAIL] = "pgmigrate_fail",
	[THP_SPLIT_PAGE] = "thp_split_page",
	[THP_SPLIT_PAGE_FAILED] = "thp_split_page_failed",
	[THP_DEFERRED_SPLIT_PAGE] = "thp_deferred_split_page",
	[THP_SPLIT_PMD] = "thp_split_pmd",
	[THP_ZERO_PAGE_ALLOC] = "thp_zero_page_alloc",
	[THP_COLLAPSE_ALLOC] = "thp_collapse_alloc",
	[PGSTEAL] = "pgsteal",
	[PGSCAN] = "pgscan",
	[PSWPIN] = "pswpin",
	[PSWPOUT] = "pswpout",
	[THP_SWPOUT] = "thp_swpout",
};

_Thread_local struct vmstat_shard *vmstat_mine;
_Thread_local bool vmstat_mine_exclusive;

/* Shards owned by a live thread; the last one is the shared overflow shard. */
static atomic_bool shard_owned[VMSTAT_SHARDS - 1];
static pthread_key_t shard_key;
static pthread_once_t shard_key_once = PTHREAD_ONCE_INIT;

/*
 * A thread's updates stay in its shard after it exits (the sums are what
 * count); only the ownership is handed on, with release/acquire ordering.
 */
static void shard_release(void *arg)
{
	struct vmstat_shard *s = arg;

	atomic_store_explicit(&shard_owned[s - vmstat_shards], false, memory_order_release);
}

static void shard_key_init(void)
{
	pthread_key_create(&shard_key, shard_release);
}

struct vmstat_shard *vmstat_claim_shard(void)
{
	pthread_once(&shard_key_once, shard_key_init);
	for (int i = 0; i < VMSTAT_SHARDS - 1; i++) {
		bool want = false;

		if (atomic_compare_exchange_strong_explicit(&shard_owned[i], &want, true,
							    memory_order_acquire,
							    memory_order_relaxed)) {
			vmstat_mine = &vmstat_shards[i];
			vmstat_mine_exclusive = true;
			pthread_setspecific(shard_key, vmstat_mine);
			return vmstat_mine;
		}
	}
	vmstat_mine = &vmstat_shards[VMSTAT_SHARDS - 1];
	vmstat_mine_exclusive = false;
	return vmstat_mine;
}

long node_page_state(enum node_stat_item item)
{
	long sum = 0;

	for (int i = 0; i < VMSTAT_SHARDS; i++)
		sum += atomic_load_explicit(&vmstat_shards[i].v[item], memory_order_relaxed);
	return sum;
}

int vmstat_lookup(const char *name, enum node_stat_item *item)
{
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS; i++) {
		if (vmstat_text[i] && !strcmp(vmstat_text[i], name)) {
			*item = (enum node_stat_item)i;
			return 0;
		}
	}
	return -EINVAL;
}

static atomic_long mthp_stats[HPAGE_PMD_ORDER + 1][__MTHP_STAT_COUNT];

const char *const mthp_stat_text[__MTHP_STAT_COUNT] = {
	[MTHP_STAT_ANON_FAULT_ALLOC] = "anon_fault_alloc",
	[MTHP_STAT_ANON_FAULT_FALLBACK] = "anon_fault_fallback",
	[MTHP_STAT_ANON_FAULT_FALLBACK_CHARGE] = "anon_fault_fallback_charge",
	[MTHP_STAT_SWPOUT] = "swpout",
	[MTHP_STAT_SWPOUT_FALLBACK] = "swpout_fallback",
	[MTHP_STAT_SHMEM_ALLOC] = "shmem_alloc",
	[MTHP_STAT_SHMEM_FALLBACK] = "shmem_fallback",
	[MTHP_STAT_SHMEM_FALLBACK_CHARGE] = "shmem_fallback_charge",
	[MTHP_STAT_SPLIT] = "split",
	[MTHP_STAT_SPLIT_FAILED] = "split_failed",
	[MTHP_STAT_SPLIT_DEFERRED] = "split_deferred",
	[MTHP_STAT_NR_ANON] = "nr_anon",
	[MTHP_STAT_NR_ANON_PARTIALLY_MAPPED] = "nr_anon_partially_mapped",
};

bool mthp_stat_modelled(enum mthp_stat_item item)
{
	switch (item) {
	case MTHP_STAT_ANON_FAULT_ALLOC:
	case MTHP_STAT_ANON_FAULT_FALLBACK:
	case MTHP_STAT_SWPOUT_FALLBACK:
	case MTHP_STAT_SPLIT:
	case MTHP_STAT_SPLIT_FAILED:
	case MTHP_STAT_SPLIT_DEFERRED:
	case MTHP_STAT_NR_ANON:
	case MTHP_STAT_NR_ANON_PARTIALLY_MAPPED:
		return true;
	default:
		return false;
	}
}

void mod_mthp_stat(int order, enum mthp_stat_item item, long delta)
{
	if (order <= 0 || order > HPAGE_PMD_ORDER || item >= __MTHP_STAT_COUNT)
		return;
	atomic_fetch_add_explicit(&mthp_stats[order][item], delta, memory_order_relaxed);
}

long mthp_stat_read(int order, enum mthp_stat_item item)
{
	if (order <= 0 || order > HPAGE_PMD_ORDER || item >= __MTHP_STAT_COUNT)
		return 0;
	return atomic_load_explicit(&mthp_stats[order][item], memory_order_relaxed);
}

int mthp_stat_lookup(const char *name, enum mthp_stat_item *item)
{
	for (int i = 0; i < __MTHP_STAT_COUNT; i++) {
		if (!strcmp(name, mthp_stat_text[i])) {
			*item = (enum mthp_stat_item)i;
			return 0;
		}
	}
	return -EINVAL;
}

void vmstat_reset(void)
{
	for (int i = 0; i < VMSTAT_SHARDS; i++)
		for (int j = 0; j < NR_VM_NODE_STAT_ITEMS; j++)
			atomic_store_explicit(&vmstat_shards[i].v[j], 0, memory_order_relaxed);
	for (int i = 0; i <= HPAGE_PMD_ORDER; i++)
		for (int j = 0; j < __MTHP_STAT_COUNT; j++)
			atomic_store_explicit(&mthp_stats[i][j], 0, memory_order_relaxed);
}
