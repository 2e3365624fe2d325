/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scenario processes: each is a fork()ed child serving requests on a
 * SOCK_SEQPACKET socket, so every mapping, fault and pin belongs to its own
 * address space. A process ends when its socket closes (the session's end,
 * or the session dying), when SIGKILLed, or by its alarm().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "internal.h"

/* One message and at most one descriptor. */
static int send_msg(int sock, const void *buf, size_t len, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/* 0 when the peer closed; the length otherwise. */
static ssize_t recv_msg(int sock, void *buf, size_t len, int *fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return n;
}

int host_call(struct host_session *hs, int proc, const struct host_req *rq, int fd_in,
	      struct host_rep *rp, int *fd_out)
{
	struct host_proc *p;
	struct pollfd pfd;
	int fd, err;
	ssize_t n;

	if (proc < 0 || proc >= hs->nr_procs || hs->procs[proc].sock < 0)
		return -ESRCH;
	p = &hs->procs[proc];
	err = send_msg(p->sock, rq, sizeof(*rq), fd_in);
	if (err)
		goto dead;
	pfd = (struct pollfd){ .fd = p->sock, .events = POLLIN };
	for (;;) {
		double left = hs->deadline - host_now();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	n = recv_msg(p->sock, rp, sizeof(*rp), &fd);
	if (n != (ssize_t)sizeof(*rp)) {
		if (fd >= 0)
			close(fd);
		err = n < 0 ? (int)n : -ECHILD;
		goto dead;
	}
	if (fd_out)
		*fd_out = fd;
	else if (fd >= 0)
		close(fd);
	return 0;
dead:
	/* The process crashed or was killed: nothing more goes to it. */
	close(p->sock);
	p->sock = -1;
	return err == -EPIPE || err == -ECONNRESET ? -ECHILD : err;
}

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
	if (fault_armed) {
		fault_armed = 0;
		siglongjmp(fault_jmp, 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * The CPU's loads and stores, byte by byte through volatile pointers so that
 * no library routine (or sanitizer interceptor) stands between the
 * instruction and the fault.
 */
static void child_access(const struct host_req *rq, struct host_rep *rp)
{
	volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)rq->addr;
	uint64_t i;

	if (sigsetjmp(fault_jmp, 1)) {
		rp->err = -EFAULT;
		return;
	}
	fault_armed = 1;
	for (i = 0; i < rq->len; i++) {
		if (rq->write) {
			p[i] = rq->byte;
		} else {
			unsigned char b = p[i];

			if (rq->check && b != rq->byte && !rp->mm.bad)
				rp->mm = (struct host_mismatch){ .bad = true, .off = i, .found = b };
		}
	}
	fault_armed = 0;
}

#define HOST_PMD_SIZE (2UL << 20)

/*
 * mmap ... thp [populate]: the range is placed on a PMD boundary (as the
 * kernel's thp_get_unmapped_area does for an aligned length) and
 * MADV_HUGEPAGE is set before anything is faulted, so populate gets THPs:
 * MAP_POPULATE would fault 4K pages before the madvise could apply.
 */
static void *thp_mmap(const struct host_req *rq, int fd, struct host_rep *rp)
{
	size_t len = rq->len, slop = HOST_PMD_SIZE;
	int flags = rq->flags & ~MAP_POPULATE;
	uintptr_t base, start;
	void *a;

	a = mmap(NULL, len + slop, rq->prot, flags, fd, (off_t)rq->off);
	if (a == MAP_FAILED)
		return a;
	base = (uintptr_t)a;
	start = (base + HOST_PMD_SIZE - 1) & ~(HOST_PMD_SIZE - 1);
	if (fd >= 0) {
		/* A file mapping keeps its offset: map it again at the aligned address. */
		munmap(a, len + slop);
		a = mmap((void *)start, len, rq->prot, flags | MAP_FIXED, fd, (off_t)rq->off);
		if (a == MAP_FAILED)
			return a;
	} else {
		if (start > base)
			munmap(a, start - base);
		if (start + len < base + len + slop)
			munmap((void *)(start + len), base + len + slop - (start + len));
		a = (void *)start;
	}
	if (madvise(a, len, MADV_HUGEPAGE))
		rp->err = -errno;
	else if ((rq->flags & MAP_POPULATE) &&
		 madvise(a, len, (rq->prot & PROT_WRITE) && (flags & MAP_PRIVATE) ?
			 MADV_POPULATE_WRITE : MADV_POPULATE_READ))
		rp->err = -errno;
	return a;
}

static void child_mmap(const struct host_req *rq, int fd, struct host_rep *rp)
{
	void *a = rq->thp ? thp_mmap(rq, fd, rp)
			  : mmap(NULL, rq->len, rq->prot, rq->flags, fd, (off_t)rq->off);

	if (a == MAP_FAILED) {
		rp->err = -errno;
		return;
	}
	rp->val = (uint64_t)(uintptr_t)a;
}

static struct host_session *child_hs;

static void child_fork(struct host_rep *rp, int self, int *fd_out)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		rp->err = -errno;
		return;
	}
	pid = fork();
	if (pid < 0) {
		rp->err = -errno;
		close(sv[0]);
		close(sv[1]);
		return;
	}
	if (pid == 0) {
		close(self);
		close(sv[0]);
		/* The pins are the parent's: its rings stay with it. */
		host_child_forget_pins();
		host_child_forget_held();
		host_child_serve(child_hs, sv[1]);
	}
	close(sv[1]);
	rp->val = (uint64_t)pid;
	*fd_out = sv[0];
}

void host_child_serve(struct host_session *hs, int sock)
{
	struct sigaction sa = { .sa_handler = on_fault, .sa_flags = SA_NODEFER };

	child_hs = hs;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	/* A backstop: the session's deadline, whatever happens to the session. */
	alarm(host_secs_left(hs) + 2);
	for (;;) {
		struct host_req rq;
		struct host_rep rp = { 0 };
		int fd, out = -1;
		ssize_t n = recv_msg(sock, &rq, sizeof(rq), &fd);

		if (n != (ssize_t)sizeof(rq))
			_exit(0);
		switch (rq.op) {
		case HOP_MMAP:
			child_mmap(&rq, fd, &rp);
			break;
		case HOP_ACCESS:
			child_access(&rq, &rp);
			break;
		case HOP_MUNMAP:
			rp.err = munmap((void *)(uintptr_t)rq.addr, rq.len) ? -errno : 0;
			break;
		case HOP_MPROTECT:
			rp.err = mprotect((void *)(uintptr_t)rq.addr, rq.len, rq.prot) ? -errno : 0;
			break;
		case HOP_MADVISE:
			rp.err = madvise((void *)(uintptr_t)rq.addr, rq.len, rq.flags) ? -errno : 0;
			break;
		case HOP_MREMAP: {
			void *a = mremap((void *)(uintptr_t)rq.addr, rq.len, rq.off, rq.flags,
					 (void *)(uintptr_t)rq.to);

			rp.err = a == MAP_FAILED ? -errno : 0;
			rp.val = (uintptr_t)a;
			break;
		}
		case HOP_FORK:
			child_fork(&rp, sock, &out);
			break;
		case HOP_PIN:
			host_child_pin(&rq, &rp);
			break;
		case HOP_UNPIN:
			host_child_unpin(&rq, &rp);
			break;
		case HOP_DMA_FIXED:
			host_child_dma_fixed(hs, &rq, &rp);
			break;
		case HOP_DIO:
			host_child_dio(hs, &rq, &rp);
			break;
		case HOP_HELD_SUBMIT:
		case HOP_HELD_WAIT:
			host_child_held(&rq, &rp);
			break;
		default:
			rp.err = -EINVAL;
		}
		if (fd >= 0)
			close(fd);
		if (send_msg(sock, &rp, sizeof(rp), out))
			_exit(0);
		if (out >= 0)
			close(out);
	}
}

static int add_proc(struct host_session *hs, pid_t pid, int sock, int *proc)
{
	if (hs->nr_procs == HOST_MAX_PROCS)
		return -ENOSPC;
	hs->procs[hs->nr_procs] = (struct host_proc){ .pid = pid, .sock = sock };
	*proc = hs->nr_procs++;
	return 0;
}

int host_proc_create(struct host_session *hs, int *proc)
{
	int sv[2];
	pid_t pid;

	if (hs->nr_procs == HOST_MAX_PROCS)
		return -ENOSPC;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		/* Every other process's socket stays with the session. */
		for (int i = 0; i < hs->nr_procs; i++)
			if (hs->procs[i].sock >= 0)
				close(hs->procs[i].sock);
		if (hs->fuse_ctl >= 0)
			close(hs->fuse_ctl);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		host_child_serve(hs, sv[1]);
	}
	close(sv[1]);
	return add_proc(hs, pid, sv[0], proc);
}

