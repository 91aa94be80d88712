#!/bin/bash
# test_slurm_smoke: the private cluster runs a 2-task step through the pmix plugin
# (the one Debian's Open MPI needs) and a batch job.
# shellcheck source=tests/slurm/lib.sh
source "$(dirname "$0")/lib.sh"
node=$(node_name)
[ -n "$node" ] || fail "sinfo shows no node"
out=$(srun --mpi=pmix -n 2 bash -c 'echo "$(hostname -s) ${PMIX_RANK:-none} $SLURM_PROCID"' 2>&1) ||
  fail "srun --mpi=pmix -n 2 failed: $out"
log "srun: $(echo $out)"
[ "$(sort <<<"$out")" = "$(printf '%s 0 0\n%s 1 1' "$(hostname -s)" "$(hostname -s)")" ] ||
  fail "expected ranks 0 and 1 with PMIx ranks on $(hostname -s), got: $out"
# impossible requests are refused at once (EnforcePartLimits), not left pending
if srun -n 64 true 2>/dev/null; then fail "srun -n 64 on a 4-CPU node should be refused"; fi
j=$(sbatch --parsable -n 1 -o "$work/batch-%j.out" --wrap 'echo in-job $SLURM_JOB_ID') || fail "sbatch failed"
wait_job_end "$j" 30
grep -q "in-job $j" "$work/batch-$j.out" || fail "batch job output missing: $(cat "$work/batch-$j.out")"
log "ok"
