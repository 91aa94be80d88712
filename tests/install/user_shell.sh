# user_shell.sh: sourced by install_lmod.sh and install_slurm.sh, the set-up both share: a
# user's clean login-like shell with Debian's Lmod and the installed platbench module loaded.
#
#   user_shell HOME SCRIPT ARG...   runs SCRIPT in `env -i ... bash --norc` (PATH=$user_path,
#                                   plus the variables in the array user_env) with ARG... as
#                                   $1...; SCRIPT runs after user_prelude, so $1 is the PREFIX
#                                   and these are defined in it:
#     step CMD...                   prints "+ CMD", runs it
#     must CMD...                   runs CMD; on failure prints FAIL and exits 1
#     one_cfg TESTS [LINE]          writes one.cfg: a campaign of TESTS bare experiments of the
#                                   installed tiny model on Fashion-MNIST (3 steps), plus LINE
# The module is loaded (module use PREFIX/modulefiles; module load platbench) before SCRIPT.
lmod_init=/usr/share/lmod/lmod/init/bash
user_path=/usr/local/bin:/usr/bin:/bin
user_env=()
# shellcheck disable=SC2016 # expanded by the clean shell
user_prelude='
set -uo pipefail
prefix=$1
step() { echo "+ $*"; "$@"; }
must() { "$@" || { echo "FAIL: $* (exit $?)"; exit 1; }; }
one_cfg() {
cat >one.cfg <<CFG
campaign = { name = "one"; };
workload = {
  model = "$PLATBENCH_SHARE/jobs/models/tiny.cfg";
  data = "/usr/share/datasets/fashion-mnist";
  steps = 3;
  batch = 16;
  args = ["--max-images", "300"];
};
tests = $1;
${2:-}
platforms = ( { name = "bare"; kind = "bare"; } );
CFG
}
. '"$lmod_init"'
must module use "$prefix/modulefiles"
must module load platbench
'

user_shell() {
    local home=$1 script=$2
    shift 2
    [ -f "$lmod_init" ] || { echo "FAIL: $lmod_init not found: apt-get install lmod"; return 1; }
    env -i HOME="$home" USER=root LOGNAME=root TERM=dumb PATH="$user_path" "${user_env[@]}" \
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 \
        bash --norc --noprofile -c "$user_prelude$script" bash "$@"
}
