/* run: the campaign's MPI schedule, launches and results rows (see run.h). */
#define _GNU_SOURCE
#include "runner/run.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsspace.h"
#include "common/fsutil.h"
#include "common/mpi_check.h"
#include "common/timing.h"
#include "runner/claim.h"
#include "runner/cpuset.h"
#include "runner/launch.h"
#include "runner/provenance.h"
#include "runner/results.h"
#include "runner/space.h"
#include "runner/workresult.h"

#include "runner/hostlist.h"

/* The one piece of process state a signal handler may touch. */
static volatile sig_atomic_t run_stop_signal;

static void on_signal(int sig) { run_stop_signal = sig; }

void run_install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

enum { TAG_UP = 7101, TAG_DOWN = 7102, TAG_CORUN = 7103 };
enum { RUN_WHY = 768 }; /* room for the distinct reasons of several hosts */
enum { UP_READY, UP_RESULT, UP_SIGNAL };
enum { DOWN_WORK, DOWN_DONE, DOWN_STOP };

typedef struct up_msg {
    int type;       /* UP_* */
    int id;         /* experiment (UP_RESULT) */
    int attempt;    /* attempt number that ran */
    int status;     /* exp_status: EXP_DONE, EXP_FAILED or EXP_INTERRUPTED */
    int signalled;  /* the sender received a stop signal */
    double wall_s;  /* wall time of the launch */
    int nospace;    /* the sender ran out of space (disk full, quota): stop the campaign */
    char note[512]; /* with nospace: what was being written where */
} up_msg;

typedef struct down_msg {
    int cmd;     /* DOWN_* */
    int id;      /* experiment to run (DOWN_WORK) */
    int attempt; /* attempt number to record */
} down_msg;

typedef struct run_ctx {
    const campaign *c;                /* the campaign */
    MPI_Comm comm;                    /* all ranks */
    int rank, size;                   /* this rank, ranks */
    results res;                      /* the open results file */
    char host[64];                    /* this node's name */
    char *workdir;                    /* OUTPUT.d (absolute) */
    const char *res_path;             /* the results file */
    strv env;                         /* child environment */
    double *curves[RESULTS_N_CURVES]; /* per-experiment curve buffers (steps each) */
    unsigned char *can;               /* rank 0: can[r * P + p] rank r may run platform p */
    char (*why)[RUN_WHY];             /* per platform, why no rank can run it (hosts: reason; ...) */
    /* scheduler state (rank 0) */
    int *queue;             /* experiment ids to hand out, FIFO */
    int qhead, qtail, qcap; /* queue bounds */
    int *attempt;           /* attempts made so far per experiment */
    int *busy;              /* per rank: experiment running, -1 idle */
    int *waiting;           /* per rank: asked for work, not yet answered */
    int *released;          /* per rank: sent DOWN_DONE */
    int stopping;           /* a stop signal was seen: no more work */
    int nospace;            /* out of space seen (rank 0: on any rank; workers: here) */
    char nospace_note[512]; /* the first out-of-space message */
    int told_nospace;       /* this worker already told rank 0 about out of space */
    claim claim;            /* rank 0: this campaign's claim on the results file */
    int lost;               /* the claim was taken over (--force elsewhere): write nothing more */
    int n_todo;             /* experiments to finish in this run */
    int n_finished;         /* of those, finished for good */
    int n_done, n_failed, n_interrupted, n_retried; /* outcome counts of this run */
    int n_skipped;       /* experiments of platforms no rank of this allocation can run */
    int n_failed_before; /* failed in earlier runs, retries used up: not run again */
    double t_start;      /* monotonic start of the run */
    /* worker state */
    int got_stop; /* DOWN_STOP received while running (2: for out of space) */
    int told;     /* this worker already told rank 0 about a stop signal */
    /* CPU placement and co-runners */
    cpus_place place;      /* this rank's CPU set */
    int oversub;           /* this rank's experiments are oversubscribed (threads > set, or shared) */
    char (*hosts)[64];     /* every rank's host name */
    int *ex_rank;          /* rank 0: per experiment, rank of its latest start in this run, -1 none */
    double *ex_t0, *ex_t1; /* rank 0: its start / end on rank 0's clock (t1 NaN while running) */
} run_ctx;

/* ---------- one experiment ---------------------------------------------------------- */

static void last_line(const char *text, char *out, size_t n) {
    size_t len = strlen(text);
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r')) len--;
    size_t start = len;
    while (start && text[start - 1] != '\n') start--;
    snprintf(out, n, "%.*s", (int)(len - start), text + start);
}

/* The last line of text containing needle (else its last line). */
static void stderr_line(const char *text, const char *needle, char *out, size_t n) {
    const char *hit = NULL;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) hit = p;
    if (!hit) {
        last_line(text, out, n);
        return;
    }
    while (hit > text && hit[-1] != '\n') hit--;
    size_t len = strcspn(hit, "\r\n");
    snprintf(out, n, "%.*s", (int)len, hit);
}

/* The platform's stage_in / stage_out around one launch (launch_spec.stage). */
typedef struct stage_ctx {
    const campaign_platform *p; /* platform of the launch */
    const launch_request *rq;   /* the launch */
} stage_ctx;

static int run_stage(void *arg, int out, char *err, size_t errlen) {
    const stage_ctx *s = arg;
    int (*fn)(const platform_conf *, const launch_request *, char *, size_t) =
        out ? s->p->ops->stage_out : s->p->ops->stage_in;
    return fn ? fn(&s->p->conf, s->rq, err, errlen) : 0;
}

/* Rank 0: experiment id ended now; into buf the ids of the experiments that overlapped it on
   its host (started before it ended, not ended before it started). Symmetric: both sides
   test the same two intervals. */
static void corunners_end(run_ctx *x, int id, char *buf, size_t n) {
    double t1 = time_mono();
    x->ex_t1[id] = t1;
    size_t o = 0;
    buf[0] = '\0';
    const char *host = x->hosts[x->ex_rank[id]];
    for (int j = 0; j < x->c->n_experiments && o < n; j++) {
        if (j == id || x->ex_rank[j] < 0 || strcmp(x->hosts[x->ex_rank[j]], host) != 0) continue;
        if (x->ex_t0[j] < t1 && (isnan(x->ex_t1[j]) || x->ex_t1[j] > x->ex_t0[id]))
            o += (size_t)snprintf(buf + o, n - o, "%s%d", o ? "," : "", j);
    }
}

static void corunners_start(run_ctx *x, int id, int r) {
    x->ex_rank[id] = r;
    x->ex_t0[id] = time_mono();
    x->ex_t1[id] = NAN;
}

/* The CPUs of this launch as recorded: the rank's set, the campaign's docker cpuset_cpus,
   or none for a VM reached over ssh (its CPUs are not ours to pin). */
