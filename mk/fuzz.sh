#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the fuzz targets with libFuzzer + ASan + UBSan and run each for a
# bounded time: fuzz_parse against the parser sources only and fuzz_run
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
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=address,undefined -fno-sanitize-recover=all"
libs="-lurcu-bp -lurcu-cds -lz -luring -lpthread -lm"
parse_src="src/scenario/lexer.c src/scenario/parse.c src/scenario/parse_args.c \
     src/scenario/parse_cmds.c src/scenario/parse_checks.c src/scenario/parse_vm.c src/scenario/parse_file.c \
     src/scenario/ast.c src/scenario/format.c \
     src/scenario/suggest.c src/mem/race.c src/mem/whatif.c src/mem/vmstat.c"
# The model once, an object per source (two at a time), instrumented for
# libFuzzer without its main; each target links the objects it needs.
obj=$out/obj
mkdir -p "$obj"
export CLANG cflags obj
# shellcheck disable=SC2016
ls src/*/*.c build/gcc/gen/pin_registry.c | xargs -P 2 -n 1 sh -c \
	'o="$obj/$(echo "$1" | tr / _).o"; [ "$o" -nt "$1" ] && [ -z "$(find include -newer "$o" -print -quit)" ] ||
	 $CLANG $cflags -fsanitize=fuzzer-no-link -c "$1" -o "$o"' sh
objs_of() { for f in "$@"; do printf '%s ' "$obj/$(echo "$f" | tr / _).o"; done; }
# shellcheck disable=SC2086
"$CLANG" $cflags -fsanitize=fuzzer -o "$out/fuzz_parse" fuzz/fuzz_parse.c $(objs_of $parse_src)
# shellcheck disable=SC2086
"$CLANG" $cflags -fsanitize=fuzzer -o "$out/fuzz_run" fuzz/fuzz_run.c \
	$(objs_of $(ls src/*/*.c) build/gcc/gen/pin_registry.c) $libs
# shellcheck disable=SC2086
"$CLANG" $cflags -fsanitize=fuzzer -o "$out/fuzz_api" fuzz/fuzz_api.c \
	$(objs_of $(ls src/*/*.c) build/gcc/gen/pin_registry.c) $libs
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
