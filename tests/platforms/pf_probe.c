/* pf_probe: a tiny workload for the platforms tests (not platbench-cnn): shows what a
 * launch sees inside a platform, fast enough to boot in a TCG VM many times.
 *
 *   pf_probe [--read FILE]... [--write FILE TEXT] [--sleep S] [--exit N] [--hello]
 *
 * Prints the PLATBENCH_MARK lines on stderr like the workload, only when its environment
 * has PLATBENCH_MARKERS=1 (so the platforms tests see that every platform passes it), and on stdout one
 * "key=value" line each: uid, gid, cpus_seen (sched_getaffinity), openblas_threads
 * (OPENBLAS_NUM_THREADS or "unset"), root_writable (can / be written), cwd, argc and
 * each argument (arg1=..., to check that arguments arrive intact), the first line of
 * each --read FILE ("read=<path>:<line>"); --write creates FILE with TEXT; --sleep waits S
 * seconds (for timeout tests). --hello
 * prints only "hello" (for start-up timing). Exit status: N from --exit (default 0),
 * 3 if a read or write failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int markers; /* PLATBENCH_MARKERS=1 in the environment */

int main(int argc, char **argv) {
    const char *mk = getenv("PLATBENCH_MARKERS");
    markers = mk && !strcmp(mk, "1");
    if (markers) fprintf(stderr, "PLATBENCH_MARK workload_start\n");
    fflush(stderr);
    int code = 0, hello = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--hello") == 0) hello = 1;
    if (hello) {
        printf("hello\n");
        fflush(stdout);
        if (markers) fprintf(stderr, "PLATBENCH_MARK workload_end\n");
        return 0;
    }
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
    const char *obt = getenv("OPENBLAS_NUM_THREADS");
    char cwd[4096];
    FILE *probe = fopen("/.pf_probe_root_test", "w");
    if (probe) {
        fclose(probe);
        remove("/.pf_probe_root_test");
    }
    printf("uid=%u\ngid=%u\ncpus_seen=%d\nopenblas_threads=%s\nroot_writable=%d\ncwd=%s\nargc=%d\n",
           (unsigned)getuid(), (unsigned)getgid(), cpus, obt ? obt : "unset", probe != NULL,
           getcwd(cwd, sizeof cwd) ? cwd : "?", argc);
    for (int i = 1; i < argc; i++) printf("arg%d=%s\n", i, argv[i]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--read") == 0 && i + 1 < argc) {
            const char *p = argv[++i];
            char line[256] = "";
            FILE *f = fopen(p, "r");
            if (!f || !fgets(line, sizeof line, f)) {
                printf("read=%s:ERROR %s\n", p, strerror(errno));
                code = 3;
            } else {
                line[strcspn(line, "\n")] = '\0';
                printf("read=%s:%s\n", p, line);
            }
            if (f) fclose(f);
        } else if (strcmp(argv[i], "--write") == 0 && i + 2 < argc) {
            const char *p = argv[++i], *text = argv[++i];
            FILE *f = fopen(p, "w");
            if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
                printf("write=%s:ERROR %s\n", p, strerror(errno));
                code = 3;
            } else {
                printf("write=%s:ok\n", p);
            }
        } else if (strcmp(argv[i], "--sleep") == 0 && i + 1 < argc) {
            fflush(stdout);
            sleep((unsigned)atoi(argv[++i]));
        } else if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc && code == 0) {
            code = atoi(argv[++i]);
        }
    }
    fflush(stdout);
    if (markers) fprintf(stderr, "PLATBENCH_MARK workload_end\n");
    return code;
}
