/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vm/ layer: address spaces, page tables, faults, mmap/munmap/mprotect/
 * madvise, fork, rmap, migration, mmu notifiers and the simulated CPU's
 * accesses. This umbrella header is what gup/, fs/ and dev/ include.
 */
#ifndef PINMM_VM_MM_H
#define PINMM_VM_MM_H

#include <fcntl.h>		/* F_SEAL_*: the kernel's values */
#include <sys/mman.h>		/* PROT_*, MAP_*, MADV_*: the kernel's values */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25	/* the kernel's value (6.1); older C libraries lack it */
#endif
#include <pinmm/vm/mm_types.h>
#include <pinmm/vm/swapops.h>
#include <pinmm/vm/rmap.h>
#include <pinmm/vm/migrate.h>
#include <pinmm/vm/uaccess.h>
#include <pinmm/vm/process.h>
#include <pinmm/vm/hugetlb.h>
#include <pinmm/mem/kernel.h>

/*
 * Does a read-only MAP_SHARED mmap of a write-sealed memfd (F_SEAL_WRITE)
 * succeed, its VM_MAYWRITE cleared so mprotect() cannot undo the seal? Where
 * not, mmap_region()'s mapping_map_writable() meets the i_mmap_writable the
 * seal holds negative and the mmap is EPERM: before 6.7, and in 6.12.
 */
static inline bool write_sealed_maps_ro_shared(void)
{
	return kernel_has(KSW_SEALED_MEMFD_MAPS_RO) &&
	       (!kernel_has(KSW_MMAP_WRITABLE_CHECK_FIRST) ||
		kernel_has(KSW_SEALED_MEMFD_MAPS_RO_AGAIN));
}

/*
 * What a memfd's @seals do to a new mapping's *@vm_flags, for the shmem and
 * the hugetlbfs check alike (seal_check_write() with is_readonly_sealed()):
 * -EPERM for a writable shared one; a read-only shared one loses VM_MAYWRITE
 * so mprotect() cannot undo the seal. Under F_SEAL_WRITE, where the release
 * takes i_mmap_writable first, it keeps VM_MAYWRITE and mmap_region()
 * refuses it (EPERM). F_SEAL_FUTURE_WRITE leaves i_mmap_writable alone. A
 * private mapping's writes are COWed away from the file.
 */
static inline int seal_check_mmap_flags(unsigned int seals, unsigned long *vm_flags)
{
	if (!(seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) || !(*vm_flags & VM_SHARED))
		return 0;
	if (*vm_flags & VM_WRITE)
		return -EPERM;
	if ((seals & F_SEAL_WRITE) && !write_sealed_maps_ro_shared())
		return 0;
	*vm_flags &= ~VM_MAYWRITE;
	return 0;
}

/* ---- mmap_lock ---- */
static inline void mmap_read_lock(struct mm_struct *mm)
{
	if (pthread_rwlock_tryrdlock(&mm->mmap_lock) == 0)
		return;
	race_blocking();
	pthread_rwlock_rdlock(&mm->mmap_lock);
}
static inline bool mmap_read_trylock(struct mm_struct *mm)
{
	return pthread_rwlock_tryrdlock(&mm->mmap_lock) == 0;
}
static inline void mmap_read_unlock(struct mm_struct *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}
static inline void mmap_write_lock(struct mm_struct *mm)
{
	if (pthread_rwlock_trywrlock(&mm->mmap_lock) == 0)
		return;
	race_blocking();
	pthread_rwlock_wrlock(&mm->mmap_lock);
}
static inline void mmap_write_unlock(struct mm_struct *mm)
{
	pthread_rwlock_unlock(&mm->mmap_lock);
}
/*
 * The caller must hold mmap_lock. Model: the kernel asserts it with lockdep
 * (a WARN naming the lock) and, under CONFIG_DEBUG_VM, VM_BUG_ON_MM(!
 * rwsem_is_locked()). A pthread rwlock cannot name its holders, so this checks
 * what rwsem_is_locked() checks, that somebody holds it, and records lockdep's
 * WARN rather than DEBUG_VM's BUG; the caller goes on, as a kernel without
 * DEBUG_VM does.
 */
