#!/bin/bash
# SIGTERM mid-campaign: (a) to mpiexec (it forwards to every rank), (b) to rank 0 only (rank 0
# must tell the others). Each time: in-flight rows "interrupted", state "interrupted", no row left
# "running"; (b) exits 3 (RUN_EXIT_INTERRUPTED); a resume then completes everything.
# usage: signal_test.sh PLATBENCH MPIEXEC WORKDIR
set -u
PB=$1 MPIEXEC=$2 WORK=$3
. "$(dirname "$0")/lib.sh" # fresh $WORK, $OUT, $WORK/long.cfg, $HERE
check_interrupted() {
  /usr/bin/python3 - "$OUT" <<'PY' || exit 1
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    st = [s.decode() for s in f["experiments"]["status"]]
    state = f.attrs["state"].decode()
print("statuses", st, "state", state)
bad = []
if state != "interrupted": bad.append("state " + state)
if "running" in st: bad.append("a row is left running")
if "interrupted" not in st: bad.append("no interrupted row")
if bad: print("FAIL:", bad); sys.exit(1)
PY
}
wait_for_done() { # until at least one experiment is done (max 30 s)
  for _ in $(seq 300); do
    [ -e "$OUT" ] && "$PB" status "$OUT" 2>/dev/null | grep -Eq '^TOTAL +[1-9]' && return 0
    sleep 0.1
  done
  echo "FAIL: nothing finished in 30 s"; exit 1
}
# (a) SIGTERM to mpiexec
"$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/a.log" 2>&1 &
pid=$!
wait_for_done
sleep 0.3
kill -TERM "$pid"
wait "$pid"
echo "mpiexec exit status after SIGTERM: $?"
cat "$WORK/a.log"
check_interrupted
# resume, and (b) SIGTERM to rank 0 only, after one more experiment finished
rm -rf "$OUT" "$OUT.d"
"$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/b.log" 2>&1 &
pid=$!
wait_for_done
sleep 0.3
rank0=$(pgrep -P "$pid" -x platbench | sort -n | head -1)
[ -n "$rank0" ] || { echo "FAIL: no rank process found"; exit 1; }
# the rank printing progress is rank 0: find it by its open results file is overkill; rank 0
# is the one whose MPI rank env says so
for p in $(pgrep -P "$pid" -x platbench); do
  if tr '\0' '\n' < /proc/$p/environ | grep -qx 'OMPI_COMM_WORLD_RANK=0'; then rank0=$p; fi
done
kill -TERM "$rank0"
wait "$pid"
rc=$?
cat "$WORK/b.log"
[ $rc -eq 3 ] || { echo "FAIL: exit status $rc after SIGTERM to rank 0, expected 3"; exit 1; }
check_interrupted
resume_completes resume.log
echo PASS
