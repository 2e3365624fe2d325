/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What-ifs: things no release preset is, that a scenario can put on top of
 * whichever preset runs it (`whatif NAME...`). A proposal that never merged
 * is not a kernel_has() switch, since no release has it; an architecture
 * other than the model's x86-64 is not one either, since every release runs
 * on many. Each is named here with where it comes from, and a scenario that
 * selects one says so in its header, so every cell it gets is "this preset,
 * plus that".
 */
#ifndef PINMM_MEM_WHATIF_H
#define PINMM_MEM_WHATIF_H

#include <pinmm/mem/compiler.h>

enum model_whatif {
	/*
	 * An architecture without CONFIG_ARCH_HAS_PTE_SPECIAL (and so without
	 * CONFIG_ARCH_HAS_PTE_DEVMAP): vm_insert_mixed() of a pfn that has a
	 * struct page maps it as a normal page (insert_page(): get_page() and
	 * rmap), and GUP-fast has no PTE-level walk.
	 */
	WHATIF_NO_PTE_SPECIAL,
	/*
	 * Ralph Campbell's RFC v3 of October 2020, "mm: remove extra ZONE_DEVICE
	 * struct page refcount" (seed 003), as posted: fsdax pages idle at 0,
	 * but fs/dax still maps them with vmf_insert_mixed() and no page
	 * reference, and the filesystem's busy check looks for 0. Releases whose
	 * fsdax is refcounted (6.15, fsdax-refcounted) already did it properly;
	 * the what-if changes nothing there.
	 */
	WHATIF_RFC_2020_IDLE_ZERO,
	/*
	 * Dan Williams' answer in that thread, on top of the RFC: fs/dax takes
	 * the page reference when it inserts the block into the file's mapping
	 * (dax_associate_entry()) and drops it when the block leaves the file,
	 * so the filesystem checks for 1, "get_user_pages() idle".
	 */
	WHATIF_DAX_REF_AT_INSERT,
	NR_WHATIFS,
};

struct whatif_desc {
	const char *name;	/* "no-pte-special": what a scenario writes */
	const char *summary;	/* one line for `pinmm list` and the docs */
};
extern const struct whatif_desc whatif_table[NR_WHATIFS];

/* The what-ifs the machine runs with, one bit each; none by default. */
extern unsigned long whatif_mask;

static inline bool whatif(enum model_whatif w)
{
	return (READ_ONCE(whatif_mask) >> w) & 1;
}

/* Run with exactly the what-ifs in @mask (0: none). */
void whatif_set(unsigned long mask);
/* "no-pte-special" to its what-if; -EINVAL when none has that name. */
int whatif_lookup(const char *name, enum model_whatif *out);

#endif
