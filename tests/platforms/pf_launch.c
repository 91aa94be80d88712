/* pf_launch: drives one platform table the way the runner does, for the platforms
 * tests and tests/platforms/bench_platforms.sh: fills a platform_conf (the options'
 * defaults, then KEY=VALUE pairs), runs check/describe, builds the launch argv,
 * calls stage_in, spawns it (no shell, own process group, stdout passed through, stderr
 * passed through and its end kept), waits (a timeout kills the group), calls stage_out and
 * cleanup, and exits with the launch's exit status. When the platform says a non-zero
 * status is its own failure (failure_reason), prints "pf_launch: platform failure: MSG".
 * Stage failures print "pf_launch: stage-in: MSG" / "stage-out: MSG" and exit 2.
 *
 *   pf_launch --kind K [-o KEY=VALUE]... [--read PATH]... [--write DIR] [--id ID]
 *             [--threads N] [--timeout S] [--check] [--describe] [--print-argv]
 *             [--] WORKLOAD [ARGS...]
 *
 * --check / --describe alone (no WORKLOAD) print the result and exit 0 when the
 * platform can run (1 otherwise). Exit: the launch's status, 128+signal, 124 on timeout,
 * 2 on usage or platform errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platforms/platform.h"

extern char **environ;

static int usage(const char *msg) {
    fprintf(stderr,
            "pf_launch: %s\nusage: pf_launch --kind K [-o KEY=VALUE]... [--read PATH]... "
            "[--write DIR] [--id ID] [--threads N] [--timeout S] [--check] [--describe] "
            "[--print-argv] [--] WORKLOAD [ARGS...]\n",
            msg);
    return 2;
}

int main(int argc, char **argv) {
    const char *kind = NULL, *write_dir = NULL, *id = "pf-launch";
    const char *reads[64];
    int nread = 0, threads = 1, do_check = 0, do_describe = 0, print_argv = 0;
    double timeout = 600;
    platform_conf pc = {0};
    const char *ovk[PLATFORM_MAX_OPTIONS], *ovv[PLATFORM_MAX_OPTIONS];
    int nov = 0, i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--kind") == 0 && i + 1 < argc) {
            kind = argv[++i];
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            char *kv = argv[++i], *eq = strchr(kv, '=');
            if (!eq || nov == PLATFORM_MAX_OPTIONS) return usage("-o expects KEY=VALUE");
            *eq = '\0';
            ovk[nov] = kv;
            ovv[nov++] = eq + 1;
        } else if (strcmp(a, "--read") == 0 && i + 1 < argc && nread < 63) {
            reads[nread++] = argv[++i];
        } else if (strcmp(a, "--write") == 0 && i + 1 < argc) {
            write_dir = argv[++i];
        } else if (strcmp(a, "--id") == 0 && i + 1 < argc) {
            id = argv[++i];
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            threads = atoi(argv[++i]);
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            timeout = atof(argv[++i]);
        } else if (strcmp(a, "--check") == 0) {
            do_check = 1;
        } else if (strcmp(a, "--describe") == 0) {
            do_describe = 1;
        } else if (strcmp(a, "--print-argv") == 0) {
            print_argv = 1;
        } else if (a[0] == '-') {
            return usage("unknown option");
        } else {
            break;
        }
    }
    reads[nread] = NULL;
    const platform_ops *ops = platform_find(kind);
    if (!ops) return usage("unknown or missing --kind");
    /* the campaign parser's job: every key of the table, defaults filled in */
    pc.name = kind;
    pc.kind = kind;
    for (const platform_option *o = ops->options; o->key; o++) {
        const char *v = o->default_val;
        for (int k = 0; k < nov; k++)
            if (strcmp(ovk[k], o->key) == 0) v = ovv[k];
        if (!v && o->required) {
            fprintf(stderr, "pf_launch: option %s is required for kind %s\n", o->key, kind);
            return 2;
        }
        pc.keys[pc.n_opts] = o->key;
        pc.values[pc.n_opts++] = v ? v : "";
    }
    for (int k = 0; k < nov; k++) {
        int known = 0;
        for (const platform_option *o = ops->options; o->key; o++) known |= strcmp(ovk[k], o->key) == 0;
        if (!known) {
            fprintf(stderr, "pf_launch: kind %s has no option %s\n", kind, ovk[k]);
            return 2;
        }
    }
    char why[1024];
    if (do_check) {
        if (ops->check(&pc, why, sizeof why)) {
            printf("check: %s\n", why);
            return 1;
        }
        printf("check: ok\n");
    }
    if (do_describe) {
        platform_info info;
        if (ops->describe(&pc, &info, why, sizeof why)) {
            printf("describe: error: %s\n", why);
            return 1;
        }
        printf("runtime_version=%s\nimage_id=%s\ndetail=%s\n", info.runtime_version, info.image_id,
               info.detail);
    }
    fflush(stdout);
    if (i >= argc) return (do_check || do_describe) ? 0 : usage("no workload");
    const char *base = strrchr(argv[i], '/');
    launch_request rq = {
        .workload_argv = (const char *const *)argv + i,
        .workload_name = base ? base + 1 : argv[i],
        .read_paths = reads,
        .write_dir = write_dir,
        .id = id,
        .threads = threads,
        .markers = 1,
    };
    strv cmd;
    strv_init(&cmd);
    if (ops->build_argv(&pc, &rq, &cmd, why, sizeof why)) {
        fprintf(stderr, "pf_launch: %s\n", why);
        strv_free(&cmd);
        return 2;
    }
    if (print_argv) {
        for (size_t k = 0; k < cmd.len; k++) fprintf(stderr, "argv[%zu]=%s\n", k, cmd.items[k]);
    }
    if (ops->stage_in && ops->stage_in(&pc, &rq, why, sizeof why)) {
        fprintf(stderr, "pf_launch: stage-in: %s\n", why);
        if (ops->cleanup) ops->cleanup(&pc, &rq);
        strv_free(&cmd);
        return 2;
    }
    int ep[2];
    if (pipe(ep)) return 2;
    posix_spawnattr_t at;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
    posix_spawn_file_actions_addclose(&fa, ep[0]);
    pid_t pid;
    setenv("PLATBENCH_MARKERS", "1", 1); /* as the runner's launch environment: bare inherits it */
    int e = posix_spawnp(&pid, cmd.items[0], &fa, &at, cmd.items, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    close(ep[1]);
    fcntl(ep[0], F_SETFL, O_NONBLOCK);
    char tail[2048] = "";
    size_t tlen = 0;
    if (e) {
        fprintf(stderr, "pf_launch: cannot run %s: %s\n", cmd.items[0], strerror(e));
        if (ops->cleanup) ops->cleanup(&pc, &rq);
        strv_free(&cmd);
        return 2;
    }
    int st = 0, timed_out = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        char buf[1024];
        ssize_t n;
        while ((n = read(ep[0], buf, sizeof buf)) > 0) { /* relay stderr, keep its end */
            if (write(2, buf, (size_t)n) < 0) break;
            if (tlen + (size_t)n >= sizeof tail) tlen = 0;
            if ((size_t)n < sizeof tail)
                memcpy(tail + tlen, buf, (size_t)n), tlen += (size_t)n, tail[tlen] = '\0';
        }
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            while ((n = read(ep[0], buf, sizeof buf)) > 0)
                if (write(2, buf, (size_t)n) < 0 || tlen + (size_t)n >= sizeof tail)
                    break;
                else
                    memcpy(tail + tlen, buf, (size_t)n), tlen += (size_t)n, tail[tlen] = '\0';
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 > timeout) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            timed_out = 1;
            break;
        }
        usleep(2000);
    }
    close(ep[0]);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    char msg[1024];
    if (!timed_out && code != 0 && WIFEXITED(st) && ops->failure_reason &&
        ops->failure_reason(&pc, code, tail, msg, sizeof msg))
        fprintf(stderr, "pf_launch: platform failure: %s\n", msg);
    int stage_bad = !timed_out && ops->stage_out && ops->stage_out(&pc, &rq, why, sizeof why);
    if (stage_bad) fprintf(stderr, "pf_launch: stage-out: %s\n", why);
    if (ops->cleanup) ops->cleanup(&pc, &rq);
    strv_free(&cmd);
    if (stage_bad && code == 0) return 2;
    if (timed_out) {
        fprintf(stderr, "pf_launch: timeout after %g s: killed\n", timeout);
        return 124;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
