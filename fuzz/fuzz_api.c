/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the model's own API: the input is a sequence of calls
 * (mmap of anon, file, memfd and hugetlb memory, munmap, mprotect, madvise
 * incl. MADV_PAGEOUT to a swap device and MADV_COLLAPSE, mremap, fork, exit,
 * CPU access, every get/pin entry point with any FOLL_* flags, every unpin
 * entry point, DMA, writeback, fsync, reclaim, migration, truncate, hole
 * punch, memfd seals, layout leases, per-size THP settings, drop_caches)
 * against one machine under the preset the first byte chooses. After every
 * sequence everything is given back and the invariants are checked: pins
 * balance (pin_outstanding() and nr_foll_pin_acquired/released), every page
 * is back in the buddy allocator, no swap slot is left, fsck is clean, and no
 * BUG or WARN was recorded except by a double unpin the sequence asked for
 * (which ends the sequence: what it leaves is the bug the kernel would have,
 * not a finding), by flags an entry point refuses, or as the preset's
 * release's or design's own known bug (fa_preset_bug_events()).
 *
 * Built with -DFUZZ_API_STANDALONE it is a test (tests/stress/test_fuzz_api.c)
 * that runs a fixed-seed set of sequences, so regressions show in make check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/gfp.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/mem/mmzone.h>
#include <pinmm/mem/rcu.h>
#include <pinmm/mem/vmstat.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/pin.h>
#include <pinmm/pin/debug.h>
#include <pinmm/vm/mm.h>
#include <pinmm/vm/swap.h>
#include <pinmm/mem/hugetlb.h>
#include <pinmm/mem/proxy.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/fs/blkfs.h>
#include <pinmm/fs/blockdev.h>
#include <pinmm/fs/fs.h>
#include <pinmm/fs/shmem.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/gup/gup.h>
#include <pinmm/dev/dma.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FA_PROCS	3
#define FA_MAPS		4	/* per process */
#define FA_HANDLES	6
#define FA_MAX_PAGES	16	/* per mapping and per pin */
#define FA_FILES	2	/* 0: blkfs (checksummed), 1: memfd */
#define FA_FILE_PAGES	32
#define FA_MAX_OPS	48
#define FA_HUGE_POOL	2	/* 2M pages in the hugetlb pool */
#define FA_SWAP_BYTES	(4UL << 20)

struct fa_input {
	const uint8_t *p;
	size_t n;
};

/* The next input byte reduced to [0, mod); 0 once the input is used up. */
static unsigned int take(struct fa_input *in, unsigned int mod)
{
	unsigned int v;

	if (!in->n || !mod)
		return 0;
	v = *in->p++;
	in->n--;
	return v % mod;
}

struct fa_map {
	unsigned long addr, pages;	/* 0: none */
};

enum fa_kind { FA_NONE, FA_GET, FA_PIN, FA_VADDR };

struct fa_handle {
	enum fa_kind kind;
	struct page *pages[FA_MAX_PAGES];
	long nr;
	unsigned int flags;		/* as passed to the entry point */
	struct vaddr_pin vp;
	struct dma_mr *mr;
};

struct fa_state {
	struct process *procs[FA_PROCS];
	struct fa_map maps[FA_PROCS][FA_MAPS];
	struct fa_handle h[FA_HANDLES];
	struct block_device *bdev;
	struct blkfs *blk;
	struct shmem_sb *shm;
	struct file *files[FA_FILES];
	int leases[FA_FILES];
	struct dma_device *dev;
	unsigned long free0;
	bool double_unpinned;
	bool no_machine;		/* the preset cannot run here (e.g. field without PAGE=72) */
	/* WARNs the sequence asked for: flag misuse GUP refuses with -EINVAL. */
	size_t allowed_events;
	char failure[256];
};

static void fa_fail(struct fa_state *st, const char *fmt, const char *what, long v)
{
	if (!st->failure[0])
		snprintf(st->failure, sizeof(st->failure), fmt, what, v);
}

