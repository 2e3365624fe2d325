/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A command back to .pin text in one canonical spelling: for `pinmm explain`,
 * for the interpreter's per-command trace line, and so that parse(format(x))
 * == x can be tested and fuzzed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pinmm/mem/whatif.h>

#include <pinmm/mem/race.h>
#include <pinmm/scenario/format.h>

struct out {
	char *buf;
	size_t len, pos;
	size_t need;		/* what an unbounded buffer would hold, as snprintf */
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL,
		      o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	o->need += (size_t)n;
	if (o->pos < o->len)
		o->pos += (size_t)n < o->len - o->pos ? (size_t)n : o->len - o->pos - 1;
}

static void put_size(struct out *o, const char *key, uint64_t v)
{
	static const struct { uint64_t unit; char suffix; } units[] = {
		{ 1ULL << 30, 'G' }, { 1ULL << 20, 'M' }, { 1ULL << 10, 'K' },
	};

	if (key)
		put(o, " %s=", key);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (v && v % units[i].unit == 0) {
			put(o, "%llu%c", (unsigned long long)(v / units[i].unit), units[i].suffix);
			return;
		}
	}
	put(o, "%llu", (unsigned long long)v);
}

static void put_loc(struct out *o, const struct scenario *s, enum scn_ns ns,
		    const struct scn_loc *l)
{
	put(o, " %s", scn_name(s, ns, l->id));
	if (l->off) {
		put(o, "+");
		put_size(o, NULL, l->off);
	}
}

static void put_str(struct out *o, const char *t)
{
	put(o, " \"");
	for (; *t; t++)
		put(o, *t == '"' || *t == '\\' ? "\\%c" : "%c", *t);
	put(o, "\"");
}

static void put_pin(struct out *o, const struct scenario *s, const struct scn_cmd *c)
{
	static const struct { unsigned int bit; const char *name; } flags[] = {
		{ SCN_PIN_WRITE, "write" }, { SCN_PIN_LONGTERM, "longterm" },
		{ SCN_PIN_FAST, "fast" }, { SCN_PIN_GET, "get" }, { SCN_PIN_REMOTE, "remote" },
	};

	put(o, " %s", scn_name(s, SCN_NS_PROC, c->pin.proc));
	put_loc(o, s, SCN_NS_MAP, &c->pin.at);
	put_size(o, "len", c->pin.len);
	put(o, " as=%s", scn_name(s, SCN_NS_HANDLE, c->pin.handle));
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (c->pin.flags & flags[i].bit)
			put(o, " %s", flags[i].name);
	if (c->pin.dev >= 0)
		put(o, " dev=%s", scn_name(s, SCN_NS_DEV, c->pin.dev));
	if (c->pin.times != 1)
		put(o, " times=%llu", (unsigned long long)c->pin.times);
	if (c->pin.batch)
		put(o, " batch=%llu", (unsigned long long)c->pin.batch);
	if (c->pin.foll)
		put(o, " foll=%#x", c->pin.foll);
}

