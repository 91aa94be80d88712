#!/bin/bash
# test_backend.sh KIND PF_LAUNCH IMAGES_DIR
#
# One platform backend, launched for real through its table (pf_launch) with the
# pf_probe workload baked into the images (recipes/build-images.sh):
#   check() passes and describe() gives a runtime version and an image identity;
#   arguments arrive unchanged (spaces, quotes, empty); read paths (a folder and a file)
#   are visible at the same path and read-only; the write folder is writable and is the
#   working folder; the root file system is read-only (containers); thread count arrives;
#   a non-zero exit status comes back (vm: as (N << 1) | 1, plus the status line);
#   docker: cpuset_cpus = "0" -> the workload sees 1 CPU; a killed launch leaves no container;
#   singularity: describe() records the user-namespace mode this host needs; as root, the same
#   launch as an ordinary user (nobody, via setpriv; runtime given as a path) works too, with
#   the image extracted (--unsquash) where /dev/fuse is not open to that user.
# KIND: docker | singularity | vm. Environment: DOCKER_HOST for docker, PATH (apptainer first)
# for singularity.
set -u
KIND=$1 LAUNCH=$2 IMAGES=$3
T=$(mktemp -d /tmp/pb-test-backend-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/data" "$T/out"
echo "data line" >"$T/data/in.txt"
echo "model line" >"$T/model.cfg"
fails=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $KIND: $1"; else echo "FAIL $KIND: $1"; fails=$((fails + 1)); fi; }
case $KIND in
docker) OPTS=(-o image=platbench:local) ;;
singularity) OPTS=(-o "image=$IMAGES/platbench.sif") ;;
vm) OPTS=(-o "kernel=$IMAGES/vm/vmlinuz" -o "initrd=$IMAGES/vm/initramfs.cpio.gz" -o memory_mb=512) ;;
*) echo "unknown kind $KIND"; exit 2 ;;
esac
run() { # run ID EXTRA_LAUNCH_OPTS... -- PROBE ARGS  -> $T/ID.out, $T/ID.err, $T/ID.rc
    local id=$1; shift
    local lo=()
    while [ "$1" != -- ]; do lo+=("$1"); shift; done
    shift
    "$LAUNCH" --kind "$KIND" "${OPTS[@]}" "${lo[@]}" --read "$T/data" --read "$T/model.cfg" --write "$T/out" \
        --id "pbt-$id-$$" --threads 2 --timeout 300 -- /host/path/pf_probe "$@" >"$T/$id.out" 2>"$T/$id.err"
    echo $? >"$T/$id.rc"
}

# (each check's status is taken before its message is built: a $(...) in the message
# would otherwise be the $? that check sees)
"$LAUNCH" --kind "$KIND" "${OPTS[@]}" --check --describe >"$T/desc" 2>&1
rc=$?
desc=$(tr '\n' ' ' <"$T/desc" | cut -c1-300)
check "check() and describe() succeed: $desc" $rc
grep -q '^runtime_version=.\+' "$T/desc" && grep -q '^image_id=.\+' "$T/desc"
check "describe() gives a runtime version and an image identity" $?
if [ "$KIND" = vm ]; then
    grep -q '^runtime_version=QEMU .*(accel \(tcg\|kvm\))' "$T/desc"
    check "describe() records the accelerator" $?
fi

run main -- --read "$T/data/in.txt" --read "$T/model.cfg" --write "$T/out/w.txt" written \
    "two words" "it's" "" --write "$T/data/forbidden.txt" x
o=$T/main.out
got=$(cat "$T/main.rc")
want=3
[ "$KIND" = vm ] && want=7 # qemu's isa-debug-exit: (3 << 1) | 1
[ "$got" = $want ]; check "launch ran; writing into a read path failed (status 3 -> $want, got $got)" $?
grep -qx 'arg8=two words' "$o" && grep -qx "arg9=it's" "$o" && grep -qx 'arg10=' "$o" && grep -qx 'argc=14' "$o"
check "arguments arrive unchanged (space, quote, empty)" $?
grep -qx "read=$T/data/in.txt:data line" "$o" && grep -qx "read=$T/model.cfg:model line" "$o"
check "read folder and read file visible at the same path" $?
grep -qx "write=$T/out/w.txt:ok" "$o" && [ "$(cat "$T/out/w.txt" 2>/dev/null)" = written ]
check "write folder writable, file arrives on the host" $?
grep -q "^write=$T/data/forbidden.txt:ERROR" "$o" && [ ! -e "$T/data/forbidden.txt" ]
check "read folder is read-only" $?
grep -qx "cwd=$T/out" "$o"; check "working folder is the write folder" $?
grep -qx "openblas_threads=2" "$o"; check "OPENBLAS_NUM_THREADS = launch threads" $?
grep -qx "uid=$(id -u)" "$o"; check "runs as the caller's uid" $?
if [ "$KIND" != vm ]; then grep -qx "root_writable=0" "$o"; check "root file system read-only" $?; fi
grep -qx "PLATBENCH_MARK workload_start" "$T/main.err" && grep -qx "PLATBENCH_MARK workload_end" "$T/main.err"
check "markers arrive on stderr, whole lines" $?

