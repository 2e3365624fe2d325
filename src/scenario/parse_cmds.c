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
#include "parse_cmd.h"


int scn_need_len(struct scn_parser *P, const char *key, uint64_t *out)
{
	TRY(scn_arg_size(P, key, true, out));
	if (!*out)
		return scn_perr(P, "%s= must not be 0 for %s", key, P->cmd);
	return 0;
}

/* An optional size: absent leaves *out alone. */
int scn_opt_size(struct scn_parser *P, const char *key, uint64_t *out)
{
	int ret = scn_arg_size(P, key, false, out);

	return ret < 0 ? ret : 0;
}

int scn_arg_byte(struct scn_parser *P, const char *key, bool required, bool *has, uint8_t *out)
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

int scn_word_lookup(struct scn_parser *P, const char *what, enum scn_ns ns, int *id)
{
	const char *w;

	TRY(scn_arg_word(P, what, &w));
	return scn_lookup(P, ns, w, id);
}

int scn_word_declare(struct scn_parser *P, const char *what, enum scn_ns ns, int info, int *id)
{
	const char *w;

	TRY(scn_arg_word(P, what, &w));
	return scn_declare(P, ns, w, info, id);
}

/* PROC MAP: the process, then a mapping visible in it. */
int scn_proc_map(struct scn_parser *P, int *proc, int *map)
{
	const char *w;
	struct scn_loc loc;

	TRY(scn_word_lookup(P, "process", SCN_NS_PROC, proc));
	TRY(scn_arg_word(P, "mapping", &w));
	if (strchr(w, '+'))
		return scn_perr(P, "%s takes a whole mapping, not '%s'", P->cmd, w);
	TRY(scn_lookup_map(P, *proc, w, &loc));
	*map = loc.id;
	return 0;
}

void scn_size_text(uint64_t v, char *buf, size_t len)
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
int scn_check_range(struct scn_parser *P, const struct scn_cmd *c, int proc,
		       const struct scn_loc *at, uint64_t len)
{
	const struct scn_name *m = &P->s->names[SCN_NS_MAP].v[at->id];
	const struct scn_vis *v = scn_vis_find(P, proc, at->id);
	char a[24], b[24];

	if (at->off >= m->len || len > m->len - at->off) {
		scn_size_text(at->off, a, sizeof(a));
		scn_size_text(m->len, b, sizeof(b));
		return scn_perr(P, "%s past the end of mapping '%s': +%s len=%llu, but the mapping "
				"is len=%s (line %u)", P->cmd, m->name, a, (unsigned long long)len,
				b, m->line);
	}
	for (unsigned int i = 0; v && !c->has_result && i < v->nr_holes; i++) {
		if (at->off < v->holes[i].off + v->holes[i].len &&
		    v->holes[i].off < at->off + len) {
			scn_size_text(v->holes[i].off, a, sizeof(a));
			return scn_perr(P, "%s of mapping '%s' touches +%s, which %s took out at "
					"line %u (end the line with '-> EFAULT' if that is the point)",
					P->cmd, m->name, a, v->holes[i].what, v->holes[i].line);
		}
	}
	return 0;
}


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
	TRY(scn_opt_size(P, "movable", &c->memory.movable));
	TRY(scn_opt_size(P, "cma", &c->memory.cma));
	ret = scn_arg_kv(P, "hugepages", false, &w);
	if (ret < 0)
		return ret;
	if (!ret && (scn_parse_count(w, &c->memory.hugepages) ||
		     c->memory.hugepages * SCN_PMD_BYTES >= c->memory.size))
		return scn_perr(P, "hugepages=%s: a count of 2M pages that leaves part of memory "
				"to the buddy allocator", w);
	/*
	 * RAM starts at 16M (ARCH_PFN_OFFSET) and a 1G page must be 1G-aligned in
	 * ZONE_NORMAL outside CMA: N of them need (N+1)G there.
	 */
	ret = scn_arg_kv(P, "hugepages-1G", false, &w);
	if (ret < 0)
		return ret;
	if (!ret && (scn_parse_count(w, &c->memory.hugepages_1g) || !c->memory.hugepages_1g ||
		     (c->memory.hugepages_1g + 1) * (1ULL << 30) + c->memory.hugepages * SCN_PMD_BYTES >
		     c->memory.size - c->memory.movable - c->memory.cma))
		return scn_perr(P, "hugepages-1G=%s: N gigantic pages need memory of at least N+1 G "
				"in ZONE_NORMAL outside cma= (RAM starts at 16M; each page is 1G-aligned), "
				"beside hugepages=", w);
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
	TRY(scn_word_declare(P, "disk name", SCN_NS_FS, SCN_FS_DISK, &c->disk.fs));
	TRY(scn_need_len(P, "size", &c->disk.size));
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
	TRY(scn_word_declare(P, "tmpfs name", SCN_NS_FS, SCN_FS_TMPFS, &c->tmpfs.fs));
	return scn_opt_size(P, "size", &c->tmpfs.size);
}

