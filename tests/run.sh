#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every test binary (TAP on stdout), then the layer check, and print one
# closing "N passed, N failed" line over everything.
set -u
pass=0
fail=0
skip=0
failed_bins=""
tap=$(mktemp)
run_one() {
	name=$1; shift
	echo "# $name"
	"$@" >"$tap" 2>&1
	rc=$?
	cat "$tap"
	p=$(grep '^ok ' "$tap" | grep -vc '# SKIP')
	s=$(grep '^ok ' "$tap" | grep -c '# SKIP')
	f=$(grep -c '^not ok ' "$tap")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc"
	fi
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
	run_one "$(basename "$bin")" $tsan_run "$bin"
done
run_one "layer-check" sh -c 'sh mk/check-layers.sh && echo "ok 1 - no layer includes an upper layer"'
[ -x "$BUILD/pinmm" ] && run_one "cli" sh tests/cli.sh "$BUILD/pinmm"
[ -x "$BUILD/pinmm" ] && run_one "bench-smoke" $tsan_run sh tests/tools/bench_smoke.sh "$BUILD/pinmm"
if [ -x "$BUILD/pinmm" ] && [ -d scenarios ] && ls scenarios/*.pin >/dev/null 2>&1; then
	run_one "scenario-suite" $tsan_run "$BUILD/pinmm" run --tap
fi
rm -f "$tap"
[ -n "$failed_bins" ] && echo "# failed:$failed_bins"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
