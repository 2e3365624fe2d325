/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interpreter's interface: run one parsed scenario under one preset on a
 * fresh machine and say which cell it lands in. The suite driver (suite.h)
 * calls it for every preset x scenario; the interpreter implements it.
 */
#ifndef PINMM_SCENARIO_RUN_H
#define PINMM_SCENARIO_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include <pinmm/scenario/ast.h>

#define SCN_REASON_MAX 256

struct scenario_result {
	enum scn_cell cell;
	/* The line of the first failure that decided the cell; 0 for pass. */
	unsigned int line;
	/* "dma read found 0x11 at +0, expected 0x33"; "" for pass. */
	char reason[SCN_REASON_MAX];
	/*
	 * The scenario, not the preset, is at fault: setup that failed, an
	 * access to memory it never mapped. No cell is scored; the runner
	 * reports it as an error of the scenario file.
	 */
	bool scenario_error;
};

/*
 * Bring up a machine (the scenario's `memory`, or the default), apply the
 * preset named @preset, run @s's commands in order and bring the machine down.
 * @trace: NULL, or where the mm_trace lines and one line per command go.
 *
 * The cell is decided by the first of, in line order:
 *   - an operation expected to succeed (no "->", or "-> ok") returning an
 *     errno: SCN_REFUSED; later commands using its handle are skipped;
 *   - a BUG or WARN event that no earlier `expect event` matched: SCN_BUG;
 *   - a failed check (read/dma expect=, check disk/fsck/pinned/vmstat/events,
 *     "-> ERR" answered differently, an `expect event` that never fired by the
 *     end): SCN_CORRUPT.
 * A later failure never overrides an earlier one; the scenario stops at the
 * first failure except for refusals.
 *
 * Returns 0 when the scenario ran (whatever the cell), -EINVAL for an unknown
 * preset, -ENOMEM when the machine could not be brought up; -ENOSYS from a
 * build without the interpreter, which the report shows as skipped cells.
 */
int scenario_run(const struct scenario *s, const char *preset, struct scenario_result *out,
		 FILE *trace);

/*
 * The preset that runs a scenario on the running kernel (DESIGN.md, "The host
 * backend"): the same commands through real system calls, the cell decided
 * as above, SCN_NA with the reason at the first command the host cannot carry
 * out. A run that hangs past its time limit (PINMM_HOST_TIMEOUT seconds,
 * default 30) or whose processes crash is an error (-ETIMEDOUT, -ECHILD).
 */
#define SCN_HOST_PRESET "host"
int scenario_run_host(const struct scenario *s, struct scenario_result *out, FILE *trace);
/* Can this machine run the host preset at all; why not, otherwise. */
bool scenario_host_usable(char *why, size_t len);
/*
 * The release preset nearest to `uname -r` (the newest release preset not
 * newer than the running kernel): the model the host is compared with, and
 * whose verdicts the host's cells are judged against.
 */
const char *scenario_host_release(void);
/* The preset whose verdict lines judge @preset's cells: itself, or that release for host. */
const char *scenario_verdict_preset(const char *preset);

#endif
