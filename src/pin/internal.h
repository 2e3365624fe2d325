/* SPDX-License-Identifier: GPL-2.0-only */
/* Between the files of pin/: boot tracking and the debug shadow's hot-path hooks. */
#ifndef PINMM_SRC_PIN_INTERNAL_H
#define PINMM_SRC_PIN_INTERNAL_H

#include <pinmm/pin/tracker.h>

/* Called with pin/'s boot lock held when a new boot is noticed. */
void pin_debug_boot(void);

#include <pinmm/pin/pin.h>

#endif
