/* vm: the workload runs in a virtual machine.
 *
 * mode "qemu": a fresh local VM per launch, booting Debian's kernel and platbench's
 * initramfs (recipes/vm/build-vm.sh) under qemu-system-x86_64 with KVM or TCG:
 *   - the host folders the workload reads (read-only) and writes (read-write) are
 *     shared over virtio-9p and mounted AT THE SAME PATHS in the guest;
 *   - the command travels on qemu's command line as fw_cfg blobs (opt/platbench/argv,
 *     env, cwd, mounts: NUL-separated fields, hex-encoded so no character of a user value
 *     means anything to qemu's option parser; never parsed by a shell); the guest's /init
 *     (recipes/vm/pbinit.c) reads them from /sys/firmware/qemu_fw_cfg and runs the
 *     command. build_argv() has no side effect (it also serves `platbench plan`);
 *   - the workload's stdout -> guest ttyS1 -> qemu's stdout, its stderr -> ttyS2 ->
 *     qemu's stderr, reopened as /dev/stderr in append mode (so the runner sees the
 *     PLATBENCH_MARK lines; qemu's stderr must be a pipe, tty or file, not a socket);
 *     the kernel console -> WRITE_DIR/vm-console-<id>.log, removed by cleanup() when the
 *     guest reported status 0, kept otherwise;
 *   - EXIT STATUS: status 0 -> the guest powers off -> qemu exits 0. Status N != 0 ->
 *     the guest writes N to isa-debug-exit (port 0xf4) -> qemu exits (N << 1) | 1,
 *     which is odd and never 0 (8 bits: N = code >> 1 for N < 128). A guest kernel panic
 *     once /init has loaded pvpanic -> qemu exits 1. So success and failure are kept; the
 *     exact status is also printed on stderr (and the console) as
 *     "PLATBENCH_VM exit_status=N". (A kernel that panics before /init runs reboots, which
 *     -no-reboot turns into exit 0 -- but with no marker line and no result file, so the
 *     runner does not count it as done for the platbench-cnn interface.)
 *   - accel "auto": KVM when /dev/kvm is usable AND a probe boot of this kernel under KVM
 *     succeeds (once per process and kernel), else TCG; describe() records which one and
 *     why, so TCG numbers are never mistaken for KVM ones.
 *
 * mode "ssh": the workload runs on a VM node the user already has (an OpenStack
 * instance; in the tests one QEMU VM booted once by recipes/vm/vmnode.sh), over ssh with
 * key login, the data either copied there and the result back (transfer = "copy") or
 * on a file system both sides share at the same paths ("shared"): vmssh.c/.h. "hosts"
 * placement is the runner's business.
 */
#define _GNU_SOURCE /* GNU/POSIX extensions (pipe2, memmem) beyond -std=gnu11 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platforms/hostcmd.h"
#include "platforms/pfutil.h"
#include "platforms/platform.h"
#include "platforms/vmssh.h"

