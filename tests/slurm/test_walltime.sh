#!/bin/bash
# test_slurm_walltime: Slurm's wall-time warning (--signal=B:USR1@50, made due by
# shortening the running job's TimeLimit) reaches the runner through quick.sbatch
# mid-campaign: in-flight experiments are recorded "interrupted", the file says
# state "interrupted", the job resubmits itself (held here with --hold so the file
# can be checked in between), and the resubmitted job completes the campaign with
# every experiment done exactly once (rows done before are not run again).
# Slurm checks time limits every 30 s, so the warning comes 0-30 s after the update.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
node=$(node_name)
# 2 ranks x 20 experiments x 4 s = 80 s of work: still running when the warning comes
# (armed after ~8 s, due at the controller's next 30-s check); the resubmitted job
# then runs the rest at 0.2 s each.
n=40
write_campaign wt.cfg slurm-walltime $n sleep:4
j1=$(PLATBENCH_SBATCH_ARGS=--hold sbatch --parsable --job-name=pbt-walltime --ntasks=2 --time=5 \
     --signal=B:USR1@50 --output="$work/%x-%j.out" "$PB_SOURCE_DIR/jobs/quick.sbatch" wt.cfg results.h5) ||
  fail "sbatch failed"
log "submitted job $j1"
wait_job_running "$j1" 30
$py "$check" wait results.h5 --done 1 --running 1 --timeout 40 || fail "campaign did not progress"
scontrol update JobId="$j1" TimeLimit=1 || fail "scontrol update TimeLimit failed"
log "job $j1: TimeLimit now 1 minute, so the USR1@50 warning is due"
wait_job_end "$j1" 80
out1=$work/pbt-walltime-$j1.out
grep -q "wall-time warning" "$out1" || fail "the batch shell never got the wall-time warning"
j2=$(resubmitted_job "$out1")
[ -n "$j2" ] || fail "job $j1 did not resubmit itself"
log "job $j1 interrupted and resubmitted as $j2 ($(job_state "$j2"))"
$py "$check" check results.h5 --n $n --state interrupted --min-interrupted 1 --min-done 1 --no-failed ||
  fail "interrupted file check"
$py "$check" snapshot results.h5 done-before.json || fail "snapshot"
echo 0.2 > nap_s
scontrol release "$j2" || fail "scontrol release $j2"
wait_job_end "$j2" 100
out2=$work/pbt-walltime-$j2.out
grep -q "campaign complete" "$out2" || fail "resubmitted job $j2 did not complete the campaign"
grep -q "resubmission 1 of at most" "$out2" || fail "job $j2 does not count itself as resubmission 1"
[ -z "$(resubmitted_job "$out2")" ] || fail "the complete campaign was resubmitted again"
$py "$check" check results.h5 --n $n --state complete --all-done --unchanged done-before.json --node "$node" ||
  fail "final file check"
log "ok"