static void launch_cpus(const run_ctx *x, const campaign_platform *p, exp_row *row) {
    const char *dset = !strcmp(p->conf.kind, "docker") ? platform_opt(&p->conf, "cpuset_cpus") : NULL;
    const char *mode = !strcmp(p->conf.kind, "vm") ? platform_opt(&p->conf, "mode") : NULL;
    row->threads = x->c->threads;
    row->oversubscribed = x->oversub;
    if (dset && *dset) {
        cpu_set_t s;
        int n = cpus_parse(dset, &s);
        snprintf(row->cpu_list, sizeof row->cpu_list, "%s", dset);
        snprintf(row->cpu_source, sizeof row->cpu_source, "campaign");
        row->oversubscribed = n <= 0 || x->c->threads > n;
    } else if (mode && !strcmp(mode, "ssh")) {
        row->cpu_list[0] = '\0';
        snprintf(row->cpu_source, sizeof row->cpu_source, "remote");
    } else {
        snprintf(row->cpu_list, sizeof row->cpu_list, "%s", x->place.list);
        snprintf(row->cpu_source, sizeof row->cpu_source, "%s", x->place.source);
    }
}

/* One attempt of an experiment on this rank, shared by run_one's phases. */
typedef struct attempt {
    int id, n;                  /* experiment, attempt number */
    const experiment *e;        /* the experiment */
    const campaign_platform *p; /* its platform */
    exp_row row;                /* its row, filled in as the attempt goes */
    launch_result lr;           /* the launch (zeros when it never started) */
    int lrc;                    /* launch_run's return; -1: never launched */
    char dir[4096];             /* work folder OUTPUT.d/eNNNN-aN */
    char result[4200];          /* the workload's result file in it */
    char err[512];              /* why it failed */
    int status;                 /* exp_status */
    int nospace;                /* failed for want of space: recorded interrupted */
} attempt;

/* Phase 1: the row of the attempt, written as running. */
static void attempt_begin(run_ctx *x, attempt *a, int id, int n) {
    memset(a, 0, sizeof *a);
    a->id = id;
    a->n = n;
    a->e = &x->c->experiments[id];
    a->p = &x->c->platforms[a->e->platform];
    a->lrc = -1;
    a->status = EXP_FAILED;
    exp_row *row = &a->row;
    exp_row_init(row);
    row->id = id;
    snprintf(row->platform, sizeof row->platform, "%s", a->p->conf.name);
    snprintf(row->kind, sizeof row->kind, "%s", a->p->conf.kind);
    row->test = a->e->test;
    row->seed = a->e->seed;
    snprintf(row->host, sizeof row->host, "%s", x->host);
    row->rank = x->rank;
    row->attempt = n;
    row->start_unix = time_unix();
    launch_cpus(x, a->p, row);
    exp_row_set_status(row, EXP_RUNNING);
    results_write_row(&x->res, row);
    snprintf(a->dir, sizeof a->dir, "%s/e%04d-a%d", x->workdir, id, n);
    snprintf(a->result, sizeof a->result, "%s/result.h5", a->dir);
}

/* Copies what the launch measured into the row. */
static void row_from_launch(exp_row *row, const launch_result *lr, const noise *nz) {
    row->loadavg = nz->loadavg;
    row->steal_frac = nz->steal_frac;
    row->cpu_mhz = nz->cpu_mhz;
    row->start_unix = lr->start_unix;
    row->end_unix = lr->end_unix;
    row->wall_s = lr->wall_s;
    row->user_s = lr->user_s;
    row->sys_s = lr->sys_s;
    row->peak_rss_kb = lr->peak_rss_kb;
    row->exit_code = lr->exit_code;
    row->signal = lr->signal;
    row->startup_s = lr->startup_s;
    row->workload_s = lr->workload_s;
    row->teardown_s = lr->teardown_s;
}

/* Phase 2: work folder, argv through the platform, the launch. 0 launched (a->lrc says
   how), -1 not launched (a->err says why). */
static int attempt_launch(run_ctx *x, attempt *a, int (*cb)(void *), void *cbarg) {
    const campaign *c = x->c;
    const campaign_platform *p = a->p;
    char lid[64];
    campaign_launch_id(c, x->workdir, a->id, a->n, lid, sizeof lid);
    strv wargv, argv;
    strv_init(&wargv);
    strv_init(&argv);
    int rc = -1;
    if (pb_mkdir_p(a->dir)) {
        int e = errno;
        snprintf(a->err, sizeof a->err, "cannot create work folder %.300s: %s", a->dir, strerror(e));
        a->nospace = fsspace_is_nospace(e);
        goto done;
    }
    unlink(a->result);
    const char *reads[3] = {c->model, c->data, NULL};
    if (c->interface == WORKLOAD_PLAIN) reads[0] = NULL;
    const char *slash = strrchr(c->executable, '/');
    launch_request rq = {.workload_argv = NULL,
                         .workload_name = slash ? slash + 1 : c->executable,
                         .read_paths = reads,
                         .write_dir = a->dir,
                         .id = lid,
                         .threads = c->threads,
                         .markers = 1,
                         .cpus = x->place.list,
                         .ncpus = x->place.n};
    if (campaign_workload_argv(c, a->e, a->result, &wargv)) {
        snprintf(a->err, sizeof a->err, "out of memory");
        goto done;
    }
    rq.workload_argv = (const char *const *)wargv.items;
    if (p->ops->build_argv(&p->conf, &rq, &argv, a->err, sizeof a->err)) goto done;
    stage_ctx sc = {p, &rq};
    launch_spec spec = {
        .argv = argv.items,
        .envp = x->env.items,
        .timeout_s = c->timeout_s,
        .kill_grace_s = c->kill_grace_s,
        .poll_ms = x->rank == 0 ? 1 : 20, /* rank 0 serves requests while it waits */
        .poll_cb = cb,
        .cb_arg = cbarg,
        .stage = p->ops->stage_in || p->ops->stage_out ? run_stage : NULL,
        .stage_arg = &sc,
    };
    /* what a killed earlier run of this file left under this id (a container still running,
       which would also refuse the name): removed first */
    if (p->ops->cleanup) p->ops->cleanup(&p->conf, &rq);
    noise nz;
    noise_begin(&nz);
    a->lrc = launch_run(&spec, &a->lr);
    noise_end(&nz, &x->place);
    if (p->ops->cleanup) p->ops->cleanup(&p->conf, &rq);
    if (p->ops->exit_status && !a->lr.signal && a->lr.exit_code > 0)
        a->lr.exit_code = p->ops->exit_status(&p->conf, a->lr.exit_code);
    row_from_launch(&a->row, &a->lr, &nz);
    rc = 0;
done:
    strv_free(&wargv);
    strv_free(&argv);
    return rc;
}

