/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario interpreter over the host layer: `pinmm run --preset host`
 * carries each command out on the running kernel (docs/host.md has the whole
 * mapping). The cell is decided by the model interpreter's own rules
 * (interp_fail(), interp_result() of interp.c); a command the host cannot
 * carry out ends the run with SCN_NA and says why.
 *
 * The run happens in an isolated child (interp_host_run.c): a private
 * directory, a private mount namespace as root, a time limit, and nothing
 * left behind whichever way it ends.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pinmm/pin/preset.h>
#include <pinmm/scenario/format.h>
#include "interp_host.h"

#define HOST_PAGE 4096ULL

void host_na(struct hrun *r, const char *fmt, ...)
{
	struct scenario_result *res = r->in.res;
	va_list ap;

	r->in.stop = true;
	if (res->cell != SCN_PASS)
		return;
	res->cell = SCN_NA;
	res->line = r->in.cur ? r->in.cur->line : 0;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	if (r->in.trace)
		interp_trace(r->in.trace, "scenario: line %u: n/a: %s\n", res->line, res->reason);
}

/* Errors that mean the run, not the kernel's answer, went wrong. */
static bool run_failed(struct hrun *r, int err)
{
	if (err != -ETIMEDOUT && err != -ECHILD && err != -ESRCH)
		return false;
	if (!r->fatal)
		r->fatal = err == -ESRCH ? -ECHILD : err;
	r->in.stop = true;
	return true;
}

static bool result(struct hrun *r, int err, const char *what)
{
	if (run_failed(r, err))
		return false;
	return interp_result(&r->in, err, what);
}

static void mismatch(struct hrun *r, const struct host_mismatch *mm, uint8_t want,
		     const char *what)
{
	if (mm->bad)
		interp_fail(&r->in, SCN_CORRUPT, "%s found 0x%02x at +%llu, expected 0x%02x", what,
			    mm->found, (unsigned long long)mm->off, want);
}

static void mark_unsafe(struct hrun *r)
{
	r->have_unsafe = true;
	r->unsafe_idx = r->idx;
	r->unsafe_line = r->in.cur->line;
}

static void do_memory(struct hrun *r, const struct scn_cmd *c)
{
	long free;

	if (c->memory.movable || c->memory.cma) {
		host_na(r, "ZONE_MOVABLE and CMA are the host's boot configuration (movablecore=, cma=), "
		      "not a scenario's");
		return;
	}
	/* The host's pools are the host's: pinmm never resizes them (nr_hugepages is global). */
	if (c->memory.hugepages_1g) {
		free = host_free_hugepages(1048576);
		if (free < 0 || (uint64_t)free < c->memory.hugepages_1g) {
			host_na(r, "the host's 1G hugetlb pool has %ld free pages, the scenario needs %llu "
				"(pinmm does not reserve host huge pages: nr_hugepages is the host's)",
				free < 0 ? 0 : free, (unsigned long long)c->memory.hugepages_1g);
			return;
		}
	}
	if (!c->memory.hugepages)
		return;
	free = host_free_hugepages(2048);
	if (free < 0 || (uint64_t)free < c->memory.hugepages)
		host_na(r, "the host's hugetlb pool has %ld free 2M pages, the scenario needs %llu "
			"(pinmm does not reserve host huge pages: nr_hugepages is the host's)",
			free < 0 ? 0 : free, (unsigned long long)c->memory.hugepages);
}

/*
 * The scenario's swap device is the host's: without one, MADV_PAGEOUT swaps
 * nothing (cow.c skips: "MADV_PAGEOUT did not work, is swap enabled?").
 */
static void do_swap(struct hrun *r)
{
	int n = host_swap_devices();

	if (n < 0)
		host_na(r, "/proc/swaps: %s", strerror(-n));
	else if (!n)
		host_na(r, "no swap device on the host (/proc/swaps lists none): MADV_PAGEOUT cannot "
		      "swap anything out, as cow.c's \"is swap enabled?\" skip says");
}

