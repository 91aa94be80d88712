#!/bin/bash
# A small real campaign (platbench-cnn, tiny model, bare platforms) on N ranks, then the
# results file checked by an independent reader; status and report must work on it.
# usage: campaign_test.sh PLATBENCH MPIEXEC NRANKS WORKDIR
set -u
PB=$1 MPIEXEC=$2 N=$3 WORK=$4
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
OUT=$WORK/results.h5
"$MPIEXEC" -n "$N" "$PB" run "$HERE/small.cfg" -o "$OUT" > "$WORK/run.log" 2>&1
rc=$?
cat "$WORK/run.log"
[ $rc -eq 0 ] || { echo "FAIL: platbench run exited $rc, expected 0"; exit 1; }
grep -q '^\[6/6\]' "$WORK/run.log" || { echo "FAIL: no progress line [6/6]"; exit 1; }
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks "$N" || exit 1
"$PB" status "$OUT" > "$WORK/status.txt" || { echo "FAIL: status"; exit 1; }
cat "$WORK/status.txt"
grep -Eq '^TOTAL +6 +0 +0 +0 +0 +0 +0$' "$WORK/status.txt" || { echo "FAIL: status counts"; exit 1; }
"$PB" report "$OUT" > "$WORK/report.txt" || { echo "FAIL: report"; exit 1; }
cat "$WORK/report.txt"
if [ "$N" -le "$(nproc)" ]; then
  grep -Eq '^bare-b +3 +0 .* [0-9.]+ +[0-9.]+$' "$WORK/report.txt" || { echo "FAIL: report summary lacks bare-b relative times"; exit 1; }
else # more ranks than CPUs (allow_oversubscribe in small.cfg): flagged, no ratios from them
  grep -q '^OVERSUBSCRIBED: 6 done runs' "$WORK/report.txt" || { echo "FAIL: report does not flag the oversubscribed runs"; exit 1; }
fi
# a second run into the complete file runs nothing and duplicates nothing
"$MPIEXEC" -n "$N" "$PB" run "$HERE/small.cfg" -o "$OUT" > "$WORK/rerun.log" 2>&1 || { cat "$WORK/rerun.log"; echo "FAIL: rerun"; exit 1; }
grep -q '0 to run now, 6 finished before' "$WORK/rerun.log" || { cat "$WORK/rerun.log"; echo "FAIL: rerun ran something"; exit 1; }
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks "$N" || exit 1
echo PASS
