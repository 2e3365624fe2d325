/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's own references (bench_cpu.c): does the core's clock hold,
 * does this thread get the core's whole width, and does memory answer as
 * fast, round by round?
 */
#ifndef PINMM_TOOLS_BENCH_CPU_H
#define PINMM_TOOLS_BENCH_CPU_H

#include "bench.h"

enum bench_cpu_probe {
	BENCH_CPU_LATENCY,	/* one chain of dependent integer steps: the clock */
	BENCH_CPU_THROUGHPUT,	/* the same steps in six chains: the core's width */
	BENCH_CPU_MEMORY,	/* dependent loads over a mem_map-sized buffer */
	BENCH_NR_CPU
};
extern const char *const bench_cpu_names[BENCH_NR_CPU];
/* What each probe's time is, for the report. */
extern const char *const bench_cpu_what[BENCH_NR_CPU];

/* Integer steps per "page" (a multiple of 6): a probe then takes about as long as a case. */
#define BENCH_CPU_STEPS	12

struct bench_cpu {
	unsigned long pages;
	unsigned long *chase;	/* one slot per struct page the range has, in a random cycle */
};

/* The probes' state for a range of @pages pages: 0 or -ENOMEM. */
int bench_cpu_init(struct bench_cpu *cpu, unsigned long pages);
void bench_cpu_free(struct bench_cpu *cpu);
/* @c runs probe @which once per round; its figures are per page, as every case's. */
void bench_cpu_case(struct bench_case *c, enum bench_cpu_probe which, struct bench_cpu *cpu);

#endif
