/* claim: one campaign per results file at a time (see claim.h). */
#define _GNU_SOURCE
#include "runner/claim.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/timing.h"
#include "runner/launch.h"

extern char **environ;

/* The heartbeat period: PLATBENCH_CLAIM_INTERVAL_S (0.2 .. 3600) or CLAIM_INTERVAL_S. */
static double claim_interval(void) {
    const char *e = getenv("PLATBENCH_CLAIM_INTERVAL_S");
    double v = e ? strtod(e, NULL) : 0;
    return v >= 0.2 && v <= 3600 ? v : CLAIM_INTERVAL_S;
}

typedef struct claim_info {
    char host[256];    /* holder's host */
    long pid;          /* holder's pid (rank 0) */
    char job[64];      /* Slurm job id, "" outside Slurm */
    double start_unix; /* when it was claimed */
    double beat_unix;  /* last heartbeat */
    double interval;   /* its heartbeat period */
    char token[320];   /* unique to the holding run */
    char raw[8192];    /* the whole file */
} claim_info;

static void utc(double t, char *buf, size_t n) {
    time_t s = (time_t)t;
    struct tm tm;
    if (isnan(t) || !gmtime_r(&s, &tm))
        snprintf(buf, n, "?");
    else
        strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* Reads and parses a claim file; 0, or -1 (errno ENOENT when there is none). */
static int claim_read(const char *path, claim_info *ci) {
    memset(ci, 0, sizeof *ci);
    ci->start_unix = ci->beat_unix = NAN;
    ci->interval = CLAIM_INTERVAL_S;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t got = read(fd, ci->raw, sizeof ci->raw - 1);
    close(fd);
    if (got < 0) return -1;
    ci->raw[got] = '\0';
    for (char *line = ci->raw; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char key[64], val[512];
        char buf[640];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 639 ? len : 639), line);
        if (buf[0] != '#' && sscanf(buf, "%63s = %511[^\n]", key, val) == 2) {
            if (!strcmp(key, "host"))
                snprintf(ci->host, sizeof ci->host, "%.255s", val);
            else if (!strcmp(key, "pid"))
                ci->pid = strtol(val, NULL, 10);
            else if (!strcmp(key, "slurm_job_id"))
                snprintf(ci->job, sizeof ci->job, "%.63s", val);
            else if (!strcmp(key, "start_unix"))
                ci->start_unix = strtod(val, NULL);
            else if (!strcmp(key, "heartbeat_unix"))
                ci->beat_unix = strtod(val, NULL);
            else if (!strcmp(key, "heartbeat_interval_s"))
                ci->interval = strtod(val, NULL);
            else if (!strcmp(key, "token"))
                snprintf(ci->token, sizeof ci->token, "%.319s", val);
        }
        if (!end) break;
        line = end + 1;
    }
    if (!(ci->interval > 0)) ci->interval = CLAIM_INTERVAL_S;
    return 0;
}

/* Is the holder's process a live platbench on this host? */
static int pid_alive(long pid) {
    if (pid <= 0) return 0;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return 0;
    char p[64], stat[512] = "";
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    FILE *f = fopen(p, "r");
    if (!f) return 1; /* no /proc: trust kill() */
    if (!fgets(stat, sizeof stat, f)) stat[0] = '\0';
    fclose(f);
    /* "pid (comm) S ...": a zombie (killed, not reaped yet) holds nothing any more */
    const char *close_paren = strrchr(stat, ')');
    if (!close_paren || close_paren[1] != ' ' || strchr("ZX", close_paren[2])) return 0;
    return strncmp(stat + strcspn(stat, "(") + 1, "platbench", 9) == 0;
}

