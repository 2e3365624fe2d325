/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pins, in a scenario process. A long-term pin is an io_uring fixed-buffer
 * registration: io_sqe_buffers_register() pins the range with
 * pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM), so the kernel's longterm
 * rules (migration out of ZONE_MOVABLE/CMA, writable_file_mapping_allowed(),
 * no fsdax) decide, and the errno is the kernel's. READ_FIXED/WRITE_FIXED
 * then move data through the registered bvecs, which is how a device sees a
 * pinned page: by its struct page, not through the process's page tables.
 * One ring per pin, so a pin is released by unregistering its table alone.
 *
 * A short-term pin is one O_DIRECT read(2) or write(2): the block layer pins
 * the user pages (FOLL_PIN, FOLL_WRITE for a read) for the I/O and releases
 * them when it completes, as bio_release_pages() does.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "internal.h"

struct child_pin {
	bool live;
	struct io_uring ring;
	uint64_t addr, len;
};

static struct child_pin child_pins[HOST_MAX_PINS];

bool host_compare(const unsigned char *buf, uint64_t len, uint8_t byte, uint64_t base,
		  struct host_mismatch *mm)
{
	for (uint64_t i = 0; i < len; i++) {
		if (buf[i] != byte) {
			*mm = (struct host_mismatch){ .bad = true, .off = base + i, .found = buf[i] };
			return false;
		}
	}
	return true;
}

#define FILL_CHUNK (256UL << 10)

int host_fill_fd(int fd, uint64_t off, uint64_t len, uint8_t byte, bool direct)
{
	unsigned char *buf;
	int err = 0;

	if (posix_memalign((void **)&buf, 4096, FILL_CHUNK))
		return -ENOMEM;
	memset(buf, byte, FILL_CHUNK);
	while (len && !err) {
		size_t n = len < FILL_CHUNK ? (size_t)len : FILL_CHUNK;
		ssize_t w = pwrite(fd, buf, n, (off_t)off);

		err = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
		off += n;
		len -= n;
	}
	free(buf);
	return err;
}

/* Read @len bytes of @fd at 0 and compare them with @byte. */
static int check_fd(int fd, uint64_t len, uint8_t byte, struct host_mismatch *mm)
{
	unsigned char *buf;
	uint64_t off = 0;
	int err = 0;

	if (posix_memalign((void **)&buf, 4096, FILL_CHUNK))
		return -ENOMEM;
	while (off < len && !err) {
		size_t n = len - off < FILL_CHUNK ? (size_t)(len - off) : FILL_CHUNK;
		ssize_t r = pread(fd, buf, n, (off_t)off);

		if (r != (ssize_t)n)
			err = r < 0 ? -errno : -EIO;
		else if (!host_compare(buf, n, byte, off, mm))
			break;
		off += n;
	}
	free(buf);
	return err;
}

/* The process's scratch file, the other end of every device transfer. */
static int scratch_fd(const struct host_session *hs, bool direct)
{
	static int fds[2] = { -1, -1 };
	char path[PATH_MAX + 32];

	if (fds[direct] >= 0)
		return fds[direct];
	snprintf(path, sizeof(path), "%s/scratch.%d", hs->dir, (int)getpid());
	fds[direct] = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
	return fds[direct] >= 0 ? fds[direct] : -errno;
}

void host_child_forget_pins(void)
{
	/*
	 * The rings are the parent's; closing the inherited descriptors leaves
	 * them (and their pins) to it. The ring mappings stay, unused.
	 */
	for (int i = 0; i < HOST_MAX_PINS; i++) {
		if (child_pins[i].live)
			close(child_pins[i].ring.ring_fd);
		child_pins[i].live = false;
	}
}

void host_child_pin(const struct host_req *rq, struct host_rep *rp)
{
	struct child_pin *p;
	struct iovec *iov;
	int err;

	if (rq->slot < 0 || rq->slot >= HOST_MAX_PINS || child_pins[rq->slot].live) {
		rp->err = -EINVAL;
		return;
	}
	p = &child_pins[rq->slot];
	iov = calloc(rq->times, sizeof(*iov));
	if (!iov) {
		rp->err = -ENOMEM;
		return;
	}
	for (uint32_t i = 0; i < rq->times; i++)
		iov[i] = (struct iovec){ .iov_base = (void *)(uintptr_t)rq->addr, .iov_len = rq->len };
	err = io_uring_queue_init(4, &p->ring, 0);
	if (!err) {
		err = io_uring_register_buffers(&p->ring, iov, rq->times);
		if (err)
			io_uring_queue_exit(&p->ring);
	}
	free(iov);
	rp->err = err;
	if (!err)
		*p = (struct child_pin){ .live = true, .ring = p->ring, .addr = rq->addr, .len = rq->len };
}

