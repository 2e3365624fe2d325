/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A short-term pin the host can hold: a direct read from a FUSE file whose
 * server (a process of the session) does not answer until told to. FUSE's
 * direct I/O pins the buffer before it sends the READ (fuse_get_user_pages():
 * iov_iter_extract_pages(), FOLL_PIN | FOLL_WRITE) and releases it, dirtied,
 * when the answer has been copied in: the answer is the device's write, made
 * through the pinned pages, and between the two the pin is held while the
 * scenario forks, stores, unmaps... The read is issued through io_uring, so
 * an io-wq worker of the process waits for it and the process goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <liburing.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "internal.h"

#define FUSE_BUF (1U << 21)
#define DEV_INO 2
#define MAX_HELD 64

enum ctl_op {
	CTL_HELD,		/* how many bytes of READ are held */
	CTL_ANSWER,		/* answer every held READ (with @byte, or @err) */
	CTL_PAUSE,		/* stop reading requests: the next WRITE stays queued, pinned */
	CTL_PENDING,		/* paused: is a request waiting? (1 or 0) */
	CTL_TAKE,		/* take the queued WRITE, compare its data with @byte, answer */
	CTL_RESUME,		/* read requests again */
};

struct ctl_msg {
	enum ctl_op op;
	int err;		/* CTL_ANSWER/CTL_TAKE: the errno to answer with, 0 for data */
	uint8_t byte;
};

struct ctl_rep {
	uint64_t bytes;
	struct host_mismatch mm;
};

struct held_read {
	uint64_t unique, offset;
	uint32_t size;
};

static int fuse_reply(int fd, uint64_t unique, int err, const void *arg, size_t len,
		      uint8_t fill, size_t fill_len)
{
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + len + fill_len),
				     .error = -err, .unique = unique };
	struct iovec iov[3] = { { &h, sizeof(h) }, { (void *)arg, len } };
	unsigned char *buf = NULL;
	int n = 2;
	ssize_t w;

	if (fill_len) {
		buf = malloc(fill_len);
		if (!buf)
			return -ENOMEM;
		memset(buf, fill, fill_len);
		iov[n++] = (struct iovec){ buf, fill_len };
	}
	w = writev(fd, iov, n);
	free(buf);
	return w < 0 ? -errno : 0;
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
	} else {
		a->mode = S_IFREG | 0666;
		a->size = 1ULL << 30;
		a->blocks = a->size / 512;
	}
}

static void serve_request(int fd, const unsigned char *req, struct held_read *held, int *nr_held)
{
	const struct fuse_in_header *in = (const void *)req;
	const void *arg = req + sizeof(*in);

	switch (in->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *ii = arg;
		struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
					   .minor = FUSE_KERNEL_MINOR_VERSION,
					   .max_readahead = ii->max_readahead, .max_write = 1U << 20,
					   .flags = FUSE_MAX_PAGES, .max_pages = 256 };

		fuse_reply(fd, in->unique, 0, &o, sizeof(o), 0, 0);
		break;
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out o = { .nodeid = DEV_INO, .generation = 1,
					    .entry_valid = 3600, .attr_valid = 3600 };

		if (strcmp(arg, "dev")) {
			fuse_reply(fd, in->unique, ENOENT, NULL, 0, 0, 0);
			break;
		}
		fill_attr(&o.attr, DEV_INO);
		fuse_reply(fd, in->unique, 0, &o, sizeof(o), 0, 0);
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out o = { .attr_valid = 3600 };

		fill_attr(&o.attr, in->nodeid);
		fuse_reply(fd, in->unique, 0, &o, sizeof(o), 0, 0);
		break;
	}
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		struct fuse_open_out o = { .fh = 1, .open_flags = FOPEN_DIRECT_IO };

		fuse_reply(fd, in->unique, 0, &o, sizeof(o), 0, 0);
		break;
	}
	case FUSE_READ: {
		const struct fuse_read_in *ri = arg;

		/* The pages are pinned already: hold the answer. */
		if (*nr_held == MAX_HELD) {
			fuse_reply(fd, in->unique, EAGAIN, NULL, 0, 0, 0);
			break;
		}
		held[(*nr_held)++] = (struct held_read){ .unique = in->unique, .offset = ri->offset,
							 .size = ri->size };
		break;
	}
	case FUSE_WRITE: {
		struct fuse_write_out o = { .size = ((const struct fuse_write_in *)arg)->size };

		fuse_reply(fd, in->unique, 0, &o, sizeof(o), 0, 0);
		break;
	}
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;		/* no answer expected */
	case FUSE_FLUSH:
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FSYNC:
	case FUSE_DESTROY:
		fuse_reply(fd, in->unique, 0, NULL, 0, 0, 0);
		break;
	default:
		fuse_reply(fd, in->unique, ENOSYS, NULL, 0, 0, 0);
		break;
	}
}

