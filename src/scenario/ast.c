/* SPDX-License-Identifier: GPL-2.0-only */
/* Names, lookups and freeing for the scenario AST. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/scenario/ast.h>
#include <pinmm/scenario/parse.h>

const char *const scn_cell_names[SCN_NR_CELLS] = {
	[SCN_PASS] = "pass",
	[SCN_REFUSED] = "refused",
	[SCN_CORRUPT] = "corrupt",
	[SCN_BUG] = "bug",
	[SCN_NA] = "n/a",
};

const char *const scn_ns_names[SCN_NR_NS] = {
	[SCN_NS_FS] = "filesystem",
	[SCN_NS_FILE] = "file",
	[SCN_NS_PROC] = "process",
	[SCN_NS_MAP] = "mapping",
	[SCN_NS_HANDLE] = "handle",
	[SCN_NS_DEV] = "device",
};

const char *const scn_cmd_names[SCN_NR_CMDS] = {
	[SCN_MEMORY] = "memory",
	[SCN_DISK] = "disk",
	[SCN_TMPFS] = "tmpfs",
	[SCN_HUGETLBFS] = "hugetlbfs",
	[SCN_FILE] = "file",
	[SCN_PROCESS] = "process",
	[SCN_DEVICE] = "device",
	[SCN_MMAP] = "mmap",
	[SCN_WRITE] = "write",
	[SCN_READ] = "read",
	[SCN_PIN] = "pin",
	[SCN_UNPIN] = "unpin",
	[SCN_WRITEBACK] = "writeback",
	[SCN_SYNC] = "sync",
	[SCN_DMA] = "dma",
	[SCN_CHECK_DISK] = "check disk",
	[SCN_CHECK_FSCK] = "check fsck",
	[SCN_CHECK_PINNED] = "check pinned",
	[SCN_CHECK_VMSTAT] = "check vmstat",
	[SCN_CHECK_EVENTS] = "check events",
	[SCN_FORK] = "fork",
	[SCN_MUNMAP] = "munmap",
	[SCN_MPROTECT] = "mprotect",
	[SCN_MADVISE] = "madvise",
	[SCN_TRUNCATE] = "truncate",
	[SCN_PUNCH] = "punch",
	[SCN_RECLAIM] = "reclaim",
	[SCN_MIGRATE] = "migrate",
	[SCN_DROP_CACHES] = "drop-caches",
	[SCN_DEBUG_PINS] = "debug-pins",
	[SCN_LEASE] = "lease",
	[SCN_UNLEASE] = "unlease",
	[SCN_EXPECT_EVENT] = "expect event",
	[SCN_PWRITE] = "pwrite",
	[SCN_CHECK_ZONE] = "check zone",
	[SCN_EXIT] = "exit",
	[SCN_CHECK_FOLIO] = "check folio",
	[SCN_THP] = "thp",
	[SCN_SEAL] = "seal",
	[SCN_CHECK_THP_STAT] = "check thp-stat",
	[SCN_CHMOD] = "chmod",
	[SCN_FALLOCATE] = "fallocate",
	[SCN_MREMAP] = "mremap",
	[SCN_SWAP] = "swap",
	[SCN_WHATIF] = "whatif",
	[SCN_CHECK_SWAPPED] = "check swapped",
};

const char *const scn_advice_names[SCN_NR_ADVICE] = {
	[SCN_MADV_DONTNEED] = "dontneed",
	[SCN_MADV_DONTFORK] = "dontfork",
	[SCN_MADV_DOFORK] = "dofork",
	[SCN_MADV_WIPEONFORK] = "wipeonfork",
	[SCN_MADV_KEEPONFORK] = "keeponfork",
	[SCN_MADV_HUGEPAGE] = "hugepage",
	[SCN_MADV_NOHUGEPAGE] = "nohugepage",
	[SCN_MADV_PAGEOUT] = "pageout",
	[SCN_MADV_COLLAPSE] = "collapse",
};

const char *const scn_zone_names[SCN_NR_ZONES] = {
	[SCN_ZONE_NORMAL] = "normal",
	[SCN_ZONE_MOVABLE] = "movable",
	[SCN_ZONE_CMA] = "cma",
	[SCN_ZONE_DEVICE] = "device",
};

/*
 * Names only: the parser alone (the fuzz target) cannot resolve aliases or
 * ranges. src/scenario/verdict.c's strong definition does, wherever the pin
 * layer is linked, so `only=mainline` also applies under v6.18.
 */
