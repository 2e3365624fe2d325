/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host kernel's own pin path, as an anchor for the model's numbers:
 * io_uring fixed-buffer registration pins the buffer with
 * FOLL_WRITE | FOLL_LONGTERM through pin_user_pages_fast(), and unregistration
 * unpins it. /proc/vmstat's nr_foll_pin_acquired/released before and after
 * prove the pins happened. Registration does more than pin (it allocates the
 * bvec table, accounts locked memory unless CAP_IPC_LOCK, checks whether the
 * folios can be coalesced), so the anchor is io_uring registration - pin
 * plus bookkeeping - and an upper bound on the host's pin cost, not the pin
 * alone. It runs as one more arm of the rounds, so its ratios are paired too.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>
#include "bench.h"

#define HOST_PAGE	4096UL
#define HOST_PMD	(2UL << 20)
/* io_uring refuses a single fixed buffer larger than 1 GiB. */
#define HOST_MAX_IOV	(1UL << 30)

long bench_host_vmstat(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) && line[len] == ' ') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Root may lift RLIMIT_MEMLOCK; anyone may raise the soft limit to the hard one. */
static void raise_memlock(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return;
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	if (!setrlimit(RLIMIT_MEMLOCK, &inf))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_MEMLOCK, &rl);
}

static char host_why[200];
static bool host_probed;

const char *bench_host_probe(void)
{
	struct io_uring ring;
	struct iovec iov;
	void *buf;
	int ret;

	if (host_probed)
		return host_why;
	host_probed = true;
	raise_memlock();
	ret = io_uring_queue_init(2, &ring, 0);
	if (ret < 0) {
		snprintf(host_why, sizeof(host_why), "io_uring_queue_init: %s%s", strerror(-ret),
			 ret == -ENOSYS ? " (kernel without io_uring)" :
			 ret == -EPERM ? " (kernel.io_uring_disabled or a seccomp filter)" : "");
		return host_why;
	}
	buf = mmap(NULL, HOST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		snprintf(host_why, sizeof(host_why), "mmap: %s", strerror(errno));
		io_uring_queue_exit(&ring);
		return host_why;
	}
	memset(buf, 0, HOST_PAGE);
	iov.iov_base = buf;
	iov.iov_len = HOST_PAGE;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret < 0) {
		struct rlimit rl;

		getrlimit(RLIMIT_MEMLOCK, &rl);
		if (ret == -ENOMEM && rl.rlim_cur != RLIM_INFINITY)
			snprintf(host_why, sizeof(host_why),
				 "io_uring_register_buffers: %s (RLIMIT_MEMLOCK is %lu KiB and could not be raised)",
				 strerror(-ret), (unsigned long)(rl.rlim_cur >> 10));
		else
			snprintf(host_why, sizeof(host_why), "io_uring_register_buffers: %s",
				 strerror(-ret));
	} else {
		io_uring_unregister_buffers(&ring);
	}
	munmap(buf, HOST_PAGE);
	io_uring_queue_exit(&ring);
	return host_why;
}

struct host_buf {
	void *map;			/* what munmap() gets */
	size_t map_len;
	struct iovec *iov;		/* the buffer cut at io_uring's 1 GiB limit */
	unsigned int nr_iov;
};

struct host_ctx {
	int threads;
	bool same_range;
	struct io_uring ring[BENCH_MAX_THREADS];
	bool ring_ok[BENCH_MAX_THREADS];
	struct host_buf buf[BENCH_MAX_THREADS];
	unsigned long pages;
	bool have_vmstat;
};

