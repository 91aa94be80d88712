# shellcheck shell=bash
# campaign_text.sh: the test campaigns of the Slurm and the multi-node tests (sourced by
# tests/slurm/lib.sh and tests/cluster/lib.sh, which write them their own way: a file here,
# `tee` on the cluster's head node there). Needs PB_SOURCE_DIR and, for KIND cnn, PLATBENCH_CNN.

# campaign_text NAME TESTS KIND PLATFORMS NAPDIR: on stdout, a campaign of TESTS experiments
# on PLATFORMS (a libconfig list). KIND cnn: platbench-cnn with the tiny model on Fashion-MNIST
# (~1 s each); KIND sleep:SECONDS: a plain workload, NAPDIR/nap.sh, that sleeps for the
# seconds in NAPDIR/nap_s (cheap and exactly as long as asked: wall-time tests; a test may
# shorten the experiments of a resumed job without changing the campaign's settings).
campaign_text() {
  local name=$1 tests=$2 kind=$3 platforms=$4 napdir=$5
  case $kind in
  cnn)
    cat <<CFG
campaign = { name = "$name"; };
workload = {
  executable = "${PLATBENCH_CNN:?}";
  model = "$PB_SOURCE_DIR/jobs/models/tiny.cfg";
  data = "/usr/share/datasets/fashion-mnist";
  steps = 10;
  batch = 16;
  threads = 1;
  args = [ "--max-images", "2000" ];
};
tests = $tests;
timeout_s = 120.0;
platforms = $platforms;
CFG
    ;;
  sleep:*)
    cat <<CFG
campaign = { name = "$name"; };
workload = {
  interface = "plain";
  executable = "$napdir/nap.sh";
  steps = 1;
};
tests = $tests;
timeout_s = 120.0;
kill_grace_s = 2.0;
platforms = $platforms;
CFG
    ;;
  *) echo "campaign_text: unknown kind $kind (expected cnn or sleep:SECONDS)" >&2; return 1 ;;
  esac
}

# nap_text NAPDIR: the text of NAPDIR/nap.sh (sleeps as long as NAPDIR/nap_s says)
nap_text() { printf '#!/bin/sh\nexec sleep "$(cat "%s/nap_s")"\n' "$1"; }
