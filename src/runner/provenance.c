/* provenance: gather and broadcast the run's provenance strings (see provenance.h). */
#define _GNU_SOURCE
#include "runner/provenance.h"

#include <dlfcn.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "runner/iosafe.h"
#include "common/mpi_check.h"
#include "common/version.h"

int provenance_add(provenance *p, const char *key, const char *value) {
    if (p->n >= PROVENANCE_MAX) return -1;
    char *k = strdup(key), *v = strdup(value ? value : "");
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    p->keys[p->n] = k;
    p->values[p->n++] = v;
    return 0;
}

const char *provenance_get(const provenance *p, const char *key) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], key) == 0) return p->values[i];
    return NULL;
}

void provenance_free(provenance *p) {
    for (int i = 0; i < p->n; i++) free(p->keys[i]), free(p->values[i]);
    p->n = 0;
}

void provenance_openblas_version(char *buf, size_t n) {
    static const char *const libs[] = {"libopenblas.so.0", "libopenblas.so", "libblas.so.3", NULL};
    snprintf(buf, n, "%s", "");
    for (const char *const *l = libs; *l; l++) {
        void *h = dlopen(*l, RTLD_LAZY | RTLD_LOCAL);
        if (!h) continue;
        char *(*get)(void) = (char *(*)(void))dlsym(h, "openblas_get_config");
        if (get) {
            snprintf(buf, n, "%s (%s)", get(), *l);
            dlclose(h);
            return;
        }
        dlclose(h);
    }
}

static void cpu_model(char *buf, size_t n) {
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t') c++;
                c[strcspn(c, "\n")] = '\0';
                snprintf(buf, n, "%s", c);
            }
            break;
        }
    }
    fclose(f);
}

/* Serialises key\0value\0... on rank 0, broadcasts, rebuilds elsewhere. */
static int broadcast(provenance *p, MPI_Comm comm, int rank) {
    size_t len = 0;
    char *buf = NULL;
    if (rank == 0) {
        for (int i = 0; i < p->n; i++) len += strlen(p->keys[i]) + strlen(p->values[i]) + 2;
        buf = malloc(len + 1);
        if (!buf) return -1;
        size_t o = 0;
        for (int i = 0; i < p->n; i++) {
            size_t a = strlen(p->keys[i]) + 1, b = strlen(p->values[i]) + 1;
            memcpy(buf + o, p->keys[i], a);
            memcpy(buf + o + a, p->values[i], b);
            o += a + b;
        }
    }
    long long l = (long long)len;
    MPI_CHECK(MPI_Bcast(&l, 1, MPI_LONG_LONG, 0, comm));
    len = (size_t)l;
    if (rank != 0) {
        buf = malloc(len + 1);
        if (!buf) return -1; /* the other ranks fail in the next collective anyway */
    }
    MPI_CHECK(MPI_Bcast(buf, (int)len, MPI_CHAR, 0, comm));
    if (rank != 0) {
        provenance_free(p);
        for (size_t o = 0; o < len;) {
            const char *k = buf + o, *v = k + strlen(k) + 1;
            if (provenance_add(p, k, v)) {
                free(buf);
                return -1;
            }
            o = (size_t)(v - buf) + strlen(v) + 1;
        }
    }
    free(buf);
    return 0;
}

int provenance_collect(provenance *p, MPI_Comm comm, const char *hostname) {
    int rank, size;
    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    MPI_CHECK(MPI_Comm_size(comm, &size));
    char host[64];
    snprintf(host, sizeof host, "%s", hostname);
    char *all = rank == 0 ? calloc((size_t)size, sizeof host) : NULL;
    MPI_CHECK(MPI_Gather(host, sizeof host, MPI_CHAR, all, sizeof host, MPI_CHAR, 0, comm));
    int rc = 0;
    if (rank == 0) {
        if (!all) return -1;
        size_t cap = (size_t)size * 65 + 1, o = 0;
        char *list = malloc(cap);
        if (!list) rc = -1;
        for (int i = 0; list && i < size; i++)
            o += (size_t)snprintf(list + o, cap - o, "%s%.63s", i ? "," : "", all + i * 64);
        char buf[1024];
        rc |= provenance_add(p, "hostnames", list ? list : "");
        free(list);
        cpu_model(buf, sizeof buf);
        rc |= provenance_add(p, "cpu_model", buf);
        struct utsname u;
        if (uname(&u) == 0)
            snprintf(buf, sizeof buf, "%s %s %s %s", u.sysname, u.release, u.version, u.machine);
        else
            snprintf(buf, sizeof buf, "unknown");
        rc |= provenance_add(p, "kernel", buf);
        int len = 0;
        char lib[MPI_MAX_LIBRARY_VERSION_STRING];
        MPI_CHECK(MPI_Get_library_version(lib, &len));
        lib[strcspn(lib, "\n")] = '\0';
        rc |= provenance_add(p, "mpi_version", lib);
        unsigned maj, min, rel;
        H5get_libversion(&maj, &min, &rel);
        snprintf(buf, sizeof buf, "%u.%u.%u%s", maj, min, rel, H5_HAVE_PARALLEL ? " (parallel)" : "");
        rc |= provenance_add(p, "hdf5_version", buf);
        provenance_openblas_version(buf, sizeof buf);
        rc |= provenance_add(p, "openblas_version", *buf ? buf : "not found");
        iosafe_describe(buf, sizeof buf);
        rc |= provenance_add(p, "io_settings", buf);
        rc |= provenance_add(p, "platbench_version", PLATBENCH_VERSION);
        rc |= provenance_add(p, "git_commit", PLATBENCH_GIT_COMMIT);
        static const char *const slurm[][2] = {{"SLURM_JOB_ID", "slurm_job_id"},
                                               {"SLURM_ARRAY_JOB_ID", "slurm_array_job_id"},
                                               {"SLURM_ARRAY_TASK_ID", "slurm_array_task_id"},
                                               {"SLURM_STEP_ID", "slurm_step_id"},
                                               {"SLURM_JOB_NODELIST", "slurm_nodelist"},
                                               {"SLURM_JOB_PARTITION", "slurm_partition"},
                                               {"SLURM_NTASKS", "slurm_ntasks"},
                                               {"SLURM_CPUS_PER_TASK", "slurm_cpus_per_task"},
                                               {NULL, NULL}};
        for (int i = 0; slurm[i][0]; i++) {
            const char *v = getenv(slurm[i][0]);
            if (!v && !strcmp(slurm[i][0], "SLURM_JOB_NODELIST")) v = getenv("SLURM_NODELIST");
            if (v) rc |= provenance_add(p, slurm[i][1], v);
        }
        const char *tl = getenv("SLURM_JOB_TIME_LIMIT");
        if (!tl) tl = getenv("SBATCH_TIMELIMIT");
        if (tl) rc |= provenance_add(p, "slurm_time_limit", tl);
        free(all);
    }
    MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
    if (rc) return -1;
    return broadcast(p, comm, rank);
}
