#!/bin/bash
# cluster-up.sh DIR: bring up a private multi-node Slurm cluster on this one machine for
# platbench's multi-node tests (CTest fixture "cluster"; tests/cluster/CMakeLists.txt).
# Every node is a set of Linux namespaces on the host's own root file system (same
# binaries everywhere, like an image-based cluster):
#
#   switch  net namespace holding the bridge br0 (no uplink: nothing leaves the cluster)
#   head    10.77.0.1   slurmctld, munged, sshd (+ glusterd and the brick: SHARED_FS=gluster)
#   node1   10.77.0.11  slurmd, munged, sshd      \
#   node2   10.77.0.12  slurmd, munged, sshd       > NodeName=node[1-3] in slurm.conf
#   node3   10.77.0.13  slurmd, munged, sshd      /
#
# Each node: `unshare --net --mount --uts --ipc --pid` with tini as PID 1, a veth into
# br0, its own hostname, /proc, /sys, /run, /dev/shm and a node-private /tmp (Slurm's
# PMIx plugin needs one per node), private /var/log, /var/spool, /var/lib/munge and
# /etc/{hosts,hostname,slurm,munge,ssh} (bind mounts of files under DIR). Nothing is
# added to the host's network namespace or mount table: killing the PID-1s
# (cluster-down.sh) removes everything. Host-visible: the processes and DIR.
# Slurm: proctrack/linuxproc, task/none (no cgroups here), MpiDefault=pmix.
#
# Shared folder: DIR/shared appears at $SHARED_MNT on head and every node.
#   SHARED_FS=bind     (default) bind mount; SHARED_MNT defaults to DIR/shared itself,
#                      so the host sees the same files at the same path
#   SHARED_FS=gluster  a one-brick GlusterFS volume served by head (brick DIR/shared),
#                      FUSE-mounted by every node at SHARED_MNT (default DIR/mnt): a real
#                      network file system (cluster-wide locks, stale stat after remote appends)
#   SHARED_FS=sshfs    sshfs from head (FUSE; locks local to each node, attributes cached)
# (Kernel NFS is impossible on a kernel without CONFIG_NFS_FS/CONFIG_NFSD.)
#
# Settings (environment): SHARED_FS, SHARED_MNT, CLUSTER_NODES (3), NODE_CPUS (2),
# CLUSTER_NET (10.77.0), SSHFS_OPTS, EXPORT_PATHS (host folders under /tmp, e.g. a build
# tree, kept visible at their own path in the nodes), SLURMD_TIMEOUT (300 s),
# HIDE ("NODE:PATH ..." - PATH covered by /dev/null in NODE's mount namespace: a node
# that lacks a runtime; NODE:COMMAND hides every COMMAND on PATH, e.g. HIDE=node3:docker).
# Several clusters may run at once with different DIRs (own bridge in own namespace).
# Idempotent: a healthy cluster is left as it is; a half-started one is torn down first;
# a failure tears down what it started (logs kept in DIR/nodes/*/log).
# Needs root and the packages of `./setup.sh deps --tests`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
R=$(cd "$1" && pwd)
SHARED_FS=${SHARED_FS:-bind}
if [ "$SHARED_FS" = bind ]; then SHARED_MNT=${SHARED_MNT:-$R/shared}; else SHARED_MNT=${SHARED_MNT:-$R/mnt}; fi
HIDE=${HIDE:-}
# sshfs caches attributes 20 s by default (a file another node appended to looks short);
# dir_cache=no leaves the kernel's 1 s, near NFS' actimeo; add attr_timeout=0 for none
SSHFS_OPTS=${SSHFS_OPTS:-dir_cache=no}
NODE_TMP=private # each node its own /tmp: Slurm's PMIx plugin needs it
EXPORT_PATHS=${EXPORT_PATHS:-}  # host folders (e.g. a build tree under /tmp) kept at their path
NET=${CLUSTER_NET:-10.77.0} # /24, only ever configured inside the namespaces below
NNODES=${CLUSTER_NODES:-3}     # compute nodes node1..nodeN, at $NET.11 and up
NODE_CPUS=${NODE_CPUS:-2}       # CPUs each node advertises to Slurm
declare -A IP=([head]=$NET.1)
NODES=()
for i in $(seq "$NNODES"); do NODES+=("node$i"); IP[node$i]=$NET.$((10 + i)); done
ALL=(head "${NODES[@]}")

