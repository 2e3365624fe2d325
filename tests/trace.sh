#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# `pinmm run --trace` as a kernel developer reads it (TAP): calls nested with
# entry and exit, counts around pins, flags by name, kernel function names, a
# dump_page() block under a BUG, per-page loops folded unless asked, classes
# (swap-out in reclaim, mremap and collapse in vm), reclaim's maybe_dma_pinned,
# --trace-file; and --trace-json is valid Chrome trace-event JSON (checked
# with python3's json module; skipped, and said so, without python3).
# Usage: tests/trace.sh PINMM
set -u
pinmm=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
n=0
t() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
echo "1..17"
"$pinmm" run --trace --preset mainline scenarios/06a-longterm-movable.pin >"$d/06a" 2>&1
t $(grep -q '^pin_user_pages(mm=p start=0x7f0000000000 nr_pages=16 gup_flags=FOLL_WRITE|FOLL_LONGTERM) {$' "$d/06a" &&
    grep -q '^} pin_user_pages = 16$' "$d/06a" && grep -q '^  check_and_migrate_movable_folios(nr_pages=16) {$' "$d/06a"; echo $?) \
	"an outer call's entry comes before what it does, indented, and its exit after"
t $(grep -q '^  try_grab_folio pfn=0x4e00 refs=1 _refcount 1->1025 mapcount 1->1 maybe_dma_pinned 0->1$' "$d/06a"; echo $?) \
	"a pin shows _refcount (GUP_PIN_COUNTING_BIAS under bias), mapcount and maybe_dma_pinned before and after"
t $(grep -q '^                 … ×15 more, the last: pfn=0x4e0f ' "$d/06a" &&
    grep -q '^    … ×15 more migrate_longterm_unpinnable_folio() calls like the one above' "$d/06a"; echo $?) \
	"per-page loops are folded: repeated lines and repeated calls"
"$pinmm" run --trace --trace-unfold --preset mainline scenarios/06a-longterm-movable.pin >"$d/unfold" 2>&1
t $([ "$(grep -c '^  try_grab_folio ' "$d/unfold")" -eq 32 ]; echo $?) "--trace-unfold prints every page (16 pins, twice)"
"$pinmm" run --trace --preset mainline scenarios/02-ext4-dirty-no-buffers.pin >"$d/02" 2>&1
t $(grep -q 'handle_mm_fault(mm=p address=0x7f0000000000 flags=FAULT_FLAG_WRITE|FAULT_FLAG_USER) {' "$d/02" &&
    grep -q '^} handle_mm_fault = VM_FAULT_LOCKED$' "$d/02"; echo $?) "FAULT_FLAG_* and VM_FAULT_* by name"
t $(grep -q '^  folio_mkclean  pfn=0x4e01 index=0 cleaned=1 maybe_dma_pinned=0$' "$d/02" &&
    grep -q 'writeback .* maybe_dma_pinned=0 policy=write' "$d/02"; echo $?) "folio_mkclean and writeback say maybe_dma_pinned"
"$pinmm" run --trace --preset legacy-2018 scenarios/02-ext4-dirty-no-buffers.pin >"$d/02l" 2>&1
t $(grep -A6 'BUG            ext4-like writepage: folio has no buffers (pfn 0x4e01)' "$d/02l" | grep -q 'page dumped because: ext4-like writepage' &&
    grep -A6 'BUG            ext4-like writepage' "$d/02l" | grep -q 'flags: 0x[0-9a-f]*(locked|'; echo $?) \
	"a BUG event has a dump_page() block under it, flags by name"
"$pinmm" run --trace --preset mainline scenarios/05-fork-pinned-anon.pin >"$d/05m" 2>&1
"$pinmm" run --trace --preset legacy-2018 scenarios/05-fork-pinned-anon.pin >"$d/05l" 2>&1
t $(grep -q 'copy_present_page' "$d/05m" && grep -q 'wp_page_copy' "$d/05l"; echo $?) \
	"kernel function names: copy_present_page, wp_page_copy"
"$pinmm" run --trace=gup --preset mainline scenarios/02-ext4-dirty-no-buffers.pin >"$d/gup" 2>&1
t $(grep -q '^pin_user_pages(' "$d/gup" && ! grep -q 'handle_mm_fault\|folio_mkclean' "$d/gup" && grep -q '^scenario: line' "$d/gup"; echo $?) \
	"--trace=gup keeps GUP and the scenario's lines, drops faults and writeback"
