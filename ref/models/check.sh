#!/usr/bin/env bash
# check.sh — runs one spin model and compares its verdict with what is expected.
#
#   check.sh MODEL.pml --expect=pass|fail [-DNAME[=VALUE]...] [--pan=FLAGS] [--run=FLAGS]
#
# Generates pan with `spin -a` (the -D switches choose the size, -DP=2 ...,
# and plant a mutant's flaw), compiles it with cc -O0 (a model's pan.c
# compiles ten times faster so; the searches are short) and -DSAFETY unless
# --pan replaces the flags (e.g. --pan="-DNP" --run="-l" for a non-progress
# cycle check), and runs it with a depth limit (--run, default -m200000).
# It prints pan's figures (states stored, depth, memory, errors) on one
# line. --expect=pass: pan must find no error and not hit the depth limit;
# on an error the replayed trail's tail is printed. --expect=fail: pan must
# find an error and write a trail. Works in a temporary directory that is
# removed on exit; exits 0 when the verdict is the expected one, 1 when
# not, 2 for bad usage or a missing tool.
set -uo pipefail
usage() { sed -n '4,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
model="" expect="" defs=() pan="-DSAFETY" run="-m200000"
for a in "$@"; do
	case $a in
	--expect=pass | --expect=fail) expect=${a#--expect=} ;;
	--pan=*) pan=${a#--pan=} ;;
	--run=*) run=${a#--run=} ;;
	-D*) defs+=("$a") ;;
	-h | --help) usage ;;
	-*) echo "check.sh: unknown option $a" >&2; usage ;;
	*) [[ -z $model ]] || { echo "check.sh: one model only" >&2; usage; }; model=$a ;;
	esac
done
[[ -n $model && -n $expect ]] || usage
[[ -r $model ]] || { echo "check.sh: cannot read $model" >&2; exit 2; }
for t in spin "${CC:-cc}"; do
	command -v "$t" >/dev/null || { echo "check.sh: $t not found" >&2; exit 2; }
done
model=$(readlink -f "$model")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rf-model.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
cp "$model" model.pml
name="$(basename "$model") ${defs[*]}"
if ! spin "${defs[@]}" -a model.pml >spin.out 2>&1; then
	cat spin.out >&2; echo "check.sh: $name: spin -a failed" >&2; exit 2
fi
# shellcheck disable=SC2086 # pan and run are flag lists
if ! "${CC:-cc}" -O0 -w $pan -o pan pan.c >cc.out 2>&1; then
	cat cc.out >&2; echo "check.sh: $name: pan does not compile" >&2; exit 2
fi
# shellcheck disable=SC2086
./pan $run >pan.out 2>&1
errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' pan.out | tail -1)
if [[ -z $errors ]]; then
	cat pan.out >&2; echo "check.sh: $name: no verdict from pan" >&2; exit 1
fi
figures() { # states stored, depth reached, memory
	local st dp mem
	st=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' pan.out | head -1)
	dp=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' pan.out | head -1)
	mem=$(sed -n 's/^ *\([0-9.]*\)[ \t]*total actual memory usage.*/\1/p' pan.out | head -1)
	echo "states=$st depth=$dp memory=${mem}MB errors=$errors"
}
if grep -q 'max search depth too small' pan.out; then
	echo "check.sh: $name: depth limit reached: the search was not exhaustive ($run)" >&2
	[[ $expect == fail && $errors -gt 0 ]] || exit 1
fi
if [[ $expect == pass ]]; then
	if [[ $errors -eq 0 ]]; then
		echo "PASS (as expected) $name: $(figures)"
		exit 0
	fi
	echo "FAIL: $name: expected no error, pan found one:" >&2
	grep -E 'pan:|assertion|invalid end' pan.out | head -5 >&2
	spin -t -p -g -l "${defs[@]}" model.pml 2>&1 | tail -25 >&2
	exit 1
fi
if [[ $errors -gt 0 && -s model.pml.trail ]]; then
	why=$(grep -m1 -E '^pan:[0-9]*:|pan: ' pan.out)
	echo "REJECTED (as expected) $name: $why; $(figures)"
	exit 0
fi
echo "FAIL: $name: expected spin to reject this mutant, it found no error: $(figures)" >&2
exit 1