static const platform_option vm_options[] = {
    PLATFORM_OPT_ENUM("mode", "qemu", "qemu,ssh",
                      "qemu (boot a local VM per launch) or ssh (run on host ssh_host)"),
    PLATFORM_OPT_ENUM("accel", "auto", "auto,kvm,tcg",
                      "qemu: kvm, tcg, or auto (kvm if it boots here, else tcg)"),
    PLATFORM_OPT_INT("vcpus", "0",
                     "qemu: virtual CPUs (0: the size of the rank's CPU set, which QEMU is pinned to)"),
    PLATFORM_OPT_INT("memory_mb", "1024", "qemu: guest memory in MiB"),
    PLATFORM_OPT_STR("kernel", "images/vm/vmlinuz", "qemu: kernel (recipes/build-images.sh output)"),
    PLATFORM_OPT_STR("initrd", "images/vm/initramfs.cpio.gz", "qemu: initramfs (build-images.sh output)"),
    PLATFORM_OPT_STR("qemu", "qemu-system-x86_64", "qemu: emulator binary"),
    PLATFORM_OPT_STR("cpu", "", "qemu: -cpu model (default: host with kvm, max with tcg)"),
    PLATFORM_OPT_STR("bios", "", "qemu: firmware (-bios), e.g. /usr/share/qemu/qboot.rom; empty: qemu's"),
    PLATFORM_OPT_STR("exe", "",
                     "workload path in the guest (qemu default /usr/local/bin/<name>; ssh: copied, or the "
                     "host path if shared)"),
    PLATFORM_OPT_STR("ssh_host", "", "ssh: [user@]host of the VM"),
    PLATFORM_OPT_INT("ssh_port", "0", "ssh: port (0: ssh's default, 22 or ~/.ssh/config)"),
    PLATFORM_OPT_STR("ssh_user", "", "ssh: login name (empty: ssh's default or user@ of ssh_host)"),
    PLATFORM_OPT_STR("identity", "", "ssh: private key file (-i, IdentitiesOnly); empty: ssh's defaults"),
    PLATFORM_OPT_STR("known_hosts", "",
                     "ssh: known_hosts file with the VM's host key (empty: ~/.ssh/known_hosts)"),
    PLATFORM_OPT_ENUM("strict_host_key", "yes", "yes,accept-new,no",
                      "ssh: StrictHostKeyChecking: yes, accept-new or no"),
    PLATFORM_OPT_INT("connect_timeout", "10", "ssh: seconds to wait for the VM to answer (ConnectTimeout)"),
    PLATFORM_OPT_ENUM("transfer", "copy", "copy,shared",
                      "ssh: copy (data set, model, workload copied to remote_dir, result brought back) or "
                      "shared (same paths)"),
    PLATFORM_OPT_STR("remote_dir", "/tmp/platbench", "ssh, copy: work folder on the VM (cache/ and run/)"),
    PLATFORM_OPT_STR("ssh", "ssh", "ssh: client binary"),
    PLATFORM_OPT_STR("pass_env", "OPENBLAS_CORETYPE",
                     "comma-separated host variables passed to the workload when set"),
    PLATFORM_OPT_END};

static const char *opt_or(const platform_conf *pc, const char *key, const char *fallback) {
    const char *v = platform_opt(pc, key);
    return v && *v ? v : fallback;
}

static int is_ssh(const platform_conf *pc) { return strcmp(platform_opt_str(pc, "mode"), "ssh") == 0; }

/* ---- accelerator --------------------------------------------------------------------- */

/* 1 if /dev/kvm can create a VM; else 0 with the reason in why. */
static int kvm_usable(char *why, size_t n) {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, n, "/dev/kvm: %s", strerror(errno));
        return 0;
    }
    int ok = ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION;
    int vm = ok ? ioctl(fd, KVM_CREATE_VM, 0) : -1;
    if (!ok)
        snprintf(why, n, "/dev/kvm: unexpected KVM API version");
    else if (vm < 0)
        snprintf(why, n, "/dev/kvm: KVM_CREATE_VM: %s", strerror(errno));
    if (vm >= 0) close(vm);
    close(fd);
    return ok && vm >= 0;
}

/* Probe cache: the decision for one kernel, made once per process (a probe boot costs
 * about a second under KVM, much more when KVM hangs). */
static struct {
    char kernel[1024]; /* kernel the decision was made for ("" = none yet) */
    int kvm;           /* 1: KVM boots it */
    char why[256];     /* reason for the decision */
} accel_cache;

static int build_qemu_base(const platform_conf *pc, const char *accel, int vcpus, strv *out);