static inline void mmap_assert_locked(struct mm_struct *mm)
{
	if (pthread_rwlock_trywrlock(&mm->mmap_lock) == 0) {
		pthread_rwlock_unlock(&mm->mmap_lock);
		mm_event(MM_EV_WARN, NULL, "mmap_assert_locked: mmap_lock of mm %s is not held",
			 mm->owner);
	}
}

/* ---- mm lifetime ---- */
/* A new empty address space (mm_users 1); NULL on allocation failure. */
struct mm_struct *mm_alloc(void);
static inline void mmget(struct mm_struct *mm)
{
	atomic_fetch_add(&mm->mm_users, 1);
}
static inline bool mmget_not_zero(struct mm_struct *mm)
{
	int u = atomic_load(&mm->mm_users);

	while (u > 0)
		if (atomic_compare_exchange_weak(&mm->mm_users, &u, u + 1))
			return true;
	return false;
}
/* The last mmput() tears the address space down (exit_mmap). */
void mmput(struct mm_struct *mm);
static inline void mmgrab(struct mm_struct *mm)
{
	atomic_fetch_add(&mm->mm_count, 1);
}
void mmdrop(struct mm_struct *mm);
static inline long get_mm_counter(struct mm_struct *mm, int member)
{
	return atomic_load(&mm->rss_stat[member]);
}
static inline bool mm_flags_test(int bit, struct mm_struct *mm)
{
	return test_bit(bit, &mm->flags);
}

/* ---- VMAs ---- */
/* The first VMA with vm_end > addr, or NULL. mmap_lock held. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
/* The VMA containing addr, or NULL. */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr);
/* The first VMA intersecting [start, end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, unsigned long start,
					     unsigned long end);
#define for_each_vma(mm, vma) cds_list_for_each_entry(vma, &(mm)->mmap, vm_list)

static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}
static inline pgoff_t linear_page_index(const struct vm_area_struct *vma, unsigned long addr)
{
	return ((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}
static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_ops;
}
static inline bool vma_is_shmem(const struct vm_area_struct *vma)
{
	return vma->vm_file && shmem_mapping(vma->vm_file->f_mapping);
}
static inline bool vma_is_fsdax(const struct vm_area_struct *vma)
{
	return vma->vm_file && dax_mapping(vma->vm_file->f_mapping);
}
/* A private mapping that may become writable: writes COW. */
static inline bool is_cow_mapping(unsigned long flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}
/* A shared mapping that is or may become writable: counts in i_mmap_writable. */
static inline bool is_shared_maywrite(unsigned long flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE);
}
/* The page protection mainline's protection_map gives these vm_flags. */
pgprot_t vm_get_page_prot(unsigned long vm_flags);

/* ---- mmap, munmap, mprotect, madvise ---- */
/*
 * Map @len bytes. @prot: PROT_*; @flags: MAP_SHARED or MAP_PRIVATE, plus
 * MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_POPULATE. A file mapping
 * goes through file->f_op->mmap. Returns the address, or -errno (-EINVAL,
 * -ENOMEM, -EACCES for a write-shared mapping of a file not open for write,
 * -EEXIST for MAP_FIXED_NOREPLACE over a mapping, -ENODEV without f_op->mmap).
 * Takes mmap_lock for writing.
 */
long vm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long prot,
	     unsigned long flags, struct file *file, pgoff_t pgoff);
/* 0, or -EINVAL (unaligned, out of range), -ENOMEM (a split failed). */
int vm_munmap(struct mm_struct *mm, unsigned long start, size_t len);
/*
 * Fault in [start, start+len) as MAP_POPULATE does (write faults for
 * private writable mappings), after the VMA flags are final: a THP-enabled
 * range gets huge pages.
 */
void mm_populate(struct mm_struct *mm, unsigned long start, unsigned long len);
/* PROT_* and MAP_* by name, for trace lines. */
extern const struct trace_flag prot_names[];
extern const struct trace_flag map_flag_names[];
/* mprotect(2): -ENOMEM for a hole in the range, -EACCES beyond VM_MAY*. */
int do_mprotect(struct mm_struct *mm, unsigned long start, size_t len, unsigned long prot);
/*
 * MADV_DONTNEED, MADV_PAGEOUT (anon folios to swap: vm/swap.h), MADV_HUGEPAGE,
 * MADV_NOHUGEPAGE, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK.
 */
