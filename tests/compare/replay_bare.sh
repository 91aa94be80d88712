#!/bin/bash
# replay_bare.sh PLATBENCH MODELS_DIR WORKDIR -- platbench replay on real tiny campaigns (bare):
#   replay of an experiment of a 1-thread and of a 2-thread campaign -> exit 0, bit-identical
#   (the second after the config file was edited: the recorded config text is what counts)
#   a recorded curve altered at step 1 (a copy of the file)          -> exit 1, "DIFFERENT from step 1"
#   the default output exists, an id out of range, a missing file     -> exit 2, said why
#   the model file edited after the campaign                         -> refused, exit 2; --force runs
PB=$1 MODELS=$2 WORK=$3
. "$(dirname "$0")/lib.sh" # set -u, a fresh $WORK entered; write_cfg, run_campaign, expect_rc
write_cfg a.cfg 1 5 "$BARE2"
write_cfg c.cfg 2 5 "$BARE2"
run_campaign a.cfg A.h5 && run_campaign c.cfg C.h5 || exit 1

if expect_rc 0 r1.txt "$PB" replay A.h5 4; then
    grep -q "^platbench replay: IDENTICAL: all 5 steps" r1.txt || fail "replay A 4: no IDENTICAL line"
    grep -q "1 thread, CPUs" r1.txt || fail "replay A 4: not run with the recorded 1 thread"
    [ -f A-replay-4.h5 ] || fail "replay A 4: default output A-replay-4.h5 not written"
    ok "replay of A's experiment 4 (1 thread): bit-identical, exit 0"
fi
echo "# edited after the campaign" >>c.cfg
if expect_rc 0 r2.txt "$PB" replay C.h5 3 -o c3.h5; then
    grep -q "^platbench replay: IDENTICAL" r2.txt || fail "replay C 3: no IDENTICAL line"
    grep -q "2 threads, CPUs" r2.txt || fail "replay C 3: not run with the recorded 2 threads"
    grep -q "changed since the campaign; using the recorded config text" r2.txt || fail "replay C 3: edited config not noticed"
    ok "replay of C's experiment 3 (2 threads, config edited since): bit-identical, exit 0"
fi
# a recorded curve that differs from step 1 on (a copy of A with its work folders)
cp A.h5 T.h5 && cp -r A.h5.d T.h5.d
/usr/bin/python3 - <<'PY' || fail "could not alter T.h5"
import h5py
with h5py.File("T.h5", "r+") as f:
    f["curves/train_loss"][1, 1] += 1e-3
PY
if expect_rc 1 r3.txt "$PB" replay T.h5 1; then
    grep -q "^platbench replay: DIFFERENT from step 1 (of 5)" r3.txt || fail "altered curve: no 'DIFFERENT from step 1'"
    grep -Eq "^  train_loss +1 +0.001 " r3.txt || fail "altered curve: train_loss max |abs| 0.001 at step 1 not reported"
    grep -Eq "^  val_acc +identical" r3.txt || fail "altered curve: val_acc not reported identical"
    ok "altered recorded curve: DIFFERENT from step 1, by 0.001, exit 1"
fi
if expect_rc 2 r4.txt "$PB" replay A.h5 4; then
    grep -q "A-replay-4.h5 exists" r4.txt || fail "existing output: not said"
    ok "existing output: refused, exit 2"
fi
if expect_rc 2 r5.txt "$PB" replay A.h5 99; then
    grep -q "A.h5: no experiment 99: the file holds ids 0-5" r5.txt || fail "id out of range: not said"
    ok "id out of range: exit 2"
fi
if expect_rc 2 r6.txt "$PB" replay missing.h5 0; then
    grep -q "missing.h5: cannot open" r6.txt || fail "missing file: not named"
    ok "missing file: exit 2"
fi
# the model file edited after the campaign: its content hash is a comparable setting
mkdir -p models && cp "$MODELS/tiny.cfg" models/
MODELS=$WORK/models write_cfg e.cfg 1 3 "$BARE2"
run_campaign e.cfg E.h5 || exit 1
echo "# edited after the campaign" >>models/tiny.cfg
if expect_rc 2 r7.txt "$PB" replay E.h5 0; then
    grep -q "refused: the recorded config resolves to other settings here" r7.txt || fail "edited model: no refusal"
    grep -q "was: workload.model.content_fnv" r7.txt || fail "edited model: the model's content hash not named"
    ok "model file edited since the campaign: refused, exit 2, named"
fi
if expect_rc 0 r8.txt "$PB" replay E.h5 0 -o e8.h5 --force; then
    grep -q "^platbench replay: IDENTICAL" r8.txt || fail "edited model (a comment), --force: not identical"
    ok "--force with the edited model (a comment only): runs, bit-identical"
fi
finish
