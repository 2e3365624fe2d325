/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multi-size THP for anonymous memory (6.8): the per-size enablement that
 * /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/enabled gives, the
 * orders a VMA allows at an address, and the folio an anonymous write fault
 * allocates (alloc_anon_folio): the largest allowed order whose naturally
 * aligned range lies inside the VMA with every PTE still none.
 */
#include "internal.h"

/*
 * Mainline's boot defaults: the PMD size inherits the top-level "enabled",
 * every smaller size is "never".
 */
static unsigned long huge_anon_orders_always;
static unsigned long huge_anon_orders_madvise;
static unsigned long huge_anon_orders_inherit = BIT(HPAGE_PMD_ORDER);

int thp_set_anon_order_mode(unsigned int order, enum thp_order_mode mode)
{
	unsigned long bit;

	/* Before 6.8 no hugepages-<size>kB directory exists at all. */
	if (!kernel_has(KSW_ANON_MTHP))
		return -ENOENT;
	/* Order 1 has a directory (for the page cache) but no anon "enabled" file. */
	if (order > HPAGE_PMD_ORDER || !(BIT(order) & THP_ORDERS_ALL_ANON))
		return -ENOENT;
	if (mode > THP_ORDER_ALWAYS)
		return -EINVAL;
	bit = BIT(order);
	__atomic_fetch_and(&huge_anon_orders_always, ~bit, __ATOMIC_RELAXED);
	__atomic_fetch_and(&huge_anon_orders_madvise, ~bit, __ATOMIC_RELAXED);
	__atomic_fetch_and(&huge_anon_orders_inherit, ~bit, __ATOMIC_RELAXED);
	if (mode == THP_ORDER_ALWAYS)
		__atomic_fetch_or(&huge_anon_orders_always, bit, __ATOMIC_RELAXED);
	else if (mode == THP_ORDER_MADVISE)
		__atomic_fetch_or(&huge_anon_orders_madvise, bit, __ATOMIC_RELAXED);
	else if (mode == THP_ORDER_INHERIT)
		__atomic_fetch_or(&huge_anon_orders_inherit, bit, __ATOMIC_RELAXED);
	return 0;
}

enum thp_order_mode thp_anon_order_mode(unsigned int order)
{
	unsigned long bit = BIT(order);

	if (READ_ONCE(huge_anon_orders_always) & bit)
		return THP_ORDER_ALWAYS;
	if (READ_ONCE(huge_anon_orders_madvise) & bit)
		return THP_ORDER_MADVISE;
	if (READ_ONCE(huge_anon_orders_inherit) & bit)
		return THP_ORDER_INHERIT;
	return THP_ORDER_NEVER;
}

void thp_reset_anon_orders(void)
{
	WRITE_ONCE(huge_anon_orders_always, 0);
	WRITE_ONCE(huge_anon_orders_madvise, 0);
	WRITE_ONCE(huge_anon_orders_inherit, BIT(HPAGE_PMD_ORDER));
}

/*
 * thp_vma_allowable_orders() for an anonymous fault: the sysfs masks as the
 * VMA's VM_HUGEPAGE and the top-level mode select them. Before 6.8 only the
 * PMD order exists, governed by the top-level mode alone.
 */
unsigned long thp_vma_allowable_orders(struct vm_area_struct *vma, unsigned long orders)
{
	unsigned long flags = READ_ONCE(vma->vm_flags), mask;
	enum transparent_hugepage_mode mode = READ_ONCE(transparent_hugepage);
	bool madv = flags & VM_HUGEPAGE;

	if (!vma_is_anonymous(vma) || (flags & (VM_SHARED | VM_PFNMAP | VM_IO | VM_NOHUGEPAGE)))
		return 0;
	if (!kernel_has(KSW_ANON_MTHP))
		return orders & ((mode == THP_ALWAYS || (mode == THP_MADVISE && madv)) ?
				 BIT(HPAGE_PMD_ORDER) : 0);
	mask = READ_ONCE(huge_anon_orders_always);
	if (madv)
		mask |= READ_ONCE(huge_anon_orders_madvise);
	if (mode == THP_ALWAYS || (madv && mode == THP_MADVISE))
		mask |= READ_ONCE(huge_anon_orders_inherit);
	return orders & mask & THP_ORDERS_ALL_ANON;
}

/*
 * thp_vma_suitable_orders(): keep the orders whose aligned range around
 * @addr lies inside the VMA (an anonymous VMA's vm_pgoff is not checked).
 */
unsigned long thp_vma_suitable_orders(struct vm_area_struct *vma, unsigned long addr,
				      unsigned long orders)
{
	unsigned long start = READ_ONCE(vma->vm_start), end = READ_ONCE(vma->vm_end);

	for (unsigned int order = 0; order <= HPAGE_PMD_ORDER; order++) {
		unsigned long size = PAGE_SIZE << order, haddr = ALIGN_DOWN(addr, size);

		if (!(orders & BIT(order)))
			continue;
		if (haddr < start || haddr + size > end)
			orders &= ~BIT(order);
	}
	return orders;
}

static bool pte_range_none(pte_t *pte, unsigned long nr)
{
	for (unsigned long i = 0; i < nr; i++)
		if (!pte_none(ptep_get(pte + i)))
			return false;
	return true;
}

static int highest_order(unsigned long orders)
{
	return orders ? (int)(BITS_PER_LONG - 1 - __builtin_clzl(orders)) : -1;
}

struct folio *alloc_anon_folio(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long orders;
	struct folio *folio;
	pte_t *pte;
	int order;

	/* The PMD order is do_huge_pmd_anonymous_page()'s: only the smaller ones here. */
	orders = thp_vma_allowable_orders(vma, BIT(HPAGE_PMD_ORDER) - 1);
	orders = thp_vma_suitable_orders(vma, vmf->address, orders);
	if (!orders)
		goto fallback;
	pte = pte_offset_map(vmf->pmd, vmf->address & PMD_MASK);
	if (!pte)
		goto fallback;
	/* Drop each order whose range already has a PTE: a smaller one may fit. */
	for (order = highest_order(orders); order > 0; order = highest_order(orders)) {
		unsigned long addr = ALIGN_DOWN(vmf->address, PAGE_SIZE << order);

		if (pte_range_none(pte + pte_index(addr), 1UL << order))
			break;
		orders &= ~BIT(order);
	}
	pte_unmap(pte);
	for (order = highest_order(orders); order > 0; order = highest_order(orders)) {
		folio = folio_alloc(GFP_TRANSHUGE | __GFP_ZERO, (unsigned int)order);
		if (folio)
			return folio;
		/* Try the next smaller order. Model: no memcg, so never _FALLBACK_CHARGE. */
		count_mthp_stat(order, MTHP_STAT_ANON_FAULT_FALLBACK);
		orders &= ~BIT(order);
	}
fallback:
	return folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
}
