/* launch: runs one experiment's host command and measures it.
 *
 * The argv is spawned with posix_spawnp (never a shell) as the leader of its own
 * process group, stdin from /dev/null, stdout/stderr through pipes. The runner keeps
 * the last LAUNCH_TAIL-1 bytes of each stream, timestamps the workload's
 * "PLATBENCH_MARK workload_start/end" lines on the monotonic clock as they arrive,
 * kills the whole group on timeout or when the caller asks to stop (SIGTERM, then
 * SIGKILL after a grace period), and reaps the leader with wait4() for its rusage
 * (which includes the descendants it waited for). Anything left in the group after
 * the leader exits is killed, so "process tree gone" is when the run ends.
 *
 * API
 *   launch_env_build(env, threads)  the child's environment: ours without OMPI_*, PMIX_*,
 *                                   OPAL_*, ORTE_*, with OPENBLAS_NUM_THREADS/OMP_NUM_THREADS
 *                                   = threads and PLATBENCH_MARKERS=1 (the workload prints its
 *                                   start/end markers only when asked). 0 or -1 (ENOMEM).
 *   launch_run(spec, res)           runs spec->argv to the end; 0 when the command ran (whatever
 *                                   its exit status), -1 when it could not be started, or its
 *                                   stage step failed (res->error says why).
 * Staging (spec->stage, e.g. a platform copying data to a remote node): called with out = 0
 * after the clock starts and before the spawn (its time counts as start-up), and with out = 1
 * after the process tree is gone, unless interrupted (its time counts as tear-down).
 * A failed stage-in runs nothing; a failed stage-out of a command that exited 0 makes
 * launch_run return -1 (the result is missing); after a failed command it is ignored.
 */
#ifndef PB_LAUNCH_H
#define PB_LAUNCH_H
#include <stddef.h>

#include "common/strv.h"

#define LAUNCH_TAIL 2048

typedef struct launch_spec {
    char *const *argv;         /* host command, argv[0] a path or a name searched in PATH */
    char *const *envp;         /* child environment (launch_env_build) */
    double timeout_s;          /* wall limit; the group is killed when it expires */
    double kill_grace_s;       /* SIGTERM -> SIGKILL delay */
    int poll_ms;               /* longest time between calls of poll_cb */
    int (*poll_cb)(void *arg); /* called while the command runs; non-zero = stop it now; may be NULL */
    void *cb_arg;              /* argument of poll_cb */
    int (*stage)(void *arg, int out, char *err, size_t errlen); /* stage in (out 0) / out (1):
                                 0 or non-zero + err; may be NULL */
    void *stage_arg;                                            /* argument of stage */
} launch_spec;

typedef struct launch_result {
    double start_unix, end_unix;   /* launch and end, epoch seconds */
    double wall_s;                 /* launch -> process tree gone (monotonic) */
    double user_s, sys_s;          /* CPU time of the leader and the children it waited for */
    long peak_rss_kb;              /* ru_maxrss of wait4 */
    int exit_code;                 /* exit status, -1 if killed by a signal */
    int signal;                    /* terminating signal, 0 if none */
    int timed_out;                 /* killed because timeout_s expired */
    int interrupted;               /* killed because poll_cb asked to stop */
    double startup_s;              /* launch -> workload_start marker (NaN without marker) */
    double workload_s;             /* workload_start -> workload_end (NaN without markers) */
    double teardown_s;             /* workload_end -> process tree gone (NaN without marker) */
    char stdout_tail[LAUNCH_TAIL]; /* last bytes of stdout, NUL-terminated */
    char stderr_tail[LAUNCH_TAIL]; /* last bytes of stderr, NUL-terminated */
    char error[160];               /* why it could not start / was killed; "" otherwise */
} launch_result;

int launch_env_build(strv *env, int threads);
int launch_run(const launch_spec *spec, launch_result *res);

#endif
