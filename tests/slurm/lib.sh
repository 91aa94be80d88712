# shellcheck shell=bash
# lib.sh: helpers shared by the Slurm test scripts (sourced). Each test gets a fresh
# work folder $work under $PB_WORK_ROOT and fails through fail().
set -uo pipefail
: "${SLURM_CONF:?SLURM_CONF not set (run through ctest: the slurm fixture sets it)}"
: "${PB_SOURCE_DIR:?}" "${PB_WORK_ROOT:?}"
test_name=$(basename "$0" .sh)
work=$PB_WORK_ROOT/$test_name
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
py=/usr/bin/python3
check=$PB_SOURCE_DIR/tests/slurm/check_results.py
export HDF5_USE_FILE_LOCKING=FALSE # read results files while the runner writes them
t_start=$(date +%s)

log() { echo "[$test_name +$(( $(date +%s) - t_start ))s] $*"; }
fail() {
  echo "[$test_name] FAIL: $*" >&2
  for f in "$work"/*.out; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 40 "$f" >&2; }; done
  squeue >&2 2>/dev/null
  exit 1
}

# job_state JOB: Slurm state of a job ("" once the controller forgot it)
job_state() { scontrol show job -o "$1" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p'; }
source "$PB_SOURCE_DIR/tests/slurm/jobwait.sh"
source "$PB_SOURCE_DIR/tests/slurm/campaign_text.sh"
# node_name: the cluster's only node
node_name() { sinfo -h -o %N | head -1; }

# write_campaign FILE NAME TESTS KIND: campaign_text's campaign (tests/slurm/campaign_text.sh)
# into FILE, on the bare platform; for KIND cnn its hosts a Slurm hostlist that holds this
# node among others (src/runner/hostlist.c); for KIND sleep:SECONDS nap.sh and nap_s in $work.
write_campaign() {
  local file=$1 name=$2 tests=$3 kind=$4
  local platforms='( { name = "bare"; kind = "bare"; } )'
  if [ "$kind" = cnn ]; then
    platforms="( { name = \"bare\"; kind = \"bare\"; hosts = \"nohost[01-04],$(node_name),gpu[1-2]\"; } )"
  else
    nap_text "$work" > "$work/nap.sh" && chmod +x "$work/nap.sh" && echo "${kind#sleep:}" > "$work/nap_s"
  fi
  campaign_text "$name" "$tests" "$kind" "$platforms" "$work" > "$file"
}

# resubmitted_job OUTFILE: the job id quick.sbatch says it resubmitted as
resubmitted_job() { sed -n 's/.*resubmitted as job \([0-9]*\).*/\1/p' "$1" | tail -1; }
