/* SPDX-License-Identifier: GPL-2.0-only */
/* The what-if table and the set the machine runs with (see whatif.h). */
#include <string.h>
#include <pinmm/mem/whatif.h>

const struct whatif_desc whatif_table[NR_WHATIFS] = {
	[WHATIF_NO_PTE_SPECIAL] = {
		"no-pte-special",
		"an architecture without CONFIG_ARCH_HAS_PTE_SPECIAL (nor pte_devmap): "
		"vm_insert_mixed() maps a pfn with a struct page through insert_page(), "
		"get_page() and rmap; GUP-fast has no PTE walk",
	},
	[WHATIF_RFC_2020_IDLE_ZERO] = {
		"rfc-2020-idle-zero",
		"what-if (never merged): Ralph Campbell's October 2020 RFC v3: fsdax pages idle "
		"at 0 and are still mapped by vmf_insert_mixed() without a reference "
		"(releases before fsdax-refcounted only)",
	},
	[WHATIF_DAX_REF_AT_INSERT] = {
		"dax-ref-at-insert",
		"what-if (never merged in this form): Dan Williams' answer to the RFC: fs/dax "
		"takes a page reference when it inserts the block into the file's mapping, "
		"and the filesystem checks for 1 (\"get_user_pages() idle\")",
	},
};

unsigned long whatif_mask;

void whatif_set(unsigned long mask)
{
	WRITE_ONCE(whatif_mask, mask & (BIT(NR_WHATIFS) - 1));
}

int whatif_lookup(const char *name, enum model_whatif *out)
{
	for (int w = 0; name && w < NR_WHATIFS; w++) {
		if (!strcmp(whatif_table[w].name, name)) {
			*out = (enum model_whatif)w;
			return 0;
		}
	}
	return -EINVAL;
}
