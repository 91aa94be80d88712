# shellcheck shell=bash
# lib.sh: shared by the runner's campaign tests that interrupt a campaign (sourced after
# PB MPIEXEC WORK are set): tests/common/testlib.sh, then a fresh WORK with OUT (the results
# file) and long.cfg: small.cfg with longer experiments (about 1-2 s each), so that a signal
# or a kill finds some in flight.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/testlib.sh"
fresh_work "$WORK"
OUT=$WORK/results.h5
sed -e "s#\"../../jobs/models/tiny.cfg\"#\"$HERE/../../jobs/models/tiny.cfg\"#" \
    -e 's/steps = 3;/steps = 200;/' "$HERE/small.cfg" > "$WORK/long.cfg" || exit 1

# resume_completes LOG: a resume of long.cfg on 2 ranks (output in $WORK/LOG, shown) exits 0
# and leaves every experiment done exactly once; else the test fails here
resume_completes() {
  run_logged "$WORK/$1" "$MPIEXEC" -n 2 "$PB" run "$WORK/long.cfg" -o "$OUT"
  [ "$rc" -eq 0 ] || { echo "FAIL: resume exited $rc"; exit 1; }
  /usr/bin/python3 "$HERE/check_results.py" "$OUT" --ranks 2 || exit 1
}
