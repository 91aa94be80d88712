#!/bin/sh
# test_cli: platbench-cnn's command line. Bad usage exits 2 with a message (file:line for
# model files), a short training on Fashion-MNIST IDX data writes the result file and the
# weights, the stderr markers open and close the output only when PLATBENCH_MARKERS=1 asks
# for them (never for --help or dataset), a data set with an entry that is not an image is
# refused before training, naming it, and classify prints the study's per-class line whose
# percentages sum to 100.
# usage: test_cli.sh PLATBENCH_CNN MODELS_DIR FASHION_MNIST_DIR
set -u
B=$1 MODELS=$2 FMNIST=$3
d=$(mktemp -d /tmp/pb-test-cli-XXXXXX)
trap 'rm -rf "$d"' EXIT
fails=0
check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
expect_rc() { # expect_rc NAME WANT CMD...
    name=$1 want=$2; shift 2
    "$@" >"$d/out" 2>"$d/err"; rc=$?
    first=$(grep -v PLATBENCH_MARK "$d/err" | head -1) # before the test: $? must be the test's
    [ "$rc" -eq "$want" ]; check "$name (exit $rc, want $want): $first" $?
}

expect_rc "no command" 2 "$B"
expect_rc "unknown command" 2 "$B" frobnicate
expect_rc "unknown option" 2 "$B" train --model "$MODELS/tiny.cfg" --data "$FMNIST" --out "$d/r.h5" --bogus 1
expect_rc "missing --data" 2 "$B" train --model "$MODELS/tiny.cfg" --out "$d/r.h5"
expect_rc "unwritable --out folder, refused before training" 2 "$B" train --model "$MODELS/tiny.cfg" --data "$FMNIST" --out "$d/no/such/dir/r.h5"
expect_rc "unwritable --save-weights folder" 2 "$B" train --model "$MODELS/tiny.cfg" --data "$FMNIST" --out "$d/r.h5" --save-weights "$d/no/such/w.h5"
expect_rc "bad number" 2 "$B" train --model "$MODELS/tiny.cfg" --data "$FMNIST" --out "$d/r.h5" --steps ten
expect_rc "help" 0 "$B" train --help
grep -q -- "--max-images" "$d/out"; check "train --help lists --max-images" $?
! grep -q PLATBENCH_MARK "$d/err"; check "no marker lines for train --help" $?
for c in classify dataset bench; do expect_rc "$c --help" 0 "$B" $c --help; done
# defaults come from the options table: --help shows the ones bench uses, a value below an
# option's least is refused as bad usage (not silently replaced by the default)
grep -q -- "--steps N .*timed steps (default: 3)" "$d/out" && grep -q -- "--warmup W .*(default: 1)" "$d/out"
check "bench --help shows the table's defaults" $?
grep -q "^exit status: 0 ok, 1 runtime failure, 2 bad usage" "$d/out"; check "--help shows the exit statuses" $?
expect_rc "bench --steps 0" 2 "$B" bench --model "$MODELS/tiny.cfg" --steps 0
grep -q -- "--steps 0: expected an integer >= 1" "$d/err"; check "bench --steps 0: says the least value" $?
expect_rc "train --batch 0" 2 "$B" train --model "$MODELS/tiny.cfg" --data "$FMNIST" --out "$d/r.h5" --batch 0
PLATBENCH_MARKERS=1 "$B" train --help >"$d/out" 2>"$d/err"
! grep -q PLATBENCH_MARK "$d/out" "$d/err"; check "no marker lines for --help even with PLATBENCH_MARKERS=1" $?
PLATBENCH_MARKERS=1 "$B" dataset --out "$d/no/such/ds" >"$d/out" 2>"$d/err"
! grep -q PLATBENCH_MARK "$d/out" "$d/err"; check "no marker lines for dataset even with PLATBENCH_MARKERS=1" $?

printf 'name = "bad";\ninput = { channels = 1; height = 28; width = 28; };\nlayers = (\n  { type = "conv"; outs = 4; },\n  { type = "dense"; out = 4; relu = false; }\n);\n' >"$d/bad.cfg"
expect_rc "bad model file" 2 "$B" train --model "$d/bad.cfg" --data "$FMNIST" --out "$d/r.h5"
grep -q "bad.cfg:4: unknown key \"outs\"" "$d/err"; check "bad model file: message names file:line" $?
[ ! -e "$d/r.h5" ]; check "no result file after a usage error" $?
expect_rc "missing data" 1 "$B" train --model "$MODELS/tiny.cfg" --data "$d/nothing-here" --out "$d/r.h5"

if [ ! -d "$FMNIST" ]; then
    echo "skip training tests: $FMNIST not found"
    [ "$fails" -eq 0 ] && exit 0 || exit 1
fi
expect_rc "a person's train run" 0 "$B" train --model "$MODELS/tiny.cfg" --data "$FMNIST" --out "$d/r.h5" \
    --max-images 40 --steps 1 --batch 4 --threads 1
