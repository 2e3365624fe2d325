#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the scenario-parser fuzz target with libFuzzer + ASan + UBSan against
# the parser sources only (no machine), and run it for a bounded time with
# scenarios/ as the seed corpus. Crashes land in build/fuzz/ as crash-*.
# Env: FUZZ_TIME (seconds, default 60), CLANG (default clang), FUZZ_JOBS.
set -eu
cd "$(dirname "$0")/.."
CLANG=${CLANG:-clang}
FUZZ_TIME=${FUZZ_TIME:-60}
out=build/fuzz
mkdir -p "$out/corpus"
src="src/scenario/lexer.c src/scenario/parse.c src/scenario/parse_args.c \
     src/scenario/parse_cmds.c src/scenario/ast.c src/scenario/format.c"
"$CLANG" -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Iinclude \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-o "$out/fuzz_parse" fuzz/fuzz_parse.c $src
# New inputs go to build/fuzz/corpus; scenarios/ is only read.
cd "$out"
exec ./fuzz_parse -max_total_time="$FUZZ_TIME" -max_len=4096 -timeout=10 \
	-artifact_prefix=./ corpus ../../scenarios