/* Phase 3: the launched attempt's outcome: status, and why when not done. */
static void attempt_judge(run_ctx *x, attempt *a) {
    const launch_result *lr = &a->lr;
    int cnn = x->c->interface == WORKLOAD_PLATBENCH_CNN;
    char ll[400];
    if (a->lrc) {
        snprintf(a->err, sizeof a->err, "%s", lr->error);
    } else if (lr->interrupted) {
        a->status = EXP_INTERRUPTED;
        if (x->nospace || x->got_stop == 2)
            snprintf(a->err, sizeof a->err,
                     "stopped: the campaign ran out of space (see the "
                     "experiment recorded \"out of space\")");
        else
            snprintf(a->err, sizeof a->err, "%s", lr->error);
    } else if (lr->timed_out) {
        snprintf(a->err, sizeof a->err, "%s", lr->error);
    } else if (lr->exit_code == PB_EXIT_NOSPACE && !lr->signal && cnn) { /* the workload's "out of space" */
        a->nospace = 1;
        stderr_line(lr->stderr_tail, "out of space", ll, sizeof ll);
        snprintf(a->err, sizeof a->err, "exit code %d (out of space); stderr: %s", lr->exit_code, ll);
    } else if (lr->exit_code != 0) {
        last_line(lr->stderr_tail, ll, 120);
        if (!lr->signal && a->p->ops->failure_reason &&
            a->p->ops->failure_reason(&a->p->conf, lr->exit_code, lr->stderr_tail, a->err, sizeof a->err))
            ; /* the platform's own failure (e.g. ssh could not reach the node), said as such */
        else if (lr->signal)
            snprintf(a->err, sizeof a->err, "killed by signal %d (%s); stderr: %s", lr->signal,
                     strsignal(lr->signal), ll);
        else
            snprintf(a->err, sizeof a->err, "exit code %d; stderr: %s", lr->exit_code, ll);
    } else if (cnn) {
        if (workresult_read(a->result, &a->row, x->curves, x->c->steps, a->err, sizeof a->err) == 0) {
            a->status = EXP_DONE;
            a->row.launch_overhead_s = a->row.wall_s - a->row.total_time_s;
        }
    } else {
        a->status = EXP_DONE;
    }
}

/* Phase 4: out of space decided (then recorded interrupted, and the campaign stops), the
   row's status and error, the curves of anything not done cleared. */
static void attempt_settle(run_ctx *x, attempt *a) {
    /* a failure while the work folder's file system is full is that, not the experiment's
       fault (e.g. a container runtime that cannot write its files) */
    if (a->status == EXP_FAILED && !a->lr.timed_out && !a->lr.interrupted) {
        fsspace_info fi;
        if (fsspace_query(a->dir, &fi) == 0 && fi.avail < space_work_bytes(x->c)) a->nospace = 1;
    }
    if (a->nospace) { /* recorded interrupted: rerun once there is space */
        a->status = EXP_INTERRUPTED;
        if (!x->nospace) {
            char fs[1200] = "", ll[400];
            stderr_line(a->lr.stderr_tail, "out of space", ll, sizeof ll);
            const char *what = strstr(ll, "out of space") ? ll : a->err;
            if (!strstr(what, "file system")) fsspace_describe(a->dir, fs, sizeof fs);
            snprintf(x->nospace_note, sizeof x->nospace_note, "e%04d on rank %d: %.300s%s%.180s", a->id,
                     x->rank, what, *fs ? "; " : "", fs);
        }
        x->nospace = 1;
        char tmp[sizeof a->err];
        snprintf(tmp, sizeof tmp, "out of space: %.*s", (int)(sizeof tmp - 15), a->err);
        snprintf(a->err, sizeof a->err, "%s", tmp);
    }
    if (a->status != EXP_DONE || x->c->interface != WORKLOAD_PLATBENCH_CNN)
        for (int m = 0; m < RESULTS_N_CURVES; m++)
            for (int s = 0; s < x->c->steps; s++) x->curves[m][s] = NAN;
    if (isnan(a->row.end_unix)) a->row.end_unix = time_unix();
    exp_row_set_status(&a->row, a->status);
    snprintf(a->row.error, sizeof a->row.error, "%.*s", (int)sizeof a->row.error - 1,
             a->status == EXP_DONE ? "" : a->err);
}

/* Phase 5: rank 0 learns the outcome (a worker tells it first, so its reply overlaps our
   writes); the row gets its co-runners. */
static void attempt_report(run_ctx *x, attempt *a, double wall) {
    if (x->rank == 0) {
        corunners_end(x, a->id, a->row.corunners, sizeof a->row.corunners);
        return;
    }
    up_msg res = {UP_RESULT,
                  a->id,
                  a->n,
                  a->status,
                  run_stop_signal != 0 && !x->told,
                  wall,
                  x->nospace && !x->told_nospace,
                  ""};
    if (res.signalled) x->told = 1;
    if (res.nospace) {
        x->told_nospace = 1;
        snprintf(res.note, sizeof res.note, "%s", x->nospace_note);
    }
    MPI_CHECK(MPI_Send(&res, sizeof res, MPI_BYTE, 0, TAG_UP, x->comm));
    MPI_CHECK(MPI_Recv(a->row.corunners, sizeof a->row.corunners, MPI_CHAR, 0, TAG_CORUN, x->comm,
                       MPI_STATUS_IGNORE));
}

/* Phase 6: curves, output tails and row into the results file; a failed write on a full
   file system stops the campaign (a worker tells rank 0 before it asks for more work). */
static void attempt_write(run_ctx *x, const attempt *a) {
    int wr = results_write_curves(&x->res, a->id, x->curves, x->c->steps);
    wr |= results_write_output(&x->res, a->id, a->lr.stdout_tail, a->lr.stderr_tail);
    wr |= results_write_row(&x->res, &a->row);
    if (!wr) return;
    int e = errno;
    fsspace_info fi;
    char fs[1200];
    fsspace_describe(x->res_path, fs, sizeof fs);
    if (fsspace_is_nospace(e) || (fsspace_query(x->res_path, &fi) == 0 && fi.avail < 65536)) {
        if (!x->nospace)
            snprintf(x->nospace_note, sizeof x->nospace_note,
                     "writing row %d of the results "
                     "file on rank %d; %.300s",
                     a->id, x->rank, fs);
        x->nospace = 1;
    }
    fprintf(stderr, "platbench: rank %d: writing row %d of the results file %s failed (%s)\n", x->rank, a->id,
            x->res_path, fs);
}

/* Runs experiment id (attempt n) here; writes its rows; returns its exp_status. */
static int run_one(run_ctx *x, int id, int n, int (*cb)(void *), void *cbarg, double *wall) {
    attempt a;
    attempt_begin(x, &a, id, n);
    if (attempt_launch(x, &a, cb, cbarg) == 0) attempt_judge(x, &a);
    attempt_settle(x, &a);
    *wall = isnan(a.row.wall_s) ? 0 : a.row.wall_s;
    attempt_report(x, &a, *wall);
    if (!x->lost) attempt_write(x, &a); /* else the file belongs to the campaign that took the claim */
    return a.status;
}

/* ---------- scheduler (rank 0) ---------------------------------------------------------- */

static int can_run(const run_ctx *x, int r, int id) {
    return x->can[r * x->c->n_platforms + x->c->experiments[id].platform];
}

/* Takes the first queued experiment rank r can run; -1 if none. */
static int queue_take(run_ctx *x, int r) {
    if (x->c->exclusive) /* one experiment per host at a time */
        for (int k = 0; k < x->size; k++)
            if (k != r && x->busy[k] >= 0 && !strcmp(x->hosts[k], x->hosts[r])) return -1;
    for (int i = x->qhead; i < x->qtail; i++) {
        int id = x->queue[i];
        if (id < 0 || !can_run(x, r, id)) continue;
        x->queue[i] = -1;
        while (x->qhead < x->qtail && x->queue[x->qhead] < 0) x->qhead++;
        return id;
    }
    return -1;
}