/* hugetlbfs FS [pagesize=1G]: the mount option picks the hstate (memfd's MFD_HUGE_1GB). */
static int p_hugetlbfs(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(scn_word_declare(P, "hugetlbfs name", SCN_NS_FS, SCN_FS_HUGETLBFS, &c->tmpfs.fs));
	TRY(scn_opt_size(P, "pagesize", &c->tmpfs.pagesize));
	if (c->tmpfs.pagesize == SCN_PMD_BYTES)
		c->tmpfs.pagesize = 0;
	if (c->tmpfs.pagesize && c->tmpfs.pagesize != (1ULL << 30))
		return scn_perr(P, "pagesize= is a hugetlb size: 2M or 1G");
	return 0;
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
	TRY(scn_word_lookup(P, "filesystem", SCN_NS_FS, &c->file.fs));
	TRY(scn_declare(P, SCN_NS_FILE, name, c->file.fs, &c->file.file));
	TRY(scn_opt_size(P, "size", &c->file.size));
	TRY(scn_arg_byte(P, "fill", false, &has_fill, &fill));
	c->file.fill = has_fill ? fill : -1;
	if (has_fill && !c->file.size)
		return scn_perr(P, "fill= needs size=");
	if (P->s->names[SCN_NS_FS].v[c->file.fs].info == SCN_FS_HUGETLBFS &&
	    (has_fill || !c->file.size || c->file.size % SCN_PMD_BYTES))
		return scn_perr(P, "a file on hugetlbfs takes size=, a multiple of 2M (it is "
				"fallocate()d from the hugetlb pool), and no fill=");
	TRY(p_memfd_flags(P, c));
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
	return scn_word_declare(P, "process name", SCN_NS_PROC, 0, &c->process.proc);
}

static int p_device(struct scn_parser *P, struct scn_cmd *c)
{
	const char *name;

	TRY(scn_arg_word(P, "device name", &name));
	c->device.odp = scn_arg_flag(P, "odp");
	return scn_declare(P, SCN_NS_DEV, name, c->device.odp, &c->device.dev);
}

/* The key of hugetlb=SIZE (the record of what the parser asked keeps a flag
 * and a key of one spelling apart by their kind: parse_args.c, asked()). */
static const char hugetlb_kv[] = "hugetlb";

