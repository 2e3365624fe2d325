/* SPDX-License-Identifier: GPL-2.0-only */
/* mm_struct lifetime, the TLB-flush hook and the hooks upper layers fill. */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

void (*folio_add_lru_hook)(struct folio *folio);
bool (*folio_isolate_lru_hook)(struct folio *folio);

/* Model: the default is "madvise", the setting most distributions ship. */
enum transparent_hugepage_mode transparent_hugepage = THP_MADVISE;
bool huge_zero_page_enabled = true;

/*
 * Model: the model starts user mappings at the usual x86-64 mmap area and
 * searches upwards; mainline searches top-down. Only addresses differ.
 */
#define MMAP_BASE	0x7f0000000000UL

static atomic_uint next_mm_id = 1;	/* MM_ID_MIN */

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = calloc(1, sizeof(*mm));
	pthread_rwlockattr_t attr;

	if (!mm)
		return NULL;
	if (mm_alloc_pgd(mm)) {
		free(mm);
		return NULL;
	}
	mm->mm_id = atomic_fetch_add(&next_mm_id, 1) & FOLIO_MM_IDS_MASK;
	atomic_init(&mm->mm_users, 1);
	atomic_init(&mm->mm_count, 1);
	pthread_rwlock_init(&mm->mmap_lock, NULL);
	CDS_INIT_LIST_HEAD(&mm->mmap);
	mm->mmap_base = MMAP_BASE;
	spin_lock_init(&mm->page_table_lock);
	seqcount_init(&mm->write_protect_seq);
	pthread_rwlock_init(&mm->notifier_lock, NULL);
	CDS_INIT_LIST_HEAD(&mm->notifier_subscriptions);
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&mm->tlb_sync, &attr);
	pthread_rwlockattr_destroy(&attr);
	snprintf(mm->owner, sizeof(mm->owner), "mm");
	return mm;
}

static void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma, *tmp;

	mmu_notifier_release(mm);
	mmap_write_lock(mm);
	cds_list_for_each_entry(vma, &mm->mmap, vm_list)
		unmap_vma_range(vma, vma->vm_start, vma->vm_end, NULL, MMU_NOTIFY_RELEASE);
	cds_list_for_each_entry_safe(vma, tmp, &mm->mmap, vm_list) {
		vma_unlink(mm, vma);
		remove_vma(vma);
	}
	free_pgd_range(mm, 0, TASK_SIZE);
	mmap_write_unlock(mm);
	WARN_ON_ONCE(get_mm_counter(mm, MM_ANONPAGES) || get_mm_counter(mm, MM_FILEPAGES) ||
		     get_mm_counter(mm, MM_SHMEMPAGES) || get_mm_counter(mm, MM_SWAPENTS));
}

void mmput(struct mm_struct *mm)
{
	if (atomic_fetch_sub(&mm->mm_users, 1) != 1)
		return;
	exit_mmap(mm);
	mm_put_huge_zero_folio(mm);
	mmdrop(mm);
}

void mmdrop(struct mm_struct *mm)
{
	if (atomic_fetch_sub(&mm->mm_count, 1) != 1)
		return;
	mm_free_pgd(mm);
	WARN_ON_ONCE(mm_pgtables_bytes(mm) != 0);
	pthread_rwlock_destroy(&mm->mmap_lock);
	pthread_rwlock_destroy(&mm->notifier_lock);
	pthread_rwlock_destroy(&mm->tlb_sync);
	free(mm);
}

void flush_tlb_mm(struct mm_struct *mm)
{
	pthread_rwlock_wrlock(&mm->tlb_sync);
	pthread_rwlock_unlock(&mm->tlb_sync);
	atomic_fetch_add_explicit(&mm->tlb_flushes, 1, memory_order_relaxed);
}

void flush_tlb_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	(void)start; (void)end;
	flush_tlb_mm(vma->vm_mm);
}

pgprot_t vm_get_page_prot(unsigned long vm_flags)
{
	unsigned long acc = vm_flags & VM_ACCESS_FLAGS;

	if (!acc)
		return PAGE_NONE;
	/* Private writable mappings start read-only: the first write COWs. */
	if ((vm_flags & VM_WRITE) && (vm_flags & VM_SHARED))
		return PAGE_SHARED;
	return PAGE_READONLY;
}

bool folio_needs_cow_for_dma(struct vm_area_struct *vma, struct folio *folio)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	if (!is_cow_mapping(vma->vm_flags))
		return false;
	if (!test_bit(MMF_HAS_PINNED, &vma->vm_mm->flags))
		return false;
	return t && t->maybe_dma_pinned(folio);
}

void add_mm_counter(struct mm_struct *mm, int member, long value)
{
	atomic_fetch_add_explicit(&mm->rss_stat[member], value, memory_order_relaxed);
}

int mm_counter(struct folio *folio)
{
	if (folio_test_anon(folio))
		return MM_ANONPAGES;
	if (shmem_mapping(folio_mapping(folio)))
		return MM_SHMEMPAGES;
	return MM_FILEPAGES;
}

int mm_counter_swp(struct vm_area_struct *vma, swp_entry_t entry)
{
	if (!non_swap_entry(entry))
		return MM_SWAPENTS;
	if (is_anon_migration_entry(entry))
		return MM_ANONPAGES;
	return vma_is_shmem(vma) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

void lru_add_new(struct folio *folio)
{
	void (*hook)(struct folio *) = READ_ONCE(folio_add_lru_hook);

	if (hook && !folio_test_lru(folio))
		hook(folio);
}
