/* cpuset: the CPUs each rank owns, and the host noise around one experiment.
 *
 * Every experiment runs confined to its rank's CPU set, so concurrent experiments on
 * one host do not share CPUs without saying so. The set is the rank's affinity mask as
 * the launcher (srun --cpus-per-task, mpirun --bind-to core) gave it when the masks of
 * the ranks on the host are pairwise disjoint ("affinity"); otherwise (mpirun
 * --bind-to none, socket binding, oversubscription) the runner splits the union of
 * those masks among the host's ranks in rank order ("split"), contiguous blocks of
 * floor/ceil size. More ranks than CPUs on a host cannot be split disjointly: each
 * rank then gets one CPU shared with others (overlap = 1). The ranks of a host come
 * from MPI_Comm_split_type(MPI_COMM_TYPE_SHARED). The rank pins itself to its set
 * (sched_setaffinity), so every child (bare workload, apptainer, qemu) inherits it.
 *
 * API
 *   cpus_place_compute(p, comm, err, n)  collective: fills p (and pins this rank);
 *                                        0, or -1 with the reason in err
 *   cpus_format(set, buf, n)             "0-3,8" (Linux cpulist format)
 *   cpus_parse(text, set)                the reverse; number of CPUs, -1 on bad text
 *   noise_begin(nz) / noise_end(nz, p)   /proc/stat steal and load average over an
 *                                        experiment, and the set's mean CPU frequency
 */
#ifndef PB_CPUSET_H
#define PB_CPUSET_H
#define _GNU_SOURCE
#include <mpi.h>
#include <sched.h>
#include <stddef.h>

typedef struct cpus_place {
    cpu_set_t set;   /* CPUs this rank owns */
    char list[128];  /* the same in cpulist format, e.g. "0-1" */
    int n;           /* CPUs in set */
    char source[16]; /* "affinity" (the launcher's binding) or "split" (the runner's) */
    int local_rank;  /* this rank among the ranks of its host */
    int local_size;  /* ranks on this host */
    int overlap;     /* the set is shared with another rank of this host (more ranks than CPUs) */
} cpus_place;

typedef struct noise {
    unsigned long long steal0, total0; /* /proc/stat "cpu" line at the start (jiffies) */
    double steal_frac;                 /* steal / total over the experiment; NaN if unknown */
    double loadavg;                    /* 1-minute load average at the end; NaN if unknown */
    double cpu_mhz;                    /* mean current frequency of the set's CPUs; NaN if /sys has none */
} noise;

int cpus_place_compute(cpus_place *p, MPI_Comm comm, char *err, size_t errlen);
void cpus_format(const cpu_set_t *set, char *buf, size_t n);
int cpus_parse(const char *text, cpu_set_t *set);
void noise_begin(noise *nz);
void noise_end(noise *nz, const cpus_place *p);

#endif