! grep -q PLATBENCH_MARK "$d/out" "$d/err"; check "no marker lines without PLATBENCH_MARKERS=1" $?
export PLATBENCH_MARKERS=1
expect_rc "train tiny on IDX" 0 "$B" train --model "$MODELS/tiny.cfg" --data "$FMNIST" --out "$d/r.h5" \
    --max-images 300 --steps 12 --batch 16 --threads 1 --seed 3 --save-weights "$d/w.h5"
unset PLATBENCH_MARKERS
[ "$(head -1 "$d/err")" = "PLATBENCH_MARK workload_start" ]; check "PLATBENCH_MARKERS=1: first stderr line is the start marker" $?
[ "$(tail -1 "$d/err")" = "PLATBENCH_MARK workload_end" ]; check "PLATBENCH_MARKERS=1: last stderr line is the end marker" $?
[ -s "$d/r.h5" ] && [ ! -e "$d/r.h5.tmp" ]; check "result file written (no .tmp left)" $?
[ -s "$d/w.h5" ]; check "weights written" $?
grep -q "final rate          0.00096000" "$d/out"; check "summary shows final rate 0.001*0.96^1 after 12 steps" $?
grep -q "CPUs seen" "$d/out"; check "summary shows CPUs seen" $?
if command -v h5dump >/dev/null 2>&1; then
    h5dump -A "$d/r.h5" >"$d/attrs" 2>&1
    for a in format format_version platbench_version git_commit model_name model_file data_dir seed \
        threads cpus_seen batch iterations final_rate final_error train_acc val_acc test_acc \
        training_time_s load_time_s train_compute_s eval_time_s total_time_s peak_rss_kb class_names \
        n_train n_valid n_test; do
        grep -q "ATTRIBUTE \"$a\"" "$d/attrs" || { echo "missing attribute $a"; missing=1; }
    done
    [ "${missing:-0}" -eq 0 ]; check "result file has every OUTPUT.md attribute" $?
    h5dump -d /curves/val_acc "$d/r.h5" | grep -q "( 12 )"; check "/curves/val_acc has 12 values" $?
    h5dump -a n_train "$d/r.h5" | grep -q "(0): 300"; check "n_train records the 300 images loaded" $?
fi

# classify: a 28x28 grey PNG (written with Python's standard library only)
python3 - "$d/img.png" <<'PY'
import struct, sys, zlib
w = h = 28
raw = b"".join(b"\0" + bytes((x * 9 + y * 5) % 256 for x in range(w)) for y in range(h))
def chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
expect_rc "classify" 0 "$B" classify --model "$MODELS/tiny.cfg" --weights "$d/w.h5" "$d/img.png" "$d/img.png"
cat "$d/out"
[ "$(wc -l <"$d/out")" -eq 2 ]; check "one line per image" $?
[ "$(cut -f1 "$d/out" | sort -u)" = "$d/img.png" ]; check "several images: each line starts with its file and a tab" $?
head -1 "$d/out" | cut -f2 | grep -Eq '^T-shirt/top: [0-9]+\.[0-9]{2}% - Trouser: [0-9]+\.[0-9]{2}% - Pullover: [0-9]+\.[0-9]{2}% - Dress: [0-9]+\.[0-9]{2}%$'
check "study's format with the class names stored in the weights" $?
head -1 "$d/out" | cut -f2 | tr -- '-' '\n' | sed 's/.*: //; s/%//' | awk '{s += $1} END {exit !(s > 99.95 && s < 100.05)}'
check "percentages sum to 100" $?
expect_rc "classify --classes" 0 "$B" classify --model "$MODELS/tiny.cfg" --weights "$d/w.h5" --classes face,body,hand,nothing "$d/img.png"
grep -Eq '^face: .* - body: .* - hand: .* - nothing: .*%$' "$d/out"; check "--classes overrides the names; one image: the study's line alone" $?
# an image folder whose class folder holds a dangling symbolic link: refused before training
for s in train valid test; do for k in a b c e; do
    mkdir -p "$d/imgs/$s/$k" && cp "$d/img.png" "$d/imgs/$s/$k/1.png"
