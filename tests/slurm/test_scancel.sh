#!/bin/bash
# test_slurm_scancel: scancel of a running campaign (SIGTERM to the batch shell and
# the ranks, SIGKILL after KillWait) loses nothing measured: the file opens, rows done
# before keep their values, in-flight rows read "interrupted", and the job script
# does not resubmit a cancelled campaign.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
n=12
write_campaign sc.cfg slurm-scancel $n sleep:4
j=$(sbatch --parsable --job-name=pbt-scancel --ntasks=2 --time=5 --output="$work/%x-%j.out" \
    "$PB_SOURCE_DIR/jobs/quick.sbatch" sc.cfg results.h5) || fail "sbatch failed"
log "submitted job $j"
wait_job_running "$j" 30
$py "$check" wait results.h5 --done 1 --running 1 --timeout 40 || fail "campaign did not progress"
$py "$check" snapshot results.h5 done-before.json || fail "snapshot"
scancel "$j" || fail "scancel failed"
log "cancelled job $j"
wait_job_end "$j" 40
out=$work/pbt-scancel-$j.out
grep -q "cancelled or stopped: not resubmitting" "$out" || fail "job script did not report the cancellation"
[ -z "$(resubmitted_job "$out")" ] || fail "a cancelled campaign was resubmitted"
[ -z "$(squeue -h -n pbt-scancel)" ] || fail "a job named pbt-scancel is still queued"
$py "$check" check results.h5 --n $n --state interrupted --min-interrupted 1 --min-done 1 --no-failed \
    --unchanged done-before.json || fail "results file check after scancel"
log "ok"
