#!/bin/sh
# CTest install_consumer: install the build tree into a scratch prefix, then
# build and run cmake/consumer against it, once with find_package(ringfence)
# and once with pkg-config. Registered by cmake/install.cmake; arguments:
#   BUILD_DIR WORK_DIR CONFIG LIB_TYPE LIBDIR CMAKE GENERATOR CC CFLAGS LDFLAGS
set -eu

if [ $# -ne 10 ]; then
	echo "usage: run.sh BUILD_DIR WORK_DIR CONFIG LIB_TYPE LIBDIR CMAKE GENERATOR CC CFLAGS LDFLAGS" >&2
	exit 2
fi
build_dir=$1 work=$2 config=$3 lib_type=$4 libdir=$5
cmake=$6 generator=$7 cc=$8 cflags=$9
shift 9
ldflags=$1
here=$(cd "$(dirname "$0")" && pwd)
prefix=$work/prefix

step() { echo "== $*"; }

. "$here/../build-against-install.sh"
rf_install_tree
rf_build_against "$here" -DCMAKE_EXE_LINKER_FLAGS="$ldflags"
exe=$work/build/rf_consumer
[ -x "$exe" ] || exe=$work/build/$config/rf_consumer
rf_check_consumer "$exe"

step "pkg-config consumer"
PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
pcdir=$(pkg-config --variable=pcfiledir ringfence)
if [ "$pcdir" != "$prefix/$libdir/pkgconfig" ]; then
	echo "FAIL: pkg-config found ringfence.pc in '$pcdir', not in $prefix/$libdir/pkgconfig" >&2
	exit 1
fi
pc_flags=$(pkg-config --cflags --libs ringfence)
echo "pkg-config --cflags --libs ringfence: $pc_flags"
# shellcheck disable=SC2086 # flags are word lists on purpose
"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror $cflags "$here/main.c" -o "$work/consumer-pc" $pc_flags $ldflags
# A shared libringfence lives in the prefix, not on the loader's path.
LD_LIBRARY_PATH=$(pkg-config --variable=libdir ringfence)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
rf_check_consumer "$work/consumer-pc"

echo "install_consumer: OK ($lib_type)"
