#!/bin/bash
# test_campaign_all.sh PLATBENCH IMAGES_DIR MODELS_DIR -- runs tests/platforms/campaign_all.cfg
# through the real runner (2 MPI ranks) and checks the results file (check_campaign_all.py).
# Environment: DOCKER_HOST (the fixture's dockerd), PATH with Apptainer (the pf_apptainer fixture's).
set -u
PLATBENCH=$1 IMAGES=$2 MODELS=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/pb-test-campaign-XXXXXX)
trap 'rm -rf "$T"' EXIT
cp "$HERE/campaign_all.cfg" "$T/"
ln -s "$IMAGES" "$T/images"
ln -s "$MODELS" "$T/models"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} # same OpenBLAS kernels in the VM
"$PLATBENCH" plan "$T/campaign_all.cfg" || exit 1
mpirun -n 2 "$PLATBENCH" run "$T/campaign_all.cfg"
rc=$?
echo "platbench run: exit $rc"
/usr/bin/python3 "$HERE/check_campaign_all.py" "$T/campaign_all.h5"
ok=$?
[ $rc -eq 0 ] && [ $ok -eq 0 ]
