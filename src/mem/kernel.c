/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The behaviour-switch table and the release the machine runs. The commit ids
 * are mainline's; docs/timeline.md is generated from this table
 * (`pinmm list kernels --markdown`), so the two cannot drift apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/kernel.h>

const struct kernel_switch_desc kernel_switch_table[NR_KERNEL_SWITCHES] = {
	[KSW_LONGTERM_FSDAX_REFUSED] = {
		"longterm-fsdax-refused", "v4.15", "2bb6d2837083",
		"mm: introduce get_user_pages_longterm",
		"RDMA and V4L2 could pin fsdax blocks for ever, so truncate freed blocks a device "
		"still wrote; get_user_pages_longterm() refuses DAX VMAs (EOPNOTSUPP)",
	},
	[KSW_HUGETLB_MEMFD_SEALS] = {
		"hugetlb-memfd-seals", "v4.16", "ff62a3421044",
		"hugetlb: implement memfd sealing",
		"memfd_create(MFD_HUGETLB) (4.14) refused MFD_ALLOW_SEALING with EINVAL, so a "
		"hugetlb-backed buffer could not be handed over sealed; hugetlbfs inodes get "
		"seals, and F_SEAL_WRITE waits for pins on them as on shmem",
	},
	[KSW_DAX_TRUNCATE_WAITS_BUSY] = {
		"dax-truncate-waits-busy", "v4.18", "5fac7408d828",
		"mm, fs, dax: handle layout changes to pinned dax mappings",
		"short-term GUP of fsdax pages (O_DIRECT) still raced truncate; "
		"dax_layout_busy_page() makes ext4/xfs wait until the page is idle before freeing blocks",
	},
	[KSW_LONGTERM_MIGRATES_CMA] = {
		"longterm-migrates-cma", "v5.1", "9a4e9f3b2d73",
		"mm: update get_user_pages_longterm to migrate pages allocated from CMA region",
		"a long-term pin in a CMA area made cma_alloc() fail for as long as it was held; "
		"GUP migrates the page out before pinning",
	},
	[KSW_FOLL_PIN] = {
		"foll-pin", "v5.7", "3faa52c03f44",
		"mm/gup: track FOLL_PIN pages",
		"pin_user_pages() arrived in 5.6 (eddb1c228f79) as a plain reference; 5.7 adds "
		"GUP_PIN_COUNTING_BIAS to _refcount so folio_maybe_dma_pinned() can see pins",
	},
	[KSW_LARGE_PINCOUNT] = {
		"large-pincount", "v5.7", "47e29d32afba",
		"mm/gup: page->hpage_pinned_refcount: exact pin counts for huge pages",
		"the bias would overflow a huge page's _refcount after 2M pins; compound pages "
		"count pins exactly in their own field (today folio->_pincount). It followed "
		"foll-pin (3faa52c03f44) in the same merge window: no release has one without "
		"the other, only an override shows the state between them",
	},
	[KSW_FORK_COPIES_PINNED] = {
		"fork-copies-pinned", "v5.9", "70e806e4e645",
		"mm: Do early cow for pinned pages during fork() for ptes",
		"after fork the parent's next write moved it off a page a device still used; "
		"copy_present_pte() gives the child a copy of a maybe-pinned page and leaves the "
		"parent's mapping alone",
	},
	[KSW_COW_REUSE_REFCOUNT] = {
		"cow-reuse-refcount", "v5.9", "09854ba94c6a",
		"mm: do_wp_page() simplification",
		"up to 5.8 a write fault reused an anon page when its mapcount was 1, so a GUP "
		"reference did not stop COW from giving the page away (CVE-2020-29374; 5.8 broke "
		"COW in GUP instead, 17839856fd58, which a308c71bf1e6 took out in the same merge); "
		"from 5.9 only _refcount == 1 reuses a page mapped by a PTE (a PMD-mapped THP: "
		"thp-reuse-refcount)",
	},
	[KSW_SWAP_SKIPS_PINNED] = {
		"swap-skips-pinned", "v5.11", "feb889fb40fa",
		"mm: don't put pinned pages into the swap cache",
		"with 5.9's refcount COW rule a pinned anon page that reclaim unmapped to swap "
		"came back read-only and was copied on the next write, away from the device; "
		"shrink_page_list() leaves a maybe-pinned anon page out of the swap cache",
	},
	[KSW_HUGETLB_FORK_COPIES_PINNED] = {
		"hugetlb-fork-copies-pinned", "v5.12", "4eae4efa2c29",
		"hugetlb: do early cow when page pinned on src mm",
		"5.9's early COW at fork covered PTEs and THPs, not hugetlb: the child still shared "
		"a pinned private hugetlb page and the parent's next write copied it away from the "
		"device; copy_hugetlb_page_range() now gives the child a copy",
	},
	[KSW_LONGTERM_MIGRATES_MOVABLE] = {
		"longterm-migrates-movable", "v5.13", "d1e153fea2a8",
		"mm/gup: migrate pinned pages out of movable zone",
		"long-term pins in ZONE_MOVABLE blocked memory hot-remove; GUP migrates such "
		"pages out first, as it did for CMA",
	},
	[KSW_DEVMAP_PRIVATE_IDLE_ZERO] = {
		"devmap-private-idle-zero", "v5.18", "27674ef6c73f",
		"mm: remove the extra ZONE_DEVICE struct page refcount",
		"ZONE_DEVICE pages idled at refcount 1 (the 'extra reference', seed 003); device "
		"private (and later coherent) pages now idle at 0; fsdax and generic keep idling at 1",
	},
	[KSW_EXT4_WARN_NO_BUFFERS] = {
		"ext4-warn-no-buffers", "v5.18", "cc5095747edf",
		"ext4: don't BUG if someone dirty pages without asking ext4 first",
		"a folio dirtied through GUP after its buffers were stripped hit a BUG_ON in ext4 "
		"writeback (after ext4_set_page_dirty()'s WARN_ON_ONCE, there since 4.10); "
		"writeback now prints an ext4 warning for the folio and drops its dirty bit",
	},
	[KSW_THP_REUSE_REFCOUNT] = {
		"thp-reuse-refcount", "v5.18", "3bff7e3f1f16",
		"mm/huge_memory: streamline COW logic in do_huge_pmd_wp_page()",
		"5.9 changed the rule for PTEs only: do_huge_pmd_wp_page() still reused a "
		"PMD-mapped THP by reuse_swap_page()'s mapcount, so a GUP reference taken by a "
		"child that then unmapped it saw the parent's later stores (CVE-2020-29374 "
		"with a THP); it now reuses only at _refcount == 1 (the first part of David "
		"Hildenbrand's COW fixes, with c145e0b47c77 for swap-in)",
	},
	[KSW_ANON_EXCLUSIVE] = {
		"anon-exclusive", "v5.19", "6c287605fd56",
		"mm: remember exclusively mapped anonymous pages with PG_anon_exclusive",
		"5.9's refcount rule broke COW reuse for pages with extra references (swap cache, "
		"LRU pagevecs); PageAnonExclusive records that only this mapping may write the page",
	},
	[KSW_SWP_EXCLUSIVE] = {
		"swp-exclusive", "v5.19", "1493a1913e34",
		"mm/swap: remember PG_anon_exclusive via a swp pte bit",
		"a page swapped out and back in lost PageAnonExclusive, so a pinned or exclusive "
		"page came back as maybe-shared; the swap PTE keeps the bit and swap-in restores it",
	},
	[KSW_UNSHARE_RO_ANON] = {
		"unshare-ro-anon", "v5.19", "a7f226604170",
		"mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly shared anonymous page",
		"a R/O pin of a page shared with a child saw stale data once either side wrote; "
		"GUP unshares it first so the pin is on the page the process keeps",
	},
	[KSW_MADV_COLLAPSE] = {
		"madv-collapse", "v6.1", "7d8faaf15545",
		"mm/madvise: introduce MADV_COLLAPSE sync hugepage collapse",
		"only khugepaged collapsed PTE-mapped ranges into THPs, in the background; "
		"MADV_COLLAPSE does it at the caller's request, refusing (EAGAIN) a range with a "
		"page whose references are not all mappings, such as a pinned one",
	},
	[KSW_UNSHARE_RO_COW] = {
		"unshare-ro-cow", "v6.2", "84209e87c696",
		"mm/gup: reliable R/O long-term pinning in COW mappings",
		"a R/O long-term pin of the zero page or a page-cache page in a private mapping "
		"was lost at the next write fault; GUP unshares anything in a COW mapping",
	},
	[KSW_DELAYED_RMAP] = {
		"delayed-rmap", "v6.2", "5df397dec7c4",
		"mm: delay page_remove_rmap() until after the TLB has been flushed",
		"zap removed a dirty shared page's rmap before the TLB flush, so folio_mkclean() "
		"could miss a mapping another CPU still stored through and writeback clean the page "
		"under the store; the rmap now goes after the flush, under the PTL",
	},
	[KSW_LONGTERM_NEEDS_PIN] = {
		"longterm-needs-pin", "v6.3", "d64e2dbc33a1",
		"mm/gup: simplify the external interface functions and consolidate invariants",
		"FOLL_LONGTERM with FOLL_GET was what get_user_pages_longterm() had done; "
		"is_valid_gup_args() now rejects FOLL_LONGTERM without FOLL_PIN, and the slow "
		"pin entry points answer arguments it rejects with 0 pages, not -EINVAL",
	},
	[KSW_MEMFD_NOEXEC] = {
		"memfd-noexec", "v6.3", "105ff5339f49",
		"mm/memfd: add MFD_NOEXEC_SEAL and MFD_EXEC",
		"every memfd was created executable (mode 0777) and nothing could stop a later "
		"chmod; the series adds F_SEAL_EXEC (6fd7353829ca: chmod of the exec bits EPERM), "
		"MFD_NOEXEC_SEAL (mode without x, F_SEAL_EXEC set), the vm.memfd_noexec default, "
		"and F_SEAL_EXEC on an executable memfd implying the write seals (c4f75bc8bd6b)",
	},
	[KSW_RECLAIM_KEEPS_PINNED_PRIVATE] = {
		"reclaim-keeps-pinned-private", "v6.4", "d824ec2a1546",
		"mm: do not reclaim private data from pinned page",
		"reclaim stripped a pinned folio's buffers, and the device's later dirtying hit "
		"ext4's missing-buffers check; shrink_folio_list() now keeps a maybe-pinned folio "
		"(merged for 6.4; 6.3's stable series took it as a backport)",
	},
	[KSW_ZERO_PAGE_NOT_PINNED] = {
		"zero-page-not-pinned", "v6.5", "c8070b787519",
		"mm: Don't pin ZERO_PAGE in pin_user_pages()",
		"every pin of the shared zero page bumped one global _refcount; GUP now hands "
		"it out without a reference and unpin ignores it",
	},
	[KSW_LONGTERM_FILE_WRITE_REFUSED] = {
		"longterm-file-write-refused", "v6.5", "8ac268436e6d",
		"mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings",
		"writes through a long-term pin of a dirty-tracked file bypass page_mkwrite and "
		"writeback (the 2018 ext4 BUG); the slow path refuses them (EFAULT), and GUP-fast "
		"in the same release (a6e79df92e4a)",
	},
	[KSW_SEALED_MEMFD_MAPS_RO] = {
		"sealed-memfd-maps-ro", "v6.7", "158978945f31",
		"mm: perform the mapping_map_writable() check after call_mmap()",
		"mmap_region() took i_mmap_writable for every shared mapping, and a write seal "
		"holds it negative, so a write-sealed memfd could not be mapped MAP_SHARED even "
		"read-only (EPERM); now the seal check clears VM_MAYWRITE first (with e8e17ee90eaf "
		"and 28464bbb2ddc)",
	},
	[KSW_ANON_MTHP] = {
		"anon-mthp", "v6.8", "19eaf44954df",
		"mm: thp: support allocation of anonymous multi-size THP",
		"anonymous faults only knew 4K pages and PMD-sized THPs; now a write fault "
		"allocates the largest size enabled in hugepages-<size>kB/enabled that fits, "
		"mapped by PTEs, and _pincount/_large_mapcount apply to folios of every order",
	},
	[KSW_MTHP_STATS] = {
		"mthp-stats", "v6.10", "ec33687c6749",
		"mm: add per-order mTHP anon_fault_alloc and anon_fault_fallback counters",
		"only /proc/vmstat's thp_* counters existed, all of them about the PMD size; each "
		"hugepages-<size>kB directory gets stats/; the split and nr_anon files followed "
		"by 6.12, and no release preset lies between, so this one switch stands for "
		"all of them",
	},
	[KSW_MMAP_WRITABLE_CHECK_FIRST] = {
		"mmap-writable-check-first", "v6.12", "5de195060b2e",
		"mm: resolve faulty mmap_region() error path behaviour",
		"a fix of mmap_region()'s error path moved mapping_map_writable() back before the "
		"file's mmap hook, before the seal check clears VM_MAYWRITE: a read-only shared "
		"mmap of a write-sealed memfd is EPERM again, as before 6.7",
	},
	[KSW_SEALED_MEMFD_MAPS_RO_AGAIN] = {
		"sealed-memfd-maps-ro-again", "v6.13", "8ec396d05d1b",
		"mm: reinstate ability to map write-sealed memfd mappings read-only",
		"do_mmap() clears VM_MAYWRITE of a read-only shared mapping of a write-sealed "
		"memfd while it computes the VMA's flags, before any writable check: 6.7's "
		"behaviour back (also in 6.12.y and 6.6.y)",
	},
	[KSW_FSDAX_REFCOUNTED] = {
		"fsdax-refcounted", "v6.15", "38607c62b34b",
		"fs/dax: properly refcount fs dax pages",
		"fsdax pages idled at 1 with no reference per mapping (pte_devmap, "
		"get_dev_pagemap in GUP); they now idle at 0 and each mapping holds a reference",
	},
	[KSW_LARGE_ANON_REUSE] = {
		"large-anon-reuse", "v6.15", "1da190f4d0a6",
		"mm: Copy-on-Write (COW) reuse support for PTE-mapped THP",
		"a write fault on a PTE of a large anon folio always copied the page, even when "
		"this mm alone mapped the folio; with the MM-owner tracking of large folios "
		"(CONFIG_MM_ID) it reuses the page when every reference is a mapping of this mm",
	},
	[KSW_HUGE_ZERO_PMD_SPECIAL] = {
		"huge-zero-pmd-special", "v6.18", "d82d09e48219",
		"mm/huge_memory: mark PMD mappings of the huge zero folio special",
		"the huge zero folio was mapped by an ordinary PMD, so GUP-fast took its references "
		"and pins like a THP's; its PMD is now pmd_special(), which GUP-fast refuses, and "
		"the slow path takes them (get_user_pages_fast_only() gets none)",
	},
};