/* Slurm's word on a job: 1 gone or finished, 0 still there, -1 unknown (no Slurm here). */
static int slurm_job_gone(const char *job) {
    char *const argv[] = {"squeue", "-h", "-j", (char *)job, "-o", "%T", NULL};
    launch_spec spec = {.argv = argv, .envp = environ, .timeout_s = 15, .kill_grace_s = 1, .poll_ms = 50};
    launch_result *lr = calloc(1, sizeof *lr);
    if (!lr) return -1;
    int rc = -1;
    if (launch_run(&spec, lr) == 0 && !lr->timed_out) {
        char state[64] = "";
        sscanf(lr->stdout_tail, "%63s", state);
        if (strstr(lr->stderr_tail, "Invalid job id"))
            rc = 1;
        else if (lr->exit_code != 0)
            rc = -1;
        else if (!state[0])
            rc = 1;
        else {
            static const char *const ended[] = {"COMPLETED", "CANCELLED", "FAILED",        "TIMEOUT",
                                                "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL",
                                                "DEADLINE",  NULL};
            rc = 0;
            for (int i = 0; ended[i]; i++)
                if (!strcmp(state, ended[i])) rc = 1;
        }
    }
    free(lr);
    return rc;
}

/* 1 stale (why says why), 0 live (why says why it counts as live). */
static int claim_judge(const claim_info *ci, char *why, size_t n) {
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    double age = time_unix() - ci->beat_unix;
    if (!strcmp(ci->host, host)) {
        if (!pid_alive(ci->pid)) {
            snprintf(why, n, "stale: process %ld is gone from %s", ci->pid, host);
            return 1;
        }
        snprintf(why, n, "live: process %ld runs on this host", ci->pid);
        return 0;
    }
    if (isnan(ci->beat_unix) || age > CLAIM_STALE_INTERVALS * ci->interval) {
        snprintf(why, n, "stale: no heartbeat for %.0f s (more than %d x %g s)", age, CLAIM_STALE_INTERVALS,
                 ci->interval);
        return 1;
    }
    const char *myjob = getenv("SLURM_JOB_ID");
    if (ci->job[0] && !(myjob && !strcmp(myjob, ci->job)) && slurm_job_gone(ci->job) == 1) {
        snprintf(why, n, "stale: Slurm job %s is gone (squeue)", ci->job);
        return 1;
    }
    snprintf(why, n, "live: heartbeat %.0f s ago from %s", age < 0 ? 0 : age, ci->host);
    return 0;
}

static void who(const claim_info *ci, char *buf, size_t n) {
    char since[64], beat[64];
    utc(ci->start_unix, since, sizeof since);
    utc(ci->beat_unix, beat, sizeof beat);
    snprintf(buf, n, "host %s pid %ld%s%s since %s (last heartbeat %s)", ci->host, ci->pid,
             ci->job[0] ? " Slurm job " : "", ci->job, since, beat);
}

/* Writes text + a heartbeat line to fd. */
static int write_all(int fd, const char *text, double now) {
    char beat[128];
    snprintf(beat, sizeof beat, "heartbeat_unix = %.3f\n", now);
    size_t a = strlen(text), b = strlen(beat);
    if (write(fd, text, a) != (ssize_t)a || write(fd, beat, b) != (ssize_t)b) return -1;
    return 0;
}

