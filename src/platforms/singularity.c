/* singularity: the workload runs in a Singularity / Apptainer container from a SIF
 * image (recipes/singularity/platbench.def, built by recipes/build-images.sh).
 *
 *   RUNTIME --quiet exec [--userns] [--unsquash] --containall --cleanenv [--cpus C --memory M]
 *       --env NAME=VALUE ... --bind P:P:ro (each read path) --bind W:W --pwd W SIF EXE ARGS...
 *
 * RUNTIME is option runtime: "auto" (apptainer, else singularity, on PATH: a site's
 * module), a name looked up on PATH, or a path (recipes/apptainer-install.sh PREFIX gives
 * PREFIX/usr/bin/apptainer). --containall gives a private /tmp, $HOME, PID and IPC
 * namespace; --cleanenv keeps the host environment out, so the thread count travels
 * with --env; --quiet drops Apptainer's INFO lines from the workload's stderr.
 *
 * Two modes are chosen per host (options userns and unsquash, "auto" by default) and
 * recorded in describe()'s detail, so results say how the container ran:
 *   userns    root whose process lacks some capability (a container or a sandbox that
 *             drops e.g. CAP_SYS_RESOURCE) cannot use Apptainer's privileged mode, which
 *             requests every capability: --userns runs it in a user namespace instead.
 *             An ordinary user needs nothing: an unprivileged install (Debian's, the one
 *             recipes/apptainer-install.sh makes) always uses a user namespace.
 *   unsquash  in a user namespace the SIF's squashfs is mounted with squashfuse, which
 *             needs /dev/fuse read-write; where the caller cannot open it (mode 0600 and
 *             not root) --unsquash extracts the image to a temporary sandbox per launch
 *             (slower start-up; the time is in the start-up phase). A setuid install run
 *             by an ordinary user mounts with the kernel: set unsquash = "no" there.
 * CPU/memory limits need cgroups v2 (or root) in Apptainer: option limits, off by
 * default. Nothing is left behind: no cleanup. */
#define _GNU_SOURCE /* GNU/POSIX extensions (pipe2, memmem) beyond -std=gnu11 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "platforms/hostcmd.h"
#include "platforms/pfutil.h"
#include "platforms/platform.h"

static const platform_option singularity_options[] = {
    PLATFORM_OPT_REQUIRED("image", "SIF file holding the workload"),
    PLATFORM_OPT_STR("runtime", "auto",
                     "auto (apptainer, else singularity, on PATH), a command name on PATH, or a path "
                     "(e.g. PREFIX/usr/bin/apptainer from recipes/apptainer-install.sh)"),
    PLATFORM_OPT_ENUM("userns", "auto", "auto,yes,no,true,false",
                      "--userns (user-namespace mode): yes, no, or auto (yes for root lacking a capability)"),
    PLATFORM_OPT_ENUM("unsquash", "auto", "auto,yes,no,true,false",
                      "--unsquash (extract the SIF per launch): yes, no, or auto (yes in a user namespace "
                      "when /dev/fuse cannot be opened)"),
    PLATFORM_OPT_STR("exe", "", "workload path inside the image (default /usr/local/bin/<workload name>)"),
    PLATFORM_OPT_BOOL("limits", "false",
                      "pass cpus/memory as --cpus/--memory (Apptainer: needs cgroups v2 or root)"),
    PLATFORM_OPT_FLOAT("cpus", "0", "--cpus when limits is true; 0: none"),
    PLATFORM_OPT_STR("memory", "", "--memory when limits is true (e.g. \"2G\"); empty: none"),
    PLATFORM_OPT_STR("pass_env", "OPENBLAS_CORETYPE",
                     "comma-separated host variables passed into the container (--env) when set"),
    PLATFORM_OPT_END};

/* Resolves option runtime to an executable path; -1 with the reason + fix in why. */
static int find_runtime(const platform_conf *pc, char *path, size_t n, char *why, size_t whylen) {
    const char *rt = platform_opt(pc, "runtime");
    if (!rt || !*rt || strcmp(rt, "auto") == 0) {
        if (hostcmd_which("apptainer", path, n) == 0 || hostcmd_which("singularity", path, n) == 0) return 0;
        snprintf(why, whylen,
                 "singularity: neither apptainer nor singularity is on PATH; install Apptainer "
                 "(https://apptainer.org/docs/admin/main/installation.html) or load its module");
        return -1;
    }
    if (hostcmd_which(rt, path, n) == 0) return 0;
    snprintf(why, whylen,
             "singularity: runtime \"%s\" not found on PATH; install it or set runtime = \"auto\"", rt);
    return -1;
}

