/* pfutil: helpers shared by the docker, singularity and vm platforms. */
#define _GNU_SOURCE /* GNU/POSIX extensions (pipe2, memmem) beyond -std=gnu11 */
#include "platforms/pfutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pfutil_exe(const platform_conf *pc, const launch_request *rq, char *buf, size_t n) {
    const char *exe = platform_opt(pc, "exe");
    if (exe && *exe) {
        if (exe[0] != '/') {
            snprintf(buf, n, "option exe = \"%s\": expected an absolute path inside the image", exe);
            return -1;
        }
        snprintf(buf, n, "%s", exe);
        return 0;
    }
    const char *name = rq->workload_name;
    if (!name || !*name || strchr(name, '/')) {
        snprintf(buf, n, "no workload name to find in the image (set option exe)");
        return -1;
    }
    snprintf(buf, n, "/usr/local/bin/%s", name);
    return 0;
}

int pfutil_image_exe(const char *kind, const platform_conf *pc, const launch_request *rq, const char **image,
                     char *exe, size_t n, char *err, size_t errlen) {
    *image = platform_opt(pc, "image");
    if (!*image || !**image) {
        snprintf(err, errlen, "%s: option image is empty", kind);
        return -1;
    }
    if (!rq->workload_argv || !rq->workload_argv[0]) {
        snprintf(err, errlen, "%s: empty workload command", kind);
        return -1;
    }
    if (pfutil_exe(pc, rq, exe, n)) {
        snprintf(err, errlen, "%s: %s", kind, exe);
        return -1;
    }
    return 0;
}

int pfutil_env(const platform_conf *pc, const launch_request *rq, strv *out) {
    if (rq->markers) strv_push(out, "PLATBENCH_MARKERS=1");
    if (rq->threads > 0) {
        strv_pushf(out, "OPENBLAS_NUM_THREADS=%d", rq->threads);
        strv_pushf(out, "OMP_NUM_THREADS=%d", rq->threads);
    }
    const char *list = platform_opt(pc, "pass_env");
    if (!list || !*list) return strv_failed(out) ? -1 : 0;
    char *copy = strdup(list);
    if (!copy) {
        strv_set_failed(out);
        return -1;
    }
    char *save = NULL;
    for (char *name = strtok_r(copy, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
        const char *v = getenv(name);
        if (rq->threads > 0 &&
            (strcmp(name, "OPENBLAS_NUM_THREADS") == 0 || strcmp(name, "OMP_NUM_THREADS") == 0))
            continue; /* set above from the launch */
        if (v) strv_pushf(out, "%s=%s", name, v);
    }
    free(copy);
    return strv_failed(out) ? -1 : 0;
}

void pfutil_push_env(const platform_conf *pc, const launch_request *rq, const char *flag, strv *out) {
    strv env;
    strv_init(&env);
    if (pfutil_env(pc, rq, &env)) strv_set_failed(out);
    for (size_t i = 0; i < env.len; i++) strv_pushl(out, flag, env.items[i], NULL);
    strv_free(&env);
}

void pfutil_push_mounts(const launch_request *rq, const pfutil_mount_syntax *syn, strv *out) {
    for (const char *const *p = rq->read_paths; p && *p; p++) {
        strv_push(out, syn->flag);
        strv_pushf(out, "%s%s%s%s%s", syn->pre, *p, syn->mid, *p, syn->ro);
    }
    if (!rq->write_dir) return;
    strv_push(out, syn->flag);
    strv_pushf(out, "%s%s%s%s", syn->pre, rq->write_dir, syn->mid, rq->write_dir);
    strv_pushl(out, syn->cwd_flag, rq->write_dir, NULL);
}

int pfutil_check_path(const char *what, const char *p, const char *forbidden, char *err, size_t n) {
    if (!p || p[0] != '/') {
        snprintf(err, n, "%s \"%s\": expected an absolute host path", what, p ? p : "(null)");
        return -1;
    }
    size_t bad = strcspn(p, forbidden);
    if (p[bad]) {
        snprintf(err, n, "%s \"%s\": contains '%c', which this runtime's mount syntax cannot carry", what, p,
                 p[bad]);
        return -1;
    }
    return 0;
}

int pfutil_check_paths(const char *kind, const launch_request *rq, const char *forbidden, char *err,
                       size_t n) {
    char what[64];
    snprintf(what, sizeof what, "%s: read path", kind);
    for (const char *const *p = rq->read_paths; p && *p; p++)
        if (pfutil_check_path(what, *p, forbidden, err, n)) return -1;
    snprintf(what, sizeof what, "%s: write folder", kind);
    return rq->write_dir ? pfutil_check_path(what, rq->write_dir, forbidden, err, n) : 0;
}