static int queue_push(run_ctx *x, int id) {
    if (x->qtail >= x->qcap) {
        int cap = x->qcap * 2 + 16;
        int *q = realloc(x->queue, (size_t)cap * sizeof *q);
        if (!q) return -1;
        x->queue = q;
        x->qcap = cap;
    }
    x->queue[x->qtail++] = id;
    return 0;
}

/* Could rank r still get work: something queued for it, or a busy experiment it could
   run again (a retry)? */
static int may_get_work(const run_ctx *x, int r) {
    if (x->stopping) return 0;
    for (int i = x->qhead; i < x->qtail; i++)
        if (x->queue[i] >= 0 && can_run(x, r, x->queue[i])) return 1;
    if (x->c->retries > 0)
        for (int k = 0; k < x->size; k++)
            if (x->busy[k] >= 0 && can_run(x, r, x->busy[k])) return 1;
    return 0;
}

static void print_progress(run_ctx *x, int id, int status, double wall, int attempt, int again) {
    const experiment *e = &x->c->experiments[id];
    double el = time_mono() - x->t_start;
    int left = x->n_todo - x->n_finished;
    char eta[32] = "-";
    if (x->n_finished > 0 && left > 0) {
        double s = el / x->n_finished * left;
        snprintf(eta, sizeof eta, "%dh%02dm%02ds", (int)(s / 3600), (int)fmod(s / 60, 60), (int)fmod(s, 60));
    } else if (left == 0) {
        snprintf(eta, sizeof eta, "0s");
    }
    printf("[%d/%d] %-12s test %-3d seed %-8lld %-11s %8.2fs%s | done %d failed %d interrupted "
           "%d | ETA %s\n",
           x->n_finished, x->n_todo, x->c->platforms[e->platform].conf.name, e->test, (long long)e->seed,
           exp_status_name(status), wall, again ? (attempt > 1 ? " (retry queued)" : " (retry queued)") : "",
           x->n_done, x->n_failed, x->n_interrupted, eta);
    fflush(stdout);
}

/* Books a finished attempt: counts, retry, progress line. */
static void account(run_ctx *x, int id, int attempt, int status, double wall) {
    if (attempt > x->attempt[id]) x->attempt[id] = attempt;
    int again = status == EXP_FAILED && !x->stopping && attempt < 1 + x->c->retries && queue_push(x, id) == 0;
    if (again) {
        x->n_retried++;
    } else {
        x->n_finished++;
        if (status == EXP_DONE)
            x->n_done++;
        else if (status == EXP_FAILED)
            x->n_failed++;
        else
            x->n_interrupted++;
    }
    print_progress(x, id, status, wall, attempt, again);
}

static void begin_stop(run_ctx *x) {
    if (x->stopping) return;
    x->stopping = 1;
    if (x->lost)
        ; /* serve() said why */
    else if (x->nospace)
        printf("platbench: out of space (%s); stopping the campaign: in-flight experiments are "
               "recorded interrupted, the rest stay pending\n",
               x->nospace_note);
    else
        printf("platbench: stop requested (signal); stopping in-flight experiments\n");
    fflush(stdout);
    /* not a blocking send: when a rank died with its node, a send to it may never
       return, and rank 0 must still record its own in-flight experiment */
    for (int r = 1; r < x->size; r++)
        if (x->busy[r] >= 0) {
            /* id -1: a signal; -2: out of space; -3: the claim is lost, write nothing more.
               Static: the buffer must outlive the request */
            static const down_msg stops[3] = {{DOWN_STOP, -1, 0}, {DOWN_STOP, -2, 0}, {DOWN_STOP, -3, 0}};
            MPI_Request rq;
            MPI_CHECK(MPI_Isend(&stops[x->lost      ? 2
                                       : x->nospace ? 1
                                                    : 0],
                                sizeof stops[0], MPI_BYTE, r, TAG_DOWN, x->comm, &rq));
            MPI_CHECK(MPI_Request_free(&rq));
        }
}

/* Answers waiting ranks: work, or release when nothing can come for them. */
static void dispatch(run_ctx *x) {
    for (int r = 1; r < x->size; r++) {
        if (!x->waiting[r]) continue;
        int id = x->stopping ? -1 : queue_take(x, r);
        if (id >= 0) {
            down_msg m = {DOWN_WORK, id, x->attempt[id] + 1};
            MPI_CHECK(MPI_Send(&m, sizeof m, MPI_BYTE, r, TAG_DOWN, x->comm));
            x->busy[r] = id;
            corunners_start(x, id, r);
            x->waiting[r] = 0;
        } else if (!may_get_work(x, r)) {
            down_msg m = {DOWN_DONE, -1, 0};
            MPI_CHECK(MPI_Send(&m, sizeof m, MPI_BYTE, r, TAG_DOWN, x->comm));
            x->waiting[r] = 0;
            x->released[r] = 1;
        }
    }
}

/* Handles every pending message from workers, then dispatches. */
static void serve(run_ctx *x) {
    if (run_stop_signal || x->nospace) begin_stop(x);
    if (claim_heartbeat(&x->claim, time_mono()) == 1) {
        printf("platbench: the claim on %s was taken by another campaign (%s); stopping this "
               "one without writing to the file any more\n",
               x->res_path, x->claim.lost);
        x->lost = 1;
        x->stopping = 0; /* (again) so that the stop reaches busy ranks as "lost" */
        begin_stop(x);
    }
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, TAG_UP, x->comm, &flag, &st));
        if (!flag) break;
        up_msg m;
        MPI_CHECK(MPI_Recv(&m, sizeof m, MPI_BYTE, st.MPI_SOURCE, TAG_UP, x->comm, MPI_STATUS_IGNORE));
        int r = st.MPI_SOURCE;
        if (m.nospace && !x->nospace) {
            x->nospace = 1;
            snprintf(x->nospace_note, sizeof x->nospace_note, "%s", m.note);
        }
        if (m.signalled || m.nospace) begin_stop(x);
        if (m.type == UP_RESULT) {
            char co[128];
            corunners_end(x, m.id, co, sizeof co);
            MPI_CHECK(MPI_Send(co, sizeof co, MPI_CHAR, r, TAG_CORUN, x->comm));
            x->busy[r] = -1;
            account(x, m.id, m.attempt, m.status, m.wall_s);
            x->waiting[r] = 1;
        } else if (m.type == UP_READY) {
            x->waiting[r] = 1;
        }
    }
    dispatch(x);
}

static int rank0_cb(void *arg) {
    run_ctx *x = arg;
    serve(x);
    return x->stopping;
}

static int all_released(const run_ctx *x) {
    for (int r = 1; r < x->size; r++)
        if (!x->released[r]) return 0;
    return 1;
}

