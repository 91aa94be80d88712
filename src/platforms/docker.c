/* docker: the workload runs in a Docker (or Podman, through its docker-compatible
 * CLI) container made from a local image that holds platbench-cnn (recipes/docker/).
 *
 *   CLI run --rm --name ID --network none --read-only --tmpfs /tmp
 *       --mount type=bind,source=P,target=P,readonly   (each read path)
 *       --mount type=bind,source=W,target=W --workdir W (the write folder)
 *       --user UID:GID (the runner's) [--cpus C] [--memory M] [--cpuset-cpus S]
 *       -e OPENBLAS_NUM_THREADS=T [-e NAME=VALUE for pass_env] IMAGE EXE ARGS...
 *
 * The container is named after the launch id so cleanup() can remove it after a
 * timeout (killing the docker CLI does not stop the container), and before the launch what
 * a killed earlier run of the same results file left under that name. */
#define _GNU_SOURCE /* GNU/POSIX extensions (pipe2, memmem) beyond -std=gnu11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platforms/hostcmd.h"
#include "platforms/pfutil.h"
#include "platforms/platform.h"

static const platform_option docker_options[] = {
    PLATFORM_OPT_REQUIRED("image", "local image (tag or ID) holding the workload"),
    PLATFORM_OPT_STR("cli", "docker", "container CLI: docker, or podman / its docker shim"),
    PLATFORM_OPT_STR("exe", "", "workload path inside the image (default /usr/local/bin/<workload name>)"),
    PLATFORM_OPT_FLOAT("cpus", "0", "--cpus limit (e.g. 1.5); 0: none"),
    PLATFORM_OPT_STR("memory", "", "--memory limit (e.g. \"2g\"); empty: none"),
    PLATFORM_OPT_STR("cpuset_cpus", "", "--cpuset-cpus (e.g. \"0\" or \"0-1\"); empty: the rank's CPU set"),
    PLATFORM_OPT_STR("pass_env", "OPENBLAS_CORETYPE",
                     "comma-separated host variables passed into the container when set"),
    PLATFORM_OPT_END};

static const char *cli_of(const platform_conf *pc) { return platform_opt_str(pc, "cli"); }

static int docker_check(const platform_conf *pc, char *why, size_t whylen) {
    const char *cli = cli_of(pc), *image = platform_opt(pc, "image");
    char path[4096], err[512];
    hostcmd_result r;
    if (hostcmd_which(cli, path, sizeof path)) {
        snprintf(why, whylen, "docker: CLI \"%s\" not found on PATH; apt-get install docker.io (or podman)",
                 cli);
        return -1;
    }
    const char *info[] = {cli, "info", "--format", "{{.ServerVersion}}", NULL};
    if (hostcmd_run(info, 20000, &r, err, sizeof err) || r.status != 0) {
        snprintf(why, whylen,
                 "docker: daemon not reachable (%s info: %s); start dockerd (or set DOCKER_HOST)", cli,
                 r.errout[0] ? r.errout : err);
        return -1;
    }
    if (!image || !*image) {
        snprintf(why, whylen, "docker: option image is empty");
        return -1;
    }
    const char *insp[] = {cli, "image", "inspect", "--format", "{{.Id}}", image, NULL};
    if (hostcmd_run(insp, 20000, &r, err, sizeof err) || r.status != 0) {
        snprintf(why, whylen, "docker: image %s not found (%s); build it with recipes/build-images.sh", image,
                 r.errout[0] ? r.errout : err);
        return -1;
    }
    return 0;
}

static int docker_describe(const platform_conf *pc, platform_info *info, char *err, size_t errlen) {
    const char *cli = cli_of(pc), *image = platform_opt(pc, "image");
    char e[512];
    hostcmd_result r;
    memset(info, 0, sizeof *info);
    const char *ver[] = {cli, "version", "--format", "{{.Server.Version}}", NULL};
    if (hostcmd_run(ver, 20000, &r, e, sizeof e) == 0 && r.status == 0 && r.out[0]) {
        snprintf(info->runtime_version, sizeof info->runtime_version, "%.40s server %.200s", cli, r.out);
    } else {
        const char *v2[] = {cli, "--version", NULL};
        if (hostcmd_run(v2, 20000, &r, e, sizeof e) || r.status != 0) {
            snprintf(err, errlen, "docker: %s version failed: %s", cli, r.errout[0] ? r.errout : e);
            return -1;
        }
        snprintf(info->runtime_version, sizeof info->runtime_version, "%.200s (daemon not answering)", r.out);
    }
    const char *insp[] = {cli,
                          "image",
                          "inspect",
                          "--format",
                          "{{.Id}}\t{{index .Config.Labels \"org.opencontainers.image.version\"}}"
                          "\t{{index .Config.Labels \"org.opencontainers.image.revision\"}}",
                          image,
                          NULL};
    if (hostcmd_run(insp, 20000, &r, e, sizeof e) || r.status != 0) {
        snprintf(err, errlen, "docker: image %s: %s", image, r.errout[0] ? r.errout : e);
        return -1;
    }
    char id[200] = "", v[64] = "", rev[64] = "";
    sscanf(r.out, "%199[^\t]\t%63[^\t]\t%63s", id, v, rev);
    snprintf(info->image_id, sizeof info->image_id, "%s", id);
    const char *cpus = platform_opt(pc, "cpus"), *mem = platform_opt(pc, "memory"),
               *set = platform_opt(pc, "cpuset_cpus");
    snprintf(info->detail, sizeof info->detail,
             "image %s (version %s, revision %s); cpus=%s memory=%s cpuset=%s", image,
             *v && strcmp(v, "<no value>") ? v : "?", *rev && strcmp(rev, "<no value>") ? rev : "?",
             cpus && *cpus ? cpus : "-", mem && *mem ? mem : "-", set && *set ? set : "-");
    return 0;
}

