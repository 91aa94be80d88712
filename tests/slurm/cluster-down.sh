#!/bin/bash
# cluster-down.sh DIR: stop the cluster cluster-up.sh started in DIR (CTest fixture
# FIXTURES_CLEANUP, so it runs also when a test failed). Cancels its jobs, then stops
# slurmd, slurmctld and munged by their pid files, checking each pid still belongs to
# that daemon. Idempotent: nothing running is fine.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ -d "$1" ] || exit 0
dir=$(cd "$1" && pwd)
export SLURM_CONF=$dir/slurm.conf

# Cancel every job of this (private) cluster and give them KillWait to end.
if [ -f "$SLURM_CONF" ] && [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
  ids=$(squeue -h -o %A 2>/dev/null || true)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086 # job ids are numbers
    scancel $ids 2>/dev/null
    for _ in $(seq 200); do [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.1; done
  fi
fi

# Stop the daemons together (each takes 1-2 s to exit), then wait for all of them.
pids=() names=()
for d in slurmd:slurmd.pid slurmctld:slurmctld.pid munged:munge/munged.pid; do
  name=${d%%:*} pidfile=$dir/${d#*:}
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  # only a pid that still runs that daemon (pids are reused)
  if [ -n "$pid" ] && grep -qs "$name" "/proc/$pid/cmdline"; then
    kill "$pid" 2>/dev/null && pids+=("$pid") && names+=("$name")
  fi
  rm -f "$pidfile"
done
for i in "${!pids[@]}"; do
  for _ in $(seq 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "cluster-down: ${names[$i]} (${pids[$i]}) ignored SIGTERM for 5 s; SIGKILL"
    kill -9 "${pids[$i]}" 2>/dev/null
  fi
  echo "cluster-down: stopped ${names[$i]} (${pids[$i]})"
done
exit 0
