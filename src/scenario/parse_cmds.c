/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One handler per .pin command: pull the arguments, check them against what
 * was declared before, fill the typed command. Semantic checks that need the
 * model (does the pin succeed, is the data right) are the interpreter's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/race.h>
#include <pinmm/mem/whatif.h>
#include "parse_int.h"

#define TRY(expr)				\
	do {					\
		int __r = (expr);		\
		if (__r)			\
			return __r;		\
	} while (0)

static int need_len(struct scn_parser *P, const char *key, uint64_t *out)
{
	TRY(scn_arg_size(P, key, true, out));
	if (!*out)
		return scn_perr(P, "%s= must not be 0 for %s", key, P->cmd);
	return 0;
}

/* An optional size: absent leaves *out alone. */
static int opt_size(struct scn_parser *P, const char *key, uint64_t *out)
{
	int ret = scn_arg_size(P, key, false, out);

	return ret < 0 ? ret : 0;
}

static int arg_byte(struct scn_parser *P, const char *key, bool required, bool *has, uint8_t *out)
{
	const char *v;
	int ret = scn_arg_kv(P, key, required, &v);

	if (ret < 0)
		return ret;
	if (has)
		*has = ret == 0;
	if (ret)
		return 0;
	if (scn_parse_byte(v, out))
		return scn_perr(P, "bad byte '%s'", v);
	return 0;
}

static int word_lookup(struct scn_parser *P, const char *what, enum scn_ns ns, int *id)
{
	const char *w;

	TRY(scn_arg_word(P, what, &w));
	return scn_lookup(P, ns, w, id);
}

static int word_declare(struct scn_parser *P, const char *what, enum scn_ns ns, int info, int *id)
{
	const char *w;

	TRY(scn_arg_word(P, what, &w));
	return scn_declare(P, ns, w, info, id);
}

/* PROC MAP: the process, then a mapping visible in it. */
static int proc_map(struct scn_parser *P, int *proc, int *map)
{
	const char *w;
	struct scn_loc loc;

	TRY(word_lookup(P, "process", SCN_NS_PROC, proc));
	TRY(scn_arg_word(P, "mapping", &w));
	if (strchr(w, '+'))
		return scn_perr(P, "%s takes a whole mapping, not '%s'", P->cmd, w);
	TRY(scn_lookup_map(P, *proc, w, &loc));
	*map = loc.id;
	return 0;
}

