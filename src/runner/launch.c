/* launch: spawn, watch, time and reap one experiment's command (see launch.h). */
#define _GNU_SOURCE
#include "runner/launch.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/spawn.h"
#include "common/timing.h"
#include "common/workload_contract.h"

extern char **environ;

int launch_env_build(strv *env, int threads) {
    static const char *const drop[] = {
        "OMPI_", "PMIX_", "OPAL_", "ORTE_", "OPENBLAS_NUM_THREADS=", "OMP_NUM_THREADS=", WC_MARKERS_ENV "=",
        NULL};
    for (char **e = environ; e && *e; e++) {
        int skip = 0;
        for (const char *const *d = drop; *d; d++)
            if (strncmp(*e, *d, strlen(*d)) == 0) skip = 1;
        if (!skip) strv_push(env, *e);
    }
    strv_pushf(env, "OPENBLAS_NUM_THREADS=%d", threads);
    strv_pushf(env, "OMP_NUM_THREADS=%d", threads);
    strv_push(env, WC_MARKERS_ENV "=1"); /* the workload's markers, for bare */
    return strv_failed(env) ? -1 : 0;
}

typedef struct stream {
    char tail[LAUNCH_TAIL]; /* ring of the last bytes */
    size_t tail_pos;        /* next write position in tail */
    size_t total;           /* bytes seen */
    char line[160];         /* current line (prefix) for marker scanning */
    size_t line_len;        /* bytes in line */
} stream;

/* One launch in flight: the command, its output and its clock. */
typedef struct launch_state {
    const launch_spec *spec; /* what to run */
    launch_result *res;      /* what is measured */
    spawn_proc proc;         /* the leader of the command's process group */
    pid_t pid;               /* its pid (and group id), kept after it is reaped */
    stream out, err;         /* its stdout / stderr */
    double t0;               /* launch, monotonic */
    double mark_start;       /* arrival of WC_MARK_START (NaN: none) */
    double mark_end;         /* arrival of WC_MARK_END (NaN: none) */
    int status;              /* wait status of the leader */
    struct rusage ru;        /* its rusage (with the children it waited for) */
    int reaped;              /* the leader is reaped */
} launch_state;

static void scan_line(stream *s, double now, double *mark_start, double *mark_end) {
    s->line[s->line_len < sizeof s->line ? s->line_len : sizeof s->line - 1] = '\0';
    if (strstr(s->line, WC_MARK_START)) {
        if (isnan(*mark_start)) *mark_start = now;
    } else if (strstr(s->line, WC_MARK_END)) {
        *mark_end = now;
    }
    s->line_len = 0;
}

