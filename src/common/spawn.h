/* spawn: the one way platbench starts a host command. Never a shell: argv goes to
 * posix_spawnp as it is (argv[0] searched on PATH). The child's stdout and stderr come back
 * on non-blocking pipes that spawn_poll reads and hands to a sink as the bytes arrive.
 * Used by hostcmd (short commands whose output is captured) and launch (one experiment's
 * command, timed, in its own process group).
 *
 * API
 *   spawn_start(argv, opts, p, err, errlen)
 *       starts argv; 0, or -1 with "pipe: ..." / "cannot start ARGV0: ..." in err (nothing
 *       left open). opts NULL: our environment, stdin /dev/null, stdout and stderr piped.
 *   spawn_poll(p, timeout_ms, watch_exit, sink, arg)
 *       waits at most timeout_ms for output (and, with watch_exit, for the child's exit),
 *       passes what arrived to sink(arg, stream 1 or 2, bytes, n), and n = 0 once at a pipe's
 *       EOF (the pipe is then closed).
 *       1 when the child may have exited (watch_exit: its pidfd fired, or there is no pidfd),
 *       0 otherwise, -1 if poll failed.
 *   spawn_open(p)            number of output pipes still open
 *   spawn_exited(p)          1 if the child has exited, without reaping it (its process group
 *                            id stays reserved while the caller clears the group)
 *   spawn_reap(p, st, ru)    waits for the child (EINTR-safe); status into st, rusage into ru
 *                            (ru may be NULL); 0, or -1 if there was no child
 *   spawn_close(p)           closes the pipes and the pidfd; a child not yet reaped is
 *                            killed (SIGKILL; its group when opts->own_group) and reaped
 */
#ifndef PB_SPAWN_H
#define PB_SPAWN_H
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef struct spawn_opts {
    char *const *envp; /* child environment; NULL: ours */
    int in_fd;         /* child's stdin; -1: /dev/null (the caller keeps and closes in_fd) */
    int out_fd;        /* child's stdout; -1: a pipe read by spawn_poll (caller keeps out_fd) */
    int own_group;     /* non-zero: leader of a new process group, signal mask empty and the
                          usual signals at their defaults, so kill(-pid) stops the whole tree */
} spawn_opts;

typedef struct spawn_proc {
    pid_t pid;     /* the child; -1 once reaped */
    int fd[2];     /* read ends of its stdout / stderr pipes; -1 if not piped or at EOF */
    int pidfd;     /* readable when the child exits; -1 where the kernel has no pidfd_open */
    int own_group; /* spawned as a group leader (spawn_close kills the group) */
} spawn_proc;

/* Receives n bytes of stream 1 (stdout) or 2 (stderr) as they arrive; n = 0: its EOF. */
typedef void (*spawn_sink)(void *arg, int stream, const char *buf, size_t n);

int spawn_start(const char *const *argv, const spawn_opts *opts, spawn_proc *p, char *err, size_t errlen);
int spawn_poll(spawn_proc *p, int timeout_ms, int watch_exit, spawn_sink sink, void *arg);
int spawn_open(const spawn_proc *p);
int spawn_exited(const spawn_proc *p);
int spawn_reap(spawn_proc *p, int *status, struct rusage *ru);
void spawn_close(spawn_proc *p);

#endif
