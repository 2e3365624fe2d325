/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * get_user_pages() and pin_user_pages(), and the unpin family.
 *
 * Signatures are mainline 6.x's with the mm passed explicitly where the kernel
 * uses current->mm. Locking is the kernel's: get_user_pages(), pin_user_pages()
 * and the *_remote() variants are called with mmap_read_lock(mm) held; the
 * *_unlocked() and *_fast() variants take it themselves when they need it.
 *
 * Pages from FOLL_GET calls (get_user_pages*) are released with put_page();
 * pages from FOLL_PIN calls (pin_user_pages*) only with unpin_user_page*()
 * (Documentation/core-api/pin_user_pages.rst). Every pin and unpin goes through
 * pin_config.tracker.
 */
#ifndef PINMM_GUP_GUP_H
#define PINMM_GUP_GUP_H

#include <pinmm/mem/kernel.h>
#include <pinmm/pin/pin.h>
#include <pinmm/devmap/memremap.h>

struct mm_struct;

/* gup_flags: mainline's values. Callers may pass these ... */
#define FOLL_WRITE		(1U << 0)	/* check the PTE is writable */
#define FOLL_GET		(1U << 1)	/* take a reference on each page */
#define FOLL_DUMP		(1U << 2)	/* fail on pages a core dump skips (zero page) */
#define FOLL_FORCE		(1U << 3)	/* ptrace: read/write despite the VMA's permissions */
#define FOLL_NOWAIT		(1U << 4)	/* do not wait for I/O or the page lock in a fault */
#define FOLL_NOFAULT		(1U << 5)	/* do not fault anything in */
#define FOLL_HWPOISON		(1U << 6)	/* report hwpoison (none in the model) */
#define FOLL_ANON		(1U << 7)	/* only anonymous memory */
#define FOLL_LONGTERM		(1U << 8)	/* the pin may be held indefinitely */
#define FOLL_SPLIT_PMD		(1U << 9)	/* split a huge PMD before returning its pages */
#define FOLL_PCI_P2PDMA		(1U << 10)	/* allow PCI P2PDMA pages */
#define FOLL_INTERRUPTIBLE	(1U << 11)	/* signals may interrupt (no signals in the model) */
#define FOLL_HONOR_NUMA_FAULT	(1U << 12)	/* take NUMA hinting faults (no NUMA in the model) */
/* FOLL_* by name, for trace lines. */
extern const struct trace_flag gup_flag_names[];
#define FOLL_PUBLIC_FLAGS	((1U << 13) - 1)
_Static_assert(FOLL_WRITE == PIN_FOLL_WRITE, "pin trackers read FOLL_WRITE as PIN_FOLL_WRITE");

/* ... these are internal (mm/internal.h) and refused from callers. */
#define FOLL_TOUCH		(1U << 16)	/* mark the page accessed */
#define FOLL_TRIED		(1U << 17)	/* a retry: a previous pass started I/O */
#define FOLL_REMOTE		(1U << 18)	/* working on another task's mm */
#define FOLL_PIN		(1U << 19)	/* pages are released with unpin_user_page() */
#define FOLL_FAST_ONLY		(1U << 20)	/* GUP-fast: never fall back to the slow path */
#define FOLL_UNLOCKABLE		(1U << 21)	/* the slow path may drop mmap_lock */
#define FOLL_MADV_POPULATE	(1U << 22)
/*
 * Model: not a mainline flag. Set only by vaddr_pin_pages() (seed 002, never
 * merged): the pins are taken under a file layout lease, which the lease
 * longterm policy accepts in place of mainline's refusals.
 */
#define FOLL_LAYOUT_LEASE	(1U << 23)
/*
 * Model: not a mainline flag. On an unpin (gup_put_folio()): the caller knows
 * how the pins were taken, and FOLL_WRITE says whether they were writable.
 * GUP's own back-outs set it, and unpin_user_pages_flags(); the kernel's
 * unpin calls cannot (they take no gup_flags).
 */
#define FOLL_UNPIN_KNOWN	(1U << 24)
_Static_assert(FOLL_UNPIN_KNOWN == PIN_UNPIN_KNOWN, "pin trackers read it as PIN_UNPIN_KNOWN");
#define INTERNAL_GUP_FLAGS	(FOLL_TOUCH | FOLL_TRIED | FOLL_REMOTE | FOLL_PIN | \
				 FOLL_FAST_ONLY | FOLL_UNLOCKABLE | FOLL_MADV_POPULATE | \
				 FOLL_LAYOUT_LEASE | FOLL_UNPIN_KNOWN)

/*
 * All return the number of pages taken (which may be fewer than asked for: the
 * caller must check), or -errno when none was: -EINVAL for bad arguments,
 * -EFAULT for an address that is not mapped suitably, -ENOMEM when a count
 * would overflow or memory ran out, -EOPNOTSUPP for FOLL_LONGTERM on fsdax.
 */
