#!/bin/sh
# Builds a libFuzzer target with clang (ASan + UBSan + coverage) from the
# project's own sources and runs it for a bounded number of executions over
# its seed corpus kept in the repository. New inputs go to a scratch corpus
# in the build tree, never into the repository.
#   run.sh SOURCE_DIR BUILD_DIR RUNS TARGET CORPUS [LINK_FLAGS] -- SOURCES...
# TARGET is the fuzz target's source (.c or .cc), CORPUS its seed folder
# (CORPUS.dict beside it, when there is one, is libFuzzer's dictionary),
# LINK_FLAGS extra link flags (e.g. -Wl,--wrap=exit) as one word. C sources
# are C11, C++ sources C++17; the output of the target itself is closed
# (-close_fd_mask=3: a target that prints a usage message per input would
# drown libFuzzer's report), so replay a crash file by hand to see it.
set -eu
src=$1 out=$2 runs=$3 target=$4 corpus=$5
shift 5
link=
if [ "$1" != -- ]; then link=$1; shift; fi
shift # --
name=$(basename "$target" | sed 's/\.[^.]*$//')
mkdir -p "$out/$name.obj" "$out/$name.corpus"
flags="-g -O1 -D_GNU_SOURCE -DRF_VERSION_STRING=\"fuzz\" -fsanitize=fuzzer-no-link,address,undefined
	-fno-sanitize-recover=undefined -I$src/ref/include -I$src/ref/src -I$src/ref/support"
objs= cxx=clang
for f in "$target" "$@"; do
	o=$out/$name.obj/$(echo "$f" | sed 's|[/.]|_|g').o
	case $f in
	*.cc) clang++ -std=c++17 $flags -c "$f" -o "$o"; cxx=clang++ ;;
	*) clang -std=c11 $flags -c "$f" -o "$o" ;;
	esac
	objs="$objs $o"
done
$cxx -fsanitize=fuzzer,address,undefined $objs $link $(pkg-config --libs hwloc) -lpthread -lrt -lm \
	-o "$out/$name"
dict=
if [ -f "$corpus.dict" ]; then dict=-dict=$corpus.dict; fi
exec "$out/$name" $dict -artifact_prefix="$out/" -runs="$runs" -max_len=20000 -seed=1 -print_final_stats=1 -close_fd_mask=3 \
	"$out/$name.corpus" "$corpus"
