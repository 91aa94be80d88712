#!/bin/bash
# cluster-down.sh DIR: tear down the cluster that cluster-up.sh started in DIR and leave
# the host as it was (CTest FIXTURES_CLEANUP: runs also when a test failed). Stops each
# namespace's PID 1 (tini) by the PID cluster-up.sh recorded: the kernel then kills
# every process left in that PID namespace (slurmd, slurmstepd, munged, sshd, glusterfs,
# MPI ranks, shells entered with node.sh), and the net and mount namespaces go away with
# their last process, taking the bridge, the veths and every mount with them. Then
# removes DIR's run state (KEEP_LOGS=1 keeps DIR/nodes/*/log). Idempotent.
# Exits non-zero if anything of the cluster is left.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ -d "$1" ] || { echo "[down] nothing to do ($1 absent)"; exit 0; }
R=$(cd "$1" && pwd)
t0=$(date +%s%N)
say() { printf '[down +%5sms] %s\n' "$(( ($(date +%s%N) - t0) / 1000000 ))" "$*"; }
[ "$(id -u)" = 0 ] || { echo "down.sh: must run as root" >&2; exit 1; }
[ -d "$R" ] || { say "nothing to do ($R absent)"; exit 0; }

SHARED_MNT=$(cat "$R/shared_mnt" 2>/dev/null || echo "$R/shared") # as cluster-up.sh used it
all_pids=()
for f in "$R"/pids/*.pid "$R"/pids/*.unshare; do [ -f "$f" ] && all_pids+=("$(cat "$f")"); done
# is_ours PID NAME: PID is alive (not a zombie waiting for its reaper) and named NAME
is_ours() {
  [ -n "$1" ] && [ "$(cat /proc/"$1"/comm 2>/dev/null)" = "$2" ] &&
    ! grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null
}
# a polite stop first, so that slurmctld saves its state and slurmd its jobs
p=$(cat "$R/pids/head.pid" 2>/dev/null)
if is_ours "$p" tini; then
  timeout 5 nsenter -t "$p" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin scontrol shutdown >/dev/null 2>&1 &&
    say "scontrol shutdown sent"
fi
pids=()
for f in "$R"/pids/node*.pid "$R"/pids/head.pid "$R"/pids/switch.pid; do
  [ -f "$f" ] || continue; n=$(basename "$f" .pid)
  p=$(cat "$R/pids/$n.pid" 2>/dev/null)
  if is_ours "$p" tini; then kill -TERM "$p" && pids+=("$p") && say "SIGTERM to $n (tini $p)"; fi
done
for _ in $(seq 50); do
  left=(); for p in "${pids[@]}"; do [ -d /proc/"$p" ] && left+=("$p"); done
  [ ${#left[@]} = 0 ] && break; sleep 0.1
done
for p in "${left[@]}"; do say "SIGKILL to $p"; kill -KILL "$p" 2>/dev/null; done
# the unshare parents exit with their child; wait for them too
for f in "$R"/pids/*.unshare; do
  [ -f "$f" ] || continue; u=$(cat "$f")
  for _ in $(seq 50); do is_ours "$u" unshare || break; sleep 0.1; done
  is_ours "$u" unshare && { say "SIGKILL to unshare $u"; kill -KILL "$u"; }
done

if [ "${KEEP_LOGS:-0}" = 1 ]; then
  find "$R" -mindepth 1 -maxdepth 1 ! -name nodes -exec rm -rf {} +
  find "$R/nodes" -mindepth 2 -maxdepth 2 ! -name log -exec rm -rf {} +
  say "kept logs in $R/nodes/*/log"
else
  rm -rf "$R"
fi

# check: none of the recorded processes left, no host mount or link of the cluster
bad=0
for p in "${all_pids[@]}"; do
  if is_ours "$p" tini || is_ours "$p" unshare; then say "still running: $p"; bad=1; fi
done
awk -v r="$R" -v s="$SHARED_MNT" '$5 == s || index($5, r) == 1 {found=1} END {exit !found}' /proc/self/mountinfo &&
  { say "host mount left"; bad=1; }
ip -o link | grep -qE ' (br0|v-(head|node[0-9]+))[@:]' && { say "host link left"; bad=1; }
[ $bad = 0 ] && say "host clean: no cluster process, mount or link left"
exit $bad
