/* spawn: start a host command without a shell and read its output (see spawn.h). */
#define _GNU_SOURCE /* pipe2 */
#include "common/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Signals the child gets at their default action when it leads its own group: the
 * runner's handlers (and ignored SIGPIPE) must not leak into the experiment. */
static const int default_signals[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGPIPE, SIGHUP, SIGCHLD, SIGQUIT};

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/* File actions: stdin, stdout, stderr of the child. */
static void set_files(posix_spawn_file_actions_t *fa, const spawn_opts *o, const int out[2],
                      const int eout[2]) {
    if (o->in_fd >= 0)
        posix_spawn_file_actions_adddup2(fa, o->in_fd, 0);
    else
        posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(fa, o->out_fd >= 0 ? o->out_fd : out[1], 1);
    posix_spawn_file_actions_adddup2(fa, eout[1], 2);
}

/* Attributes of a group leader: new process group, empty mask, default signals. */
static void set_group_leader(posix_spawnattr_t *at) {
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    for (size_t i = 0; i < sizeof default_signals / sizeof default_signals[0]; i++)
        sigaddset(&def, default_signals[i]);
    posix_spawnattr_setsigmask(at, &none);
    posix_spawnattr_setsigdefault(at, &def);
    posix_spawnattr_setpgroup(at, 0);
    posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

int spawn_start(const char *const *argv, const spawn_opts *opts, spawn_proc *p, char *err, size_t errlen) {
    static const spawn_opts plain = {NULL, -1, -1, 0};
    const spawn_opts *o = opts ? opts : &plain;
    int out[2] = {-1, -1}, eout[2] = {-1, -1};
    p->pid = -1;
    p->fd[0] = p->fd[1] = p->pidfd = -1;
    p->own_group = o->own_group;
    if (!argv || !argv[0]) {
        snprintf(err, errlen, "empty command");
        return -1;
    }
    if ((o->out_fd < 0 && pipe2(out, O_CLOEXEC)) || pipe2(eout, O_CLOEXEC)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        close_fd(&out[0]), close_fd(&out[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    set_files(&fa, o, out, eout);
    if (o->own_group) set_group_leader(&at);
    int e = posix_spawnp(&p->pid, argv[0], &fa, &at, (char *const *)argv, o->envp ? o->envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close_fd(&out[1]);
    close_fd(&eout[1]);
    if (e) {
        snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(e));
        p->pid = -1;
        close_fd(&out[0]);
        close_fd(&eout[0]);
        return -1;
    }
    p->fd[0] = out[0];
    p->fd[1] = eout[0];
    for (int i = 0; i < 2; i++)
        if (p->fd[i] >= 0) fcntl(p->fd[i], F_SETFL, O_NONBLOCK);
    p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    return 0;
}

/* Reads what pipe i has into sink; closes it at EOF or on a read error. */
static void drain(spawn_proc *p, int i, spawn_sink sink, void *arg) {
    char buf[8192];
    for (;;) {
        ssize_t r = read(p->fd[i], buf, sizeof buf);
        if (r > 0) {
            sink(arg, i + 1, buf, (size_t)r);
            if ((size_t)r < sizeof buf) return;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) return;
        close_fd(&p->fd[i]);
        sink(arg, i + 1, buf, 0);
        return;
    }
}

int spawn_poll(spawn_proc *p, int timeout_ms, int watch_exit, spawn_sink sink, void *arg) {
    struct pollfd fds[3];
    int nf = 0, slot[2] = {-1, -1}, ip = -1;
    for (int i = 0; i < 2; i++)
        if (p->fd[i] >= 0) slot[i] = nf, fds[nf++] = (struct pollfd){p->fd[i], POLLIN, 0};
    if (watch_exit && p->pid > 0 && p->pidfd >= 0) ip = nf, fds[nf++] = (struct pollfd){p->pidfd, POLLIN, 0};
    int pr = poll(fds, (nfds_t)nf, timeout_ms < 0 ? 0 : timeout_ms);
    if (pr < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < 2 && pr > 0; i++)
        if (slot[i] >= 0 && fds[slot[i]].revents) drain(p, i, sink, arg);
    if (!watch_exit || p->pid <= 0) return 0;
    return p->pidfd < 0 || (ip >= 0 && pr > 0 && fds[ip].revents) ? 1 : 0;
}

int spawn_open(const spawn_proc *p) { return (p->fd[0] >= 0) + (p->fd[1] >= 0); }

int spawn_exited(const spawn_proc *p) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (p->pid <= 0) return 0;
    return waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == p->pid;
}

int spawn_reap(spawn_proc *p, int *status, struct rusage *ru) {
    struct rusage dummy;
    pid_t w;
    if (p->pid <= 0) return -1;
    do w = wait4(p->pid, status, 0, ru ? ru : &dummy);
    while (w < 0 && errno == EINTR);
    p->pid = -1;
    return w < 0 ? -1 : 0;
}

void spawn_close(spawn_proc *p) {
    close_fd(&p->fd[0]);
    close_fd(&p->fd[1]);
    close_fd(&p->pidfd);
    if (p->pid > 0) {
        kill(p->own_group ? -p->pid : p->pid, SIGKILL);
        int st;
        spawn_reap(p, &st, NULL);
    }
}
