#!/bin/bash
# The campaign killed with SIGKILL (mpiexec's whole process group) early (before the file is in
# place), mid (1 of 6 done) and late (4 done), each time resumed by the next run, then finished:
# the file must open after every kill; in the end every experiment is present exactly once, done.
# usage: crash_resume.sh PLATBENCH MPIEXEC WORKDIR
set -u
PB=$1 MPIEXEC=$2 WORK=$3
. "$(dirname "$0")/lib.sh" # fresh $WORK, $OUT, $WORK/long.cfg, $HERE
done_count() { # experiments done so far (0 if the file is not there yet)
  [ -e "$OUT" ] || { echo 0; return; }
  "$PB" status "$OUT" 2>/dev/null | awk '$1 == "TOTAL" {print $2}'
}
# kill points: early (0.4 s: before the file is in place), mid (1 done), late (4 done)
for point in early 1 4; do
  setsid "$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" >> "$WORK/run.log" 2>&1 &
  pid=$!
  if [ $point = early ]; then
    sleep 0.4
  else
    for _ in $(seq 600); do [ "$(done_count)" -ge $point ] && break; sleep 0.05; done
  fi
  kill -KILL -- -"$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "killed at point $point with $(done_count) done"
  # ranks die with mpiexec (PR_SET_PDEATHSIG); make sure none is left writing the file
  for _ in $(seq 100); do pgrep -f -- "-o $OUT" > /dev/null || break; sleep 0.1; done
  if pgrep -f -- "-o $OUT" > /dev/null; then echo "FAIL: ranks survived mpiexec's SIGKILL"; exit 1; fi
  sleep 1.5 # experiments run in their own process groups: let orphaned ones finish
  if [ -e "$OUT" ]; then
    /usr/bin/python3 "$HERE/check_results.py" "$OUT" --partial || { echo "FAIL: file does not open after SIGKILL at point $point"; exit 1; }
    "$PB" status "$OUT" || { echo "FAIL: status after SIGKILL at point $point"; exit 1; }
  elif [ $point != early ]; then
    echo "FAIL: no results file at point $point"; exit 1
  else
    echo "(killed before the file was in place)"
  fi
done
resume_completes final.log
echo PASS
