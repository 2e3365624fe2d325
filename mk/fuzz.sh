#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the fuzz targets with libFuzzer + ASan + UBSan and run each for a
# bounded time: fuzz_parse against the parser sources only and fuzz_run
# against the whole model (it runs what parses), both seeded with scenarios/;
# fuzz_api drives random sequences of API calls (seeds: fuzz/corpus-api/,
# dictionary: fuzz/api.dict) and checks the invariants after each.
# Crashes land in build/fuzz/ as crash-*.
# Env: FUZZ_TIME (seconds per target, default 60), CLANG (default clang).
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
FUZZ_TIME=${FUZZ_TIME:-60}
out=build/fuzz
mkdir -p "$out/corpus"
src="src/scenario/lexer.c src/scenario/parse.c src/scenario/parse_args.c \
     src/scenario/parse_cmds.c src/scenario/parse_checks.c src/scenario/parse_vm.c src/scenario/parse_file.c \
     src/scenario/ast.c src/scenario/format.c \
     src/scenario/suggest.c src/mem/race.c src/mem/whatif.c src/mem/vmstat.c"
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-o "$out/fuzz_parse" fuzz/fuzz_parse.c $src
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-o "$out/fuzz_run" fuzz/fuzz_run.c $(ls src/*/*.c) build/gcc/gen/pin_registry.c \
	-lurcu-bp -lurcu-cds -lz -luring -lpthread -lm
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-o "$out/fuzz_api" fuzz/fuzz_api.c $(ls src/*/*.c) build/gcc/gen/pin_registry.c \
	-lurcu-bp -lurcu-cds -lz -luring -lpthread -lm
# New inputs go to build/fuzz/corpus*; scenarios/ is only read.
cd "$out"
mkdir -p corpus-run
./fuzz_parse -max_total_time="$FUZZ_TIME" -max_len=4096 -timeout=10 \
	-artifact_prefix=./ corpus ../../scenarios
# The interpreter target also leaks if an input leaves anything behind.
./fuzz_run -max_total_time="$FUZZ_TIME" -max_len=2048 -timeout=20 -rss_limit_mb=4096 \
	-artifact_prefix=./ corpus-run ../../scenarios
mkdir -p corpus-api
exec ./fuzz_api -max_total_time="$FUZZ_TIME" -max_len=512 -timeout=20 -rss_limit_mb=4096 \
	-dict=../../fuzz/api.dict -artifact_prefix=./ corpus-api ../../fuzz/corpus-api
