#!/bin/sh
# CTest helper: expect_exit.sh CODE REGEX COMMAND [ARGS...]
# Runs COMMAND and passes only when it exits with CODE and its output (stdout
# and stderr) matches the extended REGEX: a refusal must be the clear one,
# not a crash or a hang (CTest's TIMEOUT bounds the run).
set -u
if [ $# -lt 3 ]; then
	echo "usage: expect_exit.sh CODE REGEX COMMAND [ARGS...]" >&2
	exit 2
fi
want=$1 regex=$2
shift 2
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne "$want" ]; then
	echo "expect_exit: exit status $rc, expected $want" >&2
	exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
	echo "expect_exit: no output line matches: $regex" >&2
	exit 1
fi
echo "expect_exit: exit $rc and the message, as expected"
