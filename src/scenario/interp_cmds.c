/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What each scenario command does to the machine, in kernel calls.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/gup/gup.h>
#include <pinmm/mem/proxy.h>
#include <pinmm/pin/debug.h>
#include <pinmm/devmap/pmem.h>
#include <pinmm/fs/fs.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/vm/hugetlb.h>
#include <pinmm/vm/mm.h>
#include <pinmm/vm/swap.h>
#include "interp.h"

#define CHUNK (64UL << 10)

struct mm_struct *interp_proc_mm(struct interp *in, int proc)
{
	return in->procs[proc] ? in->procs[proc]->mm : NULL;
}

unsigned long interp_map_addr(struct interp *in, const struct scn_loc *at)
{
	return in->maps[at->id].addr + at->off;
}

/* Compare @len bytes, the ones at @base of the whole, against @byte; report the first difference. */
static bool expect_bytes_at(struct interp *in, const unsigned char *buf, size_t base, size_t len,
			    int byte, const char *what)
{
	uint64_t want = 0x0101010101010101ULL * (uint8_t)byte;
	size_t i = 0;

	/* A word at a time up to the first word that differs (1 GiB reads compare 1 GiB). */
	for (; i + sizeof(want) <= len; i += sizeof(want)) {
		uint64_t w;

		memcpy(&w, buf + i, sizeof(w));
		if (w != want)
			break;
	}
	for (; i < len; i++) {
		if (buf[i] != byte) {
			interp_fail(in, SCN_CORRUPT, "%s found 0x%02x at +%zu, expected 0x%02x",
				    what, buf[i], base + i, byte);
			return false;
		}
	}
	return true;
}

bool interp_expect_bytes(struct interp *in, const unsigned char *buf, size_t len, int byte,
			 const char *what)
{
	return expect_bytes_at(in, buf, 0, len, byte, what);
}

/* Reads @n bytes at @off of whatever @ctx names into @dst: 0 or -errno. */
typedef int (*chunk_reader_t)(void *ctx, size_t off, void *dst, size_t n);

/*
 * Read @len bytes through @rd a CHUNK at a time, so that a read costs a bounded
 * host buffer whatever its length, and compare them with @byte (< 0: only
 * read). The read's result goes through interp_result() as @what; a host
 * buffer that cannot be had is that command's ENOMEM, never a silent pass.
 */
static void read_expect(struct interp *in, chunk_reader_t rd, void *ctx, size_t len, int byte,
			const char *what)
{
	unsigned char *buf = malloc(min_t(size_t, CHUNK, len ? len : 1));
	int err = buf ? 0 : -ENOMEM;
	size_t off;

	for (off = 0; !err && off < len; off += CHUNK) {
		size_t n = min_t(size_t, CHUNK, len - off);

		err = rd(ctx, off, buf, n);
		if (err)
			break;
		if (byte >= 0 && !expect_bytes_at(in, buf, off, n, byte, what))
			break;
	}
	free(buf);
	if (err)
		interp_result(in, err, what);
}

/*
 * write(2) of @len bytes of @buf's pattern at @pos until done or an error:
 * a short write is retried, so a full disk answers ENOSPC as write(2) would
 * on the call after the short one, never a made-up EIO.
 */
static int write_bytes(struct file *file, uint64_t pos, const unsigned char *buf, uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		size_t n = (size_t)min_t(uint64_t, CHUNK, len - done);
		ssize_t w = fs_write(file, (loff_t)(pos + done), buf, n);

		if (w < 0)
			return (int)w;
		if (w == 0)
			return -ENOSPC;
		done += (uint64_t)w;
	}
	return 0;
}

static void do_pwrite(struct interp *in, const struct scn_cmd *c)
{
	struct interp_file *fl = &in->files[c->pwrite.at.id];
	unsigned char *buf;

	if (!fl->file)
		return;
	buf = malloc(CHUNK);
	if (!buf) {
		interp_result(in, -ENOMEM, "pwrite");
		return;
	}
	memset(buf, c->pwrite.byte, CHUNK);
	interp_result(in, write_bytes(fl->file, c->pwrite.at.off, buf, c->pwrite.len), "pwrite");
	free(buf);
}