const char *const kernel_releases[] = {
	"v4.14", "v4.19", "v5.4", "v5.10", "v5.15", "v6.1", "v6.6", "v6.12", "v6.18", NULL,
};

unsigned long kernel_switch_mask;
static const char *kernel_current = KERNEL_NEWEST_RELEASE;
static unsigned long override_on, override_off;
static unsigned long release_mask;

static int parse_release(const char *s, unsigned int *major, unsigned int *minor)
{
	char *end;
	unsigned long ma, mi;

	if (!s || s[0] != 'v' || s[1] < '0' || s[1] > '9')
		return -EINVAL;
	ma = strtoul(s + 1, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	mi = strtoul(end + 1, &end, 10);
	if (*end || ma > 99 || mi > 99)
		return -EINVAL;
	*major = (unsigned int)ma;
	*minor = (unsigned int)mi;
	return 0;
}

int kernel_release_cmp(const char *a, const char *b, int *cmp)
{
	unsigned int ama, ami, bma, bmi;

	if (parse_release(a, &ama, &ami) || parse_release(b, &bma, &bmi))
		return -EINVAL;
	*cmp = ama != bma ? (ama < bma ? -1 : 1) : (ami != bmi ? (ami < bmi ? -1 : 1) : 0);
	return 0;
}

bool kernel_release_has(const char *release, enum kernel_switch sw)
{
	int cmp;

	if ((unsigned int)sw >= NR_KERNEL_SWITCHES ||
	    kernel_release_cmp(release, kernel_switch_table[sw].release, &cmp))
		return false;
	return cmp >= 0;
}

int kernel_release_index(const char *release)
{
	for (int i = 0; release && kernel_releases[i]; i++)
		if (!strcmp(kernel_releases[i], release))
			return i;
	return -1;
}

static void kernel_update(void)
{
	WRITE_ONCE(kernel_switch_mask, (release_mask | override_on) & ~override_off);
}

int kernel_select(const char *release)
{
	unsigned long mask = 0;
	int i;

	if (!release)
		release = KERNEL_NEWEST_RELEASE;
	i = kernel_release_index(release);
	if (i < 0)
		return -EINVAL;
	for (int sw = 0; sw < NR_KERNEL_SWITCHES; sw++)
		if (kernel_release_has(kernel_releases[i], (enum kernel_switch)sw))
			mask |= BIT(sw);
	kernel_current = kernel_releases[i];
	release_mask = mask;
	kernel_update();
	return 0;
}

const char *kernel_selected(void)
{
	return kernel_current;
}

void kernel_override(enum kernel_switch sw, int state)
{
	if ((unsigned int)sw >= NR_KERNEL_SWITCHES)
		return;
	override_on &= ~BIT(sw);
	override_off &= ~BIT(sw);
	if (state > 0)
		override_on |= BIT(sw);
	else if (state == 0)
		override_off |= BIT(sw);
	kernel_update();
}

void kernel_override_clear(void)
{
	override_on = override_off = 0;
	kernel_update();
}

int kernel_switch_lookup(const char *name, enum kernel_switch *out)
{
	for (int sw = 0; name && sw < NR_KERNEL_SWITCHES; sw++) {
		if (!strcmp(kernel_switch_table[sw].name, name)) {
			*out = (enum kernel_switch)sw;
			return 0;
		}
	}
	return -EINVAL;
}

/* A machine that never had a preset applied runs the newest release. */
__attribute__((constructor)) static void kernel_boot_default(void)
{
	kernel_select(NULL);
}
