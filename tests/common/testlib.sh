# shellcheck shell=sh
# testlib.sh: what the shell tests share (sourced; POSIX sh, as some run under sh): a fresh
# work folder, assertions that count failures instead of stopping at the first, a command run
# with its output kept and shown, and the summary line whose status ends the script.
#   . "$(dirname "$0")/../common/testlib.sh"
fails=0            # assertions failed so far
t0=$(date +%s)     # start, for the summary's run time

# fresh_work DIR: DIR made empty (what a previous run left is removed); exit 1 if impossible
fresh_work() { rm -rf "$1" && mkdir -p "$1" || { echo "FAIL: cannot make the work folder $1"; exit 1; }; }

# check WHAT STATUS: one assertion; STATUS is the exit status ($?) of the test command before it
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi; }
# fail WHAT / ok WHAT: an assertion decided by the script, said in words
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# run_logged LOG CMD...: runs CMD with its stdout and stderr into LOG, then shows LOG; sets rc
run_logged() {
    _log=$1
    shift
    "$@" >"$_log" 2>&1
    rc=$?
    cat "$_log"
}

# finish: "NAME: N s, F failure(s)" (NAME: the script's) and PASS or FAILED; status 0 only
# when no assertion failed: the script's last command
finish() {
    echo "$(basename "$0" .sh): $(($(date +%s) - t0)) s, $fails failure(s)"
    if [ "$fails" -eq 0 ]; then echo PASS; else echo "FAILED: $fails"; return 1; fi
}
