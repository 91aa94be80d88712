#!/bin/bash
# The runner ingesting a damaged workload result file (src/runner/workresult.c): the stand-in
# workload writes RESULT.h5 and then damages it (whole, truncated, all zeros, flipped
# metadata bytes: tests/runner/damaged.cfg). The runner must not crash and must not print
# HDF5's error stack; each damaged result makes its experiment "failed" with a one-line
# error naming the file and what is damaged; the whole one is "done"; run exits 2.
# usage: damaged_result_test.sh PLATBENCH MPIEXEC FAKE_WORKLOAD WORKDIR      (about 3 s)
set -u
PB=$1 MPIEXEC=$2 FAKE=$3 WORK=$4
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/testlib.sh"
fresh_work "$WORK"
mkdir "$WORK/data" || exit 1
touch "$WORK/model.cfg"
sed -e "s|@EXE@|$FAKE|" -e "s|@MODEL@|$WORK/model.cfg|" -e "s|@DATA@|$WORK/data|" "$HERE/damaged.cfg" >"$WORK/c.cfg"
run_logged "$WORK/run.log" "$MPIEXEC" -n 1 "$PB" run "$WORK/c.cfg" -o "$WORK/r.h5"
[ "$rc" -eq 2 ]; check "run exits 2 (three experiments failed), got $rc" $?
! grep -q 'HDF5-DIAG\|#0[0-9][0-9]: ' "$WORK/run.log"; check "no HDF5 error stack in the runner's output" $?
/usr/bin/python3 - "$WORK/r.h5" <<'PY'
import sys, h5py
rows = h5py.File(sys.argv[1], "r")["experiments"][()]
want = {0: (b"done", None), 1: (b"failed", (b"truncated file",)), 2: (b"failed", (b"not an HDF5 file",)),
        3: (b"failed", (b"damaged: ", b"cannot open as HDF5 ("))}  # flipped: an object or the root header
bad = 0
for r in rows:
    st, err = r["status"].rstrip(b"\0"), r["error"].rstrip(b"\0")
    ws, we = want[int(r["test"])]
    ok = st == ws and (we is None or (any(w.lower() in err.lower() for w in we) and b"result.h5" in err
                                      and b"\n" not in err))
    print(("ok  " if ok else "FAIL"), int(r["test"]), st.decode(), err.decode())
    bad += not ok
sys.exit(1 if bad else 0)
PY
check "each damaged result: failed, one line naming the file and the damage" $?
finish
