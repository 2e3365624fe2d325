/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parser errors: each bad input gets its exact "file:line: message", -EINVAL,
 * no AST, and nothing leaked (ASan builds check the last part).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "../common/cmocka_tap.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pinmm/mem/memory.h>
#include <pinmm/scenario/parse.h>


#define HDR "scenario \"t\"\n"
#define BASE HDR "disk d0 size=16M\nfile f on d0 size=64K\nprocess p\n" \
	"mmap p m file=f len=64K shared rw\n"

static const struct {
	const char *text;
	const char *msg;
} cases[] = {
	/* the examples of the language description */
	{ BASE "\nfrob p\n", "foo.pin:7: unknown command 'frob' (did you mean 'fork'?)" },
	{ BASE "mprotect p m+4K ro\n", "foo.pin:6: mprotect of part of a mapping needs len=" },
	{ BASE "madvise p m+1K len=4K dontfork\n",
	  "foo.pin:6: madvise offset must be page aligned (madvise(2) answers EINVAL)" },
	{ BASE "madvise p m+60K len=8K dontneed\n",
	  "foo.pin:6: madvise past the end of mapping 'm': +60K len=8192, but the mapping is len=64K (line 5)" },
	{ BASE "mremap p m+4K len=4K as=n\nwrite p m+4K len=4K byte=1\n",
	  "foo.pin:7: write of mapping 'm' touches +4K, which mremap took out at line 6 (end the "
	  "line with '-> EFAULT' if that is the point)" },
	{ BASE "mremap p m+4K len=4K as=n fixed=m+32K newlen=8K\nread p m+36K len=4K\n",
	  "foo.pin:7: read of mapping 'm' touches +32K, which mremap took out at line 6 (end the "
	  "line with '-> EFAULT' if that is the point)" },
	{ BASE "mremap p m as=n newlen=1K\n", "foo.pin:6: newlen= must be a non-zero multiple of 4K" },
	{ BASE "thp 8K always\n",
	  "foo.pin:6: thp size '8K': anonymous THP sizes are the powers of two from 16K to 2M "
	  "(hugepages-8kB has no anon 'enabled' file)" },
	{ BASE "thp 48K always\n",
	  "foo.pin:6: thp size '48K': anonymous THP sizes are the powers of two from 16K to 2M "
	  "(hugepages-8kB has no anon 'enabled' file)" },
	{ BASE "thp 64K sometimes\n",
	  "foo.pin:6: thp 64K takes always, inherit, madvise or never, not 'sometimes'" },
	{ BASE "thp enabled inherit\n",
	  "foo.pin:6: thp enabled takes always, madvise or never, not 'inherit'" },
	{ BASE "thp zeropage yes\n", "foo.pin:6: thp zeropage takes 'on' or 'off', not 'yes'" },
	{ BASE "thp hugepages always\n",
	  "foo.pin:6: thp takes a size (16K..2M), 'enabled' or 'zeropage', not 'hugepages'" },
	{ BASE "mremap p m+4K len=4K as=n fixed=m+1K\n",
	  "foo.pin:6: fixed= must be page aligned (mremap(2) answers EINVAL)" },
	{ BASE "mremap p m len=4K\n", "foo.pin:6: missing argument 'as=' for mremap" },
	{ BASE "mremap p m as=n -> EFAULT\nread p n+0 len=4K\n",
	  "foo.pin:7: mapping 'n' is not mapped in process 'p'" },
	{ BASE "exit p\nwrite p m+0 len=4K byte=1\n",
	  "foo.pin:7: mapping 'm' is not mapped in process 'p'" },
	{ BASE "pin p m len=4K as=h\ncheck folio h\n",
	  "foo.pin:7: check folio asks nothing: give order=, large|small, exclusive|shared, pincount= or hugetlb" },
	/* hugetlb */
	{ HDR "memory 8M hugepages=4\n", "foo.pin:2: hugepages=4: a count of 2M pages that leaves part of memory to the buddy allocator" },
	{ HDR "memory 1G hugepages-1G=1\n",
	  "foo.pin:2: hugepages-1G=1: N gigantic pages need memory of at least N+1 G in ZONE_NORMAL outside cma= (RAM starts at 16M; each page is 1G-aligned), beside hugepages=" },
	{ HDR "memory 3G cma=1G hugepages-1G=2\n",
	  "foo.pin:2: hugepages-1G=2: N gigantic pages need memory of at least N+1 G in ZONE_NORMAL outside cma= (RAM starts at 16M; each page is 1G-aligned), beside hugepages=" },
	{ HDR "hugetlbfs h pagesize=4M\n", "foo.pin:2: pagesize= is a hugetlb size: 2M or 1G" },
	{ HDR "process p\nmmap p m anon len=1M private rw hugetlb=1M\n",
	  "foo.pin:3: hugetlb=1M: the hugetlb sizes are 2M and 1G" },
	{ HDR "process p\nmmap p m anon len=2M private rw hugetlb thp\n",
	  "foo.pin:3: mmap takes 'thp' or 'hugetlb', not both" },
	{ HDR "hugetlbfs h\nfile f on h size=4K\n",
	  "foo.pin:3: a file on hugetlbfs takes size=, a multiple of 2M (it is fallocate()d from the hugetlb pool), and no fill=" },
	{ BASE "mmap p n file=f len=2M private rw hugetlb\n",
	  "foo.pin:6: hugetlb is MAP_HUGETLB|MAP_ANONYMOUS; a file on hugetlbfs maps huge pages without it" },
	{ BASE "pin p m len=4K as=h\ncheck folio h large small\n",
	  "foo.pin:7: check folio: 'large' and 'small' contradict each other" },
	{ HDR "memory 64M\ndisk d0 size=12Q\n", "foo.pin:3: bad size '12Q'" },
	{ BASE "write p m2+0 len=4K byte=1\n", "foo.pin:6: undeclared mapping 'm2' (did you mean 'm'?)" },
	{ BASE "pin p m as=h\n", "foo.pin:6: missing argument 'len=' for pin" },
	/* names */
	{ BASE "process p\n", "foo.pin:6: process 'p' already declared at line 4" },
	{ BASE "mmap p m anon len=4K private rw\n",
	  "foo.pin:6: mapping 'm' already declared at line 5" },
	{ BASE "pin p m len=4K as=h\npin p m len=4K as=h\n",
	  "foo.pin:7: handle 'h' already declared at line 6" },
	{ BASE "file f on d0\n", "foo.pin:6: file 'f' already declared at line 3" },
	{ BASE "tmpfs d0\n", "foo.pin:6: filesystem 'd0' already declared at line 2" },
	{ BASE "unpin h\n", "foo.pin:6: undeclared handle 'h' (none declared yet)" },
	{ BASE "read q m len=4K\n", "foo.pin:6: undeclared process 'q' (did you mean 'p'?)" },
	{ BASE "file g on d9\n", "foo.pin:6: undeclared filesystem 'd9' (did you mean 'd0'?)" },
	{ BASE "truncate g size=0\n", "foo.pin:6: undeclared file 'g' (did you mean 'f'?)" },
	{ BASE "pin p m len=4K as=h dev=nic\n", "foo.pin:6: undeclared device 'nic' (none declared yet)" },
	{ BASE "process q\nread q m len=4K\n", "foo.pin:7: mapping 'm' is not mapped in process 'q'" },
	{ BASE "fork p q\nmmap q n anon len=4K private rw\nmunmap p n\n",
	  "foo.pin:8: mapping 'n' is not mapped in process 'p'" },
	{ BASE "process 9p\n", "foo.pin:6: bad process name '9p'" },
	/* verdicts and presets */
	{ HDR "verdict mainline crash\n",
	  "foo.pin:2: bad verdict cell 'crash' (pass, refused, corrupt, bug)" },
	{ HDR "verdict mainline\n", "foo.pin:2: missing argument 'cell' for verdict" },
	{ HDR "verdict mainline bug\nverdict mainline pass\n",
	  "foo.pin:3: duplicate verdict for preset 'mainline' (first at line 2)" },
	{ HDR "verdict ..v5.4.. bug\n", "foo.pin:2: bad preset name '..v5.4..'" },
	{ HDR "verdict .. bug\n", "foo.pin:2: bad preset name '..'" },
	{ HDR "verdict v4.14..v5.4 v5.10 corrupt\nverdict v5.10 bug\n",
	  "foo.pin:3: duplicate verdict for preset 'v5.10' (first at line 2)" },
	{ HDR "verdict v4.14 corrupt frob\n", "foo.pin:2: unknown argument 'frob' for verdict" },
	{ HDR "presets all mainline\n", "foo.pin:2: 'presets all' takes no preset names" },
	{ HDR "presets a b a\n", "foo.pin:2: preset 'a' listed twice" },
	{ HDR "presets all\npresets all\n", "foo.pin:3: duplicate 'presets' (first at line 2)" },
	/* header */
	{ "memory 64M\n", "foo.pin:1: the first command must be 'scenario \"TITLE\"'" },
	{ "# only a comment\n\n", "foo.pin:1: missing 'scenario \"TITLE\"' line" },
	{ "", "foo.pin:1: missing 'scenario \"TITLE\"' line" },
	{ "scenario t\n", "foo.pin:1: missing argument '\"TITLE\"' for scenario" },
	{ HDR HDR, "foo.pin:2: duplicate 'scenario' (first at line 1)" },
	{ "scenario \"t\n", "foo.pin:1: unterminated string" },
	{ "scenario \"a\\q\"\n", "foo.pin:1: bad escape '\\q' in string (only \\\" and \\\\)" },
	{ "scenario \"a\"b\n", "foo.pin:1: missing space after string" },
	/* arguments */
	{ BASE "pin p m len=4K as=h frob\n", "foo.pin:6: unknown argument 'frob' for pin "
	  "(pin takes: len= write longterm fast get remote dev= times= batch= foll= as= during=)" },
	{ BASE "pin p m len=4K len=8K as=h\n", "foo.pin:6: duplicate argument 'len=' for pin" },
	{ BASE "pin p m len=0 as=h\n", "foo.pin:6: len= must not be 0 for pin" },
	{ BASE "pin p m len=4K as=h fast remote\n",
	  "foo.pin:6: 'fast' and 'remote' cannot be combined (there is no remote GUP-fast)" },
	{ BASE "pin p m len=4K as=h times=0\n", "foo.pin:6: bad count '0' (1 to 4294967296)" },
	{ BASE "pin p m len=4K as=h foll=0x80000\n", "foo.pin:6: bad foll '0x80000': FOLL_* bits of "
	  "the GUP API, a number in 0x1..0x1fff (FOLL_WRITE 0x1, FOLL_GET 0x2, FOLL_FORCE 0x8, "
	  "FOLL_LONGTERM 0x100, FOLL_PCI_P2PDMA 0x400)" },
	{ BASE "pin p m len=4K as=h foll=force\n", "foo.pin:6: bad foll 'force': FOLL_* bits of "
	  "the GUP API, a number in 0x1..0x1fff (FOLL_WRITE 0x1, FOLL_GET 0x2, FOLL_FORCE 0x8, "
	  "FOLL_LONGTERM 0x100, FOLL_PCI_P2PDMA 0x400)" },
	{ BASE "pin p m len=4K as=h times=4194305\n",
	  "foo.pin:6: times= x pages must stay under 8388608 pins in one handle" },
	{ BASE "pin p m len=4K as=h -> EFOO\n",
	  "foo.pin:6: unknown result 'EFOO' (did you mean 'EIO'?)" },
	{ BASE "pin p m len=4K as=h -> EFALT\n",
	  "foo.pin:6: unknown result 'EFALT' (did you mean 'EFAULT'?)" },
	{ BASE "pin p m len=4K as=h -> nope\n",
	  "foo.pin:6: unknown result 'nope' (known: ok, EPERM, ENOENT, EINTR, EIO, ENXIO, E2BIG, "
	  "EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, ENODEV, EINVAL, ETXTBSY, EFBIG, ENOSPC, "
	  "ERANGE, ENOSYS, EOPNOTSUPP, EHWPOISON)" },
	{ BASE "pin p m len=4K as=h -> EFAULT ok\n",
	  "foo.pin:6: '->' must be followed by one result at the end of the line" },
	{ BASE "unpin p -> ok\n", "foo.pin:6: 'unpin' takes no '-> RESULT'" },
	{ BASE "write p m len=4K byte=0x100\n", "foo.pin:6: bad byte '0x100'" },
	{ BASE "write p m len=4K\n", "foo.pin:6: missing argument 'byte=' for write" },
	{ BASE "write p m+4Q len=4K byte=1\n", "foo.pin:6: bad offset 'm+4Q'" },
	{ BASE "mmap p n len=4K private\n", "foo.pin:6: missing argument 'file=' or 'anon' for mmap" },
	{ BASE "mmap p n anon len=4K\n", "foo.pin:6: mmap needs exactly one of 'shared' or 'private'" },
	{ BASE "mmap p n anon file=f len=4K shared\n", "foo.pin:6: mmap takes file= or anon, not both" },
	{ BASE "mmap p n anon len=4K shared offset=4K\n", "foo.pin:6: offset= needs file=" },
	{ BASE "mmap p n file=f len=4K shared offset=1\n", "foo.pin:6: mmap offset= must be page aligned" },
	{ BASE "munmap p m+4K\n", "foo.pin:6: munmap of part of a mapping needs len=" },
	{ BASE "mprotect p m rx\n", "foo.pin:6: mprotect takes 'none', 'ro' or 'rw', not 'rx'" },
	{ BASE "madvise p m free\n", "foo.pin:6: unknown advice 'free' (known: dontneed, dontfork, dofork, wipeonfork, keeponfork, hugepage, nohugepage, pageout, collapse)" },
	{ BASE "pin p m len=4K as=h\ndma h write expect=1\n", "foo.pin:7: missing argument 'byte=' for dma" },
	{ BASE "pin p m len=4K as=h\ndma h poke byte=1\n",
	  "foo.pin:7: dma direction must be 'write' or 'read', not 'poke'" },
	{ BASE "pin p m len=4K as=h\ndma h write byte=1 during=forks\n",
	  "foo.pin:7: unknown race point 'during=forks' (known: writeback, mkclean, reclaim, migrate, fork, truncate, gup-fast, pin, any)" },
	{ BASE "pin p m len=4K as=h during=any\ndrop-caches during=any\n",
	  "foo.pin:7: only one during=any per scenario (the first is at line 6)" },
	{ BASE "debug-pins during=mkclean\n",
	  "foo.pin:6: debug-pins does not take during=: only commands that act can run inside a race point" },
	{ BASE "pin p m len=8K as=h\ndma h write byte=1 offset=4K len=8K\n",
	  "foo.pin:7: dma past the end of handle 'h' (len=8192 at line 6)" },
	{ BASE "pin p m len=8K as=h\ndma h read expect=1 offset=8K\n",
	  "foo.pin:7: dma past the end of handle 'h' (len=8192 at line 6)" },
	{ BASE "pin p m len=4K as=h\ncheck pinned h maybe\n",
	  "foo.pin:7: check pinned takes 'yes' or 'no', not 'maybe'" },
	{ BASE "check frob\n", "foo.pin:6: unknown check 'frob' (known: disk, fsck, pinned, vmstat, events, zone, folio, swapped, thp-stat)" },
	/* per-size THP stats, memfd flags, chmod, fallocate (issue 18) */
	{ BASE "check thp-stat 64K splits=1\n",
	  "foo.pin:6: no hugepages-<size>kB/stats/ file 'splits' (did you mean 'split'?)" },
	{ BASE "check thp-stat 3K split=1\n",
	  "foo.pin:6: check thp-stat takes a THP size, a power of two from 8K to 2M, not '3K'" },
	{ BASE "check thp-stat 64K split\n", "foo.pin:6: check thp-stat takes name=value pairs, not 'split'" },
	{ BASE "file g on d0 size=4K noexec-seal\n",
	  "foo.pin:6: sealing, exec and noexec-seal are memfd_create() flags: a file on tmpfs or hugetlbfs only" },
	{ BASE "chmod f 0999\n", "foo.pin:6: chmod takes an octal mode up to 07777 (0644), not '0999'" },
	{ BASE "fallocate f offset=0\n", "foo.pin:6: missing argument 'len=' for fallocate" },
	{ BASE "check\n", "foo.pin:6: missing argument 'what' for check" },
	{ BASE "expect bug\n", "foo.pin:6: unknown expect 'bug' (known: event)" },
	{ BASE "expect event OOPS \"x\"\n", "foo.pin:6: unknown event kind 'OOPS' (BUG, WARN, CSUM)" },
	{ BASE "expect event BUG\n", "foo.pin:6: missing argument '\"TEXT\"' for expect event" },
	{ BASE "check vmstat\n", "foo.pin:6: missing argument 'name=value' for check vmstat" },
	{ BASE "check vmstat pgfault\n", "foo.pin:6: check vmstat takes name=value pairs, not 'pgfault'" },
	{ BASE "check vmstat pgfault=x\n", "foo.pin:6: bad value 'x' for pgfault" },
	{ BASE "check events OOPS=1\n", "foo.pin:6: unknown event kind 'OOPS' (BUG, WARN, CSUM)" },
	{ BASE "check events\n", "foo.pin:6: missing argument 'none' or 'KIND=N' for check events" },
	{ BASE "tmpfs t0\ncheck fsck t0\n", "foo.pin:7: check fsck needs a disk; 't0' is a tmpfs" },
	{ BASE "tmpfs t0\nfile g on t0 size=4K\ncheck disk g len=4K byte=0\n",
	  "foo.pin:8: check disk: file 'g' is on tmpfs 't0', which has no disk" },
	{ BASE "file g on\n", "foo.pin:6: missing argument 'filesystem' for file" },
	{ BASE "file g at d0\n", "foo.pin:6: expected 'on FS' after the file name, not 'at'" },
	{ BASE "file g on d0 fill=1\n", "foo.pin:6: fill= needs size=" },
	{ HDR "disk d0 size=1000\n", "foo.pin:2: disk size= must be a multiple of 4K (the block size)" },
	{ HDR "disk d0 size=1024G\n", "foo.pin:2: disk size= is more than 64G" },
	{ HDR "disk d0 size=4K\nmemory 64M\n", "foo.pin:3: 'memory' must come before other commands (line 2)" },
	{ HDR "memory 64M\nmemory 64M\n", "foo.pin:3: duplicate 'memory'" },
	{ HDR "swap 16M\nswap 16M\n", "foo.pin:3: duplicate 'swap'" },
	{ HDR "process p\nswap 16M\n", "foo.pin:3: 'swap' must come before other commands (line 2)" },
	{ HDR "swap 3M\n", "foo.pin:2: swap size '3M' must be a non-zero multiple of 2M, at most 1G" },
	{ HDR "whatif no-pte-special\nwhatif dax-ref-at-insert\n", "foo.pin:3: duplicate 'whatif' (name them all on one line)" },
	{ HDR "process p\nwhatif no-pte-special\n", "foo.pin:3: 'whatif' must come before other commands (line 2)" },
	{ HDR "whatif no-pte-special no-pte-special\n", "foo.pin:2: what-if 'no-pte-special' named twice" },
	{ HDR "whatif rfc-2021\n", "foo.pin:2: unknown what-if 'rfc-2021' (no-pte-special, rfc-2020-idle-zero, dax-ref-at-insert)" },
	{ HDR "whatif\n", "foo.pin:2: missing argument 'NAME' for whatif" },
	{ HDR "swap 2G\n", "foo.pin:2: swap size '2G' must be a non-zero multiple of 2M, at most 1G" },
	{ BASE "check swapped p m maybe\n", "foo.pin:6: check swapped takes 'yes' or 'no', not 'maybe'" },
	{ BASE "check swapped p m+1K len=4K yes\n", "foo.pin:6: check swapped offset must be page aligned" },
	{ HDR "memory 64M movable=64M\n",
	  "foo.pin:2: movable= plus cma= must leave part of memory 64M as ZONE_NORMAL" },
	{ HDR "memory 0\n", "foo.pin:2: memory size must not be 0" },
	{ HDR "memory 1M\n", "foo.pin:2: memory size '1M' must be a multiple of 2M (a pageblock)" },
	{ HDR "memory 17G\n", "foo.pin:2: memory size '17G' is more than 16G" },
	{ HDR "memory 64M cma=3M\n", "foo.pin:2: movable= and cma= must be multiples of 2M (pageblocks)" },
	{ HDR "memory 4M movable=2M cma=2M\n",
	  "foo.pin:2: movable= plus cma= must leave part of memory 4M as ZONE_NORMAL" },
	{ HDR "process p \"x\"\n", "foo.pin:2: unexpected string \"x\" for process" },
	{ HDR "\"process\" p\n", "foo.pin:2: a line must start with a command, not a string" },
	{ HDR "process p\x01\n", "foo.pin:2: bad character 0x01" },
	{ HDR "process p\xc3\xa9\n", "foo.pin:2: bad character 0xc3" },
	{ HDR "# a\0b\n", "foo.pin:2: NUL byte in comment" },
	/* issue 19: authoring mistakes are errors with a line, never cells */
	{ BASE "device odp0 odp\npin p m len=8K as=odp0\n",
	  "foo.pin:7: handle 'odp0' has the name of device 'odp0' (line 6); a pin is attached to a "
	  "device with dev=odp0" },
	{ BASE "device odp0 odp\npin p m len=8K as=h\n",
	  "foo.pin:6: device 'odp0' is never used: a pin is attached to it with dev=odp0" },
	{ BASE "process q\n", "foo.pin:6: process 'q' is never used" },
	{ BASE "write p m+60K len=8K byte=1\n",
	  "foo.pin:6: write past the end of mapping 'm': +60K len=8192, but the mapping is len=64K (line 5)" },
	{ BASE "read p m+64K len=1\n",
	  "foo.pin:6: read past the end of mapping 'm': +64K len=1, but the mapping is len=64K (line 5)" },
	{ BASE "pin p m len=68K as=h\n",
	  "foo.pin:6: pin past the end of mapping 'm': +0 len=69632, but the mapping is len=64K (line 5)" },
	{ BASE "munmap p m+8K len=8K\nwrite p m+12K len=4K byte=1\n",
	  "foo.pin:7: write of mapping 'm' touches +8K, which munmap took out at line 6 (end the line "
	  "with '-> EFAULT' if that is the point)" },
	{ BASE "munmap p m\nfork p c\npin p c len=4K as=h\n", "foo.pin:8: 'c' is a process (line 7), not a mapping" },
	{ BASE "munmap p m\nfork p c\npin c m len=4K as=h\n",
	  "foo.pin:8: pin of mapping 'm' touches +0, which munmap took out at line 6 (end the line "
	  "with '-> EFAULT' if that is the point)" },
	{ BASE "munmap p m+1K len=4K\n",
	  "foo.pin:6: munmap offset must be page aligned (munmap(2) answers EINVAL)" },
	{ BASE "munmap p m+60K len=8K\n",
	  "foo.pin:6: munmap past the end of mapping 'm': +60K len=8192, but the mapping is len=64K (line 5)" },
	{ BASE "punch f offset=0x7fffffffffffffff len=2\n",
	  "foo.pin:6: punch offset= + len= is past the largest file offset (2^63-1)" },
	{ BASE "punch f offset=0xffffffffffffffff len=1\n",
	  "foo.pin:6: punch offset= + len= is past the largest file offset (2^63-1)" },
	{ BASE "truncate f size=0x8000000000000000\n",
	  "foo.pin:6: truncate size= is past the largest file offset (2^63-1)" },
	{ BASE "pin p m len=8K as=h\nunpin h\ndma h write byte=1\n",
	  "foo.pin:8: dma through handle 'h', which was unpinned at line 7" },
	{ BASE "pin p m len=8K as=h\ncheck zone h highmem\n",
	  "foo.pin:7: unknown zone 'highmem' for check zone (known: normal, movable, cma, device)" },
	{ BASE "pin p m len=8K as=h\ncheck zone h movabel\n",
	  "foo.pin:7: unknown zone 'movabel' for check zone (did you mean 'movable'?)" },
	{ BASE "pin p m len=8K as=h\ncheck pinned h yes only=9x\n",
	  "foo.pin:7: bad preset name '9x' in only=" },
	{ BASE "pin p m len=8K as=h\ncheck pinned h yes only=a,a\n",
	  "foo.pin:7: preset 'a' listed twice in only=" },
	{ BASE "pin p m len=8K as=h only=mainline\n",
	  "foo.pin:6: unknown argument 'only=mainline' for pin (pin takes: len= write longterm fast get "
	  "remote dev= times= batch= foll= as= during=)" },
	{ BASE "pin p m len=8K as=h longtrem\n",
	  "foo.pin:6: unknown argument 'longtrem' for pin (did you mean 'longterm'?)" },
	{ BASE "mmap p n anon len=4K private rw thp popluate\n",
	  "foo.pin:6: unknown argument 'popluate' for mmap (did you mean 'populate'?)" },
	{ BASE "chek vmstat pgfault=1\n", "foo.pin:6: unknown command 'chek' (did you mean 'check'?)" },
	{ BASE "check vmstta pgfault=1\n", "foo.pin:6: unknown check 'vmstta' (did you mean 'vmstat'?)" },
	{ BASE "unpin m\n", "foo.pin:6: 'm' is a mapping (line 5), not a handle" },
	{ BASE "pwrite f+0x7fffffffffffffff len=2 byte=1\n",
	  "foo.pin:6: pwrite past the largest file offset (2^63-1)" },
	{ BASE "pwrite g len=2 byte=1\n", "foo.pin:6: undeclared file 'g' (did you mean 'f'?)" },
	{ BASE "unpin h -> EFAULT\n", "foo.pin:6: 'unpin' takes no '-> RESULT'" },
};