int do_madvise(struct mm_struct *mm, unsigned long start, size_t len, int behavior);
/*
 * mremap(2): @flags MREMAP_MAYMOVE, MREMAP_FIXED (with MAYMOVE). Shrinks in
 * place, grows in place when the space above is free, else moves the page
 * tables (the pages, their pins, PageAnonExclusive and mapcounts stay).
 * Returns the new address, or -EINVAL, -EFAULT (not one VMA), -ENOMEM.
 */
long do_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
	       unsigned long new_len, unsigned long flags, unsigned long new_addr);
/* For a driver's f_op->mmap: map raw pfns (VM_IO | VM_PFNMAP), no struct page. */
int remap_pfn_range(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn,
		    unsigned long size, pgprot_t prot);
/* Zap the PTEs (not the VMA) of [address, address+size) inside @vma. */
void zap_page_range_single(struct vm_area_struct *vma, unsigned long address,
			   unsigned long size);

/* ---- Page tables ---- */
static inline pgd_t *pgd_offset(struct mm_struct *mm, unsigned long addr)
{
	return mm->pgd + pgd_index(addr);
}
/* The next level's entry for @addr; the upper entry must be present. */
static inline pud_t *pud_offset(pgd_t *pgd, unsigned long addr)
{
	return pgd_pgtable(pgdp_get(pgd)) + pud_index(addr);
}
static inline pmd_t *pmd_offset(pud_t *pud, unsigned long addr)
{
	return pud_pgtable(pudp_get(pud)) + pmd_index(addr);
}
/* The PMD entry covering @addr, or NULL if no PMD table exists. */
pmd_t *mm_find_pmd(struct mm_struct *mm, unsigned long addr);
/* The PUD slot of @addr (table, leaf or none), or NULL when no PUD table reaches it. */
pud_t *mm_find_pud(struct mm_struct *mm, unsigned long addr);
/* hugetlb's entry for a huge page of @sz (PMD_SIZE or PUD_SIZE) at @addr. */
pmd_t *huge_pte_offset(struct mm_struct *mm, unsigned long addr, unsigned long sz);
pmd_t *huge_pte_alloc(struct mm_struct *mm, unsigned long addr, unsigned long sz);

/*
 * Map the PTE table under @pmd: enters an RCU read-side section (the table
 * cannot be freed under the caller) and returns NULL, leaving none, if @pmd
 * is none or maps a huge page. pte_unmap() leaves it.
 */
pte_t *pte_offset_map(pmd_t *pmd, unsigned long addr);
void pte_unmap(pte_t *pte);
/* As pte_offset_map, and take the table's PTL, re-checking @pmd under it. */
pte_t *pte_offset_map_lock(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,
			   spinlock_t **ptlp);
void pte_unmap_unlock(pte_t *pte, spinlock_t *ptl);
/* The PTL of the PTE table @pmd points to (split PTL: one per table page). */
spinlock_t *pte_lockptr(struct mm_struct *mm, pmd_t *pmd);
/* The lock of the PMD table that holds @pmd (split PMD lock), taken. */
spinlock_t *pmd_lockptr(struct mm_struct *mm, pmd_t *pmd);
spinlock_t *pmd_lock(struct mm_struct *mm, pmd_t *pmd);

