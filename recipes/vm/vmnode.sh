#!/bin/bash
# vmnode.sh start STATE_DIR KERNEL INITRD [ro:PATH|rw:PATH]... | stop STATE_DIR
#
# A "VM node" for the vm platform's ssh mode: ONE QEMU VM (booted once, not per experiment)
# from platbench's VM image (recipes/vm/build-vm.sh: same kernel and initramfs as the
# per-launch VM; the kernel argument pb.sshd makes its /init run dropbear instead of one
# command), reached over ssh through a port forwarded on the host's loopback only:
#   -netdev user,id=n0,hostfwd=tcp:127.0.0.1:PORT-:22 -device virtio-net-pci,netdev=n0
# Key login only (dropbear -s), as on a cloud instance. KVM when it boots here, else TCG.
# ro:PATH / rw:PATH: host folders shared over virtio-9p at the SAME path in the VM (a node on
# a shared file system: the ssh mode's transfer = "shared"); without them nothing is shared.
#
# start: makes (once) a client key and a dropbear host key in STATE_DIR, picks a free port,
#        boots the VM, waits until `ssh true` answers (at most BOOT_TIMEOUT s, default 180) and
#        leaves in STATE_DIR:
#          port             the forwarded port on 127.0.0.1
#          id_ed25519       the client's private key (its public key is root's authorized_keys)
#          known_hosts      "[127.0.0.1]:PORT ssh-ed25519 ..." (the host key is made here, so
#                           the first connection is already verified: StrictHostKeyChecking=yes)
#          ssh_config       Host vmnode -> 127.0.0.1, port, user root, key, known_hosts
#          qemu.pid, console.log, boot_seconds (boot-to-ssh time)
#        Prints "vmnode: up on 127.0.0.1:PORT after S s".
# stop:  kills the QEMU of STATE_DIR/qemu.pid (by PID, after checking it is that QEMU) and
#        removes the pid file. Safe to call when nothing runs (CTest fixture cleanup).
# Environment: QEMU (default qemu-system-x86_64), ACCEL (kvm|tcg, default: tcg unless
# /dev/kvm boots the kernel within 10 s), BOOT_TIMEOUT, MEMORY_MB (default 1024).
set -euo pipefail
cmd=${1:?usage: vmnode.sh start STATE_DIR KERNEL INITRD [MEMORY_MB] | stop STATE_DIR}
STATE=${2:?STATE_DIR}
say() { echo "vmnode: $*" >&2; }

stop_vm() {
    local pidf=$STATE/qemu.pid
    [ -f "$pidf" ] || return 0
    local pid
    pid=$(cat "$pidf")
    # only our QEMU: the pid's command line must name this state folder
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$STATE/"; then
        kill -CONT "$pid" 2>/dev/null || true # a test may have paused it
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        say "stopped QEMU pid $pid"
    fi
    rm -f "$pidf"
}

case $cmd in
stop)
    stop_vm
    exit 0
    ;;
start) ;;
*)
    echo "vmnode.sh: unknown command '$cmd' (expected start or stop)" >&2
    exit 2
    ;;
esac

KERNEL=${3:?KERNEL}
INITRD=${4:?INITRD}
shift 4
MEM=${MEMORY_MB:-1024}
# shares: one 9p device each; the guest's /init mounts them (fw_cfg "mounts": hex of
# NUL-terminated fields tag, path, ro|rw, dir -- the per-launch VM's protocol)
SHARE_ARGS=()
MOUNTS=""
k=0
for s in "$@"; do
    mode=${s%%:*} path=${s#*:}
    case $mode in ro | rw) ;; *) say "share '$s': expected ro:PATH or rw:PATH"; exit 2 ;; esac
    [ "$mode" = ro ] || mkdir -p "$path"
    [ -d "$path" ] || { say "share '$s': $path is not a folder"; exit 2; }
    path=$(cd "$path" && pwd)
    case $path in *,*) say "share '$s': a comma in the path is not supported"; exit 2 ;; esac
    ro=""
    [ "$mode" = ro ] && ro=",readonly=on"
    SHARE_ARGS+=(-fsdev "local,id=pb$k,security_model=none$ro,path=$path" -device "virtio-9p-pci,fsdev=pb$k,mount_tag=pb$k")
    MOUNTS+=$(printf 'pb%d\0%s\0%s\0dir\0' "$k" "$path" "$mode" | od -An -v -tx1 | tr -d ' \n')
    k=$((k + 1))
done
[ -z "$MOUNTS" ] || SHARE_ARGS+=(-fw_cfg "name=opt/platbench/mounts,string=$MOUNTS")
QEMU=${QEMU:-qemu-system-x86_64}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180}
for f in "$KERNEL" "$INITRD"; do
    [ -r "$f" ] || { say "$f: not found; build it with recipes/build-images.sh (ONLY=vm)"; exit 1; }
