#!/bin/bash
# docker_leftover.sh PLATBENCH MODELS_DIR WORKDIR -- what a killed campaign leaves in Docker, with
# the real engine (DOCKER_HOST: fixture pf_dockerd; image platbench-compare:a: fixture cmp_image):
#   a container still running under the name the next run of the same results file will use
#   (a campaign killed by SIGKILL or a walltime never removed it) -> the run removes it first
#   and its experiment is done, not "name already in use"
#   two results files of one config                -> different container names
#   docker itself refusing to start (memory "1m")  -> failed, recorded as docker's failure with
#                                                     the daemon's message, not "--help"
PB=$1 MODELS=$2 WORK=$3
. "$(dirname "$0")/lib.sh" # set -u, a fresh $WORK entered; write_cfg, run_campaign, expect_rc
DOCKER=${DOCKER:-docker}
$DOCKER image inspect platbench-compare:a >/dev/null || { echo "FAIL: image platbench-compare:a missing (fixture cmp_image)"; exit 1; }
write_cfg d.cfg 1 3 '{ name = "docker"; kind = "docker"; image = "platbench-compare:a"; }' 1
sed -i 's/^campaign = .*/campaign = { name = "compare-test"; output = "D.h5"; };/' d.cfg
name_of() { # the container name `platbench plan` shows for experiment 0 of CFG (its output)
    "$PB" plan "$1" 2>/dev/null | grep -o -- "--name pb[0-9a-f-]*-e0000-a1" | head -1 | cut -d' ' -f2
}
cp d.cfg e.cfg && sed -i 's/^campaign = .*/campaign = { name = "compare-test"; output = "E.h5"; };/' e.cfg
n_d=$(name_of d.cfg) n_e=$(name_of e.cfg)
echo "container names: d.cfg -> $n_d, e.cfg (another results file) -> $n_e"
[ -n "$n_d" ] && [ -n "$n_e" ] || { fail "plan shows no container name"; finish; exit 1; }
[ "$n_d" != "$n_e" ] && ok "two results files of one config: different container names" ||
    fail "two results files of one config share the container name $n_d"
trap '$DOCKER rm -f "$n_d" >/dev/null 2>&1' EXIT
$DOCKER run -d --name "$n_d" --network none platbench-compare:a sleep 600 >/dev/null ||
    { fail "cannot start the leftover"; finish; exit 1; }
echo "leftover: $($DOCKER ps --filter "name=^$n_d\$" --format '{{.Names}} {{.Status}}')"
"$PB" run d.cfg >run.log 2>&1
rc=$?
cat run.log
if [ $rc = 0 ] && "$PB" status D.h5 | grep -Eq "^TOTAL +1 +0 "; then
    ok "a running container of a killed earlier run under the same name: removed, experiment done"
else
    fail "run with a leftover container named $n_d: exit $rc (expected 0, 1 done)"
fi
[ -z "$($DOCKER ps -a -q --filter "name=^$n_d\$")" ] || fail "the container $n_d is still there after the run"
write_cfg m.cfg 1 3 '{ name = "docker"; kind = "docker"; image = "platbench-compare:a"; memory = "1m"; }' 1
"$PB" run m.cfg -o m.h5 >m.log 2>&1
"$PB" status m.h5 >ms.txt 2>&1
cat ms.txt
grep -q "failed: docker could not start the container (exit code 125): docker: Error response from daemon: Minimum memory limit" ms.txt &&
    ok "docker refusing to start: its own failure, with the daemon's message" ||
    fail "docker's exit 125 not recorded with the daemon's message"
finish