static int p_mmap(struct scn_parser *P, struct scn_cmd *c)
{
	const char *name, *f;
	bool shared, private, ro, rw, anon;
	int ret;

	TRY(scn_word_lookup(P, "process", SCN_NS_PROC, &c->mmap.proc));
	TRY(scn_arg_word(P, "mapping name", &name));
	shared = scn_arg_flag(P, "shared");
	private = scn_arg_flag(P, "private");
	ro = scn_arg_flag(P, "ro");
	rw = scn_arg_flag(P, "rw");
	anon = scn_arg_flag(P, "anon");
	TRY(scn_need_len(P, "len", &c->mmap.len));
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
		c->mmap.hugetlb = true;
		c->mmap.hugetlb_1g = hs != SCN_PMD_BYTES;
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

	TRY(scn_word_lookup(P, "process", SCN_NS_PROC, &c->access.proc));
	TRY(scn_arg_word(P, "mapping", &w));
	TRY(scn_lookup_map(P, c->access.proc, w, &c->access.at));
	TRY(scn_need_len(P, "len", &c->access.len));
	TRY(scn_check_range(P, c, c->access.proc, &c->access.at, c->access.len));
	return scn_arg_byte(P, write ? "byte" : "expect", write, &c->access.has_byte, &c->access.byte);
}

static int p_pin(struct scn_parser *P, struct scn_cmd *c)
{
	static const struct { const char *flag; unsigned int bit; } flags[] = {
		{ "write", SCN_PIN_WRITE }, { "longterm", SCN_PIN_LONGTERM },
		{ "fast", SCN_PIN_FAST }, { "get", SCN_PIN_GET }, { "remote", SCN_PIN_REMOTE },
	};
	const char *w, *h;
	int ret;

	TRY(scn_word_lookup(P, "process", SCN_NS_PROC, &c->pin.proc));
	TRY(scn_arg_word(P, "mapping", &w));
	TRY(scn_lookup_map(P, c->pin.proc, w, &c->pin.at));
	TRY(scn_need_len(P, "len", &c->pin.len));
	TRY(scn_check_range(P, c, c->pin.proc, &c->pin.at, c->pin.len));
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

	TRY(scn_word_lookup(P, "handle", SCN_NS_HANDLE, &c->unpin.handle));
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

	TRY(scn_word_lookup(P, "handle", SCN_NS_HANDLE, &c->dma.handle));
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
	TRY(scn_arg_byte(P, c->dma.write ? "byte" : "expect", true, NULL, &c->dma.byte));
	TRY(scn_opt_size(P, "offset", &c->dma.offset));
	TRY(scn_opt_size(P, "len", &c->dma.len));
	/* A device access past its buffer has no errno to expect: refuse it here. */
	pin = &P->s->cmds[P->s->names[SCN_NS_HANDLE].v[c->dma.handle].info];
	if (c->dma.offset >= pin->pin.len || c->dma.len > pin->pin.len - c->dma.offset)
		return scn_perr(P, "dma past the end of handle '%s' (len=%llu at line %u)",
				scn_name(P->s, SCN_NS_HANDLE, c->dma.handle),
				(unsigned long long)pin->pin.len, pin->line);
	return 0;
}

static int p_truncate(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(scn_word_lookup(P, "file", SCN_NS_FILE, &c->truncate.file));
	TRY(scn_arg_size(P, "size", true, &c->truncate.size));
	if (c->truncate.size > SCN_LOFF_MAX)
		return scn_perr(P, "truncate size= is past the largest file offset (2^63-1)");
	return 0;
}

static int p_none(struct scn_parser *P, struct scn_cmd *c)
{
	return 0;
}

static int p_lease(struct scn_parser *P, struct scn_cmd *c)
{
	return scn_word_lookup(P, "file", SCN_NS_FILE, &c->lease.file);
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
	[SCN_DROP_CACHES] = { p_drop_caches, false },
	[SCN_LEASE] = { p_lease, true },
	[SCN_UNLEASE] = { p_lease, true },
	[SCN_EXPECT_EVENT] = { p_expect_event, false },
	[SCN_DEBUG_PINS] = { p_none, false },
	[SCN_PWRITE] = { p_pwrite, true },
	[SCN_SEAL] = { p_seal, true },
	[SCN_CHECK_ZONE] = { p_check_zone, false },
	[SCN_CHECK_THP_STAT] = { p_check_thp_stat, false },
	[SCN_CHMOD] = { p_chmod, true },
	[SCN_FALLOCATE] = { p_fallocate, true },
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
