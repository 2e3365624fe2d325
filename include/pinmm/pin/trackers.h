/* SPDX-License-Identifier: GPL-2.0-only */
/* The built-in trackers, one object per src/pin/<name>.c, for code that names one. */
#ifndef PINMM_PIN_TRACKERS_H
#define PINMM_PIN_TRACKERS_H

#include <pinmm/pin/tracker.h>

extern const struct pin_tracker get_tracker;	/* pre-2019: a pin is a reference */
extern const struct pin_tracker bias_tracker;	/* mainline: GUP_PIN_COUNTING_BIAS / _pincount */
extern const struct pin_tracker proxy_tracker;	/* seed 000: a proxy object per pin, tagged pages[] entries */

#endif
