#!/bin/bash
# Host placement: a platform whose `hosts` pattern matches no rank's node has its experiments
# recorded "skipped" with the reason (run exits 0: skipped is no failure); the others run. Resume guard: the same
# campaign with a changed seed is refused naming the change (exit 1); --force-resume proceeds.
# usage: hosts_resume_test.sh PLATBENCH MPIEXEC WORKDIR
set -u
PB=$1 MPIEXEC=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
OUT=$WORK/r.h5
"$MPIEXEC" -n 2 "$PB" run "$HERE/skip.cfg" -o "$OUT" > "$WORK/1.log" 2>&1
rc=$?
cat "$WORK/1.log"
[ $rc -eq 0 ] || { echo "FAIL: exit $rc, expected 0 (done + skipped experiments)"; exit 1; }
grep -q 'platform far skipped: no rank can run it: [^ ]*: not a host matching hosts = "no-such-node\[1-2\]"' "$WORK/1.log" || { echo "FAIL: skip reason not printed"; exit 1; }
"$PB" status "$OUT" > "$WORK/status.txt"
rc=$?
cat "$WORK/status.txt"
[ $rc -eq 0 ] || { echo "FAIL: status exit $rc, expected 0"; exit 1; }
grep -Eq '^bare +2 +0 +0 +0 +0 +0 +0$' "$WORK/status.txt" || { echo "FAIL: bare not done"; exit 1; }
grep -Eq '^far +0 +0 +0 +0 +0 +2 +0$' "$WORK/status.txt" || { echo "FAIL: far not skipped"; exit 1; }
grep -q 'skipped: no rank can run it' "$WORK/status.txt" || { echo "FAIL: no reason in the rows"; exit 1; }
sed 's/base = 1;/base = 2;/' "$HERE/skip.cfg" > "$WORK/changed.cfg"
"$MPIEXEC" -n 1 "$PB" run "$WORK/changed.cfg" -o "$OUT" > "$WORK/2.log" 2>&1
rc=$?
cat "$WORK/2.log"
[ $rc -eq 1 ] || { echo "FAIL: changed config: exit $rc, expected 1 (refused)"; exit 1; }
grep -q 'was: seed.base = 1' "$WORK/2.log" && grep -q 'now: seed.base = 2' "$WORK/2.log" || { echo "FAIL: refusal does not name the change"; exit 1; }
"$MPIEXEC" -n 1 "$PB" run "$WORK/changed.cfg" -o "$OUT" --force-resume > "$WORK/3.log" 2>&1
rc=$?
cat "$WORK/3.log"
[ $rc -eq 0 ] || { echo "FAIL: --force-resume: exit $rc, expected 0"; exit 1; }
grep -q '0 to run now, 2 finished before, 2 skipped' "$WORK/3.log" || { echo "FAIL: force-resume reran done experiments"; exit 1; }
/usr/bin/python3 -c "
import h5py,sys; f=h5py.File('$OUT','r'); sys.exit(0 if 'resume1_config_hash' in f.attrs and f.attrs['resume_count']==1 else 1)" || { echo "FAIL: resume attributes"; exit 1; }
echo PASS