static void do_check_swapped(struct hrun *r, const struct scn_cmd *c)
{
	const struct hmap *m = &r->maps[c->check_swapped.map];
	uint64_t len = c->check_swapped.len ? c->check_swapped.len : m->len, nr;
	int err;

	if (!m->mapped)
		return;
	err = host_pagemap_swapped(r->hs, r->procs[c->check_swapped.proc],
				   m->addr + c->check_swapped.off, len, &nr);
	if (err) {
		host_na(r, "/proc/PID/pagemap: %s", strerror(-err));
		return;
	}
	if (c->check_swapped.swapped ? nr != len / 4096 : nr != 0)
		interp_fail(&r->in, SCN_CORRUPT, "%llu of %llu page(s) swapped out, expected %s",
			    (unsigned long long)nr, (unsigned long long)(len / 4096),
			    c->check_swapped.swapped ? "all" : "none");
}

static void do_disk(struct hrun *r, const struct scn_cmd *c)
{
	char why[HOST_WHY_MAX] = "";
	int err;

	if (c->disk.dax) {
		host_na(r, "a dax disk needs a pmem device (fsdax namespace); the host run uses loop devices");
		return;
	}
	err = host_disk_create(r->hs, c->disk.size, c->disk.checksum, &r->fs[c->disk.fs], why,
			       sizeof(why));
	if (run_failed(r, err))
		return;
	if (err)
		host_na(r, "%s", why[0] ? why : strerror(-err));
}

static void do_file(struct hrun *r, const struct scn_cmd *c)
{
	const struct scn_cmd *fs_cmd = NULL;
	int fs = r->fs[c->file.fs];

	for (size_t i = 0; i < r->in.s->nr_cmds; i++)
		if (r->in.s->cmds[i].kind == SCN_TMPFS && r->in.s->cmds[i].tmpfs.fs == c->file.fs)
			fs_cmd = &r->in.s->cmds[i];
	if (fs_cmd && fs_cmd->tmpfs.size && c->file.size > fs_cmd->tmpfs.size) {
		host_na(r, "a memfd has no size= limit to run out of");
		return;
	}
	if (fs < 0)
		return;
	result(r, host_file_create_flags(r->hs, fs, scn_name(r->in.s, SCN_NS_FILE, c->file.file),
					 c->file.size, c->file.fill,
					 (c->file.sealing ? HOST_FILE_SEALING : 0) |
					 (c->file.exec ? HOST_FILE_EXEC : 0) |
					 (c->file.noexec_seal ? HOST_FILE_NOEXEC_SEAL : 0),
					 &r->files[c->file.file]), "file");
}

/*
 * thp: the host's THP settings are the machine's, shared by every process on
 * it, so the run does not change them: it goes on where the host already has
 * the setting the scenario asks for, and is n/a otherwise.
 */
static void do_thp(struct hrun *r, const struct scn_cmd *c)
{
	char file[64], want[16], have[32];
	int err;

	if (c->thp.order == SCN_THP_ZEROPAGE) {
		snprintf(file, sizeof(file), "use_zero_page");
		snprintf(want, sizeof(want), "%d", c->thp.mode);
	} else if (c->thp.order == SCN_THP_ENABLED) {
		snprintf(file, sizeof(file), "enabled");
		snprintf(want, sizeof(want), "%s", scn_thp_modes[c->thp.mode]);
	} else {
		snprintf(file, sizeof(file), "hugepages-%ukB/enabled", 4u << c->thp.order);
		snprintf(want, sizeof(want), "%s", scn_thp_modes[c->thp.mode]);
	}
	err = host_thp_setting(file, have, sizeof(have));
	if (err) {
		host_na(r, "the host has no /sys/kernel/mm/transparent_hugepage/%s (%s)", file,
			strerror(-err));
		return;
	}
	if (strcmp(have, want))
		host_na(r, "the host's transparent_hugepage/%s is '%s', the scenario needs '%s' "
			"(the host run does not change the machine's THP settings)", file, have, want);
}

