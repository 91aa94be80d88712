/* cpuset: per-rank CPU sets and per-experiment host noise (see cpuset.h). */
#define _GNU_SOURCE
#include "runner/cpuset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mpi_check.h"

void cpus_format(const cpu_set_t *set, char *buf, size_t n) {
    size_t o = 0;
    buf[0] = '\0';
    for (int c = 0; c < CPU_SETSIZE && o < n; c++) {
        if (!CPU_ISSET(c, set)) continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set)) e++;
        if (e == c)
            o += (size_t)snprintf(buf + o, n - o, "%s%d", o ? "," : "", c);
        else
            o += (size_t)snprintf(buf + o, n - o, "%s%d-%d", o ? "," : "", c, e);
        c = e;
    }
}

int cpus_parse(const char *text, cpu_set_t *set) {
    CPU_ZERO(set);
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long a = strtol(p, &end, 10), b;
        if (end == p || errno || a < 0 || a >= CPU_SETSIZE) return -1;
        b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || errno || b < a || b >= CPU_SETSIZE) return -1;
            p = end;
        }
        for (long c = a; c <= b; c++) CPU_SET((int)c, set);
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return CPU_COUNT(set) ? CPU_COUNT(set) : -1;
}

int cpus_place_compute(cpus_place *p, MPI_Comm comm, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    int bad = sched_getaffinity(0, sizeof p->set, &p->set) != 0;
    if (bad) snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
    MPI_Comm local;
    int rank = 0;
    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    MPI_CHECK(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local));
    MPI_CHECK(MPI_Comm_rank(local, &p->local_rank));
    MPI_CHECK(MPI_Comm_size(local, &p->local_size));
    int k = p->local_size;
    cpu_set_t *all = calloc((size_t)k, sizeof *all);
    int anybad = bad || !all;
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &anybad, 1, MPI_INT, MPI_LOR, comm));
    if (anybad) {
        if (!bad) snprintf(err, errlen, "out of memory");
        free(all);
        MPI_CHECK(MPI_Comm_free(&local));
        return -1;
    }
    MPI_CHECK(MPI_Allgather(&p->set, sizeof p->set, MPI_BYTE, all, sizeof p->set, MPI_BYTE, local));
    MPI_CHECK(MPI_Comm_free(&local));
    int disjoint = 1;
    cpu_set_t uni;
    CPU_ZERO(&uni);
    for (int i = 0; i < k; i++) {
        for (int j = 0; j < i && disjoint; j++) {
            cpu_set_t both;
            CPU_AND(&both, &all[i], &all[j]);
            if (CPU_COUNT(&both)) disjoint = 0;
        }
        CPU_OR(&uni, &uni, &all[i]);
    }
    free(all);
    if (disjoint) {
        snprintf(p->source, sizeof p->source, "affinity");
    } else {
        /* the union's CPUs in order; local rank i takes block [i*m/k, (i+1)*m/k), or CPU
           i mod m when there are more ranks than CPUs */
        int m = CPU_COUNT(&uni), idx = 0, lo, hi;
        if (k <= m) {
            lo = (int)((long)p->local_rank * m / k);
            hi = (int)((long)(p->local_rank + 1) * m / k);
        } else {
            lo = p->local_rank % m;
            hi = lo + 1;
            p->overlap = 1;
        }
        CPU_ZERO(&p->set);
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &uni)) {
                if (idx >= lo && idx < hi) CPU_SET(c, &p->set);
                idx++;
            }
        snprintf(p->source, sizeof p->source, "split");
        if (sched_setaffinity(0, sizeof p->set, &p->set)) {
            snprintf(err, errlen, "sched_setaffinity: %s", strerror(errno));
            bad = 1;
        }
    }
    p->n = CPU_COUNT(&p->set);
    cpus_format(&p->set, p->list, sizeof p->list);
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_LOR, comm));
    if (bad && !*err) snprintf(err, errlen, "pinning failed on another rank");
    return bad ? -1 : 0;
}

/* steal and total jiffies of the "cpu" line; -1 if unreadable */
static int read_stat(unsigned long long *steal, unsigned long long *total) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6], &v[7]);
    fclose(f);
    if (n < 8) return -1;
    *total = 0;
    for (int i = 0; i < 8; i++) *total += v[i];
    *steal = v[7];
    return 0;
}

void noise_begin(noise *nz) {
    nz->steal_frac = nz->loadavg = nz->cpu_mhz = NAN;
    if (read_stat(&nz->steal0, &nz->total0)) nz->total0 = 0;
}

void noise_end(noise *nz, const cpus_place *p) {
    unsigned long long st, tot;
    if (nz->total0 && read_stat(&st, &tot) == 0 && tot > nz->total0)
        nz->steal_frac = (double)(st - nz->steal0) / (double)(tot - nz->total0);
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &nz->loadavg) != 1) nz->loadavg = NAN;
        fclose(f);
    }
    double sum = 0;
    int n = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &p->set)) continue;
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq", c);
        FILE *g = fopen(path, "r");
        if (!g) continue;
        double khz;
        if (fscanf(g, "%lf", &khz) == 1) sum += khz / 1000.0, n++;
        fclose(g);
    }
    if (n) nz->cpu_mhz = sum / n;
}
