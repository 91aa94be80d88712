#!/bin/bash
# compare_bare.sh PLATBENCH MODELS_DIR WORKDIR -- platbench compare on real tiny campaigns (bare):
#   A and B of the same config           -> exit 0, "NO CHANGE", every curve identical, CSV + PNG
#   C with workload.threads 1 -> 2         -> exit 1, the thread change named
#   D with 4 steps instead of 3            -> exit 2, refused as not comparable (steps)
#   E: A with data_version 1 in its rows   -> exit 2, refused (data set version)
#   a missing file, a truncated copy, a file that is no HDF5 -> exit 2, one line naming it
# Timings: these campaigns train for ~15 ms each on a machine shared with other jobs, so the
# time verdict gets --time-tolerance 1.0 (a change must at least double or halve the time);
# the default 0.10 is for real campaigns.
PB=$1 MODELS=$2 WORK=$3
. "$(dirname "$0")/lib.sh" # set -u, a fresh $WORK entered; write_cfg, run_campaign, expect_rc
write_cfg a.cfg 1 3 "$BARE2"
write_cfg c.cfg 2 3 "$BARE2"
write_cfg d.cfg 1 4 "$BARE2"
run_campaign a.cfg A.h5 && run_campaign a.cfg B.h5 && run_campaign c.cfg C.h5 && run_campaign d.cfg D.h5 || exit 1

if expect_rc 0 same.txt "$PB" compare A.h5 B.h5 --out cmp --time-tolerance 1.0; then
    grep -q "^NO CHANGE beyond noise" same.txt || fail "same config twice: no NO CHANGE line"
    grep -Eq "^  6 identical$" same.txt || fail "same config twice: not every curve identical"
    grep -Eq "^  identical \([0-9]+ items" same.txt || fail "same config twice: provenance not identical"
    for f in compare_platforms.csv compare_curves.csv compare_provenance.csv compare.png; do
        [ -s "cmp/$f" ] || fail "--out cmp: $f missing"
    done
    [ "$(grep -c ',identical,' cmp/compare_curves.csv)" = 6 ] || fail "compare_curves.csv: not 6 identical rows"
    ok "same config twice: no change, exit 0, CSV + PNG written"
fi
if expect_rc 1 threads.txt "$PB" compare A.h5 C.h5 --time-tolerance 1.0; then
    grep -q "CHANGED: setting workload.threads: 1 -> 2" threads.txt || fail "thread change not named"
    grep -q "CHANGED: threads (finished rows): 1 -> 2" threads.txt || fail "rows' threads change not named"
    grep -q "^exit 1: something changed" threads.txt || fail "no closing line for exit 1"
    ok "threads 1 -> 2: named, exit 1"
fi
if expect_rc 2 steps.txt "$PB" compare A.h5 D.h5; then
    grep -q "refused: A.h5 and D.h5 are not comparable: steps differ" steps.txt || fail "steps change: no refusal naming steps"
    ok "3 vs 4 steps: refused, exit 2"
fi
# with_version SRC DST ROWS: a copy of SRC whose rows ROWS (a Python slice: ":" all, "0" the
# first) say they trained on stand-in version 1
with_version() {
    cp "$1" "$2" && /usr/bin/python3 - "$2" "$3" <<'PY' || fail "cannot rewrite data_version in $2"
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    e = f["experiments"][()]
    e["data_version"][eval("slice(None)" if sys.argv[2] == ":" else sys.argv[2])] = 1
    f["experiments"][...] = e
PY
}
# E: A.h5 as a file whose runs trained on stand-in version 1 (an older platbench's data set
# at the same path): refused, the accuracies of two stand-ins are not comparable
with_version A.h5 E.h5 :
if expect_rc 2 version.txt "$PB" compare A.h5 E.h5; then
    grep -q "not comparable: data set version differs (0 vs 1)" version.txt || fail "data version: no refusal naming it"
    ok "data set version 0 vs 1: refused, exit 2"
fi
# M: A.h5 with its first row on version 1: platbench report names the mix
with_version A.h5 M.h5 0
if expect_rc 0 mixed.txt "$PB" report M.h5 && expect_rc 0 single.txt "$PB" report A.h5; then
    grep -q "^MIXED DATA VERSIONS: the done runs trained on data set versions 1 (1 run), 0 (5 runs)" mixed.txt ||
        fail "report of a file with data versions 1 and 0: no MIXED DATA VERSIONS line"
    grep -q "MIXED" single.txt && fail "report of a file with one data version: MIXED line"
    grep -q "^data set version 0 (every one of the 6 done runs)" single.txt || fail "report: no data set version line"
    ok "platbench report: one data version named, a mix of versions flagged"
fi
head -c 3000 A.h5 >cut.h5
echo "not a results file" >text.h5
for bad in missing.h5 cut.h5 text.h5; do
    if expect_rc 2 bad.txt "$PB" compare A.h5 "$bad"; then
        [ "$(wc -l <bad.txt)" = 1 ] || fail "$bad: $(wc -l <bad.txt) lines, expected one"
        grep -q "^platbench compare: $bad: " bad.txt || fail "$bad: the line does not name the file"
        ok "$bad: exit 2, one line naming it"
    fi
done
finish