static void stream_feed(stream *s, const char *buf, size_t n, double now, double *ms, double *me) {
    for (size_t i = 0; i < n; i++) {
        s->tail[s->tail_pos] = buf[i];
        s->tail_pos = (s->tail_pos + 1) % (LAUNCH_TAIL - 1);
        if (buf[i] == '\n')
            scan_line(s, now, ms, me);
        else if (s->line_len < sizeof s->line - 1)
            s->line[s->line_len++] = buf[i];
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

/* spawn_sink: timestamps the bytes as they arrive; at EOF a last unterminated line counts. */
static void on_output(void *arg, int which, const char *buf, size_t n) {
    launch_state *st = arg;
    stream *s = which == 1 ? &st->out : &st->err;
    if (n)
        stream_feed(s, buf, n, time_mono(), &st->mark_start, &st->mark_end);
    else if (s->line_len)
        scan_line(s, time_mono(), &st->mark_start, &st->mark_end);
}

/* Phase 1: stage in, then spawn the command as a process group leader. 0, or -1 with
 * res->error (and the times of a failed stage-in). */
static int launch_start(launch_state *st) {
    const launch_spec *spec = st->spec;
    launch_result *res = st->res;
    char serr[sizeof res->error - 16] = "", e[sizeof res->error];
    st->t0 = time_mono();
    res->start_unix = time_unix();
    if (spec->stage && spec->stage(spec->stage_arg, 0, serr, sizeof serr)) {
        snprintf(res->error, sizeof res->error, "stage-in: %s", serr);
        res->end_unix = time_unix();
        res->wall_s = time_mono() - st->t0;
        return -1;
    }
    spawn_opts o = {spec->envp, -1, -1, 1};
    if (spawn_start((const char *const *)spec->argv, &o, &st->proc, e, sizeof e)) {
        snprintf(res->error, sizeof res->error, "%s", e);
        res->end_unix = time_unix();
        return -1;
    }
    st->pid = st->proc.pid;
    return 0;
}

/* Stops the group when poll_cb asks or the timeout expires: SIGTERM (and SIGCONT), then
 * SIGKILL after the grace period, repeated every second until it is gone. */
static void launch_stop_check(launch_state *st, double now, double *term_at, double *kill_at) {
    const launch_spec *spec = st->spec;
    if (*term_at < 0 && spec->poll_cb && spec->poll_cb(spec->cb_arg)) {
        st->res->interrupted = 1;
        *term_at = now;
    }
    if (*term_at < 0 && now - st->t0 >= spec->timeout_s) {
        st->res->timed_out = 1;
        *term_at = now;
    }
    if (*term_at == now) {
        kill(-st->pid, SIGTERM);
        kill(-st->pid, SIGCONT);
        *kill_at = now + spec->kill_grace_s;
    }
    if (*kill_at >= 0 && now >= *kill_at) {
        kill(-st->pid, SIGKILL);
        *kill_at = now + 1.0; /* repeat until gone */
    }
}

/* Reaps the leader once it has exited, after clearing its group (peeked without reaping,
 * so the group id stays ours while we kill what is left in it). */
static void launch_reap_if_done(launch_state *st) {
    if (!spawn_exited(&st->proc)) return;
    kill(-st->pid, SIGKILL);
    spawn_reap(&st->proc, &st->status, &st->ru);
    st->reaped = 1;
}

/* Phase 2: reads the output and watches the clock until the process tree is gone (leader
 * reaped, pipes at EOF; a descendant that left the group may keep them 2 s at most). */
static void launch_watch(launch_state *st) {
    const launch_spec *spec = st->spec;
    double term_at = -1, kill_at = -1, reaped_at = -1;
    while (!st->reaped || spawn_open(&st->proc) > 0) {
        double now = time_mono();
        if (!st->reaped)
            launch_stop_check(st, now, &term_at, &kill_at);
        else if (now - reaped_at > 2.0)
            break; /* a descendant left the group and kept the pipes: stop waiting */
        double wait_s = spec->poll_ms / 1000.0;
        if (!st->reaped && term_at < 0 && st->t0 + spec->timeout_s - now < wait_s)
            wait_s = st->t0 + spec->timeout_s - now;
        if (kill_at >= 0 && kill_at - now < wait_s) wait_s = kill_at - now;
        if (st->proc.pidfd < 0 && wait_s > 0.002) wait_s = 0.002;
        if (wait_s < 0) wait_s = 0;
        int pr = spawn_poll(&st->proc, (int)ceil(wait_s * 1000.0), !st->reaped, on_output, st);
        if (pr < 0) break;
        if (!st->reaped && pr > 0) {
            launch_reap_if_done(st);
            if (st->reaped) reaped_at = time_mono();
        }
    }
    if (!st->reaped) { /* only after a poll failure: make sure nothing is left */
        kill(-st->pid, SIGKILL);
        spawn_reap(&st->proc, &st->status, &st->ru);
        st->reaped = 1;
    }
}

/* Phase 3: a signal relayed to the whole Slurm step counts as an interrupt; then stage out.
 * 1 if a stage-out failure loses the result of a command that exited 0. */
static int launch_settle(launch_state *st) {
    const launch_spec *spec = st->spec;
    launch_result *res = st->res;
    int status = st->status;
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
    char serr[sizeof res->error - 16] = "";
    if (spec->stage && !res->interrupted && spec->stage(spec->stage_arg, 1, serr, sizeof serr)) {
        int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !res->timed_out;
        if (ok) snprintf(res->error, sizeof res->error, "stage-out: %s", serr);
        return ok;
    }
    return 0;
}

/* Phase 4: the measurements into res. */
static void launch_record(launch_state *st) {
    const launch_spec *spec = st->spec;
    launch_result *res = st->res;
    double t1 = time_mono(), ms = st->mark_start, me = st->mark_end;
    res->end_unix = time_unix();
    res->wall_s = t1 - st->t0;
    res->user_s = (double)st->ru.ru_utime.tv_sec + st->ru.ru_utime.tv_usec * 1e-6;
    res->sys_s = (double)st->ru.ru_stime.tv_sec + st->ru.ru_stime.tv_usec * 1e-6;
    res->peak_rss_kb = st->ru.ru_maxrss;
    if (WIFEXITED(st->status)) {
        res->exit_code = WEXITSTATUS(st->status);
    } else if (WIFSIGNALED(st->status)) {
        res->signal = WTERMSIG(st->status);
    }
    if (!isnan(ms)) res->startup_s = ms - st->t0;
    if (!isnan(ms) && !isnan(me)) res->workload_s = me - ms;
    if (!isnan(me)) res->teardown_s = t1 - me;
    stream_tail(&st->out, res->stdout_tail);
    stream_tail(&st->err, res->stderr_tail);
    if (res->timed_out)
        snprintf(res->error, sizeof res->error,
                 "timeout after %.3g s (timeout_s); process group "
                 "killed",
                 spec->timeout_s);
    else if (res->interrupted)
        snprintf(res->error, sizeof res->error, "interrupted by a signal to platbench");
}

int launch_run(const launch_spec *spec, launch_result *res) {
    static launch_state st; /* large buffers; one launch at a time per process */
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    res->startup_s = res->workload_s = res->teardown_s = NAN;
    memset(&st, 0, sizeof st);
    st.spec = spec;
    st.res = res;
    st.mark_start = st.mark_end = NAN;
    st.proc = (spawn_proc){-1, {-1, -1}, -1, 1}; /* nothing to close until it starts */
    int rc = launch_start(&st);
    if (rc == 0) {
        launch_watch(&st);
        spawn_close(&st.proc);
        int stage_failed = launch_settle(&st);
        launch_record(&st);
        rc = stage_failed ? -1 : 0;
    }
    spawn_close(&st.proc); /* the one cleanup path: nothing is left open or running */
    return rc;
}
