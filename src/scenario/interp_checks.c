/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The check commands: what a scenario asserts about the machine (the disk's
 * blocks, fsck, pins, zones, vmstat, events, swap, folios), each failing the
 * cell with the reason.
 */
#include <stdlib.h>
#include <string.h>
#include <pinmm/gup/gup.h>
#include <pinmm/mem/kernel.h>
#include <pinmm/mem/proxy.h>
#include <pinmm/pin/debug.h>
#include <pinmm/devmap/pmem.h>
#include <pinmm/fs/fs.h>
#include <pinmm/fs/memfd.h>
#include <pinmm/fs/vmscan.h>
#include <pinmm/fs/writeback.h>
#include <pinmm/vm/mm.h>
#include <pinmm/vm/swap.h>
#include "interp.h"

void interp_check_disk(struct interp *in, const struct scn_cmd *c)
{
	struct interp_file *fl = &in->files[c->check_disk.at.id];
	struct interp_fs *f = &in->fs[fl->fs];
	uint64_t off = c->check_disk.at.off, end = off + c->check_disk.len;
	unsigned char buf[PAGE_SIZE];

	if (!fl->file || !f->blk)
		return;
	for (; off < end; off = (off & PAGE_MASK) + PAGE_SIZE) {
		size_t in_blk = off & ~PAGE_MASK;
		size_t n = (size_t)min_t(uint64_t, PAGE_SIZE - in_blk, end - off);
		sector_t blk = blkfs_bmap(file_inode(fl->file), (pgoff_t)(off >> PAGE_SHIFT));
		char what[64];

		if (!blk) {
			interp_fail(in, SCN_CORRUPT, "file offset %#llx has no block on disk",
				    (unsigned long long)off);
			return;
		}
		bdev_peek(f->bdev, blk, in_blk, buf, n);
		snprintf(what, sizeof(what), "disk block %llu", (unsigned long long)blk);
		if (!interp_expect_bytes(in, buf, n, c->check_disk.byte, what))
			return;
	}
}

static void fsck_report(const char *msg, void *arg)
{
	char *first = arg;

	if (!first[0])
		snprintf(first, SCN_REASON_MAX / 2, "%s", msg);
}

void interp_check_fsck(struct interp *in, const struct scn_cmd *c)
{
	struct interp_fs *f = &in->fs[c->check_fsck.fs];
	char first[SCN_REASON_MAX / 2] = "";
	int n;

	if (!f->blk)
		return;
	n = blkfs_fsck(f->blk, fsck_report, first);
	if (n)
		interp_fail(in, SCN_CORRUPT, "fsck: %d problem(s): %s", n, first);
}

void interp_check_pinned(struct interp *in, const struct scn_cmd *c)
{
	struct interp_handle *h = &in->handles[c->check_pinned.handle];

	if (!interp_handle_usable(in, c->check_pinned.handle))
		return;
	for (unsigned long i = 0; i < h->nr; i++) {
		bool pinned = page_maybe_dma_pinned(h->pages[i]);

		if (pinned != c->check_pinned.pinned) {
			interp_fail(in, SCN_CORRUPT, "page %lu of the handle %s pinned",
				    i, pinned ? "is" : "is not");
			return;
		}
	}
}

/* @entry is a GUP result: a proxy tracker's entries front the real page. */
static enum scn_zone page_scn_zone(struct page *entry)
{
	struct page *page = canonical_page(entry);

	switch (page_zonenum(page)) {
	case ZONE_MOVABLE:
		return SCN_ZONE_MOVABLE;
	case ZONE_DEVICE:
		return SCN_ZONE_DEVICE;
	default:
		return is_migrate_cma_page(page) ? SCN_ZONE_CMA : SCN_ZONE_NORMAL;
	}
}

void interp_check_zone(struct interp *in, const struct scn_cmd *c)
{
	struct interp_handle *h = &in->handles[c->check_zone.handle];

	if (!interp_handle_usable(in, c->check_zone.handle))
		return;
	if (!h->nr) {
		interp_error(in, "check zone: handle %s holds no pages (an ODP mirror pins none)",
			     scn_name(in->s, SCN_NS_HANDLE, c->check_zone.handle));
		return;
	}
	for (unsigned long i = 0; i < h->nr; i++) {
		enum scn_zone z = page_scn_zone(h->pages[i]);

		if (z != c->check_zone.zone) {
			interp_fail(in, SCN_CORRUPT, "page %lu of the handle (pfn %#lx) is in %s, not %s",
				    i, page_to_pfn(h->pages[i]), scn_zone_names[z],
				    scn_zone_names[c->check_zone.zone]);
			return;
		}
	}
}

void interp_check_vmstat(struct interp *in, const struct scn_cmd *c)
{
	for (size_t i = 0; i < c->check_vmstat.nr; i++) {
		const struct scn_stat *st = &c->check_vmstat.v[i];
		enum node_stat_item item;
		long v;

		if (vmstat_lookup(st->name, &item)) {
			interp_fail(in, SCN_CORRUPT, "no vmstat counter %s", st->name);
			return;
		}
		v = node_page_state(item);
		if (v != st->value) {
			interp_fail(in, SCN_CORRUPT, "%s is %ld, expected %ld", st->name, v, st->value);
			return;
		}
	}
}

/*
 * hugepages-<size>kB/stats/: the directory came in 6.10 and exists for the
 * sizes of THP_ORDERS_ALL (anon orders 2+, order 1 for the page cache).
 * A counter the model's paths never change cannot be checked against it.
 */
