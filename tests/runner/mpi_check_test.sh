#!/bin/sh
# A failed MPI call under MPI_CHECK: one line naming the call, file:line and MPI's reason,
# the cleanup ran, non-zero exit, nothing after the failure.   (about 1 s)
# usage: mpi_check_test.sh TEST_MPI_CHECK MPIEXEC WORKDIR
T=$1 MPIEXEC=$2 WORK=$3
. "$(dirname "$0")/../common/testlib.sh"
fresh_work "$WORK"
run_logged "$WORK/out.log" "$MPIEXEC" -n 1 "$T" "$WORK/cleanup-ran"
[ "$rc" -ne 0 ]; check "non-zero exit (got $rc)" $?
grep -Eq '^platbench: rank 0: MPI_Send\(&v, 1, MPI_INT, size \+ 7, 0, MPI_COMM_WORLD\) failed at .*test_mpi_check\.c:[0-9]+: .*rank' "$WORK/out.log"
check "one line: the call, file:line and MPI_Error_string" $?
[ -e "$WORK/cleanup-ran" ]; check "the registered cleanup ran before the abort" $?
! grep -q 'still running' "$WORK/out.log"; check "nothing ran after the failed call" $?
finish
