#!/bin/sh
# CTest drivers_mpi.kill: one rank of `mpirun -n 3 test_drivers mpi "" kill`
# kills itself (SIGKILL) after open. What MPI guarantees (Open MPI 4, errors
# fatal by default): no error code reaches the survivors; mpirun sees the rank
# die and ends the whole job. So: mpirun must exit non-zero, soon, saying a
# rank was killed, and leave no process of the job and no segment of its own
# in /dev/shm behind. Arguments: MPIEXEC TEST_DRIVERS
set -u
if [ $# -ne 2 ]; then
	echo "usage: mpi_kill.sh MPIEXEC TEST_DRIVERS" >&2
	exit 2
fi
mpiexec=$1 td=$2
# A marker in the environment tells this job's processes from any other's.
marker=rf_mpi_kill_$$
before=$(ls /dev/shm)
start=$(date +%s)
out=$(env RF_MPI_KILL_MARKER=$marker timeout 60 "$mpiexec" -n 3 --oversubscribe \
	-x RF_MPI_KILL_MARKER "$td" mpi "" kill 2>&1)
rc=$?
took=$(($(date +%s) - start))
echo "$out"
echo "mpirun exit $rc after ${took}s"
fail=0
if [ $rc -eq 0 ] || [ $rc -eq 124 ]; then
	echo "FAIL: mpirun exited $rc: the job was expected to be aborted, not to pass or hang" >&2
	fail=1
fi
case "$out" in
*"signal 9"* | *"Killed"* | *"killed"*) ;;
*)
	echo "FAIL: mpirun's output does not say a rank was killed" >&2
	fail=1
	;;
esac
sleep 1
left=$(grep -l "RF_MPI_KILL_MARKER=$marker" /proc/[0-9]*/environ 2>/dev/null | wc -l)
if [ "$left" -ne 0 ]; then
	echo "FAIL: $left processes of the job outlived it" >&2
	fail=1
fi
new=$(ls /dev/shm | grep -vxF "$before" | grep -E '^(vader|rf-)' || true)
if [ -n "$new" ]; then
	echo "FAIL: left in /dev/shm: $new" >&2
	fail=1
fi
[ $fail -eq 0 ] && echo "drivers_mpi.kill: OK"
exit $fail