static struct mm_struct *fa_mm(struct fa_state *st, unsigned int p)
{
	return st->procs[p] ? st->procs[p]->mm : NULL;
}

/* A mapped process, chosen from the input (or any, if the one chosen is gone). */
static int fa_proc(struct fa_state *st, struct fa_input *in)
{
	unsigned int p = take(in, FA_PROCS);

	for (unsigned int i = 0; i < FA_PROCS; i++)
		if (st->procs[(p + i) % FA_PROCS])
			return (int)((p + i) % FA_PROCS);
	return -1;
}

/* A range inside one of @p's mappings: its start and page count. */
static bool fa_range(struct fa_state *st, struct fa_input *in, int p, unsigned long *addr,
		     unsigned long *pages)
{
	struct fa_map *m = &st->maps[p][take(in, FA_MAPS)];
	unsigned long first;

	if (!m->addr)
		return false;
	first = take(in, (unsigned int)m->pages);
	*addr = m->addr + first * PAGE_SIZE;
	*pages = 1 + take(in, (unsigned int)(m->pages - first));
	/* A 2M mapping has more pages than a pin or an access takes. */
	if (*pages > FA_MAX_PAGES)
		*pages = FA_MAX_PAGES;
	return true;
}

static void op_mmap(struct fa_state *st, struct fa_input *in, int p)
{
	struct fa_map *m = &st->maps[p][take(in, FA_MAPS)];
	unsigned int kind = take(in, 7), pages = 1 + take(in, FA_MAX_PAGES);
	unsigned long prot = PROT_READ | (take(in, 4) ? PROT_WRITE : 0);
	unsigned long flags = take(in, 2) ? MAP_POPULATE : 0;
	struct file *file = NULL;
	long addr;

	if (m->addr)
		return;
	switch (kind) {
	case 0: flags |= MAP_PRIVATE | MAP_ANONYMOUS; break;
	case 1: flags |= MAP_SHARED | MAP_ANONYMOUS; break;
	case 2: flags |= MAP_SHARED; file = st->files[0]; break;
	case 3: flags |= MAP_PRIVATE; file = st->files[0]; break;
	case 4: flags |= MAP_SHARED; file = st->files[1]; break;
	/* hugetlb: one 2M page from the pool (MAP_HUGETLB|MAP_ANONYMOUS). */
	case 5: flags |= MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB; pages = HPAGE_PMD_NR; break;
	default: flags |= MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB; pages = HPAGE_PMD_NR; break;
	}
	/* Now and then an anonymous mapping of 2M, room for a PMD-mapped THP or mTHPs. */
	if (kind <= 1 && take(in, 4) == 0)
		pages = HPAGE_PMD_NR;
	addr = vm_mmap(fa_mm(st, (unsigned int)p), 0, (unsigned long)pages * PAGE_SIZE, prot,
		       flags, file, take(in, FA_FILE_PAGES - FA_MAX_PAGES));
	if (addr < 0)
		return;
	m->addr = (unsigned long)addr;
	m->pages = pages;
	if (take(in, 4) == 0)
		do_madvise(fa_mm(st, (unsigned int)p), m->addr, (size_t)pages * PAGE_SIZE,
			   MADV_HUGEPAGE);
}

static void op_munmap(struct fa_state *st, struct fa_input *in, int p)
{
	unsigned int i = take(in, FA_MAPS);
	struct fa_map *m = &st->maps[p][i];

	if (!m->addr)
		return;
	if (take(in, 2)) {
		if (!vm_munmap(fa_mm(st, (unsigned int)p), m->addr, m->pages * PAGE_SIZE))
			m->addr = 0;
		return;
	}
	/* A partial unmap of the tail keeps the head mapped (hugetlb: EINVAL). */
	if (m->pages > 1) {
		unsigned long keep = 1 + take(in, (unsigned int)(m->pages - 1));

		if (!vm_munmap(fa_mm(st, (unsigned int)p), m->addr + keep * PAGE_SIZE,
			       (m->pages - keep) * PAGE_SIZE))
			m->pages = keep;
	}
}

