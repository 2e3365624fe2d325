/* SPDX-License-Identifier: GPL-2.0-only */
/* mmu notifier subscription and the invalidate calls made around PTE changes. */
#include "internal.h"

const char *const mmu_notifier_event_names[] = {
	[MMU_NOTIFY_UNMAP] = "unmap",
	[MMU_NOTIFY_CLEAR] = "clear",
	[MMU_NOTIFY_PROTECTION_VMA] = "protection_vma",
	[MMU_NOTIFY_PROTECTION_PAGE] = "protection_page",
	[MMU_NOTIFY_SOFT_DIRTY] = "soft_dirty",
	[MMU_NOTIFY_RELEASE] = "release",
	[MMU_NOTIFY_MIGRATE] = "migrate",
	[MMU_NOTIFY_EXCLUSIVE] = "exclusive",
};

/*
 * Model: subscribers are a list under a rwlock held for reading around the
 * callbacks (mainline: an SRCU-protected hlist); unregister takes it for
 * writing, which waits for running callbacks just as synchronize_srcu() does.
 */
int mmu_notifier_register(struct mmu_notifier *sub, struct mm_struct *mm)
{
	struct mmu_notifier *s;

	if (!sub || !mm || !sub->ops)
		return -EINVAL;
	pthread_rwlock_wrlock(&mm->notifier_lock);
	cds_list_for_each_entry(s, &mm->notifier_subscriptions, list) {
		if (s == sub) {
			pthread_rwlock_unlock(&mm->notifier_lock);
			return -EBUSY;
		}
	}
	sub->mm = mm;
	mmgrab(mm);
	cds_list_add_tail(&sub->list, &mm->notifier_subscriptions);
	pthread_rwlock_unlock(&mm->notifier_lock);
	return 0;
}

void mmu_notifier_unregister(struct mmu_notifier *sub, struct mm_struct *mm)
{
	struct mmu_notifier *s;
	bool found = false;

	if (!sub || !mm)
		return;
	pthread_rwlock_wrlock(&mm->notifier_lock);
	cds_list_for_each_entry(s, &mm->notifier_subscriptions, list) {
		if (s == sub) {
			found = true;
			break;
		}
	}
	if (found)
		cds_list_del(&sub->list);
	pthread_rwlock_unlock(&mm->notifier_lock);
	if (found) {
		sub->mm = NULL;
		mmdrop(mm);
	}
}

void mmu_notifier_invalidate_range_start(struct mmu_notifier_range *range)
{
	struct mm_struct *mm = range->mm;
	struct mmu_notifier *s;

	mm_trace("mmu_notifier_invalidate_range_start", "mm=%s start=%#lx end=%#lx event=%s",
		 mm->owner, range->start, range->end, mmu_notifier_event_names[range->event]);
	pthread_rwlock_rdlock(&mm->notifier_lock);
	cds_list_for_each_entry(s, &mm->notifier_subscriptions, list)
		if (s->ops->invalidate_range_start)
			WARN_ON_ONCE(s->ops->invalidate_range_start(s, range));
	pthread_rwlock_unlock(&mm->notifier_lock);
}

void mmu_notifier_invalidate_range_end(struct mmu_notifier_range *range)
{
	struct mm_struct *mm = range->mm;
	struct mmu_notifier *s;

	pthread_rwlock_rdlock(&mm->notifier_lock);
	cds_list_for_each_entry(s, &mm->notifier_subscriptions, list)
		if (s->ops->invalidate_range_end)
			s->ops->invalidate_range_end(s, range);
	pthread_rwlock_unlock(&mm->notifier_lock);
}

void mmu_notifier_release(struct mm_struct *mm)
{
	struct mmu_notifier *s;

	pthread_rwlock_rdlock(&mm->notifier_lock);
	cds_list_for_each_entry(s, &mm->notifier_subscriptions, list)
		if (s->ops->release)
			s->ops->release(s, mm);
	pthread_rwlock_unlock(&mm->notifier_lock);
}
