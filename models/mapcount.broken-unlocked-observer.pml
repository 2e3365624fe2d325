/* SPDX-License-Identifier: GPL-2.0-only */
/* mapcount John Hubbard's observer: PagePin read without the folio lock while a pin is live. */
#define UNLOCKED_OBSERVER
#include "mapcount.pml"