/* CTL_TAKE: the queued request, which is the WRITE a held pin sent. */
static void take_write(int fd, unsigned char *req, const struct ctl_msg *m, struct ctl_rep *r,
		       struct held_read *held, int *nr_held)
{
	const struct fuse_in_header *in = (const void *)req;
	ssize_t n = read(fd, req, FUSE_BUF + 4096);

	if (n < (ssize_t)sizeof(*in))
		return;
	if (in->opcode != FUSE_WRITE) {
		serve_request(fd, req, held, nr_held);
		return;
	}
	{
		const struct fuse_write_in *wi = (const void *)(req + sizeof(*in));
		const unsigned char *data = req + sizeof(*in) + sizeof(*wi);
		struct fuse_write_out o = { .size = wi->size };

		/* The copy out of the pinned pages happened in this read: the device's view. */
		if ((size_t)n >= sizeof(*in) + sizeof(*wi) + wi->size) {
			r->bytes = wi->size;
			host_compare(data, wi->size, m->byte, 0, &r->mm);
		}
		fuse_reply(fd, in->unique, m->err, m->err ? NULL : &o, m->err ? 0 : sizeof(o), 0, 0);
	}
}

static void __attribute__((noreturn)) fuse_serve(int fd, int ctl)
{
	unsigned char *req = malloc(FUSE_BUF + 4096);
	struct held_read held[MAX_HELD];
	int nr_held = 0;
	bool paused = false;

	if (!req)
		_exit(1);
	for (;;) {
		struct pollfd p[2] = { { .fd = paused ? -1 : fd, .events = POLLIN },
				       { .fd = ctl, .events = POLLIN } };

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			ssize_t n = read(fd, req, FUSE_BUF + 4096);

			if (n >= (ssize_t)sizeof(struct fuse_in_header))
				serve_request(fd, req, held, &nr_held);
			else if (n < 0 && errno == ENODEV)
				_exit(0);	/* unmounted */
		} else if (p[0].revents & (POLLERR | POLLHUP)) {
			_exit(0);
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			struct ctl_msg m;
			struct ctl_rep r = { 0 };
			struct pollfd q = { .fd = fd, .events = POLLIN };

			if (read(ctl, &m, sizeof(m)) != sizeof(m))
				_exit(0);
			switch (m.op) {
			case CTL_HELD:
			case CTL_ANSWER:
				for (int i = 0; i < nr_held; i++) {
					r.bytes += held[i].size;
					if (m.op == CTL_ANSWER)
						fuse_reply(fd, held[i].unique, m.err, NULL, 0, m.byte,
							   m.err ? 0 : held[i].size);
				}
				if (m.op == CTL_ANSWER)
					nr_held = 0;
				break;
			case CTL_PAUSE:
				paused = true;
				break;
			case CTL_PENDING:
				r.bytes = poll(&q, 1, 0) == 1 && (q.revents & POLLIN);
				break;
			case CTL_TAKE:
				take_write(fd, req, &m, &r, held, &nr_held);
				paused = false;
				break;
			case CTL_RESUME:
				paused = false;
				break;
			}
			if (write(ctl, &r, sizeof(r)) != sizeof(r))
				_exit(0);
		}
	}
}

int host_held_start(struct host_session *hs, char *why, size_t len)
{
	char opts[160];
	int fd, sv[2];
	pid_t pid;

	if (hs->fuse_pid > 0)
		return 0;
	if (geteuid() != 0) {
		snprintf(why, len, "mounting a FUSE file system needs root");
		return -EPERM;
	}
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "/dev/fuse: %s", strerror(errno));
		return -errno;
	}
	snprintf(hs->fuse_mnt, sizeof(hs->fuse_mnt), "%.1000s/fuse", hs->dir);
	if (mkdir(hs->fuse_mnt, 0700) && errno != EEXIST) {
		close(fd);
		return -errno;
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
	if (mount("pinmm", hs->fuse_mnt, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		snprintf(why, len, "mount fuse: %s", strerror(errno));
		close(fd);
		return -errno;
	}
	hs->fuse_mounted = true;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		close(fd);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		close(fd);
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < hs->nr_procs; i++)
			if (hs->procs[i].sock >= 0)
				close(hs->procs[i].sock);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(host_secs_left(hs) + 2);
		fuse_serve(fd, sv[1]);
	}
	close(fd);
	close(sv[1]);
	hs->fuse_pid = pid;
	hs->fuse_ctl = sv[0];
	return 0;
}