static void schedule_rank0(run_ctx *x) {
    double idle = 50e-6;
    for (;;) {
        serve(x);
        int id = x->stopping ? -1 : queue_take(x, 0);
        if (id >= 0) {
            x->busy[0] = id;
            corunners_start(x, id, 0);
            int attempt = x->attempt[id] + 1;
            double wall = 0;
            int st = run_one(x, id, attempt, rank0_cb, x, &wall);
            x->busy[0] = -1;
            account(x, id, attempt, st, wall);
            idle = 50e-6;
            continue;
        }
        if (all_released(x) && !may_get_work(x, 0)) break;
        struct timespec ts = {0, (long)(idle * 1e9)};
        nanosleep(&ts, NULL);
        if (idle < 1e-3) idle *= 2;
    }
}

/* ---------- worker (ranks > 0) ------------------------------------------------------------ */

static int worker_cb(void *arg) {
    run_ctx *x = arg;
    int flag = 0;
    MPI_CHECK(MPI_Iprobe(0, TAG_DOWN, x->comm, &flag, MPI_STATUS_IGNORE));
    if (flag) {
        down_msg m;
        MPI_CHECK(MPI_Recv(&m, sizeof m, MPI_BYTE, 0, TAG_DOWN, x->comm, MPI_STATUS_IGNORE));
        if (m.cmd == DOWN_STOP) x->got_stop = m.id == -2 ? 2 : 1;
        if (m.cmd == DOWN_STOP && m.id == -3) x->lost = 1;
    }
    return x->got_stop || run_stop_signal;
}

static void schedule_worker(run_ctx *x) {
    up_msg up = {UP_READY, -1, 0, 0, 0, 0, 0, ""};
    MPI_CHECK(MPI_Send(&up, sizeof up, MPI_BYTE, 0, TAG_UP, x->comm));
    for (;;) {
        down_msg m;
        double idle = 50e-6;
        for (;;) {
            int flag = 0;
            MPI_CHECK(MPI_Iprobe(0, TAG_DOWN, x->comm, &flag, MPI_STATUS_IGNORE));
            if (flag) break;
            if (run_stop_signal && !x->told) { /* only this rank got the signal: tell rank 0 */
                up_msg s = {UP_SIGNAL, -1, 0, 0, 1, 0, 0, ""};
                MPI_CHECK(MPI_Send(&s, sizeof s, MPI_BYTE, 0, TAG_UP, x->comm));
                x->told = 1;
            }
            if (x->nospace && !x->told_nospace) { /* out of space after our last result */
                up_msg s = {UP_SIGNAL, -1, 0, 0, 0, 0, 1, ""};
                snprintf(s.note, sizeof s.note, "%s", x->nospace_note);
                MPI_CHECK(MPI_Send(&s, sizeof s, MPI_BYTE, 0, TAG_UP, x->comm));
                x->told_nospace = 1;
            }
            struct timespec ts = {0, (long)(idle * 1e9)};
            nanosleep(&ts, NULL);
            if (idle < 1e-3) idle *= 2;
        }
        MPI_CHECK(MPI_Recv(&m, sizeof m, MPI_BYTE, 0, TAG_DOWN, x->comm, MPI_STATUS_IGNORE));
        if (m.cmd == DOWN_DONE) break;
        if (m.cmd != DOWN_WORK) continue; /* a stale stop */
        x->got_stop = 0;
        double wall = 0;
        run_one(x, m.id, m.attempt, worker_cb, x, &wall); /* sends UP_RESULT itself */
    }
}

/* ---------- set-up ------------------------------------------------------------------------ */

/* Which platforms this rank can run, and why not. */
static void local_capabilities(const run_ctx *x, unsigned char *can, char (*why)[256]) {
    const campaign *c = x->c;
    for (int p = 0; p < c->n_platforms; p++) {
        const campaign_platform *cp = &c->platforms[p];
        can[p] = 1;
        why[p][0] = '\0';
        if (cp->conf.hosts) {
            char e[200] = "";
            int m = hostlist_match(cp->conf.hosts, x->host, e, sizeof e);
            if (m != 1) {
                can[p] = 0;
                if (m < 0)
                    snprintf(why[p], 256, "bad hosts pattern \"%s\": %s", cp->conf.hosts, e);
                else
                    snprintf(why[p], 256, "not a host matching hosts = \"%s\"", cp->conf.hosts);
                continue;
            }
        }
        char w[256] = "";
        if (cp->ops->check(&cp->conf, w, sizeof w)) {
            can[p] = 0;
            snprintf(why[p], 256, "%s", w);
        }
    }
}

/* Rank 0: into out, the distinct reasons of every rank for platform p, each with the
   hosts that gave it ("node1,node2: reason; node3: other reason"). */
static void join_reasons(const run_ctx *x, int p, const char (*allwhy)[256], const char (*hosts)[64],
                         char *out, size_t n) {
    int P = x->c->n_platforms;
    size_t o = (size_t)snprintf(out, n, "no rank can run it: ");
    for (int r = 0, listed = 0; r < x->size && o < n; r++) {
        const char *w = allwhy[r * P + p];
        int seen = 0;
        for (int q = 0; q < r && !seen; q++) seen = !strcmp(allwhy[q * P + p], w);
        if (seen) continue; /* reported with the first rank that gave it */
        if (listed++) o += (size_t)snprintf(out + o, n - o, "; ");
        for (int q = r, first = 1; q < x->size && o < n; q++) {
            if (strcmp(allwhy[q * P + p], w) != 0) continue;
            int dup = 0; /* several ranks on one host: name it once */
            for (int k = r; k < q && !dup; k++)
                dup = !strcmp(allwhy[k * P + p], w) && !strcmp(hosts[k], hosts[q]);
            if (dup) continue;
            o += (size_t)snprintf(out + o, n - o, "%s%s", first ? "" : ",", hosts[q]);
            first = 0;
        }
        if (o < n) o += (size_t)snprintf(out + o, n - o, ": %s", w);
    }
}

static int gather_capabilities(run_ctx *x) {
    int P = x->c->n_platforms;
    unsigned char *mine = calloc((size_t)P, 1);
    char(*mywhy)[256] = calloc((size_t)P, sizeof *mywhy);
    char(*allwhy)[256] = x->rank == 0 ? calloc((size_t)P * (size_t)x->size, sizeof *allwhy) : NULL;
    char(*hosts)[64] = x->rank == 0 ? calloc((size_t)x->size, sizeof *hosts) : NULL;
    x->can = calloc((size_t)P * (size_t)x->size, 1);
    x->why = calloc((size_t)P, sizeof *x->why);
    int bad = !mine || !mywhy || !x->can || !x->why || (x->rank == 0 && (!allwhy || !hosts));
    int anybad = 0;
    MPI_CHECK(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_LOR, x->comm));
    if (anybad) {
        free(mine);
        free(mywhy);
        free(allwhy);
        free(hosts);
        return -1;
    }
    local_capabilities(x, mine, mywhy);
    MPI_CHECK(MPI_Allgather(mine, P, MPI_UNSIGNED_CHAR, x->can, P, MPI_UNSIGNED_CHAR, x->comm));
    MPI_CHECK(MPI_Gather(mywhy, P * 256, MPI_CHAR, allwhy, P * 256, MPI_CHAR, 0, x->comm));
    MPI_CHECK(MPI_Gather(x->host, 64, MPI_CHAR, hosts, 64, MPI_CHAR, 0, x->comm));
    if (x->rank == 0)
        for (int p = 0; p < P; p++) {
            int any = 0;
            for (int r = 0; r < x->size; r++) any |= x->can[r * P + p];
            if (!any)
                join_reasons(x, p, (const char(*)[256])allwhy, (const char(*)[64])hosts, x->why[p],
                             sizeof x->why[p]);
        }
    MPI_CHECK(MPI_Bcast(x->why, P * RUN_WHY, MPI_CHAR, 0, x->comm));
    free(mine);
    free(mywhy);
    free(allwhy);
    free(hosts);
    return 0;
}

