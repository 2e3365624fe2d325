/* SPDX-License-Identifier: GPL-2.0-only */
/* exact with the large-folio conversion dropping the unit before publishing its pins. */
#define UNIT_FIRST
#include "exact.pml"
