/* SPDX-License-Identifier: GPL-2.0-only */
/* The vm/-owned half of address_space and struct file. */
#include "internal.h"

void (*fput_release_hook)(struct file *f);

void address_space_init_once(struct address_space *mapping)
{
	pthread_mutex_init(&mapping->i_pages_lock, NULL);
	atomic_init(&mapping->nrpages, 0);
	pthread_rwlock_init(&mapping->i_mmap_rwsem, NULL);
	pthread_rwlock_init(&mapping->invalidate_lock, NULL);
	CDS_INIT_LIST_HEAD(&mapping->i_mmap);
	atomic_init(&mapping->i_mmap_writable, 0);
	pthread_mutex_init(&mapping->private_lock, NULL);
}

void fput(struct file *f)
{
	void (*hook)(struct file *);

	if (!f || atomic_fetch_sub(&f->f_count, 1) != 1)
		return;
	if (f->f_op && f->f_op->release) {
		f->f_op->release(f);
		return;
	}
	hook = READ_ONCE(fput_release_hook);
	if (hook)
		hook(f);
}
