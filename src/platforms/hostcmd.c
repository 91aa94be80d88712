/* hostcmd: run a short host command without a shell and capture its output (through spawn). */
#define _GNU_SOURCE /* GNU/POSIX extensions beyond -std=gnu11 */
#include "platforms/hostcmd.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/spawn.h"

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rstrip(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
}

/* What hostcmd keeps of the output: the first bytes of each stream. */
typedef struct capture {
    hostcmd_result *res; /* out / errout buffers */
    size_t len[2];       /* bytes kept of stdout / stderr */
} capture;

/* spawn_sink: appends to res->out (stream 1) or res->errout (2), keeping at most cap-1 bytes. */
static void keep_head(void *arg, int stream, const char *buf, size_t n) {
    capture *c = arg;
    char *dst = stream == 1 ? c->res->out : c->res->errout;
    size_t cap = stream == 1 ? sizeof c->res->out : sizeof c->res->errout, *len = &c->len[stream - 1];
    size_t room = cap - 1 - *len, take = n < room ? n : room;
    memcpy(dst + *len, buf, take);
    *len += take;
    dst[*len] = '\0';
}

int hostcmd_run(const char *const *argv, int timeout_ms, hostcmd_result *res, char *err, size_t errlen) {
    return hostcmd_run_io(argv, -1, -1, timeout_ms, res, err, errlen);
}

int hostcmd_run_io(const char *const *argv, int in_fd, int out_fd, int timeout_ms, hostcmd_result *res,
                   char *err, size_t errlen) {
    spawn_opts o = {NULL, in_fd, out_fd, 0};
    spawn_proc p;
    capture cap = {res, {0, 0}};
    char e[256];
    memset(res, 0, sizeof *res);
    res->status = -1;
    if (!argv || !argv[0]) {
        snprintf(err, errlen, "hostcmd: empty command");
        return -1;
    }
    if (spawn_start(argv, &o, &p, e, sizeof e)) {
        snprintf(err, errlen, "%s", e); /* "cannot start ARGV0: why" */
        return -1;
    }
    long long deadline = now_ms() + timeout_ms;
    int timed_out = 0;
    while (spawn_open(&p) > 0) { /* until both pipes are at EOF (the whole tree is done with them) */
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        if (spawn_poll(&p, (int)left, 0, keep_head, &cap) < 0) break;
    }
    if (timed_out) kill(p.pid, SIGKILL);
    int st = 0;
    spawn_reap(&p, &st, NULL);
    spawn_close(&p);
    rstrip(res->out);
    rstrip(res->errout);
    if (timed_out) {
        snprintf(err, errlen, "%s: no answer within %d ms (killed)", argv[0], timeout_ms);
        return -1;
    }
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

static int is_exe_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int hostcmd_which(const char *name, char *path, size_t pathlen) {
    if (!name || !*name) return -1;
    if (strchr(name, '/')) {
        if (!is_exe_file(name) || strlen(name) >= pathlen) return -1;
        snprintf(path, pathlen, "%s", name);
        return 0;
    }
    const char *p = getenv("PATH");
    if (!p) p = "/usr/local/bin:/usr/bin:/bin";
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char cand[4096];
        if (n == 0)
            snprintf(cand, sizeof cand, "./%s", name);
        else
            snprintf(cand, sizeof cand, "%.*s/%s", (int)n, p, name);
        if (is_exe_file(cand) && strlen(cand) < pathlen) {
            snprintf(path, pathlen, "%s", cand);
            return 0;
        }
        if (!colon) break;
        p = colon + 1;
    }
    return -1;
}

int hostcmd_sha256(const char *file, char hex[65], char *err, size_t errlen) {
    hostcmd_result r;
    const char *argv[] = {"sha256sum", "--", file, NULL};
    if (access(file, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", file, strerror(errno));
        return -1;
    }
    if (hostcmd_run(argv, 120000, &r, err, errlen)) return -1;
    const char *h = r.out[0] == '\\' ? r.out + 1 : r.out; /* names with \n or \\ get a prefix */
    if (r.status != 0 || strlen(h) < 64) {
        snprintf(err, errlen, "sha256sum %s failed (status %d): %s", file, r.status, r.errout);
        return -1;
    }
    memcpy(hex, h, 64);
    hex[64] = '\0';
    return 0;
}
