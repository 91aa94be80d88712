#!/bin/bash
# `platbench plan` lists every experiment in run order with its exact argv and checks platforms:
# 3 tests x 2 platforms, per-test seeds (both platforms of a test share the seed), each test's
# block holds both platforms once.
PB=$1
HERE=$(cd "$(dirname "$0")" && pwd)
out=$("$PB" plan "$HERE/small.cfg") || { echo "FAIL: plan exited $?"; exit 1; }
echo "$out"
echo "$out" | grep -Eq '^ +bare +kind bare .* ok$' || { echo "FAIL: platform check line"; exit 1; }
lines=$(echo "$out" | grep -E '^e[0-9]{4} ')
[ "$(echo "$lines" | wc -l)" -eq 6 ] || { echo "FAIL: expected 6 experiments"; exit 1; }
echo "$lines" | grep -q -- "platbench-cnn train --model $(realpath "$HERE/../../jobs/models/tiny.cfg") --data /usr/share/datasets/fashion-mnist --out .*/e0000-a1/result.h5 --steps 3 --batch 16 --threads 1 --seed 4[234] --max-images 200" || { echo "FAIL: argv"; exit 1; }
for t in 0 1 2; do
  blk=$(echo "$lines" | awk -v t=$t '$3 == t')
  [ "$(echo "$blk" | awk '{print $2}' | sort | tr '\n' ' ')" = "bare bare-b " ] || { echo "FAIL: test $t block"; exit 1; }
  [ "$(echo "$blk" | awk '{print $4}' | sort -u)" = "$((42 + t))" ] || { echo "FAIL: test $t seeds"; exit 1; }
done
echo PASS
