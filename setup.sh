#!/usr/bin/env bash
# setup.sh — the one entry point a newcomer needs on a fresh Debian 12 / Ubuntu machine.
#
#   ./setup.sh demo    install packages, build, and run the main job: a small real campaign
#                      (jobs/quick.cfg: bare metal, Docker, Apptainer) on the stand-in data set,
#                      then its report
#   ./setup.sh test    install packages (incl. the test stack: Docker, QEMU, Slurm), build, run all tests
#   ./setup.sh deps [--tests]   only install (as root) or print the exact apt-get line (otherwise)
#   ./setup.sh build   only configure and build into ./build
#
# Environment: BUILD_DIR (default ./build), JOBS (default: number of CPUs), NP (demo ranks, default 2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${BUILD_DIR:-$here/build}
jobs=${JOBS:-$(nproc)}

# Packages: build and run (the main job) ...
pkgs_run=(build-essential cmake pkg-config git openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
          libopenblas-dev libconfig-dev libstb-dev zlib1g-dev dataset-fashion-mnist
          python3-h5py python3-numpy python3-matplotlib python3-scipy python3-pandas)
# ... the demo's other platforms: a Docker engine and what builds its image without a registry;
# Apptainer (recipes/apptainer-install.sh: Debian sid's, into BUILD_DIR/apptainer) and what it
# runs with (patchelf at install; squashfs-tools, squashfuse, uidmap at run time) ...
pkgs_demo=(docker.io debootstrap patchelf squashfs-tools squashfuse uidmap)
# ... and what the tests start for real: Docker engine and image tools, Apptainer, QEMU, Slurm (one
# node, and a head + 3 nodes cluster in namespaces: sshd, tini, GlusterFS, sshfs; tests/cluster),
# Lmod (the install test), dropbear (the VM node reached over ssh).
pkgs_test=(docker.io debootstrap patchelf squashfs-tools squashfuse uidmap kmod qemu-system-x86
           busybox-static cpio slurm-wlm munge lmod dropbear-bin
           openssh-server openssh-client tini iproute2 glusterfs-server glusterfs-client sshfs strace
           clang-format)

log() { printf 'setup: %s\n' "$*" >&2; }

install_deps() {
    local want=("${pkgs_run[@]}")
    [ "${1:-}" = --demo ] && want+=("${pkgs_demo[@]}")
    [ "${1:-}" = --tests ] && want+=("${pkgs_demo[@]}" "${pkgs_test[@]}")
    local missing=()
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "all ${#want[@]} packages present"
        return 0
    fi
    local line="apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        log "missing packages: ${missing[*]}"
        log "run as root:  apt-get update && $line"
        return 1
    fi
    log "installing ${#missing[@]} packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    # shellcheck disable=SC2086
    $line -q >/dev/null
    log "packages installed"
}

build() {
    log "configuring and building into $build_dir"
    cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build_dir" -j "$jobs"
}

mpirun_root_env() {
    # Open MPI refuses to run as root without these; oversubscription lets a 2-core
    # machine run more ranks than cores, and yielding keeps idle ranks from spinning.
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
}

# Makes the docker platform of jobs/quick.cfg runnable: a Docker engine (the system's if
# it answers, else a private dockerd started here and stopped when the demo ends) and the
# workload image built from this build's platbench-cnn (recipes/build-images.sh; the base
# comes from debootstrap, no registry needed). Returns non-zero, with the reason logged,
# when Docker cannot run here: the demo then goes on with the platforms that can.
demo_docker_up() {
    if ! docker info >/dev/null 2>&1; then
        local sock_dir=/run/pbdockerd-demo
        "$here/recipes/dockerd.sh" start "$build_dir/dockerd" "$sock_dir" >&2 || return 1
        demo_dockerd_started=$sock_dir
        trap 'demo_docker_down' EXIT
        export DOCKER_HOST=unix://$sock_dir/docker.sock
    fi
    log "building the workload's Docker image (first time: debootstrap of the base, about 2 minutes)"
    ONLY=docker "$here/recipes/build-images.sh" "$build_dir/images" "$build_dir/src/platbench-cnn" >&2
}

# The singularity platform's SIF, made from the Docker image above (apptainer build,
# Bootstrap: docker-daemon) into images/ beside jobs/, where jobs/quick.cfg names it.
demo_sif_up() {
    log "building the workload's SIF with $(apptainer --version) (about a minute)"
    ONLY=sif "$here/recipes/build-images.sh" "$here/images" "$build_dir/src/platbench-cnn" >&2
}

# Installs the real Apptainer into BUILD_DIR/apptainer (skipped when already there) and puts
# it first on PATH, where the singularity platform looks for it. Non-zero, reason logged, when
# it cannot be installed: the singularity platform is then skipped.
apptainer_up() {
    "$here/recipes/apptainer-install.sh" "$build_dir/apptainer" >/dev/null || return 1
    export PATH=$build_dir/apptainer/usr/bin:$PATH
}