static void op_fork(struct fa_state *st, struct fa_input *in, int p)
{
	for (unsigned int c = 0; c < FA_PROCS; c++) {
		if (st->procs[c])
			continue;
		st->procs[c] = process_fork(st->procs[p], "child");
		if (st->procs[c])
			memcpy(st->maps[c], st->maps[p], sizeof(st->maps[c]));
		return;
	}
}

static void op_exit(struct fa_state *st, int p)
{
	process_destroy(st->procs[p]);
	st->procs[p] = NULL;
	memset(st->maps[p], 0, sizeof(st->maps[p]));
}

static const unsigned int fa_flag_bits[] = {
	FOLL_WRITE, FOLL_FORCE, FOLL_LONGTERM, FOLL_NOWAIT, FOLL_NOFAULT, FOLL_DUMP,
	FOLL_ANON, FOLL_SPLIT_PMD, FOLL_PCI_P2PDMA, FOLL_HWPOISON, FOLL_GET, FOLL_PIN,
	FOLL_TOUCH, FOLL_FAST_ONLY, 1U << 13,
};

/* Mostly the flags drivers pass; now and then anything, internal bits included. */
static unsigned int fa_flags(struct fa_input *in)
{
	unsigned int f = 0, n = take(in, 4);

	if (take(in, 2))
		f |= FOLL_WRITE;
	if (take(in, 3) == 0)
		f |= FOLL_LONGTERM;
	while (n--)
		if (take(in, 3) == 0)
			f |= fa_flag_bits[take(in, ARRAY_SIZE(fa_flag_bits))];
	return f;
}

static long fa_gup(struct fa_state *st, struct fa_input *in, struct mm_struct *mm,
		   unsigned long addr, unsigned long nr, struct fa_handle *h, unsigned int *entry,
		   unsigned int *flags_used)
{
	unsigned int flags = *flags_used = fa_flags(in);
	int locked = 1;
	long ret;

	*entry = take(in, 10);
	switch (*entry) {
	case 0:
		mmap_read_lock(mm);
		ret = get_user_pages(mm, addr, nr, flags, h->pages);
		mmap_read_unlock(mm);
		return ret;
	case 1:
		mmap_read_lock(mm);
		ret = get_user_pages_remote(mm, addr, nr, flags, h->pages, &locked);
		if (locked)
			mmap_read_unlock(mm);
		return ret;
	case 2:
		return get_user_pages_unlocked(mm, addr, nr, h->pages, flags);
	case 3:
		return get_user_pages_fast(mm, addr, (int)nr, flags, h->pages);
	case 4:
		return get_user_pages_fast_only(mm, addr, (int)nr, flags, h->pages);
	case 5:
		mmap_read_lock(mm);
		ret = pin_user_pages(mm, addr, nr, flags, h->pages);
		mmap_read_unlock(mm);
		return ret;
	case 6:
		mmap_read_lock(mm);
		ret = pin_user_pages_remote(mm, addr, nr, flags, h->pages, &locked);
		if (locked)
			mmap_read_unlock(mm);
		return ret;
	case 7:
		return pin_user_pages_unlocked(mm, addr, nr, h->pages, flags);
	case 8:
		return pin_user_pages_fast(mm, addr, (int)nr, flags, h->pages);
	default:
		/* Seed 002: a long-term pin under the file's layout lease. */
		h->vp.mm = mm;
		h->vp.f_owner = st->files[take(in, FA_FILES)];
		return vaddr_pin_pages(addr, nr, flags | FOLL_LONGTERM, h->pages, &h->vp);
	}
}

