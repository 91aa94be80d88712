#!/bin/bash
# build-images.sh OUT_DIR WORKLOAD [MORE_EXECUTABLES...]
#
# Builds every platform image of platbench from a build folder's workload (platbench-cnn;
# more executables, e.g. test probes, may follow and go to /usr/local/bin too):
#   docker  image TAG          recipes/docker/Dockerfile FROM the base image made by
#                              recipes/base-rootfs.sh (debootstrap, cached in OUT_DIR/cache)
#   sif     OUT_DIR/platbench.sif   `apptainer build` from recipes/singularity/platbench.def
#                              (Bootstrap: docker-daemon: the docker image above, no network)
#   vm      OUT_DIR/vm/vmlinuz, OUT_DIR/vm/initramfs.cpio.gz   (recipes/vm/build-vm.sh)
# and prints each one's identity, also kept in OUT_DIR/identities.txt:
#   docker_image=sha256:...  sif_sha256=...  vm_kernel_sha256=...  vm_initrd_sha256=...
# Re-running is cheap: the base image, the Docker layer cache, the kernel package and a
# SIF made from the same Docker image ID by the same Apptainer version are reused.
#
# Environment: DOCKER (CLI, default docker), TAG (default platbench:local), BASE_TAG
# (default platbench-base:bookworm), VERSION / REVISION (image labels; default from the
# source tree's CMakeLists.txt and git, or an installed copy's version.txt), ONLY (comma list
# of docker,sif,vm; default all; "none" only checks the arguments), APPTAINER (default:
# apptainer, else singularity, on PATH).
# Needs: docker daemon, debootstrap (first run), Apptainer (recipes/apptainer-install.sh) +
# squashfs-tools, qemu's image parts: apt (download), dpkg, kmod, gcc, cpio.
set -euo pipefail
OUT=${1:?usage: build-images.sh OUT_DIR WORKLOAD [MORE_EXECUTABLES...]}
shift
[ $# -ge 1 ] || { echo "usage: build-images.sh OUT_DIR WORKLOAD [MORE_EXECUTABLES...]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
DOCKER=${DOCKER:-docker}
TAG=${TAG:-platbench:local}
BASE_TAG=${BASE_TAG:-platbench-base:bookworm}
ONLY_SET=${ONLY:+1}
ONLY=${ONLY:-docker,sif,vm}
if [ -f "$SRC/version.txt" ]; then # installed (PREFIX/share/platbench): "VERSION REVISION" of the build
    read -r src_version src_revision <"$SRC/version.txt"
else
    src_version=$(sed -n 's/^project(platbench VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
    src_revision=$(git -C "$SRC" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
fi
VERSION=${VERSION:-$src_version}
REVISION=${REVISION:-$src_revision}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=$OUT/cache
mkdir -p "$CACHE"
EXES=()
for e in "$@"; do
    [ -x "$e" ] && [ -f "$e" ] || { echo "build-images: $e is not an executable file" >&2; exit 1; }
    EXES+=("$(readlink -f "$e")")
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pbimages.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
IDS=$WORK/identities.txt
: >"$IDS"
say() { echo "build-images: $*" >&2; }
say "platbench $VERSION (revision $REVISION), images into $OUT: ${ONLY//,/ }"

# the SIF needs Apptainer: checked before any long work
APPTAINER=${APPTAINER:-$(command -v apptainer || command -v singularity || true)}
if want sif && ! { [ -n "$APPTAINER" ] && [ -x "$APPTAINER" ]; }; then
    say "no apptainer (APPTAINER='$APPTAINER'): install it (recipes/apptainer-install.sh PREFIX; ./setup.sh"
    say "test does it into BUILD_DIR/apptainer) and put PREFIX/usr/bin on PATH or set APPTAINER=PREFIX/usr/bin/apptainer"
    # asked for by name: an error; by default: the other images are still built
    [ -n "$ONLY_SET" ] && exit 1
    say "SKIPPING the SIF"
    ONLY=${ONLY/sif/}
fi

# --- docker ----------------------------------------------------------------------------
if want docker || want sif; then
    "$HERE/base-rootfs.sh" "$CACHE" "$BASE_TAG" >/dev/null
    CTX=$WORK/ctx
    mkdir -p "$CTX/bin" "$CTX/models"
    cp "${EXES[@]}" "$CTX/bin/"
    cp "$SRC"/jobs/models/*.cfg "$CTX/models/" 2>/dev/null || true
    cp "$HERE/docker/Dockerfile" "$CTX/Dockerfile"
    say "docker build $TAG (version $VERSION, revision $REVISION)"
    # legacy builder: works with every docker CLI (a newer client may lack buildx) and
    # needs no network; the Dockerfile has no "# syntax" line for the same reason
    DOCKER_BUILDKIT=0 "$DOCKER" build -q --build-arg "BASE=$BASE_TAG" --build-arg "VERSION=$VERSION" \
        --build-arg "REVISION=$REVISION" -t "$TAG" "$CTX" >/dev/null
    IMAGE_ID=$("$DOCKER" image inspect --format '{{.Id}}' "$TAG")
    echo "docker_image=$TAG $IMAGE_ID" >>"$IDS"
fi

# --- SIF -------------------------------------------------------------------------------
if want sif; then
    SIF=$OUT/platbench.sif
    RT_VERSION=$("$APPTAINER" --version) || { say "$APPTAINER --version failed"; exit 1; }
    SOURCE="$IMAGE_ID $RT_VERSION"
    if [ -s "$SIF" ] && [ "$(cat "$SIF.source" 2>/dev/null)" = "$SOURCE" ]; then
        say "$SIF is up to date (made from $IMAGE_ID by $RT_VERSION)"
    else
        # Bootstrap docker-daemon: the root file system comes from the local daemon
        # (DOCKER_HOST), no registry, no network; the cache stays under OUT_DIR
        say "$RT_VERSION build $SIF from $TAG (about a minute: mksquashfs)"
        rm -f "$SIF.tmp"
        APPTAINER_CACHEDIR=$CACHE/apptainer APPTAINER_TMPDIR=$WORK \
            "$APPTAINER" --quiet build --force --build-arg "IMAGE=$TAG" --build-arg "VERSION=$VERSION" \
            --build-arg "REVISION=$REVISION" "$SIF.tmp" "$HERE/singularity/platbench.def" >&2 ||
            { say "$APPTAINER build from $TAG failed (see above)"; exit 1; }
        mv "$SIF.tmp" "$SIF"
        echo "$SOURCE" >"$SIF.source"
    fi
    echo "sif_sha256=$SIF $(sha256sum <"$SIF" | cut -c1-64)" >>"$IDS"
fi

# --- VM --------------------------------------------------------------------------------
if want vm; then
    say "VM kernel + initramfs in $OUT/vm"
    "$HERE/vm/build-vm.sh" "$OUT/vm" "$CACHE" "${EXES[@]}" >"$WORK/vm.txt"
    echo "vm_kernel_sha256=$OUT/vm/vmlinuz $(sha256sum <"$OUT/vm/vmlinuz" | cut -c1-64)" >>"$IDS"
    echo "vm_initrd_sha256=$OUT/vm/initramfs.cpio.gz $(sha256sum <"$OUT/vm/initramfs.cpio.gz" | cut -c1-64)" >>"$IDS"
fi
cp "$IDS" "$OUT/identities.txt.tmp"
mv "$OUT/identities.txt.tmp" "$OUT/identities.txt"
cat "$IDS"
