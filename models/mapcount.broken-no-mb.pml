/* SPDX-License-Identifier: GPL-2.0-only */
/* mapcount without [C2] and with a relaxed TestClearPagePin(): the mapcount read may pass the flag's. */
#define NO_MB
#include "mapcount.pml"
