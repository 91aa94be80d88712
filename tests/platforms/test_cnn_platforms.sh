#!/bin/bash
# test_cnn_platforms.sh PF_LAUNCH PLATBENCH_CNN IMAGES_DIR MODEL FASHION_MNIST_DIR [KINDS]
#
# The real workload (platbench-cnn train, tiny model, few steps, Fashion-MNIST IDX with
# --max-images) on bare metal and through each platform (default: docker singularity vm),
# same seed: the result files must hold identical training curves (compare_results.py, h5py),
# and a platform's CPU limit must be visible to the workload (docker cpuset_cpus=0 ->
# cpus_seen 1 in the result file). Environment: DOCKER_HOST, PATH (apptainer for singularity).
set -u
LAUNCH=$1 CNN=$2 IMAGES=$3 MODEL=$4 DATA=$5
KINDS=${6:-docker singularity vm}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/pb-test-cnn-XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }
# same OpenBLAS kernels everywhere (a VM's CPU model may make OpenBLAS pick another one)
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
ARGS=(train --model "$MODEL" --data "$DATA" --max-images 200 --steps 6 --batch 16 --threads 1 --seed 5)
mkdir -p "$T/bare"
"$CNN" "${ARGS[@]}" --out "$T/bare/r.h5" >"$T/bare.log" 2>&1
check "bare run (exit $?)" $?
files=()
for k in $KINDS; do
    mkdir -p "$T/$k"
    case $k in
    docker) OPTS=(-o image=platbench:local -o cpuset_cpus=0) ;;
    singularity) OPTS=(-o "image=$IMAGES/platbench.sif") ;;
    vm) OPTS=(-o "kernel=$IMAGES/vm/vmlinuz" -o "initrd=$IMAGES/vm/initramfs.cpio.gz" -o memory_mb=768) ;;
    esac
    s=$(date +%s.%N)
    "$LAUNCH" --kind "$k" "${OPTS[@]}" --read "$MODEL" --read "$DATA" --write "$T/$k" --id "pbt-cnn-$k-$$" \
        --threads 1 --timeout 400 -- "$CNN" "${ARGS[@]}" --out "$T/$k/r.h5" >"$T/$k.log" 2>&1
    rc=$?
    e=$(date +%s.%N)
    check "$k run (exit $rc, $(awk -v a="$s" -v b="$e" 'BEGIN {printf "%.2f", b - a}') s wall)" $rc
    [ $rc -eq 0 ] || tail -5 "$T/$k.log"
    [ -s "$T/$k/r.h5" ] && files+=("$T/$k/r.h5")
done
/usr/bin/python3 "$HERE/compare_results.py" "$T/bare/r.h5" "${files[@]}"
check "same seed -> identical curves on every platform" $?
if [[ " $KINDS " == *" docker "* ]]; then
    c=$(/usr/bin/python3 -c 'import h5py,sys; print(int(h5py.File(sys.argv[1])["/"].attrs["cpus_seen"]))' "$T/docker/r.h5" 2>/dev/null)
    [ "$c" = 1 ]; check "docker cpuset_cpus=0: result file says cpus_seen = 1 (got $c)" $?
fi
echo "$fails failed"
[ $fails -eq 0 ]
