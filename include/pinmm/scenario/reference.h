/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario language's reference, as data: one entry per command with
 * its synopsis, the arguments the parser takes and what the command does.
 * `pinmm list commands` prints it, docs/scenario-language.md embeds it, and
 * tests/scenario/test_reference.c checks it against what the parser really
 * asks for, so the reference cannot drift from the grammar.
 */
#ifndef PINMM_SCENARIO_REFERENCE_H
#define PINMM_SCENARIO_REFERENCE_H

#include <stdio.h>
#include <pinmm/scenario/ast.h>

enum scn_group {
	SCN_GROUP_MACHINE,	/* memory, disks, files, processes, devices */
	SCN_GROUP_MEMORY,	/* what a process does to its address space */
	SCN_GROUP_PINS,		/* GUP, unpin, DMA */
	SCN_GROUP_KERNEL,	/* writeback, reclaim, migration, truncate, leases */
	SCN_GROUP_CHECKS,	/* check ... and expect event */
	SCN_NR_GROUPS,
};
extern const char *const scn_group_names[SCN_NR_GROUPS];

struct scn_cmd_doc {
	enum scn_group group;
	const char *synopsis;	/* "pin PROC MAP[+OFF] len=SIZE as=HANDLE [write] ..." */
	/*
	 * Every key= and flag the parser takes for this command, space
	 * separated: checked to be exactly what it asks for.
	 */
	const char *args;
	/* Lines that parse after scn_doc_prelude; together they use every arg. */
	const char *examples;
	const char *help;
};

/* [kind]: every command has one (the test checks). */
extern const struct scn_cmd_doc scn_cmd_docs[SCN_NR_CMDS];
/* The declarations the examples run after. */
extern const char scn_doc_prelude[];

/* Vmstat counters a `check vmstat` can name, with what each counts. */
struct scn_vmstat_doc {
	const char *name;
	const char *help;
};
extern const struct scn_vmstat_doc scn_vmstat_docs[];

/* Plain text: `pinmm list commands` (@checks: only check and expect lines). */
void scn_reference_text(FILE *f, bool checks_only);
/* The generated part of docs/scenario-language.md. */
void scn_reference_markdown(FILE *f);

#endif