static void op_pin(struct fa_state *st, struct fa_input *in, int p)
{
	struct fa_handle *h = &st->h[take(in, FA_HANDLES)];
	unsigned long addr, nr;
	unsigned int entry, flags_used;
	long ret;
	size_t events, warns;

	if (h->kind != FA_NONE || !fa_range(st, in, p, &addr, &nr))
		return;
	events = mm_event_count();
	warns = mm_event_count_kind(MM_EV_WARN);
	ret = fa_gup(st, in, fa_mm(st, (unsigned int)p), addr, nr, h, &entry, &flags_used);
	/*
	 * The kernel WARNs (once) on flags an entry point does not take and
	 * refuses them (-EINVAL; 0 pages from the slow pin entry points): that
	 * is the sequence's doing. A WARN with any other outcome is a finding.
	 */
	if ((ret == -EINVAL || ret == 0) &&
	    mm_event_count_kind(MM_EV_WARN) - warns == mm_event_count() - events)
		st->allowed_events += mm_event_count() - events;
	if (ret < 0 || (unsigned long)ret > nr) {
		if (ret > 0)
			fa_fail(st, "%s returned %ld pages, more than asked for", "gup", ret);
		return;
	}
	h->nr = ret;
	if (!ret)
		return;
	h->flags = flags_used;
	h->kind = entry <= 4 ? FA_GET : entry <= 8 ? FA_PIN : FA_VADDR;
	if (h->kind != FA_GET && take(in, 2)) {
		int err = 0;

		h->mr = dma_mr_register_pages(st->dev, h->pages, (unsigned long)h->nr, &err);
	}
}

/* Entries that are proxies (the proxy tracker) or not physically contiguous rule out some unpins. */
static bool fa_plain_entries(const struct fa_handle *h, bool contiguous)
{
	for (long i = 0; i < h->nr; i++)
		if (page_is_proxy(h->pages[i]) || (contiguous && h->pages[i] != h->pages[0] + i))
			return false;
	return true;
}

/* unpin_folios(): one entry per page, so a large folio repeats (the batch folds them). */
static void fa_unpin_folios(struct fa_handle *h)
{
	struct folio *folios[FA_MAX_PAGES];

	for (long i = 0; i < h->nr; i++)
		folios[i] = page_folio(h->pages[i]);
	unpin_folios(folios, (unsigned long)h->nr);
}

static void fa_release(struct fa_handle *h, struct fa_input *in)
{
	bool dirty = in && take(in, 2);

	if (h->mr)
		dma_mr_deregister(h->mr);
	h->mr = NULL;
	switch (h->kind) {
	case FA_GET:
		for (long i = 0; i < h->nr; i++)
			put_page(h->pages[i]);
		break;
	case FA_PIN:
		switch (in ? take(in, 7) : 0) {
		case 0:
			unpin_user_pages(h->pages, (unsigned long)h->nr);
			break;
		case 1:
			unpin_user_pages_dirty_lock(h->pages, (unsigned long)h->nr, dirty);
			break;
		case 2:
			for (long i = 0; i < h->nr; i++)
				unpin_user_page(h->pages[i]);
			break;
		case 3:
			unpin_user_pages_flags(h->pages, (unsigned long)h->nr, h->flags, dirty);
			break;
		case 4:
			/*
			 * For pages pinned with their pfns in a row (a driver's
			 * sg entry). A proxy has no neighbours: the proxy
			 * tracker refuses it with a WARN, so not with those.
			 */
			if (fa_plain_entries(h, true)) {
				unpin_user_page_range_dirty_lock(h->pages[0], (unsigned long)h->nr,
								 dirty);
				break;
			}
			unpin_user_pages(h->pages, (unsigned long)h->nr);
			break;
		case 5:
			/* Folio interfaces take no proxy back (src/pin/proxy.c): not with those. */
			if (fa_plain_entries(h, false)) {
				fa_unpin_folios(h);
				break;
			}
			unpin_user_pages(h->pages, (unsigned long)h->nr);
			break;
		default:
			put_user_pages_dirty_lock(h->pages, (unsigned long)h->nr, dirty);
			break;
		}
		break;
	case FA_VADDR:
		vaddr_unpin_pages(h->pages, (unsigned long)h->nr, &h->vp, dirty);
		break;
	case FA_NONE:
		break;
	}
	h->kind = FA_NONE;
	h->nr = 0;
}

