#!/bin/bash
# Trustworthy timings (issue 18) on the bare platform, real platbench-cnn:
#  - plan and run refuse an oversubscribed campaign (more ranks than CPUs; threads > set)
#    and write nothing; allowed by allow_oversubscribe = true, every row is flagged and the
#    report marks the rows and leaves them out of the time ratios;
#  - 2 ranks (launcher binding, then --bind-to none: the runner's split): each experiment's
#    CPU list is disjoint from its co-runners', threads = cpus_seen = the set's size, and the
#    co-runner relation is symmetric;
#  - exclusive = true: never two experiments at once on the host.
# usage: cpuset_test.sh PLATBENCH MPIEXEC WORKDIR   (about 15 s)
set -u
PB=$1 MPIEXEC=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK=$HERE/check_cpuset.py
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
NCPU=$(nproc)
# small.cfg without its threads line (threads default to the set's size) and allow line
mk() { # NAME EXTRA-LINES
  sed -e "s|\"\.\./\.\./jobs|\"$HERE/../../jobs|" -e '/threads = 1;/d' -e '/allow_oversubscribe/d' \
    "$HERE/small.cfg" > "$WORK/$1.cfg" && printf '%s\n' "$2" >> "$WORK/$1.cfg"
}
mk plain ""
mk allowed "allow_oversubscribe = true;"
mk excl "exclusive = true;"
mk thr ""
sed -i "s/^workload = {/workload = {\n  threads = $((NCPU + 1));/" "$WORK/thr.cfg"
OVER=$((NCPU + 2))

# plan: refused with more ranks than CPUs, and with threads > CPUs; fine with one rank per CPU
"$PB" plan "$WORK/plain.cfg" --ranks-per-host $OVER > "$WORK/plan-over.txt"; rc=$?
grep -q "OVERSUBSCRIBED (more ranks than CPUs)" "$WORK/plan-over.txt" && [ $rc -ne 0 ] ||
  { cat "$WORK/plan-over.txt"; fail "plan with $OVER ranks on $NCPU CPUs: status $rc, no OVERSUBSCRIBED"; }
"$PB" plan "$WORK/thr.cfg" > "$WORK/plan-thr.txt"; rc=$?
grep -q "OVERSUBSCRIBED (threads > CPUs of the set)" "$WORK/plan-thr.txt" && [ $rc -ne 0 ] ||
  { cat "$WORK/plan-thr.txt"; fail "plan with $((NCPU + 1)) threads: status $rc, no OVERSUBSCRIBED"; }
"$PB" plan "$WORK/plain.cfg" --ranks-per-host $NCPU > "$WORK/plan-ok.txt" ||
  { cat "$WORK/plan-ok.txt"; fail "plan with one rank per CPU refused"; }
grep -q "1 thread each" "$WORK/plan-ok.txt" || { cat "$WORK/plan-ok.txt"; fail "plan: threads not the set's size"; }
"$PB" plan "$WORK/allowed.cfg" --ranks-per-host $OVER > "$WORK/plan-allowed.txt" ||
  { cat "$WORK/plan-allowed.txt"; fail "plan refused despite allow_oversubscribe"; }
echo "ok plan"

# run: refused, nothing written
"$MPIEXEC" -n $OVER "$PB" run "$WORK/plain.cfg" -o "$WORK/over.h5" > "$WORK/over.log" 2>&1 && fail "oversubscribed run exited 0"
grep -q "refused: oversubscribed" "$WORK/over.log" || { cat "$WORK/over.log"; fail "no refusal message"; }
[ ! -e "$WORK/over.h5" ] || fail "the refused run created its results file"
"$MPIEXEC" -n 1 "$PB" run "$WORK/thr.cfg" -o "$WORK/thr.h5" > "$WORK/thr.log" 2>&1 && fail "threads > CPUs run exited 0"
grep -q "OVERSUBSCRIBED" "$WORK/thr.log" || { cat "$WORK/thr.log"; fail "threads > CPUs: no OVERSUBSCRIBED line"; }
echo "ok run refused"

# allowed: flagged rows, marked by the report
"$MPIEXEC" -n $OVER "$PB" run "$WORK/allowed.cfg" -o "$WORK/allowed.h5" > "$WORK/allowed.log" 2>&1 ||
  { cat "$WORK/allowed.log"; fail "allowed oversubscribed run failed"; }
/usr/bin/python3 "$CHECK" "$WORK/allowed.h5" oversubscribed || fail "allowed run's rows"
"$PB" report "$WORK/allowed.h5" > "$WORK/allowed-report.txt" || fail "report"
grep -q "^OVERSUBSCRIBED: 6 done runs" "$WORK/allowed-report.txt" || { cat "$WORK/allowed-report.txt"; fail "report does not mark oversubscribed timings"; }
# every run oversubscribed: no timing and no ratio in the summary, all under "oversubscribed"
grep -Eq '^bare +3 +0 +0 +- .* - +-$' "$WORK/allowed-report.txt" &&
  grep -Eq '^bare +0 - +0 - +3 [0-9.]+ *$' "$WORK/allowed-report.txt" ||
  { cat "$WORK/allowed-report.txt"; fail "report uses oversubscribed timings in its summary or ratios"; }
echo "ok allowed + flagged"

# 2 ranks, the launcher's binding; then the runner's split of an unbound launch
for bind in "" "--bind-to none"; do
  # shellcheck disable=SC2086
  "$MPIEXEC" -n 2 $bind "$PB" run "$WORK/plain.cfg" -o "$WORK/two.h5" > "$WORK/two.log" 2>&1 ||
    { cat "$WORK/two.log"; fail "2-rank run ($bind) failed"; }
  grep "rank [01] on" "$WORK/two.log"
  /usr/bin/python3 "$CHECK" "$WORK/two.h5" disjoint || fail "2 ranks ($bind)"
  rm -rf "$WORK/two.h5" "$WORK/two.h5.d"
done
echo "ok disjoint"

"$MPIEXEC" -n 2 "$PB" run "$WORK/excl.cfg" -o "$WORK/excl.h5" > "$WORK/excl.log" 2>&1 ||
  { cat "$WORK/excl.log"; fail "exclusive run failed"; }
/usr/bin/python3 "$CHECK" "$WORK/excl.h5" exclusive || fail "exclusive"
echo PASS