int host_proc_fork(struct host_session *hs, int parent, int *child)
{
	struct host_req rq = { .op = HOP_FORK };
	struct host_rep rp;
	int fd = -1, err;

	if (hs->nr_procs == HOST_MAX_PROCS)
		return -ENOSPC;
	err = host_call(hs, parent, &rq, -1, &rp, &fd);
	if (!err)
		err = rp.err;
	if (!err && fd < 0)
		err = -EPROTO;
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return add_proc(hs, (pid_t)rp.val, fd, child);
}

static int simple_call(struct host_session *hs, int proc, struct host_req *rq, int fd,
		       struct host_rep *rp)
{
	int err = host_call(hs, proc, rq, fd, rp, NULL);

	return err ? err : rp->err;
}

int host_mmap(struct host_session *hs, int proc, const struct host_mmap_args *a, uint64_t *addr)
{
	struct host_req rq = {
		.op = HOP_MMAP, .len = a->len, .off = a->offset, .thp = a->thp,
		.prot = PROT_READ | (a->writable ? PROT_WRITE : 0),
		.flags = (a->shared ? MAP_SHARED : MAP_PRIVATE) | (a->file < 0 ? MAP_ANONYMOUS : 0) |
			 (a->populate ? MAP_POPULATE : 0) | (a->hugetlb ? MAP_HUGETLB : 0) |
			 (a->hugetlb_1g ? 30 << MAP_HUGE_SHIFT : 0),	/* MAP_HUGE_1GB */
	};
	struct host_rep rp;
	int fd = -1, err;

	if (a->file >= 0) {
		if (a->file >= hs->nr_files)
			return -EBADF;
		fd = hs->files[a->file].fd;
	}
	err = host_call(hs, proc, &rq, fd, &rp, NULL);
	if (err)
		return err;
	*addr = rp.val;
	return rp.err;
}