static void op_dma(struct fa_state *st, struct fa_input *in)
{
	struct fa_handle *h = &st->h[take(in, FA_HANDLES)];
	unsigned long len, off;

	if (!h->mr)
		return;
	off = take(in, (unsigned int)(h->nr * PAGE_SIZE / 512)) * 512UL;
	len = 1 + take(in, 255) * 64UL;
	if (off + len > (unsigned long)h->nr * PAGE_SIZE)
		len = (unsigned long)h->nr * PAGE_SIZE - off;
	if (take(in, 2)) {
		dma_mr_fill(h->mr, off, 0x40 + (int)take(in, 64), len);
	} else {
		unsigned char buf[512];

		dma_mr_read(h->mr, off, buf, len < sizeof(buf) ? len : sizeof(buf));
	}
}

static void op_access(struct fa_state *st, struct fa_input *in, int p, bool write)
{
	unsigned long addr, nr;
	unsigned char buf[256];

	if (!fa_range(st, in, p, &addr, &nr))
		return;
	addr += take(in, 16) * 256UL;
	if (write)
		uaccess_memset(fa_mm(st, (unsigned int)p), addr, 0x80 + (int)take(in, 64),
			       (size_t)nr * PAGE_SIZE - (addr & ~PAGE_MASK));
	else
		uaccess_read(fa_mm(st, (unsigned int)p), addr, buf, sizeof(buf));
}

static void op_file(struct fa_state *st, struct fa_input *in)
{
	unsigned int f = take(in, FA_FILES);
	struct file *file = st->files[f];
	loff_t off = (loff_t)take(in, FA_FILE_PAGES) * (loff_t)PAGE_SIZE;
	loff_t len = (loff_t)(1 + take(in, 8)) * (loff_t)PAGE_SIZE;
	unsigned char buf[PAGE_SIZE];

	switch (take(in, 7)) {
	case 6: {
		/* fcntl(F_ADD_SEALS) on the memfd: EBUSY while its pages are pinned or mapped writable. */
		static const unsigned int seals[] = { F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW,
						      F_SEAL_WRITE, F_SEAL_FUTURE_WRITE };
		unsigned int mask = 0, bits = take(in, 1U << ARRAY_SIZE(seals));

		for (unsigned int i = 0; i < ARRAY_SIZE(seals); i++)
			if (bits & (1U << i))
				mask |= seals[i];
		memfd_add_seals(st->files[1], mask);
		break;
	}
	case 0:
		memset(buf, 0xc0 + (int)take(in, 32), sizeof(buf));
		fs_write(file, off, buf, sizeof(buf));
		break;
	case 1:
		fs_truncate(file, off);
		break;
	case 2:
		fs_fallocate_punch_hole(file, off, len);
		break;
	case 3:
		fs_fsync(file);
		break;
	case 4:
		if (st->leases[f] && take(in, 2)) {
			if (!fs_lease_put(file))
				st->leases[f]--;
		} else if (!fs_lease_get(file)) {
			st->leases[f]++;
		}
		break;
	default:
		fs_read(file, off, buf, sizeof(buf));
		break;
	}
}