static inline void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte)
{
	(void)mm; (void)addr;
	__atomic_store_n(&ptep->pte, pte_val(pte), __ATOMIC_RELEASE);
}
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	(void)mm; (void)addr;
	return __pte(__atomic_exchange_n(&ptep->pte, 0UL, __ATOMIC_SEQ_CST));
}
static inline void pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	(void)ptep_get_and_clear(mm, addr, ptep);
}
/* Atomic: the "CPU" may set dirty/young concurrently. Returns the old entry. */
static inline pte_t ptep_modify(pte_t *ptep, unsigned long clear, unsigned long set)
{
	unsigned long old = __atomic_load_n(&ptep->pte, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&ptep->pte, &old, (old & ~clear) | set, true,
					    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		;
	return __pte(old);
}
static inline void ptep_set_wrprotect(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	(void)mm; (void)addr;
	ptep_modify(ptep, _PAGE_RW, 0);
}
static inline bool ptep_test_and_clear_young(struct vm_area_struct *vma, unsigned long addr,
					     pte_t *ptep)
{
	(void)vma; (void)addr;
	return pte_young(ptep_modify(ptep, _PAGE_ACCESSED, 0));
}
static inline void set_pmd_at(struct mm_struct *mm, unsigned long addr, pmd_t *pmdp, pmd_t pmd)
{
	(void)mm; (void)addr;
	__atomic_store_n(&pmdp->pmd, pmd_val(pmd), __ATOMIC_RELEASE);
}
static inline pmd_t pmdp_huge_get_and_clear(struct mm_struct *mm, unsigned long addr, pmd_t *pmdp)
{
	(void)mm; (void)addr;
	return __pmd(__atomic_exchange_n(&pmdp->pmd, 0UL, __ATOMIC_SEQ_CST));
}
static inline pmd_t pmdp_modify(pmd_t *pmdp, unsigned long clear, unsigned long set)
{
	unsigned long old = __atomic_load_n(&pmdp->pmd, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(&pmdp->pmd, &old, (old & ~clear) | set, true,
					    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		;
	return __pmd(old);
}
static inline void pmdp_set_wrprotect(struct mm_struct *mm, unsigned long addr, pmd_t *pmdp)
{
	(void)mm; (void)addr;
	pmdp_modify(pmdp, _PAGE_RW, 0);
}

/*
 * The struct page a present PTE maps, or NULL for "special" mappings: the
 * zero page, VM_PFNMAP/VM_IO pfns and devmap entries without refcounting.
 */
struct page *vm_normal_page(struct vm_area_struct *vma, unsigned long addr, pte_t pte);
struct folio *vm_normal_folio(struct vm_area_struct *vma, unsigned long addr, pte_t pte);
struct page *vm_normal_page_pmd(struct vm_area_struct *vma, unsigned long addr, pmd_t pmd);
struct folio *vm_normal_folio_pmd(struct vm_area_struct *vma, unsigned long addr, pmd_t pmd);

/* Page-table pages this mm holds now (tests compare with zero after exit). */
static inline long mm_pgtables_bytes(struct mm_struct *mm)
{
	return atomic_load(&mm->pgtables_bytes);
}

/* ---- Faults ---- */
/*
 * Resolve a fault at @address in @vma; mmap_lock held for reading, and still
 * held on return (the model never drops it, so VM_FAULT_RETRY never means
 * "mmap_lock released"). The caller has checked the access against vm_flags
 * (a FOLL_FORCE write to a read-only private VMA COWs into a read-only PTE).
 * Returns 0 or VM_FAULT_* bits. Lost races and migration entries (waited for
 * on the folio lock) are retried inside; VM_FAULT_RETRY only if that keeps
 * happening, and then the caller simply walks and faults again.
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
			   unsigned int flags);

/*
 * Must fork copy this anon folio for the child instead of sharing it? Only in
 * a COW mapping of an mm that has ever pinned, for a folio that may be pinned.
 */
bool folio_needs_cow_for_dma(struct vm_area_struct *vma, struct folio *folio);

/* ---- Transparent huge pages ---- */
enum transparent_hugepage_mode {
	THP_NEVER,
	THP_MADVISE,	/* only VMAs with VM_HUGEPAGE */
	THP_ALWAYS,
};
/* /sys/kernel/mm/transparent_hugepage/enabled; default THP_MADVISE. */
extern enum transparent_hugepage_mode transparent_hugepage;
/* .../use_zero_page: a read fault on THP-eligible memory maps the huge zero page. */
extern bool huge_zero_page_enabled;
/*
 * The huge zero folio: a zeroed, never-writable order-9 folio that read faults
 * map by a read-only PMD, with no rmap, no mapcount and no RSS. Each mm that
 * maps it holds one reference (MMF_HUGE_ZERO_PAGE) until it exits.
 */
bool is_huge_zero_folio(const struct folio *folio);
bool is_huge_zero_pmd(pmd_t pmd);
struct folio *mm_get_huge_zero_folio(struct mm_struct *mm);
void mm_put_huge_zero_folio(struct mm_struct *mm);
/* May an anonymous fault at @addr in @vma be served by a PMD-mapped THP? */
bool thp_vma_suitable(struct vm_area_struct *vma, unsigned long addr);

/* hugepages-<size>kB/enabled (6.8+): a size's own setting, or "inherit" the top-level one. */
enum thp_order_mode {
	THP_ORDER_NEVER,
	THP_ORDER_INHERIT,
	THP_ORDER_MADVISE,
	THP_ORDER_ALWAYS,
};
/* THP_ORDERS_ALL_ANON: order 0 is no THP, and anonymous memory never uses order 1. */
#define THP_ORDERS_ALL_ANON	((BIT(HPAGE_PMD_ORDER + 1) - 1) & ~(BIT(0) | BIT(1)))
/*
 * Write hugepages-<PAGE_SIZE << order>kB/enabled: -ENOENT where the file does
 * not exist (before 6.8; order 0, 1, or above the PMD order), -EINVAL for a bad mode.
 */
int thp_set_anon_order_mode(unsigned int order, enum thp_order_mode mode);
enum thp_order_mode thp_anon_order_mode(unsigned int order);
/* The boot defaults: the PMD size "inherit", every other size "never". */
void thp_reset_anon_orders(void);
/*
 * MADV_COLLAPSE of [start, end): each whole PMD range in it becomes one
 * PMD-mapped THP (a copy, exclusive to this mm), or the call fails: -EAGAIN
 * when a page has a reference no mapping explains (a pin), -ENOMEM, -EINVAL.
 * khugepaged_collapse_range() is one khugepaged pass over the range: the
 * max_ptes_* limits and the sysfs settings apply. mmap_lock not held.
 */
int madvise_collapse(struct mm_struct *mm, unsigned long start, unsigned long end);
int khugepaged_collapse_range(struct mm_struct *mm, unsigned long start, unsigned long end);
extern int khugepaged_max_ptes_none, khugepaged_max_ptes_swap, khugepaged_max_ptes_shared;
/* The orders (a mask) of @orders that the sysfs settings allow in @vma. */
unsigned long thp_vma_allowable_orders(struct vm_area_struct *vma, unsigned long orders);
/* The orders of @orders whose aligned range around @addr fits inside @vma. */
unsigned long thp_vma_suitable_orders(struct vm_area_struct *vma, unsigned long addr,
				      unsigned long orders);
/* Replace the PMD mapping at @address by 512 PTEs of the same folio. */
void split_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, unsigned long address);
/*
 * Split a (locked, referenced) anonymous large folio into small folios, like
 * split_huge_page() to order 0 of a locked anon folio the caller holds a
 * reference on: unmap it to migration entries, freeze, split, remap; pages
 * nothing mapped are freed. -EAGAIN if a reference no mapping explains (a
 * pin, a GUP) exists, before anything is unmapped or after (the folio is
 * remapped whole); -EBUSY in the swap cache; -EINVAL if not anon or not
 * large. Counts thp_split_page[_failed] (PMD size) and split[_failed].
 */
int split_anon_folio(struct folio *folio);
/*
 * The thp-deferred_split shrinker's scan (drop_caches 2, reclaim): split each
 * queued partially mapped folio that can be; the others stay queued.
 */
unsigned long deferred_split_scan(unsigned long nr_to_scan);

/* ---- TLB ---- */
/* Model: no TLB; a flush waits for in-flight CPU accesses (see tlb_sync) and counts. */
void flush_tlb_range(struct vm_area_struct *vma, unsigned long start, unsigned long end);
void flush_tlb_mm(struct mm_struct *mm);

/* ---- Hooks the upper layers fill ---- */
/*
 * fs/ owns the LRU lists. vm/ calls this for every new anonymous folio it maps
 * (fault, COW copy, fork copy, migration target) and for a file folio it maps
 * while !folio_test_lru(). Must be idempotent and must not keep a reference
 * (anon reuse-on-write checks refcount == 1). NULL: no LRU.
 */
extern void (*folio_add_lru_hook)(struct folio *folio);
/* Take a folio off the LRU before migration; false if it was not on one. */
extern bool (*folio_isolate_lru_hook)(struct folio *folio);

#endif
