/* launch: spawn, watch, time and reap one experiment's command (see launch.h). */
#define _GNU_SOURCE
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/timing.h"

extern char **environ;

int launch_env_build(strv *env, int threads) {
    static const char *const drop[] = {"OMPI_", "PMIX_", "OPAL_", "ORTE_", "OPENBLAS_NUM_THREADS=",
                                       "OMP_NUM_THREADS=", "PLATBENCH_MARKERS=", NULL};
    for (char **e = environ; e && *e; e++) {
        int skip = 0;
        for (const char *const *d = drop; *d; d++)
            if (strncmp(*e, *d, strlen(*d)) == 0) skip = 1;
        if (!skip) strv_push(env, *e);
    }
    strv_pushf(env, "OPENBLAS_NUM_THREADS=%d", threads);
    strv_pushf(env, "OMP_NUM_THREADS=%d", threads);
    strv_push(env, "PLATBENCH_MARKERS=1"); /* the workload's markers, for bare */
    return strv_failed(env) ? -1 : 0;
}

typedef struct stream {
    int fd;                 /* read end, -1 once at EOF */
    char tail[LAUNCH_TAIL]; /* ring of the last bytes */
    size_t tail_pos;        /* next write position in tail */
    size_t total;           /* bytes seen */
    char line[160];         /* current line (prefix) for marker scanning */
    size_t line_len;        /* bytes in line */
} stream;

static void scan_line(stream *s, double now, double *mark_start, double *mark_end) {
    s->line[s->line_len < sizeof s->line ? s->line_len : sizeof s->line - 1] = '\0';
    if (strstr(s->line, "PLATBENCH_MARK workload_start")) {
        if (isnan(*mark_start)) *mark_start = now;
    } else if (strstr(s->line, "PLATBENCH_MARK workload_end")) {
        *mark_end = now;
    }
    s->line_len = 0;
}

static void stream_feed(stream *s, const char *buf, size_t n, double now, double *ms, double *me) {
    for (size_t i = 0; i < n; i++) {
        s->tail[s->tail_pos] = buf[i];
        s->tail_pos = (s->tail_pos + 1) % (LAUNCH_TAIL - 1);
        if (buf[i] == '\n') scan_line(s, now, ms, me);
        else if (s->line_len < sizeof s->line - 1) s->line[s->line_len++] = buf[i];
    }
    s->total += n;
}

static void stream_tail(const stream *s, char *out) {
    size_t cap = LAUNCH_TAIL - 1;
    if (s->total < cap) {
        memcpy(out, s->tail, s->total);
        out[s->total] = '\0';
        return;
    }
    size_t first = cap - s->tail_pos;
    memcpy(out, s->tail + s->tail_pos, first);
    memcpy(out + first, s->tail, s->tail_pos);
    out[cap] = '\0';
}

/* Reads what is available; returns 1 at EOF (and closes). */
static int stream_read(stream *s, double *ms, double *me) {
    char buf[8192];
    for (;;) {
        ssize_t r = read(s->fd, buf, sizeof buf);
        if (r > 0) {
            stream_feed(s, buf, (size_t)r, time_mono(), ms, me);
            if ((size_t)r < sizeof buf) return 0;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) return 0;
        if (s->line_len) scan_line(s, time_mono(), ms, me);
        close(s->fd);
        s->fd = -1;
        return 1;
    }
}