void interp_check_thp_stat(struct interp *in, const struct scn_cmd *c)
{
	int order = c->check_vmstat.order;

	if (!kernel_has(KSW_MTHP_STATS)) {
		interp_fail(in, SCN_NA, "check thp-stat: %s has no hugepages-<size>kB/stats "
			    "(per-size THP counters came in 6.10)", kernel_selected());
		return;
	}
	for (size_t i = 0; i < c->check_vmstat.nr; i++) {
		const struct scn_stat *st = &c->check_vmstat.v[i];
		enum mthp_stat_item item;
		long v;

		if (mthp_stat_lookup(st->name, &item)) {
			interp_fail(in, SCN_CORRUPT, "no hugepages-<size>kB/stats/%s", st->name);
			return;
		}
		if (!mthp_stat_modelled(item)) {
			interp_fail(in, SCN_NA, "check thp-stat: the model never counts %s (no memcg "
				    "charge, no large shmem folios)", st->name);
			return;
		}
		v = mthp_stat_read(order, item);
		if (v != st->value) {
			interp_fail(in, SCN_CORRUPT, "hugepages-%lukB/stats/%s is %ld, expected %ld",
				    4UL << order, st->name, v, st->value);
			return;
		}
	}
}

void interp_check_events(struct interp *in, const struct scn_cmd *c)
{
	for (int k = 0; k < MM_EV_NR; k++) {
		long want = c->check_events.count[k];
		long have = (long)mm_event_count_kind((enum mm_event_kind)k);

		if (want >= 0 && have != want) {
			interp_fail(in, have && k != MM_EV_CSUM ? SCN_BUG : SCN_CORRUPT,
				    "%ld %s event(s), expected %ld", have, mm_event_kind_names[k], want);
			return;
		}
	}
}

/* check folio: what the folio behind page N of a handle is, as the kernel keeps it. */
/* pagemap_is_swapped() over the range: all of it (yes) or none of it (no). */
void interp_check_swapped(struct interp *in, const struct scn_cmd *c)
{
	const struct interp_map *m = &in->maps[c->check_swapped.map];
	struct mm_struct *mm = interp_proc_mm(in, c->check_swapped.proc);
	unsigned long len = c->check_swapped.len ? c->check_swapped.len : m->len;
	long n;

	if (!m->mapped || !mm)
		return;
	n = mm_range_swapped(mm, m->addr + c->check_swapped.off, len);
	if (c->check_swapped.swapped ? (unsigned long)n != len >> PAGE_SHIFT : n != 0)
		interp_fail(in, SCN_CORRUPT, "%ld of %lu page(s) swapped out, expected %s", n,
			    len >> PAGE_SHIFT, c->check_swapped.swapped ? "all" : "none");
}

void interp_check_folio(struct interp *in, const struct scn_cmd *c)
{
	struct interp_handle *h = &in->handles[c->check_folio.handle];
	struct page *page;
	struct folio *folio;
	long pins;

	if (!interp_handle_usable(in, c->check_folio.handle))
		return;
	if (c->check_folio.page >= h->nr) {
		interp_error(in, "check folio: page=%llu, but the handle holds %lu page(s)",
			     (unsigned long long)c->check_folio.page, h->nr);
		return;
	}
	page = h->pages[c->check_folio.page];
	folio = page_folio(page);
	if (c->check_folio.order >= 0 && (int)folio_order(folio) != c->check_folio.order) {
		interp_fail(in, SCN_CORRUPT, "check folio: page %llu is in a folio of order %u, not %d",
			    (unsigned long long)c->check_folio.page, folio_order(folio),
			    c->check_folio.order);
		return;
	}
	if (c->check_folio.large >= 0 && folio_test_large(folio) != (bool)c->check_folio.large) {
		interp_fail(in, SCN_CORRUPT, "check folio: page %llu is in a %s folio",
			    (unsigned long long)c->check_folio.page,
			    folio_test_large(folio) ? "large" : "small");
		return;
	}
	if (c->check_folio.hugetlb > 0 && !folio_test_hugetlb(folio)) {
		interp_fail(in, SCN_CORRUPT, "check folio: page %llu is not in a hugetlb folio",
			    (unsigned long long)c->check_folio.page);
		return;
	}
	if (c->check_folio.exclusive >= 0) {
		/* A hugetlb folio keeps PageAnonExclusive on its head, as mainline's PageAnonExclusive(). */
		bool excl = folio_test_anon(folio) &&
			    PageAnonExclusive(folio_test_hugetlb(folio) ? &folio->page : page);

		if (excl != (bool)c->check_folio.exclusive) {
			interp_fail(in, SCN_CORRUPT, "check folio: page %llu is %s",
				    (unsigned long long)c->check_folio.page,
				    excl ? "PageAnonExclusive" : "not PageAnonExclusive");
			return;
		}
	}
	if (c->check_folio.pincount >= 0) {
		pins = pin_config.tracker->pincount(folio);
		if (pins < 0) {
			/* The design cannot know (bias on a small folio): say so. */
			interp_fail(in, SCN_NA,
				    "check folio pincount=: the %s tracker keeps no exact count for this folio",
				    pin_config.tracker->name);
			return;
		}
		if (pins != c->check_folio.pincount)
			interp_fail(in, SCN_CORRUPT, "check folio: page %llu's folio has %ld pin(s), not %ld",
				    (unsigned long long)c->check_folio.page, pins,
				    c->check_folio.pincount);
	}
}
