/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pin trackers: where a FOLL_PIN lives. One ops table, one file per design from
 * the 2018-2020 debate; the gup, vm and fs layers call only this table.
 */
#ifndef PINMM_PIN_TRACKER_H
#define PINMM_PIN_TRACKER_H

#include <pinmm/mem/memory.h>

/*
 * A small folio's pin as an add to _refcount (pin_tracker.small_pin), in one
 * of two forms.
 *
 * @field 0: a pin is @one plain references (bias: 1024, get: 1). try_pin()
 * takes refs * @one with folio_ref_try_add(), failing as that fails, and
 * unpin() drops them with folio_put_refs().
 *
 * @field non-0: the pins are counted in the bits @field of _refcount, one pin
 * adding @one (its lowest bit), and the writable ones in the same field
 * @wshift bits higher, a FOLL_WRITE pin adding @one << @wshift more (exact).
 * The writable count is an upper bound kept no greater than the pins: an
 * unpin of unknown kind that finds them equal takes one writable off too.
 * Only one pin at a time has this form: try_pin(folio, 1) refuses a folio
 * whose count is <= 0 with -EAGAIN and is one CAS while @field is below its
 * all-ones value; unpin(folio, 1) is one CAS while @field is neither 0 nor
 * all ones, then what folio_put_refs() does with what is left. Every other
 * case (more pins, a full or empty field, a known kind) is the table's.
 * GUP's batch takes the field inline only in the one geometry it is compiled
 * for (PIN_INLINE_FIELD): the shifts and masks are then constants, not loads
 * and variable shifts on the per-page path. Another geometry is the table's.
 */
struct pin_small_code {
	int one;
	int field;
	int wshift;
};

/* The packed field GUP's batch takes and drops inline: pins in bits 18-23, writable 6 higher. */
#define PIN_INLINE_FIELD_ONE	(1 << 18)
#define PIN_INLINE_FIELD_MASK	(63 << 18)
#define PIN_INLINE_FIELD_WSHIFT	6
#define PIN_INLINE_FIELD						\
	((const struct pin_small_code){ .one = PIN_INLINE_FIELD_ONE,	\
					.field = PIN_INLINE_FIELD_MASK,	\
					.wshift = PIN_INLINE_FIELD_WSHIFT })

struct pin_tracker {
	const char *name;
	const char *summary;		/* one line for `pinmm list` */
	/*
	 * The design cannot tell a pin from a reference (maybe_dma_pinned is
	 * never true): the kernel it models predates FOLL_PIN, so GUP gives
	 * pins FOLL_GET's COW semantics (no unshare for R/O pins, no anon-
	 * exclusive guarantee to check at unpin).
	 */
	bool untracked;
	/*
	 * Take @refs pins on @folio (one per page of the folio this call pins) and
	 * the references that keep it alive. 0, or -ENOMEM when a count would
	 * overflow, -EAGAIN when the folio is being freed (GUP-fast retries slow).
	 */
	int  (*try_pin)(struct folio *folio, int refs, unsigned int gup_flags);
	/* Drop @refs pins and their references; may free the folio. */
	void (*unpin)(struct folio *folio, int refs);
	/*
	 * Optional: unpin knowing what GUP knows of the pins. With
	 * PIN_UNPIN_KNOWN in @gup_flags, PIN_FOLL_WRITE says whether they were
	 * taken writable (GUP's own back-outs, unpin_user_pages_flags());
	 * without it the kind is unknown (the kernel's unpin calls). NULL: unpin.
	 */
	void (*unpin_flags)(struct folio *folio, int refs, unsigned int gup_flags);
	/* May a device be accessing this folio's data? False positives allowed. */
	bool (*maybe_dma_pinned)(struct folio *folio);
	/* The exact pin count, or -1 when the design cannot know it. */
	long (*pincount)(struct folio *folio);
	/*
	 * Optional: may a pin of this folio let the device write it (was any
	 * taken with FOLL_WRITE)? Never false while a writable pin exists; may
	 * stay true after the last one went when the unpins did not say which
	 * pins they dropped (see unpin_flags). NULL: the design cannot tell, so
	 * every pinned folio counts as written.
	 */
	bool (*maybe_dma_pinned_writable)(struct folio *folio);

