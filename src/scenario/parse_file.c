/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The commands on a file's contents and attributes: punch, fallocate,
 * pwrite, chmod, seal, and the memfd_create() flags of the file command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "parse_cmd.h"

/*
 * file F on FS ... [sealing] [exec|noexec-seal]: memfd_create() with
 * MFD_ALLOW_SEALING, MFD_EXEC or MFD_NOEXEC_SEAL, on tmpfs or hugetlbfs.
 */
int p_memfd_flags(struct scn_parser *P, struct scn_cmd *c)
{
	int kind = P->s->names[SCN_NS_FS].v[c->file.fs].info;

	c->file.sealing = scn_arg_flag(P, "sealing");
	c->file.exec = scn_arg_flag(P, "exec");
	c->file.noexec_seal = scn_arg_flag(P, "noexec-seal");
	if ((c->file.sealing || c->file.exec || c->file.noexec_seal) &&
	    kind != SCN_FS_TMPFS && kind != SCN_FS_HUGETLBFS)
		return scn_perr(P, "sealing, exec and noexec-seal are memfd_create() flags: a file on "
				"tmpfs or hugetlbfs only");
	return 0;
}

int p_punch(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(scn_word_lookup(P, "file", SCN_NS_FILE, &c->punch.file));
	TRY(scn_arg_size(P, "offset", true, &c->punch.offset));
	TRY(scn_need_len(P, "len", &c->punch.len));
	if (c->punch.offset > SCN_LOFF_MAX || c->punch.len > SCN_LOFF_MAX - c->punch.offset)
		return scn_perr(P, "punch offset= + len= is past the largest file offset (2^63-1)");
	return 0;
}

/* seal FILE write|future-write|shrink|grow|seal|exec...: fcntl(F_ADD_SEALS) of them all at once. */
int p_seal(struct scn_parser *P, struct scn_cmd *c)
{
	static const struct { const char *word; unsigned int seal; } seals[] = {
		{ "write", SCN_SEAL_WRITE }, { "future-write", SCN_SEAL_FUTURE_WRITE },
		{ "shrink", SCN_SEAL_SHRINK }, { "grow", SCN_SEAL_GROW }, { "seal", SCN_SEAL_SEAL },
		{ "exec", SCN_SEAL_EXEC },
	};

	TRY(scn_word_lookup(P, "file", SCN_NS_FILE, &c->seal.file));
	for (size_t i = 0; i < sizeof(seals) / sizeof(seals[0]); i++)
		if (scn_arg_flag(P, seals[i].word))
			c->seal.seals |= seals[i].seal;
	if (!c->seal.seals)
		return scn_perr(P, "seal takes one or more of write, future-write, shrink, grow, seal, exec");
	return 0;
}

/* pwrite FILE[+OFF] len=SIZE byte=BYTE: write(2) through the page cache. */
int p_pwrite(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;

	TRY(scn_arg_word(P, "file", &w));
	TRY(scn_parse_loc(P, SCN_NS_FILE, w, &c->pwrite.at));
	TRY(scn_need_len(P, "len", &c->pwrite.len));
	if (c->pwrite.at.off > SCN_LOFF_MAX || c->pwrite.len > SCN_LOFF_MAX - c->pwrite.at.off)
		return scn_perr(P, "pwrite past the largest file offset (2^63-1)");
	if (c->pwrite.len > (1ULL << 30))
		return scn_perr(P, "pwrite len= is more than 1G");
	return scn_arg_byte(P, "byte", true, NULL, &c->pwrite.byte);
}

/* chmod FILE MODE: fchmod(2); MODE in octal (0644). */
int p_chmod(struct scn_parser *P, struct scn_cmd *c)
{
	const char *w;
	char *end;
	unsigned long v;

	TRY(scn_word_lookup(P, "file", SCN_NS_FILE, &c->chmod.file));
	TRY(scn_arg_word(P, "MODE", &w));
	errno = 0;
	v = strtoul(w, &end, 8);
	if (!*w || *end || errno || v > 07777)
		return scn_perr(P, "chmod takes an octal mode up to 07777 (0644), not '%s'", w);
	c->chmod.mode = (unsigned int)v;
	return 0;
}

/* fallocate FILE offset=SIZE len=SIZE [keep-size]: fallocate(2) mode 0 or FALLOC_FL_KEEP_SIZE. */
int p_fallocate(struct scn_parser *P, struct scn_cmd *c)
{
	TRY(scn_word_lookup(P, "file", SCN_NS_FILE, &c->fallocate.file));
	TRY(scn_arg_size(P, "offset", true, &c->fallocate.offset));
	TRY(scn_need_len(P, "len", &c->fallocate.len));
	if (c->fallocate.offset > SCN_LOFF_MAX || c->fallocate.len > SCN_LOFF_MAX - c->fallocate.offset)
		return scn_perr(P, "fallocate offset= + len= is past the largest file offset (2^63-1)");
	if (c->fallocate.len > (1ULL << 30))
		return scn_perr(P, "fallocate len= is more than 1G");
	c->fallocate.keep_size = scn_arg_flag(P, "keep-size");
	return 0;
}
