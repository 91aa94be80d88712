# shellcheck shell=bash
# lib.sh: helpers shared by the multi-node test scripts (sourced). The cluster is the
# one cluster-up.sh started in $PB_CLUSTER_DIR (CTest fixture); every cluster command
# runs inside a node through node.sh (the host has no route into the cluster). Each
# test gets a fresh work folder $work in the shared folder ($PB_SHARED, the same path
# on head and every node), made and written through head: on GlusterFS the brick must
# not be written from the host. The tests set no MPI-IO/HDF5 variable for the runner:
# platbench must set what a shared file system needs itself (src/runner/iosafe.h).
set -uo pipefail
: "${PB_CLUSTER_DIR:?PB_CLUSTER_DIR not set (run through ctest: the cluster fixture sets it)}"
: "${PB_SOURCE_DIR:?}" "${PLATBENCH_BIN:?}" "${PLATBENCH_CNN:?}"
PB_SHARED=$(cat "$PB_CLUSTER_DIR/shared_mnt") || { echo "no cluster in $PB_CLUSTER_DIR" >&2; exit 1; }
PB_SHARED_FS=$(cat "$PB_CLUSTER_DIR/shared_fs")
test_name=$(basename "$0" .sh)
work=$PB_SHARED/work/$test_name
py=/usr/bin/python3
check=$PB_SOURCE_DIR/tests/slurm/check_results.py
ccheck=$PB_SOURCE_DIR/tests/cluster/check_cluster.py
t_start=$(date +%s)
# the runner must not inherit these from the test: platbench sets them (iosafe.c)
unset OMPI_MCA_sharedfp OMPI_MCA_io HDF5_USE_FILE_LOCKING

log() { echo "[$test_name +$(( $(date +%s) - t_start ))s] $*"; }
# on NODE CMD...: run CMD inside NODE, in $work once it exists
on() { (cd / && "$PB_SOURCE_DIR/tests/cluster/node.sh" "$PB_CLUSTER_DIR" "$1" sh -c 'cd "$0" 2>/dev/null; exec "$@"' "$work" "${@:2}"); }
hd() { on head "$@"; }
# pyread ARGS...: a results-file checker on head, reading through the shared folder
# (file locking off for this reader only: it reads while a campaign may write)
pyread() { hd env HDF5_USE_FILE_LOCKING=FALSE "$py" "$@"; }
fail() {
  echo "[$test_name] FAIL: $*" >&2
  for f in $(hd sh -c 'ls "$0"/*.out 2>/dev/null' "$work"); do echo "--- $f" >&2; hd tail -n 40 "$f" >&2; done
  hd squeue >&2 2>/dev/null
  hd sinfo >&2 2>/dev/null
  exit 1
}
hd rm -rf "$work" && hd mkdir -p "$work" || { echo "cannot make $work in the cluster" >&2; exit 1; }

# job_state JOB: Slurm state of a job ("" once the controller forgot it)
job_state() { hd scontrol show job -o "$1" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p'; }
source "$PB_SOURCE_DIR/tests/slurm/jobwait.sh"
source "$PB_SOURCE_DIR/tests/slurm/campaign_text.sh"
# submit NAME SBATCH-ARGS... -- CAMPAIGN RESULTS: quick.sbatch in $work; prints the job id
submit() {
  local name=$1; shift
  local args=()
  while [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  hd sbatch --parsable --job-name="$name" --output="$work/%x-%j.out" "${args[@]}" \
    "$PB_SOURCE_DIR/jobs/quick.sbatch" "$@"
}
# write_campaign FILE NAME TESTS KIND [PLATFORMS]: campaign_text's campaign
# (tests/slurm/campaign_text.sh) written on head; KIND cnn (tiny model on Fashion-MNIST, ~1 s
# each) or sleep:SECONDS (nap.sh reads $work/nap_s at each launch); PLATFORMS default: bare
write_campaign() {
  local file=$1 name=$2 tests=$3 kind=$4
  local platforms=${5:-'( { name = "bare"; kind = "bare"; } )'}
  if [ "$kind" != cnn ]; then
    nap_text "$work" | hd tee "$work/nap.sh" >/dev/null
    hd chmod +x "$work/nap.sh"
    echo "${kind#sleep:}" | hd tee "$work/nap_s" >/dev/null
  fi
  campaign_text "$name" "$tests" "$kind" "$platforms" "$work" | hd tee "$file" >/dev/null
}
resubmitted_job() { hd sed -n 's/.*resubmitted as job \([0-9]*\).*/\1/p' "$1" | tail -1; }
