#!/bin/sh
# CTest example_driver_build: install the build tree into WORK_DIR/prefix,
# then build this directory's project against it, leaving
# WORK_DIR/librf_example_driver.so and WORK_DIR/librf_example_driver_badabi.so
# for the tests that load them (fixture example_driver). Registered by
# ref/drivers/tests/CMakeLists.txt; arguments:
#   BUILD_DIR WORK_DIR CONFIG CMAKE GENERATOR CC CFLAGS LDFLAGS
# (CFLAGS, LDFLAGS: the build tree's, so a sanitizer build links its runtime)
set -eu

if [ $# -ne 8 ]; then
	echo "usage: run.sh BUILD_DIR WORK_DIR CONFIG CMAKE GENERATOR CC CFLAGS LDFLAGS" >&2
	exit 2
fi
build_dir=$1 work=$2 config=$3 cmake=$4 generator=$5 cc=$6 cflags=$7 ldflags=$8
here=$(cd "$(dirname "$0")" && pwd)
prefix=$work/prefix

rm -rf "$work"
mkdir -p "$work"

echo "== install $build_dir into $prefix"
if [ -n "$config" ]; then
	"$cmake" --install "$build_dir" --prefix "$prefix" --config "$config" >/dev/null
else
	"$cmake" --install "$build_dir" --prefix "$prefix" >/dev/null
fi

echo "== build $here against it"
# Only our prefix may satisfy find_package: no user or system package registry.
"$cmake" -S "$here" -B "$work/build" -G "$generator" \
	-DCMAKE_BUILD_TYPE="${config:-RelWithDebInfo}" \
	-DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_C_FLAGS="$cflags" \
	-DCMAKE_MODULE_LINKER_FLAGS="$ldflags" \
	-DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
	-DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$work"
found=$(sed -n 's/^ringfence_DIR:PATH=//p' "$work/build/CMakeCache.txt")
case "$found" in
"$prefix"/*) echo "ringfence_DIR=$found" ;;
*)
	echo "FAIL: find_package(ringfence) found '$found', not the package in $prefix" >&2
	exit 1
	;;
esac
if [ -n "$config" ]; then
	"$cmake" --build "$work/build" --config "$config"
else
	"$cmake" --build "$work/build"
fi
for so in librf_example_driver.so librf_example_driver_badabi.so librf_example_driver_rdv.so; do
	if [ ! -f "$work/$so" ]; then
		echo "FAIL: $work/$so was not built" >&2
		exit 1
	fi
done
echo "example_driver_build: OK ($work)"
