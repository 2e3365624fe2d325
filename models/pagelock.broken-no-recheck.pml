/* SPDX-License-Identifier: GPL-2.0-only */
/* pagelock whose post-pass does not look at the PTE again once it holds the folio lock. */
#define NO_RECHECK
#include "pagelock.pml"
