#!/bin/bash
# Timeout: the experiment is killed (whole process group, grandchild included), recorded
# "failed" with signal 15 and a timeout error, retried once (attempt 2), run exits 2.
# usage: timeout_test.sh PLATBENCH MPIEXEC WORKDIR
set -u
PB=$1 MPIEXEC=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
"$MPIEXEC" -n 1 "$PB" run "$HERE/timeout.cfg" -o "$WORK/t.h5" > run.log 2>&1
rc=$?
cat run.log
[ $rc -eq 2 ] || { echo "FAIL: exit status $rc, expected 2 (finished with failures)"; exit 1; }
[ "$(wc -l < grandchildren.txt)" -eq 2 ] || { echo "FAIL: expected 2 attempts to start"; exit 1; }
for p in $(cat grandchildren.txt); do
  if kill -0 "$p" 2>/dev/null; then echo "FAIL: grandchild $p survived the timeout"; kill -KILL "$p"; exit 1; fi
done
/usr/bin/python3 - t.h5 <<'PY' || exit 1
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    r = f["experiments"][0]
print({k: r[k] for k in ["status", "attempt", "signal", "exit_code", "wall_s", "error"]})
ok = (r["status"] == b"failed" and r["attempt"] == 2 and r["signal"] == 15 and r["exit_code"] == -1
      and b"timeout" in r["error"] and 0.9 < r["wall_s"] < 5)
sys.exit(0 if ok else 1)
PY
echo PASS
