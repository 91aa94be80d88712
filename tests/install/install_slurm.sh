#!/bin/bash
# install_slurm.sh PREFIX SLURM_CONF
# The installed job script under real Slurm, the way a user submits it: a clean shell,
# `module load platbench`, the jobs/ templates copied to a folder outside the source tree,
# `sbatch my-jobs/quick.sbatch one.cfg results.h5` without PLATBENCH_BIN. The job must
# find the installed platbench on the PATH sbatch passed on, and complete the campaign
# (bare platform, installed tiny model, Fashion-MNIST, 2 tests). PREFIX comes from
# install_lmod (fixture pb_installed), the cluster from tests/slurm (fixture slurm).
set -uo pipefail
prefix=${1:?usage: install_slurm.sh PREFIX SLURM_CONF} conf=${2:?}
. "$(dirname "$0")/user_shell.sh"
away=$(mktemp -d "${TMPDIR:-/tmp}/pbinstall-slurm.XXXXXX")
trap 'rm -rf "$away"' EXIT
chmod 755 "$away" # slurmd runs the job as root here, but keep it readable like a home folder
t0=$(date +%s)
# shellcheck disable=SC2016 # expanded by the clean shell
user_script='
cp -r "$PLATBENCH_SHARE/jobs" my-jobs || exit 1
one_cfg 2 "timeout_s = 60.0;"
echo "+ sbatch --parsable --ntasks=1 --time=5 my-jobs/quick.sbatch one.cfg results.h5"
sbatch --parsable --job-name=pbt-install --ntasks=1 --time=5 --output="$PWD/%x-%j.out" \
    my-jobs/quick.sbatch one.cfg results.h5 >job-id || { echo "FAIL: sbatch"; exit 1; }
'
cd "$away" || exit 1
user_path=/usr/bin:/bin
user_env=(SLURM_CONF="$conf")
user_shell "$away" "$user_script" "$prefix" || { echo "FAIL: the user's clean shell"; exit 1; }
job=$(cat job-id)
echo "submitted job $job"
export SLURM_CONF=$conf
state=""
for _ in $(seq 300); do # 60 s
    state=$(scontrol show job -o "$job" 2>/dev/null | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p')
    case $state in PENDING|RUNNING|CONFIGURING|COMPLETING|"") sleep 0.2 ;; *) break ;; esac
done
out=$away/pbt-install-$job.out
echo "job $job: $state after $(( $(date +%s) - t0 )) s; its output:"
sed 's/^/  | /' "$out" 2>/dev/null
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ "$state" = COMPLETED ] || fail "job $job ended $state, expected COMPLETED"
grep -q "platbench $prefix/bin/platbench\$" "$out" || fail "the job did not run the installed $prefix/bin/platbench"
grep -q "campaign complete" "$out" || fail "the job output does not say the campaign is complete"
grep -Eq "^\[quick.sbatch\] TOTAL +2 " "$out" || fail "platbench status in the job output does not count 2 done"
echo "install_slurm: $(( $(date +%s) - t0 )) s, $fails failure(s)"
[ "$fails" = 0 ]
