/* SPDX-License-Identifier: GPL-2.0-only */
/* mapcount without a full barrier between [G4] and GUP-fast's PTE re-read. */
#define NO_RECHECK_MB
#include "mapcount.pml"
