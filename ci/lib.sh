# shellcheck shell=bash
# ci/lib.sh — sourced by the ci/ scripts (each defines say() first): what
# they all do the same way. Not a command.
#
#   ci_install PACKAGE...   installs the Debian packages that are missing
#                           (as root; otherwise only says which)
#   ci_platform             the results folder name of this machine:
#                           <os><version>-<arch>-<cpu model>
#   ci_leftovers_before PATH...  before a run, and
#   ci_leftovers PATH...    after it: fails when the run left an rf-* segment
#                           in /dev/shm or a process of PATH (a build tree, or
#                           one program) behind; says which and removes them
#   ci_bench_defaults       the array of rf-bench options of the default
#                           sweep (ci/bench; ci/significance runs the same)
#   ci_bench_procs          the default sweep's P list (2,3,4,8 on 2 CPUs)
#   wine_build DIR [ARGS]   cross-builds the tree for Windows with mingw-w64
#                           and hwloc (ci/mingw-deps) into DIR (ARGS go to cmake)
#   wine_start DIR          a fresh WINEPREFIX in DIR and one persistent
#                           wineserver; stopped by wine_stop on every way out
#   wine_platform           the results folder name of a wine run

# Repetitions run in random order among all the others: a ratio such as
# fenced / unfenced then compares figures taken across the whole run, not two
# moments a minute apart (a shared 2-CPU VM here had one minute at 5 times the
# fence cost of the next), and each row's repetitions are independent draws
# of the machine's states, which rf-compare's tests rely on (its
# OVERALL rows count rows, not repetitions, so 3 a row suffice).
# 0.05 s a repetition is already thousands of rounds for a p50; a row's
# world launch and untimed traffic cost more than that anyway.
ci_bench_defaults=(--benchmark_repetitions=3 --benchmark_min_time=0.05
	--benchmark_enable_random_interleaving=true
	--benchmark_display_aggregates_only=true)

# rf-bench's default P (2, 3, 4 and powers of two up to twice the PUs), and
# at least 8: P = 16 on 2 CPUs (8 processes a CPU) doubled the sweep's time
# and measured the scheduler; ask for it with --rf_procs=2,3,4,8,16
ci_bench_procs() {
	local p=2,3,4 x npus
	npus=$(nproc)
	for ((x = 8; x <= 2 * npus || x <= 8; x *= 2)); do p+=,$x; done
	echo "$p"
}

