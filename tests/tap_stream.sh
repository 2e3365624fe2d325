#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# make check's output is one TAP13 stream (tests/run.sh): a version line, test
# lines numbered 1..N with no name twice, one plan, non-TAP lines as comments,
# a binary that dies without a failed test line counted as one, so is one that
# prints no TAP test line (its tests would pass unseen), and the
# closing "N passed, N failed, N skipped" line. Checked on fake binaries.
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/a" "$d/b"
cat >"$d/a/test_x" <<'T'
#!/bin/sh
echo "1..3"
echo "ok 1 - same"
echo "ok 2 - same"
echo "ok 3 - skipped # SKIP not here"
echo "pins 10 failed 0"
T
cat >"$d/b/test_x" <<'T'
#!/bin/sh
echo "TAP version 13"
echo "1..1"
echo "not ok 1 - broken"
T
cat >"$d/b/test_dies" <<'T'
#!/bin/sh
echo "1..2"
echo "ok 1 - first"
exit 3
T
cat >"$d/b/test_quiet" <<'T'
#!/bin/sh
echo "[ RUN      ] test_a"
echo "[       OK ] test_a"
T
chmod +x "$d/a/test_x" "$d/b/test_x" "$d/b/test_dies" "$d/b/test_quiet"
PINMM_TAP_SELFTEST=1 BUILD=/nonexistent sh tests/run.sh "$d/a/test_x" "$d/b/test_x" "$d/b/test_dies" \
	"$d/b/test_quiet" >"$d/out" 2>&1
rc=$?
n=0
t() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; cat "$d/out" | sed 's/^/# /'; fi
}
echo "1..9"
t $([ "$(head -1 "$d/out")" = "TAP version 13" ]; echo $?) "the stream starts with TAP version 13"
t $([ "$(grep -c '^TAP version' "$d/out")" -eq 1 ] && [ "$(grep -Ec '^[0-9]+\.\.[0-9]+$' "$d/out")" -eq 1 ]; echo $?) "one version line and one plan"
tests=$(grep -Ec '^(not )?ok ' "$d/out")
t $(grep -qx "1\.\.$tests" "$d/out"; echo $?) "the plan counts every test line"
t $(grep -E '^(not )?ok ' "$d/out" | awk '{ sub(/^(not )?ok /, ""); print $1 }' | awk '$1 != NR { bad = 1 } END { exit bad }'; echo $?) "numbered 1..N in order"
t $([ -z "$(grep -E '^(not )?ok ' "$d/out" | sed -E 's/^(not )?ok [0-9]+ - //' | sort | uniq -d)" ]; echo $?) "no test name twice (a/test_x: same, a/test_x: same (2))"
t $(grep -q '^# pins 10 failed 0$' "$d/out"; echo $?) "a stress figure is a # line"
t $(grep -q '^not ok [0-9]* - b/test_dies: exited with status 3$' "$d/out"; echo $?) "a binary that dies counts as a failure"
t $(grep -q '^not ok [0-9]* - b/test_quiet: printed no TAP test line' "$d/out"; echo $?) "a binary that prints no TAP test line counts as a failure"
t $([ $rc -ne 0 ] && tail -1 "$d/out" | grep -Eq '^[0-9]+ passed, 3 failed, 1 skipped$'; echo $?) "closing summary line, exit status non-zero"
