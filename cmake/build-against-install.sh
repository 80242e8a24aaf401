# Sourced by the tests that build a project against the installed package
# (cmake/consumer/run.sh, cmake/package-test.sh, ref/drivers/example/run.sh),
# as its users would.
# Expects build_dir, work, config, cmake, generator, cc, cflags, prefix, and
# optionally build_type (the project's CMAKE_BUILD_TYPE; default: config).

# Installs the build tree into $prefix, after clearing $work.
rf_install_tree() {
	rm -rf "$work"
	mkdir -p "$work"
	echo "== install $build_dir into $prefix"
	if [ -n "$config" ]; then
		"$cmake" --install "$build_dir" --prefix "$prefix" --config "$config" >/dev/null
	else
		"$cmake" --install "$build_dir" --prefix "$prefix" >/dev/null
	fi
}

# Configures and builds project $1 in $work/build against $prefix only (no
# user or system package registry may satisfy find_package), with the extra
# cache settings given after it; fails unless ringfence was found there.
rf_build_against() {
	project=$1
	shift
	echo "== build $project against it"
	"$cmake" -S "$project" -B "$work/build" -G "$generator" \
		-DCMAKE_BUILD_TYPE="${build_type-$config}" \
		-DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_C_FLAGS="$cflags" \
		-DCMAKE_PREFIX_PATH="$prefix" \
		-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
		"$@"
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
}

# Runs cmake/consumer's program $1; fails unless it printed what it prints
# when the library works (its barrier's RF_EMODE check).
rf_check_consumer() {
	out=$("$1")
	echo "$out"
	case "$out" in
	"ringfence consumer: RF_EMODE: "?*) ;;
	*)
		echo "FAIL: unexpected output from the consumer $1" >&2
		exit 1
		;;
	esac
}
