/* SPDX-License-Identifier: GPL-2.0-only */
/* exact with the pin as an unordered atomic: the re-read of the PTE may pass it. */
#define UNORDERED_PIN
#include "exact.pml"
