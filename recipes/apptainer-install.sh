#!/bin/bash
# apptainer-install.sh PREFIX [--force]
#
# Installs the real Apptainer into PREFIX (a folder this project owns, e.g. build/apptainer;
# ./setup.sh uses BUILD_DIR/apptainer), for Debian 12, which has no apptainer package:
#   - Debian sid's apptainer and libc6 binary packages (apt-get download from the mirror this
#     machine's own apt sources name, with a private package list: the system's apt state and
#     its libc are untouched), unpacked with dpkg -x;
#   - sid's binaries need glibc 2.38 (only for __isoc23_strtol/strtoul), bookworm has 2.36: sid's
#     libc goes to PREFIX/glibc and patchelf points apptainer and starter at it (interpreter +
#     a DT_RPATH; not RUNPATH: apptainer re-executes itself with LD_LIBRARY_PATH set, which
#     outranks RUNPATH but not RPATH);
#   - Debian's build is relocatable: it reads PREFIX/usr/etc/apptainer/apptainer.conf and needs
#     PREFIX/usr/lib/var/lib/apptainer/mnt/session and PREFIX/usr/lib/etc/apptainer/capability.json.
# Idempotent: when PREFIX/usr/bin/apptainer already runs and reports the version recorded in
# PREFIX/.platbench-apptainer (the one installed here), nothing is downloaded (--force: reinstall).
# The new tree is assembled beside PREFIX and renamed into place: a failure never leaves half an
# install. Prints the version on stdout at the end; progress and errors on stderr.
#
# Use: PREFIX/usr/bin/apptainer, e.g. platform option runtime = "PREFIX/usr/bin/apptainer".
# As root where the process lacks capabilities Apptainer requests (containers, sandboxes),
# run it with --userns (src/platforms/singularity.c does that by itself: userns = "auto").
# Needs: apt-get, dpkg, patchelf; at run time squashfs-tools, squashfuse, uidmap (./setup.sh).
# Environment: APPTAINER_SUITE (default sid), APT_MIRROR (default: the first URI of this
# machine's apt sources).
set -euo pipefail
PREFIX=${1:-}
FORCE=${2:-}
die() { echo "apptainer-install: $*" >&2; exit 1; }
say() { echo "apptainer-install: $*" >&2; }
[ -n "$PREFIX" ] && [ "${PREFIX#-}" = "$PREFIX" ] || die "usage: apptainer-install.sh PREFIX [--force]"
[ -z "$FORCE" ] || [ "$FORCE" = --force ] || die "unknown argument '$FORCE' (expected --force)"
SUITE=${APPTAINER_SUITE:-sid}
mkdir -p "$(dirname "$PREFIX")" || die "cannot create the parent folder of $PREFIX"
PREFIX=$(cd "$(dirname "$PREFIX")" && pwd)/$(basename "$PREFIX")
BIN=$PREFIX/usr/bin/apptainer
STAMP=$PREFIX/.platbench-apptainer

if [ -z "$FORCE" ] && [ -x "$BIN" ] && [ -s "$STAMP" ]; then
    if have=$("$BIN" --version 2>/dev/null) && [ "$have" = "$(cat "$STAMP")" ]; then
        say "$PREFIX already holds a working $have (--force reinstalls)"
        echo "$have"
        exit 0
    fi
    say "$PREFIX holds an apptainer that does not run or is not the recorded version: reinstalling"
fi

for t in apt-get dpkg patchelf; do
    command -v $t >/dev/null || die "$t not found (as root: apt-get install --no-install-recommends patchelf)"
done
uri=${APT_MIRROR:-}
if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && uri=$(awk '/^URIs:/ {print $2; exit}' "$f") && [ -n "$uri" ] && break
    done
fi
[ -n "$uri" ] || uri=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d/*.sources}; set APT_MIRROR"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || die "$KEYRING missing (package debian-archive-keyring)"

W=$(mktemp -d "${TMPDIR:-/tmp}/pbapptainer.XXXXXX")
NEW=$PREFIX.new.$$
trap 'rm -rf "$W" "$NEW"' EXIT
mkdir -p "$W/src" "$W/lists/partial" "$W/cache/archives/partial" "$W/libc"
printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$uri" "$SUITE" "$KEYRING" \
    >"$W/src/suite.sources"
APT=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$W/src" -o "Dir::State::Lists=$W/lists"
     -o "Dir::Cache=$W/cache" -o "Dir::State::status=/var/lib/dpkg/status")
[ "$(id -u)" = 0 ] && APT+=(-o APT::Sandbox::User=root)
say "reading the $SUITE package list from $uri"
apt-get "${APT[@]}" update >"$W/update.log" 2>&1 || { cat "$W/update.log" >&2; die "apt-get update of $SUITE failed"; }
say "downloading $SUITE's apptainer and libc6"
(cd "$W" && apt-get "${APT[@]}" download apptainer libc6 >"$W/download.log" 2>&1) ||
    { cat "$W/download.log" >&2; die "apt-get download apptainer libc6 ($SUITE) failed"; }

mkdir -p "$NEW/glibc"
dpkg -x "$W"/apptainer_*.deb "$NEW" || die "dpkg -x of $(basename "$W"/apptainer_*.deb) failed"
dpkg -x "$W"/libc6_*.deb "$W/libc" || die "dpkg -x of $(basename "$W"/libc6_*.deb) failed"
[ -d "$W/libc/usr/lib/x86_64-linux-gnu" ] || die "libc6 package has no usr/lib/x86_64-linux-gnu (not amd64?)"
cp -a "$W"/libc/usr/lib/x86_64-linux-gnu/. "$NEW/glibc/"
STARTER=$NEW/usr/lib/x86_64-linux-gnu/apptainer/bin/starter
for b in "$NEW/usr/bin/apptainer" "$STARTER"; do
    [ -f "$b" ] || die "the apptainer package has no ${b#"$NEW"/}"
    # the final paths (PREFIX, not NEW): the tree is renamed before it runs
    patchelf --set-interpreter "$PREFIX/glibc/ld-linux-x86-64.so.2" --force-rpath \
        --set-rpath "$PREFIX/glibc:/usr/lib/x86_64-linux-gnu" "$b" || die "patchelf $b failed"
done
cp -a "$NEW/etc" "$NEW/usr/etc"
mkdir -p "$NEW/usr/lib/var/lib/apptainer/mnt/session" "$NEW/usr/lib/etc/apptainer"
cp "$NEW/etc/apptainer/capability.json" "$NEW/usr/lib/etc/apptainer/"
# anyone may run it (ordinary users too): the folders must be readable on the way down
chmod -R a+rX "$NEW"

rm -rf "$PREFIX.old.$$"
[ -e "$PREFIX" ] && mv "$PREFIX" "$PREFIX.old.$$"
mv "$NEW" "$PREFIX"
rm -rf "$PREFIX.old.$$"
if ! ver=$("$BIN" --version 2>"$W/ver.err"); then
    cat "$W/ver.err" >&2
    die "the installed $BIN does not run (see above)"
fi
echo "$ver" >"$STAMP"
say "installed $ver in $PREFIX ($(basename "$W"/apptainer_*.deb)); run $BIN"
echo "$ver"
