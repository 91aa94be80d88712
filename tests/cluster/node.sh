#!/bin/bash
# node.sh DIR NODE [CMD ARGS...]: run CMD (default: a login shell) inside node NODE (head,
# node1, node2, node3, or switch) of the cluster that cluster-up.sh started in DIR: all
# its namespaces (net, mount, uts, ipc, pid), in the caller's working directory and
# environment (SLURM_CONF unset: the node's /etc/slurm/slurm.conf applies).
#   tests/cluster/node.sh build/tests/cluster/bind head srun -N 3 hostname
[ $# -ge 2 ] || { echo "usage: $0 DIR NODE [CMD ARGS...]" >&2; exit 2; }
R=$1 n=$2
shift 2
pid=$(cat "$R/pids/$n.pid" 2>/dev/null) && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = tini ] ||
  { echo "node.sh: node $n of $R is not running (cluster-up.sh $R?)" >&2; exit 1; }
[ $# -gt 0 ] || set -- bash -l
wd=$PWD
case $wd in /run|/run/*|/var/log*|/var/spool*|/dev/shm*) wd=/ ;; esac
exec nsenter -t "$pid" -a --wd="$wd" -- env -u SLURM_CONF "$@"