/* The campaign's cpuset_cpus when set, else the runner's CPU set of the launch. */
static const char *docker_cpuset(const platform_conf *pc, const launch_request *rq) {
    const char *set = platform_opt(pc, "cpuset_cpus");
    return set && *set ? set : rq->cpus;
}

/* Appends flag and val unless val is empty (no limit); failures stick in out. */
static void push_opt(strv *out, const char *flag, const char *val) {
    if (val && *val) strv_pushl(out, flag, val, NULL);
}

static int docker_build_argv(const platform_conf *pc, const launch_request *rq, strv *out, char *err,
                             size_t errlen) {
    char exe[1024];
    const char *image;
    if (pfutil_image_exe("docker", pc, rq, &image, exe, sizeof exe, err, errlen)) return -1;
    if (!rq->id || !*rq->id) {
        snprintf(err, errlen, "docker: launch without an id (needed to name the container)");
        return -1;
    }
    /* --mount is a CSV list: a path with ',' or '"' would need quoting the CLI does not
     * promise to keep; '\n' is never a sane path here. */
    if (pfutil_check_paths("docker", rq, ",\"\n", err, errlen)) return -1;
    strv_pushl(out, cli_of(pc), "run", "--rm", "--name", rq->id, "--network", "none", "--read-only",
               "--tmpfs", "/tmp", NULL);
    static const pfutil_mount_syntax mount = {"--mount", "type=bind,source=", ",target=", ",readonly",
                                              "--workdir"};
    pfutil_push_mounts(rq, &mount, out);
    strv_push(out, "--user");
    strv_pushf(out, "%u:%u", (unsigned)getuid(), (unsigned)getgid());
    const char *cpus = platform_opt(pc, "cpus");
    if (cpus && strtod(cpus, NULL) <= 0) cpus = NULL; /* 0: no limit */
    push_opt(out, "--cpus", cpus);
    push_opt(out, "--memory", platform_opt(pc, "memory"));
    push_opt(out, "--cpuset-cpus", docker_cpuset(pc, rq));
    pfutil_push_env(pc, rq, "-e", out);
    strv_pushl(out, image, exe, NULL);
    strv_extend(out, rq->workload_argv + 1);
    if (!strv_failed(out)) return 0;
    snprintf(err, errlen, "docker: out of memory building the command");
    return -1;
}

static void docker_cleanup(const platform_conf *pc, const launch_request *rq) {
    if (!rq->id || !*rq->id) return;
    char e[256];
    hostcmd_result r;
    /* "No such container" is the normal case (--rm removed it): ignored. */
    const char *argv[] = {cli_of(pc), "rm", "-f", rq->id, NULL};
    (void)hostcmd_run(argv, 30000, &r, e, sizeof e);
}

/* Exit status 125 is docker's own failure to start the container (name in use, no such
 * image, bad option, daemon down), not the workload's: said as such, with docker's error line
 * (the last stderr line is only "Run 'docker run --help' for more information"). */
static int docker_failure_reason(const platform_conf *pc, int code, const char *text, char *msg, size_t n) {
    (void)pc;
    if (code != 125 || !text) return 0;
    const char *line = strstr(text, "Error response from daemon");
    if (line) /* from the start of its line ("docker: Error response ...") */
        while (line > text && line[-1] != '\n') line--;
    else /* the CLI's own complaint ("invalid argument ...") comes first */
        for (line = text; *line == '\n' || *line == '\r' || *line == ' ';) line++;
    if (!*line) return 0;
    size_t len = strcspn(line, "\n");
    snprintf(msg, n, "docker could not start the container (exit code 125): %.*s",
             (int)(len < 300 ? len : 300), line);
    return 1;
}

const platform_ops platform_docker = {
    .kind = "docker",
    .summary = "in a Docker/Podman container from a local image (--network none, read-only root)",
    .options = docker_options,
    .check = docker_check,
    .describe = docker_describe,
    .build_argv = docker_build_argv,
    .cleanup = docker_cleanup,
    .failure_reason = docker_failure_reason,
};
