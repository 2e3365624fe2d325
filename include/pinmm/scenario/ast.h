/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A parsed .pin scenario: every command typed and validated, names resolved to
 * small integer ids, so the interpreter never looks at text again.
 *
 * Grammar (one command a line, '#' to end of line is a comment, SIZE is a
 * number with an optional K/M/G suffix or 'p' for 4 KiB pages, BYTE is 0..255,
 * LOC is NAME or NAME+SIZE, RES is "ok" or an errno name such as EFAULT):
 *
 *   scenario "TITLE"
 *   presets all | TARGET...
 *   verdict TARGET... pass|refused|corrupt|bug
 *     TARGET: a preset or alias (v5.10, mainline), a group (releases,
 *     designs) or a range of releases, either end open: v4.14..v5.4,
 *     v5.10.., ..v4.19. A preset is named by at most one verdict.
 *   memory SIZE [movable=SIZE] [cma=SIZE] [hugepages=N] [hugepages-1G=N]
 *   disk FS size=SIZE [checksum] [dax]
 *   tmpfs FS [size=SIZE]
 *   hugetlbfs FS [pagesize=1G]  (its files are memfd_create(MFD_HUGETLB)s, fallocate()d)
 *   file FILE on FS [size=SIZE] [fill=BYTE] [sealing] [exec|noexec-seal]
 *       (tmpfs or hugetlbfs only: memfd_create(MFD_ALLOW_SEALING, MFD_EXEC, MFD_NOEXEC_SEAL))
 *   chmod FILE MODE      fallocate FILE offset=SIZE len=SIZE [keep-size]
 *   process PROC
 *   device DEV [odp]
 *   mmap PROC MAP len=SIZE (file=FILE [offset=SIZE] | anon) shared|private
 *        [rw|ro] [thp] [hugetlb|hugetlb=2M|hugetlb=1G] [populate] [-> RES]
 *   write PROC LOC len=SIZE byte=BYTE [-> RES]
 *   read PROC LOC len=SIZE [expect=BYTE] [-> RES]
 *   pin PROC LOC len=SIZE as=HANDLE [write] [longterm] [fast] [get] [remote]
 *       [dev=DEV] [times=N] [batch=N] [foll=BITS] [-> RES]
 *   unpin HANDLE [dirty]
 *   writeback [FS]      sync [FS]
 *   dma HANDLE write byte=BYTE [offset=SIZE] [len=SIZE] [-> RES]
 *   dma HANDLE read expect=BYTE [offset=SIZE] [len=SIZE] [-> RES]
 *   pwrite FILE[+OFF] len=SIZE byte=BYTE [-> RES]
 *   check zone HANDLE normal|movable|cma|device
 *   check disk FILE+OFF len=SIZE byte=BYTE | check fsck FS
 *   check pinned HANDLE yes|no | check vmstat NAME=VALUE...
 *   check events none | check events BUG=N [WARN=N] [CSUM=N]
 *   check folio HANDLE [page=N] [order=N] [large|small] [exclusive|shared] [pincount=N]
 *                [hugetlb]
 *   fork PROC NEWPROC      exit PROC      munmap PROC MAP[+OFF] [len=SIZE]
 *   mprotect PROC MAP[+OFF] [len=SIZE] none|ro|rw
 *   madvise PROC MAP[+OFF] [len=SIZE] dontneed|dontfork|dofork|wipeonfork|keeponfork|
 *           hugepage|nohugepage
 *   mremap PROC MAP[+OFF] [len=SIZE] as=NEWMAP [newlen=SIZE] [fixed=MAP[+OFF]]
 *   migrate PROC MAP      reclaim
 *   truncate FILE size=SIZE      punch FILE offset=SIZE len=SIZE
 *   drop-caches [1|2|3]      lease FILE      unlease FILE
 *   check thp-stat SIZE name=value...   (hugepages-<size>kB/stats/)
 *   seal FILE write|future-write|shrink|grow|seal|exec... [-> RES]   (fcntl(F_ADD_SEALS))
 *   debug-pins       (the pin debug mode: put_page() of a pinned page, double unpin)
 *   expect event BUG|WARN|CSUM "TEXT"
 *
 *   Any command that acts (write, read, pin, unpin, dma, writeback, sync,
 *   fork, munmap, mprotect, madvise, migrate, reclaim, truncate, punch,
 *   drop-caches) takes [during=POINT]: it is armed instead of run, and runs
 *   in another context at the first race point POINT (mem/race.h: writeback,
 *   mkclean, reclaim, migrate, fork, truncate, gup-fast, pin) that the next
 *   command reaches, or when that command ends if it reaches none. A dma lands only
 *   at a point working on a folio of its handle. during=any runs the scenario
 *   once per point the next command reaches (and once after it) and keeps the
 *   worst cell, saying where it landed; one during=any per scenario.
 *
 * Every check may end in only=PRESET[,PRESET...] (it applies under those
 * presets alone) or except=PRESET[,PRESET...] (under all others). docs/scenario-language.md is the full reference.
 *
 * What the interpreter is to make of the less obvious parts:
 * - a mapping belongs to the process that mmap()ed it; fork gives the child
 *   every mapping of the parent under the same names;
 * - pin ... times=N pins the range N times into one handle; "-> ERR" then
 *   means some repetition failed with ERR, and the handle keeps the pins that
 *   succeeded, which unpin releases;
 * - pin ... dev=DEV attaches the handle to a declared device; for an odp
 *   device it is a mirror that holds no pin and obeys mmu notifiers;
 * - a handle's DMA offset= counts from the address pinned (which need not be
 *   page aligned), and len= defaults to the rest of the pinned length;
 * - writeback/sync with no FS act on every filesystem;
 * - expect event marks matching BUG/WARN/CSUM events from there on as
 *   expected; one that never fires by the end fails the scenario.
 */