t0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - t0) / 1000000 )); }
say() { printf '[up +%5sms] %s\n' "$(ms)" "$*"; }
die() { echo "cluster-up.sh: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"
case $R in /run/*|/var/log/*|/var/spool/*|/var/lib/munge*|/dev/shm/*|/etc/*|/proc/*|/sys/*)
  die "CLUSTER_DIR=$R is hidden inside the nodes; pick another folder" ;; esac
case $SHARED_FS in bind|sshfs|gluster) ;; *) die "SHARED_FS must be bind, sshfs or gluster" ;; esac
[ "$SHARED_FS" = gluster ] && [ "$SHARED_MNT" = "$R/shared" ] && die "SHARED_MNT must not be the gluster brick $R/shared"
# HIDE entries NODE:/PATH, or NODE:COMMAND for every COMMAND on PATH (which -a)
hide=()
for h in $HIDE; do
  case $h in
  node[0-9]*:/*|head:/*) [ -e "${h#*:}" ] || die "HIDE: ${h#*:} does not exist"; hide+=("$h") ;;
  node[0-9]*:?*|head:?*)
    found=$(which -a "${h#*:}" 2>/dev/null | xargs -r readlink -f | sort -u) || true
    [ -n "$found" ] || die "HIDE: command ${h#*:} not found on PATH"
    for f in $found; do hide+=("${h%%:*}:$f"); done ;;
  *) die "HIDE: \"$h\" is not NODE:/PATH or NODE:COMMAND" ;;
  esac
done
for p in $EXPORT_PATHS; do
  case $p in /*) [ -d "$p" ] || die "EXPORT_PATHS: $p is not a folder" ;; *) die "EXPORT_PATHS: $p not absolute" ;; esac
done
# CLUSTER_DIR under /tmp: keep it visible in the nodes (their bind mounts come from it)
case $R in /tmp/*) [ "$NODE_TMP" = private ] && EXPORT_PATHS="$EXPORT_PATHS $R" ;; esac

# ---- 0. packages -----------------------------------------------------------------
need=(unshare:util-linux nsenter:util-linux setpriv:util-linux ip:iproute2 tini:tini
      munged:munge mungekey:munge slurmctld:slurmctld slurmd:slurmd srun:slurm-client
      mpicc:libopenmpi-dev mpirun:openmpi-bin h5pcc:libhdf5-openmpi-dev h5dump:hdf5-tools
      sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client)
[ "$SHARED_FS" = sshfs ] && need+=(sshfs:sshfs)
[ "$SHARED_FS" = gluster ] && need+=(glusterd:glusterfs-server mount.glusterfs:glusterfs-client)
missing=()
for x in "${need[@]}"; do
  PATH=$PATH:/usr/sbin:/sbin command -v "${x%%:*}" >/dev/null || missing+=("${x#*:}")
done
[ -e /usr/lib/x86_64-linux-gnu/slurm-wlm/mpi_pmix.so ] || missing+=(slurm-wlm-basic-plugins)
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  die "missing packages: ${missing[*]}; install them with ./setup.sh deps --tests (as root)"
fi

# ---- 1. already up? ----------------------------------------------------------------
alive() { # NAME: its PID 1 (tini) is alive
  local p
  p=$(cat "$R/pids/$1.pid" 2>/dev/null) && [ -n "$p" ] &&
    [ "$(cat /proc/"$p"/comm 2>/dev/null)" = tini ]
}
in_node() { # NAME CMD...: run CMD in all namespaces of NAME, clean environment
  local n=$1; shift
  nsenter -t "$(cat "$R/pids/$n.pid")" -a --wd=/ -- \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}
idle_nodes() { in_node head sinfo -h -N -t idle -o %N 2>/dev/null | sort -u | wc -l; }
up_all=1
for n in switch "${ALL[@]}"; do alive "$n" || up_all=0; done
if [ $up_all = 1 ] && [ "$(idle_nodes)" = ${#NODES[@]} ]; then
  say "cluster already up in $R:"
  in_node head sinfo
  exit 0
fi
if [ -d "$R/pids" ]; then
  say "leftovers of an earlier cluster in $R: running cluster-down.sh first"
  "$here/cluster-down.sh" "$R" || die "cluster-down.sh failed"
fi

# from here on, a failure tears down what was started (logs kept in nodes/*/log)
# shellcheck disable=SC2154 # rc is set inside the trap
trap 'rc=$?; if [ $rc != 0 ] && [ -d "$R/pids" ]; then
  echo "cluster-up.sh: failed; tearing down, logs kept in $R/nodes/*/log" >&2
  KEEP_LOGS=1 "$here/cluster-down.sh" "$R" >&2 || true; fi' EXIT

