/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The commands that change an address space after it is set up: fork,
 * munmap/mprotect/madvise (vma), mremap, exit, and the THP settings.
 */
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
#include <pinmm/vm/mm.h>
#include <pinmm/vm/swap.h>
#include "interp.h"

void interp_fork(struct interp *in, const struct scn_cmd *c)
{
	struct process *child = process_fork(in->procs[c->fork.parent],
					     scn_name(in->s, SCN_NS_PROC, c->fork.child));

	in->procs[c->fork.child] = child;
	interp_result(in, child ? 0 : -ENOMEM, "fork");
}

int scn_advice_to_madv(enum scn_advice a)
{
	static const int madv[SCN_NR_ADVICE] = {
		[SCN_MADV_DONTNEED] = MADV_DONTNEED,
		[SCN_MADV_DONTFORK] = MADV_DONTFORK,
		[SCN_MADV_DOFORK] = MADV_DOFORK,
		[SCN_MADV_WIPEONFORK] = MADV_WIPEONFORK,
		[SCN_MADV_KEEPONFORK] = MADV_KEEPONFORK,
		[SCN_MADV_HUGEPAGE] = MADV_HUGEPAGE,
		[SCN_MADV_NOHUGEPAGE] = MADV_NOHUGEPAGE,
		[SCN_MADV_PAGEOUT] = MADV_PAGEOUT,
		[SCN_MADV_COLLAPSE] = MADV_COLLAPSE,
	};

	return (unsigned int)a < SCN_NR_ADVICE ? madv[a] : -1;
}

/* thp: a write to /sys/kernel/mm/transparent_hugepage, as a test's thp_write_string(). */
void interp_thp(struct interp *in, const struct scn_cmd *c)
{
	static const enum transparent_hugepage_mode global[] = {
		[THP_ORDER_NEVER] = THP_NEVER, [THP_ORDER_MADVISE] = THP_MADVISE,
		[THP_ORDER_ALWAYS] = THP_ALWAYS,
	};

	if (c->thp.order == SCN_THP_ZEROPAGE) {
		WRITE_ONCE(huge_zero_page_enabled, (bool)c->thp.mode);
		interp_result(in, 0, "thp zeropage");
	} else if (c->thp.order == SCN_THP_ENABLED) {
		WRITE_ONCE(transparent_hugepage, global[c->thp.mode]);
		interp_result(in, 0, "thp enabled");
	} else {
		int err = thp_set_anon_order_mode((unsigned int)c->thp.order,
						  (enum thp_order_mode)c->thp.mode);

		/* A release without the file cannot build the memory the scenario means. */
		if (err == -ENOENT && !c->has_result) {
			interp_fail(in, SCN_NA, "thp: %s has no hugepages-%ukB/enabled (per-size THP "
				    "settings came with mTHP in 6.8)", kernel_selected(),
				    4u << c->thp.order);
			return;
		}
		interp_result(in, err, "thp (hugepages-<size>kB/enabled)");
	}
}

/* exit(): the mm goes with its mappings; pins taken through it keep their pages. */
void interp_exit(struct interp *in, const struct scn_cmd *c)
{
	struct process *p = in->procs[c->exit.proc];

	if (!p)
		return;
	in->procs[c->exit.proc] = NULL;
	process_destroy(p);
}

void interp_vma_op(struct interp *in, const struct scn_cmd *c)
{
	struct interp_map *m;
	struct mm_struct *mm;
	long ret;

	switch (c->kind) {
	case SCN_MUNMAP:
	case SCN_MIGRATE:
		m = &in->maps[c->vma.map];
		mm = interp_proc_mm(in, c->vma.proc);
		break;
	case SCN_MPROTECT:
		m = &in->maps[c->mprotect.map];
		mm = interp_proc_mm(in, c->mprotect.proc);
		break;
	default:
		m = &in->maps[c->madvise.map];
		mm = interp_proc_mm(in, c->madvise.proc);
		break;
	}
	if (!m->mapped)
		return;
	switch (c->kind) {
	case SCN_MUNMAP:
		interp_result(in, vm_munmap(mm, m->addr + c->vma.off,
					    c->vma.len ? c->vma.len : m->len), "munmap");
		break;
	case SCN_MPROTECT:
		interp_result(in, do_mprotect(mm, m->addr + c->mprotect.off,
					      c->mprotect.len ? c->mprotect.len : m->len,
					      c->mprotect.none ? PROT_NONE : PROT_READ |
					      (c->mprotect.writable ? PROT_WRITE : 0)), "mprotect");
		break;
	case SCN_MADVISE:
		interp_result(in, do_madvise(mm, m->addr + c->madvise.off,
					     c->madvise.len ? c->madvise.len : m->len,
					     scn_advice_to_madv(c->madvise.advice)), "madvise");
		break;
	default:
		/*
		 * move_pages()-style: a page that stays where it was (pinned or
		 * otherwise referenced) makes the call fail with -EBUSY.
		 */
		ret = migrate_range(mm, m->addr, m->len);
		if (ret >= 0 && (unsigned long)ret < m->len >> PAGE_SHIFT &&
		    node_page_state(PGMIGRATE_FAIL) > 0)
			ret = -EBUSY;
		interp_result(in, ret < 0 ? (int)ret : 0, "migrate");
		break;
	}
}

void interp_mremap(struct interp *in, const struct scn_cmd *c)
{
	const struct interp_map *m = &in->maps[c->mremap.map];
	struct interp_map *to = &in->maps[c->mremap.to];
	unsigned long len = c->mremap.len ? c->mremap.len : m->len;
	unsigned long newlen = c->mremap.newlen ? c->mremap.newlen : len;
	unsigned long flags = MREMAP_MAYMOVE, at = 0;
	long addr;

	if (!m->mapped)
		return;
	if (c->mremap.fixed.id >= 0) {
		if (!in->maps[c->mremap.fixed.id].mapped)
			return;
		flags |= MREMAP_FIXED;
		at = in->maps[c->mremap.fixed.id].addr + c->mremap.fixed.off;
	}
	addr = do_mremap(interp_proc_mm(in, c->mremap.proc), m->addr + c->mremap.off, len, newlen, flags,
			 at);
	if (!interp_result(in, addr < 0 ? (int)addr : 0, "mremap"))
		return;
	to->addr = (unsigned long)addr;
	to->len = newlen;
	to->file = m->file;
	to->mapped = true;
}