static void test_error_messages(void **state)
{
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[SCN_ERR_MAX];
		struct scenario *s = (struct scenario *)1;
		size_t len = strlen(cases[i].text);
		int ret;

		/* The NUL case: the buffer runs past the embedded NUL. */
		if (strstr(cases[i].msg, "NUL"))
			len = strlen(HDR) + 6;
		ret = scenario_parse_buffer("foo.pin", cases[i].text, len, &s, err, sizeof(err));
		if (ret != -EINVAL || strcmp(err, cases[i].msg)) {
			print_error("case %zu: got %d '%s', want '%s'\n", i, ret, err, cases[i].msg);
			bad++;
		}
		assert_null(s);
	}
	assert_int_equal(bad, 0);
}

/* A short error buffer truncates, never overflows; errlen 0 is allowed. */
static void test_small_error_buffer(void **state)
{
	char err[12];
	struct scenario *s;
	const char *text = HDR "frob\n";

	memset(err, 'x', sizeof(err));
	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, 8), -EINVAL);
	assert_string_equal(err, "foo.pin");
	assert_int_equal(err[8], 'x');
	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, 0), -EINVAL);
	assert_null(s);
}

static void test_file_errors(void **state)
{
	char err[SCN_ERR_MAX];
	struct scenario *s;

	assert_int_equal(scenario_parse_file("tests/scenario/no-such.pin", &s, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "tests/scenario/no-such.pin: No such file or directory");
	assert_null(s);
	assert_int_equal(scenario_parse_file("tests/scenario", &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "tests/scenario: not a regular file");
}

/* A FIFO with no writer: refused at once (open() used to block for a writer). */
static void test_fifo_is_not_waited_for(void **state)
{
	char dir[] = "/tmp/pinmm-fifo-XXXXXX", path[64], err[SCN_ERR_MAX];
	struct scenario *s;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.pin", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);	/* a hang fails the binary rather than the whole run */
	assert_int_equal(scenario_parse_file(path, &s, err, sizeof(err)), -EINVAL);
	alarm(0);
	assert_non_null(strstr(err, "not a regular file"));
	assert_null(s);
	unlink(path);
	rmdir(dir);
}

static void expect_checked(const char *text, const char *msg)
{
	static const char *const any[] = { "legacy-2018", "mainline", "v4.14", "v6.18" };
	char err[SCN_ERR_MAX];
	struct scenario *s;

	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, sizeof(err)), 0);
	if (!msg) {
		assert_int_equal(scenario_check(s, any, 4, err, sizeof(err)), 0);
	} else {
		assert_int_equal(scenario_check(s, any, 4, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, msg);
	}
	scenario_free(s);
}

/* The runner's half: names the grammar cannot know, against the pin layer's presets. */
static void test_check_presets_and_vmstat(void **state)
{
	static const char *const presets[] = { "legacy-2018", "mainline" };
	const char *text = HDR "presets mainline\nverdict mainline bug\n"
			   "check vmstat nr_foll_pin_acquired=0\n";
	char err[SCN_ERR_MAX];
	struct scenario *s;

	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(scenario_check(s, presets, 2, err, sizeof(err)), 0);
	scenario_free(s);

	expect_checked(HDR "verdict mainlne bug\n", "foo.pin:2: unknown preset 'mainlne' (did you mean 'mainline'?)");
	expect_checked(HDR "presets v4.14 v9.9\n",
		       "foo.pin:2: unknown preset 'v9.9' (known: legacy-2018, mainline, v4.14, v6.18)");
	/* Aliases, groups and ranges. */
	expect_checked(HDR "verdict legacy-2018 bug\nverdict v6.1..mainline pass\nverdict designs corrupt\n",
		     NULL);
	expect_checked(HDR "presets releases\nverdict ..v5.4 corrupt\nverdict v5.10.. pass\n", NULL);
	expect_checked(HDR "verdict v5.8..v6.1 bug\n",
		     "foo.pin:2: 'v5.8' in range 'v5.8..v6.1' is not a release (see: pinmm list kernels)");
	expect_checked(HDR "verdict lease-2019..v6.1 bug\n",
		     "foo.pin:2: 'lease-2019' in range 'lease-2019..v6.1' is not a release (see: pinmm list kernels)");
	expect_checked(HDR "verdict v6.1..v5.4 bug\n", "foo.pin:2: empty range 'v6.1..v5.4' (v6.1 comes after v5.4)");
	/* One verdict per preset, whatever names it. */
	expect_checked(HDR "verdict mainline refused\nverdict v6.18 refused\n",
		     "foo.pin:3: second verdict for preset 'v6.18' ('v6.18'; first 'mainline' at line 2)");
	expect_checked(HDR "verdict ..v5.4 corrupt\nverdict releases bug\n",
		     "foo.pin:3: second verdict for preset 'v4.14' ('releases'; first '..v5.4' at line 2)");
	/* A verdict must be for something the presets line runs. */
	expect_checked(HDR "presets mainline\nverdict legacy-2018 bug\n",
		     "foo.pin:3: verdict for preset 'legacy-2018', which the presets line (line 2) does not run");
	expect_checked(HDR "presets mainline\nverdict v6.18 bug\n", NULL);
	expect_checked(HDR "presets v5.10..\nverdict ..v5.4 bug\n",
		     "foo.pin:3: verdict for preset '..v5.4', which the presets line (line 2) does not run");

	/* What ranges, groups and aliases expect, cell by cell. */
	text = HDR "verdict ..v4.19 corrupt\nverdict v5.4..v6.1 bug\nverdict designs refused\n";
	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(scenario_check(s, presets, 2, err, sizeof(err)), 0);
	assert_int_equal(scenario_expected(s, "v4.14"), SCN_CORRUPT);
	assert_int_equal(scenario_expected(s, "legacy-2018"), SCN_CORRUPT);
	assert_int_equal(scenario_expected(s, "v5.4"), SCN_BUG);
	assert_int_equal(scenario_expected(s, "v6.1"), SCN_BUG);
	assert_int_equal(scenario_expected(s, "v6.6"), SCN_PASS);
	assert_int_equal(scenario_expected(s, "mainline"), SCN_PASS);
	assert_int_equal(scenario_expected(s, "lease-2019"), SCN_REFUSED);
	scenario_free(s);

	/* The hint, and NULL presets: only the vmstat names are checked. */
	text = HDR "verdict mainlne bug\n";
	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(scenario_check(s, presets, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "foo.pin:2: unknown preset 'mainlne' (did you mean 'mainline'?)");
	assert_int_equal(scenario_check(s, NULL, 0, err, sizeof(err)), 0);
	scenario_free(s);

	text = HDR "check vmstat pgfault=1 nr_foll_pin_aquired=3\n";
	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(scenario_check(s, presets, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "foo.pin:2: unknown vmstat counter 'nr_foll_pin_aquired' "
			    "(did you mean 'nr_foll_pin_acquired'?)");
	scenario_free(s);

	text = HDR "check vmstat zzzz=3\n";
	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(scenario_check(s, presets, 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown vmstat counter 'zzzz' (known: nr_file_pages, "));
	scenario_free(s);

	text = HDR "process p\nmmap p m anon len=4K private rw\npin p m len=4K as=h\n"
	       "check pinned h yes only=mainline,lgeacy-2018\n";
	assert_int_equal(scenario_parse_buffer("foo.pin", text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(scenario_check(s, presets, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "foo.pin:5: unknown preset 'lgeacy-2018' in only= "
			    "(did you mean 'legacy-2018'?)");
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_error_messages, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_fifo_is_not_waited_for, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_small_error_buffer, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_file_errors, boot_default_machine, halt_machine),
		cmocka_unit_test_setup_teardown(test_check_presets_and_vmstat, boot_default_machine, halt_machine),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
