#!/bin/bash
# test_slurm_claim: a results file claimed by a campaign on another node whose heartbeat is
# still fresh: refused while its Slurm job runs (squeue says RUNNING); once the job is gone
# (scancel), the claim is stale and the next run takes it over and completes the campaign.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
out=$work/claimed.h5
sed -e "s#\"../../jobs/models/tiny.cfg\"#\"$PB_SOURCE_DIR/jobs/models/tiny.cfg\"#" \
    "$PB_SOURCE_DIR/tests/runner/small.cfg" > "$work/small.cfg" || fail "config"
j=$(sbatch --parsable -n 1 -o "$work/sleep-%j.out" --wrap 'sleep 60') || fail "sbatch failed"
for _ in $(seq 100); do [ "$(job_state "$j")" = RUNNING ] && break; sleep 0.2; done
[ "$(job_state "$j")" = RUNNING ] || fail "job $j is not running"
claim() { now=$(date +%s); printf 'host = node-elsewhere\npid = 4242\nslurm_job_id = %s\nstart_unix = %s\nheartbeat_unix = %s\nheartbeat_interval_s = 10\ntoken = other\n' "$j" $((now - 20)) $((now - 2)) > "$out.claim"; }
claim
run() { "$PLATBENCH_BIN" run "$work/small.cfg" -o "$out" > "$work/$1.log" 2>&1; }
run live && fail "a claim of a running Slurm job was not refused"
grep -q "in use by another campaign: host node-elsewhere pid 4242 Slurm job $j since .*live: heartbeat" \
  "$work/live.log" || fail "refusal: $(cat "$work/live.log")"
log "refused while job $j runs: $(head -c 200 "$work/live.log")"
scancel "$j"
wait_job_end "$j" 30
claim # the heartbeat is still fresh: only Slurm can tell the holder is gone
run gone || fail "after scancel: $(cat "$work/gone.log")"
grep -q "took over the claim on $out: host node-elsewhere pid 4242 Slurm job $j .*stale: Slurm job $j is gone (squeue)" \
  "$work/gone.log" || fail "take-over not reported: $(cat "$work/gone.log")"
log "$(grep 'took over' "$work/gone.log")"
$py "$check" check "$out" --n 6 --state complete --all-done --cnn || fail "results"
log "ok"
