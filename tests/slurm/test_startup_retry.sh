#!/bin/bash
# test_slurm_startup_retry: a runner that dies of a signal before finishing any
# experiment (as a rank crashing inside MPI_Init does, Open MPI 4.1's TCP start-up) makes
# quick.sbatch start the step once more, and the campaign completes in the same job; a
# runner that keeps crashing is reported after that one retry, not retried forever; a
# step that ends 0 without having created the results file is not reported complete.
# The "runner" here is a wrapper around the real platbench that SIGSEGVs itself while a
# counter file says so.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
n=3
write_campaign quick.cfg slurm-retry $n cnn
cat > crashy <<EOS
#!/bin/bash
# crash (SIGSEGV) while the counter in \$0.left is above 0, then run the real platbench
left=\$(cat "\$0.left" 2>/dev/null || echo 0)
if [ "\$left" -gt 0 ] && [ "\${1:-}" = run ]; then echo \$((left - 1)) > "\$0.left"; kill -SEGV \$\$; fi
exec "$PLATBENCH_BIN" "\$@"
EOS
chmod +x crashy
submit_retry() { # $1: crashes to inject; prints the job id
  echo "$1" > crashy.left
  PLATBENCH_BIN=$work/crashy sbatch --parsable --job-name=pbt-retry --ntasks=1 --time=5 \
    --output="$work/%x-%j.out" "$PB_SOURCE_DIR/jobs/quick.sbatch" quick.cfg "$2"
}
j=$(submit_retry 1 once.h5) || fail "sbatch failed"
wait_job_end "$j" 100
out=$work/pbt-retry-$j.out
grep -q "before finishing any experiment.*starting the step once more" "$out" || fail "no retry after the crash"
grep -q "campaign complete" "$out" || fail "the retried step did not complete the campaign"
$py "$check" check once.h5 --n $n --state complete --all-done --first-attempt || fail "results file after the retry"
log "one crash at start-up: retried once, campaign complete"
j=$(submit_retry 5 always.h5) || fail "sbatch failed"
wait_job_end "$j" 100
out=$work/pbt-retry-$j.out
[ "$(grep -c "starting the step once more" "$out")" -eq 1 ] || fail "a runner that keeps crashing was not retried exactly once"
grep -q "the runner failed (status 139)" "$out" || fail "the second crash is not reported as the runner's failure"
scontrol show job -o "$j" | grep -q "JobState=FAILED" || fail "job $j did not fail"
log "a runner that keeps crashing: one retry, then the job fails"
# a step that ends 0 without running (srun's "task launch failed" can end 0): not "complete"
cat > noop <<'EOS'
#!/bin/sh
exit 0
EOS
chmod +x noop
j=$(PLATBENCH_BIN=$work/noop sbatch --parsable --job-name=pbt-noop --ntasks=1 --time=5 \
    --output="$work/%x-%j.out" "$PB_SOURCE_DIR/jobs/quick.sbatch" quick.cfg noop.h5) || fail "sbatch failed"
wait_job_end "$j" 60
out=$work/pbt-noop-$j.out
grep -q "campaign complete" "$out" && fail "a step that ran nothing was reported complete"
grep -q "there is no results file .*the runner did not start" "$out" || fail "no message for a step that ran nothing"
scontrol show job -o "$j" | grep -q "JobState=FAILED" || fail "job $j did not fail"
log "ok"
