/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The language reference as data (reference.h). The words here are checked
 * against the parser by tests/scenario/test_reference.c: a command, key or
 * flag the parser takes and this table does not name (or the reverse) fails
 * the build's tests, and so does docs/scenario-language.md falling behind.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <pinmm/mem/race.h>
#include <pinmm/mem/vmstat.h>
#include <pinmm/scenario/reference.h>

const char *const scn_group_names[SCN_NR_GROUPS] = {
	[SCN_GROUP_MACHINE] = "The machine: memory, disks, files, processes, devices",
	[SCN_GROUP_MEMORY] = "What a process does to its address space",
	[SCN_GROUP_PINS] = "Pins and DMA",
	[SCN_GROUP_KERNEL] = "The kernel's own work: writeback, reclaim, migration, truncate, leases",
	[SCN_GROUP_CHECKS] = "Checks and expected events",
};

const char scn_doc_prelude[] =
	"scenario \"reference\"\n"
	"memory 64M movable=16M cma=8M\n"
	"disk d0 size=16M checksum\n"
	"tmpfs t0 size=1M\n"
	"file f on d0 size=64K fill=0x11\n"
	"process p\n"
	"device nic odp\n"
	"mmap p m file=f len=64K shared rw\n"
	"pin p m len=8K as=h write dev=nic\n";

