/* pbinit: /init of platbench's VM initramfs (recipes/vm/build-vm.sh). Static, no shell.
 *
 * Protocol with the host (src/platforms/vm.c). The command arrives as qemu fw_cfg blobs
 * (/sys/firmware/qemu_fw_cfg/by_name/opt/platbench/NAME/raw), each hex-encoded
 * NUL-terminated fields:
 *   mounts  records of 4 fields "tag\0path\0ro|rw\0dir|file\0": 9p share `tag` is mounted
 *           at `path` (the same path as on the host); for kind "file" the share is the
 *           file's folder, mounted aside and the file alone bind-mounted at `path`
 *   argv    the workload's argv, one argument per field
 *   env     NAME=VALUE fields added to a minimal environment (PATH, HOME)
 *   cwd     the working folder (one field)
 * The workload's stdout goes to the second serial port (ttyS1 -> qemu's stdout), its
 * stderr to the third (ttyS2 -> qemu's stderr), both raw (no \r added); kernel and
 * init messages go to the console (ttyS0 -> a log file on the host).
 * At the end: "PLATBENCH_VM exit_status=N" on stderr and on the console, file systems
 * synced and unmounted, then
 *   N == 0: power off           -> qemu exits 0
 *   N != 0: write N to the isa-debug-exit port 0xf4 -> qemu exits (N << 1) | 1 (odd,
 *           never 0), so a failure always stays a failure.
 * Kernel command line "pb.probe": power off at once (the host's KVM probe).
 * Kernel command line "pb.sshd": a VM NODE instead of one command (the ssh mode's test
 * fixture, recipes/vm/vmnode.sh): loads the network modules (/lib/modules/load-net),
 * gives eth0 QEMU user networking's guest address 10.0.2.15/24 and lo 127.0.0.1, writes
 * fw_cfg blobs opt/platbench/hostkey (dropbear host key) and opt/platbench/authorized_keys
 * (raw, not hex) to /etc/dropbear/hostkey and /.ssh/authorized_keys (root's home is /),
 * and runs dropbear on port 22 with key login only, reaping orphans until powered off.
 * Host folders given in "mounts" are mounted first, as for one command (a node that shares
 * paths with the host: the ssh mode's transfer = "shared").
 * Modules: /lib/modules/load lists module files (dependencies first) to insert.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define MAX_FIELDS 4096

static void msg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("pbinit: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void mkdir_p(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(tmp, 0755);
}

/* Reads a whole file; returns its size or -1. *buf is malloc'ed and NUL-terminated. */
static long slurp(const char *path, char **buf) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t cap = 4096, len = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (!b) break;
        ssize_t n = read(fd, b + len, cap - len);
        if (n <= 0) break;
        len += (size_t)n;
        if (len == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) break;
            b = nb;
            cap *= 2;
        }
    }
    close(fd);
    if (!b) return -1;
    b[len] = '\0';
    *buf = b;
    return (long)len;
}

/* Reads fw_cfg blob opt/platbench/NAME and hex-decodes it in place; its length or -1. */
static long fw_cfg(const char *name, char **buf) {
    char path[256];
    snprintf(path, sizeof path, "/sys/firmware/qemu_fw_cfg/by_name/opt/platbench/%s/raw", name);
    long n = slurp(path, buf);
    if (n < 0) return -1;
    char *b = *buf;
    long k = 0;
    for (long i = 0; i + 1 < n; i += 2) {
        unsigned v;
        if (sscanf(b + i, "%2x", &v) != 1) break;
        b[k++] = (char)v;
    }
    b[k] = '\0';
    return k;
}

/* Splits a NUL-separated buffer into fields (pointers into buf). */
static int fields(char *buf, long len, char **out, int max) {
    int n = 0;
    for (long i = 0; i < len && n < max;) {
        out[n++] = buf + i;
        i += (long)strlen(buf + i) + 1;
    }
    return n;
}

static void load_modules(const char *listfile) {
    char *list;
    long len = slurp(listfile, &list);
    if (len < 0) return;
    for (char *save = NULL, *m = strtok_r(list, "\n", &save); m; m = strtok_r(NULL, "\n", &save)) {
        char path[512];
        snprintf(path, sizeof path, "/lib/modules/%s", m);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            msg("module %s: %s", m, strerror(errno));
            continue;
        }
        if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
            msg("module %s: %s", m, strerror(errno));
        close(fd);
    }
    free(list);
}

