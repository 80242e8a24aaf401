#!/bin/sh
# ctest-expect.sh — runs a command for CTest and passes only if it exits with
# the expected code and its output matches every given pattern. Exit 77
# (rf-soak: a fault this platform cannot inject) is passed through, so
# SKIP_RETURN_CODE marks the test skipped rather than failed, unless 77 is
# what the test expects (a driver that claims none of the modes asked for).
#
#   ctest-expect.sh CODE [-e EXTENDED_REGEX]... -- COMMAND [ARGS...]
set -u
want=$1
shift
patterns=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	[ "$1" = "-e" ] || { echo "ctest-expect.sh: bad argument '$1'" >&2; exit 2; }
	patterns="$patterns$2
"
	shift 2
done
shift
out=$(mktemp "${TMPDIR:-/tmp}/rf-soak-out.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
rc=$?
cat "$out"
[ "$rc" -eq 77 ] && [ "$want" -ne 77 ] && exit 77
if [ "$rc" -ne "$want" ]; then
	echo "ctest-expect.sh: FAIL: exit code $rc, expected $want"
	exit 1
fi
printf '%s' "$patterns" | while IFS= read -r p; do
	[ -n "$p" ] || continue
	if ! grep -Eq -- "$p" "$out"; then
		echo "ctest-expect.sh: FAIL: no output line matches '$p'"
		exit 1
	fi
done || exit 1
echo "ctest-expect.sh: ok (exit $rc as expected)"
