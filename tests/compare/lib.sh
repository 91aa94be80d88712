# shellcheck shell=bash
# lib.sh: shared by the compare tests (sourced). Needs PB (platbench), MODELS (jobs/models) and
# WORK, which it makes afresh and enters; fail/ok/finish come from tests/common/testlib.sh.
set -u
. "$(dirname "$0")/../common/testlib.sh"
fresh_work "$WORK"
cd "$WORK" || exit 1
# two bare platforms (each experiment of a campaign runs on both)
BARE2='{ name = "bare"; kind = "bare"; }, { name = "bare-b"; kind = "bare"; }'

# write_cfg FILE THREADS STEPS PLATFORMS [TESTS [SEED_BASE [MORE]]]: a tiny real campaign
# (platbench-cnn, tiny model, Fashion-MNIST IDX capped at 200 images, TESTS (3) tests per
# platform, seeds per test from SEED_BASE (42)); MORE: further settings, e.g. the order.
write_cfg() {
    cat >"$1" <<CFG
campaign = { name = "compare-test"; };
workload = {
  executable = "platbench-cnn";
  model = "$MODELS/tiny.cfg";
  data = "/usr/share/datasets/fashion-mnist";
  steps = $3;
  batch = 16;
  threads = $2;
  args = [ "--max-images", "200" ];
};
tests = ${5:-3};
seed = { base = ${6:-42}; policy = "per-test"; };
${7:-}
timeout_s = 300.0;
retries = 0;
platforms = ( $4 );
CFG
}

# run_campaign CFG OUT: one rank, the log kept next to OUT
run_campaign() {
    "$PB" run "$1" -o "$2" >"$2.log" 2>&1
    local rc=$?
    [ $rc = 0 ] || { cat "$2.log"; fail "platbench run $1 -o $2 exited $rc"; return 1; }
    tail -3 "$2.log" | head -1
}

# expect_rc WANT LOG CMD...: runs CMD, its output into LOG (and shown), checks the exit status
expect_rc() {
    local want=$1 log=$2
    shift 2
    echo "+ $*"
    "$@" >"$log" 2>&1
    local rc=$?
    cat "$log"
    [ "$rc" = "$want" ] || { fail "$* exited $rc, expected $want"; return 1; }
    return 0
}
