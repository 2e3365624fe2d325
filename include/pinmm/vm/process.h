/* SPDX-License-Identifier: GPL-2.0-only */
/* A process, as far as memory goes: a name and an address space. */
#ifndef PINMM_VM_PROCESS_H
#define PINMM_VM_PROCESS_H

#include <pinmm/vm/mm_types.h>

struct process {
	char name[32];
	struct mm_struct *mm;
};

/* NULL on allocation failure. */
struct process *process_create(const char *name);
/*
 * fork(): a child whose mm is dup_mmap() of the parent's. NULL with errno-like
 * failure when memory runs out (the parent is left intact).
 */
struct process *process_fork(struct process *parent, const char *name);
/* exit(): mmput() the address space and free the process. */
void process_destroy(struct process *p);

/* dup_mmap(): copy @oldmm's VMAs and page tables into the empty @mm. 0 or -ENOMEM. */
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm);

#endif
