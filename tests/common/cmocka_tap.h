/* SPDX-License-Identifier: GPL-2.0-only */
/* Every test binary: cmocka, TAP output, one machine per test. */
#ifndef PINMM_TESTS_CMOCKA_TAP_H
#define PINMM_TESTS_CMOCKA_TAP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pinmm/mem/mmzone.h>

/* The default machine (64 MiB), brought up and down around each test. */
static inline int boot_default_machine(void **state)
{
	(void)state;
	return mem_init(NULL);
}
static inline int halt_machine(void **state)
{
	(void)state;
	mem_exit();
	return 0;
}

#define RUN_TAP(tests, setup, teardown)					\
	({ cmocka_set_message_output(CM_OUTPUT_TAP);				\
	   cmocka_run_group_tests(tests, setup, teardown); })

#endif
