#!/bin/bash
# Runner-cost benchmark (not a default test): a trivial workload on the bare platform.
#  1. one rank, 300 experiments of the stand-in workload (fake_workload: markers + RESULT.h5)
#     and of /bin/true (plain interface): per-experiment cycle, the runner's bookkeeping gap
#     (ingest + row writes + scheduling = next start - this end), launch overhead
#     (wall_s - the workload's own total_time_s: spawn, exec, loader, reap), medians in ms
#  2. 8 ranks (oversubscribed), 1k/2k/4k/10k experiments: elapsed, experiments/s, file size,
#     file-creation time (to the first progress line), throughput per rank.
# usage: bench_runner.sh PLATBENCH MPIEXEC FAKE_WORKLOAD WORKDIR [SIZES...]
# env: BENCH_RANKS (8), BENCH_WORKLOAD (true|fake for the scaling runs; default true: the
#      stand-in's own process start-up, ~130 ms of loader work for libmpi+libhdf5 on this VM,
#      would swamp the runner), BENCH_ONE (workloads of part 1, default "fake true"; "" skips it)
set -u
PB=$1 MPIEXEC=$2 FAKE=$(realpath "$3") WORK=$4
shift 4
SIZES=${*:-1000 2000 4000 10000}
RANKS=${BENCH_RANKS:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
rm -rf "$WORK" && mkdir -p "$WORK/data" || exit 1
export OPENBLAS_NUM_THREADS=1 OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
mkcfg() { # name tests workload(fake|true)
  if [ "$3" = fake ]; then
    sed -e "s#@EXE@#$FAKE#" -e "s#@MODEL@#$FAKE#" -e "s#@DATA@#$WORK/data#" -e "s#@TESTS@#$2#" \
      "$HERE/bench.cfg.in" > "$WORK/$1.cfg"
  else
    sed -e "s#@EXE@#/bin/true#" -e "s#@MODEL@##" -e "s#@DATA@##" -e "s#@TESTS@#$2#" \
        -e 's#workload = { #workload = { interface = "plain"; #' "$HERE/bench.cfg.in" > "$WORK/$1.cfg"
  fi
}
analyse() { # file
  /usr/bin/python3 - "$1" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    e = f["experiments"][:]
ok = e["status"] == b"done"
gaps, cyc = [], []
for r in set(e["rank"]):
    m = e[(e["rank"] == r) & ok]
    m = m[np.argsort(m["start_unix"])]
    if len(m) < 2: continue
    gaps += list(m["start_unix"][1:] - m["end_unix"][:-1])
    cyc += list(m["start_unix"][1:] - m["start_unix"][:-1])
ov = e["wall_s"][ok] - np.nan_to_num(e["total_time_s"][ok], nan=0.0)
print(f"  done {ok.sum()}/{len(e)}; median ms: cycle {1e3*np.median(cyc):.1f}, runner gap "
      f"(ingest+write+schedule) {1e3*np.median(gaps):.1f}, wall {1e3*np.median(e['wall_s'][ok]):.1f}"
      f", launch overhead (wall - workload total) {1e3*np.median(ov):.1f}; "
      f"p90 gap {1e3*np.percentile(gaps, 90):.1f}")
PY
}
echo "== 1 rank, 300 experiments (runner cost per experiment)"
for w in ${BENCH_ONE-fake true}; do
  mkcfg one-$w 300 $w
  t0=$(date +%s.%N)
  "$MPIEXEC" -n 1 "$PB" run "$WORK/one-$w.cfg" -o "$WORK/one-$w.h5" > "$WORK/one-$w.log" 2>&1 || { tail "$WORK/one-$w.log"; exit 1; }
  t1=$(date +%s.%N)
  echo "workload $w: $(awk -v a=$t0 -v b=$t1 'BEGIN{printf "%.1f", b-a}') s total"
  analyse "$WORK/one-$w.h5"
done
W=${BENCH_WORKLOAD:-true}
echo "== $RANKS ranks, workload $W: scaling"
printf "%8s %10s %10s %12s %12s %14s %12s\n" experiments elapsed_s exp_per_s file_MB first_line_s MB_per_1k_exp file_ready_s
for n in $SIZES; do
  mkcfg n$n "$n" "$W"
  t0=$(date +%s.%N)
  "$MPIEXEC" -n "$RANKS" --oversubscribe "$PB" run "$WORK/n$n.cfg" -o "$WORK/n$n.h5" 2>&1 | \
    while IFS= read -r line; do
      case "$line" in "[1/"*) echo "$(date +%s.%N)" > "$WORK/n$n.first" ;; esac
      echo "$line"
    done > "$WORK/n$n.log"
  t1=$(date +%s.%N)
  grep -q "complete after" "$WORK/n$n.log" || { tail "$WORK/n$n.log"; exit 1; }
  sz=$(stat -c %s "$WORK/n$n.h5")
  first=$(cat "$WORK/n$n.first" 2>/dev/null || echo "$t1")
  ready=$(sed -n 's/.*file ready in \([0-9.]*\) s.*/\1/p' "$WORK/n$n.log")
  awk -v n=$n -v t0=$t0 -v t1=$t1 -v sz=$sz -v f=$first -v r=$ready 'BEGIN{printf "%8d %10.1f %10.0f %12.1f %12.2f %14.2f %12.3f\n", n, t1-t0, n/(t1-t0), sz/1048576, f-t0, sz/1048576/n*1000, r}'
  analyse "$WORK/n$n.h5"
  rm -rf "$WORK/n$n.h5.d"
done