# ---- 2. files: config, keys, per-node folders ----------------------------------------
mkdir -p "$R"/{pids,etc/slurm,etc/munge,ssh/etc,shared}
chmod 755 "$R" "$R/shared"
{
  echo "127.0.0.1 localhost"
  echo "::1 localhost ip6-localhost ip6-loopback"
  for n in "${ALL[@]}"; do echo "${IP[$n]} $n"; done
} > "$R/etc/hosts"

key=$R/etc/munge/munge.key
[ -s "$key" ] || mungekey --create --keyfile="$key"
chown -R munge:munge "$R/etc/munge"; chmod 700 "$R/etc/munge"; chmod 400 "$key"

cat > "$R/etc/slurm/slurm.conf" <<EOF
# $NNODES-node Slurm 22.05 cluster in network namespaces, generated by $here/cluster-up.sh
ClusterName=nscluster
SlurmctldHost=head(${IP[head]})
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no cgroups (none delegated here): plain /proc process tracking, no task binding
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
# how long a silent node may go before it is DOWN and its jobs are killed (Slurm's default 300 s)
SlurmdTimeout=${SLURMD_TIMEOUT:-300}
EnforcePartLimits=ALL
# SIGTERM to SIGKILL when a step is cancelled (Slurm's default 30 s): short, so that a
# test whose step lost a rank does not wait long for the survivors
KillWait=${KILL_WAIT:-5}
TmpFS=/tmp
# every node sees the whole machine: advertise NODE_CPUS each whatever slurmd detects
SlurmdParameters=config_overrides
NodeName=DEFAULT CPUs=$NODE_CPUS RealMemory=2000 State=UNKNOWN
$(for n in "${NODES[@]}"; do echo "NodeName=$n NodeAddr=${IP[$n]}"; done)
PartitionName=batch Nodes=node[1-$NNODES] Default=YES MaxTime=60 State=UP OverSubscribe=NO
EOF