static void put_body(struct out *o, const struct scenario *s, const struct scn_cmd *c)
{
	static const char *const ev[MM_EV_NR] = {
		[MM_EV_BUG] = "BUG", [MM_EV_WARN] = "WARN", [MM_EV_CSUM] = "CSUM",
	};

	switch (c->kind) {
	case SCN_MEMORY:
		put(o, " ");
		put_size(o, NULL, c->memory.size);
		if (c->memory.movable)
			put_size(o, "movable", c->memory.movable);
		if (c->memory.cma)
			put_size(o, "cma", c->memory.cma);
		if (c->memory.hugepages)
			put(o, " hugepages=%llu", (unsigned long long)c->memory.hugepages);
		if (c->memory.hugepages_1g)
			put(o, " hugepages-1G=%llu", (unsigned long long)c->memory.hugepages_1g);
		break;
	case SCN_SWAP:
		put(o, " ");
		put_size(o, NULL, c->swap.size);
		break;
	case SCN_WHATIF:
		for (int i = 0; i < NR_WHATIFS; i++)
			if (c->whatif.mask & BIT(i))
				put(o, " %s", whatif_table[i].name);
		break;
	case SCN_CHECK_SWAPPED:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->check_swapped.proc));
		put_loc(o, s, SCN_NS_MAP, &(struct scn_loc){ .id = c->check_swapped.map,
							    .off = c->check_swapped.off });
		if (c->check_swapped.len)
			put_size(o, "len", c->check_swapped.len);
		put(o, " %s", c->check_swapped.swapped ? "yes" : "no");
		break;
	case SCN_DISK:
		put(o, " %s", scn_name(s, SCN_NS_FS, c->disk.fs));
		put_size(o, "size", c->disk.size);
		put(o, "%s%s", c->disk.checksum ? " checksum" : "", c->disk.dax ? " dax" : "");
		break;
	case SCN_HUGETLBFS:
		put(o, " %s", scn_name(s, SCN_NS_FS, c->tmpfs.fs));
		if (c->tmpfs.pagesize)
			put_size(o, "pagesize", c->tmpfs.pagesize);
		break;
	case SCN_TMPFS:
		put(o, " %s", scn_name(s, SCN_NS_FS, c->tmpfs.fs));
		if (c->tmpfs.size)
			put_size(o, "size", c->tmpfs.size);
		break;
	case SCN_FILE:
		put(o, " %s on %s", scn_name(s, SCN_NS_FILE, c->file.file),
		    scn_name(s, SCN_NS_FS, c->file.fs));
		if (c->file.size)
			put_size(o, "size", c->file.size);
		if (c->file.fill >= 0)
			put(o, " fill=0x%02x", c->file.fill);
		if (c->file.reflink >= 0)
			put(o, " reflink=%s", scn_name(s, SCN_NS_FILE, c->file.reflink));
		if (c->file.sealing)
			put(o, " sealing");
		if (c->file.exec)
			put(o, " exec");
		if (c->file.noexec_seal)
			put(o, " noexec-seal");
		break;
	case SCN_CHMOD:
		put(o, " %s 0%o", scn_name(s, SCN_NS_FILE, c->chmod.file), c->chmod.mode);
		break;
	case SCN_FALLOCATE:
		put(o, " %s", scn_name(s, SCN_NS_FILE, c->fallocate.file));
		put_size(o, "offset", c->fallocate.offset);
		put_size(o, "len", c->fallocate.len);
		if (c->fallocate.keep_size)
			put(o, " keep-size");
		break;
	case SCN_PROCESS:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->process.proc));
		break;
	case SCN_DEVICE:
		put(o, " %s%s", scn_name(s, SCN_NS_DEV, c->device.dev), c->device.odp ? " odp" : "");
		break;
	case SCN_MMAP:
		put(o, " %s %s", scn_name(s, SCN_NS_PROC, c->mmap.proc),
		    scn_name(s, SCN_NS_MAP, c->mmap.map));
		if (c->mmap.file >= 0)
			put(o, " file=%s", scn_name(s, SCN_NS_FILE, c->mmap.file));
		else
			put(o, " anon");
		put_size(o, "len", c->mmap.len);
		if (c->mmap.offset)
			put_size(o, "offset", c->mmap.offset);
		put(o, " %s %s%s%s", c->mmap.shared ? "shared" : "private",
		    c->mmap.writable ? "rw" : "ro", c->mmap.thp ? " thp" : "",
		    c->mmap.populate ? " populate" : "");
		if (c->mmap.hugetlb)
			put(o, c->mmap.hugetlb_1g ? " hugetlb=1G" : " hugetlb");
		break;
	case SCN_WRITE:
	case SCN_READ:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->access.proc));
		put_loc(o, s, SCN_NS_MAP, &c->access.at);
		put_size(o, "len", c->access.len);
		if (c->access.has_byte)
			put(o, " %s=0x%02x", c->kind == SCN_WRITE ? "byte" : "expect", c->access.byte);
		break;
	case SCN_PIN:
		put_pin(o, s, c);
		break;
	case SCN_UNPIN:
		put(o, " %s%s", scn_name(s, SCN_NS_HANDLE, c->unpin.handle),
		    c->unpin.dirty ? " dirty" : "");
		break;
	case SCN_WRITEBACK:
	case SCN_SYNC:
		if (c->sync.fs >= 0)
			put(o, " %s", scn_name(s, SCN_NS_FS, c->sync.fs));
		break;
	case SCN_DMA:
		put(o, " %s %s %s=0x%02x", scn_name(s, SCN_NS_HANDLE, c->dma.handle),
		    c->dma.write ? "write" : "read", c->dma.write ? "byte" : "expect", c->dma.byte);
		if (c->dma.offset)
			put_size(o, "offset", c->dma.offset);
		if (c->dma.len)
			put_size(o, "len", c->dma.len);
		break;
	case SCN_CHECK_DISK:
		put_loc(o, s, SCN_NS_FILE, &c->check_disk.at);
		put_size(o, "len", c->check_disk.len);
		put(o, " byte=0x%02x", c->check_disk.byte);
		break;
	case SCN_CHECK_FSCK:
		put(o, " %s", scn_name(s, SCN_NS_FS, c->check_fsck.fs));
		break;
	case SCN_CHECK_PINNED:
		put(o, " %s %s", scn_name(s, SCN_NS_HANDLE, c->check_pinned.handle),
		    c->check_pinned.pinned ? "yes" : "no");
		break;
	case SCN_CHECK_VMSTAT:
		for (size_t i = 0; i < c->check_vmstat.nr; i++)
			put(o, " %s=%ld", c->check_vmstat.v[i].name, c->check_vmstat.v[i].value);
		break;
	case SCN_CHECK_EVENTS: {
		bool none = true;

		for (int k = 0; k < MM_EV_NR; k++)
			none &= c->check_events.count[k] == 0;
		if (none) {
			put(o, " none");
			break;
		}
		for (int k = 0; k < MM_EV_NR; k++)
			if (c->check_events.count[k] >= 0)
				put(o, " %s=%ld", ev[k], c->check_events.count[k]);
		break;
	}
	case SCN_FORK:
		put(o, " %s %s", scn_name(s, SCN_NS_PROC, c->fork.parent),
		    scn_name(s, SCN_NS_PROC, c->fork.child));
		break;
	case SCN_MUNMAP:
	case SCN_MIGRATE:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->vma.proc));
		put_loc(o, s, SCN_NS_MAP, &(struct scn_loc){ .id = c->vma.map, .off = c->vma.off });
		if (c->vma.len)
			put_size(o, "len", c->vma.len);
		break;
	case SCN_PWRITE:
		put_loc(o, s, SCN_NS_FILE, &c->pwrite.at);
		put_size(o, "len", c->pwrite.len);
		put(o, " byte=0x%02x", c->pwrite.byte);
		break;
	case SCN_CHECK_ZONE:
		put(o, " %s %s", scn_name(s, SCN_NS_HANDLE, c->check_zone.handle),
		    scn_zone_names[c->check_zone.zone]);
		break;
	case SCN_MPROTECT:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->mprotect.proc));
		put_loc(o, s, SCN_NS_MAP, &(struct scn_loc){ .id = c->mprotect.map, .off = c->mprotect.off });
		if (c->mprotect.len)
			put_size(o, "len", c->mprotect.len);
		put(o, " %s", c->mprotect.none ? "none" : c->mprotect.writable ? "rw" : "ro");
		break;
	case SCN_MADVISE:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->madvise.proc));
		put_loc(o, s, SCN_NS_MAP, &(struct scn_loc){ .id = c->madvise.map, .off = c->madvise.off });
		if (c->madvise.len)
			put_size(o, "len", c->madvise.len);
		put(o, " %s", scn_advice_names[c->madvise.advice]);
		break;
	case SCN_EXIT:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->exit.proc));
		break;
	case SCN_MREMAP:
		put(o, " %s", scn_name(s, SCN_NS_PROC, c->mremap.proc));
		put_loc(o, s, SCN_NS_MAP, &(struct scn_loc){ .id = c->mremap.map, .off = c->mremap.off });
		if (c->mremap.len)
			put_size(o, "len", c->mremap.len);
		put(o, " as=%s", scn_name(s, SCN_NS_MAP, c->mremap.to));
		if (c->mremap.newlen)
			put_size(o, "newlen", c->mremap.newlen);
		if (c->mremap.fixed.id >= 0) {
			put(o, " fixed=%s", scn_name(s, SCN_NS_MAP, c->mremap.fixed.id));
			if (c->mremap.fixed.off) {
				put(o, "+");
				put_size(o, NULL, c->mremap.fixed.off);
			}
		}
		break;
	case SCN_THP:
		if (c->thp.order == SCN_THP_ZEROPAGE)
			put(o, " zeropage %s", c->thp.mode ? "on" : "off");
		else if (c->thp.order == SCN_THP_ENABLED)
			put(o, " enabled %s", scn_thp_modes[c->thp.mode]);
		else {
			put(o, " ");
			put_size(o, NULL, 4096ULL << c->thp.order);
			put(o, " %s", scn_thp_modes[c->thp.mode]);
		}
		break;
	case SCN_CHECK_FOLIO:
		put(o, " %s", scn_name(s, SCN_NS_HANDLE, c->check_folio.handle));
		if (c->check_folio.page)
			put(o, " page=%llu", (unsigned long long)c->check_folio.page);
		if (c->check_folio.order >= 0)
			put(o, " order=%d", c->check_folio.order);
		if (c->check_folio.large >= 0)
			put(o, " %s", c->check_folio.large ? "large" : "small");
		if (c->check_folio.exclusive >= 0)
			put(o, " %s", c->check_folio.exclusive ? "exclusive" : "shared");
		if (c->check_folio.pincount >= 0)
			put(o, " pincount=%ld", c->check_folio.pincount);
		if (c->check_folio.hugetlb > 0)
			put(o, " hugetlb");
		break;
	case SCN_TRUNCATE:
		put(o, " %s", scn_name(s, SCN_NS_FILE, c->truncate.file));
		put_size(o, "size", c->truncate.size);
		break;
	case SCN_PUNCH:
		put(o, " %s", scn_name(s, SCN_NS_FILE, c->punch.file));
		put_size(o, "offset", c->punch.offset);
		put_size(o, "len", c->punch.len);
		break;
	case SCN_SEAL:
		put(o, " %s", scn_name(s, SCN_NS_FILE, c->seal.file));
		put(o, "%s%s%s%s%s", c->seal.seals & SCN_SEAL_WRITE ? " write" : "",
		    c->seal.seals & SCN_SEAL_FUTURE_WRITE ? " future-write" : "",
		    c->seal.seals & SCN_SEAL_SHRINK ? " shrink" : "",
		    c->seal.seals & SCN_SEAL_GROW ? " grow" : "",
		    c->seal.seals & SCN_SEAL_SEAL ? " seal" : "");
		if (c->seal.seals & SCN_SEAL_EXEC)
			put(o, " exec");
		break;
	case SCN_LEASE:
	case SCN_UNLEASE:
		put(o, " %s", scn_name(s, SCN_NS_FILE, c->lease.file));
		break;
	case SCN_EXPECT_EVENT:
		put(o, " %s", ev[c->expect_event.kind] ? ev[c->expect_event.kind] : "?");
		put_str(o, c->expect_event.text ? c->expect_event.text : "");
		break;
	case SCN_DROP_CACHES:
		if (c->drop_caches.what != 1)
			put(o, " %d", c->drop_caches.what);
		break;
	case SCN_CHECK_THP_STAT:
		put(o, " %luK", 4UL << c->check_vmstat.order);
		for (size_t i = 0; i < c->check_vmstat.nr; i++)
			put(o, " %s=%ld", c->check_vmstat.v[i].name, c->check_vmstat.v[i].value);
		break;
	case SCN_RECLAIM:
	case SCN_DEBUG_PINS:
	case SCN_NR_CMDS:
		break;
	}
}

