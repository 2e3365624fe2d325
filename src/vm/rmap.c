/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reverse mapping: anon_vma, mapcount/stat accounting of each mapping, the
 * rmap walk and page_vma_mapped_walk.
 */
#include <sched.h>
#include <stdlib.h>
#include "internal.h"

/* _nr_pages_mapped: PTE-mapped pages, plus COMPOUND_MAPPED while PMD-mapped. */
#define COMPOUND_MAPPED		0x800000
#define FOLIO_PAGES_MAPPED	(COMPOUND_MAPPED - 1)

/* ---- anon_vma ---- */

static struct anon_vma *anon_vma_alloc(void)
{
	struct anon_vma *av = calloc(1, sizeof(*av));

	if (!av)
		return NULL;
	av->root = av;
	pthread_rwlock_init(&av->rwsem, NULL);
	atomic_init(&av->refcount, 0);
	CDS_INIT_LIST_HEAD(&av->vmas);
	return av;
}

static void anon_vma_free_rcu(struct mm_rcu_head *head)
{
	struct anon_vma *av = container_of(head, struct anon_vma, rcu);

	pthread_rwlock_destroy(&av->rwsem);
	free(av);
}

/*
 * Folios keep a pointer to their anon_vma without a reference, so it is freed
 * only after a grace period; an rmap walker gets it under RCU with
 * anon_vma_get_folio() and pins it with a reference.
 */
void anon_vma_put(struct anon_vma *av)
{
	if (atomic_fetch_sub(&av->refcount, 1) == 1)
		mm_call_rcu(&av->rcu, anon_vma_free_rcu);
}

/*
 * folio_get_anon_vma(): ->mapping of an unmapped anonymous folio may name an
 * anon_vma that is already gone (a pinned folio outlives its VMAs), and RCU
 * only covers a pointer read while the folio was still mapped. So: look only
 * at a mapped folio, and after taking the reference check it is still mapped;
 * if not, the anon_vma may have been freed and reused before our increment.
 */
struct anon_vma *anon_vma_get_folio(struct folio *folio)
{
	struct anon_vma *av = NULL;
	int ref;

	mm_rcu_read_lock();
	if (!folio_mapped(folio))
		goto out;
	av = folio_anon_vma(folio);
	if (!av)
		goto out;
	ref = atomic_load(&av->refcount);
	do {
		if (ref <= 0) {
			av = NULL;
			goto out;
		}
	} while (!atomic_compare_exchange_weak(&av->refcount, &ref, ref + 1));
	if (!folio_mapped(folio)) {
		mm_rcu_read_unlock();
		anon_vma_put(av);
		return NULL;
	}
out:
	mm_rcu_read_unlock();
	return av;
}

void anon_vma_attach(struct vm_area_struct *vma, struct anon_vma *av)
{
	atomic_fetch_add(&av->refcount, 1);
	pthread_rwlock_wrlock(&av->root->rwsem);
	cds_list_add_tail(&vma->anon_vma_node, &av->vmas);
	pthread_rwlock_unlock(&av->root->rwsem);
}