/* Chooses the accelerator: "kvm" or "tcg" into accel, the reason into why. */
static int resolve_accel(const platform_conf *pc, char accel[8], char *why, size_t n, char *err,
                         size_t errlen) {
    const char *a = platform_opt_str(pc, "accel");
    if (strcmp(a, "kvm") == 0 || strcmp(a, "tcg") == 0) {
        snprintf(accel, 8, "%s", a);
        snprintf(why, n, "set in the config");
        return 0;
    }
    if (strcmp(a, "auto") != 0) {
        snprintf(err, errlen, "vm: accel = \"%s\": expected kvm, tcg or auto", a);
        return -1;
    }
    const char *kernel = opt_or(pc, "kernel", "");
    if (strcmp(accel_cache.kernel, kernel) != 0) {
        char reason[200];
        accel_cache.kvm = 0;
        if (!kvm_usable(reason, sizeof reason)) {
            snprintf(accel_cache.why, sizeof accel_cache.why, "auto: %s", reason);
        } else { /* KVM is there: does this kernel boot under it? (pbinit powers off on pb.probe) */
            strv probe;
            strv_init(&probe);
            hostcmd_result r;
            char e[256];
            build_qemu_base(pc, "kvm", 1, &probe);
            strv_pushl(&probe, "-append", "console=ttyS0 quiet panic=-1 pb.probe", "-serial", "null", NULL);
            int bad = strv_failed(&probe);
            int ran = !bad && hostcmd_run((const char *const *)probe.items, 30000, &r, e, sizeof e) == 0;
            accel_cache.kvm = ran && r.status == 0;
            snprintf(accel_cache.why, sizeof accel_cache.why, "auto: %s",
                     accel_cache.kvm ? "KVM probe boot succeeded"
                     : ran           ? "KVM probe boot failed, using TCG"
                                     : "KVM probe boot did not finish, using TCG");
            strv_free(&probe);
        }
        snprintf(accel_cache.kernel, sizeof accel_cache.kernel, "%s", kernel);
    }
    snprintf(accel, 8, "%s", accel_cache.kvm ? "kvm" : "tcg");
    snprintf(why, n, "%s", accel_cache.why);
    return 0;
}

/* ---- qemu argv ----------------------------------------------------------------------- */

/* Appends to out the value with every ',' doubled (QEMU's option syntax); failures stick in out. */
static void push_qemu_escaped(strv *out, const char *prefix, const char *val, const char *suffix) {
    size_t n = strlen(val), k = 0;
    char *buf = malloc(2 * n + 1);
    if (!buf) {
        strv_set_failed(out);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        buf[k++] = val[i];
        if (val[i] == ',') buf[k++] = ',';
    }
    buf[k] = '\0';
    strv_pushf(out, "%s%s%s", prefix, buf, suffix);
    free(buf);
}

/* Appends the machine, accelerator, CPU, memory, kernel, initrd and the exit/panic
 * devices to out; 0, or -1 if out has failed (sticky: nothing more is appended). */
static int build_qemu_base(const platform_conf *pc, const char *accel, int vcpus, strv *out) {
    const char *cpu = opt_or(pc, "cpu", strcmp(accel, "kvm") == 0 ? "host" : "max");
    const char *bios = platform_opt_str(pc, "bios");
    strv_pushl(out, platform_opt_str(pc, "qemu"), "-nodefaults", "-no-user-config", "-display", "none",
               "-no-reboot", "-M", "pc", NULL);
    strv_pushl(out, "-accel", strcmp(accel, "kvm") == 0 ? "kvm" : "tcg,thread=multi", "-cpu", cpu, "-smp",
               NULL);
    strv_pushf(out, "%d", vcpus);
    strv_push(out, "-m");
    strv_pushf(out, "%ld", platform_opt_long(pc, "memory_mb"));
    if (*bios) strv_pushl(out, "-bios", bios, NULL);
    strv_pushl(out, "-kernel", opt_or(pc, "kernel", ""), "-initrd", opt_or(pc, "initrd", ""), NULL);
    strv_pushl(out, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-device", "pvpanic-pci", "-action",
               "panic=exit-failure", NULL);
    return strv_failed(out) ? -1 : 0;
}

/* Pushes "-fw_cfg" "name=opt/platbench/NAME,string=HEX" where HEX encodes the fields,
 * each followed by a NUL byte; failures stick in out. */
