/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the interpreter: whatever parses is run under every
 * preset on a fresh machine. The contract: scenario_run() returns 0 with a
 * valid cell (or -EINVAL/-ENOMEM), never crashes, leaks or hangs, and leaves
 * no machine behind. Machines are kept small so each input runs in
 * milliseconds; inputs asking for more are skipped, not failed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinmm/mem/mmzone.h>
#include <pinmm/pin/preset.h>
#include <pinmm/scenario/parse.h>
#include <pinmm/scenario/run.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_MEMORY	(128ULL << 20)
#define FUZZ_MAX_DISK	(32ULL << 20)
#define FUZZ_MAX_PINS	(1ULL << 16)
#define FUZZ_MAX_CMDS	64

static bool small_enough(const struct scenario *s)
{
	if (s->nr_cmds > FUZZ_MAX_CMDS)
		return false;
	for (size_t i = 0; i < s->nr_cmds; i++) {
		const struct scn_cmd *c = &s->cmds[i];

		switch (c->kind) {
		case SCN_MEMORY:
			if (c->memory.size > FUZZ_MAX_MEMORY)
				return false;
			break;
		case SCN_DISK:
			if (c->disk.size > FUZZ_MAX_DISK)
				return false;
			break;
		case SCN_SWAP:
			if (c->swap.size > FUZZ_MAX_DISK)
				return false;
			break;
		case SCN_FILE:
			if (c->file.size > FUZZ_MAX_DISK)
				return false;
			break;
		case SCN_MMAP:
			if (c->mmap.len > FUZZ_MAX_MEMORY)
				return false;
			break;
		case SCN_PIN:
			if (c->pin.times * (c->pin.len / 4096 + 1) > FUZZ_MAX_PINS)
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SCN_ERR_MAX];
	struct scenario *s;

	if (scenario_parse_buffer("fuzz.pin", (const char *)data, size, &s, err, sizeof(err)))
		return 0;
	if (!small_enough(s) || scenario_check(s, NULL, 0, err, sizeof(err))) {
		scenario_free(s);
		return 0;
	}
	for (size_t i = 0; pin_presets[i]; i++) {
		const struct pin_preset *p = pin_presets[i];
		struct scenario_result res;
		int ret = scenario_run(s, p->name, &res, NULL);

		/* Fuzzing harness, not the library: abort() is how it reports. */
		if (pin_preset_unavailable(p)) {
			/* field without PAGE=72: refused, and nothing left up. */
			if (ret != -EOPNOTSUPP || mem_initialized())
				abort();
			continue;
		}
		if (ret && ret != -ENOMEM && ret != -EINVAL)
			abort();
		if (!ret && (unsigned int)res.cell >= SCN_NR_CELLS)
			abort();
		if (mem_initialized())
			abort();
	}
	scenario_free(s);
	return 0;
}