/* mremap(MREMAP_MAYMOVE) of a whole mapping to a new length: moves, grows or shrinks it. */
static void op_mremap(struct fa_state *st, struct fa_input *in, int p)
{
	struct fa_map *m = &st->maps[p][take(in, FA_MAPS)];
	unsigned long pages = 1 + take(in, FA_MAX_PAGES);
	long addr;

	if (!m->addr)
		return;
	addr = do_mremap(fa_mm(st, (unsigned int)p), m->addr, m->pages * PAGE_SIZE,
			 pages * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	if (addr < 0)
		return;
	m->addr = (unsigned long)addr;
	m->pages = pages;
}

static void op_mm(struct fa_state *st, struct fa_input *in, int p)
{
	static const int advice[] = { MADV_DONTNEED, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTFORK,
				      MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_PAGEOUT,
				      MADV_COLLAPSE };
	static const unsigned long prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };
	struct mm_struct *mm = fa_mm(st, (unsigned int)p);
	unsigned long addr, nr;

	if (take(in, 4) == 0) {
		op_mremap(st, in, p);
		return;
	}
	if (!fa_range(st, in, p, &addr, &nr))
		return;
	switch (take(in, 3)) {
	case 0:
		do_mprotect(mm, addr, nr * PAGE_SIZE, prots[take(in, ARRAY_SIZE(prots))]);
		break;
	case 1:
		do_madvise(mm, addr, nr * PAGE_SIZE, advice[take(in, ARRAY_SIZE(advice))]);
		break;
	default:
		migrate_range(mm, addr, nr * PAGE_SIZE);
		break;
	}
}

static void op_system(struct fa_state *st, struct fa_input *in)
{
	switch (take(in, 5)) {
	case 4:
		/* hugepages-<size>kB/enabled for an mTHP size (ENOENT before 6.8). */
		thp_set_anon_order_mode(2 + take(in, HPAGE_PMD_ORDER - 1),
					(enum thp_order_mode)take(in, 4));
		break;
	case 0:
		writeback_inodes(&st->blk->sb, WB_SYNC_NONE);
		break;
	case 1:
		writeback_inodes(&st->blk->sb, WB_SYNC_ALL);
		break;
	case 2:
		reclaim(1 + take(in, 64));
		break;
	default:
		drop_caches(3);
		break;
	}
}

/*
 * The bug a driver can have: unpin a pin it already gave back. Ends the
 * sequence. Only of anonymous memory: what a double unpin of a page-cache
 * page leaves (a folio whose count can never return, so its inode and page
 * cache can never be torn down) is the kernel's leak too, and would be
 * reported as the harness's.
 */
static bool op_double_unpin(struct fa_state *st, struct fa_input *in)
{
	struct fa_handle *h = &st->h[take(in, FA_HANDLES)];
	struct page *page;

	if (h->kind != FA_PIN || !folio_test_anon(page_folio(h->pages[0])))
		return false;
	page = h->pages[0];
	fa_release(h, NULL);
	unpin_user_page(page);
	st->double_unpinned = true;
	return true;
}

static void fa_run_ops(struct fa_state *st, struct fa_input *in)
{
	for (unsigned int n = 0; n < FA_MAX_OPS && in->n; n++) {
		unsigned int op = take(in, 14);
		int p = fa_proc(st, in);

		if (p < 0)
			return;
		switch (op) {
		case 0: op_mmap(st, in, p); break;
		case 1: op_munmap(st, in, p); break;
		case 2: op_mm(st, in, p); break;
		case 3: op_fork(st, in, p); break;
		case 4: if (p) op_exit(st, p); break;	/* process 0 stays: somebody runs */
		case 5: op_access(st, in, p, true); break;
		case 6: op_access(st, in, p, false); break;
		case 7: case 8: op_pin(st, in, p); break;
		case 9: fa_release(&st->h[take(in, FA_HANDLES)], in); break;
		case 10: op_dma(st, in); break;
		case 11: op_file(st, in); break;
		case 12: op_system(st, in); break;
		default:
			if (take(in, 8) == 0 && op_double_unpin(st, in))
				return;
			break;
		}
	}
}

static void fsck_report(const char *msg, void *arg)
{
	struct fa_state *st = arg;

	if (!st->failure[0])
		snprintf(st->failure, sizeof(st->failure), "fsck: %s", msg);
}

