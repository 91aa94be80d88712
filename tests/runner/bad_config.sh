#!/bin/bash
# A broken campaign config must be refused by `platbench plan` with exit status 2 (bad input) and a
# message containing the text after "# expect: " on the file's first line (incl. file:line).
# usage: bad_config.sh PLATBENCH CFG
PB=$1 CFG=$2
want=$(head -1 "$CFG" | sed -n 's/^# expect: //p')
[ -n "$want" ] || { echo "FAIL: $CFG has no '# expect: ' first line"; exit 1; }
msg=$("$PB" plan "$CFG" 2>&1 >/dev/null)
rc=$?
echo "exit $rc: $msg"
[ $rc -eq 2 ] || { echo "FAIL: exit status $rc, expected 2"; exit 1; }
case "$msg" in *"$want"*) echo PASS ;; *) echo "FAIL: message lacks: $want"; exit 1 ;; esac
