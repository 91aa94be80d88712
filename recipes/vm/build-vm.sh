#!/bin/bash
# build-vm.sh OUT_DIR CACHE_DIR WORKLOAD [MORE_EXECUTABLES...]
#
# Builds platbench's tiny VM image for qemu-system-x86_64 (platform kind "vm", mode "qemu"):
#   OUT_DIR/vmlinuz            Debian 12's own kernel (linux-image-amd64, downloaded with
#                              apt-get download and unpacked with dpkg -x: the host's /boot is untouched)
#   OUT_DIR/initramfs.cpio.gz  /init = pbinit (static C, recipes/vm/pbinit.c: mounts the host's
#                              folders over virtio-9p at their host paths, runs the argv qemu
#                              passes as fw_cfg blobs, passes stdout/stderr to serial ports, returns the exit status),
#                              the workload at /usr/local/bin/<name> with every shared library ldd
#                              lists (and an ld.so.cache), the virtio/9p/pvpanic/fw_cfg kernel modules,
#                              and busybox (static, with a link per applet in /bin) for debugging by hand.
#                              For the ssh mode's VM node (kernel argument pb.sshd, recipes/vm/vmnode.sh)
#                              also dropbear (/usr/sbin/dropbear + its libraries, Debian's dropbear-bin)
#                              and the virtio-net module (listed in /lib/modules/load-net).
# The kernel package is cached in CACHE_DIR (kept across runs). Prints "vmlinuz sha256" and
# "initramfs sha256" lines. Needs: apt (download only), dpkg, kmod (depmod), gcc, cpio, gzip;
# busybox-static and dropbear-bin optional (without them no VM node: vmnode.sh says so).
set -euo pipefail
OUT=${1:?usage: build-vm.sh OUT_DIR CACHE_DIR WORKLOAD [MORE_EXECUTABLES...]}
CACHE=${2:?CACHE_DIR}
shift 2
[ $# -ge 1 ] || { echo "build-vm: no workload given" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)
CACHE=$(cd "$CACHE" && pwd)
EXES=()
for e in "$@"; do
    [ -x "$e" ] && [ -f "$e" ] || { echo "build-vm: $e is not an executable file" >&2; exit 1; }
    EXES+=("$(readlink -f "$e")")
done

# --- kernel: Debian's linux-image-amd64 (whatever version it depends on now) -------------
KPKG=${KERNEL_PACKAGE:-$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')}
[ -n "$KPKG" ] || { echo "build-vm: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
KDIR=$CACHE/$KPKG
if [ ! -d "$KDIR/root" ]; then
    rm -rf "$KDIR.tmp"
    mkdir -p "$KDIR.tmp"
    # apt's sandbox user cannot write most folders: download as root into the cache
    (cd "$KDIR.tmp" && apt-get download -o APT::Sandbox::User=root "$KPKG" >&2)
    dpkg -x "$KDIR.tmp"/*.deb "$KDIR.tmp/root"
    rm -f "$KDIR.tmp"/*.deb
    rm -rf "$KDIR"
    mv "$KDIR.tmp" "$KDIR"
fi
KV=$(ls "$KDIR/root/lib/modules" | head -1)
MODDIR=$KDIR/root/lib/modules/$KV
[ -f "$MODDIR/modules.dep" ] || depmod -b "$KDIR/root" "$KV"

# --- initramfs tree ----------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pbvm.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{proc,sys,dev,tmp,etc,bin,usr/local/bin,lib/modules}
chmod 1777 "$R/tmp"
gcc -O2 -Wall -static -o "$R/init" "$HERE/pbinit.c"
cp "${EXES[@]}" "$R/usr/local/bin/"
LDD_EXES=("${EXES[@]}")
if [ -x /usr/sbin/dropbear ]; then # the VM node's sshd (pb.sshd); its libraries come with the others
    mkdir -p "$R/usr/sbin"
    cp /usr/sbin/dropbear "$R/usr/sbin/dropbear"
    LDD_EXES+=(/usr/sbin/dropbear)
fi
# shared libraries at the paths the host's loader found them, plus the loader itself
# (a static executable has none: ldd fails, nothing to copy)
for e in "${LDD_EXES[@]}"; do ldd "$e" 2>/dev/null || true; done >"$WORK/ldd.txt"
awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' "$WORK/ldd.txt" | sort -u | while read -r lib; do
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
done
# the loader's search list for the copied folders, cached like on the host
awk '/=> \// {print $3}' "$WORK/ldd.txt" | xargs -r -n1 dirname | sort -u >"$R/etc/ld.so.conf"
ldconfig -r "$R"
# Debian's usr-merge links, so /lib64/ld-linux... and /lib/... resolve as on the host
[ -e "$R/lib64" ] || { [ -d "$R/usr/lib64" ] && ln -s usr/lib64 "$R/lib64"; } || true
echo "root:x:0:0:root:/:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
echo "/bin/sh" >"$R/etc/shells" # dropbear only lets in users whose shell is listed
if [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then # static busybox only
    cp /bin/busybox "$R/bin/busybox"
    # one link per applet: the ssh mode's remote commands (sh, mkdir, cat, tar, ...) find them on PATH
    for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
fi
# kernel modules for virtio-pci, 9p over virtio, pvpanic and fw_cfg (the command), dependencies first (modules.dep
# lists each module's full dependency closure; the last one is loaded first)
: >"$R/lib/modules/load"
for m in pvpanic_pci virtio_pci 9pnet_virtio 9p qemu_fw_cfg; do # pvpanic first: later panics end qemu
    line=$(grep -E "(^|/)${m//_/[_-]}\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" || true)
    if [ -z "$line" ]; then
        grep -qE "/${m//_/[_-]}\.ko" "$MODDIR/modules.builtin" && continue # built into the kernel
        echo "build-vm: module $m not found for kernel $KV" >&2; exit 1
    fi
    deps=$(echo "${line#*:}" | tr ' ' '\n' | grep . | tac || true)
    for k in $deps "${line%%:*}"; do
        f=$(basename "$k")
        grep -qxF "$f" "$R/lib/modules/load" && continue
        cp "$MODDIR/$k" "$R/lib/modules/$f"
        echo "$f" >>"$R/lib/modules/load"
    done
done
# the VM node's network driver, loaded only with pb.sshd (a per-launch VM has no network)
: >"$R/lib/modules/load-net"
line=$(grep -E "(^|/)virtio[_-]net\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" || true)
if [ -n "$line" ]; then
    for k in $(echo "${line#*:}" | tr ' ' '\n' | grep . | tac || true) "${line%%:*}"; do
        f=$(basename "$k")
        [ -e "$R/lib/modules/$f" ] || cp "$MODDIR/$k" "$R/lib/modules/$f"
        grep -qxF "$f" "$R/lib/modules/load" "$R/lib/modules/load-net" || echo "$f" >>"$R/lib/modules/load-net"
    done
elif ! grep -qE "/virtio[_-]net\.ko" "$MODDIR/modules.builtin"; then
    echo "build-vm: module virtio_net not found for kernel $KV" >&2; exit 1
fi
# reproducible archive: sorted names, fixed times, numeric owners
find "$R" -exec touch -h -d @0 {} +
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible -R 0:0 | gzip -n -1) >"$OUT/initramfs.cpio.gz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
cp "$KDIR/root/boot/vmlinuz-$KV" "$OUT/vmlinuz.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
echo "vmlinuz $KV sha256 $(sha256sum <"$OUT/vmlinuz" | cut -c1-64)"
echo "initramfs sha256 $(sha256sum <"$OUT/initramfs.cpio.gz" | cut -c1-64)"
