/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the vm/ tests: machine bring-up, a trivial pin tracker, and a tiny
 * fake file (its own page cache array) for file-backed mappings.
 */
#ifndef PINMM_TESTS_VM_TEST_H
#define PINMM_TESTS_VM_TEST_H

#include <stdlib.h>
#include <string.h>
#include "../common/cmocka_tap.h"
#include <pinmm/mem/memory.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/pin/tracker.h>
#include <pinmm/vm/mm.h>

static unsigned long vt_free0;
static const struct pin_tracker *vt_saved_tracker;
static int *vt_pins;		/* per-pfn pin counts of the test tracker */

static int vt_try_pin(struct folio *folio, int refs, unsigned int gup_flags)
{
	(void)gup_flags;
	if (!folio_ref_try_add(folio, refs))
		return -EAGAIN;
	__atomic_fetch_add(&vt_pins[folio_pfn(folio) - ARCH_PFN_OFFSET], refs, __ATOMIC_SEQ_CST);
	return 0;
}
static void vt_unpin(struct folio *folio, int refs)
{
	__atomic_fetch_sub(&vt_pins[folio_pfn(folio) - ARCH_PFN_OFFSET], refs, __ATOMIC_SEQ_CST);
	folio_put_refs(folio, refs);
}
static bool vt_maybe_pinned(struct folio *folio)
{
	return __atomic_load_n(&vt_pins[folio_pfn(folio) - ARCH_PFN_OFFSET], __ATOMIC_SEQ_CST) > 0;
}
static long vt_pincount(struct folio *folio)
{
	return __atomic_load_n(&vt_pins[folio_pfn(folio) - ARCH_PFN_OFFSET], __ATOMIC_SEQ_CST);
}
static int vt_mkclean_begins;
static void vt_mkclean_begin(struct folio *folio)
{
	(void)folio;
	vt_mkclean_begins++;
}
static const struct pin_tracker vt_tracker = {
	.name = "vm-test",
	.summary = "pins are references plus a per-pfn count",
	.try_pin = vt_try_pin,
	.unpin = vt_unpin,
	.maybe_dma_pinned = vt_maybe_pinned,
	.pincount = vt_pincount,
	.mkclean_begin = vt_mkclean_begin,
};

static inline int vt_setup(void **state)
{
	struct mem_config cfg = { 0 };	/* 64 MiB, no movable/CMA/device */

	(void)state;
	if (mem_init(&cfg))
		return -1;
	vt_pins = calloc(contig_page_data.node_spanned_pages, sizeof(*vt_pins));
	if (!vt_pins)
		return -1;
	vt_saved_tracker = pin_config.tracker;
	pin_config.tracker = &vt_tracker;
	vt_mkclean_begins = 0;
	transparent_hugepage = THP_MADVISE;
	vt_free0 = nr_free_pages();
	return 0;
}

static inline int vt_teardown(void **state)
{
	(void)state;
	mm_rcu_barrier();
	pin_config.tracker = vt_saved_tracker;
	folio_add_lru_hook = NULL;
	mem_exit();
	free(vt_pins);
	vt_pins = NULL;
	return 0;
}

/* Every page is back in the buddy allocator and nothing BUGged or WARNed. */
static inline void vt_assert_all_free(void)
{
	struct mm_event ev;

	mm_rcu_barrier();
	for (size_t i = 0; mm_event_get(i, &ev) == 0; i++)
		print_message("# event %s pfn=%#lx: %s\n", mm_event_kind_names[ev.kind], ev.pfn,
			      ev.text);
	assert_int_equal(nr_free_pages(), vt_free0);
	assert_int_equal(buddy_check_integrity(), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_BUG), 0);
	assert_int_equal(mm_event_count_kind(MM_EV_WARN), 0);
}

static inline int vt_pin_page(struct page *page)
{
	return pin_config.tracker->try_pin(page_folio(page), 1, 0);
}
static inline void vt_unpin_page(struct page *page)
{
	pin_config.tracker->unpin(page_folio(page), 1);
}

/* The present PTE (or NULL) mapping @addr: a locked-free peek, like a debugger. */
static inline pte_t vt_pte(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(mm, addr);
	pte_t *ptep, v = __pte(0);

	if (!pmd)
		return v;
	ptep = pte_offset_map(pmd, addr);
	if (!ptep)
		return v;
	v = ptep_get(ptep);
	pte_unmap(ptep);
	return v;
}
static inline pmd_t vt_pmd(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmd = mm_find_pmd(mm, addr);

	return pmd ? pmdp_get(pmd) : __pmd(0);
}
static inline struct page *vt_page(struct mm_struct *mm, unsigned long addr)
{
	pmd_t pmd = vt_pmd(mm, addr);
	pte_t pte;

	if (pmd_leaf(pmd))
		return pmd_page(pmd) + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	pte = vt_pte(mm, addr);
	if (!pte_present(pte))
		return NULL;
	return pfn_to_page(pte_pfn(pte));
}

