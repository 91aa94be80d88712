/* test_spawn: the one spawner. Output of both streams reaches the sink with one EOF call
 * each, the exit status comes back, stdin is /dev/null, a missing program is refused with
 * its name, and spawn_close on a group leader kills the process tree it started. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/spawn.h"
#include "tests/common/check.h"

/* 1 if pid is gone or a zombie (killed, waiting for whoever reaps orphans here). */
static int dead(int pid) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

typedef struct seen {
    char text[2][256]; /* stdout, stderr */
    size_t len[2];
    int eofs[2]; /* EOF calls per stream */
} seen;

static void sink(void *arg, int stream, const char *buf, size_t n) {
    seen *s = arg;
    int i = stream - 1;
    if (!n) {
        s->eofs[i]++;
        return;
    }
    size_t take = n < sizeof s->text[i] - 1 - s->len[i] ? n : sizeof s->text[i] - 1 - s->len[i];
    memcpy(s->text[i] + s->len[i], buf, take);
    s->len[i] += take;
}

/* Reads until both pipes are at EOF (at most 10 s); then reaps. Returns the wait status. */
static int run_to_end(spawn_proc *p, seen *s) {
    for (int i = 0; i < 1000 && spawn_open(p) > 0; i++) spawn_poll(p, 10, 0, sink, s);
    int st = -1;
    CHECK(spawn_reap(p, &st, NULL) == 0);
    spawn_close(p);
    return st;
}

int main(void) {
    char err[256];
    spawn_proc p;
    seen s;

    /* both streams, status, stdin /dev/null (cat prints nothing and ends) */
    memset(&s, 0, sizeof s);
    const char *sh[] = {"/bin/sh", "-c", "cat; echo out; echo err >&2; exit 3", NULL};
    CHECK(spawn_start(sh, NULL, &p, err, sizeof err) == 0);
    int st = run_to_end(&p, &s);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    CHECK(strcmp(s.text[0], "out\n") == 0 && strcmp(s.text[1], "err\n") == 0);
    CHECK(s.eofs[0] == 1 && s.eofs[1] == 1);

    /* a missing program: refused, named, nothing left open */
    const char *none[] = {"no-such-program-platbench", NULL};
    CHECK(spawn_start(none, NULL, &p, err, sizeof err) == -1 && strstr(err, "no-such-program-platbench") &&
          p.pid == -1 && p.fd[0] == -1 && p.fd[1] == -1);

    /* a group leader whose child outlives it in the group: spawn_close kills the group */
    spawn_opts grp = {NULL, -1, -1, 1};
    const char *tree[] = {"/bin/sh", "-c", "sleep 30 & echo $!; wait", NULL};
    memset(&s, 0, sizeof s);
    CHECK(spawn_start(tree, &grp, &p, err, sizeof err) == 0);
    for (int i = 0; i < 500 && !strchr(s.text[0], '\n'); i++) spawn_poll(&p, 10, 0, sink, &s);
    int child = 0;
    CHECK(sscanf(s.text[0], "%d", &child) == 1 && child > 0);
    CHECK(getpgid(p.pid) == p.pid); /* its own process group */
    spawn_close(&p);
    CHECK(p.pid == -1 && p.fd[0] == -1 && p.fd[1] == -1 && p.pidfd == -1);
    int gone = 0; /* the sleep was killed with its group (an orphan: a zombie until reaped) */
    for (int i = 0; i < 200 && !gone; i++) {
        gone = dead(child);
        if (!gone) nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    CHECK(gone);

    return check_done("test_spawn");
}
