/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel releases and behaviour switches. Every behaviour of the pinning story
 * that changed in some release is one switch, named for what changed, with
 * the release it first shipped in and the commit that did it. The machine
 * runs one release at a time (a release preset chooses it; design presets run
 * the newest); code asks kernel_has(SWITCH) and never compares versions.
 *
 * A switch is "on" in every release from its first one on: each entry names
 * the newer behaviour, and off means the kernel before it. The enum (and so
 * `pinmm list kernels` and docs/timeline.md) is in order of first release.
 */
#ifndef PINMM_MEM_KERNEL_H
#define PINMM_MEM_KERNEL_H

#include <pinmm/mem/compiler.h>

enum kernel_switch {
	/* 4.15: FOLL_LONGTERM (get_user_pages_longterm()) refuses fsdax VMAs. */
	KSW_LONGTERM_FSDAX_REFUSED,
	/* 4.16: hugetlbfs memfds take seals (MFD_HUGETLB | MFD_ALLOW_SEALING). */
	KSW_HUGETLB_MEMFD_SEALS,
	/* 4.18: truncate and hole punch wait for fsdax pages GUP still holds. */
	KSW_DAX_TRUNCATE_WAITS_BUSY,
	/* 5.1: a long-term pin first migrates the page out of CMA. */
	KSW_LONGTERM_MIGRATES_CMA,
	/* 5.7: FOLL_PIN is counted (GUP_PIN_COUNTING_BIAS); before, a pin is a reference. */
	KSW_FOLL_PIN,
	/* 5.7: large folios count pins exactly in a _pincount field. */
	KSW_LARGE_PINCOUNT,
	/* 5.9: fork copies a maybe-pinned anon page for the child at once. */
	KSW_FORK_COPIES_PINNED,
	/* 5.9: a write fault reuses an anon page only if _refcount says we are alone. */
	KSW_COW_REUSE_REFCOUNT,
	/* 5.11: reclaim does not put a maybe-pinned anon folio into the swap cache. */
	KSW_SWAP_SKIPS_PINNED,
	/* 5.12: fork copies a maybe-pinned private hugetlb page for the child at once. */
	KSW_HUGETLB_FORK_COPIES_PINNED,
	/* 5.13: a long-term pin first migrates the page out of ZONE_MOVABLE. */
	KSW_LONGTERM_MIGRATES_MOVABLE,
	/* 5.18: MEMORY_DEVICE_PRIVATE (later also COHERENT) pages idle at refcount 0. */
	KSW_DEVMAP_PRIVATE_IDLE_ZERO,
	/* 5.18: ext4 WARNs and drops a dirty folio without buffers instead of BUG(). */
	KSW_EXT4_WARN_NO_BUFFERS,
	/* 5.18: a write fault reuses a PMD-mapped anon THP only at _refcount == 1. */
	KSW_THP_REUSE_REFCOUNT,
	/* 5.19: PageAnonExclusive decides COW reuse and what fork may share. */
	KSW_ANON_EXCLUSIVE,
	/* 5.19: a swap PTE carries PageAnonExclusive (SWP_EXCLUSIVE) to swap-in. */
	KSW_SWP_EXCLUSIVE,
	/* 5.19: a R/O pin unshares an anon page that may be shared (FAULT_FLAG_UNSHARE). */
	KSW_UNSHARE_RO_ANON,
	/* 6.1: MADV_COLLAPSE collapses a range into THPs synchronously. */
	KSW_MADV_COLLAPSE,
	/* 6.2: a R/O long-term pin unshares anything in a COW mapping. */
	KSW_UNSHARE_RO_COW,
	/* 6.2: a dirty shared page leaves the rmap only after the zap's TLB flush. */
	KSW_DELAYED_RMAP,
	/* 6.3: FOLL_LONGTERM is accepted only with FOLL_PIN. */
	KSW_LONGTERM_NEEDS_PIN,
	/* 6.3: memfd_create(MFD_EXEC / MFD_NOEXEC_SEAL), F_SEAL_EXEC, vm.memfd_noexec. */
	KSW_MEMFD_NOEXEC,
	/* 6.4: reclaim leaves a maybe-pinned folio's buffers (folio->private) alone. */
	KSW_RECLAIM_KEEPS_PINNED_PRIVATE,
	/* 6.5: pin_user_pages() takes no reference on the zero page. */
	KSW_ZERO_PAGE_NOT_PINNED,
	/* 6.5: writable long-term pins of dirty-tracked (non-shmem shared) files are refused. */
	KSW_LONGTERM_FILE_WRITE_REFUSED,
	/* 6.7: a write-sealed memfd maps MAP_SHARED read-only (VM_MAYWRITE cleared first). */
	KSW_SEALED_MEMFD_MAPS_RO,
	/* 6.8: anonymous faults allocate large folios below PMD size (mTHP), PTE-mapped. */
	KSW_ANON_MTHP,
	/* 6.10: hugepages-<size>kB/stats/: per-size THP counters. */
	KSW_MTHP_STATS,
	/* 6.12: mmap_region() takes i_mmap_writable before the file's mmap hook runs. */
	KSW_MMAP_WRITABLE_CHECK_FIRST,
	/* 6.13: do_mmap() clears a write-sealed read-only shared mapping's VM_MAYWRITE. */
	KSW_SEALED_MEMFD_MAPS_RO_AGAIN,
	/* 6.15: fsdax pages are refcounted normally: idle at 0, a reference per mapping. */
	KSW_FSDAX_REFCOUNTED,
	/* 6.15: a write fault reuses a page of a PTE-mapped large anon folio one mm maps alone. */
	KSW_LARGE_ANON_REUSE,
	/* 6.18: the huge zero folio is mapped by a pmd_special() PMD, which GUP-fast leaves alone. */
	KSW_HUGE_ZERO_PMD_SPECIAL,
	NR_KERNEL_SWITCHES,
};