/* A 2 MiB-aligned anonymous buffer, faulted in by writes, THP or not. */
static int host_buf_alloc(struct host_buf *b, size_t size, unsigned int order)
{
	char *p, *start;

	b->map_len = size + HOST_PMD;
	p = mmap(NULL, b->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	b->map = p;
	start = (char *)(((unsigned long)p + HOST_PMD - 1) & ~(HOST_PMD - 1));
	madvise(start, size, order ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (size_t off = 0; off < size; off += HOST_PAGE)
		start[off] = 1;
	b->nr_iov = (unsigned int)((size + HOST_MAX_IOV - 1) / HOST_MAX_IOV);
	b->iov = calloc(b->nr_iov, sizeof(*b->iov));
	if (!b->iov)
		return -ENOMEM;
	for (unsigned int i = 0; i < b->nr_iov; i++) {
		size_t off = (size_t)i * HOST_MAX_IOV;

		b->iov[i].iov_base = start + off;
		b->iov[i].iov_len = size - off < HOST_MAX_IOV ? size - off : HOST_MAX_IOV;
	}
	return 0;
}

static void host_buf_free(struct host_buf *b)
{
	if (b->map)
		munmap(b->map, b->map_len);
	free(b->iov);
	memset(b, 0, sizeof(*b));
}

static long host_get(void *ctx, int tid)
{
	struct host_ctx *h = ctx;
	struct host_buf *b = &h->buf[h->same_range ? 0 : tid];
	int ret = io_uring_register_buffers(&h->ring[tid], b->iov, b->nr_iov);

	return ret < 0 ? ret : (long)h->pages;
}

static int host_put(void *ctx, int tid)
{
	struct host_ctx *h = ctx;
	int ret = io_uring_unregister_buffers(&h->ring[tid]);

	return ret < 0 ? ret : 0;
}

static void host_counters(void *ctx, long *acquired, long *released)
{
	*acquired = bench_host_vmstat("nr_foll_pin_acquired");
	*released = bench_host_vmstat("nr_foll_pin_released");
}

/* AnonHugePages of this process, in KiB: tells whether THP really backed the buffer. */
static long anon_huge_kib(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "AnonHugePages:", 14)) {
			v = strtol(line + 14, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

void bench_host_teardown(struct host_ctx *h)
{
	if (!h)
		return;
	for (int i = 0; i < BENCH_MAX_THREADS; i++) {
		if (h->ring_ok[i])
			io_uring_queue_exit(&h->ring[i]);
		host_buf_free(&h->buf[i]);
	}
	free(h);
}

int bench_host_setup(struct host_ctx **hp, unsigned long size, unsigned int order,
		     int threads, bool same_range, char *note, size_t note_len)
{
	int nbuf = same_range ? 1 : threads;
	struct host_ctx *h;
	long thp0, thp1;
	int ret = 0;

	*hp = NULL;
	note[0] = 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->threads = threads;
	h->same_range = same_range;
	h->pages = size / HOST_PAGE;
	h->have_vmstat = bench_host_vmstat("nr_foll_pin_acquired") >= 0;
	thp0 = anon_huge_kib();
	for (int i = 0; i < nbuf && !ret; i++)
		ret = host_buf_alloc(&h->buf[i], size, order);
	thp1 = anon_huge_kib();
	for (int i = 0; i < threads && !ret; i++) {
		ret = io_uring_queue_init(2, &h->ring[i], 0);
		h->ring_ok[i] = ret == 0;
	}
	if (ret) {
		snprintf(note, note_len, "setting up the buffers: %s", strerror(-ret));
		bench_host_teardown(h);
		return ret;
	}
	if (!h->have_vmstat)
		snprintf(note, note_len, "/proc/vmstat has no nr_foll_pin_acquired: pins not proven");
	if (order && thp0 >= 0 && thp1 >= 0) {
		long want = (long)(size >> 10) * nbuf, got = thp1 - thp0;
		size_t l = strlen(note);

		if (got < want)
			snprintf(note + l, note_len - l, "%sonly %ld of %ld KiB backed by THP",
				 l ? "; " : "", got, want);
	}
	*hp = h;
	return 0;
}

void bench_host_arm(struct host_ctx *h, struct bench_arm *arm, int threads)
{
	memset(arm, 0, sizeof(*arm));
	arm->c.label = "IO_URING_REGISTER_BUFFERS";
	arm->c.ctx = h;
	arm->c.get = host_get;
	arm->c.put = host_put;
	arm->c.counters = h->have_vmstat ? host_counters : NULL;
	arm->threads = threads;
}
