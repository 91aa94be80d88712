#!/bin/bash
# The stand-in's version recorded end to end: its manifest (standin.txt "version = N") ->
# platbench-cnn's result file (attribute data_version) -> the campaign results file
# (/experiments field data_version), for the current stand-in, for a first stand-in's
# manifest (no version line: 1) and for Fashion-MNIST IDX files (not a stand-in: 0).
# About 20 s on 2 cores (a full stand-in written, tiny model, 2 steps).
# usage: version_test.sh PLATBENCH_CNN PLATBENCH MPIEXEC IDX_DIR WORKDIR
set -u
CNN=$1 PB=$2 MPIEXEC=$3 IDX=$4 WORK=$5
HERE=$(cd "$(dirname "$0")" && pwd)
TINY=$HERE/../../jobs/models/tiny.cfg
want=$(sed -n 's/^#define STANDIN_VERSION \([0-9]*\).*/\1/p' "$HERE/../../src/cnn/standin.h")
[ -n "$want" ] || { echo "FAIL: no STANDIN_VERSION in src/cnn/standin.h"; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
# attribute NAME of FILE's root
attr() { /usr/bin/python3 -c 'import sys, h5py; print(int(h5py.File(sys.argv[1], "r").attrs[sys.argv[2]]))' "$1" "$2"; }

"$CNN" dataset --out "$WORK/standin" --seed 5 2>"$WORK/dataset.log" || { cat "$WORK/dataset.log"; fail "dataset"; }
grep -qx "version = $want" "$WORK/standin/standin.txt" || fail "standin.txt lacks \"version = $want\""

# the campaign: two tests on bare; every row records the version its workload read
cat > "$WORK/version.cfg" <<CFG
campaign = { name = "data-version"; output = "version.h5"; };
workload = { executable = "$CNN"; model = "$TINY"; data = "$WORK/standin"; steps = 2; batch = 8; threads = 1; };
tests = 2;
seed = { base = 3; policy = "per-test"; };
timeout_s = 120.0;
retries = 0;
platforms = ( { name = "bare"; kind = "bare"; } );
CFG
"$MPIEXEC" -n 1 "$PB" run "$WORK/version.cfg" -o "$WORK/results.h5" > "$WORK/run.log" 2>&1 \
    || { cat "$WORK/run.log"; fail "platbench run exited non-zero"; }
/usr/bin/python3 - "$WORK/results.h5" "$want" <<'PY' || exit 1
import sys, h5py
rows = h5py.File(sys.argv[1], "r")["experiments"][:]
got = [(r["status"].decode(), int(r["data_version"])) for r in rows]
print("results file rows (status, data_version):", got)
if len(got) != 2 or any(g != ("done", int(sys.argv[2])) for g in got):
    sys.exit("FAIL: expected 2 rows done with data_version %s" % sys.argv[2])
PY

# the workload alone: a first stand-in's manifest reads 1, IDX files 0
sed -i '/^version = /d' "$WORK/standin/standin.txt"
"$CNN" train --model "$TINY" --data "$WORK/standin" --steps 1 --batch 4 --threads 1 --out "$WORK/v1.h5" \
    > "$WORK/v1.log" 2>&1 || { cat "$WORK/v1.log"; fail "train on the first stand-in"; }
v=$(attr "$WORK/v1.h5" data_version) && [ "$v" = 1 ] || fail "a manifest without a version line: data_version $v, expected 1"
"$CNN" train --model "$TINY" --data "$IDX" --max-images 50 --steps 1 --batch 4 --threads 1 --out "$WORK/idx.h5" \
    > "$WORK/idx.log" 2>&1 || { cat "$WORK/idx.log"; fail "train on IDX"; }
v=$(attr "$WORK/idx.h5" data_version) && [ "$v" = 0 ] || fail "Fashion-MNIST IDX: data_version $v, expected 0"
echo PASS