static void do_mmap(struct hrun *r, const struct scn_cmd *c)
{
	struct host_mmap_args a = {
		.file = c->mmap.file >= 0 ? r->files[c->mmap.file] : -1,
		.len = c->mmap.len, .offset = c->mmap.offset, .shared = c->mmap.shared,
		.writable = c->mmap.writable, .thp = c->mmap.thp, .populate = c->mmap.populate,
		.hugetlb = c->mmap.hugetlb, .hugetlb_1g = c->mmap.hugetlb_1g,
	};
	struct hmap *m = &r->maps[c->mmap.map];
	uint64_t addr = 0;

	int err;

	if (c->mmap.file >= 0 && a.file < 0)
		return;		/* the file was refused */
	err = host_mmap(r->hs, r->procs[c->mmap.proc], &a, &addr);
	/*
	 * Only a write seal makes a read-only shared mmap of a file EPERM, and a
	 * host kernel before 6.7 (or 6.12.0) refuses that mapping: n/a, as the
	 * model's release presets have it.
	 */
	if (err == -EPERM && a.file >= 0 && a.shared && !a.writable && !c->has_result) {
		host_na(r, "the host kernel maps no write-sealed memfd shared, not even read-only "
			"(EPERM: before 6.7, and 6.12)");
		return;
	}
	if (!result(r, err, "mmap"))
		return;
	*m = (struct hmap){ .addr = addr, .len = c->mmap.len, .mapped = true };
}

static void do_access(struct hrun *r, const struct scn_cmd *c, bool write)
{
	const struct hmap *m = &r->maps[c->access.at.id];
	struct host_mismatch mm = { 0 };
	int err;

	if (!m->mapped)
		return;
	err = host_access(r->hs, r->procs[c->access.proc], m->addr + c->access.at.off,
			  c->access.len, write, c->access.byte, !write && c->access.has_byte, &mm);
	if (result(r, err, write ? "write" : "read"))
		mismatch(r, &mm, c->access.byte, "read");
}

/*
 * Can this short-term pin be held for real (fuse.c)? When the next command
 * using the handle is the device's access to all of it, in the pin's own
 * direction — what a read(2) or write(2) in flight ends with — and no other
 * held request is outstanding.
 */
static bool held_fits(struct hrun *r, const struct scn_cmd *c)
{
	const struct scenario *s = r->in.s;

	for (size_t i = 0; i < s->names[SCN_NS_HANDLE].nr; i++)
		if (r->handles[i].kind == H_HELD && !r->handles[i].unpinned && !r->handles[i].dead &&
		    (int)i != c->pin.handle)
			return false;
	for (size_t i = r->idx + 1; i < s->nr_cmds; i++) {
		const struct scn_cmd *n = &s->cmds[i];

		if (n->kind == SCN_DMA && n->dma.handle == c->pin.handle)
			return n->dma.write == !!(c->pin.flags & SCN_PIN_WRITE) && !n->has_during &&
			       !n->has_result && !n->dma.offset &&
			       (!n->dma.len || n->dma.len == c->pin.len);
		if ((n->kind == SCN_UNPIN && n->unpin.handle == c->pin.handle) ||
		    (n->kind == SCN_CHECK_PINNED && n->check_pinned.handle == c->pin.handle))
			return false;
	}
	return false;
}

