#!/bin/bash
# Exit-code rules of `platbench run` (README, `platbench --help`), each case asserted:
#   0  every experiment this allocation can run is done; platforms it cannot run are
#      recorded "skipped" and listed in the summary with the reason (no failure);
#   2  some experiment failed: in this run, and again on a resume that has nothing left to
#      run because the failed one used up its retries (it is not "done");
#   3  interrupted (tests/runner/signal_test.sh asserts it);
#   1  a usage error of run; other subcommands' usage errors and a missing FILE: 2.
# Under mpiexec, a status of 0 also means no "process returned a non-zero exit code" block.
# usage: exit_codes_test.sh PLATBENCH MPIEXEC WORKDIR        (about 5 s)
set -u
PB=$1 MPIEXEC=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/testlib.sh"
fresh_work "$WORK"
run() { # run LOG ARGS... ; sets rc
    "$MPIEXEC" -n 2 "$PB" run "$@" >"$WORK/$log" 2>&1
    rc=$?
    sed 's/^/    /' "$WORK/$log"
}

# skipped platform only: 0, skipped ones listed with the reason, no MPI abort block
log=skip.log; run "$HERE/skip.cfg" -o "$WORK/skip.h5"
[ "$rc" -eq 0 ]; check "done + skipped platform: exit 0 (got $rc)" $?
grep -q '^platbench: 2 experiments skipped: this allocation cannot run their platform$' "$WORK/$log"
check "summary counts the skipped experiments" $?
grep -q '^platbench:   far: no rank can run it: [^ ]*: not a host matching hosts = ' "$WORK/$log"
check "summary lists the skipped platform with the reason" $?
! grep -qi 'non-zero exit code\|aborted' "$WORK/$log"; check "no mpiexec abort block" $?

# a failing workload (retries = 0): 2 now, and 2 again on a resume with nothing to run
sed -e 's|executable = "/bin/true";|executable = "/bin/false";|' -e 's|name = "skip-test";|name = "fail-test";|' \
    "$HERE/skip.cfg" >"$WORK/fail.cfg"
grep -q /bin/false "$WORK/fail.cfg" || { echo "FAIL: could not make fail.cfg"; exit 1; }
log=fail1.log; run "$WORK/fail.cfg" -o "$WORK/fail.h5"
[ "$rc" -eq 2 ]; check "failed experiments: exit 2 (got $rc)" $?
grep -q '^platbench: some experiments failed' "$WORK/$log"; check "summary says some failed" $?
log=fail2.log; run "$WORK/fail.cfg" -o "$WORK/fail.h5"
[ "$rc" -eq 2 ]; check "resume with only failed (retries used up) left: exit 2 (got $rc)" $?
grep -q '0 to run now' "$WORK/$log" && grep -q '^platbench: 2 experiments failed in earlier runs with every retry used$' "$WORK/$log"
check "resume: nothing rerun, the earlier failures counted in the summary" $?

# the rest of the convention (src/common/exit_codes.h): 2 for bad usage or input, except run,
# whose 2 means failed experiments: a usage error there is 1, never taken for a finished campaign
"$PB" frobnicate >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ]; check "unknown command: exit 2 (got $rc)" $?
"$PB" status "$WORK/no-such.h5" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ]; check "status of a missing file: exit 2 (got $rc)" $?
"$PB" run --bogus "$HERE/skip.cfg" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 1 ]; check "run with an unknown option: exit 1, not run's 2 (got $rc)" $?

finish
