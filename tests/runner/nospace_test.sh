#!/bin/bash
# Out of space for real, on small tmpfs mounts this test creates and removes (skipped, exit 77,
# where mounting is not allowed):
#   1. platbench-cnn alone: train --out on a full file system (refused before training), and
#      the disk filled while it trains (the write itself fails): exit 4, one line naming the
#      file system, no HDF5 error stack, no crash, no file left behind.
#   2. full at creation: the free-space estimate refuses (exit 4, the numbers); with
#      --no-space-check the creation itself fails: exit 4, one line, no hang, no file; after
#      `mount -o remount,size=...` the same command completes every experiment exactly once.
#   3. full mid-campaign (another writer fills the disk): exit 4, in-flight experiments
#      "interrupted", the rest "pending", none "failed", the file opens; after freeing space
#      the same command resumes and completes every experiment exactly once.
#   4. full for the workload alone (work folders on their own tiny tmpfs, the results file
#      elsewhere): refused early, then with --no-space-check the workload's exit 4 stops the
#      campaign as out of space; after remount bigger, the resume completes.
#   5. analysis/report.py writing its report onto a full disk: exit 4, one line, no traceback,
#      no partial file.
# usage: nospace_test.sh PLATBENCH MPIEXEC WORKDIR
set -u
PB=$1 MPIEXEC=$2 WORK=$3
HERE=$(cd "$(dirname "$0")" && pwd)
CNN=$(dirname "$PB")/platbench-cnn
MODEL=$HERE/../../jobs/models/tiny.cfg
for m in "$WORK"/*/mnt "$WORK"/*/r.h5.d "$WORK"/probe; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
MOUNTS=()
cleanup() { for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done; }
trap cleanup EXIT
mount_tmpfs() { # DIR SIZE
  mkdir -p "$1" && mount -t tmpfs -o "size=$2" pbtest "$1" 2> "$WORK/mount.err" || return 1
  MOUNTS+=("$1")
}
if ! mount_tmpfs "$WORK/probe" 16k; then
  echo "SKIP: cannot mount a tmpfs here ($(cat "$WORK/mount.err")); needs root or CAP_SYS_ADMIN"
  exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
# 20 short experiments (10 tests x 2 platforms, 3 steps; the issue had 40)
sed -e "s#\"../../jobs/models/tiny.cfg\"#\"$MODEL\"#" -e 's/^tests = 3;/tests = 10;/' \
    "$HERE/small.cfg" > "$WORK/forty.cfg" || exit 1
run() { # LOG ARGS...: platbench run with a hang guard; prints its output; returns its status
  local log=$1; shift
  timeout -k 5 90 "$MPIEXEC" -n 2 "$PB" run "$WORK/forty.cfg" "$@" > "$log" 2>&1
  local rc=$?
  grep -v '^\[' "$log" | grep -v -- '^---\|^Primary job\|^a non-zero\|^mpirun detected\|^the job\|^  Process name\|^  Exit code\|^$'
  [ $rc -eq 124 ] && fail "platbench run hung (killed after 90 s)"
  return $rc
}
no_stack() { ! grep -q 'HDF5-DIAG\|#000:' "$1" || fail "$1 shows an HDF5 error stack"; }
statuses() { # FILE: "done=N interrupted=N ..." and exit 1 if a row is failed or running
  /usr/bin/python3 - "$1" <<'PY'
import sys, collections, h5py
with h5py.File(sys.argv[1], "r") as f:
    st = collections.Counter(s.decode() for s in f["experiments"]["status"])
    err = [e.decode() for e, s in zip(f["experiments"]["error"], f["experiments"]["status"])
           if s.decode() == "interrupted"]
print(" ".join(f"{k}={v}" for k, v in sorted(st.items())), "| interrupted because:", err)
sys.exit(1 if st["failed"] or st["running"] else 0)
PY
}

