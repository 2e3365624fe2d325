/* SPDX-License-Identifier: GPL-2.0-only */
/* devmap/-private interfaces between the files of the layer. */
#ifndef PINMM_SRC_DEVMAP_INTERNAL_H
#define PINMM_SRC_DEVMAP_INTERNAL_H

#include <pinmm/devmap/memremap.h>

/* zone_device_page_free_hook: a device page's _refcount reached 0. */
void devmap_page_free(struct folio *folio);
void devmap_page_idle_one(struct folio *folio);
/* percpu_ref_tryget_live() on the pagemap. */
bool devmap_pgmap_tryget(struct dev_pagemap *pgmap);
/*
 * Sleep on @pgmap's wait queue until done(@arg) or @timeout_ms: 0 or
 * -ETIMEDOUT. done() is evaluated under pgmap->wait_lock.
 */
int devmap_timed_wait(struct dev_pagemap *pgmap, bool (*done)(void *), void *arg,
		      unsigned int timeout_ms);

#endif