long get_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages);
long get_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, int *locked);
long get_user_pages_unlocked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags);
int get_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages);
/*
 * GUP-fast without the slow-path fallback: 0..nr_pages, never the slow path's
 * errors; bad arguments and ranges still get -EINVAL, -EOVERFLOW or -EFAULT.
 */
int get_user_pages_fast_only(struct mm_struct *mm, unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages);

long pin_user_pages(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags, struct page **pages);
long pin_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, int *locked);
long pin_user_pages_unlocked(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags);
int pin_user_pages_fast(struct mm_struct *mm, unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages);

/* Release FOLL_PIN pages. The zero page is never really pinned: a no-op. */
void unpin_user_page(struct page *page);
void unpin_user_pages(struct page **pages, unsigned long npages);
/* make_dirty: folio_mark_dirty() under the folio lock first, unless already dirty. */
void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty);
/* @npages physically contiguous pages starting at @page. */
void unpin_user_page_range_dirty_lock(struct page *page, unsigned long npages,
				      bool make_dirty);
void unpin_folio(struct folio *folio);
void unpin_folios(struct folio **folios, unsigned long nfolios);
/*
 * Model: not a kernel call. unpin_user_pages_dirty_lock() for a caller that
 * says how it pinned: @gup_flags as passed to pin_user_pages*() (FOLL_WRITE
 * is what matters). Under the exact tracker it makes the writable count, and
 * so writeback's re-dirty decision, exact; the kernel's calls leave it an
 * upper bound (docs/trackers.md, "The writable count").
 */
void unpin_user_pages_flags(struct page **pages, unsigned long npages, unsigned int gup_flags,
			    bool make_dirty);

/*
 * Ira Weiny's vaddr_pin_pages() (seed 002, August 2019): long-term pins of file
 * pages taken under a layout lease on @f_owner. The wrapper sets FOLL_PIN; the
 * caller sets FOLL_LONGTERM. Under the lease longterm policy a writable pin of
 * a shared file mapping, or any pin of fsdax, is allowed when the mapped file
 * holds a lease; the pins are counted against it, and truncate or hole punch
 * of the file fail with -ETXTBSY until vaddr_unpin_pages() drops them. Under
 * the other policies it behaves as pin_user_pages_unlocked().
 */
struct vaddr_pin {
	struct file *f_owner;	/* the leased file the pins are accounted to */
	struct mm_struct *mm;
};
long vaddr_pin_pages(unsigned long addr, unsigned long nr_pages, unsigned int gup_flags,
		     struct page **pages, struct vaddr_pin *vaddr_pin);
void vaddr_unpin_pages(struct page **pages, unsigned long nr_pages,
		       struct vaddr_pin *vaddr_pin, bool make_dirty);

/*
 * ref_user_page(), "opposite of put_user_page()" (seed 000): take one more
 * reference on a pin_user_pages() result, to be dropped by one more
 * put_user_page(). On a proxy it counts on the proxy (the pin stays until its
 * last put); on a plain page it takes another pin. 0 or -errno.
 */
int ref_user_page(struct page *page);

/* The 2018-2019 names (put_user_page() series) for the same calls. */
void put_user_page(struct page *page);
void put_user_pages(struct page **pages, unsigned long npages);
void put_user_pages_dirty_lock(struct page **pages, unsigned long npages, bool make_dirty);

/*
 * Take @refs references (FOLL_GET) or pins (FOLL_PIN) on @folio, with the
 * vmstat accounting. 0, -ENOMEM on overflow, -EAGAIN for a folio being freed,
 * -EINVAL with neither flag. Exposed for callers that hand out pins of pages
 * they already hold (mainline's try_grab_folio()). -EREMOTEIO for a PCI P2PDMA
 * page without FOLL_PCI_P2PDMA.
 */
/* Pins of the zero page are not counted (6.5); a tracker blind to pins counts them as references. */
static inline bool gup_zero_page_uncounted(void)
{
	return kernel_has(KSW_ZERO_PAGE_NOT_PINNED) && !pins_are_references();
}

/*
 * What every grab starts with: the P2PDMA refusal, and FOLL_GET's plain
 * references. 1 when the caller goes on to take a pin, else the result.
 */
static inline __attribute__((always_inline)) int
try_grab_folio_prologue(struct folio *folio, int refs, unsigned int flags)
{
	/*
	 * PCI P2PDMA memory is a device BAR: only a caller whose DMA can reach
	 * it says so with FOLL_PCI_P2PDMA (O_DIRECT block I/O from 6.2). Anyone
	 * else gets -EREMOTEIO from the slow path; GUP-fast, which gets NULL
	 * from its grab, falls back to the slow path and so ends the same way.
	 * Model: checked in every release; before 6.2, which added the flag,
	 * no P2PDMA page could be mapped into a process to be refused.
	 */
	if (unlikely(!(flags & FOLL_PCI_P2PDMA) && is_pci_p2pdma_page(&folio->page)))
		return -EREMOTEIO;
	if (flags & FOLL_GET) {
		if (likely(folio_ref_try_add(folio, refs)))
			return 0;
		return folio_ref_count(folio) <= 0 ? -EAGAIN : -ENOMEM;
	}
	return 1;
}

