/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mmu notifiers: secondary MMUs (an ODP device) learn of every change that
 * unmaps or write-protects user memory, before it happens (invalidate_range_start)
 * and after (invalidate_range_end), and drop their mappings instead of pinning.
 */
#ifndef PINMM_VM_MMU_NOTIFIER_H
#define PINMM_VM_MMU_NOTIFIER_H

#include <urcu/list.h>
#include <pinmm/mem/compiler.h>

struct mm_struct;
struct vm_area_struct;
struct mmu_notifier;

enum mmu_notifier_event {
	MMU_NOTIFY_UNMAP,		/* munmap, exit, truncate: the range goes away */
	MMU_NOTIFY_CLEAR,		/* MADV_DONTNEED, COW replacement, try_to_unmap */
	MMU_NOTIFY_PROTECTION_VMA,	/* mprotect */
	MMU_NOTIFY_PROTECTION_PAGE,	/* fork write-protect, folio_mkclean */
	MMU_NOTIFY_SOFT_DIRTY,
	MMU_NOTIFY_RELEASE,		/* the mm is exiting */
	MMU_NOTIFY_MIGRATE,		/* migration entries replace the PTEs */
	MMU_NOTIFY_EXCLUSIVE,
};
extern const char *const mmu_notifier_event_names[];

struct mmu_notifier_range {
	struct mm_struct *mm;
	struct vm_area_struct *vma;	/* may be NULL */
	unsigned long start;
	unsigned long end;
	unsigned int flags;
	enum mmu_notifier_event event;
	void *owner;
};

struct mmu_notifier_ops {
	/* The mm is going away: drop every secondary mapping now. */
	void (*release)(struct mmu_notifier *sub, struct mm_struct *mm);
	/*
	 * Before [start, end) is unmapped or write-protected. Called without the
	 * page-table locks held, so it may sleep. Return 0 (the model has no
	 * non-blocking invalidations, so -EAGAIN is not an option).
	 */
	int  (*invalidate_range_start)(struct mmu_notifier *sub,
				       const struct mmu_notifier_range *range);
	/* After the change is visible and the TLB flushed. */
	void (*invalidate_range_end)(struct mmu_notifier *sub,
				     const struct mmu_notifier_range *range);
};

struct mmu_notifier {
	struct cds_list_head list;		/* on mm->notifier_subscriptions */
	const struct mmu_notifier_ops *ops;
	struct mm_struct *mm;
};

/* 0, or -EINVAL for NULL arguments, -EBUSY when already registered. */
int mmu_notifier_register(struct mmu_notifier *sub, struct mm_struct *mm);
/* Waits for callbacks running on other threads to finish. */
void mmu_notifier_unregister(struct mmu_notifier *sub, struct mm_struct *mm);

static inline void mmu_notifier_range_init(struct mmu_notifier_range *range,
					   enum mmu_notifier_event event, unsigned int flags,
					   struct mm_struct *mm, unsigned long start,
					   unsigned long end)
{
	range->mm = mm;
	range->vma = NULL;
	range->start = start;
	range->end = end;
	range->flags = flags;
	range->event = event;
	range->owner = NULL;
}
void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range);
void mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range);
/* exit_mmap: ->release of every subscriber. */
void mmu_notifier_release(struct mm_struct *mm);

#endif