static void push_fw_cfg(strv *out, const char *name, const strv *fields) {
    size_t len = 0, n = fields->len;
    for (size_t i = 0; i < n; i++) len += strlen(fields->items[i]) + 1;
    char *hex = malloc(2 * len + 1), *h = hex;
    if (!hex) {
        strv_set_failed(out);
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (const unsigned char *c = (const unsigned char *)fields->items[i];; c++) {
            h += sprintf(h, "%02x", *c);
            if (!*c) break;
        }
    *h = '\0';
    strv_push(out, "-fw_cfg");
    strv_pushf(out, "name=opt/platbench/%s,string=%s", name, hex);
    free(hex);
}

static int console_log(const launch_request *rq, char *buf, size_t n) {
    return snprintf(buf, n, "%s/vm-console-%s.log", rq->write_dir, rq->id) >= (int)n ? -1 : 0;
}

/* What the guest's /init gets through fw_cfg, and the host folders shared over 9p. */
typedef struct qemu_guest {
    strv argv;   /* the workload's command line in the guest */
    strv env;    /* NAME=VALUE for the workload */
    strv mounts; /* quadruples: 9p tag pbN, guest path, "ro"/"rw", "dir"/"file" */
    strv shares; /* pairs: host folder, "ro"/"rw", one per 9p tag pbN */
    strv cwd;    /* the write folder, one field */
} qemu_guest;

/* Fills g from rq: the write folder, then the read paths (a folder is shared as is; a file
 * through its folder, as 9p shares folders only, and the guest bind-mounts the file alone).
 * 0, or -1 with the reason in err. */
static int qemu_guest_fill(const platform_conf *pc, const launch_request *rq, const char *exe, qemu_guest *g,
                           char *err, size_t errlen) {
    strv_push(&g->argv, exe);
    strv_extend(&g->argv, rq->workload_argv + 1);
    int rc = pfutil_env(pc, rq, &g->env);
    strv_push(&g->cwd, rq->write_dir);
    for (int i = -1, nshare = 0; i < 0 || (rq->read_paths && rq->read_paths[i]); i++, nshare++) {
        const char *p = i < 0 ? rq->write_dir : rq->read_paths[i];
        const char *mode = i < 0 ? "rw" : "ro";
        struct stat st;
        /* the write folder is a folder, possibly not created yet (`platbench plan`) */
        if (i >= 0 && stat(p, &st) != 0) {
            snprintf(err, errlen, "vm: read path \"%s\": %s", p, strerror(errno));
            return -1;
        }
        int isdir = i < 0 || S_ISDIR(st.st_mode);
        const char *slash = strrchr(p, '/');
        if (isdir)
            strv_push(&g->shares, p);
        else
            strv_pushf(&g->shares, "%.*s", slash == p ? 1 : (int)(slash - p), p);
        strv_push(&g->shares, mode);
        strv_pushf(&g->mounts, "pb%d", nshare);
        strv_pushl(&g->mounts, p, mode, isdir ? "dir" : "file", NULL);
    }
    if (rc || strv_failed(&g->argv) || strv_failed(&g->env) || strv_failed(&g->cwd) ||
        strv_failed(&g->shares) || strv_failed(&g->mounts)) {
        snprintf(err, errlen, "vm: out of memory building the command");
        return -1;
    }
    return 0;
}

/* Appends qemu's serial ports, fw_cfg blobs and 9p shares for g to out (sticky failures). */
static void qemu_push_devices(strv *out, const char *con, const qemu_guest *g) {
    strv_pushl(out, "-append", "console=ttyS0 quiet loglevel=3 panic=-1", "-chardev", NULL);
    push_qemu_escaped(out, "file,id=pbcon,path=", con, "");
    strv_pushl(out, "-serial", "chardev:pbcon", /* ttyS0: kernel console -> log file */
               "-chardev", "stdio,id=pbout,signal=off", "-serial", "chardev:pbout", /* ttyS1 */
               /* ttyS2 -> qemu's own stderr, reopened (qemu refuses -add-fd of fd 2);
                * append: a log file given as stderr is not truncated */
               "-chardev", "file,id=pberr,path=/dev/stderr,append=on", "-serial", "chardev:pberr", NULL);
    push_fw_cfg(out, "argv", &g->argv);
    push_fw_cfg(out, "env", &g->env);
    push_fw_cfg(out, "mounts", &g->mounts);
    push_fw_cfg(out, "cwd", &g->cwd);
    for (size_t k = 0; 2 * k + 1 < g->shares.len; k++) {
        const char *folder = g->shares.items[2 * k], *mode = g->shares.items[2 * k + 1];
        char pre[128];
        snprintf(pre, sizeof pre, "local,id=pb%zu,security_model=none%s,path=", k,
                 strcmp(mode, "ro") == 0 ? ",readonly=on" : "");
        strv_push(out, "-fsdev");
        push_qemu_escaped(out, pre, folder, "");
        strv_push(out, "-device");
        strv_pushf(out, "virtio-9p-pci,fsdev=pb%zu,mount_tag=pb%zu", k, k);
    }
}

static int qemu_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err,
                           size_t errlen) {
    char exe[1024], con[4096], accel[8], why[256];
    if (!rq->write_dir || rq->write_dir[0] != '/') {
        snprintf(err, errlen,
                 "vm: a launch needs an absolute write folder (it carries the command into the VM)");
        return -1;
    }
    if (!rq->id || !*rq->id || strchr(rq->id, '/')) {
        snprintf(err, errlen, "vm: launch id \"%s\" is not name-safe", rq->id ? rq->id : "");
        return -1;
    }
    if (pfutil_exe(pc, rq, exe, sizeof exe)) {
        snprintf(err, errlen, "vm: %s", exe);
        return -1;
    }
    if (pfutil_check_paths("vm", rq, "\n", err, errlen)) return -1;
    if (resolve_accel(pc, accel, why, sizeof why, err, errlen)) return -1;
    if (console_log(rq, con, sizeof con)) {
        snprintf(err, errlen, "vm: write folder path too long");
        return -1;
    }
    qemu_guest g;
    strv *all[] = {&g.argv, &g.env, &g.mounts, &g.shares, &g.cwd};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) strv_init(all[i]);
    int rc = qemu_guest_fill(pc, rq, exe, &g, err, errlen);
    if (rc == 0) {
        long vcpus = platform_opt_long(pc, "vcpus");
        if (vcpus <= 0) vcpus = rq->ncpus > 0 ? rq->ncpus : rq->threads > 0 ? rq->threads : 1;
        build_qemu_base(pc, accel, (int)vcpus, out);
        qemu_push_devices(out, con, &g);
        if (strv_failed(out)) {
            snprintf(err, errlen, "vm: out of memory building the command");
            rc = -1;
        }
    }
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) strv_free(all[i]);
    return rc;
}