int host_access(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write,
		uint8_t byte, bool check, struct host_mismatch *mm)
{
	struct host_req rq = { .op = HOP_ACCESS, .addr = addr, .len = len, .write = write,
			       .byte = byte, .check = check };
	struct host_rep rp;
	int err = simple_call(hs, proc, &rq, -1, &rp);

	if (mm)
		*mm = rp.mm;
	return err;
}

int host_munmap(struct host_session *hs, int proc, uint64_t addr, uint64_t len)
{
	struct host_req rq = { .op = HOP_MUNMAP, .addr = addr, .len = len };
	struct host_rep rp;

	return simple_call(hs, proc, &rq, -1, &rp);
}

int host_mprotect(struct host_session *hs, int proc, uint64_t addr, uint64_t len, int prot)
{
	struct host_req rq = { .op = HOP_MPROTECT, .addr = addr, .len = len, .prot = prot };
	struct host_rep rp;

	return simple_call(hs, proc, &rq, -1, &rp);
}

int host_madvise(struct host_session *hs, int proc, uint64_t addr, uint64_t len, int advice)
{
	struct host_req rq = { .op = HOP_MADVISE, .addr = addr, .len = len, .flags = advice };
	struct host_rep rp;

	return simple_call(hs, proc, &rq, -1, &rp);
}

