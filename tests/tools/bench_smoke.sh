#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# A second of `pinmm bench`: it runs, writes a record that reads back, proves
# its pins, and reports what it could not measure. Nothing here looks at a
# time: performance is judged by the bench itself, never by a test.
set -u
pinmm=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }

"$pinmm" bench -a -T -m 4 -r 3 -q --no-host --preset v6.18 --micro --memory \
	--page72=/nonexistent/pinmm --json "$d/b.json" --tap >"$d/out" 2>&1
rc=$?
check "bench runs (exit 0, or 1 for a missed target)" '[ $rc -eq 0 ] || [ $rc -eq 1 ]'
check "the record has the preset case" 'grep -q "\"case\": \"pin-fast/4K/x1/v6.18\"" "$d/b.json"'
check "the preset's vmstat deltas match its pins" 'grep "\"case\": \"pin-fast/4K/x1/v6.18\"" "$d/b.json" | grep -q "\"pins_match\": true"'
check "the floor is measured beside it" 'grep -q "\"case\": \"pin-fast/4K/x1/floor\"" "$d/b.json"'
check "so is the CAS floor, as a kind of its own" 'grep "\"case\": \"pin-fast/4K/x1/floor-cas\"" "$d/b.json" | grep -q "\"kind\": \"floor-cas\""'
check "the CAS floor is paired with the floor" 'grep "\"case\": \"pin-fast/4K/x1/floor-cas\"" "$d/b.json" | grep -q "\"pin_vs_floor\""'
check "the accessor micro-cases run" 'grep -q "page_to_pfn" "$d/out"'
check "the machine's clock, width and memory are probed" 'grep -q "^cpu-latency" "$d/out" && grep -q "^cpu-throughput" "$d/out" && grep -q "^memory-latency" "$d/out"'
check "memory per page and per pin is reported" 'grep -q "\"bytes_per_page\": {\"declared\"" "$d/b.json"'
check "a missing 72-byte build is reported, not measured" 'grep -q "not measured: build it with make PAGE=72" "$d/out"'
check "the verdicts come as kselftest TAP" 'grep -q "^# Totals: pass:" "$d/out"'
"$pinmm" bench --spread "$d/b.json" "$d/b.json" >"$d/spread" 2>&1
check "a record compared with itself is within 10%" '[ $? -eq 0 ] && grep -q "^pin  *[0-9]* cases within 10%, 0 not" "$d/spread"'
check "and so is the machine" 'grep -q "^machine .*clock 1.000, core width 1.000, memory 1.000" "$d/spread" && grep -q "all held" "$d/spread"'
"$pinmm" bench -a -T -m 4 -r 2 -q --no-host --preset v6.18 --compare "$d/b.json" >"$d/cmp" 2>&1
check "--compare matches the cases of an earlier record" 'grep -q "cases matched" "$d/cmp" && ! grep -q "^0 of" "$d/cmp"'
"$pinmm" bench -a -H -m 4 -r 2 -q --no-host --preset v6.18 --json "$d/h.json" >"$d/hout" 2>&1
check "-H pins MAP_HUGETLB memory (gup_test -H)" 'grep -q "2 MiB hugetlb folios" "$d/hout"'
check "-H's vmstat deltas match its pins" 'grep "\"case\": \"pin-fast/2M/x1/v6.18\"" "$d/h.json" | grep -q "\"pins_match\": true"'
"$pinmm" bench -a -H --shmem >/dev/null 2>&1
check "-H with --shmem exits 2" '[ $? -eq 2 ]'
"$pinmm" bench -a -T -m 4 -r 2 -q -j 2 --no-host --no-floor --preset v6.18 >"$d/j" 2>&1
check "-j 2 pins one range from both threads (gup_test -j)" 'grep -q "^pin-fast/4K/x2/one-range/v6.18" "$d/j"'
"$pinmm" bench -a -T -m 4 -r 2 -q -j 2 --disjoint --no-host --no-floor --preset v6.18 >"$d/jd" 2>&1
check "--disjoint gives each thread its own range" 'grep -q "^pin-fast/4K/x2/v6.18" "$d/jd"'
"$pinmm" bench -a -T -m 4 -r 2 -q -S --no-host --no-floor --preset v6.18 --json "$d/s.json" >/dev/null 2>&1
check "-S pins a shared (shmem) mapping" 'grep -q "\"shmem\": true" "$d/s.json"'
"$pinmm" bench -a -f /nonexistent >/dev/null 2>&1
check "-f with a host path exits 2" '[ $? -eq 2 ]'
"$pinmm" bench -r 0 >/dev/null 2>&1
check "a bad option exits 2" '[ $? -eq 2 ]'
echo "1..$n"