static inline int try_grab_folio(struct folio *folio, int refs, unsigned int flags)
{
	int ret;

	if (WARN_ON_ONCE(refs <= 0))
		return -EINVAL;
	ret = try_grab_folio_prologue(folio, refs, flags);
	if (ret <= 0)
		return ret;
	if (WARN_ON_ONCE(!(flags & FOLL_PIN)))
		return -EINVAL;

	/*
	 * The zero page is shared by everyone and never freed or moved: from 6.5
	 * GUP hands it out without touching any count, and unpin ignores it.
	 * Earlier kernels pinned it like any page.
	 */
	if (is_zero_folio(folio) && gup_zero_page_uncounted())
		return 0;

	return pin_tracker_try_pin(folio, refs, flags);
}

/*
 * try_grab_folio() for a GUP call that read the pin configuration once
 * (struct pin_batch): the same outcome, with the common cases inline.
 */
static inline __attribute__((always_inline)) int
try_grab_folio_batch(const struct pin_batch *b, struct folio *folio, int refs, unsigned int flags)
{
	int ret;

	if (unlikely(refs <= 0))
		return try_grab_folio(folio, refs, flags);
	ret = try_grab_folio_prologue(folio, refs, flags);
	if (ret <= 0)
		return ret;
	if (likely(flags & FOLL_PIN) && likely(!is_zero_folio(folio)))
		return pin_batch_try_pin(b, folio, refs, flags);
	return try_grab_folio(folio, refs, flags);
}

/* Release one pages[] entry a GUP call filled (FOLL_GET or FOLL_PIN). */
void gup_put_entry(struct page *entry, unsigned int flags);

/* Undo try_grab_folio() (or drop a pin GUP returned). */
static inline void gup_put_folio(struct folio *folio, int refs, unsigned int flags)
{
	if (flags & FOLL_PIN) {
		if (is_zero_folio(folio) && gup_zero_page_uncounted())
			return;
		pin_tracker_unpin_flags(folio, refs, flags);
		return;
	}
	folio_put_refs(folio, refs);
}

/* gup_put_folio() within a batch (FOLL_PIN). */
static inline __attribute__((always_inline)) void
gup_put_folio_batch(const struct pin_batch *b, struct folio *folio, int refs)
{
	if (likely(!is_zero_folio(folio))) {
		pin_batch_unpin(b, folio, refs);
		return;
	}
	gup_put_folio(folio, refs, FOLL_PIN);
}

/*
 * Undo try_grab_folio() inside GUP, before it returns the pages: under a
 * tracker with pin_post the pin is still pending (references only).
 */
static inline void gup_undo_grab(struct folio *folio, int refs, unsigned int flags)
{
	if ((flags & FOLL_PIN) && READ_ONCE(pin_config.tracker)->pin_post) {
		if (!is_zero_folio(folio) || pins_are_references())
			pin_tracker_drop_pending(folio, refs);
		return;
	}
	gup_put_folio(folio, refs, flags | FOLL_UNPIN_KNOWN);
}


/*
 * pages[i] = first + i for i < nr: what a huge mapping contributes to
 * pages[]. Four stores per branch, for the reason gup_pages_contig() gives:
 * with one per entry the same loop ran at 0.37 or 0.70 ns/page in the 64-
 * and 72-byte builds from its alignment alone.
 */
static inline void gup_pages_fill(struct page **pages, struct page *first, unsigned long nr)
{
	unsigned long i = 0;

	for (; i + 4 <= nr; i += 4) {
		pages[i] = first + i;
		pages[i + 1] = first + i + 1;
		pages[i + 2] = first + i + 2;
		pages[i + 3] = first + i + 3;
	}
	for (; i < nr; i++)
		pages[i] = first + i;
}

/*
 * How many entries of pages[0..max) are first, first + 1, first + 2 ...
 * (pages[0] == first; max >= 1): the run unpin releases with one call, and
 * the bench's floor with one atomic. Four entries per branch, so that the scan
 * runs at the same speed wherever the linker places it: with one taken branch
 * per entry, 2 MiB unpin took 0.40 or 0.70 ns/page from the loop's alignment
 * alone (the same source flipped between the two with -falign-loops=64).
 */
static inline unsigned long gup_pages_contig(struct page *const *pages, const struct page *first,
					     unsigned long max)
{
	unsigned long n = 1;

	while (n + 4 <= max) {
		unsigned long d = ((unsigned long)pages[n] - (unsigned long)(first + n)) |
				  ((unsigned long)pages[n + 1] - (unsigned long)(first + n + 1)) |
				  ((unsigned long)pages[n + 2] - (unsigned long)(first + n + 2)) |
				  ((unsigned long)pages[n + 3] - (unsigned long)(first + n + 3));

		if (d)
			break;
		n += 4;
	}
	while (n < max && pages[n] == first + n)
		n++;
	return n;
}

#endif
