#!/bin/sh
# mpi-leftovers.sh — runs an mpirun command line for CTest, then fails if a
# rank it named ("rf-soak: rank N is pid X") outlived the job, or a segment
# of its run ("run NAME" on rank 0's first line) is left in /dev/shm.
# Otherwise it ends with mpirun's own exit code (for ctest-expect.sh).
#
#   mpi-leftovers.sh MPIRUN [ARGS...]
set -u
out=$(mktemp "${TMPDIR:-/tmp}/rf-soak-mpi.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
rc=$?
cat "$out"
pids=$(sed -n 's/.*rf-soak: rank [0-9]* is pid \([0-9][0-9]*\).*/\1/p' "$out")
run=$(sed -n 's/.*under mpirun: [0-9]* ranks, run \([A-Za-z0-9._-]*\).*/\1/p' "$out" | head -n 1)
if [ -z "$pids" ] || [ -z "$run" ]; then
	echo "mpi-leftovers.sh: FAIL: the ranks did not say their pids and run name"
	exit 1
fi
# mpirun may return while the ranks it killed are still dying (seen under
# heavy load): they get a bounded 10 s, and a zombie no longer runs.
running() {
	kill -0 "$1" 2>/dev/null || return 1
	state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ "$state" != "Z" ]
}
left=
for i in $(seq 50); do
	left=
	for p in $pids; do
		running "$p" && left="$left $p"
	done
	[ -z "$left" ] && break
	sleep 0.2
done
if [ -n "$left" ]; then
	echo "mpi-leftovers.sh: FAIL: rank process(es)$left outlived the job"
	exit 1
fi
if ls /dev/shm 2>/dev/null | grep -F -- "$run" >/dev/null; then
	echo "mpi-leftovers.sh: FAIL: a segment of run $run is left in /dev/shm"
	exit 1
fi
echo "mpi-leftovers.sh: no rank and no segment left (mpirun exit $rc)"
exit "$rc"