int launch_run(const launch_spec *spec, launch_result *res) {
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    res->startup_s = res->workload_s = res->teardown_s = NAN;
    static stream out, err; /* large buffers; one launch at a time per process */
    memset(&out, 0, sizeof out);
    memset(&err, 0, sizeof err);
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
        snprintf(res->error, sizeof res->error, "pipe: %s", strerror(errno));
        if (po[0] >= 0) close(po[0]), close(po[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    int defs[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPIPE, SIGHUP, SIGCHLD, SIGQUIT};
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) sigaddset(&def, defs[i]);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &def);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    double t0 = time_mono();
    res->start_unix = time_unix();
    char serr[sizeof res->error - 16] = "";
    if (spec->stage && spec->stage(spec->stage_arg, 0, serr, sizeof serr)) {
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        snprintf(res->error, sizeof res->error, "stage-in: %s", serr);
        res->end_unix = time_unix();
        res->wall_s = time_mono() - t0;
        return -1;
    }
    int e = posix_spawnp(&pid, spec->argv[0], &fa, &at, spec->argv, spec->envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(po[1]);
    close(pe[1]);
    if (e) {
        close(po[0]);
        close(pe[0]);
        snprintf(res->error, sizeof res->error, "cannot start %s: %s", spec->argv[0], strerror(e));
        res->end_unix = time_unix();
        return -1;
    }
    out.fd = po[0];
    err.fd = pe[0];
    fcntl(out.fd, F_SETFL, O_NONBLOCK);
    fcntl(err.fd, F_SETFL, O_NONBLOCK);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

    double ms = NAN, me = NAN, term_at = -1, kill_at = -1, reaped_at = -1;
    int reaped = 0, status = 0, killed_group = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (!reaped || out.fd >= 0 || err.fd >= 0) {
        double now = time_mono();
        if (!reaped) {
            if (term_at < 0 && spec->poll_cb && spec->poll_cb(spec->cb_arg)) {
                res->interrupted = 1;
                term_at = now;
            }
            if (term_at < 0 && now - t0 >= spec->timeout_s) {
                res->timed_out = 1;
                term_at = now;
            }
            if (term_at == now) {
                kill(-pid, SIGTERM);
                kill(-pid, SIGCONT);
                kill_at = now + spec->kill_grace_s;
            }
            if (kill_at >= 0 && now >= kill_at) {
                kill(-pid, SIGKILL);
                kill_at = now + 1.0; /* repeat until gone */
            }
        } else if (now - reaped_at > 2.0) {
            break; /* a descendant left the group and kept the pipes: stop waiting */
        }
        double wait_s = spec->poll_ms / 1000.0;
        if (!reaped && term_at < 0 && t0 + spec->timeout_s - now < wait_s)
            wait_s = t0 + spec->timeout_s - now;
        if (kill_at >= 0 && kill_at - now < wait_s) wait_s = kill_at - now;
        if (pidfd < 0 && wait_s > 0.002) wait_s = 0.002;
        if (wait_s < 0) wait_s = 0;
        struct pollfd fds[3];
        int nf = 0, io = -1, ie = -1, ip = -1;
        if (out.fd >= 0) io = nf, fds[nf++] = (struct pollfd){out.fd, POLLIN, 0};
        if (err.fd >= 0) ie = nf, fds[nf++] = (struct pollfd){err.fd, POLLIN, 0};
        if (!reaped && pidfd >= 0) ip = nf, fds[nf++] = (struct pollfd){pidfd, POLLIN, 0};
        int pr = poll(fds, (nfds_t)nf, (int)ceil(wait_s * 1000.0));
        if (pr < 0 && errno != EINTR) break;
        if (pr > 0) {
            if (io >= 0 && fds[io].revents) stream_read(&out, &ms, &me);
            if (ie >= 0 && fds[ie].revents) stream_read(&err, &ms, &me);
        }
        if (!reaped && (pidfd < 0 || (ip >= 0 && pr > 0 && fds[ip].revents))) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            /* peek without reaping, so the group id stays ours while we clear the group */
            if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) {
                if (!killed_group) kill(-pid, SIGKILL), killed_group = 1;
                pid_t w;
                do w = wait4(pid, &status, 0, &ru);
                while (w < 0 && errno == EINTR);
                reaped = 1;
                reaped_at = time_mono();
            }
        }
    }
    if (out.fd >= 0) close(out.fd);
    if (err.fd >= 0) close(err.fd);
    if (pidfd >= 0) close(pidfd);
    if (!reaped) { /* only after a poll failure: make sure nothing is left */
        kill(-pid, SIGKILL);
        wait4(pid, &status, 0, &ru);
    }
    if (WIFSIGNALED(status) && !res->interrupted && !res->timed_out && spec->poll_cb) {
        /* Slurm (scancel, signals relayed by srun) signals every process of the step at
         * once: the workload may die of the signal platbench itself is about to see. */
        int sig = WTERMSIG(status);
        if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGUSR1 || sig == SIGUSR2 ||
            sig == SIGKILL) {
            for (int i = 0; i < 50 && !spec->poll_cb(spec->cb_arg); i++) usleep(10000);
            if (spec->poll_cb(spec->cb_arg)) res->interrupted = 1;
        }
    }
    int stage_failed = 0;
    if (spec->stage && !res->interrupted && spec->stage(spec->stage_arg, 1, serr, sizeof serr)) {
        int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !res->timed_out;
        if (ok) snprintf(res->error, sizeof res->error, "stage-out: %s", serr);
        stage_failed = ok;
    }
    double t1 = time_mono();
    res->end_unix = time_unix();
    res->wall_s = t1 - t0;
    res->user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
    res->sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    res->peak_rss_kb = ru.ru_maxrss;
    if (WIFEXITED(status)) {
        res->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->signal = WTERMSIG(status);
    }
    if (!isnan(ms)) res->startup_s = ms - t0;
    if (!isnan(ms) && !isnan(me)) res->workload_s = me - ms;
    if (!isnan(me)) res->teardown_s = t1 - me;
    stream_tail(&out, res->stdout_tail);
    stream_tail(&err, res->stderr_tail);
    if (res->timed_out)
        snprintf(res->error, sizeof res->error, "timeout after %.3g s (timeout_s); process group "
                 "killed", spec->timeout_s);
    else if (res->interrupted)
        snprintf(res->error, sizeof res->error, "interrupted by a signal to platbench");
    return stage_failed ? -1 : 0;
}