static inline long vt_mmap_anon(struct process *p, unsigned long len, unsigned long prot,
				unsigned long flags)
{
	return vm_mmap(p->mm, 0, len, prot, flags | MAP_ANONYMOUS, NULL, 0);
}

static inline unsigned char vt_byte(struct process *p, unsigned long addr)
{
	unsigned char b = 0xee;

	assert_int_equal(uaccess_read(p->mm, addr, &b, 1), 0);
	return b;
}
static inline void vt_fill(struct process *p, unsigned long addr, int c, size_t len)
{
	assert_int_equal(uaccess_memset(p->mm, addr, c, len), 0);
}

/* ---- A fake file: an address_space with a fixed array as its page cache ---- */
#define VT_FILE_PAGES 64
struct vt_file {
	struct address_space mapping;
	struct file file;
	pthread_mutex_t lock;
	struct folio *pages[VT_FILE_PAGES];
	int mkwrite_calls;
	int dirty_calls;
	int fault_calls;
	bool fault_locked;		/* ->fault returns VM_FAULT_LOCKED */
};

static vm_fault_t vt_file_fault(struct vm_fault *vmf)
{
	struct vt_file *f = vmf->vma->vm_file->private_data;
	struct folio *folio;

	if (vmf->pgoff >= VT_FILE_PAGES)
		return VM_FAULT_SIGBUS;
	pthread_mutex_lock(&f->lock);
	f->fault_calls++;
	folio = f->pages[vmf->pgoff];
	if (!folio) {
		folio = folio_alloc(GFP_HIGHUSER_MOVABLE, 0);
		if (!folio) {
			pthread_mutex_unlock(&f->lock);
			return VM_FAULT_OOM;
		}
		/* file contents: every byte is (pgoff + 1) */
		memset_page(&folio->page, 0, (int)(vmf->pgoff + 1), PAGE_SIZE);
		folio->index = vmf->pgoff;
		folio_mark_uptodate(folio);
		WRITE_ONCE(folio->mapping, &f->mapping);
		f->pages[vmf->pgoff] = folio;
	}
	folio_get(folio);
	pthread_mutex_unlock(&f->lock);
	vmf->page = &folio->page;
	if (f->fault_locked) {
		folio_lock(folio);
		return VM_FAULT_LOCKED;
	}
	return 0;
}

static vm_fault_t vt_file_mkwrite(struct vm_fault *vmf)
{
	struct vt_file *f = vmf->vma->vm_file->private_data;
	struct folio *folio = page_folio(vmf->page);

	__atomic_fetch_add(&f->mkwrite_calls, 1, __ATOMIC_RELAXED);
	folio_lock(folio);
	folio_wait_writeback(folio);
	return VM_FAULT_LOCKED;
}

static const struct vm_operations_struct vt_file_vm_ops = {
	.fault = vt_file_fault,
	.page_mkwrite = vt_file_mkwrite,
};

static bool vt_file_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	struct vt_file *f = mapping->host;

	__atomic_fetch_add(&f->dirty_calls, 1, __ATOMIC_RELAXED);
	return !folio_test_set_dirty(folio);
}

static int vt_file_migrate_folio(struct address_space *mapping, struct folio *dst,
				 struct folio *src)
{
	struct vt_file *f = mapping->host;
	int rc = -EAGAIN;

	pthread_mutex_lock(&f->lock);
	if (f->pages[src->index] == src && folio_ref_freeze(src, 2)) {
		f->pages[src->index] = dst;
		folio_ref_add(dst, 1);
		WRITE_ONCE(src->mapping, NULL);
		folio_ref_unfreeze(src, 1);
		rc = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static const struct address_space_operations vt_file_aops = {
	.dirty_folio = vt_file_dirty_folio,
	.migrate_folio = vt_file_migrate_folio,
};

static int vt_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	(void)file;
	vma->vm_ops = &vt_file_vm_ops;
	return 0;
}

/* Last fput: drop the page cache (the file is "deleted"). */
static void vt_file_release(struct file *file)
{
	struct vt_file *f = file->private_data;

	for (int i = 0; i < VT_FILE_PAGES; i++) {
		struct folio *folio = f->pages[i];

		if (!folio)
			continue;
		folio_clear_dirty(folio);
		WRITE_ONCE(folio->mapping, NULL);
		folio_put(folio);
		f->pages[i] = NULL;
	}
}

static const struct file_operations vt_file_fops = {
	.mmap = vt_file_mmap,
	.release = vt_file_release,
};

static inline void vt_file_init(struct vt_file *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	address_space_init_once(&f->mapping);
	f->mapping.host = f;
	f->mapping.a_ops = &vt_file_aops;
	f->file.f_mapping = &f->mapping;
	f->file.f_op = &vt_file_fops;
	f->file.private_data = f;
	atomic_init(&f->file.f_count, 1);
	f->file.f_mode = FMODE_READ | FMODE_WRITE;
}

#endif