size_t scn_cmd_format(const struct scenario *s, const struct scn_cmd *c, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };

	if (len)
		buf[0] = '\0';
	if ((unsigned int)c->kind >= SCN_NR_CMDS)
		return 0;
	put(&o, "%s", scn_cmd_names[c->kind]);
	put_body(&o, s, c);
	if (c->has_during)
		put(&o, " during=%s", c->during == SCN_DURING_ANY ? "any" :
		    (unsigned int)c->during < NR_RACE_POINTS ? race_point_names[c->during] : "?");
	for (size_t i = 0; i < c->nr_only; i++)
		put(&o, "%s%s", i ? "," : c->except ? " except=" : " only=", c->only[i]);
	if (c->has_result) {
		const char *r = scn_errno_name(c->result);

		if (r)
			put(&o, " -> %s", r);
	}
	return o.need;
}

void scenario_format(const struct scenario *s, FILE *f)
{
	char line[1024];
	const char *d = s->description;

	while (d && *d) {
		const char *nl = strchr(d, '\n');
		size_t n = nl ? (size_t)(nl - d) : strlen(d);

		fprintf(f, "#%s%.*s\n", n ? " " : "", (int)n, d);
		d += n + (nl != NULL);
	}
	fputs("scenario \"", f);
	for (const char *t = s->title ? s->title : ""; *t; t++) {
		if (*t == '"' || *t == '\\')
			fputc('\\', f);
		fputc(*t, f);
	}
	fputs("\"\n", f);
	if (!s->all_presets) {
		fputs("presets", f);
		for (size_t i = 0; i < s->nr_presets; i++)
			fprintf(f, " %s", s->presets[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < s->nr_verdicts; i++)
		fprintf(f, "verdict %s %s\n", s->verdicts[i].preset,
			scn_cell_names[s->verdicts[i].cell]);
	for (size_t i = 0; i < s->nr_cmds; i++) {
		size_t need = scn_cmd_format(s, &s->cmds[i], line, sizeof(line));
		char *big;

		if (need < sizeof(line)) {
			fprintf(f, "%s\n", line);
			continue;
		}
		/* Only an expect event's text gets this long. */
		big = malloc(need + 1);
		if (!big) {
			fprintf(f, "# (out of memory formatting line %u)\n", s->cmds[i].line);
			continue;
		}
		scn_cmd_format(s, &s->cmds[i], big, need + 1);
		fprintf(f, "%s\n", big);
		free(big);
	}
}
