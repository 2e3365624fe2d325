#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the fuzz targets with libFuzzer + ASan + UBSan and run each for a
# bounded time: fuzz_parse against the parser (and what it links) and fuzz_run
# against the whole model (it runs what parses), both seeded with scenarios/;
# fuzz_api drives random sequences of API calls (seeds: fuzz/corpus-api/,
# dictionary: fuzz/api.dict) and checks the invariants after each.
# Crashes land in build/fuzz/ as crash-*.
# Env: FUZZ_TIME (seconds per target, default 60; 0 runs each target once on
# every seed and mutates nothing, which is what CI does: the targets build and
# every seed keeps its contract, with no run depending on luck), CLANG
# (default clang).
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
FUZZ_TIME=${FUZZ_TIME:-60}
out=build/fuzz
mkdir -p "$out/corpus"
# The model is the Makefile's libpinmm.a in a variant of its own, built with
# libFuzzer's coverage but not its main (make's dependencies decide what to
# rebuild); each target links the members it needs from it.
san=fuzzer-no-link,address,undefined
lib=build/$(basename "$CLANG")-san-$(echo "$san" | tr , -)/libpinmm.a
${MAKE:-make} --no-print-directory -j2 CC="$CLANG" SAN="$san" OPT=-O1 "$lib"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
libs="-lurcu-bp -lurcu-cds -lz -luring -lpthread -lm"
for t in fuzz_parse fuzz_run fuzz_api; do
	# shellcheck disable=SC2086
	"$CLANG" $cflags -o "$out/$t" "fuzz/$t.c" "$lib" $libs
done
cd "$out"
if [ "$FUZZ_TIME" -eq 0 ]; then
	# Seeds only, into a corpus directory that is thrown away.
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	./fuzz_parse -runs=0 -timeout=10 -artifact_prefix=./ "$t" ../../scenarios
	./fuzz_run -runs=0 -timeout=60 -rss_limit_mb=4096 -artifact_prefix=./ "$t" ../../scenarios
	./fuzz_api -runs=0 -timeout=20 -rss_limit_mb=4096 -artifact_prefix=./ "$t" ../../fuzz/corpus-api
	echo "mk/fuzz.sh: every seed of fuzz_parse, fuzz_run and fuzz_api ran clean"
	exit 0
fi
# New inputs go to build/fuzz/corpus*; scenarios/ is only read.
mkdir -p corpus-run
./fuzz_parse -max_total_time="$FUZZ_TIME" -max_len=4096 -timeout=10 \
	-artifact_prefix=./ corpus ../../scenarios
# The interpreter target also leaks if an input leaves anything behind.
./fuzz_run -max_total_time="$FUZZ_TIME" -max_len=2048 -timeout=20 -rss_limit_mb=4096 \
	-artifact_prefix=./ corpus-run ../../scenarios
mkdir -p corpus-api
exec ./fuzz_api -max_total_time="$FUZZ_TIME" -max_len=512 -timeout=20 -rss_limit_mb=4096 \
	-dict=../../fuzz/api.dict -artifact_prefix=./ corpus-api ../../fuzz/corpus-api
