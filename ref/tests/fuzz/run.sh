#!/bin/sh
# Builds the libFuzzer target with clang (ASan + UBSan + coverage) from the
# library's own sources and runs it for a bounded number of executions over
# the seed corpus kept in the repository. New inputs go to a scratch corpus
# in the build tree, never into the repository.
#   run.sh SOURCE_DIR BUILD_DIR RUNS LIBRARY_SOURCES...
set -eu
src=$1 out=$2 runs=$3
shift 3
mkdir -p "$out/corpus"
clang -std=c11 -g -O1 -D_GNU_SOURCE -DRF_VERSION_STRING='"fuzz"' \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$src/ref/include" -I"$src/ref/src" -I"$src/ref/support" \
	"$src/ref/tests/fuzz/fuzz_parse.c" "$@" \
	$(pkg-config --cflags --libs hwloc) -lpthread -lrt -o "$out/fuzz_parse"
exec "$out/fuzz_parse" -runs="$runs" -max_len=20000 -seed=1 -print_final_stats=1 \
	"$out/corpus" "$src/ref/tests/fuzz/corpus"