static int fa_machine_up(struct fa_state *st, const struct pin_preset *preset)
{
	struct mem_config cfg = {
		.ram_bytes = 32UL << 20,
		.movable_bytes = 4UL << 20,
		.cma_bytes = 4UL << 20,
	};
	int err = mem_init(&cfg);

	if (err)
		return err;
	err = pin_preset_apply(preset);
	if (!err)
		err = pin_debug_set(false);
	if (err) {
		mem_exit();
		st->no_machine = true;
		return err;
	}
	fs_install_hooks();
	thp_reset_anon_orders();
	st->free0 = nr_free_pages();
	/* Given back before the leak check: what the pool and swap hold is theirs. */
	if (hugetlb_set_nr_pages(&default_hstate, FA_HUGE_POOL) != FA_HUGE_POOL || swapon_mem(FA_SWAP_BYTES))
		return -ENOMEM;
	st->bdev = bdev_create("d0", 4UL << 20, true);
	st->blk = st->bdev ? blkfs_mount(st->bdev, "d0", BLKFS_CHECKSUM) : NULL;
	st->shm = shmem_mount("t0");
	st->dev = dma_device_create("rdma0");
	st->procs[0] = process_create("p");
	if (st->blk)
		st->files[0] = fs_open(&st->blk->sb, "f", FS_O_CREAT, &err);
	if (st->shm)
		st->files[1] = memfd_create_file(st->shm, "m", MFD_ALLOW_SEALING, &err);
	if (!st->files[0] || !st->files[1] || !st->dev || !st->procs[0])
		return -ENOMEM;
	if (fs_truncate(st->files[0], FA_FILE_PAGES * PAGE_SIZE) ||
	    fs_truncate(st->files[1], FA_FILE_PAGES * PAGE_SIZE))
		return -ENOMEM;
	return 0;
}

/*
 * The events that are the preset's own bug, not the model's.
 * - The release's: before 6.4 reclaim released the buffers of a pinned
 *   page-cache folio, and the unpin's set_page_dirty() then handed ext4 a
 *   dirty folio without buffers (BUG before 5.18, a warning and a dropped
 *   write after: scenario 02). A release that has reclaim keep pinned folios
 *   must never show it.
 * - The design's: mapcount and pagelock (seed 004) count pins in the head
 *   page's _mapcount, so a pinned folio reads as mapped (src/pin/mapcount.c):
 *   a shmem file released while its folio is pinned trips the cache's
 *   WARN_ON_ONCE(folio_mapped()), as the kernel's filemap_unaccount_folio()
 *   would under that design.
 * - lru-nov2018's: the RFC's repost stores pin state in page->lru, so a pin
 *   of a folio reclaim or migration has isolated writes into their list; the
 *   tracker records that as the design's BUG ("lru-nov2018: ..."), as in 14c.
 */
static size_t fa_preset_bug_events(void)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);
	const char *tracker = t ? t->name : "";
	bool in_mapcount = !strcmp(tracker, "mapcount") || !strcmp(tracker, "mapcount-nobarrier") ||
			   !strcmp(tracker, "pagelock");
	bool release_bug = !kernel_has(KSW_RECLAIM_KEEPS_PINNED_PRIVATE);
	struct mm_event ev;
	size_t n = 0;

	for (size_t i = 0; mm_event_get(i, &ev) == 0; i++)
		if ((release_bug && (strstr(ev.text, "folio has no buffers") ||
				     strstr(ev.text, "does not have buffers attached"))) ||
		    (in_mapcount && ev.kind == MM_EV_WARN && strstr(ev.text, "(folio_mapped(folio))")) ||
		    (!strcmp(tracker, "lru-nov2018") && !strncmp(ev.text, "lru-nov2018: ", 13)))
			n++;
	return n;
}

