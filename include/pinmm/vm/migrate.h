/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page migration: move a folio's contents to a new folio and repoint every
 * mapping, as migrate_pages() does for compaction, NUMA and FOLL_LONGTERM. A
 * folio with a reference nobody can explain (a pin, a get) is never moved.
 */
#ifndef PINMM_VM_MIGRATE_H
#define PINMM_VM_MIGRATE_H

#include <pinmm/vm/mm_types.h>

/*
 * Migrate @src to a new folio allocated with @gfp (same order; __GFP_COMP is
 * added for large folios). The caller holds one reference on @src, and still
 * holds it on return: putting it after a success frees the old folio.
 *
 * Locks @src, waits for writeback, replaces every PTE by a migration entry
 * (PMD mappings are split to PTEs first), checks the reference count is
 * exactly caller + page cache (+1 with fs-private data), moves the page-cache
 * slot through mapping->a_ops->migrate_folio, copies data and flags, and
 * points the entries at the new folio. On -EAGAIN (extra reference or pin),
 * -ENOMEM, -EBUSY (could not unmap) or -EINVAL (zone-device, zero page,
 * no a_ops->migrate_folio), every PTE is restored to @src.
 * *@dstp (if non-NULL) gets the new folio, which the caller holds no reference on.
 * Counts PGMIGRATE_SUCCESS / PGMIGRATE_FAIL (pages).
 */
int migrate_folio_to(struct folio *src, gfp_t gfp, struct folio **dstp);

/*
 * Migrate every folio mapped in [start, start+len) of @mm (the scenario's
 * "migrate p m"). Returns the number of folios migrated, or -EINVAL
 * (unaligned/empty), -EFAULT (nothing mapped there at all).
 */
long migrate_range(struct mm_struct *mm, unsigned long start, unsigned long len);

/* Copy the migratable flags (dirty, uptodate, referenced...) from @src to @dst. */
void folio_migrate_flags(struct folio *dst, struct folio *src);

#endif
