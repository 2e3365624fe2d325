/* SPDX-License-Identifier: GPL-2.0-only */
/* Every test binary: cmocka, TAP output, one machine per test. */
#ifndef PINMM_TESTS_CMOCKA_TAP_H
#define PINMM_TESTS_CMOCKA_TAP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define RUN_TAP(tests, setup, teardown)					\
	({ cmocka_set_message_output(CM_OUTPUT_TAP);				\
	   cmocka_run_group_tests(tests, setup, teardown); })

#endif
