#!/bin/bash
# test_slurm_outside_allocation: quick.sbatch and paper.sbatch refuse to run outside
# a Slurm job, with a message saying to submit them.
set -uo pipefail
: "${PB_SOURCE_DIR:?}"
for s in quick paper; do
  out=$(env -u SLURM_JOB_ID bash "$PB_SOURCE_DIR/jobs/$s.sbatch" x.cfg 2>&1)
  rc=$?
  [ "$rc" = 2 ] || { echo "FAIL: $s.sbatch outside a job: status $rc, expected 2: $out"; exit 1; }
  grep -q "not inside a Slurm job" <<<"$out" && grep -q "sbatch" <<<"$out" ||
    { echo "FAIL: $s.sbatch message unclear: $out"; exit 1; }
  echo "$s.sbatch: $out"
done
