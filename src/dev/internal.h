/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PINMM_DEV_INTERNAL_H
#define PINMM_DEV_INTERNAL_H

#include <pinmm/dev/dma.h>

/* Fill entry @i of an ODP region's device table; 0 or -EFAULT. */
int dma_odp_fault(struct dma_mr *mr, unsigned long i, bool write);
void dma_odp_teardown(struct dma_mr *mr);

#endif
