#!/bin/bash
# replay_all.sh PLATBENCH MODELS_DIR IMAGES_DIR WORKDIR -- replay on the platform kinds not covered
# by replay_bare/compare_docker: Apptainer (the SIF) and a QEMU VM (kernel + initramfs), images
# of tests/platforms (fixture pf_images; PATH holds its Apptainer). One experiment per platform,
# 3 steps; each replayed -> bit-identical, exit 0.
PB=$1 MODELS=$2 IMAGES=$3 WORK=$4
. "$(dirname "$0")/lib.sh" # set -u, a fresh $WORK entered; write_cfg, run_campaign, expect_rc
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} # as tests/platforms: the VM's CPU lacks AVX-512
sif_vm=$(cat <<PLATS
  { name = "singularity"; kind = "singularity"; image = "$IMAGES/platbench.sif"; },
  { name = "vm"; kind = "vm"; mode = "qemu"; accel = "auto"; memory_mb = 768;
    kernel = "$IMAGES/vm/vmlinuz"; initrd = "$IMAGES/vm/initramfs.cpio.gz"; }
PLATS
)
write_cfg all.cfg 1 3 "$sif_vm" 1 5 'order = "sequential";'
run_campaign all.cfg R.h5 || exit 1
for id in 0 1; do
    if expect_rc 0 r$id.txt "$PB" replay R.h5 $id; then
        grep -q "^platbench replay: IDENTICAL: all 3 steps" r$id.txt || fail "replay R $id: no IDENTICAL line"
        ok "replay of $(sed -n 's/.*platform \([a-z]*\) (\([a-z]*\)).*/\2/p' r$id.txt | head -1) experiment $id: bit-identical, exit 0"
    fi
done
finish