static int is_true(const char *v) {
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0);
}

/* How one host runs the container: the flags and, for provenance, why. */
typedef struct sif_modes {
    int userns;            /* pass --userns */
    int unsquash;          /* pass --unsquash */
    char userns_why[96];   /* e.g. "auto: root lacks capabilities 0x1000000" */
    char unsquash_why[96]; /* e.g. "auto: /dev/fuse not read-write for uid 1001" */
} sif_modes;

/* "yes"/"no"/"auto" -> 1/0/-1; -2 for anything else. */
static int tristate(const char *v) {
    if (!v || !*v || strcmp(v, "auto") == 0) return -1;
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0) return 1;
    if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0) return 0;
    return -2;
}

/* Capabilities up to the kernel's last one that this process does not hold (CapPrm of
 * /proc/self/status); 0 when it holds them all or the files cannot be read. */
static uint64_t missing_caps(void) {
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
    int last = -1;
    if (f) {
        if (fscanf(f, "%d", &last) != 1) last = -1;
        fclose(f);
    }
    if (last < 0 || last > 63) return 0;
    uint64_t all = last == 63 ? UINT64_MAX : ((uint64_t)1 << (last + 1)) - 1, prm = all;
    char line[256];
    f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "CapPrm: %" SCNx64, &prm) == 1) break;
    fclose(f);
    return all & ~prm;
}

/* Resolves options userns and unsquash for this host; -1 with the reason in err. */
static int resolve_modes(const platform_conf *pc, sif_modes *m, char *err, size_t errlen) {
    const char *u = platform_opt(pc, "userns"), *q = platform_opt(pc, "unsquash");
    int tu = tristate(u), tq = tristate(q);
    memset(m, 0, sizeof *m);
    if (tu == -2 || tq == -2) {
        snprintf(err, errlen, "singularity: option %s = \"%s\": expected \"auto\", \"yes\" or \"no\"",
                 tu == -2 ? "userns" : "unsquash", tu == -2 ? u : q);
        return -1;
    }
    int root = geteuid() == 0;
    if (tu >= 0) {
        m->userns = tu;
        snprintf(m->userns_why, sizeof m->userns_why, "set");
    } else if (!root) {
        snprintf(m->userns_why, sizeof m->userns_why, "auto: not root, the runtime decides");
    } else {
        uint64_t miss = missing_caps();
        m->userns = miss != 0;
        if (miss)
            snprintf(m->userns_why, sizeof m->userns_why, "auto: root lacks capabilities 0x%" PRIx64, miss);
        else
            snprintf(m->userns_why, sizeof m->userns_why, "auto: root with every capability");
    }
    if (tq >= 0) {
        m->unsquash = tq;
        snprintf(m->unsquash_why, sizeof m->unsquash_why, "set");
    } else if ((m->userns || !root) && access("/dev/fuse", R_OK | W_OK) != 0) {
        m->unsquash = 1;
        snprintf(m->unsquash_why, sizeof m->unsquash_why, "auto: /dev/fuse not read-write for uid %u",
                 (unsigned)getuid());
    } else {
        snprintf(m->unsquash_why, sizeof m->unsquash_why, "auto: %s",
                 m->userns || !root ? "squashfuse" : "kernel mount");
    }
    return 0;
}

/* This host's modes, the runtime's path and its --version answer (in r->out); 0, or -1
 * with the reason and the fix in err. */
static int runtime_version(const platform_conf *pc, sif_modes *m, char rt[4096], hostcmd_result *r, char *err,
                           size_t errlen) {
    char e[512];
    if (resolve_modes(pc, m, err, errlen)) return -1;
    if (find_runtime(pc, rt, 4096, err, errlen)) return -1;
    const char *ver[] = {rt, "--version", NULL};
    if (hostcmd_run(ver, 20000, r, e, sizeof e) || r->status != 0) {
        snprintf(err, errlen, "singularity: %s --version failed: %s", rt, r->errout[0] ? r->errout : e);
        return -1;
    }
    return 0;
}