static int platform_runnable(const run_ctx *x, int p) {
    for (int r = 0; r < x->size; r++)
        if (x->can[r * x->c->n_platforms + p]) return 1;
    return 0;
}

static void initial_row(const run_ctx *x, int id, exp_row *row) {
    const experiment *e = &x->c->experiments[id];
    exp_row_init(row);
    row->id = id;
    snprintf(row->platform, sizeof row->platform, "%s", x->c->platforms[e->platform].conf.name);
    snprintf(row->kind, sizeof row->kind, "%s", x->c->platforms[e->platform].conf.kind);
    row->test = e->test;
    row->seed = e->seed;
    row->attempt = 0;
    if (!platform_runnable(x, e->platform)) {
        exp_row_set_status(row, EXP_SKIPPED);
        snprintf(row->error, sizeof row->error, "%s", x->why[e->platform]);
    }
}

static int collect_provenance(run_ctx *x, provenance *prov) {
    if (provenance_collect(prov, x->comm, x->host)) return -1;
    int rc = 0;
    if (x->rank == 0)
        for (int p = 0; p < x->c->n_platforms; p++) {
            const campaign_platform *cp = &x->c->platforms[p];
            platform_info info;
            memset(&info, 0, sizeof info);
            char e[256] = "";
            if (cp->ops->describe(&cp->conf, &info, e, sizeof e))
                snprintf(info.detail, sizeof info.detail, "describe failed on %.64s: %.170s", x->host, e);
            char key[96];
            snprintf(key, sizeof key, "platform.%s.runtime_version", cp->conf.name);
            rc |= provenance_add(prov, key, info.runtime_version);
            snprintf(key, sizeof key, "platform.%s.image_id", cp->conf.name);
            rc |= provenance_add(prov, key, info.image_id);
            snprintf(key, sizeof key, "platform.%s.detail", cp->conf.name);
            rc |= provenance_add(prov, key, info.detail);
        }
    return rc;
}

/* Experiments a run of c on output would run (all when the file does not exist). */
static int count_todo(const campaign *c, const char *output, int exists) {
    if (!exists) return c->n_experiments;
    results_view v;
    char e[512];
    if (results_load(output, &v, e, sizeof e)) return c->n_experiments;
    int todo = 0;
    for (int i = 0; i < v.n; i++) {
        const exp_row *r = &v.rows[i];
        exp_status st = exp_row_status(r);
        if (st == EXP_DONE || st == EXP_SKIPPED) continue;
        if (st == EXP_FAILED && r->attempt >= 1 + c->retries) continue;
        todo++;
    }
    results_view_free(&v);
    return todo;
}

/* Collective: refuses early, with the numbers, what cannot fit (before anything is
   written). 0, or RUN_EXIT_NOSPACE after saying why on rank 0. */
static int check_space(run_ctx *x, const char *output, int exists, int flags) {
    char err[4096] = "";
    int nospace =
        x->rank == 0 && !(flags & RUN_NO_SPACE_CHECK) &&
        space_check(x->c, output, x->workdir, count_todo(x->c, output, exists), !exists, err, sizeof err);
    MPI_CHECK(MPI_Bcast(&nospace, 1, MPI_INT, 0, x->comm));
    if (nospace && x->rank == 0) fprintf(stderr, "platbench: %s\n", err);
    return nospace ? RUN_EXIT_NOSPACE : 0;
}

/* Collective: a new results file with the initial rows (rows, filled here) and the work
   folder. 0, -1, or RESULTS_NOSPACE (the same on every rank), with err. */
static int create_results(run_ctx *x, const char *output, exp_row *rows, char *err, size_t errlen) {
    provenance prov = {0};
    int rc = 0;
    if (collect_provenance(x, &prov)) {
        snprintf(err, errlen, "out of memory collecting provenance");
        rc = -1;
    }
    for (int i = 0; i < x->c->n_experiments; i++) initial_row(x, i, &rows[i]);
    /* the work folder first, so no rank launches into a missing folder */
    if (x->rank == 0 && pb_mkdir_p(x->workdir))
        fprintf(stderr, "platbench: cannot create %s: %s\n", x->workdir, strerror(errno));
    if (rc == 0) rc = results_create(&x->res, output, x->comm, x->c, &prov, rows, err, errlen);
    provenance_free(&prov);
    return rc;
}

/* Rank 0: what this run does with each row: queued, skipped (its reason recorded now
   when resuming), or finished before; prints the plan. 0 or -1 (out of memory). */
static int queue_rows(run_ctx *x, const char *output, const exp_row *rows, int exists, double t_open) {
    const campaign *c = x->c;
    int skipped = 0, already = 0;
    for (int i = 0; i < c->n_experiments; i++) {
        const exp_row *r = &rows[i];
        exp_status st = exp_row_status(r);
        x->attempt[i] = r->attempt > 0 ? r->attempt : 0;
        if (!platform_runnable(x, c->experiments[i].platform)) {
            skipped++;
            if (exists && st != EXP_DONE) { /* record why, now */
                exp_row s;
                initial_row(x, i, &s);
                s.attempt = r->attempt;
                results_write_row(&x->res, &s);
            }
            continue;
        }
        if (st == EXP_DONE || (st == EXP_FAILED && r->attempt >= 1 + c->retries)) {
            x->n_failed_before += st == EXP_FAILED;
            already++;
            continue;
        }
        if (queue_push(x, i)) return -1;
    }
    x->n_todo = x->qtail;
    x->n_skipped = skipped;
    printf("platbench: %s %s: %d experiments, %d to run now, %d finished before, %d skipped, "
           "%d rank%s (file ready in %.3f s)\n",
           exists ? "resuming" : "created", output, c->n_experiments, x->n_todo, already, skipped, x->size,
           x->size == 1 ? "" : "s", time_mono() - t_open);
    for (int p = 0; p < c->n_platforms; p++)
        if (!platform_runnable(x, p))
            printf("platbench: platform %s skipped: %s\n", c->platforms[p].conf.name, x->why[p]);
    fflush(stdout);
    return 0;
}

/* Opens (resume) or creates the file; fills x->attempt and the queue on rank 0.
   Returns 0, or -1 / RUN_EXIT_NOSPACE after printing why on rank 0 (collectively
   consistent). */