/* ---- table --------------------------------------------------------------------------- */

static int vm_check(const platform_conf *pc, char *why, size_t whylen) {
    char path[4096];
    if (is_ssh(pc)) return vmssh_check(pc, why, whylen);
    const char *mode = platform_opt_str(pc, "mode");
    if (strcmp(mode, "qemu") != 0) {
        snprintf(why, whylen, "vm: mode = \"%s\": expected qemu or ssh", mode);
        return -1;
    }
    const char *qemu = platform_opt_str(pc, "qemu");
    if (hostcmd_which(qemu, path, sizeof path)) {
        snprintf(why, whylen, "vm: %s not found; apt-get install qemu-system-x86", qemu);
        return -1;
    }
    const char *files[] = {"kernel", "initrd"};
    for (int i = 0; i < 2; i++) {
        const char *f = opt_or(pc, files[i], "");
        if (access(f, R_OK) != 0) {
            snprintf(why, whylen, "vm: %s \"%s\": %s; build it with recipes/build-images.sh", files[i], f,
                     strerror(errno));
            return -1;
        }
    }
    char accel[8], reason[256];
    if (resolve_accel(pc, accel, reason, sizeof reason, why, whylen)) return -1;
    if (strcmp(accel, "kvm") == 0 && !kvm_usable(reason, sizeof reason)) {
        snprintf(why, whylen, "vm: accel kvm: %s; use accel = \"tcg\" or \"auto\"", reason);
        return -1;
    }
    return 0;
}