#ifndef PINMM_SCENARIO_AST_H
#define PINMM_SCENARIO_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>	/* event.h uses atomic_uint without including it */
#include <pinmm/mem/event.h>

/* A scenario's outcome under one preset (DESIGN.md, "Scenario language"). */
enum scn_cell {
	SCN_PASS,	/* every expectation met, no unexpected BUG/WARN */
	SCN_REFUSED,	/* an operation expected to succeed returned an errno */
	SCN_CORRUPT,	/* a data or state check failed */
	SCN_BUG,	/* a BUG or WARN event the scenario did not expect */
	/*
	 * The backend could not carry out a command (the host backend: no
	 * system call does it), so the scenario says nothing there. Never a
	 * verdict; neither a match nor a mismatch.
	 */
	SCN_NA,
	SCN_NR_CELLS,
};
extern const char *const scn_cell_names[SCN_NR_CELLS];
/* -EINVAL when @name is not a cell name. */
int scn_cell_parse(const char *name, enum scn_cell *out);

/* Name spaces: a disk and a file may share a name, two files may not. */
enum scn_ns {
	SCN_NS_FS,	/* disks and tmpfs mounts: both can hold files */
	SCN_NS_FILE,
	SCN_NS_PROC,
	SCN_NS_MAP,	/* global, but each mapping is visible only in its processes */
	SCN_NS_HANDLE,
	SCN_NS_DEV,
	SCN_NR_NS,
};
extern const char *const scn_ns_names[SCN_NR_NS];

enum scn_fs_kind { SCN_FS_DISK, SCN_FS_TMPFS, SCN_FS_HUGETLBFS };

struct scn_name {
	char *name;
	unsigned int line;	/* where it was declared */
	/*
	 * FS: enum scn_fs_kind; DEV: 1 for odp; MAP: the process that mmap()ed
	 * it; HANDLE: index in scenario->cmds of the pin that made it;
	 * FILE: the filesystem id. 0 otherwise.
	 */
	int info;
	uint64_t len;		/* MAP: the mmap length */
	bool used;		/* named by a later command */
};

struct scn_names {
	struct scn_name *v;
	size_t nr, cap;
};

