/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * exact with an unpin of unknown kind (the kernel's unpin_user_page()) taken
 * as the writable pin's: the R/O pin's unpin leaves Wc 0 while the writable
 * pin is live, and writeback leaves the folio clean under a writing device.
 */
#define UNKNOWN_UNPIN_DECREMENTS
#include "exact.pml"
