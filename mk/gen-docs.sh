#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Rewrite the generated part of docs/scenario-language.md (between its two
# markers) with what `pinmm list commands --markdown` prints.
# tests/scenario/test_reference.c fails until this has been run after a
# change to src/scenario/reference.c. Usage: mk/gen-docs.sh PINMM
set -eu
pinmm=$1
doc=docs/scenario-language.md
begin='<!-- generated: pinmm list commands --markdown (make docs) -->'
end='<!-- end of generated part -->'
tmp=$(mktemp)
gen=$(mktemp)
"$pinmm" list commands --markdown >"$gen"
awk -v begin="$begin" -v end="$end" -v gen="$gen" '
	$0 == begin { print; while ((getline l < gen) > 0) print l; skip = 1; next }
	$0 == end { skip = 0 }
	!skip { print }
' "$doc" >"$tmp"
mv "$tmp" "$doc"
rm -f "$gen"
