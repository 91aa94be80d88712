#!/bin/bash
# cluster-up.sh DIR: start a private single-node Slurm cluster (munged, slurmctld,
# slurmd) whose every file lives under DIR, for platbench's tests (CTest fixture
# FIXTURES_SETUP). Needs root and Debian's slurm-wlm + munge packages; nothing in /etc
# is read or changed: a private munge key and socket, slurm.conf generated from
# slurm.conf.in next to this script, free TCP ports. Idempotent: a cluster already
# running in DIR is left as it is. Afterwards: export SLURM_CONF=DIR/slurm.conf
# (DIR/env.sh does that). cluster-down.sh DIR stops it.
# Environment: PB_SLURM_CPUS (CPUs the node advertises, default 4),
#              PB_SLURM_MEM_MB (RealMemory, default 4000).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
dir=$(cd "$1" && pwd)
conf=$dir/slurm.conf
export SLURM_CONF=$conf

die() { echo "cluster-up: $*" >&2; exit 1; }
for cmd in munged mungekey munge slurmctld slurmd sbatch srun scontrol sinfo runuser; do
  command -v "$cmd" >/dev/null ||
    die "$cmd not found; install Slurm with: apt-get install slurm-wlm munge"
done
[ "$(id -u)" = 0 ] || die "must run as root (starts slurmd and munged)"
id munge >/dev/null 2>&1 || die "user munge missing; apt-get install munge"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if alive "$dir/slurmctld.pid" && alive "$dir/slurmd.pid" && alive "$dir/munge/munged.pid" &&
   scontrol ping 2>/dev/null | grep -q UP; then
  echo "cluster-up: already running in $dir: $(sinfo -h -o '%P %D %T %c CPUs')"
  exit 0
fi
"$here/cluster-down.sh" "$dir" >/dev/null 2>&1 || true # leftovers of an earlier run

t0=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 )) ms"; }
mkdir -p "$dir"/{state,spool,log,munge,out}
rm -rf "${dir:?}/state/"* "${dir:?}/spool/"*

# 1. a private munged: own key, socket and pid file
chown munge:munge "$dir/munge"
chmod 0755 "$dir/munge" # munged wants the socket folder searchable by all
key=$dir/munge/munge.key
[ -s "$key" ] || runuser -u munge -- mungekey --create --keyfile="$key"
chmod 0400 "$key"
sock=$dir/munge/munge.socket
runuser -u munge -- munged --socket="$sock" --key-file="$key" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" ||
  die "munged did not start: $(tail -3 "$dir/munge/munged.log" 2>/dev/null)"
for _ in $(seq 100); do munge -n -S "$sock" </dev/null >/dev/null 2>&1 && break; sleep 0.05; done
munge -n -S "$sock" </dev/null >/dev/null || die "munged not answering on $sock"
echo "cluster-up: munged up ($(elapsed))"

# 2. slurm.conf: free ports, this host's short name as the node name
read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
node=$(hostname -s)
sed -e "s|@DIR@|$dir|g" -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@SLURMD_PORT@|$slurmd_port|g" \
    -e "s|@NODE@|$node|g" -e "s|@CPUS@|${PB_SLURM_CPUS:-4}|g" -e "s|@MEM_MB@|${PB_SLURM_MEM_MB:-4000}|g" \
    -e "s|@PARTITION@|pbtest|g" "$here/slurm.conf.in" > "$conf.tmp"
mv "$conf.tmp" "$conf"
echo "export SLURM_CONF='$conf'" > "$dir/env.sh"

fail_with_logs() {
  echo "cluster-up: $*" >&2
  tail -n 15 "$dir"/log/slurmctld.log "$dir"/log/slurmd.log >&2 2>/dev/null || true
  "$here/cluster-down.sh" "$dir" >&2 || true
  exit 1
}

# 3. controller and node daemon (both daemonize and write their pid files)
slurmctld -f "$conf" -c || fail_with_logs "slurmctld did not start"
for _ in $(seq 200); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.05; done
scontrol ping 2>/dev/null | grep -q UP || fail_with_logs "slurmctld not answering"
slurmd -f "$conf" -N "$node" || fail_with_logs "slurmd did not start"
for _ in $(seq 300); do [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && break; sleep 0.05; done
[ "$(sinfo -h -o %T)" = idle ] || fail_with_logs "node $node not idle: $(sinfo -h -o '%T %E')"
echo "cluster-up: slurmctld+slurmd up ($(elapsed)): $(sinfo -h -o '%P %D %T %c CPUs %N'), SLURM_CONF=$conf"
