/* SPDX-License-Identifier: GPL-2.0-only */
/* The host layer's session and the protocol between it and its processes. */
#ifndef PINMM_HOST_INTERNAL_H
#define PINMM_HOST_INTERNAL_H

#include <limits.h>
#include <sys/types.h>
#include <pinmm/host/host.h>

#define HOST_MAX_PROCS	64
#define HOST_MAX_FS	32
#define HOST_MAX_FILES	128
#define HOST_MAX_PINS	256

struct host_proc {
	pid_t pid;
	int sock;		/* SOCK_SEQPACKET to the process; -1 once it is gone */
};

struct host_fs {
	bool disk;		/* a loop-mounted image; otherwise memfds */
	bool hugetlb;		/* memfds of MFD_HUGETLB (a hugetlbfs in the scenario) */
	bool hugetlb_1g;	/* with MFD_HUGE_1GB (pagesize=1G) */
	bool mounted;
	int loop_nr;		/* /dev/loopN, -1 before it is configured */
	int loop_fd;		/* held open: O_RDONLY|O_DIRECT, for check disk */
	char type[8];		/* "ext4" */
	char img[PATH_MAX];
	char mnt[PATH_MAX];
};

struct host_file {
	int fs;
	int fd;			/* the session's own descriptor (O_RDWR) */
};

struct host_pin {
	int proc;
	bool live;
	bool held, ro;		/* a held FUSE request (fuse.c); ro: a WRITE, else a READ */
};

struct host_session {
	char dir[1024];
	double deadline;	/* CLOCK_MONOTONIC seconds */
	int kmsg_fd;		/* /dev/kmsg positioned at the session's start, or -1 */
	unsigned long taint;	/* /proc/sys/kernel/tainted at the start (ULONG_MAX: unread) */
	bool reaper;		/* PR_SET_CHILD_SUBREAPER took: orphans come back to us */
	struct host_proc procs[HOST_MAX_PROCS];
	int nr_procs;
	struct host_fs fs[HOST_MAX_FS];
	int nr_fs;
	struct host_file files[HOST_MAX_FILES];
	int nr_files;
	struct host_pin pins[HOST_MAX_PINS];
	int nr_pins;
	/* The FUSE server that holds direct reads (fuse.c); fuse_pid 0: none. */
	pid_t fuse_pid;
	int fuse_ctl;
	bool fuse_mounted;
	char fuse_mnt[1100];
};

enum host_op {
	HOP_MMAP,
	HOP_ACCESS,
	HOP_MUNMAP,
	HOP_MPROTECT,
	HOP_MADVISE,
	HOP_MREMAP,
	HOP_FORK,
	HOP_PIN,
	HOP_UNPIN,
	HOP_DMA_FIXED,
	HOP_DIO,
	HOP_HELD_SUBMIT,
	HOP_HELD_WAIT,
};

struct host_req {
	enum host_op op;
	int slot;		/* HOP_PIN/UNPIN/DMA_FIXED: the session's pin id */
	uint64_t addr, len, off;
	uint64_t to;		/* HOP_MREMAP: the new length is off; the MREMAP_FIXED address */
	uint32_t times;
	int prot, flags;
	bool write, check, restore, thp;
	uint8_t byte;
	char path[1104];	/* HOP_HELD_SUBMIT: the FUSE file */
};

struct host_rep {
	int err;		/* 0 or -errno */
	uint64_t val;		/* HOP_MMAP, HOP_MREMAP: the address; HOP_FORK: the pid */
	struct host_mismatch mm;
};

/* The seconds left before @hs's deadline, at least 1 (for alarm()). */
unsigned int host_secs_left(const struct host_session *hs);
/* One request to @proc and its answer; @fd_in goes along, *@fd_out comes back. */
int host_call(struct host_session *hs, int proc, const struct host_req *rq, int fd_in,
	      struct host_rep *rp, int *fd_out);
/* The body of a process: serve requests on @sock until it closes. Never returns. */
void host_child_serve(struct host_session *hs, int sock) __attribute__((noreturn));
/* In a process: forget the rings of the process it was forked from. */
void host_child_forget_pins(void);
/* In a process: the requests that touch io_uring and O_DIRECT. */
void host_child_pin(const struct host_req *rq, struct host_rep *rp);
void host_child_unpin(const struct host_req *rq, struct host_rep *rp);
void host_child_dma_fixed(const struct host_session *hs, const struct host_req *rq,
			  struct host_rep *rp);
void host_child_dio(const struct host_session *hs, const struct host_req *rq,
		    struct host_rep *rp);
/* In a process: submit a held read (HOP_HELD_SUBMIT), or wait for it (HOP_HELD_WAIT). */
void host_child_held(const struct host_req *rq, struct host_rep *rp);
void host_child_forget_held(void);
/* In the session: end the FUSE server and its mount. */
void host_held_stop(struct host_session *hs);
/* Compare @len bytes with @byte into @mm; true when they all match. */
bool host_compare(const unsigned char *buf, uint64_t len, uint8_t byte, uint64_t base,
		  struct host_mismatch *mm);
/* Fill a descriptor with @len bytes of @byte from @off (pwrite, in chunks). */
int host_fill_fd(int fd, uint64_t off, uint64_t len, uint8_t byte, bool direct);
/* Is this kernel log text a BUG/WARN (or, *@csum, a data checksum failure)? */
bool host_kmsg_is_event(const char *text, bool *csum);
/* /proc/sys/kernel/tainted; ULONG_MAX when it cannot be read. */
unsigned long host_taint(void);
/* Run a program to completion within @hs's deadline; its output is discarded. */
int host_exec(struct host_session *hs, const char *const argv[]);

#endif
