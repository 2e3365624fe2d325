/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vaddr_pin_pages(): the long-term pin of file pages under a layout lease that
 * Ira Weiny and John Hubbard discussed in August 2019 (seed 002). The lease is
 * the filesystem's consent: while leased pins exist it refuses to move or free
 * the blocks behind them (truncate and hole punch fail with -ETXTBSY), so a
 * device may keep writing them. The pins are counted on the leased inode.
 */
#include <pinmm/fs/fs.h>
#include "internal.h"

long vaddr_pin_pages(unsigned long addr, unsigned long nr_pages, unsigned int gup_flags,
		     struct page **pages, struct vaddr_pin *vaddr_pin)
{
	unsigned int flags = gup_flags;
	struct mm_struct *mm = vaddr_pin ? vaddr_pin->mm : NULL;
	int locked = 0;
	long ret;

	if (WARN_ON_ONCE(!mm || !vaddr_pin->f_owner || !file_inode(vaddr_pin->f_owner)))
		ret = -EINVAL;
	else if (!is_valid_gup_args(pages, NULL, &flags,
				    FOLL_PIN | FOLL_TOUCH | FOLL_UNLOCKABLE | FOLL_LAYOUT_LEASE))
		ret = -EINVAL;
	else
		ret = gup_pin_post(mm, addr & PAGE_MASK, pages,
				   __gup_longterm_locked(mm, addr, nr_pages, pages, &locked, flags),
				   &locked, flags);
	if (ret > 0)
		fs_lease_pin_add(file_inode(vaddr_pin->f_owner), ret);
	mm_trace("vaddr_pin_pages", "mm=%s start=%#lx nr=%lu flags=%#x lease=%s -> %ld",
		 mm ? mm->owner : "-", addr, nr_pages, gup_flags,
		 vaddr_pin && vaddr_pin->f_owner && file_inode(vaddr_pin->f_owner) &&
		 fs_lease_held(file_inode(vaddr_pin->f_owner)) ? "held" : "none", ret);
	return ret;
}

void vaddr_unpin_pages(struct page **pages, unsigned long nr_pages,
		       struct vaddr_pin *vaddr_pin, bool make_dirty)
{
	if (WARN_ON_ONCE(!vaddr_pin || !vaddr_pin->f_owner))
		return;
	unpin_user_pages_dirty_lock(pages, nr_pages, make_dirty);
	fs_lease_pin_sub(file_inode(vaddr_pin->f_owner), (long)nr_pages);
}
