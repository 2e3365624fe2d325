/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The running Linux kernel as a machine a scenario can drive (DESIGN.md, "The
 * host backend"). Everything here is real: processes are fork()ed children
 * that run the commands sent to them over a socketpair, mappings are mmap()s
 * of anonymous memory, memfds and files on a loop-mounted ext4 (or btrfs)
 * image, long-term pins are io_uring fixed-buffer registrations, device I/O
 * through a pin is io_uring READ_FIXED/WRITE_FIXED, short-term pins are
 * O_DIRECT I/O, remote pins process_vm_readv/writev.
 *
 * A session lives in one private directory and, as root, in a private mount
 * namespace; host_isolated_run() runs it in a child with a deadline, so a
 * crash or a hang anywhere leaves no process, mount or loop device behind.
 * Nothing outside that directory is created or touched, except the global
 * knobs a scenario names (drop_caches) and vm/stat_refresh, which folds the
 * per-CPU vmstat deltas before a read.
 *
 * This layer includes no model layer. Calls return 0 or -errno.
 */
#ifndef PINMM_HOST_HOST_H
#define PINMM_HOST_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_WHY_MAX 160
/* io_uring's limit on one buffer table (IORING_MAX_REG_BUFFERS). */
#define HOST_MAX_TIMES 16384

/* CLOCK_MONOTONIC, in seconds: what session deadlines are measured in. */
double host_now(void);

/*
 * Can this process drive the host at all: io_uring set up, a buffer
 * registered? false with the reason (io_uring_disabled, seccomp, an old
 * kernel) otherwise. Cached after the first call.
 */
bool host_usable(char *why, size_t len);
/* Root (CAP_SYS_ADMIN) and /dev/loop-control: disk images can be mounted. */
bool host_can_mount(void);
/* Kernel release as major*1000+minor from uname(2), e.g. 6018; 0 if unparsable. */
unsigned int host_release(void);

/*
 * Run @fn(@arg) in a child that has a new process group, (as root) a private
 * mount namespace, and @timeout_s seconds. @fn's return value and @len bytes
 * of @out come back. On timeout the whole process group is killed and
 * -ETIMEDOUT returned; a child that dies gives -ECHILD. @dir, if not NULL, is
 * removed afterwards whatever happened (it must be one mkdtemp made).
 */
int host_isolated_run(int (*fn)(void *arg, void *out), void *arg, void *out, size_t len,
		      unsigned int timeout_s, const char *dir);
/* Make a private directory for a session: "$TMPDIR/pinmm-host.XXXXXX". */
int host_mkdtemp(char *buf, size_t len);
/* rm -rf of a directory this layer made; refuses any path not named like one. */
int host_rmtree(const char *dir);

struct host_session;

/* A session in @dir (host_mkdtemp's), ending at CLOCK_MONOTONIC @deadline_s. */
int host_session_open(struct host_session **out, const char *dir, double deadline_s);
/* Kill and reap every process, close every file, unmount every disk. */
void host_session_close(struct host_session *hs);

/* A byte found where another was expected, at @off from the start of the range. */
struct host_mismatch {
	bool bad;
	uint64_t off;
	uint8_t found;
};

/* Filesystems: a loop-mounted image, or memfds ("tmpfs"). Ids count from 0. */
int host_disk_create(struct host_session *hs, uint64_t size, bool checksum, int *fs,
		     char *why, size_t len);
const char *host_disk_type(struct host_session *hs, int fs);
int host_memfs_create(struct host_session *hs, int *fs);
/*
 * A "hugetlbfs": its files are memfd_create(MFD_HUGETLB)s, ftruncate()d and
 * fallocate()d (-ENOSPC: the host's pool has no free 2M page left).
 */
int host_hugetlbfs_create(struct host_session *hs, int *fs, bool huge_1g);
/* Free pages in the host's hugetlb pool of @kb kB pages (free_hugepages), or -errno. */
long host_free_hugepages(unsigned long kb);
int host_file_create(struct host_session *hs, int fs, const char *name, uint64_t size,
		     int fill, int *file);
/*
 * host_file_create_flags() flags, for a memfd (not on a disk): its
 * MFD_ALLOW_SEALING, MFD_EXEC, MFD_NOEXEC_SEAL.
 */
#define HOST_FILE_SEALING	0x1u
#define HOST_FILE_EXEC		0x2u
#define HOST_FILE_NOEXEC_SEAL	0x4u
int host_file_create_flags(struct host_session *hs, int fs, const char *name, uint64_t size,
			   int fill, unsigned int flags, int *file);
/* fchmod(@mode) of the file: 0 or -errno. */
int host_file_chmod(struct host_session *hs, int file, unsigned int mode);
/* fallocate(mode 0 or FALLOC_FL_KEEP_SIZE) of [@off, @off + @len): 0 or -errno. */
int host_file_fallocate(struct host_session *hs, int file, bool keep_size, uint64_t off, uint64_t len);
/* fcntl(F_ADD_SEALS, @seals) on the file's descriptor: 0 or -errno. */
int host_file_add_seals(struct host_session *hs, int file, unsigned int seals);
int host_file_truncate(struct host_session *hs, int file, uint64_t size);
int host_file_punch(struct host_session *hs, int file, uint64_t off, uint64_t len);
/* write(2) @len bytes of @byte into @file at @off, through the page cache. */
int host_file_pwrite(struct host_session *hs, int file, uint64_t off, uint64_t len, uint8_t byte);
/*
 * What the disk holds for @len bytes at @off of @file, read from the loop
 * device at the blocks FIEMAP names (never through the page cache). -ENODATA
 * and *@off_out when a byte of the range has no block on disk yet; -ENOTBLK
 * for a memfd.
 */
int host_file_check_disk(struct host_session *hs, int file, uint64_t off, uint64_t len,
			 uint8_t byte, struct host_mismatch *mm, uint64_t *off_out);
/* Write back every file of @fs (-1: all) and wait: sync_file_range or syncfs. */
int host_writeback(struct host_session *hs, int fs, bool sync);
/* /proc/sys/vm/drop_caches = @what (1 the page cache, 2 the shrinkers, 3 both; the host's, all of it). */
int host_drop_caches(int what);

/* Processes: the first by fork() of the session, more by fork() of one. */
int host_proc_create(struct host_session *hs, int *proc);
int host_proc_fork(struct host_session *hs, int parent, int *child);

struct host_mmap_args {
	int file;		/* -1: anonymous */
	uint64_t len, offset;
	bool shared, writable, thp, populate;
	bool hugetlb;		/* MAP_HUGETLB */
	bool hugetlb_1g;	/* with MAP_HUGE_1GB */
};
int host_mmap(struct host_session *hs, int proc, const struct host_mmap_args *a,
	      uint64_t *addr);
/*
 * CPU stores (@write: memset to @byte) or loads (compared with @byte when
 * @check) through the mapping; -EFAULT where the access would fault
 * (SIGSEGV/SIGBUS in the process).
 */
int host_access(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write,
		uint8_t byte, bool check, struct host_mismatch *mm);
int host_munmap(struct host_session *hs, int proc, uint64_t addr, uint64_t len);
int host_mprotect(struct host_session *hs, int proc, uint64_t addr, uint64_t len, int prot);
int host_madvise(struct host_session *hs, int proc, uint64_t addr, uint64_t len, int advice);
/* mremap(2) in @proc (MREMAP_* @flags); *@out: the new address. */
int host_mremap(struct host_session *hs, int proc, uint64_t addr, uint64_t len, uint64_t newlen,
		int flags, uint64_t to, uint64_t *out);
/* Swap devices /proc/swaps lists (0: none, so MADV_PAGEOUT swaps nothing), or -errno. */
int host_swap_devices(void);
/* *@nr: pages of [@addr, +@len) in @proc that /proc/PID/pagemap says are swapped out. */
int host_pagemap_swapped(struct host_session *hs, int proc, uint64_t addr, uint64_t len,
			 uint64_t *nr);
/* exit(): the process goes (its mappings with it); waits, bounded, until it has. */
int host_proc_exit(struct host_session *hs, int proc);

/*
 * Long-term pins: io_uring fixed-buffer registration of [@addr, +@len) in
 * @proc, @times iovecs of it in one table (FOLL_WRITE | FOLL_LONGTERM each).
 * The kernel's refusal comes back as its errno. @pin is the session's id.
 */
int host_pin_longterm(struct host_session *hs, int proc, uint64_t addr, uint64_t len,
		      unsigned int times, int *pin);
int host_unpin_longterm(struct host_session *hs, int pin);
/*
 * The device through a long-term pin: @write, io_uring READ_FIXED of @len
 * bytes of @byte from a scratch file into the buffer at @off (the kernel
 * writes the pinned pages, no page table involved); otherwise WRITE_FIXED out
 * of it, compared with @byte.
 */
int host_dma_fixed(struct host_session *hs, int pin, bool write, uint64_t off, uint64_t len,
		   uint8_t byte, struct host_mismatch *mm);
/*
 * A short-term pin for one I/O: O_DIRECT read(2) of @byte into the range
 * (@write: FOLL_WRITE) or write(2) out of it, compared with @byte when
 * @check. @restore: write back what was read out (a pin whose only effect
 * is to fault the range in for writing). -EINVAL: not 512-byte aligned.
 */
int host_dio(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write,
	     uint8_t byte, bool check, bool restore, struct host_mismatch *mm);
/*
 * A short-term pin held until the device's access: direct I/O on a FUSE
 * file whose server (fuse.c) holds the request. host_held_start() mounts it
 * (root). host_held_pin() returns once the pages are pinned and the request
 * sent, or with the I/O's own errno: a READ into [@addr, +@len) of @proc
 * (FOLL_WRITE), or with @ro a WRITE out of it, which the server leaves
 * unread (so the bytes are taken from the pinned pages only later).
 * host_held_finish() is the device's access: the READ answered with @len
 * bytes of @byte, or the WRITE's data read and compared with @byte into *@mm;
 * @err fails the request instead. It waits for the completion, which unpins.
 */
int host_held_start(struct host_session *hs, char *why, size_t len);
int host_held_pin(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool ro,
		  int *held);
int host_held_finish(struct host_session *hs, int held, int err, uint8_t byte, uint64_t len,
		     struct host_mismatch *mm);
/* A remote pin for one copy: process_vm_writev (@write) or _readv from the session. */
int host_remote(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write,
		uint8_t byte, bool check, struct host_mismatch *mm);
/* The same pin once, leaving the bytes as they were: readv, and (@write) writev them back. */
int host_remote_probe(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write);

/*
 * /proc/vmstat: a named counter's value (after vm/stat_refresh folds the
 * per-CPU deltas, when writable). -ENOENT for a name the host lacks.
 */
int host_vmstat(const char *name, long *value);
/*
 * The host's setting in /sys/kernel/mm/transparent_hugepage/@file ("enabled",
 * "hugepages-64kB/enabled", "use_zero_page"): the bracketed word, or the
 * number, into @buf. -errno when the file cannot be read (no such size).
 */
int host_thp_setting(const char *file, char *buf, size_t len);
/*
 * /sys/kernel/mm/transparent_hugepage/hugepages-<4K << @order>kB/stats/@name
 * (6.10+; sysfs sums the CPUs' counters as it reads). -errno when the host
 * has no such file.
 */
int host_thp_stat(int order, const char *name, long *value);
/*
 * Kernel log lines since the session opened that are a BUG, WARNING, bad
 * page state or checksum failure: the first new one into @line (1), or none
 * (0). Without /dev/kmsg, newly set taint flags W, D or B; -ENODEV when
 * neither can tell (host_kmsg_usable() false).
 */
int host_kmsg_scan(struct host_session *hs, char *line, size_t len, bool *csum);
bool host_kmsg_usable(const struct host_session *hs);

#endif
