#!/bin/bash
# One campaign per results file:
#   1. the same campaign started twice: the second run refuses (exit 1, who holds the file and
#      since when), `status` shows the claim, and the first completes untouched (every
#      experiment once, attempt 1, resume_count 0: the second never opened the file);
#   2. the first SIGKILLed (mpiexec's whole process group): the rerun recognises the stale
#      claim (process gone), takes it over (recorded), completes every experiment exactly once;
#   3. a claim from another host: with a fresh heartbeat it is refused, with a heartbeat older
#      than 6 intervals it is taken over; --force takes a live one;
#   4. the heartbeat is renewed (PLATBENCH_CLAIM_INTERVAL_S=0.5), and --force over a live
#      campaign makes it stop at its next heartbeat (exit 3, says why); the forcing run
#      completes the campaign.
# usage: claim_test.sh PLATBENCH MPIEXEC WORKDIR
set -u
PB=$1 MPIEXEC=$2 WORK=$3
. "$(dirname "$0")/lib.sh" # fresh $WORK, $OUT, $WORK/long.cfg (the second run finds the first running)
fail() { echo "FAIL: $*"; exit 1; } # here the first failure ends the test
# refused N LOG WHAT: a run of long.cfg on N ranks (output in $WORK/LOG, its first line
# shown) must be refused: exit 1
refused() {
  "$MPIEXEC" -n "$1" "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/$2" 2>&1
  local rc=$?
  head -1 "$WORK/$2"
  [ $rc -eq 1 ] || fail "$3 was not refused (exit $rc, expected 1)"
}
done_count() { "$PB" status "$OUT" 2>/dev/null | awk '$1 == "TOTAL" {print $2}'; }
wait_done() { for _ in $(seq 600); do [ "$(done_count)" -ge "$1" ] 2>/dev/null && return 0; sleep 0.05; done; fail "nothing done in 30 s"; }
untouched() { # every row done exactly once on attempt 1 and the file was never resumed
  /usr/bin/python3 - "$OUT" "$1" <<'PY' || exit 1
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    att = sorted(set(int(a) for a in f["experiments"]["attempt"]))
    rc = int(f.attrs["resume_count"])
print("attempts", att, "resume_count", rc)
if att != [1] or rc != int(sys.argv[2]):
    print("FAIL: attempts/resume_count show a second run touched the file"); sys.exit(1)
PY
}

echo "== 1. started twice"
"$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/first.log" 2>&1 &
first=$!
wait_done 1
"$PB" status "$OUT" > "$WORK/status.txt"
grep -q "^claimed by host $(hostname) pid [0-9]* since .*: live" "$WORK/status.txt" ||
  { cat "$WORK/status.txt"; fail "status does not show the claim"; }
refused 2 second.log "the second run"
grep -q "^platbench: $OUT is in use by another campaign: host $(hostname) pid [0-9]* since 20[0-9-]* [0-9:]* UTC (last heartbeat .*); live: process [0-9]* runs on this host" \
  "$WORK/second.log" || fail "the refusal does not say who holds the file and since when"
wait $first || fail "the first run exited $?"
[ ! -e "$OUT.claim" ] || fail "the claim is left after the campaign ended"
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks 2 || fail "first run's results"
untouched 0

echo "== 2. SIGKILL, then a rerun takes the stale claim over"
rm -rf "$OUT" "$OUT.d"
setsid "$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/killed.log" 2>&1 &
pid=$!
wait_done 1
kill -KILL -- -"$pid"
wait "$pid" 2>/dev/null
[ -e "$OUT.claim" ] || fail "no claim left by the killed run (nothing to take over)"
for _ in $(seq 100); do pgrep -f -- "-o $OUT" > /dev/null || break; sleep 0.1; done
sleep 1 # orphaned experiments (own process groups) finish
"$PB" status "$OUT" | tail -1
"$PB" status "$OUT" | grep -q '^claimed by .*: stale: process [0-9]* is gone' || fail "status does not call the claim stale"
"$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/rerun.log" 2>&1 || { cat "$WORK/rerun.log"; fail "rerun exited $?"; }
grep '^platbench: took over' "$WORK/rerun.log"
grep -q "^platbench: took over the claim on $OUT: host $(hostname) pid [0-9]* .*stale: process [0-9]* is gone" \
  "$WORK/rerun.log" || fail "the take-over is not reported"
grep -q '^host = ' "$OUT.claim.stale" || fail "the stale claim is not kept as $OUT.claim.stale"
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks 2 || fail "results after the take-over"

echo "== 3. a claim from another host"
now=$(date +%s)
foreign() { printf 'host = node-elsewhere\npid = 4242\nslurm_job_id = \nstart_unix = %s\nheartbeat_unix = %s\nheartbeat_interval_s = 10\ntoken = other\n' "$1" "$2" > "$OUT.claim"; }
foreign $((now - 600)) $((now - 5))
refused 1 foreign.log "a live claim of another host"
grep -q 'in use by another campaign: host node-elsewhere pid 4242 .*live: heartbeat [0-9]* s ago' \
  "$WORK/foreign.log" || fail "refusal message"
"$MPIEXEC" -n 1 "$PB" run "$WORK/long.cfg" -o "$OUT" --force > "$WORK/force.log" 2>&1 || fail "--force exited $?"
grep -q 'took over the claim .*node-elsewhere.*--force; live' "$WORK/force.log" || fail "--force not recorded"
now=$(date +%s) # afresh: the steps above take seconds, more under load
foreign $((now - 600)) $((now - 100))
"$MPIEXEC" -n 1 "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/old.log" 2>&1 || fail "stale foreign claim: exit $?"
grep -q 'took over the claim .*node-elsewhere.*stale: no heartbeat for 1[0-9][0-9] s' "$WORK/old.log" ||
  { cat "$WORK/old.log"; fail "a claim without heartbeat for 100 s was not taken over"; }
[ ! -e "$OUT.claim" ] || fail "claim left behind"

echo "== 4. the heartbeat is renewed; --force over a live campaign stops it at its next heartbeat"
rm -rf "$OUT" "$OUT.d" "$OUT.claim.stale"
export PLATBENCH_CLAIM_INTERVAL_S=0.5
"$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" > "$WORK/a.log" 2>&1 &
first=$!
for _ in $(seq 200); do [ -e "$OUT" ] && break; sleep 0.05; done # running: claim and file there
beat() { sed -n 's/^heartbeat_unix = //p' "$OUT.claim"; }
b1=$(beat); sleep 1.2; b2=$(beat)
echo "heartbeats $b1 -> $b2"
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$b2') - float('$b1') >= 0.5 else 1)" ||
  fail "the heartbeat was not renewed"
grep -q '^heartbeat_interval_s = 0.5$' "$OUT.claim" || fail "the claim does not record its period"
"$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT" --force > "$WORK/b.log" 2>&1
rc=$?
wait $first
rc_first=$?
grep -h '^platbench: took over\|^platbench: the claim' "$WORK/b.log" "$WORK/a.log"
[ $rc -eq 0 ] || { cat "$WORK/b.log"; fail "the forcing run exited $rc"; }
grep -q 'took over the claim .*--force; live: process' "$WORK/b.log" || fail "--force take-over not reported"
[ $rc_first -eq 3 ] || fail "the campaign whose claim was taken exited $rc_first, expected 3"
grep -q "^platbench: the claim on $OUT was taken by another campaign (host .*); stopping this one" \
  "$WORK/a.log" || fail "the first campaign does not say why it stopped"
/usr/bin/python3 "$HERE/check_results.py" "$OUT" || fail "results after --force"
echo PASS
