#!/bin/bash
# docker_image.sh BUILD_DIR OUT_DIR PLATBENCH_CNN -- fixture cmp_image: the workload's Docker image
# as platbench-compare:a (recipes/build-images.sh, ONLY=docker), into OUT_DIR with the base
# root file system cache of tests/platforms (BUILD_DIR/images/cache) shared, so the debootstrap
# runs once per build folder. Needs DOCKER_HOST (fixture pf_dockerd).
set -eu
BUILD=$1 OUT=$2 CNN=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$BUILD/images/cache" "$OUT"
ln -sfn "$BUILD/images/cache" "$OUT/cache"
ONLY=docker TAG=platbench-compare:a "$SRC/recipes/build-images.sh" "$OUT" "$CNN"
