/* hostcmd: run a short host command without a shell and capture its output. */
#define _GNU_SOURCE /* GNU/POSIX extensions (pipe2, memmem) beyond -std=gnu11 */
#include "hostcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rstrip(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* Appends what fd has to buf (keeping at most cap-1 bytes); returns 0 at EOF, 1 if open. */
static int drain(int fd, char *buf, size_t cap, size_t *len) {
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 1 : 0;
    if (n == 0) return 0;
    size_t room = cap - 1 - *len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + *len, tmp, take);
    *len += take;
    buf[*len] = '\0';
    return 1;
}

int hostcmd_run(const char *const *argv, int timeout_ms, hostcmd_result *res, char *err,
                size_t errlen) {
    return hostcmd_run_io(argv, -1, -1, timeout_ms, res, err, errlen);
}

int hostcmd_run_io(const char *const *argv, int in_fd, int out_fd, int timeout_ms, hostcmd_result *res,
                   char *err, size_t errlen) {
    int out[2] = {-1, -1}, eout[2] = {-1, -1}, rc = -1;
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    int fa_ok = 0;
    memset(res, 0, sizeof *res);
    res->status = -1;
    if (!argv || !argv[0]) {
        snprintf(err, errlen, "hostcmd: empty command");
        return -1;
    }
    if (pipe2(out, O_CLOEXEC) || pipe2(eout, O_CLOEXEC)) {
        snprintf(err, errlen, "hostcmd: pipe: %s", strerror(errno));
        goto cleanup;
    }
    if (posix_spawn_file_actions_init(&fa)) goto cleanup;
    fa_ok = 1;
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd >= 0 ? out_fd : out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, eout[1], 2);
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    if (e) {
        snprintf(err, errlen, "%s: cannot run: %s", argv[0], strerror(e));
        pid = -1;
        goto cleanup;
    }
    close(out[1]);
    close(eout[1]);
    out[1] = eout[1] = -1;
    size_t olen = 0, elen = 0;
    struct pollfd pf[2] = {{out[0], POLLIN, 0}, {eout[0], POLLIN, 0}};
    long long deadline = now_ms() + timeout_ms;
    int open_fds = 2, timed_out = 0;
    while (open_fds > 0) {
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        int n = poll(pf, 2, (int)left);
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2 && n > 0; i++) {
            if (pf[i].fd < 0 || !pf[i].revents) continue;
            int still = i == 0 ? drain(pf[i].fd, res->out, sizeof res->out, &olen)
                               : drain(pf[i].fd, res->errout, sizeof res->errout, &elen);
            if (!still) {
                pf[i].fd = -1;
                open_fds--;
            }
        }
    }
    if (timed_out) kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    rstrip(res->out);
    rstrip(res->errout);
    if (timed_out) {
        snprintf(err, errlen, "%s: no answer within %d ms (killed)", argv[0], timeout_ms);
        goto cleanup;
    }
    res->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    rc = 0;
cleanup:
    if (fa_ok) posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0) close(out[i]);
        if (eout[i] >= 0) close(eout[i]);
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return rc;
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