const struct scn_cmd_doc scn_cmd_docs[SCN_NR_CMDS] = {
	[SCN_MEMORY] = {
		SCN_GROUP_MACHINE,
		"memory SIZE [movable=SIZE] [cma=SIZE] [hugepages=N] [hugepages-1G=N]",
		"movable= cma= hugepages= hugepages-1G=",
		"memory 64M movable=16M cma=8M\nmemory 64M hugepages=4\nmemory 3G hugepages-1G=2",
		"The machine's RAM (default 64M), before any other command. movable= puts that "
		"much at the top in ZONE_MOVABLE (movablecore=), cma= that much of ZONE_NORMAL "
		"below it in MIGRATE_CMA pageblocks; both in 2M pageblocks, leaving some "
		"ZONE_NORMAL. Longterm pins must migrate out of both (check zone). hugepages= "
		"reserves that many 2M pages for hugetlb (nr_hugepages; default 0), taken as "
		"the kernel takes them, movable zones first. hugepages-1G= does the same for the "
		"1G hstate (hugepages-1048576kB): each page is 512 free, 1G-aligned pageblocks of "
		"ZONE_NORMAL outside CMA (alloc_contig_pages(); gigantic pages are not movable), "
		"taken before the 2M pool, so N of them need (N+1)G of RAM (RAM starts at 16M). "
		"The arena is sparse: a 3G machine costs the host what it touches. On the host "
		"the pools are the host's: the cell is n/a unless that many pages are free."
	},
	[SCN_SWAP] = {
		SCN_GROUP_MACHINE, "swap SIZE", "", "swap 16M",
		"A swap device of SIZE (a multiple of 2M, at most 1G), after memory and before "
		"the other commands: MADV_PAGEOUT (madvise ... pageout) swaps anonymous folios "
		"out to it, whole for a THP (one 2M cluster of slots). Without one pageout "
		"swaps nothing. Its writes complete at once, so a folio nothing else holds "
		"leaves the swap cache in the pass that wrote it. On the host, the host's own "
		"swap devices (/proc/swaps); with none the cell is n/a.",
	},
	[SCN_WHATIF] = {
		SCN_GROUP_MACHINE, "whatif NAME...", "",
		"whatif rfc-2020-idle-zero no-pte-special",
		"Run every preset with these on top, before the other commands (after memory): "
		"no-pte-special (an architecture without CONFIG_ARCH_HAS_PTE_SPECIAL: "
		"vm_insert_mixed() maps a pfn with a struct page by insert_page(), get_page() and "
		"rmap; GUP-fast has no PTE walk), rfc-2020-idle-zero (never merged: Ralph Campbell's "
		"2020 RFC, fsdax pages idle at 0 yet mapped with no reference, on releases before "
		"fsdax-refcounted), dax-ref-at-insert (never merged in this form: Dan Williams' "
		"answer, fs/dax holds a page reference while the block is the file's and the "
		"filesystem waits for 1). No release has any of them: the cells are \"this preset, "
		"plus that\". On the host the cell is n/a.",
	},
	[SCN_DISK] = {
		SCN_GROUP_MACHINE, "disk FS size=SIZE [checksum] [dax]", "size= checksum dax",
		"disk d1 size=4M checksum dax",
		"A block device of 4K blocks with the ext4-like blkfs on it (delayed allocation, "
		"buffer heads in folio->private). checksum gives every block a guard tag "
		"(T10 DIF style) verified on write: a page changed between checksum and transfer "
		"is a CSUM event. dax makes it pmem with fsdax: the file's pages are the disk's "
		"ZONE_DEVICE pages.",
	},
	[SCN_TMPFS] = {
		SCN_GROUP_MACHINE, "tmpfs FS [size=SIZE]", "size=", "tmpfs t1 size=2M",
		"A shmem mount (no writeback, no disk): longterm pins of its shared mappings "
		"are allowed, as mainline's writable-longterm check allows shmem.",
	},
	[SCN_HUGETLBFS] = {
		SCN_GROUP_MACHINE, "hugetlbfs FS [pagesize=2M|1G]", "pagesize=",
		"hugetlbfs h0\nhugetlbfs h1 pagesize=1G",
		"A hugetlbfs mount. Its files are what memfd_create(MFD_HUGETLB) gives (with "
		"pagesize=1G, MFD_HUGE_1GB): 'file F on FS size=SIZE' ftruncate()s and "
		"fallocate()s huge pages from the pool (EINVAL for a size that is not a whole "
		"number of them, ENOSPC when the pool runs dry), and any mapping of F is a "
		"hugetlb mapping. Longterm pins of its shared mappings are allowed (no writeback).",
	},
	[SCN_FILE] = {
		SCN_GROUP_MACHINE,
		"file FILE on FS [size=SIZE] [fill=BYTE] [reflink=SRC] [sealing] [exec|noexec-seal] [-> RES]",
		"size= fill= reflink= sealing exec noexec-seal",
		"file g on d0 size=16K fill=0x44 -> ok\nfile g2 on d0 reflink=f\nfile s on t0 size=4K sealing\n"
		"file n on t0 size=4K noexec-seal",
		"Create (O_CREAT|O_TRUNC) a file, size= long (ftruncate, a hole) or written with "
		"fill= through the page cache. reflink=SRC makes it a FICLONE of SRC instead, "
		"sharing its blocks: on a dax disk one pmem page behind two files (only dax "
		"disks have reflink: elsewhere EOPNOTSUPP). A disk too small answers ENOSPC; "
		"without '-> ENOSPC' that is a scenario error. On hugetlbfs, size= (a multiple "
		"of 2M) is allocated at once from the pool, and fill= is refused. sealing, exec "
		"and noexec-seal (tmpfs or hugetlbfs) are memfd_create()'s MFD_ALLOW_SEALING, "
		"MFD_EXEC and MFD_NOEXEC_SEAL: a memfd is mode 0777; noexec-seal makes it 0666 "
		"with F_SEAL_EXEC set and sealing allowed (6.3+; before, n/a unless '-> EINVAL'); "
		"both: EINVAL. Sealing a hugetlbfs file is 4.16+ (n/a before). Any other tmpfs "
		"file is born with F_SEAL_SEAL, so 'seal' on it answers EPERM.",
	},
	[SCN_PROCESS] = {
		SCN_GROUP_MACHINE, "process PROC", "", "process q",
		"A process with an empty mm_struct. A process nothing uses is an error.",
	},
	[SCN_DEVICE] = {
		SCN_GROUP_MACHINE, "device DEV [odp]", "odp", "device gpu",
		"A DMA device. Without one, pins use a default device. odp: an On-Demand-Paging "
		"device (mlx5 ODP, HMM mirror) that pins nothing, registers an mmu notifier and "
		"faults pages in itself; its DMA fails with EFAULT where the CPU's access would. "
		"A pin is attached to a device with dev=DEV; a device no pin uses is an error.",
	},
	[SCN_MMAP] = {
		SCN_GROUP_MEMORY,
		"mmap PROC MAP len=SIZE (file=FILE [offset=SIZE] | anon) shared|private [rw|ro] "
		"[thp] [hugetlb|hugetlb=2M|hugetlb=1G] [populate] [-> RES]",
		"len= file= offset= anon shared private rw ro thp hugetlb hugetlb= populate",
		"mmap p a anon len=2M private rw thp populate\n"
		"mmap p g anon len=2M shared rw hugetlb=2M\n"
		"mmap p n file=f offset=4K len=8K shared ro -> ok",
		"mmap() a mapping named MAP in PROC (PROT_READ, PROT_WRITE unless ro). thp places "
		"it on a 2M boundary (whatever len=) and madvise(MADV_HUGEPAGE)s it: an aligned 2M "
		"range of an anonymous private mapping gets a PMD-mapped THP on its first fault, "
		"and a write fault elsewhere the largest mTHP size `thp` enabled that fits. "
		"populate faults the range in (MAP_POPULATE; with thp, after the madvise, so the "
		"THP is there). hugetlb is MAP_HUGETLB "
		"(anon only; len= rounds up to 2M): each 2M is one pool folio mapped by one PMD, "
		"never split; a private one COWs by mapcount (hugetlb_wp). hugetlb=1G is "
		"MAP_HUGETLB|MAP_HUGE_1GB: 1G pool folios (order 18), each mapped by one PUD, "
		"len= rounding up to 1G. A mapping of a "
		"hugetlbfs file is hugetlb without the word. A shared ro mapping of a "
		"write-sealed memfd is n/a on a release that refuses it (before 6.7, and 6.12), "
		"unless the line says '-> EPERM'. Writes, reads and pins must "
		"stay inside len= (a parse error otherwise).",
	},
	[SCN_WRITE] = {
		SCN_GROUP_MEMORY, "write PROC MAP[+OFF] len=SIZE byte=BYTE [during=POINT] [-> RES]",
		"len= byte= during=", "write p m+4K len=16 byte=0x22",
		"The CPU stores BYTE through the process's page tables (faults, COW, "
		"page_mkwrite as needed). A failure without '-> ERRNO' is a scenario error: no "
		"preset changes what the CPU can reach.",
	},
	[SCN_READ] = {
		SCN_GROUP_MEMORY, "read PROC MAP[+OFF] len=SIZE [expect=BYTE] [during=POINT] [-> RES]",
		"len= expect= during=", "read p m len=4K expect=0x11",
		"The CPU loads the range; with expect= every byte must be BYTE (else corrupt).",
	},
	[SCN_PIN] = {
		SCN_GROUP_PINS,
		"pin PROC MAP[+OFF] len=SIZE as=HANDLE [write] [longterm] [fast] [get] [remote] "
		"[dev=DEV] [times=N] [batch=N] [foll=BITS] [during=POINT] [-> RES]",
		"len= as= write longterm fast get remote dev= times= batch= foll= during=",
		"pin p m+8K len=4K as=g write longterm dev=nic times=2 -> ok\n"
		"pin p m len=4K as=g2 fast get\n"
		"pin p m len=4K as=g3 remote batch=1",
		"pin_user_pages() of the range into HANDLE (FOLL_PIN); write is FOLL_WRITE, "
		"longterm FOLL_LONGTERM, fast pin_user_pages_fast(), remote "
		"pin_user_pages_remote(), get the get_user_pages*() family (FOLL_GET: a plain "
		"reference, not a pin). A longterm pin of a leased file goes through "
		"vaddr_pin_pages(). times=N pins the range N times into the handle; batch=N "
		"takes it in calls of N pages (gup_test's -n), so a call can end inside a large "
		"folio. foll=BITS ORs raw FOLL_* bits of the GUP API into the call, with the "
		"kernel's values (gup_test's -F: 0x8 FOLL_FORCE, 0x400 FOLL_PCI_P2PDMA, ...); the "
		"entry points still add and check their own. The pages are "
		"then registered with DEV (default device), or, for an odp DEV, the range is "
		"mirrored and nothing is pinned. A short pin is released and fails with EFAULT, "
		"as callers do. A refused pin makes the cell refused; a later command using the "
		"handle is skipped.",
	},
	[SCN_UNPIN] = {
		SCN_GROUP_PINS, "unpin HANDLE [dirty] [during=POINT]", "dirty during=", "unpin h dirty",
		"The driver's release: unpin_user_pages(), unpin_user_pages_dirty_lock() with "
		"dirty (set_page_dirty_lock() then put_page() for get handles, "
		"vaddr_unpin_pages() for a lease's). Unpinning twice is the double-unpin bug "
		"and is done as written.",
	},
	[SCN_WRITEBACK] = {
		SCN_GROUP_KERNEL, "writeback [FS] [during=POINT]", "during=", "writeback d0",
		"A background (WB_SYNC_NONE) writeback pass over FS, or every filesystem: "
		"folio_mkclean(), the checksum, the transfer, under the preset's writeback "
		"policy for pinned folios.",
	},
	[SCN_SYNC] = {
		SCN_GROUP_KERNEL, "sync [FS] [during=POINT] [-> RES]", "during=", "sync d0 -> ok",
		"Data-integrity writeback (WB_SYNC_ALL, as fsync): waits for writeback under way; "
		"a writeback error (EIO, ENOSPC) is its result.",
	},
	[SCN_DMA] = {
		SCN_GROUP_PINS,
		"dma HANDLE write byte=BYTE | read expect=BYTE [offset=SIZE] [len=SIZE] "
		"[during=POINT] [-> RES]",
		"byte= expect= offset= len= during=",
		"dma h write byte=0x33 offset=4K len=16\n"
		"dma h read expect=0x33 -> ok",
		"The device writes or reads the pages it holds for HANDLE, by pfn: no fault, no "
		"page_mkwrite, no dirtying. offset= counts from the address pinned (which may be "
		"inside a page), len= defaults to the rest of the pinned length; past the end is "
		"a parse error. An odp device faults the range in itself and fails with EFAULT "
		"where the CPU would (after truncate, say): '-> EFAULT' says that is expected.",
	},
	[SCN_CHECK_DISK] = {
		SCN_GROUP_CHECKS, "check disk FILE[+OFF] len=SIZE byte=BYTE [only=|except=PRESET,...]",
		"len= byte= only= except=", "check disk f+0 len=4K byte=0x11\ncheck disk f len=4K byte=0 except=mainline",
		"The blocks on disk behind the file's range (blkfs_bmap, read without the page "
		"cache) must hold BYTE. A hole is corrupt.",
	},
	[SCN_CHECK_FSCK] = {
		SCN_GROUP_CHECKS, "check fsck FS [only=|except=PRESET,...]", "only= except=", "check fsck d0\ncheck fsck d0 except=legacy-2018",
		"The filesystem's own consistency check: every mapped block in range, owned by "
		"one inode and allocated, every block allocated owned, no checksum errors, no "
		"block left never written. Any problem is corrupt, with the first one named.",
	},
	[SCN_CHECK_PINNED] = {
		SCN_GROUP_CHECKS, "check pinned HANDLE yes|no [only=|except=PRESET,...]", "only= except=",
		"check pinned h no only=mainline\ncheck pinned h no except=legacy-2018",
		"folio_maybe_dma_pinned() of every page of the handle. The get tracker (no pin "
		"tracking) answers no to everything: use except=legacy-2018 (or only=) to check "
		"where the design can tell.",
	},
	[SCN_CHECK_VMSTAT] = {
		SCN_GROUP_CHECKS, "check vmstat NAME=VALUE... [only=|except=PRESET,...]", "only= except=",
		"check vmstat nr_foll_pin_acquired=2 nr_foll_pin_released=0\n"
		"check vmstat pgfault=0 except=mainline",
		"/proc/vmstat counters of the machine since it came up (the list below).",
	},
	[SCN_CHECK_THP_STAT] = {
		SCN_GROUP_CHECKS, "check thp-stat SIZE NAME=VALUE... [only=|except=PRESET,...]",
		"only= except=",
		"check thp-stat 64K split_deferred=1 nr_anon_partially_mapped=1\n"
		"check thp-stat 2M anon_fault_alloc=1 split=0",
		"The per-size THP counters of /sys/kernel/mm/transparent_hugepage/"
		"hugepages-<SIZE>kB/stats/ (6.10+; n/a before): anon_fault_alloc, "
		"anon_fault_fallback, swpout, swpout_fallback, split, split_failed, split_deferred, "
		"nr_anon, nr_anon_partially_mapped. The model never counts "
		"anon_fault_fallback_charge (no memcg) or the shmem_* files (no large shmem "
		"folios): checking one of those is n/a. On the host: the change since the run "
		"began, as check vmstat.",
	},
	[SCN_CHECK_EVENTS] = {
		SCN_GROUP_CHECKS, "check events none | BUG=N [WARN=N] [CSUM=N] [only=|except=PRESET,...]",
		"none only= except=",
		"check events none\ncheck events BUG=0 WARN=1 only=mainline\ncheck events none except=mainline",
		"How many BUG, WARN and CSUM (guard tag mismatch) events have been recorded so "
		"far, expected ones included. A BUG or WARN the scenario did not expect (expect "
		"event) makes the cell bug on its own, at the end of the command that raised it.",
	},
	[SCN_CHECK_ZONE] = {
		SCN_GROUP_CHECKS, "check zone HANDLE normal|movable|cma|device [only=|except=PRESET,...]",
		"only= except=", "check zone h normal\ncheck zone h movable except=mainline",
		"Where every page of the handle is: ZONE_NORMAL outside CMA, ZONE_MOVABLE, a CMA "
		"pageblock, or ZONE_DEVICE. After a longterm pin, normal is the rule mainline "
		"keeps (check_and_migrate_movable_folios). An odp handle holds no pages: a "
		"scenario error.",
	},
	[SCN_FORK] = {
		SCN_GROUP_MEMORY, "fork PROC NEWPROC [during=POINT] [-> RES]", "during=", "fork p c",
		"fork(): the child gets every mapping of the parent under the same names; "
		"copy_page_range() write-protects private anon pages for COW, and where the "
		"preset's release has the 5.9 rule a maybe-pinned anon page is copied for the "
		"child at once instead (copy_present_page).",
	},
	[SCN_MUNMAP] = {
		SCN_GROUP_MEMORY, "munmap PROC MAP[+OFF] [len=SIZE] [during=POINT] [-> RES]",
		"len= during=", "munmap p m+8K len=8K",
		"munmap() of the whole mapping, or of [OFF, OFF+len) of it (OFF page aligned), "
		"splitting the VMA. A later write, read or pin of the range is a parse error "
		"unless it ends in '-> EFAULT'. Pins keep their pages.",
	},
	[SCN_MPROTECT] = {
		SCN_GROUP_MEMORY,
		"mprotect PROC MAP[+OFF] [len=SIZE] none|ro|rw [during=POINT] [-> RES]",
		"len= during=", "mprotect p m ro\nmprotect p m+4K len=4K rw",
		"mprotect() of the whole mapping, or of [OFF, OFF+len) of it (OFF page "
		"aligned), splitting the VMA; a PMD-mapped THP in the range is remapped by PTEs "
		"and stays one folio (cow.c's PTE-mapped THP).",
	},
	[SCN_MADVISE] = {
		SCN_GROUP_MEMORY,
		"madvise PROC MAP[+OFF] [len=SIZE] dontneed|dontfork|dofork|wipeonfork|keeponfork|"
		"hugepage|nohugepage|pageout|collapse [during=POINT] [-> RES]",
		"len= during=", "madvise p m dontneed\nmadvise p m+4K len=8K dontfork",
		"madvise() of the whole mapping or of [OFF, OFF+len): dontneed zaps the PTEs "
		"(pinned pages stay allocated, held by the pin); dontfork/dofork set and clear "
		"VM_DONTCOPY (fork leaves the range out of the child); wipeonfork/keeponfork set "
		"and clear VM_WIPEONFORK (the child gets the range empty; private anonymous "
		"memory only, EINVAL otherwise); hugepage/nohugepage set VM_HUGEPAGE/"
		"VM_NOHUGEPAGE; pageout is MADV_PAGEOUT: reclaim of the range's anonymous folios "
		"to the swap device (swap), the PTEs becoming swap entries (SWP_EXCLUSIVE for "
		"a PageAnonExclusive page, 5.19+). A THP mapped whole in the range goes out "
		"whole, one mapped in part is split first; folios other processes map are left "
		"alone, and so is a maybe-pinned one (5.11+: not added to the swap cache; "
		"5.19+: try_to_unmap() refuses an exclusive one). collapse is MADV_COLLAPSE "
		"(6.1): each whole 2M range in it becomes one PMD-mapped THP, a copy this "
		"process alone maps; EAGAIN when a page has a reference no mapping explains (a "
		"pin: the kernel's refcount check), EINVAL for memory it cannot collapse.",
	},
	[SCN_MREMAP] = {
		SCN_GROUP_MEMORY,
		"mremap PROC MAP[+OFF] [len=SIZE] as=NEWMAP [newlen=SIZE] [fixed=MAP[+OFF]] [-> RES]",
		"len= newlen= fixed= as=", "mremap p m as=n newlen=128K\nmremap p m+16K len=16K as=n fixed=m+48K",
		"mremap(MREMAP_MAYMOVE) of the whole mapping or of [OFF, OFF+len) to newlen "
		"bytes (len when not given); with fixed=, MREMAP_MAYMOVE|MREMAP_FIXED to that "
		"place of mapping MAP, which the move replaces. The result, moved or resized in "
		"place, is the mapping NEWMAP; the old range is gone. The page tables move, not "
		"the pages: pins, PageAnonExclusive and mapcounts stay; a PMD-mapped THP moved "
		"in part is split at the PMD and stays one folio (cow.c's partially mremap()'ed "
		"THP).",
	},
	[SCN_EXIT] = {
		SCN_GROUP_MEMORY, "exit PROC [-> RES]", "", "exit p",
		"The process exits: its mm and mappings go (a later command naming its "
		"mappings is a parse error); pins it took keep their pages, as a driver's "
		"do. On the host, the child process exits.",
	},
	[SCN_CHECK_SWAPPED] = {
		SCN_GROUP_CHECKS,
		"check swapped PROC MAP[+OFF] [len=SIZE] yes|no [only=|except=PRESET,...]",
		"len= only= except=", "check swapped p m no\ncheck swapped p m+4K len=4K no except=legacy-2018",
		"Is every page of the range swapped out (yes), or none of it (no)? What "
		"/proc/PID/pagemap's PM_SWAP bit says (cow.c's pagemap_is_swapped()), so a "
		"migration entry counts as swapped too. Otherwise corrupt.",
	},
	[SCN_THP] = {
		SCN_GROUP_MACHINE,
		"thp SIZE always|inherit|madvise|never | thp enabled always|madvise|never | "
		"thp zeropage on|off [-> RES]",
		"", "thp 2M never\nthp 64K always\nthp enabled never",
		"A write to /sys/kernel/mm/transparent_hugepage: SIZE (16K to 2M, a power of two) "
		"is hugepages-<size>kB/enabled, which sizes an anonymous fault may allocate (the "
		"largest enabled one whose aligned range fits the VMA with every PTE none; "
		"inherit follows enabled, madvise needs MADV_HUGEPAGE); enabled is the top-level "
		"mode (the model boots with madvise, the PMD size inherit, the rest never); "
		"zeropage is use_zero_page. A release before 6.8 has no per-size files: the cell "
		"is n/a. On the host nothing is written: the run goes on where the host already "
		"has that setting and is n/a otherwise.",
	},
	[SCN_CHECK_FOLIO] = {
		SCN_GROUP_CHECKS,
		"check folio HANDLE [page=N] [order=N] [large|small] [exclusive|shared] "
		"[pincount=N] [hugetlb] [only=|except=PRESET,...]",
		"page= order= pincount= large small exclusive shared hugetlb only= except=",
		"check folio h order=9 large\ncheck folio h page=1 small exclusive pincount=1",
		"What the folio behind page N (default 0) of the handle is: its order, whether "
		"it is large, whether that page is PageAnonExclusive, and its exact pin count "
		"(the tracker's; a design that keeps none, bias on a small folio, makes the "
		"cell n/a unless only= says where to ask), and with hugetlb that it is a hugetlb "
		"folio. At least one property is needed: "
		"this is how a scenario proves it got the memory it meant.",
	},
	[SCN_TRUNCATE] = {
		SCN_GROUP_KERNEL, "truncate FILE size=SIZE [during=POINT] [-> RES]", "size= during=",
		"truncate f size=0",
		"ftruncate(): unmap_mapping_range, then truncate_inode_pages_range; on fsdax, "
		"dax_break_layout first; under a layout lease the preset may answer ETXTBSY.",
	},
	[SCN_PUNCH] = {
		SCN_GROUP_KERNEL, "punch FILE offset=SIZE len=SIZE [during=POINT] [-> RES]",
		"offset= len= during=", "punch f offset=4K len=4K",
		"fallocate(FALLOC_FL_PUNCH_HOLE): as truncate, for the range. offset= plus len= "
		"past 2^63-1 is a parse error.",
	},
	[SCN_FALLOCATE] = {
		SCN_GROUP_KERNEL, "fallocate FILE offset=SIZE len=SIZE [keep-size] [-> RES]",
		"offset= len= keep-size", "fallocate f offset=0 len=8K\nfallocate f offset=4K len=8K keep-size -> EPERM",
		"fallocate(2), mode 0 (or FALLOC_FL_KEEP_SIZE): every page of the range in the "
		"page cache, the file grown to its end unless keep-size. shmem_fallocate() "
		"refuses a range that ends past the size under F_SEAL_GROW with EPERM, keep-size "
		"or not; a write seal does not stop it. tmpfs files only in the model (a disk "
		"file: EOPNOTSUPP); on hugetlbfs, pages of the file's size from the pool.",
	},
	[SCN_CHMOD] = {
		SCN_GROUP_KERNEL, "chmod FILE MODE [-> RES]", "", "chmod f 0644\nchmod f 0755 -> EPERM",
		"fchmod(2) with an octal MODE. Under F_SEAL_EXEC (6.3+) a change of any exec bit "
		"answers EPERM (shmem_setattr()); other bits change.",
	},
	[SCN_SEAL] = {
		SCN_GROUP_KERNEL, "seal FILE write|future-write|shrink|grow|seal|exec... [-> RES]",
		"write future-write shrink grow seal exec",
		"seal f write\nseal f shrink grow seal -> ok\nseal f future-write -> EPERM",
		"fcntl(F_ADD_SEALS) of the named seals together (mm/memfd.c). write "
		"(F_SEAL_WRITE) answers EBUSY while a shared mapping that may write exists "
		"(i_mmap_writable: a MAP_SHARED mapping of the read-write memfd, even PROT_READ) "
		"and, after memfd_wait_for_pins()'s bounded wait, while a folio of the file "
		"holds references beyond its cache and mappings (a pin, an O_DIRECT in flight). "
		"Once sealed: write/pwrite answer EPERM, a new MAP_SHARED PROT_WRITE mmap EPERM, a "
		"MAP_SHARED PROT_READ one loses VM_MAYWRITE (mprotect rw: EACCES, a FOLL_WRITE "
		"pin: EFAULT; under write only 6.7-6.11 and 6.13+ map it, the others answer EPERM "
		"and a scenario's read-only shared mmap of it is n/a there), punch EPERM; future-write refuses the same but leaves existing "
		"mappings writable. shrink and grow refuse truncate (and a write past EOF for "
		"grow) with EPERM; seal refuses later seals with EPERM. exec (F_SEAL_EXEC, 6.3+; "
		"n/a before unless '-> EINVAL') freezes the exec bits, and on a memfd that has "
		"one (not noexec-seal) adds shrink, grow, write and future-write, so it waits "
		"for pins as write does. On a file without 'sealing': EPERM. hugetlbfs memfds "
		"take seals as tmpfs ones (4.16+).",
	},
	[SCN_RECLAIM] = {
		SCN_GROUP_KERNEL, "reclaim [during=POINT]", "during=", "reclaim",
		"shrink_folio_list() over every LRU folio: unmap, then free what nothing else "
		"holds; filemap_release_folio() (try_to_release_page) strips a clean file "
		"folio's buffers even when a pin keeps the folio. Then, as shrink_node()'s "
		"shrink_slab(), the deferred split shrinker (see drop-caches 2).",
	},
	[SCN_MIGRATE] = {
		SCN_GROUP_KERNEL, "migrate PROC MAP [during=POINT] [-> RES]", "during=", "migrate p m",
		"move_pages()-style migration of the mapping's pages: a page kept by a pin (or "
		"any extra reference) stays, and the command fails with EBUSY.",
	},
	[SCN_DROP_CACHES] = {
		SCN_GROUP_KERNEL, "drop-caches [1|2|3] [during=POINT]", "1 2 3 during=",
		"drop-caches\ndrop-caches 2",
		"echo N > /proc/sys/vm/drop_caches (N is 1 when not given). 1: "
		"invalidate_mapping_pages() on every file of every disk, which evicts only what "
		"nothing uses (clean, unmapped, unpinned). 2: drop_slab(), every shrinker; the "
		"model's one is thp-deferred_split, whose deferred_split_scan() splits each "
		"partially unmapped large anonymous folio it can, freeing its unmapped pages; a "
		"folio with a reference no mapping explains (a pin) stays whole and queued. 3: both. "
		"Model: the shrinker runs once; the kernel's drop_slab() runs it per memcg and "
		"again while it frees, so split_failed rises by more there.",
	},
	[SCN_LEASE] = {
		SCN_GROUP_KERNEL, "lease FILE [-> RES]", "", "lease f",
		"Take a file layout lease (F_LAYOUT, the 2019 series): a longterm pin of the file "
		"then goes through vaddr_pin_pages().",
	},
	[SCN_UNLEASE] = {
		SCN_GROUP_KERNEL, "unlease FILE [-> RES]", "", "unlease f", "Give the lease back.",
	},
	[SCN_EXPECT_EVENT] = {
		SCN_GROUP_CHECKS,
		"expect event BUG|WARN|CSUM \"TEXT\" [only=|except=PRESET,...]", "only= except=",
		"expect event WARN \"refcount\"\nexpect event WARN \"not pinned\" only=exact",
		"From here on, BUG/WARN/CSUM events whose text contains TEXT are expected (they "
		"do not make the cell bug); one that never happens by the end makes it corrupt. "
		"only=/except= limit the expectation to the designs that raise it (a tracker "
		"that catches a driver's bug at the call).",
	},
	[SCN_DEBUG_PINS] = {
		SCN_GROUP_PINS, "debug-pins", "", "debug-pins",
		"The 2019 pin debugging mode: put_page() of a pinned page and a double unpin are "
		"WARNed at the call.",
	},
	[SCN_PWRITE] = {
		SCN_GROUP_MEMORY, "pwrite FILE[+OFF] len=SIZE byte=BYTE [-> RES]", "len= byte=",
		"pwrite f+4K len=8K byte=0x55 -> ok",
		"pwrite(2) through the page cache (not through a mapping). A full disk answers "
		"ENOSPC; without '-> ENOSPC' that is a scenario error.",
	},
};

