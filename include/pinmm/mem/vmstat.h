/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Node vmstat counters (/proc/vmstat names). Like the kernel's per-cpu
 * differentials, each thread updates a shard of its own with a plain load and
 * store (no locked instruction, no shared cache line); readers sum the shards.
 * Past VMSTAT_SHARDS live threads, the rest share the last shard atomically.
 */
#ifndef PINMM_MEM_VMSTAT_H
#define PINMM_MEM_VMSTAT_H

#include <stdatomic.h>
#include <pinmm/mem/compiler.h>

enum node_stat_item {
	NR_FILE_PAGES,
	NR_ANON_MAPPED,
	NR_FILE_MAPPED,
	NR_FILE_DIRTY,
	NR_WRITEBACK,
	NR_SHMEM,
	NR_ANON_THPS,
	NR_FOLL_PIN_ACQUIRED,
	NR_FOLL_PIN_RELEASED,
	/*
	 * pinmm's own (no kernel counter has these names): pages of pinned
	 * folios written from a stable copy, and pages whose copy matched the
	 * block already on disk, so were not written again.
	 */
	NR_PIN_WB_COPIED,
	NR_PIN_WB_UNCHANGED,
	PGFAULT,
	PGMAJFAULT,
	PGMIGRATE_SUCCESS,
	PGMIGRATE_FAIL,
	THP_SPLIT_PAGE,
	THP_SPLIT_PAGE_FAILED,
	THP_DEFERRED_SPLIT_PAGE,
	THP_SPLIT_PMD,
	THP_ZERO_PAGE_ALLOC,
	THP_COLLAPSE_ALLOC,
	PGSTEAL,
	PGSCAN,
	PSWPIN,
	PSWPOUT,
	THP_SWPOUT,
	NR_VM_NODE_STAT_ITEMS,
};

#define VMSTAT_SHARDS 64

struct vmstat_shard {
	atomic_long v[NR_VM_NODE_STAT_ITEMS];
} __attribute__((aligned(64)));

extern struct vmstat_shard vmstat_shards[VMSTAT_SHARDS];
extern const char *const vmstat_text[NR_VM_NODE_STAT_ITEMS];

extern _Thread_local struct vmstat_shard *vmstat_mine;
extern _Thread_local bool vmstat_mine_exclusive;
struct vmstat_shard *vmstat_claim_shard(void);

static inline void mod_node_page_state(enum node_stat_item item, long delta)
{
	struct vmstat_shard *s = vmstat_mine;
	atomic_long *v;

	if (unlikely(!s))
		s = vmstat_claim_shard();
	v = &s->v[item];
	if (likely(vmstat_mine_exclusive))
		atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + delta,
				      memory_order_relaxed);
	else
		atomic_fetch_add_explicit(v, delta, memory_order_relaxed);
}
static inline void count_vm_event(enum node_stat_item item)
{
	mod_node_page_state(item, 1);
}
long node_page_state(enum node_stat_item item);
/* -EINVAL when there is no counter of that name. */
int vmstat_lookup(const char *name, enum node_stat_item *item);
void vmstat_reset(void);

/*
 * The per-size mTHP counters of
 * /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/stats/ (6.10+), by
 * order (1 to HPAGE_PMD_ORDER; order 0 has no directory and is not counted),
 * in include/linux/huge_mm.h's order. Model: one set of atomic counters, not
 * per-CPU ones; the shmem ones exist for their names only (pinmm allocates
 * no large shmem folios), as does anon_fault_fallback_charge (no memcg).
 */
enum mthp_stat_item {
	MTHP_STAT_ANON_FAULT_ALLOC,
	MTHP_STAT_ANON_FAULT_FALLBACK,
	MTHP_STAT_ANON_FAULT_FALLBACK_CHARGE,
	MTHP_STAT_SWPOUT,
	MTHP_STAT_SWPOUT_FALLBACK,
	MTHP_STAT_SHMEM_ALLOC,
	MTHP_STAT_SHMEM_FALLBACK,
	MTHP_STAT_SHMEM_FALLBACK_CHARGE,
	MTHP_STAT_SPLIT,
	MTHP_STAT_SPLIT_FAILED,
	MTHP_STAT_SPLIT_DEFERRED,
	MTHP_STAT_NR_ANON,
	MTHP_STAT_NR_ANON_PARTIALLY_MAPPED,
	__MTHP_STAT_COUNT
};

extern const char *const mthp_stat_text[__MTHP_STAT_COUNT];
/* Whether the model's paths ever change the counter (the rest stay 0). */
bool mthp_stat_modelled(enum mthp_stat_item item);
void mod_mthp_stat(int order, enum mthp_stat_item item, long delta);
static inline void count_mthp_stat(int order, enum mthp_stat_item item)
{
	mod_mthp_stat(order, item, 1);
}
long mthp_stat_read(int order, enum mthp_stat_item item);
/* -EINVAL when no file of hugepages-<size>kB/stats/ has that name. */
int mthp_stat_lookup(const char *name, enum mthp_stat_item *item);

#endif
