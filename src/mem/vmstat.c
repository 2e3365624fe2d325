/* SPDX-License-Identifier: GPL-2.0-only */
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
	[NR_BOUNCE] = "nr_bounce",
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[PGMIGRATE_SUCCESS] = "pgmigrate_success",
	[PGMIGRATE_FAIL] = "pgmigrate_fail",
	[THP_SPLIT_PAGE] = "thp_split_page",
	[THP_SPLIT_PMD] = "thp_split_pmd",
	[PGSTEAL] = "pgsteal",
	[PGSCAN] = "pgscan",
};

static atomic_uint next_shard;
static _Thread_local unsigned int my_shard = ~0u;

unsigned int vmstat_shard_id(void)
{
	if (unlikely(my_shard == ~0u))
		my_shard = atomic_fetch_add(&next_shard, 1) % VMSTAT_SHARDS;
	return my_shard;
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

void vmstat_reset(void)
{
	for (int i = 0; i < VMSTAT_SHARDS; i++)
		for (int j = 0; j < NR_VM_NODE_STAT_ITEMS; j++)
			atomic_store_explicit(&vmstat_shards[i].v[j], 0, memory_order_relaxed);
}