void host_child_unpin(const struct host_req *rq, struct host_rep *rp)
{
	struct child_pin *p;

	if (rq->slot < 0 || rq->slot >= HOST_MAX_PINS || !child_pins[rq->slot].live) {
		rp->err = -ENXIO;
		return;
	}
	p = &child_pins[rq->slot];
	rp->err = io_uring_unregister_buffers(&p->ring);
	io_uring_queue_exit(&p->ring);
	p->live = false;
}

static int fixed_io(struct io_uring *ring, bool read, int fd, uint64_t addr, uint64_t len)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int err;

	if (!sqe)
		return -EBUSY;
	if (read)
		io_uring_prep_read_fixed(sqe, fd, (void *)(uintptr_t)addr, (unsigned int)len, 0, 0);
	else
		io_uring_prep_write_fixed(sqe, fd, (void *)(uintptr_t)addr, (unsigned int)len, 0, 0);
	err = io_uring_submit_and_wait(ring, 1);
	if (err < 0)
		return err;
	err = io_uring_wait_cqe(ring, &cqe);
	if (err)
		return err;
	err = cqe->res < 0 ? cqe->res : (uint64_t)cqe->res != len ? -EIO : 0;
	io_uring_cqe_seen(ring, cqe);
	return err;
}

void host_child_dma_fixed(const struct host_session *hs, const struct host_req *rq,
			  struct host_rep *rp)
{
	struct child_pin *p;
	int fd = scratch_fd(hs, false);

	if (rq->slot < 0 || rq->slot >= HOST_MAX_PINS || !child_pins[rq->slot].live) {
		rp->err = -ENXIO;
		return;
	}
	p = &child_pins[rq->slot];
	if (fd < 0 || rq->off + rq->len > p->len || rq->len > (1U << 30)) {
		rp->err = fd < 0 ? fd : -ERANGE;
		return;
	}
	if (rq->write) {
		/* The device writes: the kernel copies the scratch file into the pages. */
		rp->err = host_fill_fd(fd, 0, rq->len, rq->byte, false);
		if (!rp->err)
			rp->err = fixed_io(&p->ring, true, fd, p->addr + rq->off, rq->len);
		return;
	}
	rp->err = fixed_io(&p->ring, false, fd, p->addr + rq->off, rq->len);
	if (!rp->err)
		rp->err = check_fd(fd, rq->len, rq->byte, &rp->mm);
}

static int dio_rw(int fd, bool into_memory, uint64_t addr, uint64_t len)
{
	ssize_t n = into_memory ? pread(fd, (void *)(uintptr_t)addr, len, 0)
				: pwrite(fd, (void *)(uintptr_t)addr, len, 0);

	return n < 0 ? -errno : (uint64_t)n != len ? -EIO : 0;
}

void host_child_dio(const struct host_session *hs, const struct host_req *rq,
		    struct host_rep *rp)
{
	int fd;

	if ((rq->addr | rq->len) & 511) {
		rp->err = -EINVAL;
		return;
	}
	fd = scratch_fd(hs, true);
	if (fd < 0) {
		rp->err = fd == -EINVAL ? -EOPNOTSUPP : fd;
		return;
	}
	if (rq->restore) {
		/* Out and back in: a FOLL_WRITE pin that leaves the bytes as they were. */
		rp->err = dio_rw(fd, false, rq->addr, rq->len);
		if (!rp->err && rq->write)
			rp->err = dio_rw(fd, true, rq->addr, rq->len);
		return;
	}
	if (rq->write) {
		rp->err = host_fill_fd(fd, 0, rq->len, rq->byte, true);
		if (!rp->err)
			rp->err = dio_rw(fd, true, rq->addr, rq->len);
		return;
	}
	rp->err = dio_rw(fd, false, rq->addr, rq->len);
	if (!rp->err && rq->check)
		rp->err = check_fd(fd, rq->len, rq->byte, &rp->mm);
}
