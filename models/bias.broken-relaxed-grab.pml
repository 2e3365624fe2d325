/* SPDX-License-Identifier: GPL-2.0-only */
/* bias with the grab a plain atomic_add(): the re-read of the PTE may pass it. */
#define RELAXED_GRAB
#include "bias.pml"
