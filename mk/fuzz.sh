#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the fuzz targets with libFuzzer + ASan + UBSan and run each for a
# bounded time with scenarios/ as the seed corpus: fuzz_parse against the
# parser sources only, fuzz_run against the whole model (it runs what parses).
# Crashes land in build/fuzz/ as crash-*.
# Env: FUZZ_TIME (seconds per target, default 60), CLANG (default clang).
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
FUZZ_TIME=${FUZZ_TIME:-60}
out=build/fuzz
mkdir -p "$out/corpus"
src="src/scenario/lexer.c src/scenario/parse.c src/scenario/parse_args.c \
     src/scenario/parse_cmds.c src/scenario/ast.c src/scenario/format.c \
     src/scenario/suggest.c"
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-o "$out/fuzz_parse" fuzz/fuzz_parse.c $src
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-o "$out/fuzz_run" fuzz/fuzz_run.c $(ls src/*/*.c) \
	-lurcu-bp -lurcu-cds -lz -lpthread -lm
# New inputs go to build/fuzz/corpus*; scenarios/ is only read.
cd "$out"
mkdir -p corpus-run
./fuzz_parse -max_total_time="$FUZZ_TIME" -max_len=4096 -timeout=10 \
	-artifact_prefix=./ corpus ../../scenarios
# The interpreter target also leaks if an input leaves anything behind.
exec ./fuzz_run -max_total_time="$FUZZ_TIME" -max_len=2048 -timeout=20 -rss_limit_mb=4096 \
	-artifact_prefix=./ corpus-run ../../scenarios