"$pinmm" run --trace=gupp --preset mainline scenarios/02-ext4-dirty-no-buffers.pin >"$d/bad" 2>&1
t $(grep -q "unknown trace class 'gupp' (did you mean 'gup'?)" "$d/bad"; echo $?) "an unknown class names the nearest"
"$pinmm" run --trace-file "$d/tf" --preset mainline scenarios/02-ext4-dirty-no-buffers.pin >"$d/out" 2>&1
t $(grep -q '^pin_user_pages(' "$d/tf" && ! grep -q '^pin_user_pages(' "$d/out"; echo $?) "--trace-file F writes the trace to F only"
"$pinmm" run --trace=reclaim --preset mainline scenarios/17a-swapout-pinned-anon.pin >"$d/17m" 2>&1
"$pinmm" run --trace=reclaim --preset v5.10 scenarios/17a-swapout-pinned-anon.pin >"$d/17o" 2>&1
t $(grep -q '^shrink_folio_list pfn=0x[0-9a-f]* maybe_dma_pinned=1: keep_locked, not added to swap$' "$d/17m" &&
    grep -q '^add_to_swap ' "$d/17o" && grep -q '^swap_writepage ' "$d/17o"; echo $?) \
	"reclaim says why a pinned folio stays, and --trace=reclaim has the swap-out (add_to_swap, swap_writepage)"
k=tests/kernel-selftests/cow
"$pinmm" run --trace=vm --preset mainline $k/anon-01f-basic-cow-after-fork-partially-mremap-ed-thp.pin \
	$k/anon-thp-1-basic-cow-after-fork-when-collapsing-before-fork.pin >"$d/vm" 2>&1
t $(grep -q '^mremap  *mm=p ' "$d/vm" && grep -q '^collapse  *mm=p ' "$d/vm"; echo $?) \
	"mremap and MADV_COLLAPSE's collapse are in --trace=vm"
"$pinmm" run --trace --preset mainline scenarios/03-stable-pages.pin >"$d/03" 2>&1
t $(grep -q '^\[line 22\]  *… ×3 more, the last: dev=dev0 pfn=' "$d/03" && ! grep -q '^\[?\]' "$d/03"; echo $?) \
	"a folded run of a during= context keeps its tag when the CPU's next line flushes it"
"$pinmm" run --trace-json "$d/t.json" --preset mainline,legacy-2018 scenarios/02-ext4-dirty-no-buffers.pin \
	scenarios/14b-mapping-gup-fast-truncate.pin >/dev/null 2>&1
if ! command -v python3 >/dev/null 2>&1; then
	for i in 1 2 3; do n=$((n + 1)); echo "ok $n # SKIP python3 is needed to check --trace-json"; done
	exit 0
fi
python3 - "$d/t.json" >"$d/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
assert isinstance(ev, list) and ev, "no traceEvents"
stacks, named, tracks, procs = {}, set(), set(), set()
for e in ev:
    assert isinstance(e.get("name"), str), e
    assert e["ph"] in ("B", "E", "i", "M"), e
    assert isinstance(e["pid"], int), e
    if e["ph"] == "M":
        assert e["name"] in ("thread_name", "process_name") and isinstance(e["args"]["name"], str), e
        if e["name"] == "thread_name":
            named.add((e["pid"], e["tid"]))
        else:
            procs.add(e["pid"])
        continue
    assert isinstance(e["tid"], int) and isinstance(e["ts"], (int, float)), e
    if e["ph"] == "i":
        assert e.get("s") in ("t", "p", "g"), e
    key = (e["pid"], e["tid"])
    tracks.add(key)
    st = stacks.setdefault(key, [])
    if e["ph"] == "B":
        st.append(e["name"])
    elif e["ph"] == "E":
        assert st and st[-1] == e["name"], ("unbalanced E", e, st[-5:])
        st.pop()
assert all(not s for s in stacks.values()), "a B without its E"
assert tracks <= named, "a track without a thread_name"
print("tracks", len(tracks), "processes", len(procs))
PY
t $? "--trace-json is Chrome trace-event JSON: every event well-formed, B/E balanced per track"
t $(grep -Eq '^tracks [0-9]+ processes 4$' "$d/py"; echo $?) "--trace-json: one process per cell"
t $(python3 -c "
import json,sys
ev=json.load(open('$d/t.json'))['traceEvents']
names={e['args']['name'] for e in ev if e['ph']=='M' and e['name']=='thread_name'}
sys.exit(0 if 'cpu' in names and any(n.startswith('line ') for n in names) else 1)"; echo $?) \
	"--trace-json: the CPU and each during= context on tracks of their own"
