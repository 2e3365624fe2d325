/* SPDX-License-Identifier: GPL-2.0-only */
/* Everything of the simulated machine, for code that wants it all. */
#ifndef PINMM_MEM_MEMORY_H
#define PINMM_MEM_MEMORY_H

#include <pinmm/mem/compiler.h>
#include <pinmm/mem/mm_types.h>
#include <pinmm/mem/page-flags.h>
#include <pinmm/mem/mmzone.h>
#include <pinmm/mem/gfp.h>
#include <pinmm/mem/page_ref.h>
#include <pinmm/mem/mapcount.h>
#include <pinmm/mem/pagemap.h>
#include <pinmm/mem/folio.h>
#include <pinmm/mem/event.h>
#include <pinmm/mem/vmstat.h>
#include <pinmm/mem/rcu.h>
#include <pinmm/mem/dump.h>
#include <pinmm/mem/highmem.h>
#include <pinmm/mem/race.h>

#endif