/* Ask the server; what it answers comes back in *@r. */
static int held_ctl(struct host_session *hs, enum ctl_op op, int err, uint8_t byte,
		    struct ctl_rep *r)
{
	struct ctl_msg m = { .op = op, .err = err, .byte = byte };
	struct pollfd p = { .fd = hs->fuse_ctl, .events = POLLIN };

	if (hs->fuse_ctl < 0)
		return -ENOTCONN;
	if (write(hs->fuse_ctl, &m, sizeof(m)) != sizeof(m))
		return -ECHILD;
	if (poll(&p, 1, 5000) != 1 || read(hs->fuse_ctl, r, sizeof(*r)) != sizeof(*r))
		return -ETIMEDOUT;
	return 0;
}

/* Has the request been pinned and sent (@ro: queued, unread; else held)? Or did it fail first? */
static int held_wait_sent(struct host_session *hs, int proc, int held, uint64_t len, bool ro)
{
	struct host_rep rp;
	struct ctl_rep r;
	int err;

	for (int i = 0; i < 400; i++) {
		struct host_req peek = { .op = HOP_HELD_WAIT, .slot = held, .len = len,
					 .check = true };

		if (held_ctl(hs, ro ? CTL_PENDING : CTL_HELD, 0, 0, &r))
			break;
		if (ro ? r.bytes == 1 : r.bytes >= len)
			return 0;
		err = host_call(hs, proc, &peek, -1, &rp, NULL);
		if (err || rp.err != -EINPROGRESS) {
			hs->pins[held].live = false;
			if (ro)
				held_ctl(hs, CTL_RESUME, 0, 0, &r);
			return err ? err : rp.err ? rp.err : -EIO;
		}
		usleep(5000);
	}
	return host_held_finish(hs, held, EIO, 0, len, NULL);
}

int host_held_pin(struct host_session *hs, int proc, uint64_t addr, uint64_t len, bool ro,
		  int *held)
{
	struct host_req rq = { .op = HOP_HELD_SUBMIT, .addr = addr, .len = len, .flags = ro };
	struct host_rep rp;
	struct ctl_rep r;
	int err;

	if (hs->nr_pins == HOST_MAX_PINS)
		return -ENOSPC;
	if (ro && len > (1U << 20))
		return -E2BIG;		/* one WRITE request: max_write */
	if (held_ctl(hs, CTL_HELD, 0, 0, &r) || r.bytes)
		return -EBUSY;		/* one held request at a time */
	for (int i = 0; i < hs->nr_pins; i++)
		if (hs->pins[i].live && hs->pins[i].held)
			return -EBUSY;
	rq.slot = hs->nr_pins;
	snprintf(rq.path, sizeof(rq.path), "%.1000s/dev", hs->fuse_mnt);
	if (ro) {
		/* Open first, with the server reading; then stop it reading. */
		struct host_req open_rq = rq;

		open_rq.restore = true;
		err = host_call(hs, proc, &open_rq, -1, &rp, NULL);
		if (err || rp.err)
			return err ? err : rp.err;
		if ((err = held_ctl(hs, CTL_PAUSE, 0, 0, &r)))
			return err;
	}
	err = host_call(hs, proc, &rq, -1, &rp, NULL);
	if (err || rp.err) {
		if (ro)
			held_ctl(hs, CTL_RESUME, 0, 0, &r);
		return err ? err : rp.err;
	}
	hs->pins[hs->nr_pins] = (struct host_pin){ .proc = proc, .live = true, .held = true,
						   .ro = ro };
	*held = hs->nr_pins++;
	return held_wait_sent(hs, proc, *held, len, ro);
}

int host_held_finish(struct host_session *hs, int held, int err, uint8_t byte, uint64_t len,
		     struct host_mismatch *mm)
{
	struct host_req rq = { .op = HOP_HELD_WAIT, .slot = held, .len = len };
	struct host_rep rp;
	struct ctl_rep r = { 0 };
	int ret;

