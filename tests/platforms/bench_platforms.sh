#!/bin/bash
# bench_platforms.sh BUILD_DIR [IMAGES_DIR]  -- what each platform costs, for the study's notes.
#
#  1. start-up overhead: median (min, max) wall time of N launches of a trivial command
#     (pf_probe --hello, a dynamic C program in every image) through each backend's argv
#     (tests/platforms/pf_launch: exactly what the runner spawns), minus nothing: this is
#     the whole launch (runtime CLI, container/VM set-up and tear-down) as a user pays it.
#  2. slowdown: the same platbench-cnn training (same seed) under each platform, ROUNDS
#     interleaved rounds; the workload's own training_time_s (from its result file) and the
#     launch's wall time, medians, and their ratio to bare.
# Environment: N (launches, default 10), VM_N (VM launches, default N), ROUNDS (default 3),
# KINDS (default "bare docker singularity vm"), STEPS/BATCH/MAX_IMAGES/THREADS of the training
# (default 40/32/1000/1), DOCKER_HOST (else a private dockerd is started and stopped here),
# VM_ACCEL (default auto). Singularity uses apptainer/singularity from PATH, else the one
# recipes/apptainer-install.sh put in BUILD_DIR/apptainer (./setup.sh test does).
set -u
B=$(cd "${1:?usage: bench_platforms.sh BUILD_DIR [IMAGES_DIR]}" && pwd)
IMAGES=$(cd "${2:-$B/images}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
N=${N:-10} VM_N=${VM_N:-$N} ROUNDS=${ROUNDS:-3}
KINDS=${KINDS:-bare docker singularity vm}
STEPS=${STEPS:-40} BATCH=${BATCH:-32} MAX_IMAGES=${MAX_IMAGES:-1000} THREADS=${THREADS:-1}
LAUNCH=$B/tests/platforms/pf_launch PROBE=$B/tests/platforms/pf_probe CNN=$B/src/platbench-cnn
DATA=/usr/share/datasets/fashion-mnist MODEL=$SRC/jobs/models/tiny.cfg
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
T=$(mktemp -d /tmp/pb-bench-XXXXXX)
STARTED_DOCKERD=""
cleanup() {
    [ -n "$STARTED_DOCKERD" ] && "$HERE/../../recipes/dockerd.sh" stop "$B/dockerd" "$STARTED_DOCKERD" >/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
if [[ " $KINDS " == *" docker "* ]] && ! docker info >/dev/null 2>&1; then
    h=$(printf %s "$B" | md5sum | cut -c1-8)
    STARTED_DOCKERD=/run/pbdockerd-$h
    "$HERE/../../recipes/dockerd.sh" start "$B/dockerd" "$STARTED_DOCKERD" >/dev/null || exit 1
    export DOCKER_HOST=unix://$STARTED_DOCKERD/docker.sock
fi
if ! command -v apptainer >/dev/null && ! command -v singularity >/dev/null; then
    export PATH=$B/apptainer/usr/bin:$PATH
fi
opts() { # platform options of a kind
    case $1 in
    bare) ;;
    docker) echo "-o image=platbench:local" ;;
    singularity) echo "-o image=$IMAGES/platbench.sif" ;;
    vm) echo "-o kernel=$IMAGES/vm/vmlinuz -o initrd=$IMAGES/vm/initramfs.cpio.gz -o memory_mb=1024 -o accel=${VM_ACCEL:-auto}" ;;
    esac
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

echo "== platbench platforms benchmark, $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for k in $KINDS; do
    [ "$k" = bare ] && continue
    # shellcheck disable=SC2046
    "$LAUNCH" --kind "$k" $(opts "$k") --describe 2>&1 | sed -n "s/^runtime_version=/  $k: /p; s/^detail=/    detail: /p"
done

echo "== start-up: wall time of one launch of 'pf_probe --hello' (ms), median of N [min, max]"
mkdir -p "$T/w"
for k in $KINDS; do
    n=$N
    [ "$k" = vm ] && n=$VM_N
    : >"$T/start-$k"
    for i in $(seq 1 "$n"); do
        s=$(now)
        # shellcheck disable=SC2046
        "$LAUNCH" --kind "$k" $(opts "$k") --write "$T/w" --id "pbbench-$k-$i-$$" --threads 1 -- "$PROBE" --hello \
            >/dev/null 2>"$T/err" || { echo "  $k: launch failed: $(tail -1 "$T/err")"; break; }
        e=$(now)
        awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", (b - a) * 1000}' >>"$T/start-$k"
    done
    printf '  %-12s %9.1f ms  [%.1f, %.1f]  N=%d\n' "$k" "$(median <"$T/start-$k")" \
        "$(sort -g "$T/start-$k" | head -1)" "$(sort -g "$T/start-$k" | tail -1)" "$(wc -l <"$T/start-$k")"
done

echo "== slowdown: platbench-cnn train tiny, $STEPS steps x $BATCH, --max-images $MAX_IMAGES, $THREADS thread(s), $ROUNDS interleaved rounds"
ARGS=(train --model "$MODEL" --data "$DATA" --steps "$STEPS" --batch "$BATCH" --max-images "$MAX_IMAGES"
    --threads "$THREADS" --seed 11)
for r in $(seq 1 "$ROUNDS"); do
    for k in $KINDS; do
        d=$T/cnn-$k-$r
        mkdir -p "$d"
        s=$(now)
        # shellcheck disable=SC2046
        "$LAUNCH" --kind "$k" $(opts "$k") --read "$MODEL" --read "$DATA" --write "$d" --id "pbbench-cnn-$k-$r-$$" \
            --threads "$THREADS" -- "$CNN" "${ARGS[@]}" --out "$d/r.h5" >/dev/null 2>"$T/err" ||
            { echo "  $k round $r failed: $(tail -1 "$T/err")"; continue; }
        e=$(now)
        awk -v a="$s" -v b="$e" 'BEGIN {printf "%.6f\n", b - a}' >>"$T/wall-$k"
        /usr/bin/python3 -c 'import h5py,sys; a=h5py.File(sys.argv[1]).attrs; print(a["training_time_s"], a["total_time_s"])' \
            "$d/r.h5" >>"$T/train-$k"
    done
done
bt=$(cut -d' ' -f1 "$T/train-bare" 2>/dev/null | median)
bw=$(median <"$T/wall-bare" 2>/dev/null)
printf '  %-12s %12s %8s %12s %12s %8s\n' platform training_s ratio total_s wall_s ratio
for k in $KINDS; do
    [ -s "$T/train-$k" ] || continue
    t=$(cut -d' ' -f1 "$T/train-$k" | median)
    tt=$(cut -d' ' -f2 "$T/train-$k" | median)
    w=$(median <"$T/wall-$k")
    printf '  %-12s %12.3f %8.2f %12.3f %12.3f %8.2f\n' "$k" "$t" "$(awk -v a="$t" -v b="$bt" 'BEGIN {print a / b}')" \
        "$tt" "$w" "$(awk -v a="$w" -v b="$bw" 'BEGIN {print a / b}')"
done
echo "  (training_s: the workload's timed loop, as the study timed it; total_s: its whole run incl. data"
echo "   loading; wall_s: the launch as the runner sees it, incl. the platform's start-up and tear-down)"
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