	/*
	 * Optional: trackers that synchronise with page_mkclean() (seed 004).
	 * mkclean_begin runs with the folio locked before the rmap walk,
	 * mkclean_end after it, told how many PTEs the walk found mapping the
	 * folio's head page; mkclean_end returns whether a pin raced in.
	 */
	void (*mkclean_begin)(struct folio *folio);
	bool (*mkclean_end)(struct folio *folio, int mapped);
	/*
	 * Optional: the design records a pin only under the folio lock (seed
	 * 004, John Hubbard's plan A), which GUP cannot take inside GUP-fast's
	 * lockless walk nor under a page-table lock. try_pin then takes only the
	 * references; GUP drops them itself if it backs out, and once it holds
	 * no lock it takes each folio's lock, checks the PTE still maps the page
	 * as it did, and calls pin_post with the folio locked to record the pins.
	 */
	void (*pin_post)(struct folio *folio, int refs, unsigned int gup_flags);
	/* Optional: called once when the tracker becomes current / stops being. */
	int  (*enable)(void);
	void (*disable)(void);
	/*
	 * Optional: how many _refcount references @pins pins of @folio hold. The
	 * debug mode uses it to tell a put_page() that consumed a pin's reference
	 * from an ordinary one. NULL: one reference per pin.
	 */
	long (*pin_refs)(struct folio *folio, long pins);

	/*
	 * Optional: the design hands GUP's caller a per-pin object in place of
	 * the struct page (seed 000's proxy; NULL for every other design).
	 * pin_entries turns @nr of the pins try_pin() took on page_folio(@page)
	 * into the pages[] entries @out[0..nr) for @page .. @page + nr - 1 (one
	 * folio), found through @mapping at @index .. @index + nr - 1 (the VMA's
	 * file; NULL for anonymous memory). It allocates nothing, so it cannot
	 * fail: try_pin() did the allocating and answered -ENOMEM if it could
	 * not. get_entry is ref_user_page() on an entry (0, or -errno);
	 * put_entries gives back @nr entries of one folio for the unpin family
	 * and returns how many pins of it to drop with unpin() now (fewer while
	 * ref_user_page() references remain). Batched, so that a 2 MiB folio
	 * costs one lock, not 512.
	 */
	void (*pin_entries)(struct page *page, unsigned int nr, struct address_space *mapping,
			    pgoff_t index, struct page **out);
	int  (*get_entry)(struct page *entry);
	int  (*put_entries)(struct page **entries, unsigned int nr);
	/*
	 * Optional: how many pins of @page were handed out through @mapping
	 * (a proxy's own mapping). NULL: the design cannot say whose a pin is.
	 */
	long (*pins_through)(struct page *page, struct address_space *mapping);

	/*
	 * Optional (.one 0: not so): how the design's common pin of a small
	 * folio is written into _refcount, when it is an add to that word and
	 * nothing else, so that GUP may take and drop it itself, inline, instead
	 * of calling the table per page (struct pin_batch). See struct
	 * pin_small_code. tests/pin/test_tracker.c holds every tracker that
	 * declares one to it.
	 */
	struct pin_small_code small_pin;

	/*
	 * What the design costs in memory, for `pinmm bench` and `pinmm list`:
	 * bytes it adds per page of RAM (a side table, a bigger struct page) and
	 * bytes it allocates per pin outstanding (a proxy object). 0: none.
	 */
	unsigned int bytes_per_page;
	unsigned int bytes_per_pin;