struct kernel_switch_desc {
	const char *name;	/* "anon-exclusive": for `pinmm list kernels` and the docs */
	const char *release;	/* first release with it: "v5.19" */
	const char *commit;	/* 12-digit id of the commit that made the change */
	const char *subject;	/* that commit's subject line */
	const char *history;	/* one line: what was there before and why it changed */
};
extern const struct kernel_switch_desc kernel_switch_table[NR_KERNEL_SWITCHES];

/* The releases the presets stand for, oldest first, NULL-terminated. */
extern const char *const kernel_releases[];
#define KERNEL_NEWEST_RELEASE "v6.18"

/* The switches of the release the machine runs, one bit each. */
extern unsigned long kernel_switch_mask;

static inline bool kernel_has(enum kernel_switch sw)
{
	return (READ_ONCE(kernel_switch_mask) >> sw) & 1;
}

/*
 * Run @release ("v4.19"; NULL: the newest). Any overrides stay applied on
 * top. -EINVAL for a release kernel_releases[] does not list.
 */
int kernel_select(const char *release);
/* The release selected (never NULL). */
const char *kernel_selected(void);

/* Does @release (any "vX.Y") have @sw? false for a name that is not a release. */
bool kernel_release_has(const char *release, enum kernel_switch sw);
/*
 * Order of two release names ("v4.14" < "v5.4" < "v6.18"): <0, 0, >0 in *cmp.
 * -EINVAL when either is not of the form vMAJOR.MINOR.
 */
int kernel_release_cmp(const char *a, const char *b, int *cmp);
/* Index of @release in kernel_releases[], or -1. */
int kernel_release_index(const char *release);

/*
 * Force @sw on (1) or off (0) over whatever the selected release says, or
 * drop the override (-1): `pinmm run --timeline` runs one release with one
 * switch flipped to find which switch changed a cell; tests show both sides.
 * Overrides survive kernel_select() until kernel_override_clear().
 */
void kernel_override(enum kernel_switch sw, int state);
void kernel_override_clear(void);

/* "anon-exclusive" to its switch; -EINVAL when no switch has that name. */
int kernel_switch_lookup(const char *name, enum kernel_switch *out);

#endif
