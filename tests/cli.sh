#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The pinmm command line as a user meets it (TAP): a file that does not
# parse does not stop the others, machine-readable output says so in its own
# format, --preset takes commas, a directory runs its .pin files, --version
# and per-command --help answer, options may follow the files (as getopt
# permutes them) and "--" ends them. Usage: tests/cli.sh PINMM
set -u
pinmm=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
fails=0
t() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}
mkdir "$d/dir"
cat >"$d/dir/good.pin" <<'P'
scenario "good"
memory 64M
process p
mmap p m anon len=8K private rw
write p m len=8K byte=1
read p m len=8K expect=1
P
cat >"$d/dir/bad.pin" <<'P'
scenario "bad"
memory 64M
process p
device odp0 odp
mmap p m anon len=8K private rw
pin p m len=8K as=odp0
P
echo "1..19"
"$pinmm" run --preset mainline "$d/dir/bad.pin" "$d/dir/good.pin" >"$d/out" 2>"$d/err"
rc=$?
t $([ $rc -eq 2 ] && echo 0 || echo 1) "run: a parse error exits 2"
t $(grep -q '^good  *pass$' "$d/out"; echo $?) "run: the other files still run"
t $(grep -q "bad.pin:6: handle 'odp0' has the name of device 'odp0'" "$d/err"; echo $?) "run: the error is file:line on stderr"
"$pinmm" run --json --preset mainline "$d/dir" >"$d/json" 2>/dev/null
t $(grep -q '"errors": \[' "$d/json" && grep -q '"line": 6, "message": ' "$d/json"; echo $?) "run --json: an error object with file, line, message"
t $(grep -q '"scenario": "good", "preset": "mainline", "state": "ran", "cell": "pass"' "$d/json"; echo $?) "run DIR: the directory's .pin files run"
"$pinmm" run --tap --preset mainline "$d/dir" >"$d/tap" 2>/dev/null
t $(grep -q '^1\.\.2$' "$d/tap" && grep -q '^not ok 1 - .*bad.pin: not run: ' "$d/tap" && grep -q '^ok 2 - good \[mainline\]' "$d/tap"; echo $?) "run --tap: a failed test line for the file, the plan counts it"
"$pinmm" run --preset mainline,legacy-2018 "$d/dir/good.pin" >"$d/out" 2>&1
t $(grep -q '^scenario  mainline  legacy-2018$' "$d/out"; echo $?) "run --preset a,b: both presets, in that order"
"$pinmm" run --preset mainlin "$d/dir/good.pin" >"$d/out" 2>&1
t $(grep -q "unknown preset 'mainlin' (did you mean 'mainline'?)" "$d/out"; echo $?) "run --preset: an unknown name gets the nearest"
"$pinmm" --version >"$d/out"
t $(grep -Eq '^pinmm [0-9.]+ \(scenario language [0-9]+\)$' "$d/out"; echo $?) "--version"
"$pinmm" run --help >"$d/out"
t $(grep -q -- '--trace' "$d/out" && grep -q 'refused' "$d/out" && grep -q -- '--preset' "$d/out"; echo $?) "run --help explains --trace, cells and presets"
"$pinmm" list --help >"$d/out"
t $(grep -q commands "$d/out" && grep -q vmstat "$d/out"; echo $?) "list --help names the lists"
"$pinmm" explain --help >"$d/out"
t $(grep -q 'usage: pinmm explain' "$d/out"; echo $?) "explain --help"
"$pinmm" list commands >"$d/out"
t $(grep -q '^  pin PROC MAP\[+OFF\] len=SIZE as=HANDLE' "$d/out" && grep -q '^  check zone HANDLE' "$d/out"; echo $?) "list commands: every command with its arguments"
"$pinmm" list vmstat >"$d/out"
t $(grep -q '^  nr_foll_pin_acquired ' "$d/out"; echo $?) "list vmstat"
"$pinmm" run "$d/dir/good.pin" --preset mainline --trace=gup >"$d/out" 2>&1
rc=$?
t $([ $rc -eq 0 ] && grep -q '^scenario  mainline$' "$d/out" && ! grep -q 'No such file' "$d/out" && echo 0 || echo 1) "run FILE --preset P --trace: options after the file are options"
cp "$d/dir/good.pin" "$d/--trace"
(p=$(readlink -f "$pinmm") && cd "$d" && "$p" run --preset mainline -- --trace) >"$d/out" 2>&1
t $(grep -q -- '^--trace  *pass$' "$d/out"; echo $?) "run -- FILE: after --, a name that looks like an option is a file"
# --markdown is --timeline's document form: the matrix as --timeline prints it, then the switches.
"$pinmm" run --timeline "$d/dir/good.pin" >"$d/tl" 2>/dev/null
"$pinmm" run --timeline --markdown "$d/dir/good.pin" >"$d/out" 2>/dev/null
t $(awk '/^```$/{f=!f; next} f' "$d/out" | cmp -s - "$d/tl" && grep -q '^| `foll-pin` | v5.7 | `3faa52c03f44` |' "$d/out"; echo $?) "run --timeline --markdown: the timeline's output and the switch table"
"$pinmm" run --markdown "$d/dir/good.pin" >"$d/out" 2>&1
rc=$?
t $([ $rc -eq 2 ] && grep -q -- '--markdown is a form of --timeline' "$d/out" && echo 0 || echo 1) "run --markdown without --timeline: a usage error"
# The five scenarios of issue 19, written from docs/scenario-language.md alone.
"$pinmm" run docs/examples >"$d/out" 2>&1
t $? "docs/examples: dev=, a THP, a partial munmap, a DMA expected to fail, pwrite under a pin"
[ $fails -eq 0 ]
