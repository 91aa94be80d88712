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
#   docker: cpuset_cpus = "0" -> the workload sees 1 CPU; a killed launch leaves no container.
# KIND: docker | singularity | vm. Environment: DOCKER_HOST for docker, PATH for singularity.
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

"$LAUNCH" --kind "$KIND" "${OPTS[@]}" --check --describe >"$T/desc" 2>&1
check "check() and describe() succeed: $(tr '\n' ' ' <"$T/desc" | cut -c1-200)" $?
grep -q '^runtime_version=.\+' "$T/desc" && grep -q '^image_id=.\+' "$T/desc"
check "describe() gives a runtime version and an image identity" $?
if [ "$KIND" = vm ]; then
    grep -q '^runtime_version=QEMU .*(accel \(tcg\|kvm\))' "$T/desc"
    check "describe() records the accelerator" $?
fi

run main -- --read "$T/data/in.txt" --read "$T/model.cfg" --write "$T/out/w.txt" written \
    "two words" "it's" "" --write "$T/data/forbidden.txt" x
o=$T/main.out
[ "$(cat "$T/main.rc")" = 3 ]; check "launch ran; writing into a read path failed (status 3, got $(cat "$T/main.rc"))" $?
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
[ "$(cat "$T/exit7.rc")" = $want ]; check "exit status 7 comes back as $want (got $(cat "$T/exit7.rc"))" $?
if [ "$KIND" = vm ]; then
    grep -qx "PLATBENCH_VM exit_status=7" "$T/exit7.err"; check "vm: exact status on stderr" $?
    grep -q "^PLATBENCH_VM exit_status=7" "$T/out/vm-console-pbt-exit7-$$.log"
    check "vm: a failed launch keeps the guest console (vm-console-ID.log)" $?
    [ ! -e "$T/out/vm-console-pbt-hello-$$.log" ]; check "vm: the console log of a successful launch is removed" $?
fi

if [ "$KIND" = docker ]; then
    run cpuset -o cpuset_cpus=0 -- --exit 0
    grep -qx "cpus_seen=1" "$T/cpuset.out"; check "cpuset_cpus=0 -> workload sees 1 CPU ($(grep cpus_seen "$T/cpuset.out"))" $?
    "$LAUNCH" --kind docker "${OPTS[@]}" --write "$T/out" --id "pbt-kill-$$" --timeout 3 -- /x/pf_probe --sleep 60 \
        >/dev/null 2>&1
    rc=$?
    left=$(docker ps -a --filter "name=pbt-kill-$$" --format '{{.Names}}')
    [ $rc = 124 ] && [ -z "$left" ]; check "timeout kills the launch and cleanup removes the container (rc $rc, left '$left')" $?
fi
echo "$KIND: $fails failed"
[ $fails -eq 0 ]
