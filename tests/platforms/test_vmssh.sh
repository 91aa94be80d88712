#!/bin/bash
# test_vmssh.sh PLATBENCH PF_LAUNCH VMNODE_STATE MODEL DATA
#   The vm platform's ssh mode against a real sshd: the VM node of the fixture pf_vmnode
#   (recipes/vm/vmnode.sh: one QEMU VM with dropbear on a forwarded loopback port, booted
#   once; VMNODE_STATE/shared and DATA shared over 9p at the same paths for transfer = "shared").
#   1. platbench run: the tiny CNN on bare, on the VM node with transfer = "copy" (data set,
#      model and workload copied, result brought back) and with transfer = "shared":
#      done, bit-identical curves, start-up/tear-down recorded (check_vmssh.py).
#   2. ssh failures, each with its reason: key refused, host down (connection refused),
#      timeout (a port that accepts but never speaks):
#      a) at launch (pf_launch drives the platform's hooks as the runner does): ssh's
#         exit 255 said as "key refused" / "host down" / "timeout", not as the workload's;
#      b) in platbench run: the platform's check fails, each experiment's row says why;
#   3. the node stops answering DURING a campaign (QEMU paused with SIGSTOP while experiment 0
#      runs, resumed at the end): both experiments "failed" with a "timeout" reason (ssh's
#      keep-alives / ConnectTimeout), none skipped, the campaign completes.
#   Exit 0 when every check passes.
set -u
PLATBENCH=$1 PF_LAUNCH=$2 STATE=$3 MODEL=$4 DATA=$5
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=$(cat "$STATE/port") || { echo "no VM node (fixture pf_vmnode)"; exit 1; }
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell} # same OpenBLAS kernels in the VM (TCG: no AVX-512)
T=$(mktemp -d "$STATE/shared/test-XXXXXX") # under the shared folder: "shared" sees the same paths
LISTENER=""
QPID=$(cat "$STATE/qemu.pid")
cleanup() {
    kill -CONT "$QPID" 2>/dev/null # never leave the fixture's VM paused
    [ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cp "$MODEL" "$T/tiny.cfg"
SSH_OPTS="ssh_host = \"127.0.0.1\"; ssh_port = $PORT; ssh_user = \"root\";
    identity = \"$STATE/id_ed25519\"; known_hosts = \"$STATE/known_hosts\"; strict_host_key = \"yes\";"

# ---- 1. the tiny CNN on bare and on the VM node ---------------------------------------------
cat >"$T/vmssh.cfg" <<EOF
campaign = { name = "vmssh"; output = "vmssh.h5"; };
workload = {
  executable = "$(dirname "$PLATBENCH")/platbench-cnn";
  model = "$T/tiny.cfg";
  data = "$DATA";
  steps = 3;
  batch = 16;
  threads = 1;
  args = [ "--max-images", "48" ];  # evaluation is slow under TCG: few images
};
tests = 1;
seed = { base = 91; policy = "per-test"; };
order = "sequential";
timeout_s = 400.0;
retries = 0;
platforms = (
  { name = "bare"; kind = "bare"; },
  { name = "vm-copy"; kind = "vm"; mode = "ssh"; transfer = "copy"; $SSH_OPTS },
  { name = "vm-shared"; kind = "vm"; mode = "ssh"; transfer = "shared"; exe = "/usr/local/bin/platbench-cnn"; $SSH_OPTS }
);
EOF
t0=$(date +%s)
(cd "$T" && mpirun -n 1 "$PLATBENCH" run vmssh.cfg) >"$T/run.log" 2>&1
rc=$?
tail -25 "$T/run.log"
echo "platbench run (tiny CNN, bare + VM node copy/shared): exit $rc in $(($(date +%s) - t0)) s"
[ $rc -eq 0 ] || fail "platbench run exit $rc"
/usr/bin/python3 "$HERE/check_vmssh.py" "$T/vmssh.h5" runs || fail "check_vmssh.py runs"
ls "$T"/vmssh.h5.d/e000*/result.h5 >/dev/null 2>&1 || fail "no result.h5 brought back into the write folders"

# ---- 2. ssh failures --------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$T/stranger" # a key the VM does not know
# a free port with nothing listening (host down), and one that accepts but never answers (hung)
DOWN=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(8); print(s.getsockname()[1], flush=True)
time.sleep(300)' >"$T/hung.port" &
LISTENER=$!
for _ in $(seq 50); do [ -s "$T/hung.port" ] && break; sleep 0.1; done
HUNG=$(cat "$T/hung.port")
common=(--kind vm -o mode=ssh -o ssh_host=127.0.0.1 -o ssh_user=root -o "known_hosts=$STATE/known_hosts"
        -o connect_timeout=3 --read "$DATA" --write "$T/fw" --id fail1)
mkdir -p "$T/fw"
expect_launch() { # NAME EXPECTED_TEXT PF_LAUNCH_OPTIONS...
    local name=$1 want=$2
    shift 2
    "$PF_LAUNCH" "${common[@]}" "$@" -o transfer=shared -o exe=/usr/local/bin/platbench-cnn \
        -- /usr/local/bin/platbench-cnn --help >"$T/$name.out" 2>&1
    local code=$?
    local line
    line=$(grep 'pf_launch: platform failure:' "$T/$name.out")
    echo "launch $name: exit $code; ${line:-$(tail -1 "$T/$name.out")}"
    [ $code -eq 255 ] || fail "launch $name: exit $code, expected ssh's 255"
    grep -q "platform failure: .*$want" "$T/$name.out" || fail "launch $name: no \"$want\" reason"
}
expect_launch badkey "key refused" -o ssh_port="$PORT" -o identity="$T/stranger"
expect_launch down "host down" -o ssh_port="$DOWN" -o identity="$STATE/id_ed25519"
expect_launch hung "timeout" -o ssh_port="$HUNG" -o identity="$STATE/id_ed25519"
# the same failure at stage-in (transfer = "copy"): the copy step says so, nothing runs
"$PF_LAUNCH" "${common[@]}" -o ssh_port="$DOWN" -o identity="$STATE/id_ed25519" -- /bin/true >"$T/stage.out" 2>&1
code=$?
echo "stage-in, host down: exit $code; $(tail -1 "$T/stage.out")"
[ $code -eq 2 ] && grep -q "stage-in: .*host down" "$T/stage.out" || fail "stage-in host down: exit $code"
# a workload's own failure stays the workload's (exit 3, no ssh reason)
"$PF_LAUNCH" "${common[@]}" -o ssh_port="$PORT" -o identity="$STATE/id_ed25519" -o transfer=shared \
    -o exe=/usr/local/bin/pf_probe -- /usr/local/bin/pf_probe --exit 3 >"$T/own.out" 2>&1
code=$?
echo "workload's own failure: exit $code"
[ $code -eq 3 ] && ! grep -q "platform failure" "$T/own.out" || fail "workload exit 3 reported as exit $code or as ssh's"

cat >"$T/fail.cfg" <<EOF
campaign = { name = "vmssh-fail"; output = "fail.h5"; };
workload = { executable = "$(dirname "$PLATBENCH")/platbench-cnn"; model = "$T/tiny.cfg"; data = "$DATA";
             steps = 2; batch = 8; threads = 1; };
tests = 1;
timeout_s = 60.0;
platforms = (
  { name = "badkey"; kind = "vm"; mode = "ssh"; ssh_host = "127.0.0.1"; ssh_port = $PORT; ssh_user = "root";
    identity = "$T/stranger"; known_hosts = "$STATE/known_hosts"; connect_timeout = 3; },
  { name = "down"; kind = "vm"; mode = "ssh"; ssh_host = "127.0.0.1"; ssh_port = $DOWN; ssh_user = "root";
    identity = "$STATE/id_ed25519"; known_hosts = "$STATE/known_hosts"; connect_timeout = 3; },
  { name = "hung"; kind = "vm"; mode = "ssh"; ssh_host = "127.0.0.1"; ssh_port = $HUNG; ssh_user = "root";
    identity = "$STATE/id_ed25519"; known_hosts = "$STATE/known_hosts"; connect_timeout = 3; }
);
EOF
(cd "$T" && mpirun -n 1 "$PLATBENCH" run fail.cfg) >"$T/fail.log" 2>&1
echo "platbench run (unreachable VM nodes): exit $?"
/usr/bin/python3 "$HERE/check_vmssh.py" "$T/fail.h5" failures || fail "check_vmssh.py failures"

# ---- 3. the node stops answering during a campaign ----------------------------------------------
cat >"$T/pause.cfg" <<EOF
campaign = { name = "vmssh-pause"; output = "pause.h5"; };
workload = { executable = "$(dirname "$PLATBENCH")/platbench-cnn"; model = "$T/tiny.cfg"; data = "$DATA";
             steps = 3; batch = 16; threads = 1; args = [ "--max-images", "48" ]; };
tests = 2;
order = "sequential";
timeout_s = 120.0;
retries = 0;
platforms = ( { name = "vm-copy"; kind = "vm"; mode = "ssh"; $SSH_OPTS connect_timeout = 2; } );
EOF
t0=$(date +%s)
(cd "$T" && exec mpirun -n 1 "$PLATBENCH" run pause.cfg) >"$T/pause.log" 2>&1 &
RUN=$!
for _ in $(seq 300); do [ -d "$T/pause.h5.d/e0000-a1" ] && break; sleep 0.1; done
sleep 4 # stage-in (cached: checksums only) done, the workload running (~20 s under TCG)
kill -STOP "$QPID" && echo "VM node paused (QEMU pid $QPID) $(($(date +%s) - t0)) s into the campaign"
wait $RUN
echo "platbench run (node paused): exit $? after $(($(date +%s) - t0)) s"
kill -CONT "$QPID"
tail -6 "$T/pause.log"
/usr/bin/python3 - "$T/pause.h5" <<'PY' || fail "paused node: rows"
import sys, h5py
ex = h5py.File(sys.argv[1], "r")["experiments"][()]
bad = 0
for r in ex:
    st, err = r["status"].decode(), r["error"].decode()
    print(f"  {r['id']} {r['platform'].decode()} {st} {err}")
    if st != "failed" or "timeout (" not in err or "ssh 127.0.0.1" not in err:
        print("FAIL: expected failed with ssh's timeout reason (not the campaign's timeout_s)"); bad += 1
sys.exit(1 if bad or len(ex) != 2 else 0)
PY
ssh -F "$STATE/ssh_config" -o ConnectTimeout=20 vmnode true || fail "VM node does not answer after SIGCONT"

echo "$fails failed"
[ $fails -eq 0 ]
