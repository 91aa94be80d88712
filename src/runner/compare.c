/* compare: runs analysis/compare.py for `platbench compare` (see compare.h). */
#define _GNU_SOURCE
#include "runner/compare.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PLATBENCH_SOURCE_DIR
#define PLATBENCH_SOURCE_DIR ""
#endif

int compare_find_script(const char *name, char *buf, size_t n) {
    const char *share = getenv("PLATBENCH_SHARE");
    if (share && *share) {
        snprintf(buf, n, "%s/analysis/%s", share, name);
        if (access(buf, R_OK) == 0) return 0;
    }
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        snprintf(buf, n, "%s/../share/platbench/analysis/%s", dirname(exe), name);
        if (access(buf, R_OK) == 0) return 0;
    }
    if (*PLATBENCH_SOURCE_DIR) {
        snprintf(buf, n, "%s/analysis/%s", PLATBENCH_SOURCE_DIR, name);
        if (access(buf, R_OK) == 0) return 0;
    }
    return -1;
}

int compare_main(int argc, char **argv) {
    char script[4200];
    if (compare_find_script("compare.py", script, sizeof script)) {
        fprintf(stderr,
                "platbench compare: analysis/compare.py not found (looked in "
                "$PLATBENCH_SHARE/analysis, <bin>/../share/platbench/analysis and %s/analysis); "
                "install platbench (cmake --install) or set PLATBENCH_SHARE\n",
                *PLATBENCH_SOURCE_DIR ? PLATBENCH_SOURCE_DIR : "(no source tree)");
        return 2;
    }
    const char *py = getenv("PLATBENCH_PYTHON");
    if (!py || !*py) py = "/usr/bin/python3";
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (!args) {
        fprintf(stderr, "platbench compare: out of memory\n");
        return 2;
    }
    args[0] = (char *)py;
    args[1] = script;
    for (int i = 2; i < argc; i++) args[i] = argv[i]; /* A B [--out DIR] ... verbatim */
    fflush(stdout);
    execv(py, args); /* no shell: the user's values stay argv items */
    fprintf(stderr,
            "platbench compare: cannot run %s %s: %s; set PLATBENCH_PYTHON to a python3 "
            "with h5py, numpy, pandas and matplotlib\n",
            py, script, strerror(errno));
    free(args);
    return 2;
}