static int vm_describe(const platform_conf *pc, platform_info *info, char *err, size_t errlen) {
    char e[512];
    hostcmd_result r;
    memset(info, 0, sizeof *info);
    if (is_ssh(pc)) return vmssh_describe(pc, info, err, errlen);
    char accel[8], why[256], khex[65], ihex[65];
    if (resolve_accel(pc, accel, why, sizeof why, err, errlen)) return -1;
    const char *qemu = platform_opt_str(pc, "qemu");
    const char *ver[] = {qemu, "--version", NULL};
    if (hostcmd_run(ver, 20000, &r, e, sizeof e) || r.status != 0) {
        snprintf(err, errlen, "vm: %s --version: %s", qemu, r.errout[0] ? r.errout : e);
        return -1;
    }
    char *nl = strchr(r.out, '\n');
    if (nl) *nl = '\0';
    const char *v = strncmp(r.out, "QEMU emulator version ", 22) == 0 ? r.out + 22 : r.out;
    snprintf(info->runtime_version, sizeof info->runtime_version, "QEMU %.200s (accel %s)", v, accel);
    if (hostcmd_sha256(opt_or(pc, "kernel", ""), khex, e, sizeof e) ||
        hostcmd_sha256(opt_or(pc, "initrd", ""), ihex, e, sizeof e)) {
        snprintf(err, errlen, "vm: %s", e);
        return -1;
    }
    snprintf(info->image_id, sizeof info->image_id, "initrd sha256:%s kernel sha256:%s", ihex, khex);
    long vcpus = platform_opt_long(pc, "vcpus");
    char vc[32];
    if (vcpus > 0)
        snprintf(vc, sizeof vc, "%ld", vcpus);
    else
        snprintf(vc, sizeof vc, "cpu-set-size");
    snprintf(info->detail, sizeof info->detail, "accel=%s (%.120s); vcpus=%s memory_mb=%ld cpu=%.30s", accel,
             why, vc, platform_opt_long(pc, "memory_mb"),
             opt_or(pc, "cpu", strcmp(accel, "kvm") ? "max" : "host"));
    return 0;
}

static int vm_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err,
                         size_t errlen) {
    if (!rq->workload_argv || !rq->workload_argv[0]) {
        snprintf(err, errlen, "vm: empty workload command");
        return -1;
    }
    return is_ssh(pc) ? vmssh_build_argv(pc, rq, out, err, errlen)
                      : qemu_build_argv(pc, rq, out, err, errlen);
}

static void vm_cleanup(const platform_conf *pc, const launch_request *rq) {
    char con[4096], line[256];
    if (is_ssh(pc) || !rq->write_dir || !rq->id || console_log(rq, con, sizeof con)) return;
    /* the guest console is kept unless the guest reported status 0 */
    FILE *f = fopen(con, "r");
    int ok = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "PLATBENCH_VM exit_status=0", 26) == 0 && (line[26] == '\n' || line[26] == '\r'))
            ok = 1;
    if (f) fclose(f);
    if (ok) unlink(con);
}

/* QEMU exits 0 when the guest powered off after a successful workload, and (N << 1) | 1
 * when the guest's init wrote the workload's status N (1..127) to isa-debug-exit. Other
 * codes (QEMU's own errors; ssh mode passes the remote status through) stay as they are. */
static int vm_exit_status(const platform_conf *pc, int code) {
    if (is_ssh(pc)) return code;
    return (code & 1) && code > 1 ? code >> 1 : code;
}

static int vm_stage_in(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen) {
    return is_ssh(pc) ? vmssh_stage_in(pc, rq, err, errlen) : 0;
}

static int vm_stage_out(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen) {
    return is_ssh(pc) ? vmssh_stage_out(pc, rq, err, errlen) : 0;
}

static int vm_failure_reason(const platform_conf *pc, int code, const char *stderr_text, char *msg,
                             size_t n) {
    return is_ssh(pc) ? vmssh_failure_reason(pc, code, stderr_text, msg, n) : 0;
}

const platform_ops platform_vm = {
    .kind = "vm",
    .summary =
        "in a QEMU VM booted per launch (KVM or TCG, host folders over virtio-9p), or over ssh on a VM node",
    .options = vm_options,
    .check = vm_check,
    .describe = vm_describe,
    .build_argv = vm_build_argv,
    .cleanup = vm_cleanup,
    .exit_status = vm_exit_status,
    .stage_in = vm_stage_in,
    .stage_out = vm_stage_out,
    .failure_reason = vm_failure_reason,
};