int claim_acquire(claim *cl, const char *output, const char *config, int force, char *msg, size_t n) {
    memset(cl, 0, sizeof *cl);
    msg[0] = '\0';
    snprintf(cl->path, sizeof cl->path, "%s.claim", output);
    cl->interval = claim_interval();
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    double now = time_unix();
    const char *job = getenv("SLURM_JOB_ID");
    snprintf(cl->token, sizeof cl->token, "%s:%ld:%.6f", host, (long)getpid(), now);
    char took[1200] = "";
    for (int attempt = 0; attempt < 3; attempt++) {
        char start[64];
        utc(now, start, sizeof start);
        snprintf(cl->text, sizeof cl->text,
                 "# platbench: a campaign runs into %s; `platbench status` shows this claim.\n"
                 "# Remove it only if that campaign is surely gone (or run with --force).\n"
                 "host = %s\npid = %ld\nslurm_job_id = %s\nstart = %s\nstart_unix = %.3f\n"
                 "heartbeat_interval_s = %g\nconfig = %s\ntoken = %s\n%s%s%s",
                 output, host, (long)getpid(), job ? job : "", start, now, cl->interval, config, cl->token,
                 took[0] ? "took_over = " : "", took, took[0] ? "\n" : "");
        int fd = open(cl->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            int bad = write_all(fd, cl->text, now) || fsync(fd) != 0;
            int e = errno;
            if (close(fd) != 0) bad = 1;
            if (bad) {
                unlink(cl->path);
                snprintf(msg, n, "%s: cannot write the campaign claim: %s", cl->path, strerror(e));
                return -1;
            }
            cl->held = 1;
            cl->last_beat = time_mono();
            if (took[0]) snprintf(msg, n, "took over the claim on %s: %s", output, took);
            return 0;
        }
        if (errno != EEXIST) {
            snprintf(msg, n,
                     "%s: cannot create the campaign claim: %s; expected a writable "
                     "folder",
                     cl->path, strerror(errno));
            return -1;
        }
        claim_info ci;
        if (claim_read(cl->path, &ci) != 0) continue; /* released meanwhile: try again */
        char why[512], w[512];
        int stale = claim_judge(&ci, why, sizeof why);
        who(&ci, w, sizeof w);
        if (!stale && !force) {
            snprintf(msg, n,
                     "%s is in use by another campaign: %s; %s. Wait for it to end, or "
                     "if it is surely gone run again with --force (the claim is %s)",
                     output, w, why, cl->path);
            return 1;
        }
        /* take it over: move the judged claim away, and check that it was that one */
        char aside[4300];
        snprintf(aside, sizeof aside, "%s.stale", cl->path);
        if (rename(cl->path, aside) != 0) continue;
        claim_info moved;
        if (claim_read(aside, &moved) == 0 && strcmp(moved.token, ci.token) != 0) {
            /* another run took it over between our read and our rename: give it back */
            if (link(aside, cl->path) == 0) unlink(aside);
            snprintf(msg, n, "%s: another campaign claimed it at the same moment: %s", output, moved.host);
            return 1;
        }
        char at[64];
        utc(now, at, sizeof at);
        snprintf(took, sizeof took, "%s (%s%s) at %s", w, force && !stale ? "--force; " : "", why, at);
    }
    snprintf(msg, n, "%s: cannot take the campaign claim (it changes under us)", cl->path);
    return -1;
}

int claim_heartbeat(claim *cl, double now_mono) {
    if (!cl->held || now_mono - cl->last_beat < cl->interval) return 0;
    cl->last_beat = now_mono;
    claim_info ci;
    if (claim_read(cl->path, &ci) != 0) {
        if (errno != ENOENT) return 0; /* unreadable for a moment (NFS): try next time */
        /* removed by hand: still ours unless another run created one meanwhile */
        int fd = open(cl->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            write_all(fd, cl->text, time_unix());
            close(fd);
            return 0;
        }
        if (claim_read(cl->path, &ci) != 0) return 0;
    }
    if (strcmp(ci.token, cl->token) != 0) {
        who(&ci, cl->lost, sizeof cl->lost);
        cl->held = 0;
        return 1;
    }
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", cl->path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return 0; /* e.g. a full disk: the old heartbeat stays */
    int bad = write_all(fd, cl->text, time_unix());
    if (close(fd) != 0) bad = 1;
    if (bad || rename(tmp, cl->path) != 0) unlink(tmp);
    return 0;
}

void claim_release(claim *cl) {
    if (!cl->held) return;
    claim_info ci;
    if (claim_read(cl->path, &ci) == 0 && !strcmp(ci.token, cl->token)) unlink(cl->path);
    cl->held = 0;
}

int claim_describe(const char *output, char *buf, size_t n) {
    char path[4200];
    snprintf(path, sizeof path, "%s.claim", output);
    claim_info ci;
    if (claim_read(path, &ci) != 0) return 0;
    char w[512], why[512];
    who(&ci, w, sizeof w);
    claim_judge(&ci, why, sizeof why);
    snprintf(buf, n, "claimed by %s: %s", w, why);
    return 1;
}