echo "== 1. platbench-cnn alone"
mount_tmpfs "$WORK/cnn/mnt" 12k || fail "mount"
dd if=/dev/zero of="$WORK/cnn/mnt/fill" bs=1k count=8 2>/dev/null
TRAIN=("$CNN" train --model "$MODEL" --data /usr/share/datasets/fashion-mnist --batch 16
       --threads 1 --max-images 200)
"${TRAIN[@]}" --steps 3 --out "$WORK/cnn/mnt/res.h5" > "$WORK/cnn/a.log" 2>&1
rc=$?
grep -v '^step\|PLATBENCH_MARK' "$WORK/cnn/a.log"
[ $rc -eq 4 ] || fail "train on a full disk exited $rc, expected 4"
grep -q 'out of space: file system .*/cnn/mnt (.* free of 12 KiB) needs about' "$WORK/cnn/a.log" ||
  fail "no one-line out-of-space message naming the file system"
rm -f "$WORK/cnn/mnt/fill"
umount "$WORK/cnn/mnt" && mount -t tmpfs -o size=200k pbtest "$WORK/cnn/mnt" || fail "remount"
# the disk fills while it trains: the check before training passed, the write itself fails
"${TRAIN[@]}" --steps 400 --out "$WORK/cnn/mnt/res.h5" --save-weights "$WORK/cnn/mnt/w.h5" \
  > "$WORK/cnn/b.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q '^step' "$WORK/cnn/b.log" && break; sleep 0.05; done
dd if=/dev/zero of="$WORK/cnn/mnt/fill" bs=1k 2>/dev/null
wait $pid
rc=$?
grep -v '^step\|PLATBENCH_MARK' "$WORK/cnn/b.log"
[ $rc -eq 4 ] || fail "train whose disk filled exited $rc, expected 4 (139 was the old SIGSEGV)"
grep -q 'out of space writing the weights file .*w.h5 (.*) on file system .*/cnn/mnt (0 bytes free of 200 KiB): No space left on device' \
  "$WORK/cnn/b.log" || fail "no one-line message for the failed write"
no_stack "$WORK/cnn/b.log"
[ -z "$(ls "$WORK/cnn/mnt" | grep -v '^fill$')" ] || fail "files left behind: $(ls "$WORK/cnn/mnt")"

echo "== 2. full at creation"
mount_tmpfs "$WORK/create/mnt" 64k || fail "mount"
OUT=$WORK/create/mnt/r.h5
run "$WORK/create/a.log" -o "$OUT"
rc=$?
[ $rc -eq 4 ] || fail "exit $rc, expected 4 (refused by the estimate)"
grep -q 'not enough space for the campaign on file system .*/create/mnt (.* free of 64 KiB): the results file .* needs about .* KiB' \
  "$WORK/create/a.log" || fail "no refusal with the numbers"
[ ! -e "$OUT" ] || fail "a results file was created"
run "$WORK/create/b.log" -o "$OUT" --no-space-check
rc=$?
[ $rc -eq 4 ] || fail "exit $rc, expected 4 (creation out of space)"
grep -q 'out of space creating the results file .*r.h5 (.* KiB) on file system .*/create/mnt (.* free of 64 KiB): No space left on device' \
  "$WORK/create/b.log" || fail "no one-line message for the failed creation"
no_stack "$WORK/create/b.log"
[ ! -e "$OUT" ] && [ ! -e "$OUT.tmp" ] || fail "a partial results file was left: $(ls "$WORK/create/mnt")"
mount -o remount,size=2m "$WORK/create/mnt" || fail "remount"
run "$WORK/create/c.log" -o "$OUT" || fail "after freeing space: exit $?"
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks 2 || fail "results after freeing space"