static void do_disk(struct interp *in, const struct scn_cmd *c)
{
	struct interp_fs *f = &in->fs[c->disk.fs];
	const char *name = scn_name(in->s, SCN_NS_FS, c->disk.fs);
	unsigned int flags = (c->disk.checksum ? BLKFS_CHECKSUM : 0) | (c->disk.dax ? BLKFS_DAX : 0);

	f->kind = SCN_FS_DISK;
	if (c->disk.dax) {
		int err;

		f->bdev = pmem_create(name, c->disk.size, c->disk.checksum, &err);
		if (!f->bdev) {
			interp_result(in, err, "disk");
			return;
		}
	} else {
		f->bdev = bdev_create(name, c->disk.size, c->disk.checksum);
	}
	f->blk = f->bdev ? blkfs_mount(f->bdev, name, flags) : NULL;
	if (!interp_result(in, f->blk ? 0 : -ENOMEM, "disk"))
		return;
	f->sb = &f->blk->sb;
}

_Static_assert(SCN_SEAL_SEAL == F_SEAL_SEAL && SCN_SEAL_SHRINK == F_SEAL_SHRINK &&
	       SCN_SEAL_GROW == F_SEAL_GROW && SCN_SEAL_WRITE == F_SEAL_WRITE &&
	       SCN_SEAL_FUTURE_WRITE == F_SEAL_FUTURE_WRITE, "scenario seals are the uapi's");

static void do_tmpfs(struct interp *in, const struct scn_cmd *c)
{
	struct interp_fs *f = &in->fs[c->tmpfs.fs];

	f->kind = SCN_FS_TMPFS;
	f->shm = shmem_mount(scn_name(in->s, SCN_NS_FS, c->tmpfs.fs));
	if (interp_result(in, f->shm ? 0 : -ENOMEM, "tmpfs"))
		f->sb = &f->shm->sb;
}

/*
 * A release without the flag cannot build the file the scenario means (as
 * thp SIZE before 6.8): n/a, unless the line expects its refusal.
 */
static bool memfd_flags_missing(struct interp *in, const struct scn_cmd *c)
{
	const char *why = NULL;

	if ((c->file.exec || c->file.noexec_seal) && !kernel_has(KSW_MEMFD_NOEXEC))
		why = "MFD_EXEC and MFD_NOEXEC_SEAL came in 6.3";
	else if (c->file.sealing && in->fs[c->file.fs].kind == SCN_FS_HUGETLBFS &&
		 !kernel_has(KSW_HUGETLB_MEMFD_SEALS))
		why = "memfd_create(MFD_HUGETLB) takes MFD_ALLOW_SEALING from 4.16";
	if (!why || c->has_result)
		return false;
	interp_fail(in, SCN_NA, "file: %s cannot create it (%s)", kernel_selected(), why);
	return true;
}

static void do_file(struct interp *in, const struct scn_cmd *c)
{
	struct interp_file *fl = &in->files[c->file.file];
	struct super_block *sb = in->fs[c->file.fs].sb;
	int err = 0;

	fl->fs = c->file.fs;
	if (memfd_flags_missing(in, c))
		return;
	if (in->fs[c->file.fs].kind == SCN_FS_HUGETLBFS) {
		/* memfd_create(MFD_HUGETLB), ftruncate(), fallocate(), as the selftests do. */
		struct hstate *h = in->fs[c->file.fs].hugetlb_1g ? size_to_hstate(1UL << 30) :
				   &default_hstate;

		fl->file = memfd_create_hugetlb(c->file.size, scn_memfd_flags(c) |
						(in->fs[c->file.fs].hugetlb_1g ? MFD_HUGE_1GB : 0), &err);
		if (!interp_result(in, err, "memfd_create(MFD_HUGETLB)"))
			return;
		/* hugetlbfs_setattr(): a size that is not a whole number of huge pages. */
		if (c->file.size % huge_page_size(h)) {
			interp_result(in, -EINVAL, "ftruncate");
			return;
		}
		interp_result(in, hugetlbfs_fallocate(fl->file, 0, c->file.size), "fallocate");
		return;
	}
	if (!sb)
		return;
	if (scn_memfd_flags(c))
		fl->file = memfd_create_file(in->fs[c->file.fs].shm, scn_name(in->s, SCN_NS_FILE, c->file.file),
					     scn_memfd_flags(c), &err);
	else
		fl->file = fs_open(sb, scn_name(in->s, SCN_NS_FILE, c->file.file),
				   FS_O_CREAT | FS_O_TRUNC, &err);
	if (!fl->file) {
		interp_result(in, err, "open");
		return;
	}
	if (c->file.reflink >= 0) {
		struct interp_file *src = &in->files[c->file.reflink];

		if (!src->file)
			return;		/* the source was refused */
		interp_result(in, in->fs[c->file.fs].blk ? blkfs_reflink(fl->file, src->file) : -EOPNOTSUPP,
			      "reflink");
		return;
	}
	if (c->file.fill >= 0) {
		unsigned char *buf = malloc(CHUNK);

		if (!buf) {
			interp_result(in, -ENOMEM, "file");
			return;
		}
		memset(buf, c->file.fill, CHUNK);
		err = write_bytes(fl->file, 0, buf, c->file.size);
		free(buf);
	} else {
		err = fs_truncate(fl->file, (loff_t)c->file.size);
	}
	interp_result(in, err, "file");
}