static void do_pin(struct hrun *r, const struct scn_cmd *c)
{
	struct hhandle *h = &r->handles[c->pin.handle];
	const struct hmap *m = &r->maps[c->pin.at.id];
	unsigned int f = c->pin.flags;
	int proc = r->procs[c->pin.proc], err;

	/* DMA offsets count from the address pinned, as in the model. */
	*h = (struct hhandle){ .dead = true, .proc = proc, .addr = m->addr + c->pin.at.off,
			       .len = c->pin.len, .write = f & SCN_PIN_WRITE, .since = r->idx };
	if (f & SCN_PIN_GET) {
		host_na(r, "FOLL_GET references: no system call holds them on a scenario's behalf");
		return;
	}
	if (c->pin.foll) {
		host_na(r, "foll=%#x: no system call passes raw FOLL_* flags (gup_test's -F needs "
			"CONFIG_GUP_TEST)", c->pin.foll);
		return;
	}
	if (c->pin.dev >= 0 && r->odp[c->pin.dev]) {
		host_na(r, "an ODP device (mmu-notifier mirror) needs RDMA hardware");
		return;
	}
	if (!m->mapped)
		return;
	if (f & SCN_PIN_LONGTERM) {
		if (f & SCN_PIN_REMOTE) {
			host_na(r, "no system call takes a long-term pin of another process's memory");
			return;
		}
		if (!(f & SCN_PIN_WRITE)) {
			host_na(r, "a read-only long-term pin needs RDMA or CONFIG_GUP_TEST; io_uring "
			      "registration always pins FOLL_WRITE|FOLL_LONGTERM");
			return;
		}
		h->kind = H_FIXED;
		/*
		 * batch= has no system-call form: the registration pins the
		 * range in calls of its own choosing, and only the outcome
		 * (all of it pinned or refused) is comparable.
		 */
		err = host_pin_longterm(r->hs, proc, h->addr, h->len,
					c->pin.times > HOST_MAX_TIMES ? 0 : (unsigned int)c->pin.times,
					&h->pin);
		if (err == -E2BIG) {
			host_na(r, "times=%llu: one io_uring buffer table holds at most %u buffers",
			   (unsigned long long)c->pin.times, HOST_MAX_TIMES);
			return;
		}
		h->dead = !result(r, err, "io_uring buffer registration");
		return;
	}
	if (c->pin.times > 1) {
		host_na(r, "times=%llu: a short-term pin lasts one I/O on the host, so several cannot "
		      "be held at once", (unsigned long long)c->pin.times);
		return;
	}
	/*
	 * A short-term pin lasts one I/O on the host. Take it now, for real
	 * (FOLL_WRITE faults the range in for writing, as pin_user_pages() does),
	 * leaving the bytes as they are; each dma through the handle pins again.
	 */
	if (!(f & SCN_PIN_REMOTE) && held_fits(r, c)) {
		char why[HOST_WHY_MAX];

		if (!host_held_start(r->hs, why, sizeof(why))) {
			h->kind = H_HELD;
			err = host_held_pin(r->hs, proc, h->addr, h->len, !h->write, &h->pin);
			if (err != -EBUSY && err != -E2BIG) {
				h->dead = !result(r, err, h->write ? "direct read (FUSE)"
								  : "direct write (FUSE)");
				return;
			}
			h->kind = H_DIO;	/* another request is held: one I/O at a time */
		}
	}
	if (f & SCN_PIN_REMOTE) {
		h->kind = H_REMOTE;
		err = host_remote_probe(r->hs, proc, h->addr, h->len, h->write);
	} else {
		h->kind = H_DIO;
		err = host_dio(r->hs, proc, h->addr, h->len, h->write, 0, false, true, NULL);
		if (err == -EOPNOTSUPP) {
			host_na(r, "the session directory's filesystem has no O_DIRECT");
			return;
		}
		/* As at dma: the host's way to pin, not pin_user_pages(), needs alignment. */
		if (err == -EINVAL) {
			host_na(r, "O_DIRECT needs 512-byte aligned offsets and lengths");
			return;
		}
	}
	h->dead = !result(r, err, f & SCN_PIN_REMOTE ? "process_vm_readv/writev" : "O_DIRECT I/O");
}

static bool handle_usable(struct hrun *r, int id)
{
	if (r->handles[id].dead && r->in.trace)
		interp_trace(r->in.trace, "scenario: skipped: handle %s was refused\n",
			scn_name(r->in.s, SCN_NS_HANDLE, id));
	return !r->handles[id].dead;
}

static void do_unpin(struct hrun *r, const struct scn_cmd *c)
{
	struct hhandle *h = &r->handles[c->unpin.handle];

	if (!handle_usable(r, c->unpin.handle))
		return;
	if (h->unpinned) {
		host_na(r, "a second unpin of the same pages is a driver bug no system call can commit");
		return;
	}
	h->unpinned = true;
	if (h->kind == H_HELD) {
		/* Released before the device's access: the I/O fails, and unpins. */
		int err = host_held_finish(r->hs, h->pin, EIO, 0, h->len, NULL);

		if (err != -EIO)
			result(r, err, "abort of the held direct I/O");
		return;
	}
	if (h->kind == H_FIXED)
		result(r, host_unpin_longterm(r->hs, h->pin), "io_uring buffer unregistration");
}

