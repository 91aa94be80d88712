/* singularity: the workload runs in a Singularity / Apptainer container from a SIF
 * image (recipes/singularity/platbench.def, or recipes/build-images.sh).
 *
 *   RUNTIME exec --containall --cleanenv [--cpus C --memory M] --env NAME=VALUE ...
 *       --bind P:P:ro (each read path) --bind W:W --pwd W SIF EXE ARGS...
 *
 * RUNTIME is option runtime: "apptainer", "singularity", or "auto" (the first of
 * the two on PATH, resolved to its full path). --containall gives a private /tmp,
 * $HOME, PID and IPC namespace; --cleanenv keeps the host environment out, so the
 * thread count travels with --env. CPU/memory limits need cgroups v2 (or root) in
 * Apptainer: option limits, off by default. Nothing is left behind: no cleanup. */
#define _GNU_SOURCE /* GNU/POSIX extensions (pipe2, memmem) beyond -std=gnu11 */
#include <stdio.h>
#include <string.h>

#include "hostcmd.h"
#include "pfutil.h"
#include "platform.h"

static const platform_option singularity_options[] = {
    {"image", PLATFORM_OPT_STRING, NULL, 1, "SIF file holding the workload"},
    {"runtime", PLATFORM_OPT_STRING, "auto", 0,
     "apptainer, singularity, or auto (whichever is on PATH, apptainer first)"},
    {"exe", PLATFORM_OPT_STRING, "", 0,
     "workload path inside the image (default /usr/local/bin/<workload name>)"},
    {"limits", PLATFORM_OPT_BOOL, "false", 0,
     "pass cpus/memory as --cpus/--memory (Apptainer: needs cgroups v2 or root)"},
    {"cpus", PLATFORM_OPT_FLOAT, "0", 0, "--cpus when limits is true; 0: none"},
    {"memory", PLATFORM_OPT_STRING, "", 0, "--memory when limits is true (e.g. \"2G\"); empty: none"},
    {"pass_env", PLATFORM_OPT_STRING, "OPENBLAS_CORETYPE", 0,
     "comma-separated host variables passed into the container (--env) when set"},
    {NULL, 0, NULL, 0, NULL}};

/* Resolves option runtime to an executable path; -1 with the reason + fix in why. */
static int find_runtime(const platform_conf *pc, char *path, size_t n, char *why, size_t whylen) {
    const char *rt = platform_opt(pc, "runtime");
    if (!rt || !*rt || strcmp(rt, "auto") == 0) {
        if (hostcmd_which("apptainer", path, n) == 0 || hostcmd_which("singularity", path, n) == 0)
            return 0;
        snprintf(why, whylen,
                 "singularity: neither apptainer nor singularity is on PATH; install Apptainer "
                 "(https://apptainer.org/docs/admin/main/installation.html) or load its module");
        return -1;
    }
    if (hostcmd_which(rt, path, n) == 0) return 0;
    snprintf(why, whylen, "singularity: runtime \"%s\" not found on PATH; install it or set runtime = \"auto\"",
             rt);
    return -1;
}

static int is_true(const char *v) {
    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0);
}

static int singularity_check(const platform_conf *pc, char *why, size_t whylen) {
    char rt[4096], e[512];
    hostcmd_result r;
    if (find_runtime(pc, rt, sizeof rt, why, whylen)) return -1;
    const char *ver[] = {rt, "--version", NULL};
    if (hostcmd_run(ver, 20000, &r, e, sizeof e) || r.status != 0) {
        snprintf(why, whylen, "singularity: %s --version failed: %s", rt, r.errout[0] ? r.errout : e);
        return -1;
    }
    const char *image = platform_opt(pc, "image");
    FILE *f = image && *image ? fopen(image, "rb") : NULL;
    if (!f) {
        snprintf(why, whylen, "singularity: image \"%s\" cannot be read; build it with recipes/build-images.sh",
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
    memset(info, 0, sizeof *info);
    if (find_runtime(pc, rt, sizeof rt, err, errlen)) return -1;
    const char *ver[] = {rt, "--version", NULL};
    if (hostcmd_run(ver, 20000, &r, e, sizeof e) || r.status != 0) {
        snprintf(err, errlen, "singularity: %s --version failed: %s", rt, r.errout[0] ? r.errout : e);
        return -1;
    }
    snprintf(info->runtime_version, sizeof info->runtime_version, "%.250s", r.out);
    const char *image = platform_opt(pc, "image");
    if (hostcmd_sha256(image, hex, e, sizeof e)) {
        snprintf(err, errlen, "singularity: %s", e);
        return -1;
    }
    snprintf(info->image_id, sizeof info->image_id, "sha256:%s", hex);
    const char *cpus = platform_opt(pc, "cpus"), *mem = platform_opt(pc, "memory");
    snprintf(info->detail, sizeof info->detail, "runtime %.60s; image %.100s; limits %s (cpus=%.10s memory=%.10s)", rt,
             image, is_true(platform_opt(pc, "limits")) ? "on" : "off", cpus && *cpus ? cpus : "-",
             mem && *mem ? mem : "-");
    return 0;
}

static int singularity_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err,
                                  size_t errlen) {
    char rt[4096], exe[1024];
    const char *image = platform_opt(pc, "image");
    if (!image || !*image) {
        snprintf(err, errlen, "singularity: option image is empty");
        return -1;
    }
    if (!rq->workload_argv || !rq->workload_argv[0]) {
        snprintf(err, errlen, "singularity: empty workload command");
        return -1;
    }
    if (find_runtime(pc, rt, sizeof rt, err, errlen)) return -1;
    if (pfutil_exe(pc, rq, exe, sizeof exe)) {
        snprintf(err, errlen, "singularity: %s", exe);
        return -1;
    }
    /* --bind takes "src:dst:opts" lists separated by ',': such paths cannot be carried */
    if (pfutil_check_paths("singularity", rq, ":,\n", err, errlen)) return -1;
    strv env;
    strv_init(&env);
    int rc = -1;
    if (strv_push(out, rt) || strv_push(out, "exec") || strv_push(out, "--containall") ||
        strv_push(out, "--cleanenv"))
        goto oom;
    if (is_true(platform_opt(pc, "limits"))) {
        const char *cpus = platform_opt(pc, "cpus"), *mem = platform_opt(pc, "memory");
        if (cpus && *cpus && strcmp(cpus, "0") && strcmp(cpus, "0.0") &&
            (strv_push(out, "--cpus") || strv_push(out, cpus)))
            goto oom;
        if (mem && *mem && (strv_push(out, "--memory") || strv_push(out, mem))) goto oom;
    }
    if (pfutil_env(pc, rq, &env)) goto oom;
    for (size_t i = 0; i < env.len; i++)
        if (strv_push(out, "--env") || strv_push(out, env.items[i])) goto oom;
    for (const char *const *p = rq->read_paths; p && *p; p++)
        if (strv_push(out, "--bind") || strv_pushf(out, "%s:%s:ro", *p, *p)) goto oom;
    if (rq->write_dir && (strv_push(out, "--bind") || strv_pushf(out, "%s:%s", rq->write_dir, rq->write_dir) ||
                          strv_push(out, "--pwd") || strv_push(out, rq->write_dir)))
        goto oom;
    if (strv_push(out, image) || strv_push(out, exe) || strv_extend(out, rq->workload_argv + 1)) goto oom;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "singularity: out of memory building the command");
done:
    strv_free(&env);
    return rc;
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
