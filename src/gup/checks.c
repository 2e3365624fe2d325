/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The questions GUP asks before handing out a page: are these flags valid, must
 * a read-only pin unshare the page first, may this folio be pinned long term
 * where it is, may GUP-fast decide without the VMA.
 */
#include <pinmm/fs/fs.h>
#include <pinmm/devmap/memremap.h>
#include <pinmm/gup/unshare.h>
#include "internal.h"

bool is_valid_gup_args(struct page **pages, int *locked, unsigned int *gup_flags_p,
		       unsigned int to_set)
{
	unsigned int gup_flags = *gup_flags_p;

	/*
	 * FOLL_PIN, FOLL_TOUCH, FOLL_REMOTE, FOLL_FAST_ONLY... belong to the
	 * entry points, not their callers.
	 */
	if (WARN_ON_ONCE(gup_flags & INTERNAL_GUP_FLAGS))
		return false;
	/*
	 * Model: mainline's is_valid_gup_args() lets bits that are neither
	 * public nor internal (13-15, 23 up) through and the slow path ignores
	 * them; only GUP-fast's own flag mask refuses them. pinmm refuses them
	 * on every entry point, with their own WARN_ON_ONCE.
	 */
	if (WARN_ON_ONCE(gup_flags & ~FOLL_PUBLIC_FLAGS))
		return false;

	gup_flags |= to_set;
	if (locked) {
		/* The caller holds mmap_lock and says so. */
		if (WARN_ON_ONCE(*locked != 1))
			return false;
		gup_flags |= FOLL_UNLOCKABLE;
	}

	if (WARN_ON_ONCE((gup_flags & (FOLL_PIN | FOLL_GET)) == (FOLL_PIN | FOLL_GET)))
		return false;
	/*
	 * From 6.3 FOLL_LONGTERM comes only with FOLL_PIN. Before, it also came
	 * with FOLL_GET (get_user_pages_longterm(), then FOLL_LONGTERM callers
	 * of get_user_pages()), but always with a pages[] array.
	 */
	if (WARN_ON_ONCE((gup_flags & FOLL_LONGTERM) && !(gup_flags & FOLL_PIN) &&
			 (!pages || kernel_has(KSW_LONGTERM_NEEDS_PIN))))
		return false;
	if (WARN_ON_ONCE((gup_flags & FOLL_PIN) && !pages))
		return false;
	if (WARN_ON_ONCE((gup_flags & FOLL_GET) && !pages))
		return false;
	/* A long-term pin must not keep a PCI pagemap from being unplugged. */
	if (WARN_ON_ONCE((gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA)))
		return false;

	*gup_flags_p = gup_flags;
	return true;
}