enum scn_cmd_kind {
	SCN_MEMORY,
	SCN_DISK,
	SCN_TMPFS,
	SCN_FILE,
	SCN_PROCESS,
	SCN_DEVICE,
	SCN_MMAP,
	SCN_WRITE,
	SCN_READ,
	SCN_PIN,
	SCN_UNPIN,
	SCN_WRITEBACK,
	SCN_SYNC,
	SCN_DMA,
	SCN_CHECK_DISK,
	SCN_CHECK_FSCK,
	SCN_CHECK_PINNED,
	SCN_CHECK_VMSTAT,
	SCN_CHECK_EVENTS,
	SCN_FORK,
	SCN_MUNMAP,
	SCN_MPROTECT,
	SCN_MADVISE,
	SCN_TRUNCATE,
	SCN_PUNCH,
	SCN_RECLAIM,
	SCN_MIGRATE,
	SCN_DROP_CACHES,
	SCN_LEASE,
	SCN_UNLEASE,
	SCN_EXPECT_EVENT,
	SCN_DEBUG_PINS,
	SCN_PWRITE,
	SCN_CHECK_ZONE,
	SCN_EXIT,
	SCN_CHECK_FOLIO,
	SCN_MREMAP,
	SCN_SWAP,
	SCN_WHATIF,
	SCN_CHECK_SWAPPED,
	SCN_HUGETLBFS,
	SCN_THP,
	SCN_SEAL,
	SCN_CHECK_THP_STAT,
	SCN_CHMOD,
	SCN_FALLOCATE,
	SCN_NR_CMDS,
};
/* "memory", "check disk", "expect event"...: for messages and `pinmm explain`. */
extern const char *const scn_cmd_names[SCN_NR_CMDS];

/* thp: the targets that are not a size. */
#define SCN_THP_ENABLED		(-1)	/* /sys/kernel/mm/transparent_hugepage/enabled */
#define SCN_THP_ZEROPAGE	(-2)	/* .../use_zero_page */
/* thp modes: the sysfs words, in enum thp_order_mode's order. */
extern const char *const scn_thp_modes[4];

/* during=any: every race point the next command reaches, one run each. */
#define SCN_DURING_ANY (-1)

/* seal: the uapi F_SEAL_* values (fs/memfd.h), which the host passes to fcntl() as they are. */
#define SCN_SEAL_SEAL		0x0001u
#define SCN_SEAL_SHRINK		0x0002u
#define SCN_SEAL_GROW		0x0004u
#define SCN_SEAL_WRITE		0x0008u
#define SCN_SEAL_FUTURE_WRITE	0x0010u
#define SCN_SEAL_EXEC		0x0020u

/* pin flags; the interpreter maps them to FOLL_* and to the gup entry point. */
#define SCN_PIN_WRITE		(1u << 0)	/* FOLL_WRITE */
#define SCN_PIN_LONGTERM	(1u << 1)	/* FOLL_LONGTERM */
#define SCN_PIN_FAST		(1u << 2)	/* pin_user_pages_fast() */
#define SCN_PIN_GET		(1u << 3)	/* FOLL_GET: get_user_pages*(), not a pin */
#define SCN_PIN_REMOTE		(1u << 4)	/* *_remote(): another mm's pages */
/* foll=: the kernel's caller-visible FOLL_* bits (enum gup_flags, bits 0-12). */
#define SCN_FOLL_PUBLIC		0x1fffu

enum scn_advice {
	SCN_MADV_DONTNEED,
	SCN_MADV_DONTFORK,
	SCN_MADV_DOFORK,
	SCN_MADV_WIPEONFORK,
	SCN_MADV_KEEPONFORK,
	SCN_MADV_HUGEPAGE,
	SCN_MADV_NOHUGEPAGE,
	SCN_MADV_PAGEOUT,
	SCN_MADV_COLLAPSE,
	SCN_NR_ADVICE,
};
/* "dontneed", ...: the MADV_ name in lower case. */
extern const char *const scn_advice_names[SCN_NR_ADVICE];

