/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared set-up for the gup tests: a machine, a preset, a process, memory. */
#ifndef PINMM_TESTS_GUP_TEST_H
#define PINMM_TESTS_GUP_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "../common/cmocka_tap.h"
#include <pinmm/gup/gup.h>
#include <pinmm/gup/unshare.h>
#include <pinmm/pin/preset.h>
#include <pinmm/pin/trackers.h>
#include <pinmm/vm/mm.h>

static struct process *gt_proc;

static inline int gt_boot(const struct mem_config *cfg, const char *preset)
{
	struct mem_config zero = { 0 };

	if (mem_init(cfg ? cfg : &zero))
		return -1;
	if (pin_preset_apply(pin_preset_find(preset)))
		return -1;
	gt_proc = process_create("gup-test");
	return gt_proc ? 0 : -1;
}

static inline int gt_setup_mainline(void **state)
{
	(void)state;
	return gt_boot(NULL, "mainline");
}

static inline int gt_setup_legacy(void **state)
{
	(void)state;
	return gt_boot(NULL, "v4.14");
}

static inline int gt_teardown(void **state)
{
	(void)state;
	if (gt_proc)
		process_destroy(gt_proc);
	gt_proc = NULL;
	mem_exit();
	return 0;
}

static inline struct mm_struct *gt_mm(void)
{
	return gt_proc->mm;
}

/* An anonymous private mapping of @npages, optionally written with @fill. */
static inline unsigned long gt_anon(struct mm_struct *mm, unsigned long npages,
				    unsigned long prot, int fill)
{
	long addr = vm_mmap(mm, 0, npages * PAGE_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS,
			    NULL, 0);

	assert_true(addr > 0);
	if (fill >= 0)
		assert_int_equal(uaccess_memset(mm, (unsigned long)addr, fill,
						npages * PAGE_SIZE), 0);
	return (unsigned long)addr;
}

/* A 2 MiB aligned anonymous THP-eligible mapping, not yet faulted. */
static inline unsigned long gt_thp_area(struct mm_struct *mm)
{
	long raw = vm_mmap(mm, 0, 2 * PMD_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	unsigned long addr;

	assert_true(raw > 0);
	addr = ALIGN_UP((unsigned long)raw, PMD_SIZE);
	assert_int_equal(do_madvise(mm, addr, PMD_SIZE, MADV_HUGEPAGE), 0);
	return addr;
}

/* gt_thp_area(), faulted in by a write. */
static inline unsigned long gt_thp(struct mm_struct *mm, int fill)
{
	unsigned long addr = gt_thp_area(mm);

	assert_int_equal(uaccess_memset(mm, addr, fill, PMD_SIZE), 0);
	return addr;
}

/* The page the process currently maps at @addr (NULL if none), without taking it. */
static inline struct page *gt_mapped_page(struct mm_struct *mm, unsigned long addr)
{
	struct page *page = NULL;
	pmd_t *pmdp;
	pte_t *ptep;

	mmap_read_lock(mm);
	pmdp = mm_find_pmd(mm, addr);
	if (!pmdp && mm_find_pud(mm, addr) && pud_leaf(pudp_get(mm_find_pud(mm, addr)))) {
		/* A 1 GiB hugetlb page: the PUD is the leaf. */
		page = pud_page(pudp_get(mm_find_pud(mm, addr))) + ((addr & ~PUD_MASK) >> PAGE_SHIFT);
	} else if (pmdp) {
		pmd_t pmd = pmdp_get(pmdp);

		if (pmd_leaf(pmd)) {
			page = pmd_page(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
		} else if ((ptep = pte_offset_map(pmdp, addr)) != NULL) {
			pte_t pte = ptep_get(ptep);

			if (pte_present(pte))
				page = pfn_to_page(pte_pfn(pte));
			pte_unmap(ptep);
		}
	}
	mmap_read_unlock(mm);
	return page;
}

static inline unsigned char gt_peek(struct page *page, size_t off)
{
	return ((volatile unsigned char *)page_address(page))[off];
}

static inline void gt_poke(struct page *page, int c)
{
	memset(page_address(page), c, PAGE_SIZE);
}

static inline unsigned char gt_uread(struct mm_struct *mm, unsigned long addr)
{
	unsigned char c = 0;

	assert_int_equal(uaccess_read(mm, addr, &c, 1), 0);
	return c;
}

static inline long gt_pins_acquired(void)
{
	return node_page_state(NR_FOLL_PIN_ACQUIRED);
}

static inline long gt_pins_released(void)
{
	return node_page_state(NR_FOLL_PIN_RELEASED);
}

#endif
