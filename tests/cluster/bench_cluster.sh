#!/bin/bash
# bench_cluster.sh [ROUNDS]: the figures of README "Several nodes" (not a test; as root,
# after a build; ~3 minutes per round on an idle machine). For SHARED_FS in bind and gluster: cluster bring-up and
# teardown time; the same tiny-CNN campaign (9 experiments) on 3 nodes x 1 rank vs 1 node
# x 1 and 1 node x 2 ranks; and the results-file cost of remote ranks: 60 experiments of
# /bin/true on 3 nodes, whose time is mostly launch + row writes to the shared file.
# All nodes share this machine's cores: compare within a run, not with real clusters.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
rounds=${1:-2}
bin=${PLATBENCH_BIN:-$src/build/src/platbench} cnn=${PLATBENCH_CNN:-$src/build/src/platbench-cnn}
[ -x "$bin" ] && [ -x "$cnn" ] || { echo "build first (./setup.sh build)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
dir=${BENCH_DIR:-$src/build/tests/cluster/bench}
ms() { date +%s%N | cut -c1-13; }
for fs in bind gluster; do
  for r in $(seq "$rounds"); do
    t0=$(ms); SHARED_FS=$fs "$here/cluster-up.sh" "$dir" >/dev/null; t1=$(ms)
    mnt=$(cat "$dir/shared_mnt")
    on() { (cd / && "$here/node.sh" "$dir" head sh -c 'cd "$0" && exec "$@"' "$mnt" "$@"); }
    on tee cnn.cfg >/dev/null <<CFG
campaign = { name = "bench-cnn"; };
workload = { executable = "$cnn"; model = "$src/jobs/models/tiny.cfg";
  data = "/usr/share/datasets/fashion-mnist"; steps = 10; batch = 16; threads = 1;
  args = [ "--max-images", "2000" ]; };
tests = 9;
platforms = ( { name = "bare"; kind = "bare"; } );
CFG
    on tee true.cfg >/dev/null <<CFG
campaign = { name = "bench-io"; };
workload = { interface = "plain"; executable = "/bin/true"; steps = 1; };
tests = 60;
platforms = ( { name = "bare"; kind = "bare"; } );
CFG
    runner_s() { # CFG OUT SRUN-ARGS...: the runner's own "complete after X s"
      local cfg=$1 out=$2; shift 2
      on timeout 300 srun -t 5 "$@" "$bin" run "$cfg" -o "$out" 2>&1 |
        sed -n 's/.*complete after \([0-9.]*\) s.*/\1/p; s/.*file ready in \([0-9.]*\) s.*/ready=\1/p' | tr '\n' ' '
    }
    echo "$fs round $r: up $(( t1 - t0 )) ms"
    echo "  cnn 9 exp, 3 nodes x1: $(runner_s cnn.cfg c3.h5 -N 3 -n 3) s"
    echo "  cnn 9 exp, 1 node  x1: $(runner_s cnn.cfg c1.h5 -N 1 -n 1) s"
    echo "  cnn 9 exp, 1 node  x2: $(runner_s cnn.cfg c12.h5 -N 1 -n 2) s"
    # per-experiment overhead on each rank: from one experiment's end to the next one's
    # start = its row, curves and output tails written + the next "running" row + MPI
    gaps() {
      on env HDF5_USE_FILE_LOCKING=FALSE /usr/bin/python3 - "$1" <<'PY'
import sys, statistics, h5py
e = h5py.File(sys.argv[1], "r")["experiments"][()]
by = {}
for r in e:
    by.setdefault(int(r["rank"]), []).append((float(r["start_unix"]), float(r["end_unix"])))
g = []
for v in by.values():
    v.sort()
    g += [b[0] - a[1] for a, b in zip(v, v[1:])]
print("per-experiment gap median %.1f ms, p90 %.1f ms (%d gaps)" % (
    1e3 * statistics.median(g), 1e3 * sorted(g)[int(0.9 * len(g))], len(g)))
PY
    }
    echo "  true 60 exp, 3 nodes:  $(runner_s true.cfg t3.h5 -N 3 -n 3) s; $(gaps t3.h5)"
    echo "  true 60 exp, 1 node x1: $(runner_s true.cfg t1.h5 -N 1 -n 1) s; $(gaps t1.h5)"
    t0=$(ms); "$here/cluster-down.sh" "$dir" >/dev/null; t1=$(ms)
    echo "  down $(( t1 - t0 )) ms"
  done
done
