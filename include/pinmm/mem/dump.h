/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PINMM_MEM_DUMP_H
#define PINMM_MEM_DUMP_H

#include <stdio.h>
#include <pinmm/mem/mmzone.h>

/* The fields a kernel developer reads in a dump_page() splat, as text. */
int dump_page_str(char *buf, size_t len, const struct page *page, const char *reason);
void dump_page(const struct page *page, const char *reason);
void dump_page_to(FILE *f, const struct page *page, const char *reason);

#endif
