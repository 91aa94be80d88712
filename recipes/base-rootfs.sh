#!/bin/bash
# base-rootfs.sh [--mirror URL] CACHE_DIR [TAG]
#
# Makes platbench's base container image on a machine without a container registry:
#   debootstrap --variant=minbase bookworm, with the runtime libraries of platbench-cnn
#   (OpenBLAS, parallel HDF5 -> Open MPI, libconfig, zlib, libgomp) included, so that
#   `docker build` FROM it needs no network (dockerd may run with --bridge=none);
#   the tree is packed into CACHE_DIR/base-bookworm.tar (kept: later runs reuse it)
#   and imported as TAG (default platbench-base:bookworm).
# Idempotent: does nothing when TAG already exists; imports the cached tarball when
# only the tag is missing. Prints the image ID on stdout.
#
# Environment:
#   DOCKER  docker CLI to use (default: docker; Podman's docker CLI works too)
#   MIRROR  Debian mirror, as --mirror URL (default: the first one this host's apt uses,
#           from /etc/apt/sources.list.d/*.sources URIs: or /etc/apt/sources.list deb lines;
#           none there: an error asking for --mirror)
#   SUITE   Debian suite (default: bookworm)
# Needs (root): debootstrap, a running docker daemon.
set -euo pipefail
if [ "${1:-}" = --mirror ]; then
    MIRROR=${2:?base-rootfs: --mirror needs a URL, e.g. --mirror http://HOST/debian}
    shift 2
fi
CACHE=${1:?usage: base-rootfs.sh [--mirror URL] CACHE_DIR [TAG]}
TAG=${2:-platbench-base:bookworm}
DOCKER=${DOCKER:-docker}
SUITE=${SUITE:-bookworm}
# Runtime libraries of platbench-cnn (Debian 12 package names).
LIBS=libopenblas0-pthread,libhdf5-openmpi-103-1,libconfig9,zlib1g,libgomp1

if id=$("$DOCKER" image inspect --format '{{.Id}}' "$TAG" 2>/dev/null); then
    echo "base-rootfs: $TAG exists ($id)" >&2
    echo "$id"
    exit 0
fi

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
TAR=$CACHE/base-$SUITE.tar
if [ ! -s "$TAR" ]; then
    command -v debootstrap >/dev/null ||
        { echo "base-rootfs: debootstrap not found; apt-get install debootstrap" >&2; exit 1; }
    if [ -z "${MIRROR:-}" ]; then
        # deb822 sources (Debian 12 default) first, then one-line sources.list
        MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
        [ -n "$MIRROR" ] || MIRROR=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
        if [ -z "$MIRROR" ]; then
            echo "base-rootfs: no Debian mirror in this host's apt sources (/etc/apt/sources.list.d/*.sources" \
                 "URIs:, /etc/apt/sources.list deb lines); give one: $0 --mirror URL $CACHE${2:+ $2}" >&2
            exit 2
        fi
    fi
    ROOT=$CACHE/rootfs-$SUITE.tmp
    rm -rf "$ROOT"
    echo "base-rootfs: debootstrap $SUITE from $MIRROR into $ROOT" >&2
    debootstrap --variant=minbase --include="$LIBS" "$SUITE" "$ROOT" "$MIRROR" >&2
    # drop what an image does not need: package caches and lists, logs
    rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/log/*.log \
        "$ROOT"/var/cache/debconf/*-old
    tar --numeric-owner -C "$ROOT" -cf "$TAR.tmp" .
    mv "$TAR.tmp" "$TAR"
    rm -rf "$ROOT"
fi
echo "base-rootfs: importing $TAR as $TAG" >&2
"$DOCKER" import --message "platbench base: debootstrap --variant=minbase $SUITE + $LIBS" "$TAR" "$TAG" >/dev/null
"$DOCKER" image inspect --format '{{.Id}}' "$TAG"
