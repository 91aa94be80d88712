#!/bin/bash
# replay_all.sh PLATBENCH MODELS_DIR IMAGES_DIR WORKDIR -- replay on the platform kinds not covered
# by replay_bare/compare_docker: Apptainer (the SIF) and a QEMU VM (kernel + initramfs), images
# of tests/platforms (fixture pf_images; PATH holds its Apptainer). One experiment per platform,
# 3 steps; each replayed -> bit-identical, exit 0.
set -u
PB=$1 MODELS=$2 IMAGES=$3 WORK=$4
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
t0=$(date +%s)
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} # as tests/platforms: the VM's CPU lacks AVX-512
cat >all.cfg <<CFG
campaign = { name = "replay-all"; };
workload = {
  executable = "platbench-cnn";
  model = "$MODELS/tiny.cfg";
  data = "/usr/share/datasets/fashion-mnist";
  steps = 3;
  batch = 16;
  threads = 1;
  args = [ "--max-images", "200" ];
};
tests = 1;
seed = { base = 5; policy = "per-test"; };
order = "sequential";
timeout_s = 300.0;
retries = 0;
platforms = (
  { name = "singularity"; kind = "singularity"; image = "$IMAGES/platbench.sif"; },
  { name = "vm"; kind = "vm"; mode = "qemu"; accel = "auto"; memory_mb = 768;
    kernel = "$IMAGES/vm/vmlinuz"; initrd = "$IMAGES/vm/initramfs.cpio.gz"; }
);
CFG
run_campaign all.cfg R.h5 || exit 1
for id in 0 1; do
    if expect_rc 0 r$id.txt "$PB" replay R.h5 $id; then
        grep -q "^platbench replay: IDENTICAL: all 3 steps" r$id.txt || fail "replay R $id: no IDENTICAL line"
        ok "replay of $(sed -n 's/.*platform \([a-z]*\) (\([a-z]*\)).*/\2/p' r$id.txt | head -1) experiment $id: bit-identical, exit 0"
    fi
done
echo "replay_all: $(($(date +%s) - t0)) s, $fails failure(s)"
[ "$fails" = 0 ]
