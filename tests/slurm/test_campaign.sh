#!/bin/bash
# test_slurm_campaign: jobs/quick.sbatch runs a small campaign (bare platform, tiny
# CNN) as one srun step; every experiment is done exactly once, on this node, and the
# results file records the Slurm job (analysis/SCHEMA.md provenance attributes).
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
node=$(node_name) partition=$(sinfo -h -o %P | tr -d '*' | head -1)
n=4
write_campaign quick.cfg slurm-quick $n cnn
j=$(sbatch --parsable --job-name=pbt-campaign --ntasks=2 --time=5 --output="$work/%x-%j.out" \
    "$PB_SOURCE_DIR/jobs/quick.sbatch" quick.cfg results.h5) || fail "sbatch failed"
log "submitted job $j"
wait_job_end "$j" 100
out=$work/pbt-campaign-$j.out
log "job $j ended: $(scontrol show job -o "$j" | grep -o 'JobState=[A-Z]* .*ExitCode=[0-9:]*' | sed 's/ .* / /')"
grep -q "campaign complete" "$out" || fail "job output does not say the campaign is complete"
[ -z "$(resubmitted_job "$out")" ] || fail "a complete campaign was resubmitted"
scontrol show job -o "$j" | grep -q "ExitCode=0:0" || fail "job $j did not exit 0"
$py "$check" check results.h5 --n $n --state complete --all-done --first-attempt --cnn \
    --slurm-job "$j" --node "$node" --partition "$partition" --ntasks 2 || fail "results file check"
log "ok"
