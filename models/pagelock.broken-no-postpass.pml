/* SPDX-License-Identifier: GPL-2.0-only */
/* pagelock with the GUP-fast post-pass skipped: the pin is recorded in the lockless walk. */
#define NO_POSTPASS
#include "pagelock.pml"