demo_docker_down() {
    [ -n "${demo_dockerd_started:-}" ] && "$here/recipes/dockerd.sh" stop "$build_dir/dockerd" "$demo_dockerd_started" >&2
    demo_dockerd_started=
}

# data/standin in the version this platbench writes (STANDIN_VERSION, src/cnn/standin.h):
# a stand-in of another version (from an older platbench) is moved aside, not trained on.
demo_standin() {
    local dir=$here/data/standin want have old
    want=$(sed -n 's/^#define STANDIN_VERSION \([0-9]*\).*/\1/p' "$here/src/cnn/standin.h")
    if [ -f "$dir/classes.txt" ]; then
        have=$(sed -n 's/^version = \([0-9]*\)$/\1/p' "$dir/standin.txt" 2>/dev/null || true)
        [ "${have:-1}" = "$want" ] && return 0
        old=$dir-v${have:-1}
        [ -e "$old" ] && old=$old-$(date +%Y%m%d%H%M%S)
        log "data/standin is stand-in version ${have:-1}, this platbench writes version $want: moving it to ${old#"$here"/}"
        mv -T "$dir" "$old"
    fi
    log "writing the study's stand-in data set (version $want, from Fashion-MNIST) to data/standin"
    "$build_dir/src/platbench-cnn" dataset --out "$dir"
}

# One line: did the campaign's runs learn? Their test accuracies against chance (1 in 4),
# and the stand-in version they trained on when it is not the current one.
demo_learned() {
    local want
    want=$(sed -n 's/^#define STANDIN_VERSION \([0-9]*\).*/\1/p' "$here/src/cnn/standin.h")
    /usr/bin/python3 - "$1" "$want" <<'PY' >&2 || log "cannot read the test accuracies of $1"
import sys, h5py
exp = h5py.File(sys.argv[1], "r")["experiments"][:]
done = [r for r in exp if r["status"] == b"done"]
acc = sorted(float(r["test_acc"]) for r in done)
if not acc:
    print("setup: no run finished: nothing to say about learning")
    sys.exit(0)
chance = 0.25
verdict = "the runs learned" if acc[0] >= 2 * chance else "the runs did NOT learn"
line = "setup: %s: test accuracy %.2f-%.2f over %d runs (chance %.2f)" % (verdict, acc[0], acc[-1], len(acc), chance)
versions = sorted({int(r["data_version"]) for r in done}) if "data_version" in exp.dtype.names else [-1]
if versions != [int(sys.argv[2])]:
    line += "; trained on stand-in version %s, not the current %s: remove %s and run the demo again" % (
        ",".join(str(v) if v >= 0 else "unknown" for v in versions), sys.argv[2], sys.argv[1])
print(line)
PY
}

demo() {
    local docker_ok=1
    install_deps --demo || { install_deps && docker_ok=0; }
    build
    mpirun_root_env
    local docker_up=0
    if [ $docker_ok = 1 ] && ! demo_docker_up; then
        log "Docker cannot run here (see above): the docker platform will be skipped"
    elif [ $docker_ok = 1 ]; then
        docker_up=1
    fi
    if command -v apptainer >/dev/null; then
        log "using $(command -v apptainer) (already on PATH)"
    elif [ $docker_ok = 1 ] && ! apptainer_up; then
        log "Apptainer cannot be installed here (see above): the singularity platform will be skipped"
    fi
    if [ $docker_up = 1 ] && command -v apptainer >/dev/null && ! demo_sif_up; then
        log "the SIF could not be built (see above): the singularity platform will be skipped"
    fi
    local np=${NP:-2}
    mkdir -p "$here/results"
    demo_standin
    log "running the quick campaign on $np MPI ranks (jobs/quick.cfg)"
    local rc=0
    mpirun -n "$np" "$build_dir/src/platbench" run "$here/jobs/quick.cfg" -o "$here/results/quick.h5" || rc=$?
    # 0: everything this machine can run is done (platforms it cannot run, e.g. no
    # Apptainer or no VM image, are listed as skipped with the reason); 2: some failed.
    case $rc in
        0) ;;
        2)  log "some experiments failed: see $build_dir/src/platbench status results/quick.h5"
            return 2 ;;
        *)  log "campaign ended with status $rc (3 = interrupted: run the same command again to resume)"
            return $rc ;;
    esac
    "$build_dir/src/platbench" report "$here/results/quick.h5"
    /usr/bin/python3 "$here/analysis/report.py" "$here/results/quick.h5" --out "$here/results/quick-report"
    demo_docker_down
    demo_learned "$here/results/quick.h5"
    log "results: results/quick.h5   report: results/quick-report/index.html"
}

run_tests() {
    install_deps --tests
    build
    # the platforms tests' fixture does it too; here so a failure is reported up front
    apptainer_up || log "Apptainer could not be installed: the singularity tests will fail"
    log "running the test suite (ctest)"
    ctest --test-dir "$build_dir" --output-on-failure --timeout 900 "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    demo) demo "$@" ;;
    test) run_tests "$@" ;;
    deps) install_deps "$@" ;;
    build) install_deps && build ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
