/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Address spaces: mm_struct, vm_area_struct, anon_vma, vm_fault and the ops a
 * mapping's owner fills (vm_operations_struct).
 */
#ifndef PINMM_VM_MM_TYPES_H
#define PINMM_VM_MM_TYPES_H

#include <pthread.h>
#include <urcu/list.h>
#include <pinmm/mem/memory.h>
#include <pinmm/vm/spinlock.h>
#include <pinmm/vm/pgtable.h>
#include <pinmm/vm/mmu_notifier.h>
#include <pinmm/vm/fs.h>

/* vm_flags, with the kernel's values. */
#define VM_NONE		0x00000000UL
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_EXEC		0x00000004UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL	/* what mprotect may later allow */
#define VM_MAYWRITE	0x00000020UL
#define VM_MAYEXEC	0x00000040UL
#define VM_MAYSHARE	0x00000080UL
#define VM_GROWSDOWN	0x00000100UL
#define VM_PFNMAP	0x00000400UL	/* raw pfns, no struct page to count */
#define VM_LOCKED	0x00002000UL
#define VM_IO		0x00004000UL	/* MMIO: never touched by GUP */
#define VM_DONTCOPY	0x00020000UL	/* not inherited by fork (MADV_DONTFORK) */
#define VM_DONTEXPAND	0x00040000UL
#define VM_ACCOUNT	0x00100000UL
#define VM_NORESERVE	0x00200000UL
#define VM_WIPEONFORK	0x02000000UL	/* the child gets it empty (MADV_WIPEONFORK) */
#define VM_HUGETLB	0x00400000UL
#define VM_DONTDUMP	0x04000000UL
#define VM_MIXEDMAP	0x10000000UL
#define VM_HUGEPAGE	0x20000000UL	/* MADV_HUGEPAGE */
#define VM_NOHUGEPAGE	0x40000000UL	/* MADV_NOHUGEPAGE */
#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)

/* mm->flags bits */
#define MMF_HUGE_ZERO_PAGE	23	/* this mm holds a reference on the huge zero folio */
#define MMF_HAS_PINNED	27	/* FOLL_PIN was used on this mm: fork must check pins */

/* Per-mm RSS counters (get_mm_counter). */
enum {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SWAPENTS,			/* swap entries in this mm's page tables */
	MM_SHMEMPAGES,
	NR_MM_COUNTERS,
};

struct vm_area_struct;

struct mm_struct {
	pgd_t *pgd;				/* the top-level table (a buddy page) */
	atomic_int mm_users;			/* mmget/mmput: address space alive */
	atomic_int mm_count;			/* mmgrab/mmdrop: struct alive */
	pthread_rwlock_t mmap_lock;
	/*
	 * Model: the VMA set is an address-ordered list instead of a maple tree;
	 * find_vma() is a linear walk. Only its order matters to the semantics.
	 */
	struct cds_list_head mmap;
	int map_count;
	unsigned long mmap_base;		/* where get_unmapped_area starts */
	spinlock_t page_table_lock;		/* populating pgd/pud entries */
	unsigned long flags;			/* MMF_* bits, atomic */
	/* Odd while fork write-protects anon PTEs; GUP-fast re-checks it. */
	seqcount_t write_protect_seq;
	atomic_long rss_stat[NR_MM_COUNTERS];
	atomic_long pgtables_bytes;
	atomic_long pinned_vm;			/* FOLL_LONGTERM pages (RLIMIT_MEMLOCK) */
	/* mmu notifier subscribers; callbacks run under the read side. */
	pthread_rwlock_t notifier_lock;
	struct cds_list_head notifier_subscriptions;
	/*
	 * Model: there is no TLB. A simulated CPU access (uaccess) holds tlb_sync
	 * for reading between reading a PTE and finishing its loads/stores;
	 * flush_tlb_range() takes it for writing, which is what a shootdown IPI
	 * guarantees: once it returns no CPU still uses the old translation.
	 */
	pthread_rwlock_t tlb_sync;
	atomic_ulong tlb_flushes;		/* flush_tlb_range() calls */
	char owner[32];				/* the process's name, for traces */
	/*
	 * CONFIG_MM_ID: what a large folio records to know which mms map it.
	 * Model: ids are never recycled (mainline's come from an IDA).
	 */
	unsigned int mm_id;
};