bool gup_must_unshare(struct vm_area_struct *vma, unsigned int flags, struct page *page)
{
	struct folio *folio = page_folio(page);

	/* Only read-only pins care: a write fault already gave us our own page. */
	if ((flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN)
		return false;
	/*
	 * Before 5.19 nothing unshared for a R/O pin; a tracker that cannot see
	 * pins gives them FOLL_GET's semantics whatever the release.
	 */
	if (pins_are_references())
		return false;

	if (!folio_test_anon(folio)) {
		if (!kernel_has(KSW_UNSHARE_RO_COW))
			return false;
		/*
		 * A page-cache page (or the zero page) in a private mapping may be
		 * replaced by an anonymous copy at the next write fault; a short
		 * pin does not care, a long-term one would then pin a page the
		 * process no longer sees. GUP-fast has no VMA: let the slow path
		 * decide.
		 */
		if (!(flags & FOLL_LONGTERM))
			return false;
		if (!vma)
			return true;
		return is_cow_mapping(vma->vm_flags);
	}

	if (!kernel_has(KSW_UNSHARE_RO_ANON))
		return false;
	/*
	 * Pairs with the barrier fork and KSM issue between clearing
	 * PageAnonExclusive and re-checking for pins: our pin is already taken
	 * (a fully ordered RMW), and this load may not be hoisted above it.
	 * Per page; for a PMD mapping the caller passes the head, which carries it.
	 */
	return !((__atomic_load_n(&page->flags, __ATOMIC_SEQ_CST) >> PG_anon_exclusive) & 1);
}

bool page_needs_cow_for_dma(struct vm_area_struct *vma, struct page *page)
{
	return folio_needs_cow_for_dma(vma, page_folio(page));
}

bool folio_is_longterm_pinnable(struct folio *folio)
{
	/* Never freed, never moved: nothing to migrate. */
	if (is_zero_folio(folio))
		return true;
	if (folio_is_cma(folio))
		return !kernel_has(KSW_LONGTERM_MIGRATES_CMA);
	if (folio_is_zone_device(folio)) {
		/* Coherent device memory must stay evictable by its driver. */
		if (folio_is_device_coherent(folio))
			return false;
		/*
		 * fsdax blocks belong to the file: refused by the VMA check in the
		 * slow path; GUP-fast has no VMA and must fall back to it (before
		 * 6.15 it refused the pte_devmap entry, to the same effect).
		 */
		if (folio_is_fsdax(folio))
			return !kernel_has(KSW_LONGTERM_FSDAX_REFUSED);
		return true;
	}
	if (folio_is_zone_movable(folio))
		return !kernel_has(KSW_LONGTERM_MIGRATES_MOVABLE);
	return true;
}

bool gup_longterm_must_migrate(struct folio *folio)
{
	/*
	 * Model: the `allow` longterm policy (no preset uses it) drops every
	 * long-term rule at once: migration out of CMA and ZONE_MOVABLE, the
	 * 4.15 fsdax refusal, the 6.5 file-write refusal and (fs/dax.c) the 4.18
	 * wait for busy DAX pages. Release presets get each from its switch.
	 */
	if (READ_ONCE(pin_config.longterm) == LONGTERM_ALLOW)
		return false;
	/* Nothing in ZONE_DEVICE is migrated: fsdax was refused, coherent is not modelled. */
	if (folio_is_zone_device(folio))
		return false;
	return !folio_is_longterm_pinnable(folio);
}

/* Writes through this mapping must be seen by the filesystem (page_mkwrite, writeback). */
static bool vma_needs_dirty_tracking(struct vm_area_struct *vma)
{
	const unsigned long shared_writable = VM_SHARED | VM_WRITE;

	if ((vma->vm_flags & shared_writable) != shared_writable)
		return false;
	if (vma->vm_ops && (vma->vm_ops->page_mkwrite || vma->vm_ops->pfn_mkwrite))
		return true;
	/*
	 * Nor does a mapping that is never written back: shmem, hugetlbfs, a
	 * driver's device file. Model: mainline asks the backing device
	 * (mapping_can_writeback(), BDI_CAP_WRITEBACK); here a mapping writes
	 * back when its a_ops can write a folio, which of pinmm's filesystems
	 * only blkfs's do.
	 */
	return vma->vm_file && vma->vm_file->f_mapping && vma->vm_file->f_mapping->a_ops &&
	       vma->vm_file->f_mapping->a_ops->writepage;
}

bool gup_vma_layout_leased(struct vm_area_struct *vma, unsigned int gup_flags)
{
	enum longterm_policy lt = READ_ONCE(pin_config.longterm);

	/* Model: a lease is per file, whoever took it (the RFC tied it to a process). */
	return (lt == LONGTERM_LEASE || lt == LONGTERM_BUSY) &&
	       (gup_flags & FOLL_LAYOUT_LEASE) && vma->vm_file &&
	       fs_lease_held(file_inode(vma->vm_file));
}

bool gup_writable_file_mapping_allowed(struct vm_area_struct *vma, unsigned int gup_flags)
{
	if (!(gup_flags & FOLL_LONGTERM) || READ_ONCE(pin_config.longterm) == LONGTERM_ALLOW ||
	    !kernel_has(KSW_LONGTERM_FILE_WRITE_REFUSED))
		return true;
	/*
	 * pinmm: writeback keeps a writably pinned folio dirty and writes stable
	 * copies of it, reclaim and invalidation leave it, truncate answers
	 * ETXTBSY: nothing is cleaned behind the pin, so it needs no refusal.
	 */
	if (READ_ONCE(pin_config.longterm) == LONGTERM_BUSY)
		return true;
	/* Under a layout lease (lease policy only) the filesystem has agreed to the pin. */
	if (gup_vma_layout_leased(vma, gup_flags))
		return true;
	return !vma_needs_dirty_tracking(vma);
}

bool gup_fast_folio_allowed(struct folio *folio, unsigned int flags)
{
	const unsigned int lt_write = FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE;
	struct address_space *mapping;
	unsigned long mapping_flags;

	if ((flags & lt_write) != lt_write ||
	    READ_ONCE(pin_config.longterm) == LONGTERM_ALLOW ||
	    READ_ONCE(pin_config.longterm) == LONGTERM_BUSY ||
	    !kernel_has(KSW_LONGTERM_FILE_WRITE_REFUSED))
		return true;

	/* hugetlbfs has no writeback to clean the folio behind the pin. */
	if (folio_test_hugetlb(folio))
		return true;
	/*
	 * We hold a reference, so the folio is stable; its mapping is not
	 * (truncation may clear it), so read it exactly once. The address_space
	 * itself cannot be freed while we are in the RCU read-side section.
	 */
	mapping = READ_ONCE(folio->mapping);
	if (!mapping)
		return false;	/* truncated, or unknown: let the slow path decide */
	mapping_flags = (unsigned long)mapping & PAGE_MAPPING_FLAGS;
	if (mapping_flags)
		return mapping_flags & PAGE_MAPPING_ANON;
	/*
	 * Model: mainline lets every shmem folio through here, even one in a
	 * MAP_PRIVATE mapping, because the slow path is not needed to tell; the
	 * same holds here. Anything else may need dirty tracking.
	 */
	return shmem_mapping(mapping);
}
