/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine's own three references, measured in every round beside the
 * cases. The first two: one dependent chain of simple integer steps (its time is the core's clock
 * and nothing else) and the same steps in six independent chains (its time
 * is how much of the core's execution width this thread gets). On a core of its
 * own both hold still from round to round. When the second moves and the
 * first does not, something else runs on the same core's other hardware
 * thread (on a VM: another tenant on the host's sibling thread), and every
 * figure that needs the core's width - GUP-fast's per-page work more than the
 * floor's one locked instruction - moves with it, whatever the model does.
 * The third is memory: one dependent load per page over a buffer as big as
 * the range's struct pages, in a random order, so that a neighbour taking the
 * shared cache or the memory bus shows here too. When all three hold and the
 * cases still move, the cause is in neither the clock, the core nor memory as
 * a whole.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "bench.h"
#include "bench_cpu.h"

static volatile uint64_t cpu_sink;

/* An add, a shift and an xor: two cycles of latency, three ALU operations. */
#define CPU_STEP(x, k)	((x) = ((x) + (k)) ^ ((x) >> 3))

/* BENCH_CPU_STEPS steps per page, each needing the last. */
static long cpu_latency(void *ctx, int tid)
{
	const struct bench_cpu *cpu = ctx;
	uint64_t x = (uint64_t)tid + 1;

	for (unsigned long i = 0; i < cpu->pages * BENCH_CPU_STEPS; i++) {
		CPU_STEP(x, 1);
		__asm__ volatile("" : "+r"(x));
	}
	cpu_sink = x;
	return (long)cpu->pages;
}

/* The same steps per page, in six chains that do not wait for each other. */
static long cpu_throughput(void *ctx, int tid)
{
	const struct bench_cpu *cpu = ctx;
	uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = (uint64_t)tid + 6;

	for (unsigned long i = 0; i < cpu->pages * BENCH_CPU_STEPS / 6; i++) {
		CPU_STEP(a, 1);
		CPU_STEP(b, 3);
		CPU_STEP(c, 5);
		CPU_STEP(d, 7);
		CPU_STEP(e, 9);
		CPU_STEP(f, 11);
		__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f));
	}
	cpu_sink = a ^ b ^ c ^ d ^ e ^ f;
	return (long)cpu->pages;
}

/* Each slot is a cache line (a struct page's size); slot i holds the next one's index. */
#define CHASE_STRIDE	(64 / sizeof(unsigned long))

static long cpu_memory(void *ctx, int tid)
{
	const struct bench_cpu *cpu = ctx;
	unsigned long at = 0;

	for (unsigned long i = 0; i < cpu->pages; i++)
		at = cpu->chase[at * CHASE_STRIDE];
	cpu_sink = at;
	return (long)cpu->pages;
}

int bench_cpu_init(struct bench_cpu *cpu, unsigned long pages)
{
	unsigned long *order;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	cpu->pages = pages;
	cpu->chase = aligned_alloc(64, pages * 64);
	order = malloc(pages * sizeof(*order));
	if (!cpu->chase || !order || !pages) {
		free(order);
		bench_cpu_free(cpu);
		return -ENOMEM;
	}
	/* One cycle through every slot, in an order no prefetcher follows (Fisher-Yates). */
	for (unsigned long i = 0; i < pages; i++)
		order[i] = i;
	for (unsigned long i = pages - 1; i > 0; i--) {
		unsigned long j, t;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		j = (unsigned long)(seed % (i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned long i = 0; i < pages; i++)
		cpu->chase[order[i] * CHASE_STRIDE] = order[(i + 1) % pages];
	free(order);
	return 0;
}

void bench_cpu_free(struct bench_cpu *cpu)
{
	free(cpu->chase);
	cpu->chase = NULL;
	cpu->pages = 0;
}

static int cpu_put(void *ctx, int tid)
{
	return 0;
}

void bench_cpu_case(struct bench_case *c, enum bench_cpu_probe which, struct bench_cpu *cpu)
{
	static long (*const get[BENCH_NR_CPU])(void *, int) = {
		[BENCH_CPU_LATENCY] = cpu_latency,
		[BENCH_CPU_THROUGHPUT] = cpu_throughput,
		[BENCH_CPU_MEMORY] = cpu_memory,
	};
	static const char *const label[BENCH_NR_CPU] = {
		[BENCH_CPU_LATENCY] = "CPU_LATENCY",
		[BENCH_CPU_THROUGHPUT] = "CPU_THROUGHPUT",
		[BENCH_CPU_MEMORY] = "MEMORY_LATENCY",
	};

	c->label = label[which];
	c->ctx = cpu;
	c->get = get[which];
	c->put = cpu_put;
	c->check = NULL;
	c->counters = NULL;
}

const char *const bench_cpu_names[BENCH_NR_CPU] = {
	[BENCH_CPU_LATENCY] = "cpu-latency",
	[BENCH_CPU_THROUGHPUT] = "cpu-throughput",
	[BENCH_CPU_MEMORY] = "memory-latency",
};

const char *const bench_cpu_what[BENCH_NR_CPU] = {
	[BENCH_CPU_LATENCY] = "one chain of dependent steps: the core's clock",
	[BENCH_CPU_THROUGHPUT] = "the same steps in six chains: the core's width this thread got",
	[BENCH_CPU_MEMORY] = "dependent loads over a buffer the size of the range's struct pages",
};