done
zcat "$INITRD" | cpio -it --quiet 2>/dev/null | grep -qx 'usr/sbin/dropbear' ||
    { say "$INITRD has no dropbear: apt-get install dropbear-bin busybox-static, rebuild the image"; exit 1; }
for t in "$QEMU" ssh ssh-keygen dropbearkey; do
    command -v "$t" >/dev/null || { say "$t not found (apt-get install qemu-system-x86 openssh-client dropbear-bin)"; exit 1; }
done
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)
stop_vm # a VM left over from an interrupted run
[ -f "$STATE/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C platbench-vmnode -f "$STATE/id_ed25519"
[ -f "$STATE/hostkey" ] || dropbearkey -t ed25519 -f "$STATE/hostkey" >/dev/null 2>&1
HOSTPUB=$(dropbearkey -y -f "$STATE/hostkey" | grep '^ssh-ed25519 ' | cut -d' ' -f1,2)
[ -n "$HOSTPUB" ] || { say "cannot read the public part of $STATE/hostkey"; exit 1; }

ACCEL=${ACCEL:-}
if [ -z "$ACCEL" ]; then # the per-launch VM's rule: KVM only if it really boots this kernel
    ACCEL=tcg
    if [ -w /dev/kvm ] && timeout 10 "$QEMU" -nodefaults -no-user-config -display none -no-reboot -M pc \
        -accel kvm -cpu host -m 256 -kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 quiet panic=-1 pb.probe" \
        -serial null >/dev/null 2>&1; then
        ACCEL=kvm
    fi
fi
if [ "$ACCEL" = kvm ]; then ACCEL_ARGS=(-accel kvm -cpu host); else ACCEL_ARGS=(-accel tcg,thread=multi -cpu max); fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
t0=$(date +%s.%N)
for attempt in 1 2 3 4 5; do
    PORT=$((20000 + RANDOM % 20000))
    port_busy "$PORT" && continue
    rm -f "$STATE/qemu.pid"
    # -daemonize: QEMU detaches once the devices are set up (a busy port fails here, not later)
    if "$QEMU" -nodefaults -no-user-config -display none -no-reboot -M pc "${ACCEL_ARGS[@]}" -smp 2 -m "$MEM" \
        -kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 quiet loglevel=3 panic=-1 pb.sshd" \
        -serial "file:$STATE/console.log" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -device pvpanic-pci -action panic=exit-failure \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0 \
        -fw_cfg "name=opt/platbench/hostkey,file=$STATE/hostkey" \
        -fw_cfg "name=opt/platbench/authorized_keys,file=$STATE/id_ed25519.pub" "${SHARE_ARGS[@]}" \
        -pidfile "$STATE/qemu.pid" -daemonize 2>"$STATE/qemu.err"; then
        break
    fi
    grep -q "hostfwd\|Could not set up host forwarding" "$STATE/qemu.err" || { say "QEMU failed: $(cat "$STATE/qemu.err")"; exit 1; }
    say "port $PORT taken, trying another"
done
[ -s "$STATE/qemu.pid" ] || { say "QEMU did not start: $(cat "$STATE/qemu.err")"; exit 1; }
echo "$PORT" >"$STATE/port"
echo "[127.0.0.1]:$PORT $HOSTPUB" >"$STATE/known_hosts"
cat >"$STATE/ssh_config" <<EOF
Host vmnode
    HostName 127.0.0.1
    Port $PORT
    User root
    IdentityFile $STATE/id_ed25519
    IdentitiesOnly yes
    UserKnownHostsFile $STATE/known_hosts
    StrictHostKeyChecking yes
    BatchMode yes
EOF
say "QEMU pid $(cat "$STATE/qemu.pid") ($ACCEL), waiting for ssh on 127.0.0.1:$PORT"
while :; do
    if ssh -F "$STATE/ssh_config" -o ConnectTimeout=10 vmnode true 2>"$STATE/ssh.err"; then break; fi
    now=$(date +%s.%N)
    if ! kill -0 "$(cat "$STATE/qemu.pid")" 2>/dev/null; then
        say "QEMU ended during boot; console:"; tail -20 "$STATE/console.log" >&2; rm -f "$STATE/qemu.pid"; exit 1
    fi
    if awk -v a="$t0" -v b="$now" -v t="$BOOT_TIMEOUT" 'BEGIN{exit !(b - a > t)}'; then
        say "no ssh answer after $BOOT_TIMEOUT s ($(cat "$STATE/ssh.err")); console:"; tail -20 "$STATE/console.log" >&2
        stop_vm; exit 1
    fi
    sleep 1
done
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
echo "$secs" >"$STATE/boot_seconds"
say "up on 127.0.0.1:$PORT after $secs s ($ACCEL)"
