/* iosafe: MPI-IO / HDF5 settings for shared file systems (see iosafe.h). */
#define _GNU_SOURCE
#include "runner/iosafe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct iosafe_var {
    const char *name;  /* environment variable */
    const char *value; /* platbench's default */
    int set_by_us;     /* iosafe_apply() set it */
} iosafe_var;

static iosafe_var vars[] = {
    {"OMPI_MCA_sharedfp", "^lockedfile,individual", 0},
    {"HDF5_USE_FILE_LOCKING", "FALSE", 0},
};
enum { N_VARS = sizeof vars / sizeof vars[0] };

void iosafe_apply(void) {
    const char *io = getenv("OMPI_MCA_io");
    int romio = io && strstr(io, "romio") && io[0] != '^'; /* OMPIO not used: nothing to avoid */
    for (int i = 0; i < N_VARS; i++) {
        if (getenv(vars[i].name)) continue;
        if (i == 0 && romio) continue;
        if (setenv(vars[i].name, vars[i].value, 0) == 0) vars[i].set_by_us = 1;
    }
}

void iosafe_describe(char *buf, size_t n) {
    const char *io = getenv("OMPI_MCA_io");
    int romio = io && strstr(io, "romio") && io[0] != '^';
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_VARS && o < n; i++) {
        const char *v = getenv(vars[i].name);
        const char *who = vars[i].set_by_us ? "platbench default"
                          : v               ? "from the environment"
                          : i == 0 && romio ? "not needed: OMPI_MCA_io selects ROMIO"
                                            : "not set";
        o += (size_t)snprintf(buf + o, n - o, "%s%s=%s (%s)", i ? "; " : "", vars[i].name, v ? v : "", who);
    }
    if (io && o < n) snprintf(buf + o, n - o, "; OMPI_MCA_io=%s (from the environment)", io);
}