__attribute__((weak)) bool scn_target_covers(const char *target, const char *preset)
{
	return !strcmp(target, preset);
}

bool scn_cmd_applies(const struct scn_cmd *c, const char *preset)
{
	if (!c->only)
		return true;
	for (size_t i = 0; i < c->nr_only; i++)
		if (scn_target_covers(c->only[i], preset))
			return !c->except;
	return c->except;
}

int scn_cell_parse(const char *name, enum scn_cell *out)
{
	/* n/a is what a backend reports, not what a scenario expects. */
	for (int i = 0; i < SCN_NA; i++) {
		if (!strcmp(name, scn_cell_names[i])) {
			*out = (enum scn_cell)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The errnos a pinning scenario can meet; the numbers are the host's (Linux). */
static const struct {
	const char *name;
	int err;
} scn_errnos[] = {
	{ "ok", 0 },
	{ "EPERM", EPERM },
	{ "ENOENT", ENOENT },
	{ "EINTR", EINTR },
	{ "EIO", EIO },
	{ "ENXIO", ENXIO },
	{ "E2BIG", E2BIG },
	{ "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM },
	{ "EACCES", EACCES },
	{ "EFAULT", EFAULT },
	{ "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },
	{ "ENODEV", ENODEV },
	{ "EINVAL", EINVAL },
	{ "ETXTBSY", ETXTBSY },
	{ "EFBIG", EFBIG },
	{ "ENOSPC", ENOSPC },
	{ "ERANGE", ERANGE },
	{ "ENOSYS", ENOSYS },
	{ "EOPNOTSUPP", EOPNOTSUPP },
	{ "EHWPOISON", EHWPOISON },
};

int scn_errno_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(scn_errnos) / sizeof(scn_errnos[0]); i++)
		if (!strcmp(name, scn_errnos[i].name))
			return scn_errnos[i].err;
	return -EINVAL;
}

const char *scn_errno_name_at(size_t i)
{
	return i < sizeof(scn_errnos) / sizeof(scn_errnos[0]) ? scn_errnos[i].name : NULL;
}

const char *scn_errno_name(int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(scn_errnos) / sizeof(scn_errnos[0]); i++)
		if (scn_errnos[i].err == err)
			return scn_errnos[i].name;
	return NULL;
}

static void cmd_release(struct scn_cmd *c)
{
	free(c->comment);
	for (size_t i = 0; i < c->nr_only; i++)
		free(c->only[i]);
	free(c->only);
	switch (c->kind) {
	case SCN_CHECK_VMSTAT:
	case SCN_CHECK_THP_STAT:
		for (size_t i = 0; i < c->check_vmstat.nr; i++)
			free(c->check_vmstat.v[i].name);
		free(c->check_vmstat.v);
		break;
	case SCN_EXPECT_EVENT:
		free(c->expect_event.text);
		break;
	default:
		break;
	}
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->name);
	free(s->title);
	free(s->description);
	for (size_t i = 0; i < s->nr_presets; i++)
		free(s->presets[i]);
	free(s->presets);
	for (size_t i = 0; i < s->nr_verdicts; i++)
		free(s->verdicts[i].preset);
	free(s->verdicts);
	for (size_t i = 0; i < s->nr_cmds; i++)
		cmd_release(&s->cmds[i]);
	free(s->cmds);
	for (int ns = 0; ns < SCN_NR_NS; ns++) {
		for (size_t i = 0; i < s->names[ns].nr; i++)
			free(s->names[ns].v[i].name);
		free(s->names[ns].v);
	}
	free(s);
}

const char *const scn_thp_modes[4] = { "never", "inherit", "madvise", "always" };