/* Give everything back, check what must hold, bring the machine down. */
static void fa_machine_down(struct fa_state *st)
{
	bool check = !st->double_unpinned && !st->failure[0];

	if (st->no_machine)
		return;
	for (int i = 0; i < FA_HANDLES; i++)
		fa_release(&st->h[i], NULL);
	for (int i = 0; i < FA_PROCS; i++)
		if (st->procs[i])
			process_destroy(st->procs[i]);
	for (int f = 0; f < FA_FILES; f++) {
		while (st->files[f] && st->leases[f]-- > 0)
			fs_lease_put(st->files[f]);
	}
	if (check && pin_outstanding() != 0)
		fa_fail(st, "%s: %ld pins outstanding after every handle was released",
			"pin_outstanding", pin_outstanding());
	if (check && node_page_state(NR_FOLL_PIN_ACQUIRED) != node_page_state(NR_FOLL_PIN_RELEASED))
		fa_fail(st, "%s: acquired - released = %ld", "nr_foll_pin",
			node_page_state(NR_FOLL_PIN_ACQUIRED) - node_page_state(NR_FOLL_PIN_RELEASED));
	if (check && st->blk && st->files[0]) {
		fs_fsync(st->files[0]);
		blkfs_fsck(st->blk, fsck_report, st);
	}
	for (int f = 0; f < FA_FILES; f++)
		if (st->files[f])
			fput(st->files[f]);
	dma_device_destroy(st->dev);
	if (st->blk)
		blkfs_umount(st->blk);
	if (st->shm)
		shmem_umount(st->shm);
	/* Every process is gone, so every swap PTE: a slot still in use is a leak. */
	if (swap_enabled()) {
		unsigned long leaked = swap_reset();

		if (check && leaked)
			fa_fail(st, "%s: %ld swap slots still in use with every process gone",
				"swap", (long)leaked);
	}
	hugetlb_pool_release();
	thp_reset_anon_orders();
	mm_rcu_barrier();	/* page tables go back after a grace period */
	if (check && nr_free_pages() != st->free0)
		fa_fail(st, "%s: %ld pages not back in the buddy allocator", "leak",
			(long)(st->free0 - nr_free_pages()));
	if (check && buddy_check_integrity())
		fa_fail(st, "%s: the buddy allocator's lists are inconsistent (%ld)", "buddy",
			(long)buddy_check_integrity());
	st->allowed_events += fa_preset_bug_events();
	if (check && mm_event_count() > st->allowed_events) {
		struct mm_event ev;

		/* Name the first event that is not a WARN, or else the last one. */
		for (size_t i = 0; mm_event_get(i, &ev) == 0; i++)
			if (ev.kind != MM_EV_WARN)
				break;
		if (!st->failure[0])
			snprintf(st->failure, sizeof(st->failure), "unexpected %s: %s",
				 mm_event_kind_names[ev.kind], ev.text);
	}
	bdev_destroy(st->bdev);
	mem_exit();
}

/* Run one sequence; NULL, or what went wrong (a static buffer). */
static const char *fa_run_one(const uint8_t *data, size_t size, const char **preset_name)
{
	static char failure[sizeof(((struct fa_state *)0)->failure) + 64];
	struct fa_input in = { data, size };
	struct fa_state st = { 0 };
	size_t nr_presets = 0;
	const struct pin_preset *preset;

	while (pin_presets[nr_presets])
		nr_presets++;
	preset = pin_presets[take(&in, (unsigned int)nr_presets)];
	*preset_name = preset->name;
	if (fa_machine_up(&st, preset)) {
		st.double_unpinned = true;	/* what is up comes down, unchecked */
		fa_machine_down(&st);
		return NULL;	/* no machine: nothing to check */
	}
	fa_run_ops(&st, &in);
	fa_machine_down(&st);
	if (!st.failure[0])
		return NULL;
	snprintf(failure, sizeof(failure), "%s", st.failure);
	return failure;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *preset, *failure = fa_run_one(data, size, &preset);

	if (failure) {
		fprintf(stderr, "fuzz_api: under %s: %s\n", preset, failure);
		/* Fuzzing harness, not the library: abort() is how it reports. */
		abort();
	}
	return 0;
}