/* check zone: where every page of a handle must be. */
enum scn_zone { SCN_ZONE_NORMAL, SCN_ZONE_MOVABLE, SCN_ZONE_CMA, SCN_ZONE_DEVICE, SCN_NR_ZONES };
extern const char *const scn_zone_names[SCN_NR_ZONES];

/* A place in a mapping or a file: the name's id and a byte offset into it. */
struct scn_loc {
	int id;
	uint64_t off;
};

struct scn_stat {
	char *name;		/* a /proc/vmstat name, checked by scenario_check() */
	long value;
};

struct scn_cmd {
	enum scn_cmd_kind kind;
	unsigned int line;
	/* "-> RES": has_result, and result = 0 for ok or a positive errno. */
	bool has_result;
	int result;
	char *comment;		/* the line's trailing comment, '#' stripped, or NULL */
	/* during=POINT: has_during, and during is an enum race_point or SCN_DURING_ANY. */
	bool has_during;
	int during;
	/*
	 * only=PRESET,...: a check that holds for these presets only (with
	 * except: for every preset but these); NULL: all.
	 */
	char **only;
	size_t nr_only;
	bool except;
	union {
		/* hugepages, hugepages_1g: nr_hugepages of the 2 MiB and the 1 GiB hstate */
		struct { uint64_t size, movable, cma, hugepages, hugepages_1g; } memory;
		struct { int fs; uint64_t size; bool checksum, dax; } disk;
		/* and hugetlbfs (pagesize: 0 = 2M, or 1G); size 0: unlimited */
		struct { int fs; uint64_t size, pagesize; } tmpfs;
		/* fill, reflink -1: none; sealing, exec, noexec_seal: memfd_create()'s MFD_* */
		struct { int file, fs; uint64_t size; int fill, reflink; bool sealing, exec, noexec_seal; } file;
		struct { int file; unsigned int mode; } chmod;
		struct { int file; uint64_t offset, len; bool keep_size; } fallocate;
		struct { int file; unsigned int seals; } seal;	/* F_SEAL_* */
		struct { int proc; } process;
		struct { int dev; bool odp; } device;
		struct {
			int proc, map, file;	/* file -1 for anon */
			uint64_t len, offset;
			bool shared, writable, thp, populate;
			bool hugetlb;		/* MAP_HUGETLB (a hugetlbfs file is one without it) */
			bool hugetlb_1g;	/* with MAP_HUGE_1GB (hugetlb=1G) */
		} mmap;
		/* write and read; has_byte false for a read with no expect= */
		struct { int proc; struct scn_loc at; uint64_t len; bool has_byte; uint8_t byte; } access;
		struct {
			int proc;
			struct scn_loc at;
			uint64_t len;
			int handle, dev;	/* dev -1: the default device */
			unsigned int flags;	/* SCN_PIN_* */
			uint64_t times;		/* pin the range this many times into the handle */
			uint64_t batch;		/* pages per call (gup_test -n); 0: the range in one */
			unsigned int foll;	/* foll=: raw FOLL_* bits ORed in (gup_test -F) */
		} pin;
		struct { int handle; bool dirty; } unpin;
		struct { int fs; } sync;			/* writeback and sync; fs -1: all */
		/* len 0: to the end of the handle. */
		struct {
			int handle;
			bool write;
			uint8_t byte;
			uint64_t offset, len;
		} dma;
		struct { struct scn_loc at; uint64_t len; uint8_t byte; } check_disk;
		struct { int fs; } check_fsck;
		struct { int handle; bool pinned; } check_pinned;
		struct { int handle; enum scn_zone zone; } check_zone;
		struct { struct scn_loc at; uint64_t len; uint8_t byte; } pwrite;
		/* check vmstat; check thp-stat too, with the folio order of its size */
		struct { struct scn_stat *v; size_t nr; int order; } check_vmstat;
		/* drop-caches: the value echoed to /proc/sys/vm/drop_caches (1, 2, 3) */
		struct { int what; } drop_caches;
		/* count[k] < 0: kind k not checked; none sets every count to 0 */
		struct { long count[MM_EV_NR]; } check_events;
		struct { int parent, child; } fork;
		/* munmap, migrate; munmap of [off, off+len) when len, else all of it */
		struct { int proc, map; uint64_t off, len; } vma;
		/* Both also act on [off, off+len) when len, else on all of it. */
		struct { int proc, map; uint64_t off, len; bool writable, none; } mprotect;
		struct { int proc, map; uint64_t off, len; enum scn_advice advice; } madvise;
		struct { int proc; } exit;
		struct { uint64_t size; } swap;
		struct { unsigned long mask; } whatif;	/* BIT(enum model_whatif) */
		struct { int proc, map; uint64_t off, len; bool swapped; } check_swapped;
		/*
		 * mremap of [off, off+len) (all of map when len is 0) to newlen
		 * bytes (len when 0), MREMAP_MAYMOVE; MREMAP_FIXED at @fixed when
		 * fixed.id >= 0. The result is the new mapping @to.
		 */
		struct { int proc, map, to; uint64_t off, len, newlen; struct scn_loc fixed; } mremap;
		/*
		 * check folio: the folio of page @page of a handle; -1 where the
		 * line did not ask (order, large, exclusive, pincount).
		 */
		struct {
			int handle;
			uint64_t page;
			int order, large, exclusive, hugetlb;
			long pincount;
		} check_folio;
		/*
		 * thp SIZE|enabled|zeropage MODE: order 2-9 for a hugepages-<size>kB
		 * file, SCN_THP_ENABLED or SCN_THP_ZEROPAGE; mode an enum thp_order_mode
		 * value (enabled: always/madvise/never; zeropage: 1 on, 0 off).
		 */
		struct { int order; int mode; } thp;
		struct { int file; uint64_t size; } truncate;
		struct { int file; uint64_t offset, len; } punch;
		struct { int file; } lease;			/* lease and unlease */
		struct { enum mm_event_kind kind; char *text; } expect_event;
	};
};

