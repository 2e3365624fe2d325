/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every pin taken or dropped goes through here: the current tracker does the
 * work, and pin/ counts outstanding pins (so a tracker switch can refuse) and
 * feeds the debug shadow.
 */
#include <pthread.h>
#include <pinmm/pin/pin.h>
#include "internal.h"

/* The mm_boot_generation the debug shadow belongs to. */
static atomic_uint pin_boot_gen;
static pthread_mutex_t pin_boot_lock = PTHREAD_MUTEX_INITIALIZER;

void pin_sync_boot(void)
{
	unsigned int gen = atomic_load_explicit(&mm_boot_generation, memory_order_acquire);

	if (likely(atomic_load_explicit(&pin_boot_gen, memory_order_acquire) == gen))
		return;
	pthread_mutex_lock(&pin_boot_lock);
	if (atomic_load_explicit(&pin_boot_gen, memory_order_relaxed) != gen) {
		pin_debug_boot();
		atomic_store_explicit(&pin_boot_gen, gen, memory_order_release);
	}
	pthread_mutex_unlock(&pin_boot_lock);
}

/*
 * Outstanding pins are what nr_foll_pin_acquired and nr_foll_pin_released say:
 * the per-thread vmstat counters the kernel keeps anyway, so the hot path pays
 * no extra atomic for the count a tracker switch checks.
 */
long pin_outstanding(void)
{
	/* Negative when more was released than acquired: a double unpin. */
	return node_page_state(NR_FOLL_PIN_ACQUIRED) - node_page_state(NR_FOLL_PIN_RELEASED);
}