static int open_results(run_ctx *x, const char *output, int flags) {
    int N = x->c->n_experiments;
    exp_row *rows = calloc((size_t)(N ? N : 1), sizeof *rows);
    x->attempt = calloc((size_t)(N ? N : 1), sizeof *x->attempt);
    int exists = 0, rc = 0, anybad = 0;
    if (x->rank == 0) exists = access(output, F_OK) == 0;
    MPI_CHECK(MPI_Bcast(&exists, 1, MPI_INT, 0, x->comm));
    char err[4096] = "", *diff = NULL;
    if ((rc = check_space(x, output, exists, flags))) goto done;
    double t_open = time_mono();
    if (!rows || !x->attempt) {
        snprintf(err, sizeof err, "out of memory");
        rc = -1;
    } else if (!exists) {
        rc = create_results(x, output, rows, err, sizeof err);
    } else {
        rc = results_resume(&x->res, output, x->comm, x->c, flags & RUN_FORCE_RESUME, rows, &diff, err,
                            sizeof err);
        if (rc == 0 && diff && x->rank == 0)
            printf("platbench: --force-resume: resuming despite changed settings:\n%s\n", diff);
    }
    int nospace = rc == RESULTS_NOSPACE; /* the same on every rank (rank 0 decided) */
    MPI_CHECK(MPI_Allreduce(&rc, &anybad, 1, MPI_INT, MPI_LOR, x->comm));
    if (anybad) {
        if (x->rank == 0) fprintf(stderr, "platbench: %s\n", *err ? err : "failed on another rank");
        rc = nospace ? RUN_EXIT_NOSPACE : -1;
    } else if (x->rank == 0) {
        rc = queue_rows(x, output, rows, exists, t_open);
    }
done:
    free(diff);
    free(rows);
    return rc;
}

/* Collective: each rank's CPU set (cpuset.h), the threads it gives the workload (the set's
   size unless workload.threads says), every rank's host; rank 0 states the placement and
   refuses oversubscription unless allowed. 0, or -1 after saying why on rank 0. */
static int place_ranks(run_ctx *x, campaign *local) {
    char err[256] = "";
    int bad = cpus_place_compute(&x->place, x->comm, err, sizeof err) != 0;
    int anybad = 0;
    MPI_CHECK(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_LOR, x->comm));
    if (anybad) {
        if (bad) fprintf(stderr, "platbench: rank %d: CPU set: %s\n", x->rank, err);
        return -1;
    }
    if (local->threads <= 0) local->threads = x->place.n;
    x->oversub = x->place.overlap || local->threads > x->place.n;
    x->hosts = calloc((size_t)x->size, sizeof *x->hosts);
    if (x->rank == 0) {
        int N = local->n_experiments ? local->n_experiments : 1;
        x->ex_rank = malloc((size_t)N * sizeof *x->ex_rank);
        x->ex_t0 = malloc((size_t)N * sizeof *x->ex_t0);
        x->ex_t1 = malloc((size_t)N * sizeof *x->ex_t1);
        bad = !x->ex_rank || !x->ex_t0 || !x->ex_t1;
        for (int i = 0; !bad && i < local->n_experiments; i++) x->ex_rank[i] = -1;
    }
    bad |= !x->hosts;
    MPI_CHECK(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_LOR, x->comm));
    if (anybad) {
        if (x->rank == 0) fprintf(stderr, "platbench: out of memory\n");
        return -1;
    }
    MPI_CHECK(MPI_Allgather(x->host, 64, MPI_CHAR, x->hosts, 64, MPI_CHAR, x->comm));
    char mine[512], *all = x->rank == 0 ? malloc((size_t)x->size * sizeof mine) : NULL;
    snprintf(mine, sizeof mine, "rank %d on %s: CPUs %s (%d, %s), %d thread%s%s%s", x->rank, x->host,
             x->place.list, x->place.n,
             !strcmp(x->place.source, "split") ? "split by platbench" : "the launcher's binding",
             local->threads, local->threads == 1 ? "" : "s",
             local->threads > x->place.n ? " > CPUs: OVERSUBSCRIBED" : "",
             x->place.overlap ? "; CPUs shared with another rank of the host (more ranks than "
                                "CPUs): OVERSUBSCRIBED"
                              : "");
    int over = 0;
    MPI_CHECK(MPI_Allreduce(&x->oversub, &over, 1, MPI_INT, MPI_LOR, x->comm));
    MPI_CHECK(MPI_Gather(mine, sizeof mine, MPI_CHAR, all, sizeof mine, MPI_CHAR, 0, x->comm));
    if (x->rank == 0 && all) {
        printf("platbench: CPU sets (each experiment runs confined to its rank's set):\n");
        for (int r = 0; r < x->size; r++)
            if (r < 16 || r == x->size - 1)
                printf("platbench:   %s\n", all + (size_t)r * sizeof mine);
            else if (r == 16)
                printf("platbench:   ...\n");
        if (over && !local->allow_oversubscribe)
            fprintf(stderr,
                    "platbench: refused: oversubscribed (see the CPU sets above): "
                    "experiments would share CPUs, and their timings would not be comparable "
                    "with clean ones; give each rank at least workload.threads CPUs (srun "
                    "--cpus-per-task=T, mpirun --map-by slot:PE=T, fewer ranks per host), lower "
                    "workload.threads, or set allow_oversubscribe = true in %s to run anyway "
                    "(rows flagged oversubscribed)\n",
                    local->config_file);
        else if (over)
            printf("platbench: oversubscribed, allowed by allow_oversubscribe = true: those rows "
                   "are flagged oversubscribed and left out of overhead ratios\n");
        if (local->exclusive)
            printf("platbench: exclusive = true: at most one experiment per host at a time\n");
        fflush(stdout);
    }
    free(all);
    return over && !local->allow_oversubscribe ? -1 : 0;
}

static void ctx_free(run_ctx *x) {
    free(x->workdir);
    strv_free(&x->env);
    for (int m = 0; m < RESULTS_N_CURVES; m++) free(x->curves[m]);
    free(x->can);
    free(x->why);
    free(x->queue);
    free(x->attempt);
    free(x->busy);
    free(x->waiting);
    free(x->released);
    free(x->hosts);
    free(x->ex_rank);
    free(x->ex_t0);
    free(x->ex_t1);
}

/* Collective: this rank's part of the run's state (host, work folder name, CPU set, child
   environment, curve buffers, scheduler arrays, who can run what). 0, or -1 after saying
   why (on rank 0 unless only this rank knows). */
static int ctx_setup(run_ctx *x, campaign *local, const char *output) {
    MPI_CHECK(MPI_Comm_rank(x->comm, &x->rank));
    MPI_CHECK(MPI_Comm_size(x->comm, &x->size));
    x->res.file = -1;
    x->res_path = output;
    /* our messages name the file and what failed; HDF5's own stacks (one per failed call,
       per rank) buried them */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    strv_init(&x->env);
    if (gethostname(x->host, sizeof x->host)) snprintf(x->host, sizeof x->host, "unknown");
    x->host[sizeof x->host - 1] = '\0';
    int bad = asprintf(&x->workdir, "%s.d", output) < 0;
    if (bad) x->workdir = NULL;
    if (place_ranks(x, local)) return -1;
    bad |= launch_env_build(&x->env, local->threads) != 0;
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        x->curves[m] = malloc((size_t)local->steps * sizeof(double));
        bad |= !x->curves[m];
    }
    x->busy = malloc((size_t)x->size * sizeof *x->busy);
    x->waiting = calloc((size_t)x->size, sizeof *x->waiting);
    x->released = calloc((size_t)x->size, sizeof *x->released);
    bad |= !x->busy || !x->waiting || !x->released;
    for (int r = 0; !bad && r < x->size; r++) x->busy[r] = -1;
    int anybad = 0;
    MPI_CHECK(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_LOR, x->comm));
    if (anybad || gather_capabilities(x)) {
        if (x->rank == 0) fprintf(stderr, "platbench: out of memory\n");
        return -1;
    }
    return 0;
}