static void do_dma(struct hrun *r, const struct scn_cmd *c)
{
	struct hhandle *h = &r->handles[c->dma.handle];
	struct host_mismatch mm = { 0 };
	uint64_t len;
	int err;

	if (!handle_usable(r, c->dma.handle))
		return;
	if (h->unpinned) {
		interp_fail(&r->in, SCN_CORRUPT, "dma through a handle the device no longer holds");
		return;
	}
	if (h->kind == H_HELD) {
		/* held_fits() saw to it that this is the whole range, in the pin's direction. */
		err = host_held_finish(r->hs, h->pin, 0, c->dma.byte, h->len, &mm);
		h->kind = H_DIO;	/* a later dma through it pins again */
		h->since = r->idx;
		if (result(r, err, c->dma.write ? "dma write (the held read completes)"
						: "dma read (the held write completes)"))
			mismatch(r, &mm, c->dma.byte, "dma read");
		return;
	}
	if (h->kind != H_FIXED && r->have_unsafe && r->unsafe_idx > h->since) {
		host_na(r, "a short-term pin lasts one O_DIRECT I/O on the host, so it cannot be held "
		      "across line %u's %s", r->unsafe_line,
		   scn_cmd_names[r->in.s->cmds[r->unsafe_idx].kind]);
		return;
	}
	len = c->dma.len ? c->dma.len : h->len - c->dma.offset;
	switch (h->kind) {
	case H_FIXED:
		err = host_dma_fixed(r->hs, h->pin, c->dma.write, c->dma.offset, len, c->dma.byte, &mm);
		break;
	case H_REMOTE:
		err = host_remote(r->hs, h->proc, h->addr + c->dma.offset, len, c->dma.write,
				  c->dma.byte, !c->dma.write, &mm);
		break;
	default:
		err = host_dio(r->hs, h->proc, h->addr + c->dma.offset, len, c->dma.write,
			       c->dma.byte, !c->dma.write, false, &mm);
		if (err == -EINVAL) {
			host_na(r, "O_DIRECT needs 512-byte aligned offsets and lengths");
			return;
		}
		break;
	}
	if (result(r, err, c->dma.write ? "dma write" : "dma read"))
		mismatch(r, &mm, c->dma.byte, "dma read");
}

static void do_check_disk(struct hrun *r, const struct scn_cmd *c)
{
	struct host_mismatch mm = { 0 };
	uint64_t where = 0;
	int file = r->files[c->check_disk.at.id], err;

	if (file < 0)
		return;
	err = host_file_check_disk(r->hs, file, c->check_disk.at.off, c->check_disk.len,
				   c->check_disk.byte, &mm, &where);
	if (err == -ENODATA) {
		interp_fail(&r->in, SCN_CORRUPT, "file offset %#llx has no block on disk",
			    (unsigned long long)where);
		return;
	}
	if (err == -ENOTBLK) {
		host_na(r, "a memfd has no disk");
		return;
	}
	if (result(r, err, "check disk"))
		mismatch(r, &mm, c->check_disk.byte, "disk");
}

/*
 * /proc/vmstat is the whole machine's: other processes' faults and pins count
 * too. A counter the kernel only adds to (the events, nr_foll_pin_*) that
 * went up by less than the scenario says is wrong whatever else ran; one that
 * went up by more may be right, and a counter that goes both ways cannot be
 * told apart from the noise: those two are n/a. Node counters also lag by
 * each CPU's pending delta unless vm/stat_refresh (root) folded them first.
 */
static bool vmstat_monotonic(const char *name)
{
	return strncmp(name, "nr_", 3) || !strncmp(name, "nr_foll_pin_", 12);
}

/* check vmstat's counter, or check thp-stat's file of hugepages-<size>kB/stats/. */
static int stat_read(const struct scn_cmd *c, const char *name, long *v)
{
	if (c->kind == SCN_CHECK_THP_STAT)
		return host_thp_stat(c->check_vmstat.order, name, v);
	return host_vmstat(name, v);
}

