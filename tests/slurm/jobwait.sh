# jobwait.sh: waiting for Slurm jobs, shared by tests/slurm/lib.sh and tests/cluster/lib.sh.
# Needs the sourcing lib's job_state JOB (Slurm state, "" once forgotten) and fail MSG.

# wait_job_end JOB TIMEOUT_S: wait until JOB reached a final state (completed, failed,
# cancelled, ...). An empty answer (controller busy, or job already forgotten) counts
# only when it repeats.
wait_job_end() {
  local s empty=0
  for _ in $(seq $(( $2 * 5 ))); do
    s=$(job_state "$1")
    case $s in
    COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE) return 0 ;;
    "") empty=$((empty + 1)); [ $empty -ge 10 ] && return 0 ;;
    *) empty=0 ;;
    esac
    sleep 0.2
  done
  fail "job $1 still $s after $2 s"
}
# wait_job_running JOB TIMEOUT_S
wait_job_running() {
  for _ in $(seq $(( $2 * 5 ))); do
    [ "$(job_state "$1")" = RUNNING ] && return 0
    sleep 0.2
  done
  fail "job $1 not running after $2 s (state $(job_state "$1"))"
}
