/* SPDX-License-Identifier: GPL-2.0-only */
/* mapcount without [G3] smp_wmb(): SetPagePin() may be visible before the mapcount increment. */
#define NO_WMB
#include "mapcount.pml"