/*
 * The same for hugepages-<size>kB/stats/, which are also the machine's (and
 * summed over the CPUs as sysfs reads them, so never unfolded).
 */
static void do_check_vmstat(struct hrun *r, const struct scn_cmd *c)
{
	bool thp = c->kind == SCN_CHECK_THP_STAT;
	bool folded = thp || access("/proc/sys/vm/stat_refresh", W_OK) == 0;

	for (size_t i = 0; i < c->check_vmstat.nr; i++) {
		const struct scn_stat *st = &c->check_vmstat.v[i];
		long v, base = r->vm_base[r->idx * 8 + (i < 8 ? i : 7)], d;

		if (i >= 8 || base == LONG_MIN || stat_read(c, st->name, &v)) {
			if (thp)
				host_na(r, "the host has no transparent_hugepage/hugepages-%lukB/stats/%s",
					4UL << c->check_vmstat.order, st->name);
			else
				host_na(r, "the host's /proc/vmstat has no %s", st->name);
			return;
		}
		d = v - base;
		if (d == st->value)
			continue;
		if (!folded && !strncmp(st->name, "nr_", 3)) {
			host_na(r, "%s went up by %ld, expected %ld: per-CPU deltas unfolded "
			      "(vm/stat_refresh needs root)", st->name, d, st->value);
			return;
		}
		if (vmstat_monotonic(st->name) && d < st->value) {
			interp_fail(&r->in, SCN_CORRUPT, "%s went up by %ld, expected %ld", st->name,
				    d, st->value);
			return;
		}
		host_na(r, "%s went up by %ld, expected %ld: a system-wide count, and other processes "
		      "add to it", st->name, d, st->value);
		return;
	}
}

static void do_check_events(struct hrun *r, const struct scn_cmd *c)
{
	for (int k = 0; k < MM_EV_NR; k++) {
		if (c->check_events.count[k] > 0) {
			host_na(r, "the model's %s texts have no counterpart in the host kernel's log",
			   mm_event_kind_names[k]);
			return;
		}
	}
	if (!host_kmsg_usable(r->hs))
		host_na(r, "/dev/kmsg cannot be read and the kernel is already tainted, so the host's "
		      "BUG/WARN events cannot be seen");
	/* Otherwise every command was followed by a scan of the log already. */
}

void host_scan_kmsg(struct hrun *r)
{
	char line[SCN_REASON_MAX - 16];
	bool csum = false;

	if (host_kmsg_scan(r->hs, line, sizeof(line), &csum) > 0)
		interp_fail(&r->in, csum ? SCN_CORRUPT : SCN_BUG, "kernel: %s", line);
}

static void do_vma_op(struct hrun *r, const struct scn_cmd *c)
{
	int map = c->kind == SCN_MPROTECT ? c->mprotect.map :
		  c->kind == SCN_MADVISE ? c->madvise.map : c->vma.map;
	int proc = r->procs[c->kind == SCN_MPROTECT ? c->mprotect.proc :
			    c->kind == SCN_MADVISE ? c->madvise.proc : c->vma.proc];
	const struct hmap *m = &r->maps[map];

	if (c->kind == SCN_MIGRATE) {
		host_na(r, "move_pages() to the node a page is on moves nothing, and the scenario names "
		      "no other node");
		return;
	}
	if (!m->mapped)
		return;
	mark_unsafe(r);
	if (c->kind == SCN_MUNMAP)
		result(r, host_munmap(r->hs, proc, m->addr + c->vma.off,
				      c->vma.len ? c->vma.len : m->len), "munmap");
	else if (c->kind == SCN_MPROTECT)
		result(r, host_mprotect(r->hs, proc, m->addr + c->mprotect.off,
					c->mprotect.len ? c->mprotect.len : m->len,
					c->mprotect.none ? PROT_NONE : PROT_READ |
					(c->mprotect.writable ? PROT_WRITE : 0)), "mprotect");
	else
		result(r, host_madvise(r->hs, proc, m->addr + c->madvise.off,
				       c->madvise.len ? c->madvise.len : m->len,
				       scn_advice_to_madv(c->madvise.advice)), "madvise");
}