static int mount_9p(const char *tag, const char *where, int ro) {
    mkdir_p(where);
    if (mount(tag, where, "9p", ro ? MS_RDONLY : 0, "trans=virtio,version=9p2000.L,msize=512000") != 0) {
        msg("mount 9p %s on %s: %s", tag, where, strerror(errno));
        return -1;
    }
    return 0;
}

static char *mounted[MAX_FIELDS]; /* paths mounted so far, unmounted in reverse order */
static int n_mounted;

static int under_mounted(const char *path) {
    for (int i = 0; i < n_mounted; i++) {
        size_t n = strlen(mounted[i]);
        if (strncmp(path, mounted[i], n) == 0 && (path[n] == '/' || path[n] == '\0')) return 1;
    }
    return 0;
}

static int do_mounts(void) {
    char *buf, *f[MAX_FIELDS];
    long len = fw_cfg("mounts", &buf);
    if (len < 0) return 0;
    int n = fields(buf, len, f, MAX_FIELDS);
    for (int i = 0; i + 3 < n; i += 4) {
        const char *tag = f[i], *path = f[i + 1];
        int ro = strcmp(f[i + 2], "ro") == 0, file = strcmp(f[i + 3], "file") == 0;
        if (under_mounted(path)) continue; /* already visible through a share mounted above it */
        if (!file) {
            if (mount_9p(tag, path, ro)) return -1;
        } else {
            char aside[256], src[4096], dir[4096];
            snprintf(aside, sizeof aside, "/.pbshare/%s", tag);
            if (mount_9p(tag, aside, ro)) return -1;
            const char *base = strrchr(path, '/');
            snprintf(src, sizeof src, "%s/%s", aside, base ? base + 1 : path);
            snprintf(dir, sizeof dir, "%.*s", (int)(base ? base - path : 0), path);
            if (*dir) mkdir_p(dir);
            int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (fd >= 0) close(fd);
            if (mount(src, path, NULL, MS_BIND, NULL) != 0) {
                msg("bind %s on %s: %s", src, path, strerror(errno));
                return -1;
            }
            if (ro) mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
        }
        mounted[n_mounted++] = strdup(path);
    }
    return 0; /* buf stays: mounted[] point at copies, f[] no longer used */
}

static int open_raw_tty(const char *dev) {
    int fd = open(dev, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        t.c_oflag &= ~(tcflag_t)OPOST; /* no \n -> \r\n: marker lines arrive as printed */
        tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

static int console_fd = -1; /* /dev/console, for the status line */

static void finish(int status) {
    char line[64];
    int n = snprintf(line, sizeof line, "PLATBENCH_VM exit_status=%d\n", status);
    if (console_fd >= 0 && write(console_fd, line, (size_t)n) != n) msg("console: short write");
    sync();
    for (int i = n_mounted - 1; i >= 0; i--) umount2(mounted[i], MNT_DETACH);
    sync();
    if (status != 0 && ioperm(0xf4, 4, 1) == 0) outb((unsigned char)status, 0xf4); /* qemu exits here */
    reboot(RB_POWER_OFF);
    for (;;) pause();
}

/* Gives interface ifname the IPv4 address addr/prefix 24 and brings it up; 0 or -1. */
static int if_up(int sock, const char *ifname, const char *addr) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    if (ioctl(sock, SIOCSIFADDR, &ifr) != 0) return msg("%s: set address: %s", ifname, strerror(errno)), -1;
    inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
    if (strcmp(ifname, "lo") == 0) inet_pton(AF_INET, "255.0.0.0", &sin->sin_addr);
    if (ioctl(sock, SIOCSIFNETMASK, &ifr) != 0) return msg("%s: set netmask: %s", ifname, strerror(errno)), -1;
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return msg("%s: get flags: %s", ifname, strerror(errno)), -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) return msg("%s: up: %s", ifname, strerror(errno)), -1;
    return 0;
}

