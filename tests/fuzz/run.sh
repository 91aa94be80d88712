#!/usr/bin/env bash
# tests/fuzz/run.sh TARGET SECONDS [libFuzzer options...]
#   Builds the libFuzzer targets if needed (clang, ASan+UBSan, into $FUZZ_BUILD_DIR,
#   default ./build-fuzz) and fuzzes TARGET (campaign model image idx workresult
#   hostlist) for SECONDS of wall time, starting from the committed seeds
#   (tests/fuzz/seeds/TARGET, hand-made) and minimized corpus (tests/fuzz/corpus/TARGET):
#   new inputs go to $FUZZ_WORK (default build-fuzz/corpus-TARGET), crashes to
#   build-fuzz/crashes-TARGET/. Prints the executions, coverage (cov, ft) and time.
#   tests/fuzz/run.sh --build   only builds
#   tests/fuzz/run.sh --merge TARGET   only the minimizing merge below
#   FUZZ_MERGE=1: afterwards, minimizes everything (committed corpus + work folder;
#   libFuzzer -merge=1 against the seeds) into a fresh tests/fuzz/corpus/TARGET.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bdir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
targets=(campaign model image idx workresult hostlist)

build() {
    if [ ! -f "$bdir/CMakeCache.txt" ]; then
        echo "fuzz: configuring $bdir (clang, libFuzzer, ASan+UBSan)"
        CC=clang cmake -S "$root" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DPLATBENCH_SANITIZE=ON -DPLATBENCH_FUZZ=ON >/dev/null
    fi
    if ! cmake --build "$bdir" -j "${JOBS:-2}" --target "${targets[@]/#/fuzz_}" >"$bdir/build.log" 2>&1; then
        tail -n 20 "$bdir/build.log" >&2
        echo "fuzz: build failed (log: $bdir/build.log)" >&2
        exit 1
    fi
}

merge() { # minimizes build-fuzz/corpus-$1 + tests/fuzz/corpus/$1 into a fresh corpus/$1
    local t=$1 work=${FUZZ_WORK:-$bdir/corpus-$1}
    mkdir -p "$work" "$here/corpus/$t"
    # the seeds go into the merge first (a scratch copy), so the corpus keeps only
    # inputs that add coverage beyond them
    local fresh
    fresh=$(mktemp -d "$bdir/merge-$t.XXXX")
    mkdir "$fresh/out"
    cp -r "$here/seeds/$t" "$fresh/out-seeds"
    # -max_len: the committed corpus stays small (image: 1 KiB kept every edge of 2 KiB+)
    "$bdir/tests/fuzz/fuzz_$t" -merge=1 -max_len="${FUZZ_MERGE_MAX_LEN:-1024}" "$fresh/out-seeds" "$here/corpus/$t" \
        "$work" >"$bdir/merge-$t.log" 2>&1
    for f in "$fresh/out-seeds"/*; do
        [ -e "$here/seeds/$t/$(basename "$f")" ] || mv "$f" "$fresh/out/"
    done
    rm -rf "$here/corpus/$t"
    mv "$fresh/out" "$here/corpus/$t"
    rm -rf "$fresh"
    echo "fuzz: $t merged corpus: $(ls "$here/corpus/$t" | wc -l) files, $(du -sh "$here/corpus/$t" | cut -f1)"
}

if [ "${1:-}" = --build ]; then build; exit 0; fi
if [ "${1:-}" = --merge ] && [ $# -eq 2 ]; then build; merge "$2"; exit 0; fi
if [ $# -lt 2 ] || ! [[ " ${targets[*]} " == *" $1 "* ]] || ! [[ $2 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 TARGET SECONDS [libFuzzer options]   TARGET: ${targets[*]}" >&2
    exit 2
fi
t=$1 secs=$2
shift 2
build
work=${FUZZ_WORK:-$bdir/corpus-$t}
crashes=$bdir/crashes-$t
mkdir -p "$work" "$crashes" "$here/corpus/$t"
log=$bdir/fuzz-$t.log
echo "fuzz: $t for $secs s; corpus $work (+ tests/fuzz/corpus/$t, seeds/$t), crashes $crashes, log $log"
# libconfig 1.5 leaks on some syntax errors (lsan.supp): libFuzzer would stop the world
# for a leak scan after each of them, so the libconfig targets fuzz without per-input
# leak checks, and the new inputs are replayed once with them afterwards (below).
leakopt=()
case $t in campaign | model) leakopt=(-detect_leaks=0) ;; esac
start=$(date +%s)
rc=0
# -max_len: the inputs are small files; 64 KiB leaves room for HDF5 and images
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp} \
    "$bdir/tests/fuzz/fuzz_$t" "$work" "$here/corpus/$t" "$here/seeds/$t" -max_total_time="$secs" -max_len=65536 \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "${leakopt[@]}" "$@" >"$log" 2>&1 || rc=$?
end=$(date +%s)
if [ ${#leakopt[@]} -gt 0 ] && [ $rc -eq 0 ]; then
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp} \
        "$bdir/tests/fuzz/fuzz_$t" "$work" -runs=0 -artifact_prefix="$crashes/" >"$log.leaks" 2>&1 || rc=$?
    echo "fuzz: $t leak check of the $(ls "$work" | wc -l) inputs found: $([ $rc -eq 0 ] && echo none || echo "LEAK, see $log.leaks")"
fi
grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -1 | sed "s/^/fuzz: $t last: /"
grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' "$log" | sed "s/^/fuzz: $t /"
echo "fuzz: $t wall $((end - start)) s, exit $rc"
if [ $rc -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed "s/^/fuzz: $t /"
fi
# scratch files (tests/fuzz/fuzz.h) of target processes that crashed (fork mode crashes
# on purpose) and so never ran their cleanup; files of live processes are left alone
for f in /dev/shm/pbfuzz-* "${TMPDIR:-/tmp}"/pbfuzz-*; do
    [ -e "$f" ] || continue
    pid=${f##*/pbfuzz-}
    pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || rm -f "$f"
done
if [ "${FUZZ_MERGE:-0}" = 1 ]; then merge "$t"; fi
exit $rc