struct scn_verdict {
	char *preset;		/* the TARGET as written: "v4.14..v5.4", "mainline" */
	enum scn_cell cell;
	unsigned int line;
};

struct scenario {
	char *path;		/* display name given to the parser: "scenarios/02-x.pin" */
	char *name;		/* basename without ".pin": "02-x" */
	char *title;		/* the scenario "..." line */
	char *description;	/* the leading comment block, '#' stripped; may be "" */
	unsigned int title_line;

	bool all_presets;	/* "presets all", or no presets line */
	char **presets;
	size_t nr_presets;
	unsigned int presets_line;

	struct scn_verdict *verdicts;
	size_t nr_verdicts;

	struct scn_cmd *cmds;
	size_t nr_cmds;

	struct scn_names names[SCN_NR_NS];
};

static inline const char *scn_name(const struct scenario *s, enum scn_ns ns, int id)
{
	if (id < 0 || (size_t)id >= s->names[ns].nr)
		return "?";
	return s->names[ns].v[id].name;
}

/* Does command @c apply under @preset (its only= list)? */
bool scn_cmd_applies(const struct scn_cmd *c, const char *preset);

/*
 * The cell @preset must produce: the verdict whose target covers it, or
 * pass. Targets are resolved against the pin layer's presets, so these live
 * in src/scenario/verdict.c, outside the parser.
 */
enum scn_cell scenario_expected(const struct scenario *s, const char *preset);
/* Does the scenario run under @preset (a target of its presets line covers it)? */
bool scenario_wants_preset(const struct scenario *s, const char *preset);
/* Does the target text @target cover @preset (both resolved as above)? */
bool scn_target_covers(const char *target, const char *preset);

/* errno names used by "-> RES": 0 for "ok", -EINVAL for an unknown name. */
int scn_errno_parse(const char *name);
/* "ok", "EFAULT", ... or NULL for an errno the language has no name for. */
const char *scn_errno_name(int err);
/* The @i-th result name ("ok" first), NULL past the last. */
const char *scn_errno_name_at(size_t i);

#endif