/* Copies fw_cfg blob opt/platbench/NAME (raw) to path with mode; 0 or -1. */
static int fw_cfg_to_file(const char *name, const char *path, mode_t mode) {
    char src[256], *buf;
    snprintf(src, sizeof src, "/sys/firmware/qemu_fw_cfg/by_name/opt/platbench/%s/raw", name);
    long n = slurp(src, &buf);
    if (n <= 0) return msg("fw_cfg %s: missing", name), -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    int ok = fd >= 0 && write(fd, buf, (size_t)n) == n;
    if (fd >= 0) close(fd);
    free(buf);
    if (!ok) msg("write %s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}

/* pb.sshd: network + dropbear, then reap forever (the host stops the VM). */
static int sshd_node(void) {
    load_modules("/lib/modules/load-net");
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || if_up(sock, "lo", "127.0.0.1") || if_up(sock, "eth0", "10.0.2.15")) finish(123);
    close(sock);
    mkdir_p("/etc/dropbear");
    mkdir("/.ssh", 0700);
    if (fw_cfg_to_file("hostkey", "/etc/dropbear/hostkey", 0600) ||
        fw_cfg_to_file("authorized_keys", "/.ssh/authorized_keys", 0600))
        finish(124);
    char *argv[] = {"/usr/sbin/dropbear", "-F", "-E", "-s", "-p", "22", "-r", "/etc/dropbear/hostkey", NULL};
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, envp);
        msg("exec %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    msg("sshd node: dropbear pid %d on 10.0.2.15:22", (int)pid);
    for (;;) {
        int st;
        pid_t w = wait(&st);
        if (w == pid) {
            msg("dropbear ended (status %d)", st);
            finish(126);
        }
        if (w < 0 && errno != EINTR) pause();
    }
}

int main(void) {
    mount("proc", "/proc", "proc", 0, NULL);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    console_fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (console_fd >= 0) {
        dup2(console_fd, 1);
        dup2(console_fd, 2);
    }
    char *cmdline = NULL;
    if (slurp("/proc/cmdline", &cmdline) >= 0 && strstr(cmdline, "pb.probe")) finish(0);
    load_modules("/lib/modules/load");
    if (do_mounts()) finish(121);
    if (cmdline && strstr(cmdline, "pb.sshd")) return sshd_node();
    char *abuf, *ebuf, *cbuf, *argv[MAX_FIELDS + 1], *envf[MAX_FIELDS], *envp[MAX_FIELDS + 3];
    long alen = fw_cfg("argv", &abuf);
    if (alen <= 0) {
        msg("no command (fw_cfg opt/platbench/argv)");
        finish(122);
    }
    int argc = fields(abuf, alen, argv, MAX_FIELDS);
    argv[argc] = NULL;
    int ne = 0, nenv = 0;
    long elen = fw_cfg("env", &ebuf);
    if (elen > 0) ne = fields(ebuf, elen, envf, MAX_FIELDS);
    envp[nenv++] = "PATH=/usr/local/bin:/usr/bin:/bin";
    envp[nenv++] = "HOME=/";
    for (int i = 0; i < ne; i++) envp[nenv++] = envf[i];
    envp[nenv] = NULL;
    const char *cwd = fw_cfg("cwd", &cbuf) > 0 ? cbuf : "/";
    int out = open_raw_tty("/dev/ttyS1"), err = open_raw_tty("/dev/ttyS2");
    pid_t pid = fork();
    if (pid == 0) {
        if (out >= 0) dup2(out, 1);
        if (err >= 0) dup2(err, 2);
        if (chdir(cwd) != 0) msg("chdir %s: %s", cwd, strerror(errno));
        execve(argv[0], argv, envp);
        msg("exec %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    int status = 125, st;
    if (pid < 0) msg("fork: %s", strerror(errno));
    for (;;) { /* PID 1 reaps every orphan; stops when the workload itself ends */
        pid_t w = wait(&st);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) break;
        if (w == pid) {
            status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
    }
    if (err >= 0) {
        char line[64];
        int n = snprintf(line, sizeof line, "PLATBENCH_VM exit_status=%d\n", status);
        if (write(err, line, (size_t)n) != n) msg("stderr: short write");
    }
    finish(status);
    return 0;
}