ci_install() {
	[[ -f /etc/debian_version ]] && command -v dpkg-query >/dev/null || return 0
	local p status missing=()
	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) || status=
		[[ $status == "install ok installed" ]] || missing+=("$p")
	done
	[[ ${#missing[@]} -gt 0 ]] || return 0
	if [[ $(id -u) -ne 0 ]]; then
		say "missing packages: ${missing[*]} (not root: install them yourself)"
		return 0
	fi
	say "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# Lower case, no (R)/(TM), runs of other characters -> '-' (as rfresults.py).
ci_sanitise() { tr '[:upper:]' '[:lower:]' | sed -e 's/([^)]*)//g' -e 's/[^a-z0-9._]\{1,\}/-/g' -e 's/^-//' -e 's/-$//'; }

ci_cpu_model() {
	local cpu
	cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -1)
	echo "${cpu:-$(uname -m)}"
}

ci_os() {
	local os
	os=$( . /etc/os-release 2>/dev/null && echo "${ID:-}${VERSION_ID:-}") || os=
	echo "${os:-$(uname -s)}"
}

ci_platform() { printf '%s-%s-%s' "$(ci_os)" "$(uname -m)" "$(ci_cpu_model)" | ci_sanitise; }

# The revision a result is from; -dirty when a source differs from it.
# results/ is output, not source: a result file just written is not a change
# (bench/CMakeLists.txt applies the same rule to rf-bench's context).
ci_revision() {
	local rev
	rev=$(git rev-parse --short=12 HEAD 2>/dev/null) || { echo unknown; return; }
	[[ -z $(git status --porcelain -- . ":!results" 2>/dev/null) ]] || rev+=-dirty
	echo "$rev"
}

# --- what a run must not leave behind -------------------------------------------
# The project guarantees that no run leaves a ringfence segment or a process
# behind; every script checks it the same way.
ci_segments() { (shopt -s nullglob; for f in /dev/shm/rf-*; do echo "${f##*/}"; done) | sort; }

# Running processes of the PATHs: a program under directory PATH, or the
# program PATH. wine shows a Windows program as its Z:\ path, not as its
# executable. Zombies (state Z) are only unreaped in a container without
# init: not left behind.
ci_processes() {
	local d exe p dir
	{
		for d in /proc/[0-9]*; do
			exe=$(readlink "$d/exe" 2>/dev/null) || continue
			for p in "$@"; do
				if [[ $exe == "$p" || ( -d $p && $exe == "$p"/* ) ]]; then echo "${d#/proc/}"; fi
			done
		done
		for p in "$@"; do
			[[ -d $p ]] || continue
			dir=$(readlink -f "$p")
			# awk -v would read the backslashes as escapes; the environment does not
			ps -eo pid=,stat=,args= | A="$dir/" B="Z:${dir//\//\\}\\" awk '$2 !~ /^Z/ &&
				(index($3, ENVIRON["A"]) == 1 || index($3, ENVIRON["B"]) == 1) && $3 ~ /\.exe$/ {print $1}'
		done
	} | sort -u
}

ci_leftovers_before() {
	ci_segments_before=$(ci_segments)
	ci_processes_before=$(ci_processes "$@")
}

ci_leftovers() {
	local i shm procs s p
	# Workers exit asynchronously after their parent (PR_SET_PDEATHSIG); give
	# them a moment before calling anything a leftover.
	for i in $(seq 20); do
		shm=$(comm -13 <(echo "$ci_segments_before") <(ci_segments))
		procs=$(comm -13 <(echo "$ci_processes_before") <(ci_processes "$@"))
		[[ -n $shm || -n $procs ]] || return 0
		[[ $i -eq 20 ]] || sleep 0.1
	done
	if [[ -n $shm ]]; then
		say "FAIL: the run left shared-memory segments behind:"
		for s in $shm; do ls -l "/dev/shm/$s" || true; done
		for s in $shm; do rm -f "/dev/shm/$s"; done
	fi
	if [[ -n $procs ]]; then
		say "FAIL: the run left processes behind:"
		for p in $procs; do ps -o pid=,ppid=,etime=,args= -p "$p" || true; done
		for p in $procs; do kill -KILL "$p" 2>/dev/null || true; done
	fi
	return 1
}

# --- Windows under wine -------------------------------------------------------
wine_packages=(cmake make pkg-config mingw-w64 wine wine64 dpkg-dev debian-archive-keyring bzip2 xz-utils)

# hwloc for the mingw target is no Debian package: ci/mingw-deps builds it
# (and Google Benchmark) from Debian's sources into this prefix.
wine_deps=$PWD/build/mingw-deps/prefix

wine_build() {
	local dir=$1
	shift
	"$PWD/ci/mingw-deps" "$wine_deps"
	say "$(x86_64-w64-mingw32-gcc-posix --version | head -1); $(wine --version 2>/dev/null)"
	# --fresh: a toolchain file is read only when a cache is made
	cmake --fresh -S . -B "$dir" --toolchain "$PWD/cmake/mingw-w64.cmake" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRF_MINGW_DEPS="$wine_deps" "$@" &&
		cmake --build "$dir" --parallel "$(nproc)"
}

wine_stop() { wineserver -k </dev/null >/dev/null 2>&1 || true; }

wine_start() {
	# One fresh prefix per run, inside the build tree; no Mono/Gecko prompts.
	export WINEPREFIX=$1/wineprefix
	export WINEDEBUG=-all
	export WINEDLLOVERRIDES="mscoree,mshtml="
	unset DISPLAY WAYLAND_DISPLAY
	trap wine_stop EXIT
	trap 'exit 130' INT TERM HUP # through the EXIT trap, so wine stops then too
	wine_stop                    # a server left on the old prefix (an interrupted run)
	rm -rf "$WINEPREFIX"
	mkdir -p "$1" # wine makes the prefix, not the folders above it
	# A persistent wineserver (each test then starts in ~0.06 s). Its
	# processes and wine's services must not hold ctest's output pipe, or
	# ctest waits for them forever: every one starts with stdio on
	# /dev/null, in this order.
	say "creating $WINEPREFIX"
	wineboot -i </dev/null >/dev/null 2>&1
	wineserver -w </dev/null >/dev/null 2>&1
	wineserver -p </dev/null >/dev/null 2>&1
	wine cmd /c exit </dev/null >/dev/null 2>&1
}

# Not a Windows machine: the folder says wine, its version and the host.
wine_platform() {
	printf 'windows-%s-on-%s-%s-%s' "$(wine --version 2>/dev/null || echo wine)" "$(ci_os)" "$(uname -m)" \
		"$(ci_cpu_model)" | ci_sanitise
}

# --- other Linux architectures under qemu-user ---------------------------------
#   cross_setup ARCH        arm64, armhf or s390x: installs the cross compilers
#                           and qemu-user, registers qemu with binfmt_misc, unpacks
#                           the target's hwloc and C library (Debian's packages
#                           for ARCH) into cross_deps, exports QEMU_LD_PREFIX;
#                           sets cross_triplet, cross_qemu, cross_machine (as
#                           uname -m, or armhf), cross_deps, cross_hwloc (which
#                           hwloc the build places with). 2 on an
#                           unknown ARCH, 1 when it cannot be set up.
#   cross_build DIR [ARGS]  cross-builds the tree into DIR (ARGS go to cmake)
#   cross_platform          the results folder name of a qemu run
#   cross_leftovers_before DIR, cross_leftovers DIR   as ci_leftovers, and
#                           also emulated processes of DIR (their executable is
#                           qemu's, so only their command line names DIR)
cross_setup() {
	local arch=$1 d
	case $arch in
	arm64) cross_triplet=aarch64-linux-gnu cross_qemu=aarch64 cross_machine=aarch64 ;;
	armhf) cross_triplet=arm-linux-gnueabihf cross_qemu=arm cross_machine=armhf ;;
	s390x) cross_triplet=s390x-linux-gnu cross_qemu=s390x cross_machine=s390x ;;
	*) say "unknown architecture '$arch' (arm64, armhf or s390x)"; return 2 ;;
	esac
	cross_arch=$arch
	ci_install cmake make pkg-config dpkg-dev qemu-user-static binfmt-support \
		"gcc-$cross_triplet" "g++-$cross_triplet"
	# binfmt_misc: a foreign executable started by exec (the tests' workers
	# re-execute themselves) runs under qemu
	if [[ $(id -u) -eq 0 ]]; then
		[[ -e /proc/sys/fs/binfmt_misc/register ]] ||
			mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
		update-binfmts --enable "qemu-$cross_qemu" || true
	fi
	if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-$cross_qemu ]]; then
		say "FAIL: qemu-$cross_qemu is not registered with binfmt_misc (update-binfmts --enable qemu-$cross_qemu, as root)"
		return 1
	fi
	# The target's hwloc, and the C library the programs run with (see
	# cmake/toolchains/linux-cross.cmake): unpacked, not installed.
	cross_deps=$PWD/build/cross-deps/$arch
	local debs=(libc6 libgcc-s1 libstdc++6 libcap2 libudev1 libhwloc15 libhwloc-dev)
	if [[ ! -e $cross_deps/.done ]]; then
		if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
			[[ $(id -u) -eq 0 ]] || { say "FAIL: no $arch package index (dpkg --add-architecture $arch, as root)"; return 1; }
			dpkg --add-architecture "$arch"
		fi
		rm -rf "$cross_deps" && mkdir -p "$cross_deps/debs"
		(cd "$cross_deps/debs" && apt-get download -q "${debs[@]/%/:$arch}" </dev/null 2>/dev/null) || {
			DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
			(cd "$cross_deps/debs" && apt-get download -q "${debs[@]/%/:$arch}" </dev/null)
		} || return 1
		for d in "$cross_deps"/debs/*.deb; do dpkg -x "$d" "$cross_deps"; done
		touch "$cross_deps/.done"
	fi
	# Workers re-executed through binfmt_misc find the target's loader and
	# libraries here, as the emulator ctest starts does (-L).
	export QEMU_LD_PREFIX=$cross_deps
	cross_hwloc="hwloc $(sed -n 's/^Version: //p' "$cross_deps/usr/lib/$cross_triplet/pkgconfig/hwloc.pc") from Debian's $arch packages"
	say "$("$cross_triplet-gcc" --version | head -1); $("qemu-$cross_qemu-static" --version | head -1); $cross_hwloc"
}

cross_build() {
	local dir=$1
	shift
	# --fresh: a toolchain file is read only when a cache is made
	cmake --fresh -S . -B "$dir" --toolchain "$PWD/cmake/toolchains/$cross_arch.cmake" \
		-DRF_CROSS_DEPS="$cross_deps" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRF_BUILD_BENCH=OFF "$@" >/dev/null &&
		nice cmake --build "$dir" --parallel 2
}

# Not this machine's architecture: the folder says qemu, its version and the host.
cross_platform() {
	local v
	v=$("qemu-$cross_qemu-static" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
	printf '%s-%s-qemu-%s-on-%s-%s' "$(ci_os)" "$cross_machine" \
		"${v:-user}" "$(uname -m)" "$(ci_cpu_model)" | ci_sanitise
}

# qemu-user processes running a program of DIR (not zombies: see ci_processes).
cross_processes() {
	ps -eo pid=,stat=,args= | D="$(readlink -f "$1")/" awk '$2 !~ /^Z/ && $3 ~ /qemu/ &&
		index($0, ENVIRON["D"]) {print $1}' | sort
}

cross_leftovers_before() {
	ci_leftovers_before "$1"
	cross_processes_before=$(cross_processes "$1")
}

cross_leftovers() {
	local rc=0 i procs p
	ci_leftovers "$1" || rc=1
	for i in $(seq 20); do
		procs=$(comm -13 <(echo "$cross_processes_before") <(cross_processes "$1"))
		[[ -n $procs ]] || return "$rc"
		[[ $i -eq 20 ]] || sleep 0.1
	done
	say "FAIL: the run left emulated processes behind:"
	for p in $procs; do ps -o pid=,ppid=,etime=,args= -p "$p" || true; done
	for p in $procs; do kill -KILL "$p" 2>/dev/null || true; done
	return 1
}