	/*
	 * NULL, or why this build cannot run the tracker and which build can
	 * ("needs the 72-byte struct page: make PAGE=72, build/gcc-page72/pinmm").
	 * The tracker and its preset stay listed, so scenarios may give verdicts
	 * for it in every build; pin_tracker_set() refuses it with -EOPNOTSUPP.
	 */
	const char *unavailable;
};

enum longterm_policy {
	LONGTERM_ALLOW,		/* anything may be pinned long term */
	LONGTERM_MAINLINE,	/* refuse fsdax and writable pins of non-shmem shared files */
	LONGTERM_LEASE,		/* allowed under a file layout lease (vaddr_pin_pages) */
	/*
	 * pinmm: writable pins of shared files allowed (writeback copes, see
	 * WB_BOUNCE); truncate and hole punch over a pinned page-cache range
	 * answer -ETXTBSY; fsdax needs a lease, as under LONGTERM_LEASE.
	 */
	LONGTERM_BUSY,
	NR_LONGTERM_POLICIES,
};

enum writeback_policy {
	WB_IGNORE,		/* write what is there and mark the folio clean */
	WB_BOUNCE,		/* write a stable copy; a writably pinned folio stays dirty */
	WB_SKIP,		/* leave pinned folios dirty; data-integrity sync bounces */
	NR_WRITEBACK_POLICIES,
};

extern const char *const longterm_policy_names[NR_LONGTERM_POLICIES];
extern const char *const writeback_policy_names[NR_WRITEBACK_POLICIES];

/* What mm and filesystems do with pinned folios right now. */
struct pin_config {
	const struct pin_tracker *tracker;
	enum longterm_policy longterm;
	enum writeback_policy writeback;
	bool debug;	/* record an event for put_page() of a pinned page and unpin of an unpinned one */
};
extern struct pin_config pin_config;

/*
 * Every tracker built in, NULL-terminated, in `order`: mk/gen-registry.sh
 * collects each line of the pin layer's sources that starts with PIN_TRACKER(order, ident),
 * so a new tracker is one file and nothing else names it.
 */
extern const struct pin_tracker *const pin_trackers[];
#define PIN_TRACKER(order, ident) const struct pin_tracker ident
const struct pin_tracker *pin_tracker_find(const char *name);
/*
 * Switch tracker: only while nothing is pinned. -EBUSY otherwise, -EINVAL for
 * NULL, -EOPNOTSUPP for a tracker this build cannot run (->unavailable).
 */
int pin_tracker_set(const struct pin_tracker *t);

/*
 * Pins are plain references (the pre-FOLL_PIN kernels): GUP then behaves as
 * those kernels did wherever mainline's behaviour relies on pins being seen.
 */
static inline bool pins_are_references(void)
{
	return READ_ONCE(pin_config.tracker)->untracked;
}

static inline bool folio_maybe_dma_pinned(struct folio *folio)
{
	return pin_config.tracker->maybe_dma_pinned(folio);
}
/* A pinned folio a device may write (see pin_tracker.maybe_dma_pinned_writable). */
static inline bool folio_maybe_dma_pinned_writable(struct folio *folio)
{
	const struct pin_tracker *t = READ_ONCE(pin_config.tracker);

	if (!t->maybe_dma_pinned(folio))
		return false;
	return !t->maybe_dma_pinned_writable || t->maybe_dma_pinned_writable(folio);
}
static inline bool page_maybe_dma_pinned(struct page *page)
{
	return folio_maybe_dma_pinned(page_folio(page));
}

/*
 * gup_flags a tracker's try_pin may look at; the values are gup.h's (checked
 * there), named here because the pin layer sits below gup.
 */
#define PIN_FOLL_WRITE		(1U << 0)
#define PIN_UNPIN_KNOWN		(1U << 24)

/* The value mainline adds to _refcount for each pin of a small folio. */
#define GUP_PIN_COUNTING_BIAS (1U << 10)

#endif
