/* SPDX-License-Identifier: GPL-2.0-only */
/* bias with page_mkclean() asking for pins before its PTE change is visible (no flush). */
#define CHECK_BEFORE_FLUSH
#include "bias.pml"