/* Anonymous reverse map: the VMAs that may map a folio of this anon_vma. */
struct anon_vma {
	struct anon_vma *root;
	pthread_rwlock_t rwsem;
	atomic_int refcount;			/* VMAs on the list + rmap walkers */
	/*
	 * Model: one anon_vma is shared by a VMA and all its fork descendants,
	 * with a flat list of VMAs instead of anon_vma_chains. An rmap walk may
	 * visit VMAs that cannot map the folio (it finds no PTE there); it never
	 * misses one that can.
	 */
	struct cds_list_head vmas;		/* via vma->anon_vma_node */
	struct mm_rcu_head rcu;
};

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;			/* first byte after */
	struct mm_struct *vm_mm;
	pgprot_t vm_page_prot;
	unsigned long vm_flags;
	struct cds_list_head vm_list;		/* mm->mmap, by address */
	struct cds_list_head shared;		/* mapping->i_mmap */
	struct cds_list_head anon_vma_node;	/* anon_vma->vmas */
	struct anon_vma *anon_vma;
	const struct vm_operations_struct *vm_ops;
	unsigned long vm_pgoff;			/* offset in vm_file, in pages */
	struct file *vm_file;
	void *vm_private_data;
};

typedef unsigned int vm_fault_t;

#define VM_FAULT_OOM		0x000001u
#define VM_FAULT_SIGBUS		0x000002u
#define VM_FAULT_MAJOR		0x000004u
#define VM_FAULT_HWPOISON	0x000010u
#define VM_FAULT_HWPOISON_LARGE	0x000020u
#define VM_FAULT_SIGSEGV	0x000040u
#define VM_FAULT_NOPAGE		0x000100u	/* ->fault installed the PTE itself */
#define VM_FAULT_LOCKED		0x000200u	/* ->fault returned the page locked */
#define VM_FAULT_RETRY		0x000400u
#define VM_FAULT_FALLBACK	0x000800u
#define VM_FAULT_DONE_COW	0x001000u
#define VM_FAULT_NEEDDSYNC	0x002000u
#define VM_FAULT_COMPLETED	0x004000u
#define VM_FAULT_ERROR		(VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | \
				 VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK)

/* FAULT_FLAG_* and VM_FAULT_* by name, for trace lines. */
extern const struct trace_flag fault_flag_names[];
extern const struct trace_flag vm_fault_names[];
#define FAULT_FLAG_WRITE		(1u << 0)
#define FAULT_FLAG_MKWRITE		(1u << 1)
#define FAULT_FLAG_ALLOW_RETRY		(1u << 2)
#define FAULT_FLAG_RETRY_NOWAIT		(1u << 3)
#define FAULT_FLAG_KILLABLE		(1u << 4)
#define FAULT_FLAG_TRIED		(1u << 5)
#define FAULT_FLAG_USER			(1u << 6)
#define FAULT_FLAG_REMOTE		(1u << 7)
#define FAULT_FLAG_INSTRUCTION		(1u << 8)
#define FAULT_FLAG_INTERRUPTIBLE	(1u << 9)
/* Break COW sharing of an anon page without making the PTE writable (R/O pins). */
#define FAULT_FLAG_UNSHARE		(1u << 10)
#define FAULT_FLAG_ORIG_PTE_VALID	(1u << 11)

struct vm_fault {
	struct vm_area_struct *vma;
	gfp_t gfp_mask;
	pgoff_t pgoff;			/* in vm_file (linear_page_index) */
	unsigned long address;		/* page-aligned */
	unsigned long real_address;
	unsigned int flags;		/* FAULT_FLAG_* */
	pmd_t *pmd;
	pud_t *pud;
	pte_t orig_pte;
	pmd_t orig_pmd;
	struct page *cow_page;		/* private copy for a write fault on a file page */
	struct page *page;		/* ->fault: the page, with a reference */
	pte_t *pte;			/* mapped and locked by the handlers */
	spinlock_t *ptl;
};

struct vm_operations_struct {
	void (*open)(struct vm_area_struct *vma);	/* a new VMA (fork, split) */
	void (*close)(struct vm_area_struct *vma);
	/*
	 * Find or read the page at vmf->pgoff: set vmf->page with a reference
	 * and return 0, or VM_FAULT_LOCKED with it locked, or VM_FAULT_* errors.
	 */
	vm_fault_t (*fault)(struct vm_fault *vmf);
	vm_fault_t (*huge_fault)(struct vm_fault *vmf, unsigned int order);
	/*
	 * A read-only PTE of a shared mapping is about to become writable: the
	 * filesystem allocates blocks, waits for writeback (stable pages)... Called
	 * with vmf->page unlocked; return VM_FAULT_LOCKED with it locked, 0
	 * (vm/ then locks it), VM_FAULT_NOPAGE to retry, or an error.
	 */
	vm_fault_t (*page_mkwrite)(struct vm_fault *vmf);
	vm_fault_t (*pfn_mkwrite)(struct vm_fault *vmf);
	const char *(*name)(struct vm_area_struct *vma);
};

#endif
