#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Check every spin model exhaustively (make models).
#   models/NAME.pml               must verify: no assertion violation, no
#                                 invalid end state, no acceptance cycle;
#   models/NAME.broken-WHAT.pml   must be refuted: spin finds a counterexample,
#                                 whose trail is kept for `spin -t -p`.
# A model that should hold and fails, a broken one that verifies, or a search
# that was not exhaustive (depth limit hit, out of memory) fails the run.
# A model may ask for pan options with a line `pan-flags: ...` and for pan's
# compile options with `cc-flags: ...` (e.g. -DNOREDUCE) in any comment.
# Prints one line per model; the full pan output is in build/models/NAME/pan.out.
# Usage: models.sh [MODEL.pml...]   (default: every models/*.pml)
set -u
out=${MODELS_OUT:-build/models}
CC=${CC:-gcc}
case "$CC" in *clang*) ;; *) CC=gcc ;; esac
if ! command -v spin >/dev/null 2>&1; then
	echo "models: spin is not installed (Debian package spin): cannot check the models" >&2
	exit 1
fi
[ $# -gt 0 ] || set -- models/*.pml
if [ ! -f "$1" ]; then
	echo "models: no models found under models/: nothing was checked" >&2
	exit 1
fi
fail=0
nr=0
for m in "$@"; do
	base=$(basename "$m" .pml)
	case "$base" in *.broken-*) want=refuted ;; *) want=verified ;; esac
	dir=$out/$base
	rm -rf "$dir" && mkdir -p "$dir"
	# A variant may #include the model it breaks: give it every model.
	cp models/*.pml "$dir/" 2>/dev/null; cp "$m" "$dir/$base.pml"
	panflags=$(sed -n 's/.*pan-flags: *\([^*]*\).*/\1/p' "$m" | head -n1)
	ccflags=$(sed -n 's/.*cc-flags: *\([^*]*\).*/\1/p' "$m" | head -n1)
	nr=$((nr + 1))
	verdict=error
	states=?
	note=""
	if ! (cd "$dir" && spin -a "$base.pml" >spin.out 2>&1); then
		note="spin -a failed: see $dir/spin.out"
	elif ! (cd "$dir" && $CC -O2 -w $ccflags -o pan pan.c >cc.out 2>&1); then
		note="pan did not compile: see $dir/cc.out"
	else
		# -m: the depth limit is a bound on the search, not on the model: hitting it is a failure.
		(cd "$dir" && ./pan -m1000000 $panflags >pan.out 2>&1)
		errors=$(sed -n 's/.*errors: *\([0-9][0-9]*\).*/\1/p' "$dir/pan.out" | tail -n1)
		states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$dir/pan.out" | head -n1)
		[ -n "$states" ] || states=?
		if [ -z "$errors" ]; then
			note="pan gave no verdict: see $dir/pan.out"
		elif grep -q 'max search depth too small\|out of memory\|search not completed' "$dir/pan.out" &&
		     [ "$errors" -eq 0 ]; then
			note="search was not exhaustive: see $dir/pan.out"
		elif [ "$errors" -eq 0 ]; then
			verdict=verified
		else
			verdict=refuted
			trail="$dir/$base.pml.trail"
			# The counterexample as the interleaving it is, for docs/trackers.md.
			(cd "$dir" && spin -t -p -g -l "$base.pml" >trail.txt 2>&1)
			what=$(grep -m1 -o 'assertion violated.*\|invalid end state\|acceptance cycle' "$dir/pan.out")
			note="${what:-counterexample}; trail $trail (spin -t -p $base.pml in $dir; readable: $dir/trail.txt)"
		fi
	fi
	if [ "$verdict" = "$want" ]; then
		status=ok
	else
		status=FAIL
		fail=$((fail + 1))
		[ "$verdict" = error ] || note="expected $want; $note"
	fi
	printf 'models: %-4s %-36s %-8s %9s states  %s\n' "$status" "$base.pml" "$verdict" "$states" "$note"
done
if [ "$fail" -ne 0 ]; then
	echo "models: $fail of $nr models did not give the expected verdict" >&2
	exit 1
fi
echo "models: all $nr models gave the expected verdict"
