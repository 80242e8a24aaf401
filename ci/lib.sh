# ci/lib.sh — sourced by the ci/ scripts (each defines say() first): what
# they all do the same way. Not a command.
#
#   ci_install PACKAGE...   installs the Debian packages that are missing
#                           (as root; otherwise only says which)
#   ci_platform             the results folder name of this machine:
#                           <os><version>-<arch>-<cpu model>
#   wine_build DIR [ARGS]   cross-builds the tree for Windows with mingw-w64
#                           and hwloc (ci/mingw-deps) into DIR (ARGS go to cmake)
#   wine_start DIR          a fresh WINEPREFIX in DIR and one persistent
#                           wineserver; stopped by wine_stop on every way out
#   wine_left DIR           test programs of DIR still running (orphans)
#   wine_platform           the results folder name of a wine run

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

# Programs of build tree DIR still running: wine shows a Windows process
# as its Z:\ path. Zombies (state Z) are only unreaped in a container
# without init: not orphans.
wine_left() {
	local dir
	dir=$(readlink -f "$1")
	# awk -v would read the backslashes as escapes; the environment does not
	ps -eo pid=,stat=,args= | A="$dir/" B="Z:${dir//\//\\}\\" awk '$2 !~ /^Z/ &&
		(index($3, ENVIRON["A"]) == 1 || index($3, ENVIRON["B"]) == 1) && $3 ~ /\.exe$/' || true
}

# Not a Windows machine: the folder says wine, its version and the host.
wine_platform() {
	printf 'windows-%s-on-%s-%s-%s' "$(wine --version 2>/dev/null || echo wine)" "$(ci_os)" "$(uname -m)" \
		"$(ci_cpu_model)" | ci_sanitise
}