echo "== 3. full mid-campaign"
mount_tmpfs "$WORK/mid/mnt" 1m || fail "mount"
OUT=$WORK/mid/mnt/r.h5
timeout -k 5 90 "$MPIEXEC" -n 2 "$PB" run "$WORK/forty.cfg" -o "$OUT" > "$WORK/mid/a.log" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q '^\[5/20\]' "$WORK/mid/a.log" && break; sleep 0.05; done
dd if=/dev/zero of="$WORK/mid/mnt/fill" bs=1k 2>/dev/null # another writer takes the rest
wait $pid
rc=$?
grep -v '^\[' "$WORK/mid/a.log" | head -8
[ $rc -eq 124 ] && fail "hung"
[ $rc -eq 4 ] || fail "exit $rc, expected 4"
grep -q '^platbench: out of space (e[0-9]* on rank [01]: .*out of space.*); stopping the campaign' \
  "$WORK/mid/a.log" || fail "no out-of-space stop message"
grep -q '^platbench: stopped: out of space .* free space and run the same command again to resume' \
  "$WORK/mid/a.log" || fail "no summary line"
no_stack "$WORK/mid/a.log"
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --partial || fail "the file does not open"
statuses "$OUT" || fail "rows failed or left running"
statuses "$OUT" | grep -q 'interrupted=' || fail "no interrupted row"
statuses "$OUT" | grep -q 'pending=' || fail "nothing left pending"
statuses "$OUT" | grep -q "'out of space: exit code 4" || fail "no row says out of space"
! statuses "$OUT" | grep -q 'by a signal' || fail "a row blames a signal for the out-of-space stop"
"$PB" status "$OUT" | head -2
rm -f "$WORK/mid/mnt/fill"
run "$WORK/mid/b.log" -o "$OUT" || fail "resume after freeing space: exit $?"
grep -q 'resuming .* [1-9][0-9]* finished before' "$WORK/mid/b.log" || fail "not a resume"
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks 2 || fail "results after the resume"

echo "== 4. full for the workload alone"
OUT=$WORK/work/r.h5
mount_tmpfs "$OUT.d" 16k || fail "mount"
run "$WORK/work/a.log" -o "$OUT"
rc=$?
[ $rc -eq 4 ] || fail "exit $rc, expected 4 (refused by the estimate)"
grep -q 'not enough space for the campaign on file system .*/work/r.h5.d (.* free of 16 KiB): the work folders need about' \
  "$WORK/work/a.log" || fail "no refusal naming the work folders"
run "$WORK/work/b.log" -o "$OUT" --no-space-check
rc=$?
[ $rc -eq 4 ] || fail "exit $rc, expected 4"
grep -q 'stopping the campaign' "$WORK/work/b.log" || fail "no stop message"
grep -q 'platbench-cnn train: out of space' "$WORK/work/b.log" || fail "the workload's message is not shown"
no_stack "$WORK/work/b.log"
statuses "$OUT" || fail "rows failed or left running"
mount -o remount,size=2m "$OUT.d" || fail "remount"
run "$WORK/work/c.log" -o "$OUT" || fail "resume after freeing space: exit $?"
/usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks 2 || fail "results after the resume"

echo "== 5. the report's outputs"
mount_tmpfs "$WORK/report/mnt" 40k || fail "mount"
/usr/bin/python3 "$HERE/../../analysis/report.py" "$OUT" --out "$WORK/report/mnt/rep" \
  > "$WORK/report/a.log" 2>&1
rc=$?
tail -1 "$WORK/report/a.log"
[ $rc -eq 4 ] || fail "report.py on a full disk exited $rc, expected 4"
grep -q '^report.py: out of space writing .*/report/mnt/rep/.* on file system .*/report/mnt (0 KiB free of 40 KiB): No space left on device' \
  "$WORK/report/a.log" || fail "report.py: no one-line message"
! grep -q Traceback "$WORK/report/a.log" || fail "report.py printed a traceback"
! ls "$WORK/report/mnt/rep" | grep -q '\.tmp' || fail "report.py left a partial .tmp file"
echo PASS
