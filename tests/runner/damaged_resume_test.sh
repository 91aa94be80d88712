#!/bin/bash
# Resuming a results file whose resume_count attribute is damaged (1000 ints instead of one:
# it was read into one int, past the end): the run refuses with one line naming the file and
# the attribute, exit 1, no crash, and the file is left as it was.   (about 5 s)
# usage: damaged_resume_test.sh PLATBENCH MPIEXEC WORKDIR
set -u
PB=$1 MPIEXEC=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/testlib.sh"
fresh_work "$WORK"
sed -e "s|\.\./\.\./jobs|$HERE/../../jobs|" -e "s|tests = 3;|tests = 1;|" "$HERE/small.cfg" >"$WORK/c.cfg"
"$MPIEXEC" -n 1 "$PB" run "$WORK/c.cfg" -o "$WORK/r.h5" >"$WORK/run1.log" 2>&1 || { cat "$WORK/run1.log"; echo "FAIL: first run"; exit 1; }
/usr/bin/python3 - "$WORK/r.h5" <<'PY' || exit 1
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    del f.attrs["resume_count"]
    f.attrs.create("resume_count", np.arange(1000, dtype="i4"))
PY
sum=$(md5sum <"$WORK/r.h5")
run_logged "$WORK/run2.log" "$MPIEXEC" -n 2 "$PB" run "$WORK/c.cfg" -o "$WORK/r.h5"
[ "$rc" -eq 1 ]; check "exit 1 (got $rc)" $?
grep -q "^platbench: $WORK/r.h5: damaged: attribute \"resume_count\": .*expected one integer" "$WORK/run2.log"
check "one line naming the file and the attribute" $?
! grep -q 'HDF5-DIAG\|Segmentation\|signal' "$WORK/run2.log"; check "no crash, no HDF5 stack" $?
[ "$(md5sum <"$WORK/r.h5")" = "$sum" ]; check "the file is left as it was" $?
finish