void anon_vma_detach(struct vm_area_struct *vma)
{
	struct anon_vma *av = vma->anon_vma;

	pthread_rwlock_wrlock(&av->root->rwsem);
	cds_list_del_init(&vma->anon_vma_node);
	pthread_rwlock_unlock(&av->root->rwsem);
	anon_vma_put(av);
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct anon_vma *av;

	if (likely(smp_load_acquire(&vma->anon_vma)))
		return 0;
	av = anon_vma_alloc();
	if (!av)
		return -ENOMEM;
	/* Serialises racing first faults, as mainline does with page_table_lock. */
	spin_lock(&mm->page_table_lock);
	if (!vma->anon_vma) {
		atomic_store(&av->refcount, 1);
		cds_list_add_tail(&vma->anon_vma_node, &av->vmas);
		smp_store_release(&vma->anon_vma, av);
		av = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (av) {
		pthread_rwlock_destroy(&av->rwsem);
		free(av);
	}
	return 0;
}

/* ---- Accounting of mappings ---- */

static void rmap_stat(struct folio *folio, int nr)
{
	if (!nr)
		return;
	mod_node_page_state(folio_test_anon(folio) ? NR_ANON_MAPPED : NR_FILE_MAPPED, nr);
}

void folio_lock_large_mapcount(struct folio *folio)
{
	while (test_and_set_bit_lock(FOLIO_MM_IDS_LOCK_BITNUM, &folio->_mm_ids))
		sched_yield();
}

void folio_unlock_large_mapcount(struct folio *folio)
{
	clear_bit_unlock(FOLIO_MM_IDS_LOCK_BITNUM, &folio->_mm_ids);
}

/* Large mapcount lock held: only its holder changes the ids and the shared bit. */
static void folio_set_mm_id(struct folio *folio, int idx, unsigned int id)
{
	unsigned long shift = idx ? FOLIO_MM_IDS_SHIFT : 0;
	unsigned long ids = __atomic_load_n(&folio->_mm_ids, __ATOMIC_RELAXED);

	ids = (ids & ~(FOLIO_MM_IDS_MASK << shift)) | ((unsigned long)id << shift);
	WRITE_ONCE(folio->_mm_ids, ids);
}

static void folio_mm_ids_shared(struct folio *folio, bool shared)
{
	if (shared)
		__atomic_fetch_or(&folio->_mm_ids, FOLIO_MM_IDS_SHARED_BIT, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&folio->_mm_ids, ~FOLIO_MM_IDS_SHARED_BIT, __ATOMIC_RELAXED);
}

/* folio_add_return_large_mapcount(): @diff more mappings of a large folio by @vma's mm. */
static void folio_add_large_mapcount(struct folio *folio, int diff, struct vm_area_struct *vma)
{
	unsigned int id = vma->vm_mm->mm_id;
	int val;

	folio_lock_large_mapcount(folio);
	val = atomic_load_explicit(&folio->_large_mapcount, memory_order_relaxed) + diff;
	atomic_store_explicit(&folio->_large_mapcount, val, memory_order_relaxed);
	if (folio_mm_id(folio, 0) == id) {
		folio->_mm_id_mapcount[0] += diff;
	} else if (folio_mm_id(folio, 1) == id) {
		folio->_mm_id_mapcount[1] += diff;
	} else if (folio_mm_id(folio, 0) == MM_ID_DUMMY) {
		folio_set_mm_id(folio, 0, id);
		folio->_mm_id_mapcount[0] = diff - 1;
		/* Mappings from an mm that found no slot may exist already. */
		if (val != diff - 1)
			folio_mm_ids_shared(folio, true);
	} else if (folio_mm_id(folio, 1) == MM_ID_DUMMY) {
		folio_set_mm_id(folio, 1, id);
		folio->_mm_id_mapcount[1] = diff - 1;
		folio_mm_ids_shared(folio, true);	/* slot 0 maps it too */
	}
	/* No slot free: two other mms map it, so the shared bit is set already. */
	folio_unlock_large_mapcount(folio);
}

static void folio_sub_large_mapcount(struct folio *folio, int diff, struct vm_area_struct *vma)
{
	unsigned int id = vma->vm_mm->mm_id;
	int val;

	folio_lock_large_mapcount(folio);
	val = atomic_load_explicit(&folio->_large_mapcount, memory_order_relaxed) - diff;
	atomic_store_explicit(&folio->_large_mapcount, val, memory_order_relaxed);
	for (int i = 0; i < 2; i++) {
		if (folio_mm_id(folio, i) != id)
			continue;
		folio->_mm_id_mapcount[i] -= diff;
		/* Mappings added while no slot was free can take it below zero. */
		if (folio->_mm_id_mapcount[i] < 0) {
			folio->_mm_id_mapcount[i] = -1;
			folio_set_mm_id(folio, i, MM_ID_DUMMY);
		}
		break;
	}
	/* One slot holds every mapping (or none is left): mapped exclusively. */
	if (folio->_mm_id_mapcount[0] == val || folio->_mm_id_mapcount[1] == val)
		folio_mm_ids_shared(folio, false);
	folio_unlock_large_mapcount(folio);
}

static int __add_rmap_pte(struct folio *folio, struct page *page, struct vm_area_struct *vma)
{
	int nr;

	if (!folio_test_large(folio))
		return page_mapcount_inc(page) ? 1 : 0;
	folio_add_large_mapcount(folio, 1, vma);
	if (!page_mapcount_inc(page))
		return 0;
	nr = atomic_fetch_add(&folio->_nr_pages_mapped, 1) + 1;
	return nr < COMPOUND_MAPPED ? 1 : 0;
}

static int __add_rmap_pmd(struct folio *folio, struct vm_area_struct *vma)
{
	int nr;

	folio_add_large_mapcount(folio, 1, vma);
	if (!folio_entire_mapcount_inc(folio))
		return 0;
	nr = atomic_fetch_add(&folio->_nr_pages_mapped, COMPOUND_MAPPED) + COMPOUND_MAPPED;
	if (nr < 2 * COMPOUND_MAPPED)
		return (int)folio_nr_pages(folio) - (nr & FOLIO_PAGES_MAPPED);
	return 0;
}

static int __remove_rmap_pte(struct folio *folio, struct page *page, struct vm_area_struct *vma)
{
	int nr;

	if (!folio_test_large(folio))
		return page_mapcount_dec(page) ? 1 : 0;
	folio_sub_large_mapcount(folio, 1, vma);
	if (!page_mapcount_dec(page))
		return 0;
	nr = atomic_fetch_sub(&folio->_nr_pages_mapped, 1) - 1;
	return nr < COMPOUND_MAPPED ? 1 : 0;
}

static int __remove_rmap_pmd(struct folio *folio, struct vm_area_struct *vma)
{
	int nr;

	folio_sub_large_mapcount(folio, 1, vma);
	if (!folio_entire_mapcount_dec(folio))
		return 0;
	nr = atomic_fetch_sub(&folio->_nr_pages_mapped, COMPOUND_MAPPED) - COMPOUND_MAPPED;
	if (nr < COMPOUND_MAPPED)
		return (int)folio_nr_pages(folio) - nr;
	return 0;
}

static void __folio_set_anon(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address)
{
	struct anon_vma *av = vma->anon_vma;

	/*
	 * WRITE_ONCE: a GUP-fast reader that raced the folio's reuse (the mapping
	 * tracker reads ->index there) may load it at any time.
	 */
	WRITE_ONCE(folio->index, linear_page_index(vma, address & ~(folio_size(folio) - 1)));
	folio_set_swapbacked(folio);
	/* Published last: a reader seeing PAGE_MAPPING_ANON sees the index. */
	__atomic_store_n((unsigned long *)&folio->mapping,
			 (unsigned long)av | PAGE_MAPPING_ANON, __ATOMIC_RELEASE);
}

void folio_add_new_anon_rmap(struct folio *folio, struct vm_area_struct *vma,
			     unsigned long address, bool pmd)
{
	int nr;

	VM_BUG_ON(!vma->anon_vma);
	__folio_set_anon(folio, vma, address);
	if (folio_test_large(folio) && !folio_test_hugetlb(folio))
		mod_mthp_stat((int)folio_order(folio), MTHP_STAT_NR_ANON, 1);
	if (pmd) {
		nr = __add_rmap_pmd(folio, vma);
		/* A PMD-mapped folio's exclusivity lives on its head page. */
		SetPageAnonExclusive(&folio->page);
		mod_node_page_state(NR_ANON_THPS, 1);
	} else {
		nr = 0;
		for (long i = 0; i < folio_nr_pages(folio); i++) {
			nr += __add_rmap_pte(folio, folio_page(folio, i), vma);
			SetPageAnonExclusive(folio_page(folio, i));
		}
	}
	rmap_stat(folio, nr);
}

void folio_add_anon_rmap_pte(struct folio *folio, struct page *page,
			     struct vm_area_struct *vma, unsigned long address, bool exclusive)
{
	(void)address;
	if (exclusive)
		SetPageAnonExclusive(page);
	rmap_stat(folio, __add_rmap_pte(folio, page, vma));
}

void folio_add_file_rmap_pte(struct folio *folio, struct page *page, struct vm_area_struct *vma)
{
	rmap_stat(folio, __add_rmap_pte(folio, page, vma));
}

void folio_add_file_rmap_pmd(struct folio *folio, struct vm_area_struct *vma)
{
	rmap_stat(folio, __add_rmap_pmd(folio, vma));
}

/*
 * An anonymous large folio some of whose pages just lost their last mapping
 * while others are still mapped goes on the deferred split queue (once).
 */
static void maybe_deferred_split(struct folio *folio, int nr)
{
	if (nr && folio_test_large(folio) && folio_test_anon(folio) && !folio_test_hugetlb(folio) &&
	    (atomic_load(&folio->_nr_pages_mapped) & FOLIO_PAGES_MAPPED) &&
	    !folio_test_partially_mapped(folio))
		deferred_split_folio(folio, true);
}

void folio_remove_rmap_pte(struct folio *folio, struct page *page, struct vm_area_struct *vma)
{
	int nr = __remove_rmap_pte(folio, page, vma);

	maybe_deferred_split(folio, nr);
	rmap_stat(folio, -nr);
	VM_BUG_ON_PAGE(page_mapcount_raw(page) < -1, page);
}

void folio_remove_rmap_pmd(struct folio *folio, struct vm_area_struct *vma)
{
	int nr = __remove_rmap_pmd(folio, vma);

	/* The PMD went while PTEs still map part of it (nr < the folio's pages). */
	if (nr && nr < folio_nr_pages(folio))
		maybe_deferred_split(folio, nr);
	rmap_stat(folio, -nr);
	if (folio_test_anon(folio))
		mod_node_page_state(NR_ANON_THPS, -1);
}

/*
 * Before PageAnonExclusive (5.19) fork decided without it: up to 5.8 every
 * page was shared, pinned or not; from 5.9 a maybe-pinned page is copied.
 */
static int fork_dup_pre_exclusive(struct folio *folio, struct page *page,
				  struct vm_area_struct *src_vma)
{
	if (kernel_has(KSW_FORK_COPIES_PINNED) && folio_needs_cow_for_dma(src_vma, folio))
		return -EBUSY;
	ClearPageAnonExclusive(page);
	return 0;
}

int folio_try_dup_anon_rmap_pte(struct folio *folio, struct page *page,
				struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	if (!kernel_has(KSW_ANON_EXCLUSIVE)) {
		if (fork_dup_pre_exclusive(folio, page, src_vma))
			return -EBUSY;
	} else if (PageAnonExclusive(page)) {
		/* A possibly pinned exclusive page is copied, never shared. */
		if (folio_needs_cow_for_dma(src_vma, folio))
			return -EBUSY;
		ClearPageAnonExclusive(page);
	}
	__add_rmap_pte(folio, page, dst_vma);
	return 0;
}

int folio_try_dup_anon_rmap_pmd(struct folio *folio, struct vm_area_struct *dst_vma,
				struct vm_area_struct *src_vma)
{
	if (!kernel_has(KSW_ANON_EXCLUSIVE)) {
		if (fork_dup_pre_exclusive(folio, &folio->page, src_vma))
			return -EBUSY;
	} else if (PageAnonExclusive(&folio->page)) {
		if (folio_needs_cow_for_dma(src_vma, folio))
			return -EBUSY;
		ClearPageAnonExclusive(&folio->page);
	}
	__add_rmap_pmd(folio, dst_vma);
	return 0;
}

/* ---- The walk ---- */

static bool vma_maps_range(struct vm_area_struct *vma, pgoff_t pgoff, unsigned long nr)
{
	pgoff_t first = READ_ONCE(vma->vm_pgoff);
	pgoff_t last = first + ((READ_ONCE(vma->vm_end) - READ_ONCE(vma->vm_start)) >> PAGE_SHIFT);

	return pgoff < last && pgoff + nr > first;
}

/* One VMA of a walk, anon or file alike: false once the walk should stop. */
static bool rmap_visit(struct folio *folio, struct vm_area_struct *vma, pgoff_t pgoff,
		       unsigned long nr, const struct rmap_walk_control *rwc)
{
	if (!vma_maps_range(vma, pgoff, nr))
		return true;
	if (rwc->invalid_vma && rwc->invalid_vma(vma, rwc->arg))
		return true;
	if (!rwc->rmap_one(folio, vma, vma_pgoff_address(vma, pgoff), rwc->arg))
		return false;
	return !(rwc->done && rwc->done(folio));
}

static void rmap_walk_anon(struct folio *folio, const struct rmap_walk_control *rwc)
{
	struct anon_vma *av;

	if (rwc->anon_vma_held) {
		av = folio_anon_vma(folio);
		if (av)
			atomic_fetch_add(&av->refcount, 1);
	} else {
		av = anon_vma_get_folio(folio);
	}
	struct vm_area_struct *vma;
	unsigned long nr = (unsigned long)folio_nr_pages(folio);
	pgoff_t pgoff = folio->index;

	if (!av)
		return;
	pthread_rwlock_rdlock(&av->root->rwsem);
	cds_list_for_each_entry(vma, &av->vmas, anon_vma_node) {
		if (!rmap_visit(folio, vma, pgoff, nr, rwc))
			break;
	}
	pthread_rwlock_unlock(&av->root->rwsem);
	anon_vma_put(av);
}

static void rmap_walk_file(struct folio *folio, const struct rmap_walk_control *rwc)
{
	struct address_space *mapping = folio_mapping(folio);
	struct vm_area_struct *vma;
	unsigned long nr = (unsigned long)folio_nr_pages(folio);
	pgoff_t pgoff = folio->index;

	if (!mapping)
		return;
	pthread_rwlock_rdlock(&mapping->i_mmap_rwsem);
	cds_list_for_each_entry(vma, &mapping->i_mmap, shared) {
		if (!rmap_visit(folio, vma, pgoff, nr, rwc))
			break;
	}
	pthread_rwlock_unlock(&mapping->i_mmap_rwsem);
}

void rmap_walk(struct folio *folio, const struct rmap_walk_control *rwc)
{
	if (folio_test_anon(folio))
		rmap_walk_anon(folio, rwc);
	else
		rmap_walk_file(folio, rwc);
}

static bool check_pte(struct page_vma_mapped_walk *pvmw)
{
	pte_t pte = ptep_get(pvmw->pte);
	unsigned long pfn;

	if (pvmw->flags & PVMW_MIGRATION) {
		if (!is_migration_pte(pte))
			return false;
		pfn = swp_offset_pfn(pte_to_swp_entry(pte));
	} else {
		if (!pte_present(pte))
			return false;
		pfn = pte_pfn(pte);
	}
	return pfn >= pvmw->pfn && pfn - pvmw->pfn < pvmw->nr_pages;
}

void page_vma_mapped_walk_done(struct page_vma_mapped_walk *pvmw)
{
	if (pvmw->pte)
		pte_unmap_unlock(pvmw->pte, pvmw->ptl);
	else if (pvmw->ptl)
		spin_unlock(pvmw->ptl);
	pvmw->pte = NULL;
	pvmw->ptl = NULL;
}

static bool pvmw_step(struct page_vma_mapped_walk *pvmw)
{
	pvmw->address += PAGE_SIZE;
	if (pvmw->address >= pvmw->end || pte_index(pvmw->address) == 0) {
		pte_unmap_unlock(pvmw->pte, pvmw->ptl);
		pvmw->pte = NULL;
		pvmw->ptl = NULL;
		return false;
	}
	pvmw->pte++;
	return true;
}

bool page_vma_mapped_walk(struct page_vma_mapped_walk *pvmw)
{
	struct vm_area_struct *vma = pvmw->vma;
	struct mm_struct *mm = vma->vm_mm;

	if (pvmw->pte) {
		/* Continue in the current table. */
		while (pvmw_step(pvmw))
			if (check_pte(pvmw))
				return true;
	} else if (pvmw->ptl) {
		/* A PMD maps the whole folio: nothing else in this VMA. */
		spin_unlock(pvmw->ptl);
		pvmw->ptl = NULL;
		return false;
	} else if (!pvmw->end) {
		unsigned long start = pvmw->address;
		unsigned long end = start + (pvmw->nr_pages << PAGE_SHIFT);

		if (start < vma->vm_start)
			start = vma->vm_start;
		if (end > vma->vm_end)
			end = vma->vm_end;
		pvmw->address = start;
		pvmw->end = end;
		if (start >= end)
			return false;
		goto first;
	}

	while (pvmw->address < pvmw->end) {
		pmd_t *pmd;
		pmd_t pmde;

first:
		pmd = mm_find_pmd(mm, pvmw->address);
		if (!pmd)
			goto next_pmd;
		pmde = pmdp_get(pmd);
		if (pmd_leaf(pmde)) {
			spinlock_t *ptl = pmd_lock(mm, pmd);

			pmde = pmdp_get(pmd);
			if (pmd_leaf(pmde)) {
				unsigned long pfn = pmd_pfn(pmde);

				if (!(pvmw->flags & PVMW_MIGRATION) && pfn >= pvmw->pfn &&
				    pfn - pvmw->pfn < pvmw->nr_pages) {
					pvmw->pmd = pmd;
					pvmw->pte = NULL;
					pvmw->ptl = ptl;
					pvmw->address &= PMD_MASK;
					return true;
				}
				spin_unlock(ptl);
				goto next_pmd;
			}
			spin_unlock(ptl);
		}
		pvmw->pte = pte_offset_map_lock(mm, pmd, pvmw->address, &pvmw->ptl);
		if (!pvmw->pte)
			goto next_pmd;
		pvmw->pmd = pmd;
		if (check_pte(pvmw))
			return true;
		while (pvmw_step(pvmw))
			if (check_pte(pvmw))
				return true;
		continue;
next_pmd:
		pvmw->address = (pvmw->address & PMD_MASK) + PMD_SIZE;
	}
	return false;
}

static bool count_one(struct folio *folio, struct vm_area_struct *vma, unsigned long address,
		      void *arg)
{
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, address, 0);

	while (page_vma_mapped_walk(&pvmw))
		(*(int *)arg)++;
	return true;
}

int folio_rmap_count(struct folio *folio)
{
	int n = 0;
	struct rmap_walk_control rwc = { .arg = &n, .rmap_one = count_one };

	rmap_walk(folio, &rwc);
	return n;
}