done; done
expect_rc "image folder: train on it" 0 "$B" train --model "$MODELS/tiny.cfg" --data "$d/imgs" --out "$d/i.h5" --steps 1 --batch 2 --threads 1
ln -s gone.png "$d/imgs/train/b/2.png"
rm -f "$d/i.h5"
expect_rc "image folder with a dangling link: refused" 1 "$B" train --model "$MODELS/tiny.cfg" --data "$d/imgs" --out "$d/i.h5" --steps 1 --batch 2 --threads 1
grep -q "$d/imgs/train/b/2.png: symbolic link to \"gone.png\", which does not exist; expected" "$d/err"
check "the message names the link, what it is and what was expected" $?
[ ! -e "$d/i.h5" ] && ! grep -q "step 1/1" "$d/err"; check "no training, no result file" $?
# durability: the result and weights files reach the disk before the rename that publishes
# them, and the rename reaches it (fsync of the folder) before train reports success
if command -v strace >/dev/null 2>&1; then
    rm -f "$d/r.h5" "$d/w.h5"
    strace -f -qq -e trace=openat,fsync,rename -o "$d/trace" "$B" train --model "$MODELS/tiny.cfg" \
        --data "$FMNIST" --out "$d/r.h5" --save-weights "$d/w.h5" --max-images 40 --steps 1 --batch 4 --threads 1 \
        >/dev/null 2>&1
    for f in r.h5 w.h5; do
        awk -v tmp="$d/$f.tmp" -v dst="$d/$f" -v dir="$d" '
            { sub(/^[0-9]+ +/, "") }                        # strace -f: pid first
            /^openat\(/ && / = [0-9]+$/ { split($0, q, "\""); fd[$NF] = q[2] }
            /^fsync\(/ { n = $0; sub(/^fsync\(/, "", n); sub(/\).*/, "", n); p = fd[n]
                         if (p == tmp && !renamed) synced = 1; if (p == dir && renamed) dirsync = 1 }
            /^rename\(/ && index($0, "\"" tmp "\", \"" dst "\"") && / = 0$/ { renamed = 1; before = synced }
            END { exit !(renamed && before && dirsync) }' "$d/trace"
        check "$f: fsync of $f.tmp, then rename, then fsync of its folder" $?
    done
else
    echo "skip durability check: strace not installed"
fi

# a damaged weights file: one line per damaged object, never HDF5's stack or a crash
cp "$d/w.h5" "$d/good-w.h5"
python3 - "$d/good-w.h5" "$d/dmg" <<'PY'
import os, random, sys
data = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2], exist_ok=True)
for i, k in enumerate((len(data) // 10, len(data) // 2, len(data) - 100)):
    open(f"{sys.argv[2]}/cut{i}.h5", "wb").write(data[:k])
r = random.Random(7)
for i in range(20):
    b = bytearray(data)
    for _ in range(8):  # in the first 4 KiB: the superblock and object headers (the rest is floats)
        b[r.randrange(min(len(b), 4096))] ^= 1 << r.randrange(8)
    open(f"{sys.argv[2]}/flip{i:02d}.h5", "wb").write(bytes(b))
open(f"{sys.argv[2]}/zeros.h5", "wb").write(bytes(len(data)))
PY
bad=0 n0=0 n1=0
here=$(cd "$(dirname "$0")" && pwd)
for w in "$d"/dmg/*.h5; do  # (under ASan: HDF5's own over-reads muted, tests/cnn/hdf5-asan.supp)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}suppressions=$here/hdf5-asan.supp" \
        "$B" classify --model "$MODELS/tiny.cfg" --weights "$w" "$d/img.png" >"$d/out" 2>"$d/err"; rc=$?
    case $rc in 0) n0=$((n0 + 1)) ;; 1) n1=$((n1 + 1)) ;; *) echo "  $w: exit $rc"; bad=$((bad + 1)) ;; esac
    if grep -q 'HDF5-DIAG\|#0[0-9][0-9]: ' "$d/err"; then echo "  $w: HDF5's error stack printed"; bad=$((bad + 1)); fi
    if [ "$rc" = 1 ] && grep -v PLATBENCH_MARK "$d/err" | grep -qv "^platbench-cnn classify: $w: "; then
        echo "  $w: a line that does not name the file:"; grep -v "^platbench-cnn classify: $w: " "$d/err" | head -2
        bad=$((bad + 1))
    fi
done
"$B" classify --model "$MODELS/tiny.cfg" --weights "$d/dmg/cut1.h5" "$d/img.png" >/dev/null 2>"$d/err"
grep -q "cannot open as HDF5 (.*truncated file" "$d/err"; check "truncated weights: one line with HDF5's reason" $?
[ "$bad" -eq 0 ]; check "24 damaged weights files: exit 0 or 1, one line per damaged object naming the file, no HDF5 stack ($n1 refused, $n0 read: flips in raw data)" $?

expect_rc "classify a missing image" 1 "$B" classify --model "$MODELS/tiny.cfg" --weights "$d/w.h5" "$d/none.png"
expect_rc "classify with wrong weights" 1 "$B" classify --model "$MODELS/quick.cfg" --weights "$d/w.h5" "$d/img.png"
expect_rc "bench tiny" 0 "$B" bench --model "$MODELS/tiny.cfg" --batch 8 --threads 1 --steps 2 --warmup 1
head -1 "$d/out" | grep -Eq '^[0-9.]+ ms/step'; check "bench prints <number> ms/step first" $?

[ "$fails" -eq 0 ] && echo "cli ok" || echo "FAILED: $fails"
[ "$fails" -eq 0 ]
