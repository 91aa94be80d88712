#!/bin/bash
# build-images.sh OUT_DIR WORKLOAD [MORE_EXECUTABLES...]
#
# Builds every platform image of platbench from a build folder's workload (platbench-cnn;
# more executables, e.g. test probes, may follow and go to /usr/local/bin too):
#   docker  image TAG          recipes/docker/Dockerfile FROM the base image made by
#                              recipes/base-rootfs.sh (debootstrap, cached in OUT_DIR/cache)
#   sif     OUT_DIR/platbench.sif   with `apptainer build` from recipes/singularity/platbench.def
#                              where apptainer exists; else the same root file system as the
#                              docker image (docker export) packed with mksquashfs and wrapped
#                              into a SIF with siftool (deffile + labels + squashfs partition)
#   vm      OUT_DIR/vm/vmlinuz, OUT_DIR/vm/initramfs.cpio.gz   (recipes/vm/build-vm.sh)
# and prints each one's identity, also kept in OUT_DIR/identities.txt:
#   docker_image=sha256:...  sif_sha256=...  vm_kernel_sha256=...  vm_initrd_sha256=...
# Re-running is cheap: the base image, the Docker layer cache, the kernel package and a
# SIF made from the same Docker image ID are reused.
#
# Environment: DOCKER (CLI, default docker), TAG (default platbench:local), BASE_TAG
# (default platbench-base:bookworm), VERSION / REVISION (image labels; default from the
# source tree's CMakeLists.txt and git, or an installed copy's version.txt), ONLY (comma list
# of docker,sif,vm; default all; "none" only checks the arguments).
# Needs: docker daemon, debootstrap (first run), squashfs-tools + siftool (no apptainer),
# qemu's image parts: apt (download), dpkg, kmod, gcc, cpio.
set -euo pipefail
OUT=${1:?usage: build-images.sh OUT_DIR WORKLOAD [MORE_EXECUTABLES...]}
shift
[ $# -ge 1 ] || { echo "usage: build-images.sh OUT_DIR WORKLOAD [MORE_EXECUTABLES...]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
DOCKER=${DOCKER:-docker}
TAG=${TAG:-platbench:local}
BASE_TAG=${BASE_TAG:-platbench-base:bookworm}
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
    if command -v apptainer >/dev/null 2>&1; then
        say "apptainer build $SIF from $TAG"
        apptainer build --force --build-arg "IMAGE=$TAG" --build-arg "VERSION=$VERSION" \
            --build-arg "REVISION=$REVISION" "$SIF.tmp" "$HERE/singularity/platbench.def" >&2
        mv "$SIF.tmp" "$SIF"
    elif [ -s "$SIF" ] && [ "$(cat "$SIF.source" 2>/dev/null)" = "$IMAGE_ID" ]; then
        say "$SIF is up to date (made from $IMAGE_ID)"
    else
        for t in mksquashfs siftool; do
            command -v $t >/dev/null || { say "$t not found: apt-get install squashfs-tools siftool"; exit 1; }
        done
        say "SIF from $TAG: docker export | mksquashfs | siftool (no apptainer on this host)"
        ROOT=$WORK/sifroot
        mkdir -p "$ROOT"
        cid=$("$DOCKER" create "$TAG" /bin/true)
        "$DOCKER" export "$cid" | tar -C "$ROOT" --numeric-owner -xf -
        "$DOCKER" rm -f "$cid" >/dev/null
        rm -f "$ROOT/.dockerenv"
        # Apptainer's image metadata folder: environment, exec action, labels
        mkdir -p "$ROOT/.singularity.d/env" "$ROOT/.singularity.d/actions" "$ROOT/.singularity.d/libs"
        printf '#!/bin/sh\nexport PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\n' \
            >"$ROOT/.singularity.d/env/10-docker2singularity.sh"
        printf '#!/bin/sh\nfor s in /.singularity.d/env/*.sh; do [ -f "$s" ] && . "$s"; done\nexec "$@"\n' \
            >"$ROOT/.singularity.d/actions/exec"
        printf '#!/bin/sh\nfor s in /.singularity.d/env/*.sh; do [ -f "$s" ] && . "$s"; done\nexec /usr/local/bin/platbench-cnn "$@"\n' \
            >"$ROOT/.singularity.d/runscript"
        chmod 755 "$ROOT/.singularity.d/env/"*.sh "$ROOT/.singularity.d/actions/exec" "$ROOT/.singularity.d/runscript"
        LABELS='{"org.opencontainers.image.title":"platbench","org.opencontainers.image.version":"'$VERSION'","org.opencontainers.image.revision":"'$REVISION'","org.platbench.docker.image":"'$IMAGE_ID'"}'
        echo "$LABELS" >"$ROOT/.singularity.d/labels.json"
        cp "$HERE/singularity/platbench.def" "$ROOT/.singularity.d/Singularity"
        for d in proc sys dev tmp var/tmp home etc/hosts etc/resolv.conf; do
            [ -e "$ROOT/$d" ] || { case $d in etc/*) touch "$ROOT/$d" ;; *) mkdir -p "$ROOT/$d" ;; esac; }
        done
        mksquashfs "$ROOT" "$WORK/rootfs.sqfs" -noappend -quiet -comp lz4 -all-root >/dev/null
        echo "$LABELS" >"$WORK/labels.json"
        rm -f "$SIF.tmp"
        siftool new "$SIF.tmp" >/dev/null
        siftool add "$SIF.tmp" "$HERE/singularity/platbench.def" --datatype 1 >/dev/null
        siftool add "$SIF.tmp" "$WORK/labels.json" --datatype 3 >/dev/null
        siftool add "$SIF.tmp" "$WORK/rootfs.sqfs" --datatype 4 --parttype 2 --partfs 1 --partarch 2 >/dev/null
        mv "$SIF.tmp" "$SIF"
        echo "$IMAGE_ID" >"$SIF.source"
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