static void do_device(struct interp *in, const struct scn_cmd *c)
{
	struct interp_dev *d = &in->devs[c->device.dev];

	d->dev = dma_device_create(scn_name(in->s, SCN_NS_DEV, c->device.dev));
	d->odp = c->device.odp;
	interp_result(in, d->dev ? 0 : -ENOMEM, "device");
}

static void do_mmap(struct interp *in, const struct scn_cmd *c)
{
	struct interp_map *m = &in->maps[c->mmap.map];
	struct file *file = c->mmap.file >= 0 ? in->files[c->mmap.file].file : NULL;
	unsigned long prot = PROT_READ | (c->mmap.writable ? PROT_WRITE : 0);
	/*
	 * thp populate: MADV_HUGEPAGE must be on the VMA before the faults,
	 * so the populate follows the madvise, as a program's own
	 * mmap + madvise + MADV_POPULATE_WRITE would do it.
	 */
	unsigned long flags = (c->mmap.shared ? MAP_SHARED : MAP_PRIVATE) |
			      (file ? 0 : MAP_ANONYMOUS) | (c->mmap.hugetlb ? MAP_HUGETLB : 0) |
			      (c->mmap.hugetlb_1g ? 30UL << MAP_HUGE_SHIFT : 0) |	/* MAP_HUGE_1GB */
			      (c->mmap.populate && !c->mmap.thp ? MAP_POPULATE : 0);
	struct mm_struct *mm = interp_proc_mm(in, c->mmap.proc);
	unsigned long hint = 0;
	long addr;
	int seals;

	if (c->mmap.file >= 0 && !file)
		return;		/* the file was refused */
	if (c->mmap.thp) {
		/*
		 * On a PMD boundary whatever the length, as the host run places
		 * it (and cow.c aligns its mTHP areas): reserve a PMD more, give
		 * it back, and ask for the aligned address.
		 */
		addr = vm_mmap(mm, 0, c->mmap.len + PMD_SIZE, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		if (addr >= 0) {
			vm_munmap(mm, (unsigned long)addr, c->mmap.len + PMD_SIZE);
			addr = (long)ALIGN_UP((unsigned long)addr, PMD_SIZE);
		}
		hint = addr < 0 ? 0 : (unsigned long)addr;
	}
	/*
	 * A release that refuses every shared mapping of a write-sealed memfd
	 * (before 6.7, and 6.12) cannot build the read-only one the scenario
	 * means: n/a, unless the line expects the refusal.
	 */
	seals = file ? memfd_get_seals(file) : -EINVAL;
	if (seals > 0 && (seals & F_SEAL_WRITE) && c->mmap.shared && !c->mmap.writable &&
	    !c->has_result && !write_sealed_maps_ro_shared()) {
		interp_fail(in, SCN_NA, "mmap: %s maps no write-sealed memfd shared, not even "
			    "read-only (EPERM; 6.7-6.11 and 6.13+ allow it)", kernel_selected());
		return;
	}
	addr = vm_mmap(mm, hint, c->mmap.len, prot, flags, file, c->mmap.offset >> PAGE_SHIFT);
	if (!interp_result(in, addr < 0 ? (int)addr : 0, "mmap"))
		return;
	m->addr = (unsigned long)addr;
	m->len = c->mmap.len;
	m->file = c->mmap.file;
	m->mapped = true;
	if (c->mmap.thp) {
		if (!interp_result(in, do_madvise(mm, m->addr, m->len, MADV_HUGEPAGE),
				   "madvise(MADV_HUGEPAGE)"))
			return;
		if (c->mmap.populate)
			mm_populate(mm, m->addr, m->len);
	}
}

struct uread_ctx {
	struct mm_struct *mm;
	unsigned long addr;
};

static int uread_chunk(void *ctx, size_t off, void *dst, size_t n)
{
	struct uread_ctx *u = ctx;

	return uaccess_read(u->mm, u->addr + off, dst, n);
}

static void do_access(struct interp *in, const struct scn_cmd *c, bool write)
{
	struct uread_ctx u = {
		.mm = interp_proc_mm(in, c->access.proc),
		.addr = interp_map_addr(in, &c->access.at),
	};

	if (!in->maps[c->access.at.id].mapped)
		return;
	if (write)
		interp_result(in, uaccess_memset(u.mm, u.addr, c->access.byte, c->access.len),
			      "write");
	else
		read_expect(in, uread_chunk, &u, c->access.len,
			    c->access.has_byte ? c->access.byte : -1, "read");
}

static int handle_add(struct interp_handle *h, struct page **pages, unsigned long n)
{
	if (h->nr + n > h->cap) {
		unsigned long cap = max_t(unsigned long, h->cap * 2, h->nr + n);
		struct page **p = realloc(h->pages, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		h->pages = p;
		h->cap = cap;
	}
	memcpy(h->pages + h->nr, pages, n * sizeof(*pages));
	h->nr += n;
	return 0;
}

/*
 * One pass over the range through the entry point the flags name. A long-term
 * pin of a file the scenario has leased goes through vaddr_pin_pages(), the
 * way a driver would take it under a layout lease.
 */
_Static_assert(SCN_FOLL_PUBLIC == FOLL_PUBLIC_FLAGS, "foll= takes the GUP API's public flags");

static long pin_once(struct mm_struct *mm, unsigned long addr, unsigned long nr,
		     unsigned int flags, unsigned int foll, struct page **pages,
		     struct interp_handle *h)
{
	unsigned int gup = (flags & SCN_PIN_WRITE ? FOLL_WRITE : 0) |
			   (flags & SCN_PIN_LONGTERM ? FOLL_LONGTERM : 0) | foll;
	bool get = flags & SCN_PIN_GET;
	long ret;

	if (h->leased)
		return vaddr_pin_pages(addr, nr, gup, pages, &h->vaddr_pin);

	if (flags & SCN_PIN_FAST)
		return get ? get_user_pages_fast(mm, addr, (int)nr, gup, pages)
			   : pin_user_pages_fast(mm, addr, (int)nr, gup, pages);
	mmap_read_lock(mm);
	if (flags & SCN_PIN_REMOTE)
		ret = get ? get_user_pages_remote(mm, addr, nr, gup, pages, NULL)
			  : pin_user_pages_remote(mm, addr, nr, gup, pages, NULL);
	else
		ret = get ? get_user_pages(mm, addr, nr, gup, pages)
			  : pin_user_pages(mm, addr, nr, gup, pages);
	mmap_read_unlock(mm);
	return ret;
}

/*
 * The range in calls of @batch pages (gup_test's -n), as a driver that pins a
 * large buffer piecewise does: each call may stop at a folio boundary inside
 * its own range, which a single call over the range never shows. A short call
 * ends the pass with what was pinned so far.
 */
static long pin_batched(struct mm_struct *mm, unsigned long addr, unsigned long nr,
			unsigned long batch, unsigned int flags, unsigned int foll,
			struct page **pages, struct interp_handle *h)
{
	unsigned long done = 0;

	if (!batch || batch >= nr)
		return pin_once(mm, addr, nr, flags, foll, pages, h);
	while (done < nr) {
		unsigned long n = min_t(unsigned long, batch, nr - done);
		long got = pin_once(mm, addr + (done << PAGE_SHIFT), n, flags, foll, pages + done, h);

		if (got < 0)
			return done ? (long)done : got;
		done += (unsigned long)got;
		if ((unsigned long)got < n)
			break;
	}
	return (long)done;
}

/*
 * Give back @n pages taken for handle @h, the way its driver would: a lease's
 * pins through vaddr_unpin_pages(), references with put_page(), pins with
 * unpin_user_pages() (the _dirty_lock variant only to dirty).
 */
void interp_put_pages(struct interp_handle *h, struct page **pages, unsigned long n, bool dirty)
{
	if (h->leased) {
		vaddr_unpin_pages(pages, n, &h->vaddr_pin, dirty);
	} else if (h->get) {
		for (unsigned long i = 0; i < n; i++) {
			if (dirty)
				set_page_dirty_lock(pages[i]);
			put_page(pages[i]);
		}
	} else if (dirty) {
		unpin_user_pages_dirty_lock(pages, n, true);
	} else {
		unpin_user_pages(pages, n);
	}
}

static void do_pin(struct interp *in, const struct scn_cmd *c)
{
	struct interp_handle *h = &in->handles[c->pin.handle];
	struct mm_struct *mm = interp_proc_mm(in, c->pin.proc);
	unsigned long addr = interp_map_addr(in, &c->pin.at);
	unsigned long nr = (c->pin.len + (addr & ~PAGE_MASK) + PAGE_SIZE - 1) >> PAGE_SHIFT;
	struct interp_dev *d = c->pin.dev >= 0 ? &in->devs[c->pin.dev] : NULL;
	struct dma_device *dev = d ? d->dev : in->default_dev;
	struct page **pages;
	int err = 0;

	h->get = c->pin.flags & SCN_PIN_GET;
	h->range_pages = nr;
	h->dead = true;
	if (!in->maps[c->pin.at.id].mapped || !dev)
		return;
	addr &= PAGE_MASK;
	if ((c->pin.flags & SCN_PIN_LONGTERM) && !h->get && in->maps[c->pin.at.id].file >= 0 &&
	    in->files[in->maps[c->pin.at.id].file].leases > 0) {
		h->leased = true;
		h->vaddr_pin = (struct vaddr_pin){
			.f_owner = in->files[in->maps[c->pin.at.id].file].file, .mm = mm,
		};
	}
	if (d && d->odp) {
		/* An ODP device registers the range and pins nothing. */
		h->mr = dma_mr_register_odp(dev, mm, addr, nr * PAGE_SIZE,
					    c->pin.flags & SCN_PIN_WRITE, &err);
		h->dead = !interp_result(in, err, "ODP registration");
		return;
	}
	pages = calloc(nr, sizeof(*pages));
	if (!pages) {
		interp_result(in, -ENOMEM, "pin");
		return;
	}
	for (uint64_t t = 0; t < c->pin.times && !err; t++) {
		long got = pin_batched(mm, addr, nr, c->pin.batch, c->pin.flags, c->pin.foll, pages, h);

		if (got >= 0 && (unsigned long)got < nr) {
			/* Like every real caller: a short pin is released and fails. */
			interp_put_pages(h, pages, (unsigned long)got, false);
			got = -EFAULT;
		}
		if (got < 0)
			err = (int)got;
		else if (handle_add(h, pages, nr))
			err = -ENOMEM, interp_put_pages(h, pages, (unsigned long)got, false);
	}
	free(pages);
	h->live = h->nr > 0;
	if (!interp_result(in, err, h->leased ? "vaddr_pin_pages" : h->get ? "get_user_pages" :
			   "pin_user_pages") && !h->nr)
		return;
	h->dead = false;
	if (h->nr) {
		h->mr = dma_mr_register_pages(dev, h->pages, nr, &err);
		if (!h->mr)
			interp_result(in, err, "DMA registration");
	}
}

bool interp_handle_usable(struct interp *in, int id)
{
	struct interp_handle *h = &in->handles[id];

	if (h->dead && in->trace)
		interp_trace(in->trace, "scenario: skipped: handle %s was refused\n",
			scn_name(in->s, SCN_NS_HANDLE, id));
	return !h->dead;
}

static void do_unpin(struct interp *in, const struct scn_cmd *c)
{
	struct interp_handle *h = &in->handles[c->unpin.handle];

	if (!interp_handle_usable(in, c->unpin.handle))
		return;
	if (h->mr) {
		dma_mr_deregister(h->mr);
		h->mr = NULL;
	}
	if (!h->nr)
		return;
	/* A second unpin of the same handle is the bug it exercises: do it. */
	interp_put_pages(h, h->pages, h->nr, c->unpin.dirty);
	h->live = false;
}

struct dread_ctx {
	struct dma_mr *mr;
	unsigned long offset;
};

static int dread_chunk(void *ctx, size_t off, void *dst, size_t n)
{
	struct dread_ctx *d = ctx;

	return dma_mr_read(d->mr, d->offset + off, dst, n);
}

/*
 * A handle's byte 0 is the pinned address, which need not be page aligned;
 * the region the device holds starts at the page below it.
 */
static unsigned long dma_start(const struct interp *in, const struct scn_cmd *c)
{
	const struct scn_cmd *pin = &in->s->cmds[in->s->names[SCN_NS_HANDLE].v[c->dma.handle].info];

	return (unsigned long)(pin->pin.at.off & ~PAGE_MASK) + c->dma.offset;
}

static unsigned long dma_len(const struct interp *in, const struct scn_cmd *c)
{
	const struct scn_cmd *pin = &in->s->cmds[in->s->names[SCN_NS_HANDLE].v[c->dma.handle].info];

	return c->dma.len ? c->dma.len : pin->pin.len - c->dma.offset;
}

static void do_dma(struct interp *in, const struct scn_cmd *c)
{
	struct interp_handle *h = &in->handles[c->dma.handle];
	struct dread_ctx d;
	unsigned long len, off;

	if (!interp_handle_usable(in, c->dma.handle))
		return;
	if (!h->mr) {
		interp_fail(in, SCN_CORRUPT, "dma through a handle the device no longer holds");
		return;
	}
	len = dma_len(in, c);
	off = dma_start(in, c);
	if (c->dma.write) {
		interp_result(in, dma_mr_fill(h->mr, off, c->dma.byte, len), "dma write");
		return;
	}
	d = (struct dread_ctx){ .mr = h->mr, .offset = off };
	read_expect(in, dread_chunk, &d, len, c->dma.byte, "dma read");
}

static void writeback_one(struct super_block *sb, void *arg)
{
	writeback_inodes(sb, *(enum writeback_sync_modes *)arg);
}

static void do_writeback(struct interp *in, const struct scn_cmd *c, enum writeback_sync_modes mode)
{
	if (c->sync.fs >= 0) {
		if (in->fs[c->sync.fs].sb)
			writeback_inodes(in->fs[c->sync.fs].sb, mode);
	} else {
		fs_for_each_super(writeback_one, &mode);
	}
}

void interp_exec(struct interp *in, const struct scn_cmd *c)
{
	struct interp_file *fl;

	if (c->has_during && !in->in_helper) {
		interp_arm(in, c);
		return;
	}
	switch (c->kind) {
	case SCN_MEMORY:
	case SCN_SWAP:
	case SCN_WHATIF:
		break;		/* applied when the machine came up */
	case SCN_CHECK_SWAPPED:
		interp_check_swapped(in, c);
		break;
	case SCN_DISK:
		do_disk(in, c);
		break;
	case SCN_TMPFS:
		do_tmpfs(in, c);
		break;
	case SCN_HUGETLBFS:
		in->fs[c->tmpfs.fs].kind = SCN_FS_HUGETLBFS;
		in->fs[c->tmpfs.fs].hugetlb_1g = c->tmpfs.pagesize != 0;
		break;
	case SCN_FILE:
		do_file(in, c);
		break;
	case SCN_PROCESS:
		in->procs[c->process.proc] = process_create(scn_name(in->s, SCN_NS_PROC,
								     c->process.proc));
		interp_result(in, in->procs[c->process.proc] ? 0 : -ENOMEM, "process");
		break;
	case SCN_DEVICE:
		do_device(in, c);
		break;
	case SCN_MMAP:
		do_mmap(in, c);
		break;
	case SCN_WRITE:
		do_access(in, c, true);
		break;
	case SCN_READ:
		do_access(in, c, false);
		break;
	case SCN_PIN:
		if (!in->default_dev)
			in->default_dev = dma_device_create("dev0");
		do_pin(in, c);
		break;
	case SCN_UNPIN:
		do_unpin(in, c);
		break;
	case SCN_WRITEBACK:
		do_writeback(in, c, WB_SYNC_NONE);
		break;
	case SCN_SYNC:
		do_writeback(in, c, WB_SYNC_ALL);
		break;
	case SCN_DMA:
		do_dma(in, c);
		break;
	case SCN_CHECK_DISK:
		interp_check_disk(in, c);
		break;
	case SCN_CHECK_FSCK:
		interp_check_fsck(in, c);
		break;
	case SCN_CHECK_PINNED:
		interp_check_pinned(in, c);
		break;
	case SCN_CHECK_VMSTAT:
		interp_check_vmstat(in, c);
		break;
	case SCN_CHECK_THP_STAT:
		interp_check_thp_stat(in, c);
		break;
	case SCN_CHECK_EVENTS:
		interp_check_events(in, c);
		break;
	case SCN_FORK:
		interp_fork(in, c);
		break;
	case SCN_EXIT:
		interp_exit(in, c);
		break;
	case SCN_CHECK_FOLIO:
		interp_check_folio(in, c);
		break;
	case SCN_MREMAP:
		interp_mremap(in, c);
		break;
	case SCN_THP:
		interp_thp(in, c);
		break;
	case SCN_MUNMAP:
	case SCN_MPROTECT:
	case SCN_MADVISE:
	case SCN_MIGRATE:
		interp_vma_op(in, c);
		break;
	case SCN_TRUNCATE:
		fl = &in->files[c->truncate.file];
		if (fl->file)
			interp_result(in, fs_truncate(fl->file, (loff_t)c->truncate.size), "truncate");
		break;
	case SCN_PUNCH:
		fl = &in->files[c->punch.file];
		if (fl->file)
			interp_result(in, fs_fallocate_punch_hole(fl->file, (loff_t)c->punch.offset,
								  (loff_t)c->punch.len), "punch hole");
		break;
	case SCN_SEAL:
		fl = &in->files[c->seal.file];
		if (!fl->file)
			break;
		if ((c->seal.seals & SCN_SEAL_EXEC) && !kernel_has(KSW_MEMFD_NOEXEC) && !c->has_result)
			interp_fail(in, SCN_NA, "seal exec: %s has no F_SEAL_EXEC (6.3)", kernel_selected());
		else
			interp_result(in, memfd_add_seals(fl->file, c->seal.seals), "F_ADD_SEALS");
		break;
	case SCN_CHMOD:
		fl = &in->files[c->chmod.file];
		if (fl->file)
			interp_result(in, fs_fchmod(fl->file, c->chmod.mode), "fchmod");
		break;
	case SCN_FALLOCATE:
		fl = &in->files[c->fallocate.file];
		if (fl->file)
			/* Model: a hugetlb file does not grow: past its size, EINVAL. */
			interp_result(in, is_file_hugepages(fl->file) ?
				      hugetlbfs_fallocate(fl->file, c->fallocate.offset, c->fallocate.len) :
				      fs_fallocate(fl->file, c->fallocate.keep_size ? FALLOC_FL_KEEP_SIZE : 0,
						   (loff_t)c->fallocate.offset, (loff_t)c->fallocate.len),
				      "fallocate");
		break;
	case SCN_RECLAIM:
		reclaim(~0UL >> 1);
		break;
	case SCN_DROP_CACHES:
		drop_caches(c->drop_caches.what);
		break;
	case SCN_LEASE:
	case SCN_UNLEASE:
		fl = &in->files[c->lease.file];
		if (fl->file && interp_result(in, c->kind == SCN_LEASE ? fs_lease_get(fl->file)
								   : fs_lease_put(fl->file), "lease"))
			fl->leases += c->kind == SCN_LEASE ? 1 : -1;
		break;
	case SCN_EXPECT_EVENT:
		in->expects[in->nr_expects++] = (struct interp_expect){ .cmd = c };
		break;
	case SCN_DEBUG_PINS:
		/* The debugging aid of the 2019 threads; off unless a scenario asks. */
		interp_result(in, pin_debug_set(true), "debug-pins");
		break;
	case SCN_PWRITE:
		do_pwrite(in, c);
		break;
	case SCN_CHECK_ZONE:
		interp_check_zone(in, c);
		break;
	case SCN_NR_CMDS:
		break;
	}
}