static void size_text(uint64_t v, char *buf, size_t len)
{
	if (v && !(v % (1ULL << 20)))
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else if (v && !(v % 1024))
		snprintf(buf, len, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/*
 * [at, at+len) of a mapping in @proc: past the mapping's end is a mistake
 * of the scenario, never the preset's, so it is refused here rather than
 * scored as a refused pin or a corrupt write. A range munmap took out is
 * the same mistake unless the line says which errno it expects.
 */
static int check_range(struct scn_parser *P, const struct scn_cmd *c, int proc,
		       const struct scn_loc *at, uint64_t len)
{
	const struct scn_name *m = &P->s->names[SCN_NS_MAP].v[at->id];
	const struct scn_vis *v = scn_vis_find(P, proc, at->id);
	char a[24], b[24];

	if (at->off >= m->len || len > m->len - at->off) {
		size_text(at->off, a, sizeof(a));
		size_text(m->len, b, sizeof(b));
		return scn_perr(P, "%s past the end of mapping '%s': +%s len=%llu, but the mapping "
				"is len=%s (line %u)", P->cmd, m->name, a, (unsigned long long)len,
				b, m->line);
	}
	for (unsigned int i = 0; v && !c->has_result && i < v->nr_holes; i++) {
		if (at->off < v->holes[i].off + v->holes[i].len &&
		    v->holes[i].off < at->off + len) {
			size_text(v->holes[i].off, a, sizeof(a));
			return scn_perr(P, "%s of mapping '%s' touches +%s, which %s took out at "
					"line %u (end the line with '-> EFAULT' if that is the point)",
					P->cmd, m->name, a, v->holes[i].what, v->holes[i].line);
		}
	}
	return 0;
}

#define SCN_PAGE_BYTES		4096ULL
#define SCN_PMD_BYTES		(2ULL << 20)
#define SCN_MEMORY_MAX		(16ULL << 30)
#define SCN_PIN_ENTRIES_MAX	(1ULL << 23)
/*
 * Disks are backed sparsely (untouched blocks cost nothing), but blkfs keeps
 * a byte per block of allocation state, so a disk still costs 1/4096 of its
 * size up front: 64G of disk, 16 MiB.
 */
#define SCN_DISK_MAX		(64ULL << 30)

static int p_memory(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	int ret;

	if (P->have_memory)
		return scn_perr(P, "duplicate 'memory'");
	if (P->first_op_line)
		return scn_perr(P, "'memory' must come before other commands (line %u)",
				P->first_op_line);
	P->have_memory = true;
	TRY(scn_arg_word(P, "size", &w));
	if (scn_parse_size(w, &c->memory.size))
		return scn_perr(P, "bad size '%s'", w);
	if (!c->memory.size)
		return scn_perr(P, "memory size must not be 0");
	/* What mem_init() accepts, said here with a line number. */
	if (c->memory.size % SCN_PMD_BYTES)
		return scn_perr(P, "memory size '%s' must be a multiple of 2M (a pageblock)", w);
	if (c->memory.size > SCN_MEMORY_MAX)
		return scn_perr(P, "memory size '%s' is more than 16G", w);
	TRY(opt_size(P, "movable", &c->memory.movable));
	TRY(opt_size(P, "cma", &c->memory.cma));
	ret = scn_arg_kv(P, "hugepages", false, &w);
	if (ret < 0)
		return ret;
	if (!ret && (scn_parse_count(w, &c->memory.hugepages) ||
		     c->memory.hugepages * SCN_PMD_BYTES >= c->memory.size))
		return scn_perr(P, "hugepages=%s: a count of 2M pages that leaves part of memory "
				"to the buddy allocator", w);
	if (c->memory.movable % SCN_PMD_BYTES || c->memory.cma % SCN_PMD_BYTES)
		return scn_perr(P, "movable= and cma= must be multiples of 2M (pageblocks)");
	if ((c->memory.movable || c->memory.cma) &&
	    (c->memory.movable >= c->memory.size ||
	     c->memory.cma >= c->memory.size - c->memory.movable ||
	     c->memory.size - c->memory.movable - c->memory.cma < SCN_PMD_BYTES))
		return scn_perr(P, "movable= plus cma= must leave part of memory %s as ZONE_NORMAL", w);
	return 0;
}

/* swap SIZE: a swap device (swapon), before other commands, as memory. */
static int p_swap(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	if (P->have_swap)
		return scn_perr(P, "duplicate 'swap'");
	if (P->first_op_line)
		return scn_perr(P, "'swap' must come before other commands (line %u)", P->first_op_line);
	P->have_swap = true;
	TRY(scn_arg_word(P, "size", &w));
	if (scn_parse_size(w, &c->swap.size))
		return scn_perr(P, "bad size '%s'", w);
	/* What swapon_mem() accepts. */
	if (!c->swap.size || c->swap.size % SCN_PMD_BYTES || c->swap.size > (1ULL << 30))
		return scn_perr(P, "swap size '%s' must be a non-zero multiple of 2M, at most 1G", w);
	return 0;
}

/*
 * whatif NAME...: run every preset with these what-ifs on top (mem/whatif.h),
 * before other commands, as memory.
 */
static int p_whatif(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	enum model_whatif wi;

	if (P->have_whatif)
		return scn_perr(P, "duplicate 'whatif' (name them all on one line)");
	if (P->first_op_line)
		return scn_perr(P, "'whatif' must come before other commands (line %u)", P->first_op_line);
	P->have_whatif = true;
	TRY(scn_arg_word(P, "NAME", &w));
	for (;;) {
		if (whatif_lookup(w, &wi)) {
			char names[256] = "";

			for (int i = 0; i < NR_WHATIFS; i++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 i ? ", " : "", whatif_table[i].name);
			return scn_perr(P, "unknown what-if '%s' (%s)", w, names);
		}
		if (c->whatif.mask & BIT(wi))
			return scn_perr(P, "what-if '%s' named twice", w);
		c->whatif.mask |= BIT(wi);
		w = NULL;
		for (size_t i = P->first; i < P->end && !w; i++) {
			if (P->used[i] || P->l->toks[i].quoted || strchr(P->l->toks[i].s, '='))
				continue;
			P->used[i] = true;
			w = P->l->toks[i].s;
		}
		if (!w)
			return 0;
	}
}

static int p_disk(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(word_declare(P, "disk name", SCN_NS_FS, SCN_FS_DISK, &c->disk.fs));
	TRY(need_len(P, "size", &c->disk.size));
	if (c->disk.size % 4096)
		return scn_perr(P, "disk size= must be a multiple of 4K (the block size)");
	if (c->disk.size > SCN_DISK_MAX)
		return scn_perr(P, "disk size= is more than 64G");
	c->disk.checksum = scn_arg_flag(P, "checksum");
	c->disk.dax = scn_arg_flag(P, "dax");
	return 0;
}

static int p_tmpfs(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(word_declare(P, "tmpfs name", SCN_NS_FS, SCN_FS_TMPFS, &c->tmpfs.fs));
	return opt_size(P, "size", &c->tmpfs.size);
}

static int p_hugetlbfs(struct scn_parser *P, struct scn_cmd *c)
{
	return word_declare(P, "hugetlbfs name", SCN_NS_FS, SCN_FS_HUGETLBFS, &c->tmpfs.fs);
}

static int p_file(struct scn_parser *P, struct scn_cmd *c)
{
	const char *name, *w;
	bool has_fill;
	uint8_t fill;
	int ret;

	TRY(scn_arg_word(P, "file name", &name));
	TRY(scn_arg_word(P, "on", &w));
	if (strcmp(w, "on"))
		return scn_perr(P, "expected 'on FS' after the file name, not '%s'", w);
	TRY(word_lookup(P, "filesystem", SCN_NS_FS, &c->file.fs));
	TRY(scn_declare(P, SCN_NS_FILE, name, c->file.fs, &c->file.file));
	TRY(opt_size(P, "size", &c->file.size));
	TRY(arg_byte(P, "fill", false, &has_fill, &fill));
	c->file.fill = has_fill ? fill : -1;
	if (has_fill && !c->file.size)
		return scn_perr(P, "fill= needs size=");
	if (P->s->names[SCN_NS_FS].v[c->file.fs].info == SCN_FS_HUGETLBFS &&
	    (has_fill || !c->file.size || c->file.size % SCN_PMD_BYTES))
		return scn_perr(P, "a file on hugetlbfs takes size=, a multiple of 2M (it is "
				"fallocate()d from the hugetlb pool), and no fill=");
	c->file.sealing = scn_arg_flag(P, "sealing");
	if (c->file.sealing && P->s->names[SCN_NS_FS].v[c->file.fs].info != SCN_FS_TMPFS)
		return scn_perr(P, "sealing is memfd_create(MFD_ALLOW_SEALING): a file on tmpfs only");
	/* reflink=SRC: FICLONE of an existing file (fsdax disks). */
	c->file.reflink = -1;
	ret = scn_arg_kv(P, "reflink", false, &w);
	if (ret < 0)
		return ret;
	if (ret == 0) {
		if (c->file.size)
			return scn_perr(P, "reflink= takes the source's size: no size= or fill=");
		TRY(scn_lookup(P, SCN_NS_FILE, w, &c->file.reflink));
	}
	return 0;
}

static int p_process(struct scn_parser *P, struct scn_cmd *c)
{
	return word_declare(P, "process name", SCN_NS_PROC, 0, &c->process.proc);
}

static int p_device(struct scn_parser *P, struct scn_cmd *c)
{
	const char *name;

	TRY(scn_arg_word(P, "device name", &name));
	c->device.odp = scn_arg_flag(P, "odp");
	return scn_declare(P, SCN_NS_DEV, name, c->device.odp, &c->device.dev);
}

/* The key of hugetlb=SIZE: its own object, so the parser's record of what it
 * asked keeps it apart from the bare flag of the same spelling. */
static const char hugetlb_kv[] = "hugetlb";

static int p_mmap(struct scn_parser *P, struct scn_cmd *c)
{
	const char *name, *f;
	bool shared, private, ro, rw, anon;
	int ret;

	TRY(word_lookup(P, "process", SCN_NS_PROC, &c->mmap.proc));
	TRY(scn_arg_word(P, "mapping name", &name));
	shared = scn_arg_flag(P, "shared");
	private = scn_arg_flag(P, "private");
	ro = scn_arg_flag(P, "ro");
	rw = scn_arg_flag(P, "rw");
	anon = scn_arg_flag(P, "anon");
	TRY(need_len(P, "len", &c->mmap.len));
	ret = scn_arg_kv(P, "file", false, &f);
	if (ret < 0)
		return ret;
	if (ret == 0 && anon)
		return scn_perr(P, "mmap takes file= or anon, not both");
	if (ret && !anon)
		return scn_perr(P, "missing argument 'file=' or 'anon' for mmap");
	c->mmap.file = -1;
	if (!anon)
		TRY(scn_lookup(P, SCN_NS_FILE, f, &c->mmap.file));
	ret = scn_arg_size(P, "offset", false, &c->mmap.offset);
	if (ret < 0)
		return ret;
	if (ret == 0 && anon)
		return scn_perr(P, "offset= needs file=");
	if (c->mmap.offset % 4096)
		return scn_perr(P, "mmap offset= must be page aligned");
	if (shared == private)
		return scn_perr(P, "mmap needs exactly one of 'shared' or 'private'");
	if (ro && rw)
		return scn_perr(P, "mmap takes 'ro' or 'rw', not both");
	c->mmap.shared = shared;
	c->mmap.writable = !ro;
	c->mmap.thp = scn_arg_flag(P, "thp");
	c->mmap.hugetlb = scn_arg_flag(P, "hugetlb");
	ret = scn_arg_kv(P, hugetlb_kv, false, &f);
	if (ret < 0)
		return ret;
	if (!ret) {
		uint64_t hs;

		if (scn_parse_size(f, &hs) || (hs != SCN_PMD_BYTES && hs != (1ULL << 30)))
			return scn_perr(P, "hugetlb=%s: the hugetlb sizes are 2M and 1G", f);
		if (hs != SCN_PMD_BYTES)
			return scn_perr(P, "hugetlb=1G: pinmm has only the 2M hstate (no gigantic "
					"pages: the buddy allocator stops at order 9)");
		c->mmap.hugetlb = true;
	}
	if (c->mmap.hugetlb && !anon)
		return scn_perr(P, "hugetlb is MAP_HUGETLB|MAP_ANONYMOUS; a file on hugetlbfs "
				"maps huge pages without it");
	if (c->mmap.hugetlb && c->mmap.thp)
		return scn_perr(P, "mmap takes 'thp' or 'hugetlb', not both");
	c->mmap.populate = scn_arg_flag(P, "populate");
	TRY(scn_declare(P, SCN_NS_MAP, name, c->mmap.proc, &c->mmap.map));
	P->s->names[SCN_NS_MAP].v[c->mmap.map].len = c->mmap.len;
	return scn_vis_add(P, c->mmap.proc, c->mmap.map);
}

static int p_access(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	bool write = c->kind == SCN_WRITE;

	TRY(word_lookup(P, "process", SCN_NS_PROC, &c->access.proc));
	TRY(scn_arg_word(P, "mapping", &w));
	TRY(scn_lookup_map(P, c->access.proc, w, &c->access.at));
	TRY(need_len(P, "len", &c->access.len));
	TRY(check_range(P, c, c->access.proc, &c->access.at, c->access.len));
	return arg_byte(P, write ? "byte" : "expect", write, &c->access.has_byte, &c->access.byte);
}

static int p_pin(struct scn_parser *P, struct scn_cmd *c)
{
	static const struct { const char *flag; unsigned int bit; } flags[] = {
		{ "write", SCN_PIN_WRITE }, { "longterm", SCN_PIN_LONGTERM },
		{ "fast", SCN_PIN_FAST }, { "get", SCN_PIN_GET }, { "remote", SCN_PIN_REMOTE },
	};
	const char *w, *h;
	int ret;

	TRY(word_lookup(P, "process", SCN_NS_PROC, &c->pin.proc));
	TRY(scn_arg_word(P, "mapping", &w));
	TRY(scn_lookup_map(P, c->pin.proc, w, &c->pin.at));
	TRY(need_len(P, "len", &c->pin.len));
	TRY(check_range(P, c, c->pin.proc, &c->pin.at, c->pin.len));
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (scn_arg_flag(P, flags[i].flag))
			c->pin.flags |= flags[i].bit;
	if ((c->pin.flags & SCN_PIN_FAST) && (c->pin.flags & SCN_PIN_REMOTE))
		return scn_perr(P, "'fast' and 'remote' cannot be combined (there is no remote GUP-fast)");
	c->pin.dev = -1;
	ret = scn_arg_kv(P, "dev", false, &w);
	if (ret < 0)
		return ret;
	if (!ret)
		TRY(scn_lookup(P, SCN_NS_DEV, w, &c->pin.dev));
	c->pin.times = 1;
	ret = scn_arg_kv(P, "times", false, &w);
	if (ret < 0)
		return ret;
	if (!ret && (scn_parse_count(w, &c->pin.times) || !c->pin.times ||
		     c->pin.times > (1ULL << 32)))
		return scn_perr(P, "bad count '%s' (1 to 4294967296)", w);
	/* The handle keeps every page it pinned: bound what one command may take. */
	if (c->pin.times * ((c->pin.len + SCN_PAGE_BYTES - 1) / SCN_PAGE_BYTES + 1) > SCN_PIN_ENTRIES_MAX)
		return scn_perr(P, "times= x pages must stay under %llu pins in one handle",
				(unsigned long long)SCN_PIN_ENTRIES_MAX);
	ret = scn_arg_kv(P, "batch", false, &w);
	if (ret < 0)
		return ret;
	if (!ret && (scn_parse_count(w, &c->pin.batch) || !c->pin.batch ||
		     c->pin.batch > INT32_MAX))
		return scn_perr(P, "bad batch '%s': pages per call, 1 to %d", w, INT32_MAX);
	ret = scn_arg_kv(P, "foll", false, &w);
	if (ret < 0)
		return ret;
	if (!ret) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(w, &end, 0);
		/*
		 * The flags a caller of the GUP API may pass (gup_test's -F):
		 * the kernel's values, bits 0-12 of enum gup_flags. FOLL_PIN and
		 * the other internal bits are the entry points' to set.
		 */
		if (errno || end == w || *end || !v || (v & ~(unsigned long)SCN_FOLL_PUBLIC))
			return scn_perr(P, "bad foll '%s': FOLL_* bits of the GUP API, a number in "
					"0x1..%#x (FOLL_WRITE 0x1, FOLL_GET 0x2, FOLL_FORCE 0x8, "
					"FOLL_LONGTERM 0x100, FOLL_PCI_P2PDMA 0x400)", w, SCN_FOLL_PUBLIC);
		c->pin.foll = (unsigned int)v;
	}
	TRY(scn_arg_kv(P, "as", true, &h));
	return scn_declare(P, SCN_NS_HANDLE, h, (int)(c - P->s->cmds), &c->pin.handle);
}

/* The line of the first unpin of handle @id, 0 if none yet; NULL on ENOMEM. */
static unsigned int *unpinned(struct scn_parser *P, int id)
{
	if ((size_t)id >= P->cap_unpinned) {
		size_t cap = (size_t)id * 2 + 8;
		unsigned int *v = realloc(P->unpinned, cap * sizeof(*v));

		if (!v)
			return NULL;
		memset(v + P->cap_unpinned, 0, (cap - P->cap_unpinned) * sizeof(*v));
		P->unpinned = v;
		P->cap_unpinned = cap;
	}
	return &P->unpinned[id];
}

static int p_unpin(struct scn_parser *P, struct scn_cmd *c)
{
	unsigned int *u;

	TRY(word_lookup(P, "handle", SCN_NS_HANDLE, &c->unpin.handle));
	c->unpin.dirty = scn_arg_flag(P, "dirty");
	u = unpinned(P, c->unpin.handle);
	if (!u)
		return -ENOMEM;
	if (!*u)
		*u = c->line;
	return 0;
}

static int p_sync(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	c->sync.fs = -1;
	/* A filesystem name is optional; key=value arguments (during=) are not one. */
	if (P->end > P->first && !strchr(P->l->toks[P->first].s, '=')) {
		TRY(scn_arg_word(P, "filesystem", &w));
		TRY(scn_lookup(P, SCN_NS_FS, w, &c->sync.fs));
	}
	return 0;
}

static int p_dma(struct scn_parser *P, struct scn_cmd *c)
{
	const struct scn_cmd *pin;
	const char *dir;
	unsigned int *u;

	TRY(word_lookup(P, "handle", SCN_NS_HANDLE, &c->dma.handle));
	u = unpinned(P, c->dma.handle);
	if (!u)
		return -ENOMEM;
	if (*u)
		return scn_perr(P, "dma through handle '%s', which was unpinned at line %u",
				scn_name(P->s, SCN_NS_HANDLE, c->dma.handle), *u);
	TRY(scn_arg_word(P, "write|read", &dir));
	if (!strcmp(dir, "write"))
		c->dma.write = true;
	else if (strcmp(dir, "read"))
		return scn_perr(P, "dma direction must be 'write' or 'read', not '%s'", dir);
	TRY(arg_byte(P, c->dma.write ? "byte" : "expect", true, NULL, &c->dma.byte));
	TRY(opt_size(P, "offset", &c->dma.offset));
	TRY(opt_size(P, "len", &c->dma.len));
	/* A device access past its buffer has no errno to expect: refuse it here. */
	pin = &P->s->cmds[P->s->names[SCN_NS_HANDLE].v[c->dma.handle].info];
	if (c->dma.offset >= pin->pin.len || c->dma.len > pin->pin.len - c->dma.offset)
		return scn_perr(P, "dma past the end of handle '%s' (len=%llu at line %u)",
				scn_name(P->s, SCN_NS_HANDLE, c->dma.handle),
				(unsigned long long)pin->pin.len, pin->line);
	return 0;
}

static int p_check_disk(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	int fs;

	TRY(scn_arg_word(P, "file", &w));
	TRY(scn_parse_loc(P, SCN_NS_FILE, w, &c->check_disk.at));
	fs = P->s->names[SCN_NS_FILE].v[c->check_disk.at.id].info;
	if (P->s->names[SCN_NS_FS].v[fs].info != SCN_FS_DISK)
		return scn_perr(P, "check disk: file '%s' is on tmpfs '%s', which has no disk",
				scn_name(P->s, SCN_NS_FILE, c->check_disk.at.id),
				scn_name(P->s, SCN_NS_FS, fs));
	TRY(need_len(P, "len", &c->check_disk.len));
	return arg_byte(P, "byte", true, NULL, &c->check_disk.byte);
}

static int p_check_fsck(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(word_lookup(P, "disk", SCN_NS_FS, &c->check_fsck.fs));
	if (P->s->names[SCN_NS_FS].v[c->check_fsck.fs].info != SCN_FS_DISK)
		return scn_perr(P, "check fsck needs a disk; '%s' is a tmpfs",
				scn_name(P->s, SCN_NS_FS, c->check_fsck.fs));
	return 0;
}

static int p_check_pinned(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(word_lookup(P, "handle", SCN_NS_HANDLE, &c->check_pinned.handle));
	TRY(scn_arg_word(P, "yes|no", &w));
	if (!strcmp(w, "yes"))
		c->check_pinned.pinned = true;
	else if (strcmp(w, "no"))
		return scn_perr(P, "check pinned takes 'yes' or 'no', not '%s'", w);
	return 0;
}

static int p_check_vmstat(struct scn_parser *P, struct scn_cmd *c)
{
	size_t n = 0;

	for (size_t i = P->first; i < P->end; i++)
		n += !P->used[i];
	if (!n)
		return scn_perr(P, "missing argument 'name=value' for check vmstat");
	c->check_vmstat.v = calloc(n, sizeof(*c->check_vmstat.v));
	if (!c->check_vmstat.v)
		return -ENOMEM;
	for (size_t i = P->first; i < P->end; i++) {
		const struct scn_tok *t = &P->l->toks[i];
		struct scn_stat *st = &c->check_vmstat.v[c->check_vmstat.nr];
		const char *eq = t->quoted ? NULL : strchr(t->s, '=');

		if (P->used[i])
			continue;
		if (!eq)
			return scn_perr(P, "check vmstat takes name=value pairs, not '%s'", t->s);
		st->name = strndup(t->s, (size_t)(eq - t->s));
		if (!st->name)
			return -ENOMEM;
		c->check_vmstat.nr++;
		if (!scn_valid_name(st->name))
			return scn_perr(P, "bad vmstat name '%s'", st->name);
		if (scn_parse_long(eq + 1, &st->value))
			return scn_perr(P, "bad value '%s' for %s", eq + 1, st->name);
		P->used[i] = true;
	}
	return 0;
}

static int event_kind(const char *s, enum mm_event_kind *k)
{
	static const char *const names[MM_EV_NR] = {
		[MM_EV_BUG] = "BUG", [MM_EV_WARN] = "WARN", [MM_EV_CSUM] = "CSUM",
	};

	for (int i = 0; i < MM_EV_NR; i++) {
		if (names[i] && !strcmp(s, names[i])) {
			*k = (enum mm_event_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int p_check_events(struct scn_parser *P, struct scn_cmd *c)
{
	for (int k = 0; k < MM_EV_NR; k++)
		c->check_events.count[k] = -1;
	if (scn_arg_flag(P, "none")) {
		for (int k = 0; k < MM_EV_NR; k++)
			c->check_events.count[k] = 0;
		return 0;
	}
	for (size_t i = P->first; i < P->end; i++) {
		const struct scn_tok *t = &P->l->toks[i];
		const char *eq = t->quoted ? NULL : strchr(t->s, '=');
		enum mm_event_kind k;
		char kind[8];
		uint64_t v;

		if (P->used[i])
			continue;
		if (!eq || (size_t)(eq - t->s) >= sizeof(kind))
			return scn_perr(P, "check events takes 'none' or BUG=N WARN=N CSUM=N, not '%s'",
					t->s);
		memcpy(kind, t->s, (size_t)(eq - t->s));
		kind[eq - t->s] = '\0';
		if (event_kind(kind, &k))
			return scn_perr(P, "unknown event kind '%s' (BUG, WARN, CSUM)", kind);
		if (scn_parse_count(eq + 1, &v) || v > 1000000)
			return scn_perr(P, "bad count '%s'", eq + 1);
		c->check_events.count[k] = (long)v;
		P->used[i] = true;
	}
	for (int k = 0; k < MM_EV_NR; k++)
		if (c->check_events.count[k] >= 0)
			return 0;
	return scn_perr(P, "missing argument 'none' or 'KIND=N' for check events");
}

static int p_fork(struct scn_parser *P, struct scn_cmd *c)
{
	size_t nr = P->nr_vis;

	TRY(word_lookup(P, "parent process", SCN_NS_PROC, &c->fork.parent));
	TRY(word_declare(P, "child process", SCN_NS_PROC, 0, &c->fork.child));
	for (size_t i = 0; i < nr; i++) {
		if (P->vis[i].proc == c->fork.parent) {
			struct scn_vis parent = P->vis[i];

			TRY(scn_vis_add(P, c->fork.child, parent.map));
			parent.proc = c->fork.child;
			P->vis[P->nr_vis - 1] = parent;
		}
	}
	return 0;
}

static int p_vma(struct scn_parser *P, struct scn_cmd *c)
{
	return proc_map(P, &c->vma.proc, &c->vma.map);
}

/*
 * PROC MAP[+OFF] [len=SIZE], for munmap, mprotect and madvise: all of the
 * mapping, or a page-aligned part of it. @what names the call in messages.
 */
static int p_range(struct scn_parser *P, const char *what, int *proc, int *map, uint64_t *off,
		   uint64_t *len)
{
	const struct scn_name *m;
	struct scn_loc at;
	const char *w;
	int ret;

	TRY(word_lookup(P, "process", SCN_NS_PROC, proc));
	TRY(scn_arg_word(P, "mapping", &w));
	TRY(scn_lookup_map(P, *proc, w, &at));
	*map = at.id;
	*off = at.off;
	m = &P->s->names[SCN_NS_MAP].v[at.id];
	ret = scn_arg_size(P, "len", false, len);
	if (ret < 0)
		return ret;
	if (ret && at.off)
		return scn_perr(P, "%s of part of a mapping needs len=", what);
	if (!ret && !*len)
		return scn_perr(P, "len= must not be 0 for %s", what);
	if (at.off % SCN_PAGE_BYTES && strchr(what, ' '))
		return scn_perr(P, "%s offset must be page aligned", what);
	if (at.off % SCN_PAGE_BYTES)
		return scn_perr(P, "%s offset must be page aligned (%s(2) answers EINVAL)", what, what);
	return check_range(P, &(struct scn_cmd){ .has_result = true }, *proc, &at,
			   *len ? *len : m->len);
}

/* A hole in @proc's view of @map from this line on, as munmap leaves. */
static void add_hole(struct scn_parser *P, const struct scn_cmd *c, int proc, int map,
		     uint64_t off, uint64_t len)
{
	struct scn_vis *v = scn_vis_find(P, proc, map);

	if (v && v->nr_holes < SCN_HOLES_MAX && !c->has_result) {
		v->holes[v->nr_holes].off = off;
		v->holes[v->nr_holes].len = len;
		v->holes[v->nr_holes].what = P->cmd;
		v->holes[v->nr_holes++].line = c->line;
	}
}

/* munmap PROC MAP[+OFF] [len=SIZE]: all of the mapping, or a page-aligned part. */
static int p_munmap(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(p_range(P, "munmap", &c->vma.proc, &c->vma.map, &c->vma.off, &c->vma.len));
	add_hole(P, c, c->vma.proc, c->vma.map, c->vma.off,
		 c->vma.len ? c->vma.len : P->s->names[SCN_NS_MAP].v[c->vma.map].len);
	return 0;
}

static int p_mprotect(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(p_range(P, "mprotect", &c->mprotect.proc, &c->mprotect.map, &c->mprotect.off,
		    &c->mprotect.len));
	TRY(scn_arg_word(P, "none|ro|rw", &w));
	if (!strcmp(w, "rw"))
		c->mprotect.writable = true;
	else if (!strcmp(w, "none"))
		c->mprotect.none = true;
	else if (strcmp(w, "ro"))
		return scn_perr(P, "mprotect takes 'none', 'ro' or 'rw', not '%s'", w);
	return 0;
}

static int p_madvise(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	char hint[160];

	TRY(p_range(P, "madvise", &c->madvise.proc, &c->madvise.map, &c->madvise.off,
		    &c->madvise.len));
	TRY(scn_arg_word(P, "advice", &w));
	for (int a = 0; a < SCN_NR_ADVICE; a++) {
		if (!strcmp(w, scn_advice_names[a])) {
			c->madvise.advice = (enum scn_advice)a;
			return 0;
		}
	}
	scn_suggest(hint, sizeof(hint), w, scn_advice_names, SCN_NR_ADVICE);
	return scn_perr(P, "unknown advice '%s' (%s)", w, hint);
}

/* check swapped PROC MAP[+OFF] [len=SIZE] yes|no */
static int p_check_swapped(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(p_range(P, "check swapped", &c->check_swapped.proc, &c->check_swapped.map,
		    &c->check_swapped.off, &c->check_swapped.len));
	TRY(scn_arg_word(P, "yes|no", &w));
	if (!strcmp(w, "yes"))
		c->check_swapped.swapped = true;
	else if (strcmp(w, "no"))
		return scn_perr(P, "check swapped takes 'yes' or 'no', not '%s'", w);
	return 0;
}

/*
 * mremap PROC MAP[+OFF] [len=SIZE] as=NEWMAP [newlen=SIZE] [fixed=MAP[+OFF]]:
 * the moved (or resized) range is the new mapping NEWMAP; the old range, and
 * the range a fixed= move replaces, are holes from here on.
 */
static int p_mremap(struct scn_parser *P, struct scn_cmd *c)
{
	uint64_t len;
	const char *w;
	int ret;

	TRY(p_range(P, "mremap", &c->mremap.proc, &c->mremap.map, &c->mremap.off, &c->mremap.len));
	len = c->mremap.len ? c->mremap.len : P->s->names[SCN_NS_MAP].v[c->mremap.map].len;
	ret = scn_arg_size(P, "newlen", false, &c->mremap.newlen);
	if (ret < 0)
		return ret;
	if (!ret && (!c->mremap.newlen || c->mremap.newlen % SCN_PAGE_BYTES))
		return scn_perr(P, "newlen= must be a non-zero multiple of 4K");
	c->mremap.fixed.id = -1;
	ret = scn_arg_kv(P, "fixed", false, &w);
	if (ret < 0)
		return ret;
	if (!ret) {
		TRY(scn_lookup_map(P, c->mremap.proc, w, &c->mremap.fixed));
		if (c->mremap.fixed.off % SCN_PAGE_BYTES)
			return scn_perr(P, "fixed= must be page aligned (mremap(2) answers EINVAL)");
	}
	TRY(scn_arg_kv(P, "as", true, &w));
	TRY(scn_declare(P, SCN_NS_MAP, w, c->mremap.proc, &c->mremap.to));
	P->s->names[SCN_NS_MAP].v[c->mremap.to].len = c->mremap.newlen ? c->mremap.newlen : len;
	add_hole(P, c, c->mremap.proc, c->mremap.map, c->mremap.off, len);
	if (c->mremap.fixed.id >= 0)
		add_hole(P, c, c->mremap.proc, c->mremap.fixed.id, c->mremap.fixed.off,
			 c->mremap.newlen ? c->mremap.newlen : len);
	return c->has_result ? 0 : scn_vis_add(P, c->mremap.proc, c->mremap.to);
}

/* exit PROC: the process and its mappings go; pins it took stay with their handles. */
static int p_exit(struct scn_parser *P, struct scn_cmd *c)
{
	size_t keep = 0;

	TRY(word_lookup(P, "process", SCN_NS_PROC, &c->exit.proc));
	for (size_t i = 0; i < P->nr_vis; i++)
		if (P->vis[i].proc != c->exit.proc)
			P->vis[keep++] = P->vis[i];
	P->nr_vis = keep;
	return 0;
}

/* check folio HANDLE [page=N] [order=N] [large|small] [exclusive|shared] [pincount=N] */
static int p_check_folio(struct scn_parser *P, struct scn_cmd *c)
{
	uint64_t v;
	int ret;

	TRY(word_lookup(P, "handle", SCN_NS_HANDLE, &c->check_folio.handle));
	c->check_folio.order = c->check_folio.large = c->check_folio.exclusive = -1;
	c->check_folio.pincount = -1;
	/* scn_arg_size(): 0 when given, 1 when absent, < 0 on error. */
	ret = scn_arg_size(P, "page", false, &v);
	if (ret < 0)
		return ret;
	if (!ret)
		c->check_folio.page = v;
	ret = scn_arg_size(P, "order", false, &v);
	if (ret < 0)
		return ret;
	if (!ret) {
		if (v > 18)
			return scn_perr(P, "order= is a folio order, 0 to 18");
		c->check_folio.order = (int)v;
	}
	ret = scn_arg_size(P, "pincount", false, &v);
	if (ret < 0)
		return ret;
	if (!ret) {
		if (v > INT32_MAX)
			return scn_perr(P, "pincount= is more than a folio can hold");
		c->check_folio.pincount = (long)v;
	}
	if (scn_arg_flag(P, "large"))
		c->check_folio.large = 1;
	if (scn_arg_flag(P, "small")) {
		if (c->check_folio.large == 1)
			return scn_perr(P, "check folio: 'large' and 'small' contradict each other");
		c->check_folio.large = 0;
	}
	c->check_folio.hugetlb = scn_arg_flag(P, "hugetlb") ? 1 : -1;
	if (scn_arg_flag(P, "exclusive"))
		c->check_folio.exclusive = 1;
	if (scn_arg_flag(P, "shared")) {
		if (c->check_folio.exclusive == 1)
			return scn_perr(P, "check folio: 'exclusive' and 'shared' contradict each other");
		c->check_folio.exclusive = 0;
	}
	if (c->check_folio.order < 0 && c->check_folio.large < 0 &&
	    c->check_folio.exclusive < 0 && c->check_folio.pincount < 0 && c->check_folio.hugetlb < 0)
		return scn_perr(P, "check folio asks nothing: give order=, large|small, exclusive|shared, pincount= or hugetlb");
	return 0;
}

/*
 * thp SIZE always|inherit|madvise|never, thp enabled always|madvise|never,
 * thp zeropage on|off: what a test writes to /sys/kernel/mm/transparent_hugepage.
 */
static int p_thp(struct scn_parser *P, struct scn_cmd *c)
{
	const char *t, *m;
	uint64_t size;

	TRY(scn_arg_word(P, "SIZE|enabled|zeropage", &t));
	TRY(scn_arg_word(P, "mode", &m));
	if (!strcmp(t, "zeropage")) {
		c->thp.order = SCN_THP_ZEROPAGE;
		if (strcmp(m, "on") && strcmp(m, "off"))
			return scn_perr(P, "thp zeropage takes 'on' or 'off', not '%s'", m);
		c->thp.mode = !strcmp(m, "on");
		return 0;
	}
	c->thp.mode = -1;
	for (int i = 0; i < 4; i++)
		if (!strcmp(m, scn_thp_modes[i]))
			c->thp.mode = i;
	if (!strcmp(t, "enabled")) {
		c->thp.order = SCN_THP_ENABLED;
		if (c->thp.mode < 0 || c->thp.mode == 1)
			return scn_perr(P, "thp enabled takes always, madvise or never, not '%s'", m);
		return 0;
	}
	if (scn_parse_size(t, &size))
		return scn_perr(P, "thp takes a size (16K..2M), 'enabled' or 'zeropage', not '%s'", t);
	if (size < 4 * SCN_PAGE_BYTES || size > SCN_PMD_BYTES || (size & (size - 1)))
		return scn_perr(P, "thp size '%s': anonymous THP sizes are the powers of two from 16K to 2M "
				"(hugepages-8kB has no anon 'enabled' file)", t);
	c->thp.order = __builtin_ctzll(size / SCN_PAGE_BYTES);
	if (c->thp.mode < 0)
		return scn_perr(P, "thp %s takes always, inherit, madvise or never, not '%s'", t, m);
	return 0;
}

/* Model: files end at the largest loff_t, as s_maxbytes would be without a block-map limit. */
#define SCN_LOFF_MAX ((uint64_t)INT64_MAX)

static int p_truncate(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(word_lookup(P, "file", SCN_NS_FILE, &c->truncate.file));
	TRY(scn_arg_size(P, "size", true, &c->truncate.size));
	if (c->truncate.size > SCN_LOFF_MAX)
		return scn_perr(P, "truncate size= is past the largest file offset (2^63-1)");
	return 0;
}

static int p_punch(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(word_lookup(P, "file", SCN_NS_FILE, &c->punch.file));
	TRY(scn_arg_size(P, "offset", true, &c->punch.offset));
	TRY(need_len(P, "len", &c->punch.len));
	if (c->punch.offset > SCN_LOFF_MAX || c->punch.len > SCN_LOFF_MAX - c->punch.offset)
		return scn_perr(P, "punch offset= + len= is past the largest file offset (2^63-1)");
	return 0;
}

/* seal FILE write|future-write|shrink|grow|seal...: fcntl(F_ADD_SEALS) of them all at once. */
static int p_seal(struct scn_parser *P, struct scn_cmd *c)
{
	static const struct { const char *word; unsigned int seal; } seals[] = {
		{ "write", SCN_SEAL_WRITE }, { "future-write", SCN_SEAL_FUTURE_WRITE },
		{ "shrink", SCN_SEAL_SHRINK }, { "grow", SCN_SEAL_GROW }, { "seal", SCN_SEAL_SEAL },
	};

	TRY(word_lookup(P, "file", SCN_NS_FILE, &c->seal.file));
	for (size_t i = 0; i < sizeof(seals) / sizeof(seals[0]); i++)
		if (scn_arg_flag(P, seals[i].word))
			c->seal.seals |= seals[i].seal;
	if (!c->seal.seals)
		return scn_perr(P, "seal takes one or more of write, future-write, shrink, grow, seal");
	return 0;
}

/* pwrite FILE[+OFF] len=SIZE byte=BYTE: write(2) through the page cache. */
static int p_pwrite(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(scn_arg_word(P, "file", &w));
	TRY(scn_parse_loc(P, SCN_NS_FILE, w, &c->pwrite.at));
	TRY(need_len(P, "len", &c->pwrite.len));
	if (c->pwrite.at.off > SCN_LOFF_MAX || c->pwrite.len > SCN_LOFF_MAX - c->pwrite.at.off)
		return scn_perr(P, "pwrite past the largest file offset (2^63-1)");
	if (c->pwrite.len > (1ULL << 30))
		return scn_perr(P, "pwrite len= is more than 1G");
	return arg_byte(P, "byte", true, NULL, &c->pwrite.byte);
}

static int p_check_zone(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	char hint[128];

	TRY(word_lookup(P, "handle", SCN_NS_HANDLE, &c->check_zone.handle));
	TRY(scn_arg_word(P, "zone", &w));
	for (int z = 0; z < SCN_NR_ZONES; z++) {
		if (!strcmp(w, scn_zone_names[z])) {
			c->check_zone.zone = (enum scn_zone)z;
			return 0;
		}
	}
	scn_suggest(hint, sizeof(hint), w, scn_zone_names, SCN_NR_ZONES);
	return scn_perr(P, "unknown zone '%s' for check zone (%s)", w, hint);
}

static int p_none(struct scn_parser *P, struct scn_cmd *c)
{
	return 0;
}

static int p_lease(struct scn_parser *P, struct scn_cmd *c)
{
	return word_lookup(P, "file", SCN_NS_FILE, &c->lease.file);
}

static int p_expect_event(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(scn_arg_word(P, "BUG|WARN|CSUM", &w));
	if (event_kind(w, &c->expect_event.kind))
		return scn_perr(P, "unknown event kind '%s' (BUG, WARN, CSUM)", w);
	for (size_t i = P->first; i < P->end; i++) {
		const struct scn_tok *t = &P->l->toks[i];

		if (!t->quoted || P->used[i])
			continue;
		if (!t->s[0])
			return scn_perr(P, "empty event text for expect event");
		c->expect_event.text = strdup(t->s);
		if (!c->expect_event.text)
			return -ENOMEM;
		P->used[i] = true;
		return 0;
	}
	return scn_perr(P, "missing argument '\"TEXT\"' for expect event");
}

static const struct {
	int (*parse)(struct scn_parser *P, struct scn_cmd *c);
	bool result_ok;		/* may end in "-> RES" */
} handlers[SCN_NR_CMDS] = {
	[SCN_MEMORY] = { p_memory, false },
	[SCN_DISK] = { p_disk, false },
	[SCN_TMPFS] = { p_tmpfs, false },
	[SCN_HUGETLBFS] = { p_hugetlbfs, false },
	[SCN_FILE] = { p_file, true },
	[SCN_PROCESS] = { p_process, false },
	[SCN_DEVICE] = { p_device, false },
	[SCN_MMAP] = { p_mmap, true },
	[SCN_WRITE] = { p_access, true },
	[SCN_READ] = { p_access, true },
	[SCN_PIN] = { p_pin, true },
	[SCN_UNPIN] = { p_unpin, false },
	[SCN_WRITEBACK] = { p_sync, false },
	[SCN_SYNC] = { p_sync, true },
	[SCN_DMA] = { p_dma, true },
	[SCN_CHECK_DISK] = { p_check_disk, false },
	[SCN_CHECK_FSCK] = { p_check_fsck, false },
	[SCN_CHECK_PINNED] = { p_check_pinned, false },
	[SCN_CHECK_VMSTAT] = { p_check_vmstat, false },
	[SCN_CHECK_EVENTS] = { p_check_events, false },
	[SCN_FORK] = { p_fork, true },
	[SCN_MUNMAP] = { p_munmap, true },
	[SCN_MPROTECT] = { p_mprotect, true },
	[SCN_MADVISE] = { p_madvise, true },
	[SCN_EXIT] = { p_exit, true },
	[SCN_CHECK_FOLIO] = { p_check_folio, false },
	[SCN_MREMAP] = { p_mremap, true },
	[SCN_SWAP] = { p_swap, false },
	[SCN_WHATIF] = { p_whatif, false },
	[SCN_CHECK_SWAPPED] = { p_check_swapped, false },
	[SCN_THP] = { p_thp, true },
	[SCN_TRUNCATE] = { p_truncate, true },
	[SCN_PUNCH] = { p_punch, true },
	[SCN_RECLAIM] = { p_none, false },
	[SCN_MIGRATE] = { p_vma, true },
	[SCN_DROP_CACHES] = { p_none, false },
	[SCN_LEASE] = { p_lease, true },
	[SCN_UNLEASE] = { p_lease, true },
	[SCN_EXPECT_EVENT] = { p_expect_event, false },
	[SCN_DEBUG_PINS] = { p_none, false },
	[SCN_PWRITE] = { p_pwrite, true },
	[SCN_SEAL] = { p_seal, true },
	[SCN_CHECK_ZONE] = { p_check_zone, false },
};

static bool is_check(enum scn_cmd_kind k)
{
	return !strncmp(scn_cmd_names[k], "check ", 6);
}

/*
 * only=PRESET,... or except=PRESET,...: a check that holds where the design
 * can tell (a tracker that counts pins can answer check pinned; the get
 * tracker cannot).
 */
static int parse_only(struct scn_parser *P, struct scn_cmd *c)
{
	const char *v, *p, *key = "only";
	size_t n = 1;
	int ret = scn_arg_kv(P, "only", false, &v);
	int ex = scn_arg_kv(P, "except", false, &p);

	if (ret < 0 || ex < 0)
		return ret < 0 ? ret : ex;
	if (!ret && !ex)
		return scn_perr(P, "a check takes only= or except=, not both");
	if (ret && ex)
		return 0;
	if (ret) {
		v = p;
		key = "except";
		c->except = true;
	}
	for (p = v; *p; p++)
		n += *p == ',';
	c->only = calloc(n, sizeof(*c->only));
	if (!c->only)
		return -ENOMEM;
	for (p = v;; ) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *name = strndup(p, len);

		if (!name)
			return -ENOMEM;
		c->only[c->nr_only++] = name;
		if (!scn_valid_name(name))
			return scn_perr(P, "bad preset name '%s' in %s=", name, key);
		for (size_t i = 0; i + 1 < c->nr_only; i++)
			if (!strcmp(c->only[i], name))
				return scn_perr(P, "preset '%s' listed twice in %s=", name, key);
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* Tokens [0, @first) named the command; P->cmd is its name. */
/* Commands that act, and so can be run by another context inside a race point. */
static bool armable(enum scn_cmd_kind k)
{
	switch (k) {
	case SCN_WRITE: case SCN_READ: case SCN_PIN: case SCN_UNPIN: case SCN_DMA:
	case SCN_WRITEBACK: case SCN_SYNC: case SCN_FORK: case SCN_MUNMAP:
	case SCN_MPROTECT: case SCN_MADVISE: case SCN_MIGRATE: case SCN_RECLAIM:
	case SCN_TRUNCATE: case SCN_PUNCH: case SCN_DROP_CACHES:
		return true;
	default:
		return false;
	}
}

static int p_during(struct scn_parser *P, struct scn_cmd *c)
{
	char known[160] = "";
	enum race_point rp;
	const char *w;
	size_t asked = P->nr_asked;
	int ret = scn_arg_kv(P, "during", false, &w);

	/* A command that cannot be armed does not offer during= in "takes:" lists. */
	if (!armable(c->kind))
		P->nr_asked = asked;
	if (ret)
		return ret < 0 ? ret : 0;
	if (!armable(c->kind))
		return scn_perr(P, "%s does not take during=: only commands that act can run inside a race point",
				P->cmd);
	c->has_during = true;
	if (!strcmp(w, "any")) {
		for (size_t i = 0; i < P->s->nr_cmds - 1; i++)
			if (P->s->cmds[i].has_during && P->s->cmds[i].during == SCN_DURING_ANY)
				return scn_perr(P, "only one during=any per scenario (the first is at line %u)",
						P->s->cmds[i].line);
		c->during = SCN_DURING_ANY;
		return 0;
	}
	if (!race_point_parse(w, &rp)) {
		c->during = (int)rp;
		return 0;
	}
	for (int i = 0; i < NR_RACE_POINTS; i++) {
		strcat(known, race_point_names[i]);
		strcat(known, ", ");
	}
	return scn_perr(P, "unknown race point 'during=%s' (known: %sany)", w, known);
}

static int scn_parse_command_at(struct scn_parser *P, struct scn_cmd *c, size_t first)
{
	TRY(scn_args_begin(P, first, c, handlers[c->kind].result_ok));
	/* An expectation, like a check, may hold only where the design can tell. */
	if (is_check(c->kind) || c->kind == SCN_EXPECT_EVENT)
		TRY(parse_only(P, c));
	TRY(handlers[c->kind].parse(P, c));
	TRY(p_during(P, c));
	return scn_args_end(P);
}

int scn_parse_command(struct scn_parser *P, struct scn_cmd *c)
{
	const struct scn_line *l = P->l;
	const char *w0 = l->toks[0].s;
	size_t first = 1;
	int kind = -1;

	if (l->toks[0].quoted)
		return scn_perr(P, "a line must start with a command, not a string");
	if (!strcmp(w0, "check") || !strcmp(w0, "expect")) {
		char both[48];

		if (l->nr < 2 || l->toks[1].quoted)
			return scn_perr(P, "missing argument 'what' for %s", w0);
		snprintf(both, sizeof(both), "%s %s", w0, l->toks[1].s);
		for (int k = 0; k < SCN_NR_CMDS; k++)
			if (!strcmp(both, scn_cmd_names[k]))
				kind = k;
		if (kind < 0) {
			const char *known[SCN_NR_CMDS];
			size_t n = strlen(w0) + 1, nr = 0;
			char hint[384];

			for (int k = 0; k < SCN_NR_CMDS; k++)
				if (!strncmp(scn_cmd_names[k], both, n))
					known[nr++] = scn_cmd_names[k] + n;
			scn_suggest(hint, sizeof(hint), l->toks[1].s, known, nr);
			return scn_perr(P, "unknown %s '%s' (%s)", w0, l->toks[1].s, hint);
		}
		first = 2;
	} else {
		for (int k = 0; k < SCN_NR_CMDS; k++)
			if (!strcmp(w0, scn_cmd_names[k]))
				kind = k;
		if (kind < 0) {
			const char *known[SCN_NR_CMDS + 5] = {
				"scenario", "presets", "verdict", "check", "expect",
			};
			size_t nr = 5;
			char hint[448];

			/* "check disk" and the like are offered as "check" above. */
			for (int k = 0; k < SCN_NR_CMDS; k++)
				if (!strchr(scn_cmd_names[k], ' '))
					known[nr++] = scn_cmd_names[k];
			scn_suggest(hint, sizeof(hint), w0, known, nr);
			return scn_perr(P, "unknown command '%s' (%s)", w0, hint);
		}
	}
	c->kind = (enum scn_cmd_kind)kind;
	P->cmd = scn_cmd_names[kind];
	return scn_parse_command_at(P, c, first);
}