static void do_mremap_cmd(struct hrun *r, const struct scn_cmd *c)
{
	const struct hmap *m = &r->maps[c->mremap.map];
	uint64_t len = c->mremap.len ? c->mremap.len : m->len;
	uint64_t newlen = c->mremap.newlen ? c->mremap.newlen : len, to = 0, addr = 0;
	int flags = MREMAP_MAYMOVE;

	if (!m->mapped)
		return;
	if (c->mremap.fixed.id >= 0) {
		if (!r->maps[c->mremap.fixed.id].mapped)
			return;
		flags |= MREMAP_FIXED;
		to = r->maps[c->mremap.fixed.id].addr + c->mremap.fixed.off;
	}
	mark_unsafe(r);
	if (!result(r, host_mremap(r->hs, r->procs[c->mremap.proc], m->addr + c->mremap.off, len,
				   newlen, flags, to, &addr), "mremap"))
		return;
	r->maps[c->mremap.to] = (struct hmap){ .addr = addr, .len = newlen, .mapped = true };
}

void host_exec_cmd(struct hrun *r, const struct scn_cmd *c)
{
	int err, id;

	switch (c->kind) {
	case SCN_MEMORY:
		do_memory(r, c);
		break;
	case SCN_DISK:
		do_disk(r, c);
		break;
	case SCN_TMPFS:
		result(r, host_memfs_create(r->hs, &r->fs[c->tmpfs.fs]), "tmpfs");
		break;
	case SCN_HUGETLBFS:
		result(r, host_hugetlbfs_create(r->hs, &r->fs[c->tmpfs.fs], c->tmpfs.pagesize != 0), "hugetlbfs");
		break;
	case SCN_FILE:
		do_file(r, c);
		break;
	case SCN_PROCESS:
		err = host_proc_create(r->hs, &r->procs[c->process.proc]);
		if (err && !run_failed(r, err))
			host_na(r, "fork: %s", strerror(-err));
		break;
	case SCN_DEVICE:
		r->odp[c->device.dev] = c->device.odp;
		break;
	case SCN_MMAP:
		do_mmap(r, c);
		break;
	case SCN_WRITE:
	case SCN_READ:
		do_access(r, c, c->kind == SCN_WRITE);
		break;
	case SCN_PIN:
		do_pin(r, c);
		break;
	case SCN_UNPIN:
		do_unpin(r, c);
		break;
	case SCN_WRITEBACK:
	case SCN_SYNC:
		id = c->sync.fs >= 0 ? r->fs[c->sync.fs] : -1;
		if (c->sync.fs < 0 || id >= 0)
			result(r, host_writeback(r->hs, id, c->kind == SCN_SYNC),
			       c->kind == SCN_SYNC ? "sync" : "writeback");
		break;
	case SCN_DMA:
		do_dma(r, c);
		break;
	case SCN_CHECK_DISK:
		do_check_disk(r, c);
		break;
	case SCN_CHECK_FSCK:
		host_na(r, "fsck of a mounted filesystem proves nothing, and unmounting would change "
		      "what the scenario tests");
		break;
	case SCN_CHECK_PINNED:
		host_na(r, "no interface shows userspace a page's pin count");
		break;
	case SCN_CHECK_VMSTAT:
	case SCN_CHECK_THP_STAT:
		do_check_vmstat(r, c);
		break;
	case SCN_CHECK_EVENTS:
		do_check_events(r, c);
		break;
	case SCN_FORK:
		mark_unsafe(r);
		err = host_proc_fork(r->hs, r->procs[c->fork.parent], &r->procs[c->fork.child]);
		result(r, err, "fork");
		break;
	case SCN_MUNMAP:
	case SCN_MPROTECT:
	case SCN_MADVISE:
	case SCN_MIGRATE:
		do_vma_op(r, c);
		break;
	case SCN_MREMAP:
		do_mremap_cmd(r, c);
		break;
	case SCN_TRUNCATE:
		mark_unsafe(r);
		if ((id = r->files[c->truncate.file]) >= 0)
			result(r, host_file_truncate(r->hs, id, c->truncate.size), "truncate");
		break;
	case SCN_SEAL:
		/* SCN_SEAL_* are the uapi F_SEAL_* values. */
		if ((id = r->files[c->seal.file]) >= 0)
			result(r, host_file_add_seals(r->hs, id, c->seal.seals), "F_ADD_SEALS");
		break;
	case SCN_CHMOD:
		if ((id = r->files[c->chmod.file]) >= 0)
			result(r, host_file_chmod(r->hs, id, c->chmod.mode), "fchmod");
		break;
	case SCN_FALLOCATE:
		if ((id = r->files[c->fallocate.file]) >= 0)
			result(r, host_file_fallocate(r->hs, id, c->fallocate.keep_size, c->fallocate.offset,
						      c->fallocate.len), "fallocate");
		break;
	case SCN_PUNCH:
		mark_unsafe(r);
		if ((id = r->files[c->punch.file]) >= 0)
			result(r, host_file_punch(r->hs, id, c->punch.offset, c->punch.len),
			       "punch hole");
		break;
	case SCN_RECLAIM:
		host_na(r, "no system call reclaims memory on demand the way the model's reclaim does");
		break;
	case SCN_DROP_CACHES:
		mark_unsafe(r);
		err = host_drop_caches(c->drop_caches.what);
		if (err)
			host_na(r, "/proc/sys/vm/drop_caches: %s", strerror(-err));
		break;
	case SCN_LEASE:
	case SCN_UNLEASE:
		host_na(r, "layout leases (F_LAYOUT, the 2019 series) were never merged");
		break;
	case SCN_EXPECT_EVENT:
		host_na(r, "the model's event texts have no counterpart in the host kernel's log");
		break;
	case SCN_PWRITE:
		if ((id = r->files[c->pwrite.at.id]) >= 0)
			result(r, host_file_pwrite(r->hs, id, c->pwrite.at.off, c->pwrite.len,
						   c->pwrite.byte), "pwrite");
		break;
	case SCN_CHECK_ZONE:
		host_na(r, "the host run does not look up which zone holds a page (pagemap PFNs against "
		      "/proc/zoneinfo spans)");
		break;
	case SCN_EXIT:
		mark_unsafe(r);
		result(r, host_proc_exit(r->hs, r->procs[c->exit.proc]), "exit");
		break;
	case SCN_SWAP:
		do_swap(r);
		break;
	case SCN_WHATIF:
		host_na(r, "a what-if is a change to the kernel (or another architecture): the "
		      "host runs its own");
		break;
	case SCN_CHECK_SWAPPED:
		do_check_swapped(r, c);
		break;
	case SCN_THP:
		do_thp(r, c);
		break;
	case SCN_CHECK_FOLIO:
		host_na(r, "folio order, PageAnonExclusive and pin counts are not shown to userspace "
		      "(kpageflags shows THP, not the rest)");
		break;
	case SCN_DEBUG_PINS:
		host_na(r, "the pin debug checks are a build option of the host kernel (CONFIG_DEBUG_VM)");
		break;
	default:
		host_na(r, "the host backend cannot carry out '%s'",
		   c->kind < SCN_NR_CMDS ? scn_cmd_names[c->kind] : "?");
		break;
	}
}

int host_read_baselines(struct hrun *r)
{
	const struct scenario *s = r->in.s;

	r->vm_base = calloc(s->nr_cmds * 8 + 1, sizeof(*r->vm_base));
	if (!r->vm_base)
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_cmds; i++) {
		const struct scn_cmd *c = &s->cmds[i];

		for (size_t j = 0; j < 8; j++)
			r->vm_base[i * 8 + j] = LONG_MIN;
		if (c->kind != SCN_CHECK_VMSTAT && c->kind != SCN_CHECK_THP_STAT)
			continue;
		for (size_t j = 0; j < c->check_vmstat.nr && j < 8; j++)
			if (stat_read(c, c->check_vmstat.v[j].name, &r->vm_base[i * 8 + j]))
				r->vm_base[i * 8 + j] = LONG_MIN;
	}
	return 0;
}

