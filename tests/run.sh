#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every test binary, then the layer check, the command-line tests and the
# scenario matrix, as one TAP13 stream on stdout, and print one closing
# "N passed, N failed, N skipped" line over everything.
set -u
# One TAP13 stream over everything: each binary's tests are renumbered into
# one sequence, named "BINARY: test" so no name repeats, its plan dropped for
# the single plan at the end, and anything that is not a TAP line (stress
# figures, cmocka's ERROR lines) kept as a "#" comment.
n=0
pass=0
fail=0
skip=0
failed_bins=""
tap=$(mktemp)
counts=$(mktemp)
echo "TAP version 13"
run_one() {
	name=$1; shift
	echo "# $name"
	"$@" >"$tap" 2>&1
	rc=$?
	awk -v name="$name" -v n="$n" -v rc="$rc" -v counts="$counts" '
		function emit(status, desc) {
			n++
			if (desc in seen)
				desc = desc " (" ++seen[desc] ")"
			else
				seen[desc] = 1
			print status " " n " - " name ": " desc
		}
		/^TAP version/ || /^[0-9]+\.\.[0-9]+/ || /^[ \t]*$/ { next }
		/^(not )?ok([ \t]|$)/ {
			bad = /^not /
			desc = $0
			sub(/^(not )?ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, "", desc)
			if (desc == "")
				desc = "(unnamed)"
			# cmocka prints a skip as "not ok N # SKIP": the directive wins (TAP13).
			if (desc ~ /#[ \t]*SKIP/) {
				emit("ok", desc)
				s++
				next
			}
			emit(bad ? "not ok" : "ok", desc)
			if (bad)
				f++
			else
				p++
			next
		}
		/^Bail out!/ { print "# " $0; emit("not ok", $0); f++; next }
		/^#/ { print; next }
		{ print "# " $0 }
		END {
			if (rc != 0 && f == 0) {
				emit("not ok", "exited with status " rc)
				f++
			}
			# Tests that pass unseen are not counted: cmocka prints TAP only when asked (RUN_TAP).
			if (p + s + f == 0) {
				emit("not ok", "printed no TAP test line (a cmocka binary without RUN_TAP?)")
				f++
			}
			print n, p + 0, s + 0, f + 0 > counts
		}' "$tap"
	read -r n p s f <"$counts"
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	[ "$f" -ne 0 ] && failed_bins="$failed_bins $name"
}
tsan_run=""
case "${SAN:-}" in
*thread*)
	# TSan needs a fixed layout; high-entropy ASLR breaks its shadow mapping.
	if setarch "$(uname -m)" -R true 2>/dev/null; then tsan_run="setarch $(uname -m) -R"; fi
	export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(pwd)/tests/tsan.supp ${TSAN_OPTIONS:-}"
	;;
*address*)
	export ASAN_OPTIONS="detect_leaks=1 abort_on_error=0 ${ASAN_OPTIONS:-}"
	export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 ${UBSAN_OPTIONS:-}"
	;;
esac
for bin in "$@"; do
	# layer/test_x: two tests in different layers may share a file name.
	run_one "$(basename "$(dirname "$bin")")/$(basename "$bin")" $tsan_run "$bin"
done
# The stream's own format, on fake binaries (not from inside its own check).
[ -z "${PINMM_TAP_SELFTEST:-}" ] && run_one "tap-stream" sh tests/tap_stream.sh
run_one "layer-check" sh -c 'sh mk/check-layers.sh && echo "ok 1 - no layer includes an upper layer"'
[ -x "$BUILD/pinmm" ] && run_one "cli" $tsan_run sh tests/cli.sh "$BUILD/pinmm"
[ -x "$BUILD/pinmm" ] && run_one "trace" $tsan_run sh tests/trace.sh "$BUILD/pinmm"
[ -x "$BUILD/pinmm" ] && run_one "bench-smoke" $tsan_run sh tests/tools/bench_smoke.sh "$BUILD/pinmm"
if [ -x "$BUILD/pinmm" ] && [ -d scenarios ] && ls scenarios/*.pin >/dev/null 2>&1; then
	# Every cell of every preset, releases and designs (the default columns are fewer).
	run_one "scenario-suite" $tsan_run "$BUILD/pinmm" run --tap --all
	# A document check, the same under sanitizers: run once, in the plain build.
	if [ -z "${SAN:-}" ]; then
		run_one "timeline-doc" sh -c '"$1" run --timeline --markdown | cmp -s - docs/timeline.md &&
			echo "ok 1 - docs/timeline.md is what pinmm run --timeline --markdown prints" ||
			echo "not ok 1 - docs/timeline.md is stale: make docs/timeline.md"' sh "$BUILD/pinmm"
		# Each change of cell between two releases names the switch behind it.
		run_one "timeline-explained" sh -c '! grep "no one switch" docs/timeline.md &&
			echo "ok 1 - every change of cell in the timeline is explained by a switch" ||
			echo "not ok 1 - a change of cell in docs/timeline.md has no switch to explain it"'
	else
		run_one "timeline-doc" echo "ok 1 # SKIP docs/timeline.md is checked by the build without sanitizers"
		run_one "timeline-explained" echo "ok 1 # SKIP checked by the build without sanitizers"
	fi
fi
rm -f "$tap" "$counts"
echo "1..$n"
[ -n "$failed_bins" ] && echo "# failed:$failed_bins"
# Not a TAP line (a TAP reader ignores it); the one line CI and land.sh read.
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
