/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS). Mainline backs it with
 * a shmem file from shmem_zero_setup().
 *
 * Model: vm/ cannot call up into fs/'s shmem, so it keeps its own small object:
 * an AS_SHMEM address_space whose "page cache" is an array indexed by pgoff,
 * filled with zeroed folios on first fault, shared by fork like any file.
 */
#include <stdlib.h>
#include "internal.h"

struct shmem_anon {
	struct address_space mapping;
	struct file file;
	pthread_mutex_t lock;		/* guards pages[] */
	unsigned long nr;
	struct folio **pages;
};

static vm_fault_t shmem_anon_fault(struct vm_fault *vmf)
{
	struct shmem_anon *so = vmf->vma->vm_file->private_data;
	struct folio *folio;

	if (vmf->pgoff >= so->nr)
		return VM_FAULT_SIGBUS;
	pthread_mutex_lock(&so->lock);
	folio = so->pages[vmf->pgoff];
	if (!folio) {
		folio = folio_alloc(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
		if (!folio) {
			pthread_mutex_unlock(&so->lock);
			return VM_FAULT_OOM;
		}
		WRITE_ONCE(folio->index, vmf->pgoff);	/* a racing GUP-fast may read it */
		folio_set_swapbacked(folio);
		folio_mark_uptodate(folio);
		WRITE_ONCE(folio->mapping, &so->mapping);
		so->pages[vmf->pgoff] = folio;	/* the cache's reference */
		atomic_fetch_add(&so->mapping.nrpages, 1);
	}
	folio_get(folio);
	pthread_mutex_unlock(&so->lock);
	vmf->page = &folio->page;
	return 0;
}

static bool shmem_anon_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	(void)mapping;
	return !folio_test_set_dirty(folio);
}

static int shmem_anon_migrate_folio(struct address_space *mapping, struct folio *dst,
				    struct folio *src)
{
	struct shmem_anon *so = mapping->host;
	int rc = -EAGAIN;

	pthread_mutex_lock(&so->lock);
	/* Expected: the migration caller's reference and the cache's. */
	if (src->index < so->nr && so->pages[src->index] == src && folio_ref_freeze(src, 2)) {
		so->pages[src->index] = dst;
		folio_ref_add(dst, 1);
		WRITE_ONCE(src->mapping, NULL);
		folio_ref_unfreeze(src, 1);
		rc = 0;
	}
	pthread_mutex_unlock(&so->lock);
	return rc;
}

static void shmem_anon_release(struct file *file)
{
	struct shmem_anon *so = file->private_data;

	for (unsigned long i = 0; i < so->nr; i++) {
		struct folio *folio = so->pages[i];

		if (!folio)
			continue;
		WARN_ON_ONCE(folio_mapped(folio));
		/*
		 * The fault put it on the LRU (lru_add_new); like truncation of
		 * any cache, take it off before the cache's reference goes, or
		 * the allocator gets back a folio still flagged PG_lru.
		 */
		if (folio_test_lru(folio) && folio_isolate_lru_hook)
			folio_isolate_lru_hook(folio);
		folio_clear_active(folio);
		folio_clear_unevictable(folio);
		folio_clear_dirty(folio);
		WRITE_ONCE(folio->mapping, NULL);
		folio_put(folio);
	}
	free(so->pages);
	pthread_mutex_destroy(&so->lock);
	pthread_mutex_destroy(&so->mapping.i_pages_lock);
	pthread_mutex_destroy(&so->mapping.private_lock);
	pthread_rwlock_destroy(&so->mapping.i_mmap_rwsem);
	pthread_rwlock_destroy(&so->mapping.invalidate_lock);
	free(so);
}

static const struct address_space_operations shmem_anon_aops = {
	.dirty_folio = shmem_anon_dirty_folio,
	.migrate_folio = shmem_anon_migrate_folio,
};

static const struct file_operations shmem_anon_fops = {
	.release = shmem_anon_release,
};

static const char *shmem_anon_name(struct vm_area_struct *vma)
{
	(void)vma;
	return "/dev/zero (deleted)";
}

static const struct vm_operations_struct shmem_anon_vm_ops = {
	.fault = shmem_anon_fault,
	.name = shmem_anon_name,
};

int shmem_zero_setup(struct vm_area_struct *vma)
{
	struct shmem_anon *so = calloc(1, sizeof(*so));

	if (!so)
		return -ENOMEM;
	so->nr = vma_pages(vma);
	so->pages = calloc(so->nr, sizeof(*so->pages));
	if (!so->pages) {
		free(so);
		return -ENOMEM;
	}
	pthread_mutex_init(&so->lock, NULL);
	address_space_init_once(&so->mapping);
	so->mapping.host = so;
	so->mapping.a_ops = &shmem_anon_aops;
	set_bit(AS_SHMEM, &so->mapping.flags);
	so->file.f_mapping = &so->mapping;
	so->file.f_op = &shmem_anon_fops;
	so->file.private_data = so;
	atomic_init(&so->file.f_count, 1);
	so->file.f_mode = FMODE_READ | FMODE_WRITE;
	vma->vm_file = &so->file;
	vma->vm_pgoff = 0;
	vma->vm_ops = &shmem_anon_vm_ops;
	return 0;
}