const struct scn_vmstat_doc scn_vmstat_docs[] = {
	{ "nr_file_pages", "page-cache pages" },
	{ "nr_anon_pages", "mapped anonymous pages" },
	{ "nr_mapped", "mapped page-cache pages" },
	{ "nr_dirty", "dirty page-cache pages" },
	{ "nr_writeback", "pages under writeback" },
	{ "nr_shmem", "shmem/tmpfs pages" },
	{ "nr_anon_transparent_hugepages", "anonymous THPs mapped" },
	{ "nr_foll_pin_acquired", "pages pinned with FOLL_PIN" },
	{ "nr_foll_pin_released", "FOLL_PIN pins released" },
	{ "nr_pin_wb_copied", "pages of pinned folios writeback wrote from a stable copy (pinmm's own)" },
	{ "nr_pin_wb_unchanged", "pages whose copy matched the disk, so were not written (pinmm's own)" },
	{ "pgfault", "faults handled" },
	{ "pgmajfault", "faults that read from the disk" },
	{ "pgmigrate_success", "pages migrated" },
	{ "pgmigrate_fail", "pages migration left where they were" },
	{ "thp_split_page", "PMD-sized THPs split into base pages" },
	{ "thp_split_page_failed", "PMD-sized THP splits refused (a pin, an extra reference)" },
	{ "thp_deferred_split_page", "PMD-sized THPs queued for deferred split (partly unmapped)" },
	{ "thp_split_pmd", "PMD mappings of THPs split into PTEs" },
	{ "thp_zero_page_alloc", "huge zero folios allocated (a read fault of THP-eligible memory)" },
	{ "thp_collapse_alloc", "THPs allocated by MADV_COLLAPSE (or khugepaged) to collapse a range into" },
	{ "pgsteal", "pages reclaim freed" },
	{ "pgscan", "pages reclaim looked at" },
	{ "pswpin", "pages read from swap" },
	{ "pswpout", "pages written to swap" },
	{ "thp_swpout", "PMD-sized THPs swapped out whole" },
	{ NULL, NULL },
};