static int singularity_check(const platform_conf *pc, char *why, size_t whylen) {
    char rt[4096];
    hostcmd_result r;
    sif_modes m;
    if (runtime_version(pc, &m, rt, &r, why, whylen)) return -1;
    const char *image = platform_opt(pc, "image");
    FILE *f = image && *image ? fopen(image, "rb") : NULL;
    if (!f) {
        snprintf(why, whylen,
                 "singularity: image \"%s\" cannot be read; build it with recipes/build-images.sh",
                 image ? image : "");
        return -1;
    }
    char head[128] = {0};
    size_t got = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    if (got < 64 || !memmem(head, got, "SIF_MAGIC", 9)) {
        snprintf(why, whylen, "singularity: %s is not a SIF file (no SIF_MAGIC in its header)", image);
        return -1;
    }
    return 0;
}

static int singularity_describe(const platform_conf *pc, platform_info *info, char *err, size_t errlen) {
    char rt[4096], e[512], hex[65];
    hostcmd_result r;
    sif_modes m;
    memset(info, 0, sizeof *info);
    if (runtime_version(pc, &m, rt, &r, err, errlen)) return -1;
    snprintf(info->runtime_version, sizeof info->runtime_version, "%.250s", r.out);
    const char *image = platform_opt(pc, "image");
    if (hostcmd_sha256(image, hex, e, sizeof e)) {
        snprintf(err, errlen, "singularity: %s", e);
        return -1;
    }
    snprintf(info->image_id, sizeof info->image_id, "sha256:%s", hex);
    const char *cpus = platform_opt(pc, "cpus"), *mem = platform_opt(pc, "memory");
    /* 256 bytes in all (the image is in image_id and the campaign config) */
    snprintf(info->detail, sizeof info->detail,
             "userns %s (%.45s); unsquash %s (%.45s); limits %s (cpus=%.8s memory=%.8s); runtime %.80s",
             m.userns ? "yes" : "no", m.userns_why, m.unsquash ? "yes" : "no", m.unsquash_why,
             is_true(platform_opt(pc, "limits")) ? "on" : "off", cpus && *cpus ? cpus : "-",
             mem && *mem ? mem : "-", rt);
    return 0;
}

static int singularity_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err,
                                  size_t errlen) {
    char rt[4096], exe[1024];
    sif_modes m;
    const char *image;
    if (pfutil_image_exe("singularity", pc, rq, &image, exe, sizeof exe, err, errlen)) return -1;
    if (resolve_modes(pc, &m, err, errlen)) return -1;
    if (find_runtime(pc, rt, sizeof rt, err, errlen)) return -1;
    /* --bind takes "src:dst:opts" lists separated by ',': such paths cannot be carried */
    if (pfutil_check_paths("singularity", rq, ":,\n", err, errlen)) return -1;
    strv_pushl(out, rt, "--quiet", "exec", NULL);
    if (m.userns) strv_push(out, "--userns");
    if (m.unsquash) strv_push(out, "--unsquash");
    strv_pushl(out, "--containall", "--cleanenv", NULL);
    if (is_true(platform_opt(pc, "limits"))) {
        const char *cpus = platform_opt(pc, "cpus"), *mem = platform_opt(pc, "memory");
        if (cpus && *cpus && strcmp(cpus, "0") && strcmp(cpus, "0.0")) strv_pushl(out, "--cpus", cpus, NULL);
        if (mem && *mem) strv_pushl(out, "--memory", mem, NULL);
    }
    pfutil_push_env(pc, rq, "--env", out);
    static const pfutil_mount_syntax bind = {"--bind", "", ":", ":ro", "--pwd"};
    pfutil_push_mounts(rq, &bind, out);
    strv_pushl(out, image, exe, NULL);
    strv_extend(out, rq->workload_argv + 1);
    if (!strv_failed(out)) return 0;
    snprintf(err, errlen, "singularity: out of memory building the command");
    return -1;
}

const platform_ops platform_singularity = {
    .kind = "singularity",
    .summary = "in a Singularity/Apptainer container from a SIF image (--containall --cleanenv)",
    .options = singularity_options,
    .check = singularity_check,
    .describe = singularity_describe,
    .build_argv = singularity_build_argv,
    .cleanup = NULL,
};