run hello -- --hello
[ "$(cat "$T/hello.rc")" = 0 ] && grep -qx hello "$T/hello.out"; check "a successful launch exits 0" $?
run exit7 -- --exit 7
want=7
[ "$KIND" = vm ] && want=15
got=$(cat "$T/exit7.rc")
[ "$got" = $want ]; check "exit status 7 comes back as $want (got $got)" $?
if [ "$KIND" = vm ]; then
    grep -qx "PLATBENCH_VM exit_status=7" "$T/exit7.err"; check "vm: exact status on stderr" $?
    grep -q "^PLATBENCH_VM exit_status=7" "$T/out/vm-console-pbt-exit7-$$.log"
    check "vm: a failed launch keeps the guest console (vm-console-ID.log)" $?
    [ ! -e "$T/out/vm-console-pbt-hello-$$.log" ]; check "vm: the console log of a successful launch is removed" $?
fi

if [ "$KIND" = singularity ]; then
    # the mode this host needs is recorded: root lacking a capability runs in a user namespace
    last=$(cat /proc/sys/kernel/cap_last_cap)
    prm=0x$(awk '/^CapPrm:/ {print $2}' /proc/self/status)
    missing=$(printf %x $((((1 << (last + 1)) - 1) & ~prm)))
    if [ "$(id -u)" = 0 ] && [ "$missing" != 0 ]; then
        wu="userns yes (auto: root lacks capabilities 0x$missing)"
    elif [ "$(id -u)" = 0 ]; then
        wu="userns no (auto: root with every capability)"
    else
        wu="userns no (auto: not root, the runtime decides)"
    fi
    grep -qF "detail=$wu;" "$T/desc"; check "describe() records the mode: $wu" $?
    # an ordinary user (nobody): with /dev/fuse 0600 the image cannot be squashfuse-mounted,
    # so unsquash = auto extracts it; the runtime given as a path (option runtime)
    if [ "$(id -u)" = 0 ]; then
        U=65534
        AS=(setpriv --reuid=$U --regid=$U --clear-groups env HOME=/ TMPDIR=/tmp)
        chmod 755 "$T"
        mkdir -p "$T/uout"
        chown $U "$T/uout"
        rt=$(command -v apptainer || command -v singularity)
        if "${AS[@]}" test -r /dev/fuse -a -w /dev/fuse; then wq="unsquash no (auto: squashfuse)"
        else wq="unsquash yes (auto: /dev/fuse not read-write for uid $U)"; fi
        "${AS[@]}" "$LAUNCH" --kind singularity "${OPTS[@]}" -o "runtime=$rt" --describe >"$T/udesc" 2>&1
        rc=$?
        grep -qF "detail=userns no (auto: not root, the runtime decides); $wq;" "$T/udesc" &&
            grep -qF "runtime $rt" "$T/udesc"
        check "uid $U: describe() succeeds (rc $rc) and records $wq, runtime $rt" $?
        s=$(date +%s.%N)
        "${AS[@]}" "$LAUNCH" --kind singularity "${OPTS[@]}" -o "runtime=$rt" --read "$T/data" --write "$T/uout" \
            --id "pbt-user-$$" --threads 2 --timeout 300 -- /host/path/pf_probe --read "$T/data/in.txt" \
            --write "$T/uout/w.txt" byuser --exit 7 >"$T/user.out" 2>"$T/user.err"
        got=$?
        took=$(awk -v a="$s" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
        [ "$got" = 7 ] && grep -qx "uid=$U" "$T/user.out" && grep -qx "read=$T/data/in.txt:data line" "$T/user.out" &&
            [ "$(cat "$T/uout/w.txt" 2>/dev/null)" = byuser ] && [ "$(stat -c %u "$T/uout/w.txt")" = $U ]
        check "uid $U: launch runs as $U, reads, writes (file owned by $U), exit 7 comes back (got $got, $took s)" $?
        [ "$got" = 7 ] || tail -5 "$T/user.err"
    fi
fi

if [ "$KIND" = docker ]; then
    run cpuset -o cpuset_cpus=0 -- --exit 0
    seen=$(grep cpus_seen "$T/cpuset.out")
    [ "$seen" = cpus_seen=1 ]; check "cpuset_cpus=0 -> workload sees 1 CPU ($seen)" $?
    "$LAUNCH" --kind docker "${OPTS[@]}" --write "$T/out" --id "pbt-kill-$$" --timeout 3 -- /x/pf_probe --sleep 60 \
        >/dev/null 2>&1
    rc=$?
    left=$(docker ps -a --filter "name=pbt-kill-$$" --format '{{.Names}}')
    [ $rc = 124 ] && [ -z "$left" ]; check "timeout kills the launch and cleanup removes the container (rc $rc, left '$left')" $?
fi
echo "$KIND: $fails failed"
[ $fails -eq 0 ]
