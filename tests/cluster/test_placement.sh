#!/bin/bash
# test_cluster_placement: heterogeneous nodes. The fixture's node3 lacks the docker and
# ssh clients and Apptainer (its mount namespace covers them: HIDE="node3:docker
# node3:ssh node3:BUILD/apptainer/usr/bin/apptainer"). This test starts a Docker engine
# in node1 only (recipes/dockerd.sh inside node1: socket in node1's private /run, data
# root under the cluster folder; stopped at the end). One 3-node job, one rank per node,
# seven platforms:
#   near     bare, hosts = "node[1-2]"  -> runs on node1 and node2 only
#   far      bare, hosts = "node3"      -> runs on node3 only
#   sif      singularity, the real Apptainer 1.4.5 of the build folder and a 1 MB SIF
#            (static busybox sleeping 0.3 s; built here from a sandbox folder, ~1 s, kept
#            in the build folder): check() passes on node1,node2, fails on node3 -> its
#            experiments run on node1,node2 only, in user-namespace mode (root without
#            every capability here), recorded in /platforms detail
#   dock     docker, image pbnap:1 (the same sandbox folder, `docker import`ed into node1's
#            engine) -> runs on node1 only (node2: no engine answers; node3: no CLI)
#   vmssh    vm, mode ssh to "head" (a VM reachable by ssh; same shared folder): its
#            check() passes on node1 and node2 and fails on node3 (no ssh client), so
#            node3's rank leaves those experiments to node1 and node2
#   docker   docker, an image no engine has -> no rank can: skipped, with each host's
#            own reason (node1: image not found; node2: daemon not reachable; node3: no CLI)
#   nowhere  bare, hosts = "gpu[01-04]" -> skipped: no rank on a matching host
# A rank that cannot run a platform leaves its experiments to ranks that can; only
# experiments no rank can serve are skipped, and the job says so (exit 0: skipped is an expected outcome).
# shellcheck source=tests/cluster/lib.sh
source "$(dirname "$0")/lib.sh"
on node3 sh -c "! command -v docker" || fail "fixture: docker is not hidden on node3"
on node3 sh -c "! command -v ssh" || fail "fixture: ssh is not hidden on node3"
on node1 sh -c "command -v docker >/dev/null && command -v ssh >/dev/null" || fail "fixture: docker or ssh missing on node1"
: "${PB_APPTAINER:?}" "${PB_CLUSTER_SIF:?}"
on node3 test ! -x "$PB_APPTAINER" || fail "fixture: $PB_APPTAINER is not hidden on node3"
on node2 "$PB_APPTAINER" --version >/dev/null || fail "fixture: $PB_APPTAINER does not run on node2"
# the image's root: a static busybox and /usr/local/bin/nap.sh (the container backends'
# default path for workload nap.sh)
make_root() { # DIR
  mkdir -p "$1"/bin "$1"/etc "$1"/usr/local/bin && cp /bin/busybox "$1"/bin/ &&
    ln -s busybox "$1"/bin/sh && ln -s busybox "$1"/bin/sleep && touch "$1"/etc/passwd "$1"/etc/group &&
    printf '#!/bin/sh\nexec sleep 0.3\n' > "$1"/usr/local/bin/nap.sh && chmod 755 "$1"/usr/local/bin/nap.sh
}
sb=$(mktemp -d)
make_root "$sb/root" || fail "cannot fill the image root $sb/root"
# the SIF, built once on the host
if [ ! -s "$PB_CLUSTER_SIF" ] || [ "$PB_CLUSTER_SIF" -ot /bin/busybox ]; then
  mkdir -p "$(dirname "$PB_CLUSTER_SIF")"
  if ! "$PB_APPTAINER" --quiet build --force "$PB_CLUSTER_SIF.tmp" "$sb/root" >"$sb/build.log" 2>&1; then
    cat "$sb/build.log" >&2
    fail "cannot build $PB_CLUSTER_SIF (apptainer build from $sb/root)"
  fi
  mv "$PB_CLUSTER_SIF.tmp" "$PB_CLUSTER_SIF"
  log "built $PB_CLUSTER_SIF ($(stat -c %s "$PB_CLUSTER_SIF") bytes)"
fi
# a Docker engine in node1 only; the job's ranks inherit DOCKER_HOST (sbatch --export=ALL):
# the socket exists only in node1's /run
dstate=$PB_CLUSTER_DIR/nodes/node1/dockerd dsock=/run/pbdockerd
export DOCKER_HOST=unix://$dsock/docker.sock
stop_dockerd() { on node1 "$PB_SOURCE_DIR/recipes/dockerd.sh" stop "$dstate" "$dsock" >/dev/null; rm -rf "$sb"; }
trap stop_dockerd EXIT
on node1 "$PB_SOURCE_DIR/recipes/dockerd.sh" start "$dstate" "$dsock" | sed "s/^/[$test_name] node1: /"
[ "${PIPESTATUS[0]}" = 0 ] || fail "dockerd did not start in node1 (log $dstate/dockerd.log)"
on node2 docker info >/dev/null 2>&1 && fail "fixture: a Docker engine answers on node2"
tar -C "$sb/root" -c . | on node1 docker import - pbnap:1 >/dev/null || fail "docker import into node1's engine failed"
log "dockerd up in node1, image pbnap:1 imported"
write_campaign "$work/c.cfg" cluster-placement 4 sleep:0.3 '(
  { name = "near"; kind = "bare"; hosts = "node[1-2]"; },
  { name = "far"; kind = "bare"; hosts = "node3"; },
  { name = "sif"; kind = "singularity"; image = "'"$PB_CLUSTER_SIF"'"; runtime = "'"$PB_APPTAINER"'"; },
  { name = "dock"; kind = "docker"; image = "pbnap:1"; },
  { name = "vmssh"; kind = "vm"; mode = "ssh"; ssh_host = "head"; },
  { name = "docker"; kind = "docker"; image = "platbench-cnn:none"; },
  { name = "nowhere"; kind = "bare"; hosts = "gpu[01-04]"; } )'
j=$(submit pbc-placement -N 3 -n 3 --time=5 -- c.cfg results.h5) || fail "sbatch failed"
log "submitted job $j"
wait_job_end "$j" 90
out=$work/pbc-placement-$j.out
hd grep "skipped:" "$out" | sed "s/^/[$test_name] job: /"
hd grep -q "^platbench: 8 experiments skipped: this allocation cannot run their platform$" "$out" ||
  fail "the job does not report the skipped experiments"
hd grep -q "runner exited with status 0" "$out" || fail "skipped experiments made the runner exit non-zero"
pyread "$check" check results.h5 --n 28 --state complete --no-failed || fail "results file check"
# each host's own reason, in the job's log (the row's error field holds the first 160 characters)
hd grep -q 'platform docker skipped: no rank can run it: node1: docker: image platbench-cnn:none not found.*; node2: docker: daemon not reachable.*; node3: docker: CLI "docker" not found' "$out" ||
  fail "the docker skip reason does not name node1, node2 and node3 with their own reasons"
pyread "$ccheck" results.h5 --platform-on near=node1,node2 --platform-on far=node3 --platform-on vmssh=node1,node2 \
  --platform-on sif=node1,node2 --platform-on dock=node1 --detail 'sif=userns yes (auto: root lacks capabilities' \
  --skipped 'docker=no rank can run it: node1: docker: image platbench-cnn:none not found' \
  --skipped 'nowhere=no rank can run it|node1,node2,node3: not a host matching hosts = "gpu[01-04]"' ||
  fail "placement check"
log "ok"