# ssh: one host key for all nodes (like cloned VMs), one root key pair, a known_hosts
# naming every node, configs for sshd and for the ssh client; /etc/ssh in each node.
S=$R/ssh/etc
chmod 755 "$R/ssh" "$S"
[ -s "$S/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C nscluster-host -f "$S/ssh_host_ed25519_key"
[ -s "$S/cluster_id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C root@nscluster -f "$S/cluster_id_ed25519"
cp "$S/cluster_id_ed25519.pub" "$S/authorized_keys"
names=$(for n in "${ALL[@]}"; do printf '%s,%s,' "$n" "${IP[$n]}"; done)
echo "${names%,} $(cut -d' ' -f1,2 "$S/ssh_host_ed25519_key.pub")" > "$S/known_hosts"
chmod 600 "$S/ssh_host_ed25519_key" "$S/cluster_id_ed25519"
chmod 644 "$S/authorized_keys" "$S/known_hosts"
cat > "$S/sshd_config" <<'EOF'
Port 22
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile /etc/ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
PidFile /run/sshd.pid
AcceptEnv LANG LC_* OMPI_* HDF5_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
cat > "$S/ssh_config" <<'EOF'
Host *
  IdentityFile /etc/ssh/cluster_id_ed25519
  UserKnownHostsFile /etc/ssh/known_hosts
  GlobalKnownHostsFile /etc/ssh/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
  SendEnv LANG LC_* OMPI_* HDF5_*
EOF

for n in "${ALL[@]}"; do
  d=$R/nodes/$n
  mkdir -p "$d"/{log/slurm,log/munge,log/glusterfs,spool/slurmd,spool/slurmctld,munge-lib,tmp}
  chmod 1777 "$d/tmp"
  echo "$n" > "$d/hostname"
  chown munge:munge "$d/log/munge" "$d/munge-lib"
  chmod 700 "$d/log/munge" "$d/munge-lib"
done
echo "$SHARED_FS" > "$R/shared_fs"; echo "$SHARED_MNT" > "$R/shared_mnt" # for the other scripts
if [ "$SHARED_FS" = gluster ]; then # glusterd's state, private to head
  mkdir -p "$R/nodes/head/glusterd" && cp -a /var/lib/glusterd/. "$R/nodes/head/glusterd/"
fi
# the mount point (on the host an empty folder unless it is DIR/shared itself: the
# mounts live only in the nodes' mount namespaces)
mkdir -p "$SHARED_MNT"
say "config written to $R (slurm.conf, munge key, ssh keys, hosts)"

# ---- 3. namespaces ---------------------------------------------------------------------
start_ns() { # NAME UNSHARE-FLAGS...: a new namespace set whose PID 1 is tini
  local n=$1 u p=""; shift
  ( setsid unshare "$@" --fork --pid --kill-child -- tini -- sleep infinity \
      </dev/null >>"$R/pids/$n.log" 2>&1 & echo $! > "$R/pids/$n.unshare" )
  u=$(cat "$R/pids/$n.unshare")
  for _ in $(seq 200); do
    p=$(cat /proc/"$u"/task/"$u"/children 2>/dev/null || true); p=${p%% *}
    [ -n "$p" ] && [ "$(cat /proc/"$p"/comm 2>/dev/null)" = tini ] && break
    sleep 0.02
  done
  [ -n "$p" ] || die "namespace $n did not start: $(cat "$R/pids/$n.log")"
  echo "$p" > "$R/pids/$n.pid"
}
start_ns switch --net
nsenter -t "$(cat "$R/pids/switch.pid")" -n sh -ec 'ip link set lo up; ip link add br0 type bridge; ip link set br0 up'
for n in "${ALL[@]}"; do
  start_ns "$n" --net --mount --uts --ipc --propagation private
  ip link add "v-$n" netns "$(cat "$R/pids/switch.pid")" type veth peer name eth0 netns "$(cat "$R/pids/$n.pid")"
  nsenter -t "$(cat "$R/pids/switch.pid")" -n ip link set "v-$n" master br0 up
  in_node "$n" bash -ec "
    mount -t proc proc /proc
    mount -t tmpfs -o mode=755,size=64m tmpfs /run
    # a sysfs of this net namespace (/sys/class/net: lo, eth0), keeping the host's
    # cgroup mounts under it: slurmd 22.05 insists on /sys/fs/cgroup even without cgroups
    mkdir /run/cg; mount --rbind /sys/fs/cgroup /run/cg
    mount -t sysfs sysfs /sys
    mount --move /run/cg /sys/fs/cgroup; rmdir /run/cg
    mkdir -p /run/munge /run/sshd /run/lock
    chown munge:munge /run/munge; chmod 755 /run/munge; chmod 1777 /run/lock
    mount -t tmpfs -o mode=1777,size=4g tmpfs /dev/shm
    # host folders that must stay visible at their own path (EXPORT_PATHS), even
    # under the node-private /tmp: take them aside before /tmp is covered
    i=0; for p in $EXPORT_PATHS; do mkdir -p /run/xp/\$i; mount --rbind \$p /run/xp/\$i; i=\$((i+1)); done
    mount --bind '$R/nodes/$n/log' /var/log
    mount --bind '$R/nodes/$n/spool' /var/spool
    mount --bind '$R/nodes/$n/munge-lib' /var/lib/munge
    mount --bind '$R/nodes/$n/hostname' /etc/hostname
    mount --bind '$R/etc/hosts' /etc/hosts
    mount --bind '$R/etc/slurm' /etc/slurm
    mount --bind '$R/etc/munge' /etc/munge
    mount --bind '$R/ssh/etc' /etc/ssh
    [ -d '$R/nodes/$n/glusterd' ] && mount --bind '$R/nodes/$n/glusterd' /var/lib/glusterd
    [ '$NODE_TMP' = private ] && mount --bind '$R/nodes/$n/tmp' /tmp
    i=0; for p in $EXPORT_PATHS; do mkdir -p \$p; mount --move /run/xp/\$i \$p; i=\$((i+1)); done
    rm -rf /run/xp
    hostname $n
    ip link set lo up
    ip addr add ${IP[$n]}/24 dev eth0
    ip link set eth0 up"
done
for h in ${hide[@]+"${hide[@]}"}; do # a node without that runtime: the path is /dev/null there (not executable)
  in_node "${h%%:*}" mount --bind /dev/null "${h#*:}" || die "HIDE $h failed"
  say "${h#*:} hidden on ${h%%:*}"
done
say "namespaces up: switch (br0) + ${ALL[*]} on $NET.0/24"

# ---- 4. daemons --------------------------------------------------------------------------
for n in "${ALL[@]}"; do
  in_node "$n" setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged ||
    die "munged on $n: $(tail -3 "$R/nodes/$n/log/munge/munged.log" 2>/dev/null)"
  in_node "$n" /usr/sbin/sshd -E /var/log/sshd.log || die "sshd on $n: $(tail -3 "$R/nodes/$n/log/sshd.log")"
done
for n in "${ALL[@]}"; do
  for _ in $(seq 100); do in_node "$n" sh -c 'munge -n </dev/null | unmunge >/dev/null' 2>/dev/null && break; sleep 0.05; done
done
# the same key everywhere: a credential made on the last node decodes on head
in_node "${NODES[-1]}" sh -c 'munge -n </dev/null' | in_node head unmunge >/dev/null ||
  die "munge credential from ${NODES[-1]} rejected on head"
say "munged + sshd up on ${ALL[*]}"

if [ "$SHARED_FS" = bind ]; then
  for n in "${ALL[@]}"; do in_node "$n" mount --bind "$R/shared" "$SHARED_MNT"; done
elif [ "$SHARED_FS" = gluster ]; then
  # one-brick GlusterFS volume served by head; the brick is $R/shared (read it from the
  # host, write only through a node's mount); every node, head too, mounts it by FUSE
  in_node head glusterd || die "glusterd: $(tail -5 "$R/nodes/head/log/glusterfs/glusterd.log")"
  for _ in $(seq 100); do in_node head gluster --mode=script pool list >/dev/null 2>&1 && break; sleep 0.1; done
  in_node head gluster --mode=script volume create shared "head:$R/shared" force >/dev/null &&
    in_node head gluster --mode=script volume start shared >/dev/null ||
    die "gluster volume: $(tail -5 "$R/nodes/head/log/glusterfs/glusterd.log")"
  for n in "${ALL[@]}"; do
    in_node "$n" mount -t glusterfs head:/shared "$SHARED_MNT" ||
      die "glusterfs mount on $n: $(tail -5 "$R/nodes/$n/log/glusterfs/"*shared*.log)"
  done
else
  in_node head mount --bind "$R/shared" "$SHARED_MNT" # the file server's own disk
  for n in "${NODES[@]}"; do
    in_node "$n" sshfs "head:$SHARED_MNT" "$SHARED_MNT" \
      -o "allow_other,default_permissions,reconnect,ServerAliveInterval=5,$SSHFS_OPTS" ||
      die "sshfs mount on $n failed"
  done
fi
say "shared folder $R/shared at $SHARED_MNT on ${ALL[*]} ($SHARED_FS)"

in_node head slurmctld || die "slurmctld: $(tail -5 "$R/nodes/head/log/slurm/slurmctld.log")"
for _ in $(seq 200); do in_node head scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.05; done
for n in "${NODES[@]}"; do
  in_node "$n" slurmd || die "slurmd on $n: $(tail -5 "$R/nodes/$n/log/slurm/slurmd.log")"
done
for _ in $(seq 300); do [ "$(idle_nodes)" = ${#NODES[@]} ] && break; sleep 0.1; done
[ "$(idle_nodes)" = ${#NODES[@]} ] || {
  in_node head sinfo -N -l >&2 || true
  tail -5 "$R"/nodes/*/log/slurm/*.log >&2
  die "not all nodes idle"
}
say "slurmctld on head, slurmd on ${NODES[*]}:"
in_node head sinfo
echo "cluster-up.sh: cluster up in $(( $(ms) / 1000 )).$(( $(ms) % 1000 / 100 )) s ($SHARED_FS, shared folder $SHARED_MNT); run commands with $here/node.sh $R head CMD..."