	if (held < 0 || held >= hs->nr_pins || !hs->pins[held].live)
		return -ENXIO;
	hs->pins[held].live = false;
	/* READ: @byte into every held one (or @err). WRITE: its data read now, then answered. */
	ret = held_ctl(hs, hs->pins[held].ro ? CTL_TAKE : CTL_ANSWER, err, byte, &r);
	if (ret)
		return ret;
	if (mm)
		*mm = r.mm;
	if (hs->pins[held].ro && !err && r.bytes != len)
		ret = -EIO;
	{
		int w = host_call(hs, hs->pins[held].proc, &rq, -1, &rp, NULL);

		if (!ret)
			ret = w ? w : rp.err;
	}
	return ret;
}

/* In the process: the read is issued on a ring of its own and waited for later. */
struct child_held {
	bool live, opened;
	int fd;
	struct io_uring ring;
};

static struct child_held child_held[HOST_MAX_PINS];

void host_child_held(const struct host_req *rq, struct host_rep *rp)
{
	struct child_held *h;
	struct io_uring_sqe *sqe;
	int err;

	if (rq->slot < 0 || rq->slot >= HOST_MAX_PINS) {
		rp->err = -EINVAL;
		return;
	}
	h = &child_held[rq->slot];
	if (rq->op == HOP_HELD_SUBMIT) {
		if (!h->opened) {
			h->fd = open(rq->path, O_RDWR | O_CLOEXEC);
			if (h->fd < 0) {
				rp->err = -errno;
				return;
			}
			h->opened = true;
		}
		if (rq->restore) {
			/*
			 * Open only. One poll now, answered ENOSYS, sets the
			 * connection's no_poll: io_uring would otherwise poll the
			 * file before a WRITE, and the paused server never answer.
			 */
			struct pollfd p = { .fd = h->fd, .events = POLLOUT };

			poll(&p, 1, 0);
			return;
		}
		err = io_uring_queue_init(2, &h->ring, 0);
		if (err) {
			close(h->fd);
			h->opened = false;
			rp->err = err;
			return;
		}
		sqe = io_uring_get_sqe(&h->ring);
		/* flags 1: a WRITE, the device reading the pages; 0: a READ into them. */
		if (rq->flags)
			io_uring_prep_write(sqe, h->fd, (void *)(uintptr_t)rq->addr,
					    (unsigned int)rq->len, 0);
		else
			io_uring_prep_read(sqe, h->fd, (void *)(uintptr_t)rq->addr,
					   (unsigned int)rq->len, 0);
		/* To an io-wq worker: FUSE would wait for its answer in the submitter. */
		io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
		err = io_uring_submit(&h->ring);
		rp->err = err == 1 ? 0 : err < 0 ? err : -EIO;
		h->live = !rp->err;
		if (!h->live) {
			io_uring_queue_exit(&h->ring);
			close(h->fd);
			h->opened = false;
		}
		return;
	}
	if (!h->live) {
		rp->err = -ENXIO;
		return;
	}
	{
		struct __kernel_timespec ts = { .tv_sec = 5 };
		struct io_uring_cqe *cqe;

		/* check: only look (the read failed before it was sent, or not). */
		err = rq->check ? io_uring_peek_cqe(&h->ring, &cqe)
				: io_uring_wait_cqe_timeout(&h->ring, &cqe, &ts);
		if (err == -EAGAIN && rq->check) {
			rp->err = -EINPROGRESS;
			return;
		}
		if (!err) {
			err = cqe->res < 0 ? cqe->res : (uint64_t)cqe->res != rq->len ? -EIO : 0;
			io_uring_cqe_seen(&h->ring, cqe);
		}
	}
	rp->err = err;
	io_uring_queue_exit(&h->ring);
	close(h->fd);
	h->live = false;
	h->opened = false;
}

void host_child_forget_held(void)
{
	for (int i = 0; i < HOST_MAX_PINS; i++) {
		if (child_held[i].live)
			close(child_held[i].ring.ring_fd);
		if (child_held[i].opened)
			close(child_held[i].fd);
		child_held[i].live = false;
		child_held[i].opened = false;
	}
}

void host_held_stop(struct host_session *hs)
{
	int status;

	/* The server first: its connection goes, and every held read fails and unpins. */
	if (hs->fuse_pid > 0) {
		kill(hs->fuse_pid, SIGKILL);
		while (waitpid(hs->fuse_pid, &status, 0) < 0 && errno == EINTR)
			;
		hs->fuse_pid = 0;
	}
	if (hs->fuse_ctl >= 0)
		close(hs->fuse_ctl);
	hs->fuse_ctl = -1;
	if (hs->fuse_mounted)
		umount2(hs->fuse_mnt, MNT_DETACH);
	hs->fuse_mounted = false;
}
