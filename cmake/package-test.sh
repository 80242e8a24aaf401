#!/bin/sh
# CTest package_deb (cmake/package.cmake): `cpack -G DEB` of this build tree
# into a scratch folder, the package's name, version and Depends checked,
# `dpkg -x` into a scratch root, then from that root: rf-bench --version
# (when built), rf-soak --version, rf-clean --version, rf-report --help and
# --version, rf-compare --version, one baseline/mpi_barrier row (its helper
# found in libexec, where it is packaged), and cmake/consumer built against the
# unpacked prefix and run. The scratch folder is removed on every exit.
# Exit 77 (skipped) without cpack, dpkg-deb or dpkg-shlibdeps (dpkg-dev).
#   BUILD_DIR WORK_DIR CONFIG VERSION LIBDIR CPACK CMAKE GENERATOR CC CFLAGS HAVE_BENCH
set -eu

if [ $# -ne 11 ]; then
	echo "usage: package-test.sh BUILD_DIR WORK_DIR CONFIG VERSION LIBDIR CPACK CMAKE GENERATOR CC CFLAGS HAVE_BENCH" >&2
	exit 2
fi
build_dir=$1 work=$2 config=$3 version=$4 libdir=$5 cpack=$6 cmake=$7 generator=$8 cc=$9
shift 9
cflags=$1 have_bench=$2
here=$(cd "$(dirname "$0")" && pwd)

for tool in "$cpack" dpkg-deb dpkg-shlibdeps; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (Debian: dpkg-dev for dpkg-shlibdeps, cmake for cpack)"
		exit 77
	fi
done

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP # through the EXIT trap
rm -rf "$work"
mkdir -p "$work"

echo "== cpack -G DEB from $build_dir"
if ! "$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -C "$config" -B "$work/pkg" >"$work/cpack.log" 2>&1; then
	cat "$work/cpack.log"
	fail "cpack -G DEB failed"
fi
set -- "$work"/pkg/*.deb
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	fail "cpack made no single .deb: $*"
fi
deb=$1
echo "$deb"
field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = ringfence ] || fail "Package is '$(field Package)', not ringfence"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', not $version"
depends=$(field Depends)
echo "Depends: $depends"
echo "Recommends: $(field Recommends)"
# from dpkg-shlibdeps: every program links the C library
case "$depends" in
*libc6*) ;;
*) fail "Depends names no libc6: the shared-library dependencies were not computed" ;;
esac
case "$(field Recommends)" in
*python3-matplotlib*) ;;
*) fail "Recommends lacks python3-matplotlib" ;;
esac

echo "== dpkg -x into a scratch root"
root=$work/root
dpkg-deb -x "$deb" "$root"
prefix=$root/usr
bin=$prefix/bin
# a shared libringfence lives in the unpacked prefix, not on the loader's path
LD_LIBRARY_PATH=$prefix/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH

# Runs "$@" from the unpacked root; its first output line must match the
# pattern $pattern (a shell case pattern).
expect_line() {
	pattern=$1
	shift
	out=$("$@" </dev/null) || fail "$* exited $?"
	line=$(printf '%s\n' "$out" | head -1)
	echo "$*: $line"
	# shellcheck disable=SC2254 # the pattern is a pattern
	case "$line" in
	$pattern) ;;
	*) fail "$*: '$line' is not '$pattern'" ;;
	esac
}
tools="rf-soak rf-clean rf-report rf-compare"
[ "$have_bench" = 1 ] && tools="rf-bench $tools"
for t in $tools; do
	expect_line "$t $version (revision ?*)" "$bin/$t" --version
done
expect_line "rf-report *" "$bin/rf-report" --help
# one revision for all: the one rf-bench's context carries
revs=$(for t in $tools; do "$bin/$t" --version | sed 's/.*(revision \(.*\))$/\1/'; done | sort -u)
[ "$(printf '%s\n' "$revs" | wc -l)" -eq 1 ] || fail "the tools name different revisions: $revs"

# baseline/mpi_barrier from the unpacked root: where this build has the MPI
# helper it is packaged, and rf-bench finds it in libexec/ringfence from its
# own location (not the build tree's)
if [ "$have_bench" = 1 ] && [ -x "$build_dir/bench/rf-bench-mpi" ]; then
	[ -x "$prefix/libexec/ringfence/rf-bench-mpi" ] ||
		fail "rf-bench-mpi is built but not packaged (libexec/ringfence)"
	out=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$bin/rf-bench" --rf_procs=2 \
		--benchmark_filter='^baseline/mpi_barrier/procs:2/' --benchmark_min_time=0.01 2>&1 </dev/null) ||
		fail "rf-bench's MPI baseline from the unpacked root: $out"
	case "$out" in
	*"ERROR OCCURRED"*) fail "rf-bench's MPI baseline from the unpacked root failed: $out" ;;
	*"baseline/mpi_barrier/procs:2/manual_time "*" ns "*) echo "baseline/mpi_barrier from the unpacked root: OK" ;;
	*) fail "rf-bench's MPI baseline from the unpacked root gave no row: $out" ;;
	esac
fi

echo "== a consumer against the unpacked prefix"
. "$here/build-against-install.sh"
rf_build_against "$here/consumer"
exe=$work/build/rf_consumer
[ -x "$exe" ] || exe=$work/build/$config/rf_consumer
rf_check_consumer "$exe"

echo "package_deb: OK ($deb)"
