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

build_type=${config:-RelWithDebInfo}
. "$here/../../../cmake/build-against-install.sh"
rf_install_tree
rf_build_against "$here" \
	-DCMAKE_MODULE_LINKER_FLAGS="$ldflags" \
	-DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$work"
for so in librf_example_driver.so librf_example_driver_badabi.so librf_example_driver_rdv.so; do
	if [ ! -f "$work/$so" ]; then
		echo "FAIL: $work/$so was not built" >&2
		exit 1
	fi
done
echo "example_driver_build: OK ($work)"