/* @text wrapped at 78 columns, each line indented by @indent spaces. */
static void wrap(FILE *f, const char *text, int indent)
{
	const char *p = text;

	while (*p) {
		size_t room = (size_t)(78 - indent), n = strlen(p);

		if (n > room) {
			n = room;
			while (n && p[n] != ' ')
				n--;
			if (!n)
				n = room;
		}
		fprintf(f, "%*s%.*s\n", indent, "", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

void scn_reference_text(FILE *f, bool checks_only)
{
	for (int g = 0; g < SCN_NR_GROUPS; g++) {
		if (checks_only && g != SCN_GROUP_CHECKS)
			continue;
		fprintf(f, "%s:\n", scn_group_names[g]);
		for (int k = 0; k < SCN_NR_CMDS; k++) {
			const struct scn_cmd_doc *d = &scn_cmd_docs[k];

			if (!d->synopsis || (int)d->group != g)
				continue;
			fprintf(f, "  %s\n", d->synopsis);
			wrap(f, d->help, 6);
		}
		fputc('\n', f);
	}
	fputs("The whole language, with examples: docs/scenario-language.md.\n", f);
}

static void md_code_list(FILE *f, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s`%s`", i ? ", " : "", v[i]);
	fputs(".\n", f);
}

void scn_reference_markdown(FILE *f)
{
	fputs("## Commands\n\n"
	      "Placeholders: PROC, MAP, FILE, FS, DEV, HANDLE are names declared earlier; "
	      "SIZE a size, BYTE a byte, N a count; `[x]` is optional, `a|b` one of them. "
	      "Every command that ends in `[-> RES]` may say which result it expects.\n", f);
	for (int g = 0; g < SCN_NR_GROUPS; g++) {
		fprintf(f, "\n### %s\n", scn_group_names[g]);
		for (int k = 0; k < SCN_NR_CMDS; k++) {
			const struct scn_cmd_doc *d = &scn_cmd_docs[k];
			const char *e;

			if (!d->synopsis || (int)d->group != g)
				continue;
			fprintf(f, "\n#### `%s`\n\n%s\n\n", d->synopsis, d->help);
			fputs("```\n", f);
			for (e = d->examples; *e;) {
				const char *nl = strchr(e, '\n');
				size_t n = nl ? (size_t)(nl - e) : strlen(e);

				fprintf(f, "%.*s\n", (int)n, e);
				e += n + (nl != NULL);
			}
			fputs("```\n", f);
		}
	}
	fputs("\n## Results (`-> RES`)\n\n", f);
	for (size_t i = 0; scn_errno_name_at(i); i++)
		fprintf(f, "%s`%s`", i ? ", " : "", scn_errno_name_at(i));
	fputs(".\n", f);
	fputs("\n## Zones (`check zone`)\n\n", f);
	md_code_list(f, scn_zone_names, SCN_NR_ZONES);
	fputs("\n## Race points (`during=POINT`)\n\n"
	      "A command with `during=POINT` is armed, not run: it runs in another context at "
	      "the first such point the next command reaches (or when that command ends). "
	      "`during=any` runs the scenario once per point reached and keeps the worst cell.\n\n",
	      f);
	md_code_list(f, race_point_names, NR_RACE_POINTS);
	fputs("\n## Vmstat counters (`check vmstat`)\n\n| counter | counts |\n| --- | --- |\n", f);
	for (size_t i = 0; scn_vmstat_docs[i].name; i++)
		fprintf(f, "| `%s` | %s |\n", scn_vmstat_docs[i].name, scn_vmstat_docs[i].help);
}