int host_mremap(struct host_session *hs, int proc, uint64_t addr, uint64_t len, uint64_t newlen,
		int flags, uint64_t to, uint64_t *out)
{
	struct host_req rq = { .op = HOP_MREMAP, .addr = addr, .len = len, .off = newlen,
			       .flags = flags, .to = to };
	struct host_rep rp;
	int err = simple_call(hs, proc, &rq, -1, &rp);

	*out = rp.val;
	return err;
}

/* Has @pid exited (a zombie, or gone)? Its mm is torn down before it is a zombie. */
static bool proc_exited(pid_t pid)
{
	char path[64], buf[256], *s;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	s = strrchr(buf, ')');
	return !s || s[1] == 0 || s[2] == 'Z' || s[2] == 'X';
}

int host_proc_exit(struct host_session *hs, int proc)
{
	struct host_proc *p;

	if (proc < 0 || proc >= hs->nr_procs)
		return -EINVAL;
	p = &hs->procs[proc];
	if (p->sock < 0)
		return 0;
	/* The child exits when its socket closes (host_child_serve). */
	close(p->sock);
	p->sock = -1;
	/* Bounded: the next command must see the process's mappings gone. */
	for (int i = 0; i < 2000 && !proc_exited(p->pid); i++)
		usleep(1000);
	return proc_exited(p->pid) ? 0 : -ETIMEDOUT;
}

int host_pin_longterm(struct host_session *hs, int proc, uint64_t addr, uint64_t len,
		      unsigned int times, int *pin)
{
	struct host_req rq = { .op = HOP_PIN, .addr = addr, .len = len, .times = times };
	struct host_rep rp;
	int err;

	if (hs->nr_pins == HOST_MAX_PINS)
		return -ENOSPC;
	if (!times || times > HOST_MAX_TIMES)
		return -E2BIG;
	rq.slot = hs->nr_pins;
	err = simple_call(hs, proc, &rq, -1, &rp);
	if (err)
		return err;
	hs->pins[hs->nr_pins] = (struct host_pin){ .proc = proc, .live = true };
	*pin = hs->nr_pins++;
	return 0;
}

int host_unpin_longterm(struct host_session *hs, int pin)
{
	struct host_req rq = { .op = HOP_UNPIN, .slot = pin };
	struct host_rep rp;
	int err;

	if (pin < 0 || pin >= hs->nr_pins || !hs->pins[pin].live)
		return -ENXIO;
	err = simple_call(hs, hs->pins[pin].proc, &rq, -1, &rp);
	hs->pins[pin].live = false;
	return err;
}

int host_dma_fixed(struct host_session *hs, int pin, bool write, uint64_t off, uint64_t len,
		   uint8_t byte, struct host_mismatch *mm)
{
	struct host_req rq = { .op = HOP_DMA_FIXED, .slot = pin, .write = write, .off = off,
			       .len = len, .byte = byte, .check = !write };
	struct host_rep rp;
	int err;

	if (pin < 0 || pin >= hs->nr_pins || !hs->pins[pin].live)
		return -ENXIO;
	err = simple_call(hs, hs->pins[pin].proc, &rq, -1, &rp);
	if (mm)
		*mm = rp.mm;
	return err;
}

int host_dio(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool write,
	     uint8_t byte, bool check, bool restore, struct host_mismatch *mm)
{
	struct host_req rq = { .op = HOP_DIO, .addr = addr, .len = len, .write = write,
			       .byte = byte, .check = check, .restore = restore };
	struct host_rep rp;
	int err = simple_call(hs, proc, &rq, -1, &rp);

	if (mm)
		*mm = rp.mm;
	return err;
}