/* Collective: rank 0 claims the results file for this campaign (one campaign per file),
   creating its folder first (-o out/new.h5 creates out/; the claim lives in it). 0 when
   held, -1 after saying why. */
static int claim_file(run_ctx *x, const char *output, int flags) {
    int held = 0;
    if (x->rank == 0) {
        char msg[2048];
        char *parent = strdup(output), *slash = parent ? strrchr(parent, '/') : NULL;
        if (slash && slash != parent) {
            *slash = '\0';
            if (pb_mkdir_p(parent))
                fprintf(stderr, "platbench: cannot create %s: %s\n", parent, strerror(errno));
        }
        free(parent);
        held = claim_acquire(&x->claim, output, x->c->config_file, flags & RUN_FORCE_CLAIM, msg, sizeof msg);
        if (held)
            fprintf(stderr, "platbench: %s\n", msg);
        else if (msg[0])
            printf("platbench: %s\n", msg);
        fflush(stdout);
    }
    MPI_CHECK(MPI_Bcast(&held, 1, MPI_INT, 0, x->comm));
    return held ? -1 : 0;
}

/* Before an abort for a failed MPI call (mpi_check.h): the claim goes, so the next run
   need not wait for it to go stale. Rank-local: no collective call. */
static void abort_cleanup(void *arg) {
    run_ctx *x = arg;
    claim_release(&x->claim);
}

/* Collective, after the schedule: the run's exit code, decided on rank 0 from every rank's
   signal, out-of-space and failures. */
static int decide_outcome(run_ctx *x) {
    int sig = run_stop_signal != 0, anysig = 0, anynospace = 0;
    MPI_CHECK(MPI_Allreduce(&sig, &anysig, 1, MPI_INT, MPI_LOR, x->comm));
    MPI_CHECK(MPI_Allreduce(&x->nospace, &anynospace, 1, MPI_INT, MPI_LOR, x->comm));
    int code = RUN_EXIT_OK;
    if (x->rank == 0) {
        if (anynospace)
            code = RUN_EXIT_NOSPACE;
        else if (x->stopping || anysig)
            code = RUN_EXIT_INTERRUPTED;
        /* skipped platforms (this allocation cannot run them) are no failure: 0 when
         * everything that can run here is done */
        else if (x->n_failed > 0 || x->n_failed_before > 0 || x->n_done < x->n_todo)
            code = RUN_EXIT_FAILURES;
    }
    MPI_CHECK(MPI_Bcast(&code, 1, MPI_INT, 0, x->comm));
    return code;
}

/* Rank 0: the closing summary of the run. */
static void print_summary(const run_ctx *x, const char *output, int code, results_state state) {
    const campaign *c = x->c;
    printf("\nplatbench: %s after %.1f s: %d done, %d failed, %d interrupted, %d retried "
           "(of %d to run)\n",
           results_state_name(state), time_mono() - x->t_start, x->n_done, x->n_failed, x->n_interrupted,
           x->n_retried, x->n_todo);
    if (x->n_failed_before > 0)
        printf("platbench: %d experiment%s failed in earlier runs with every retry used\n",
               x->n_failed_before, x->n_failed_before == 1 ? "" : "s");
    if (x->n_skipped > 0) {
        printf("platbench: %d experiment%s skipped: this allocation cannot run their platform\n",
               x->n_skipped, x->n_skipped == 1 ? "" : "s");
        for (int p = 0; p < c->n_platforms; p++)
            if (!platform_runnable(x, p))
                printf("platbench:   %s: %s\n", c->platforms[p].conf.name, x->why[p]);
    }
    printf("platbench: results in %s (work folders in %s)\n", output, x->workdir);
    if (code == RUN_EXIT_INTERRUPTED)
        printf("platbench: interrupted: run the same command again to resume the rest\n");
    else if (code == RUN_EXIT_NOSPACE)
        printf("platbench: stopped: out of space (%s); free space and run the same command "
               "again to resume the rest (exit status %d)\n",
               x->nospace_note[0] ? x->nospace_note : "on another rank", RUN_EXIT_NOSPACE);
    else if (code == RUN_EXIT_FAILURES)
        printf("platbench: some experiments failed: see `platbench status %s`;"
               " rerunning the same command retries failed ones while attempt < 1 + retries\n",
               output);
    printf("platbench: report: platbench report %s\n", output);
    fflush(stdout);
}

/* Collective, after the schedule: the file's state, closed, and the summary; the exit code. */
static int finish_run(run_ctx *x, const char *output) {
    int anylost = 0;
    MPI_CHECK(MPI_Allreduce(&x->lost, &anylost, 1, MPI_INT, MPI_LOR, x->comm));
    if (anylost) {
        /* another campaign owns the file now: close it without writing our state (and
           without cutting it to our end of allocation: see results_open) */
        if (x->rank == 0) {
            printf("\nplatbench: stopped after %.1f s: the claim on %s was taken over (%s); this "
                   "run left the file to it\n",
                   time_mono() - x->t_start, output, x->claim.lost);
            fflush(stdout);
        }
        results_abandon(&x->res);
        return RUN_EXIT_INTERRUPTED;
    }
    int code = decide_outcome(x);
    results_state state =
        code == RUN_EXIT_INTERRUPTED || code == RUN_EXIT_NOSPACE ? RESULTS_INTERRUPTED : RESULTS_COMPLETE;
    if (results_finish(&x->res, state)) {
        if (x->rank == 0) fprintf(stderr, "platbench: closing %s failed\n", output);
        if (code == RUN_EXIT_OK) code = RUN_EXIT_ERROR;
    }
    claim_release(&x->claim);
    if (x->rank == 0) print_summary(x, output, code, state);
    return code;
}

int run_campaign(const campaign *c, const char *output, int flags, MPI_Comm comm) {
    run_ctx x;
    memset(&x, 0, sizeof x);
    campaign local = *c; /* the same, with threads resolved for this rank (place_ranks) */
    x.c = &local;
    x.comm = comm;
    int code = RUN_EXIT_ERROR;
    if (ctx_setup(&x, &local, output) || claim_file(&x, output, flags)) goto done;
    mpi_check_on_fail(abort_cleanup, &x);
    int orc = open_results(&x, output, flags);
    if (orc) {
        if (orc == RUN_EXIT_NOSPACE) code = RUN_EXIT_NOSPACE;
        goto done;
    }
    x.t_start = time_mono();
    if (x.rank == 0)
        schedule_rank0(&x);
    else
        schedule_worker(&x);
    code = finish_run(&x, output);
done:
    mpi_check_on_fail(NULL, NULL);
    claim_release(&x.claim);
    ctx_free(&x);
    return code;
}
