/* results: the campaign results file (analysis/SCHEMA.md, "platbench-results" v1).
 *
 * Written through parallel HDF5 by all ranks. Crash consistency by construction:
 * every dataset is created (contiguous, allocated early, with fill values) and every
 * attribute written at the start (by rank 0 alone, in memory, written out with write +
 * fsync as PATH.tmp and renamed: a full disk then fails on rank 0 outside any collective
 * call, with a clear message, and leaves no file), then all ranks open it; after that
 * ranks only write raw data of rows they own with INDEPENDENT writes, which change no
 * metadata, so a SIGKILL at any later point leaves a file that opens. The state
 * attribute and updated_unix change collectively at the end (results_finish).
 *
 * API (collective = every rank of comm, same arguments)
 *   results_create(r, path, comm, c, prov, rows, err, n)   collective: new file; rows (N)
 *        are the initial rows (id/platform/kind/test/seed/status); rank 0 writes them.
 *        0, -1, or RESULTS_NOSPACE (disk full / quota; err names the file system)
 *   results_open(r, path, comm, err, n)                    collective: existing file, read-write
 *   results_resume(r, path, comm, c, force, rows, &diff, err, n)   collective: opens an existing
 *        file for the run of c if it can take it (same experiments, steps, rows; the same
 *        comparable settings unless force: then diff, malloc'd, says what changed), reads its
 *        rows into rows (N) and records the resume (resume_count + 1, resumeN_*); 0, or -1 with
 *        err (the file closed again)
 *   results_read_rows(r, rows)                             all N rows (independent read)
 *   results_begin_resume(r, resume_count, comparable, hash, config_text) collective
 *   results_write_row(r, row)                              independent
 *   results_write_curves(r, id, curves)                    independent; curves[RESULTS_N_CURVES][steps]
 *   results_write_output(r, id, out_tail, err_tail)        independent
 *   results_finish(r, state)                               collective: state (RESULTS_COMPLETE or
 *        RESULTS_INTERRUPTED) + updated_unix, close
 *   results_abandon(r)                                     collective: close without writing
 *        (another run took the file over: leave its metadata and size alone)
 *   results_load(path, view, err, n)                       serial read-only load (status, report):
 *        -1 + err when nothing can be read (missing, not HDF5, not a results file); else 0 with
 *        everything still readable, each damaged object (attribute, dataset, run of unreadable
 *        rows) a line in view->damage; HDF5's own error printing is turned off
 *   results_view_free(view)
 *   exp_row_init(row)                                      the fill values (status pending)
 *   exp_status_name(s)                                     "pending" ... "skipped": the strings
 *        stored in /experiments status (analysis/SCHEMA.md)
 *   exp_status_parse(text)                                 the status a stored string names; an
 *        unknown string (a damaged or foreign file) reads as EXP_PENDING: still to run
 *   exp_row_set_status(row, s), exp_row_status(row)        the row's status field as an exp_status
 *   results_state_name(state)                              "running", "complete", "interrupted"
 */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H
#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

#include "common/workload_contract.h"
#include "runner/campaign.h"
#include "runner/provenance.h"

#define RESULTS_N_CURVES WC_CURVE_COUNT /* /curves/<wc_curve_names[m]>, the workload's curves */
#define RESULTS_NOSPACE  (-2)           /* results_create: out of space (ENOSPC, EDQUOT) */

/* An experiment's status, stored by name in its row (exp_status_name). */
typedef enum exp_status {
    EXP_PENDING,     /* not run yet */
    EXP_RUNNING,     /* launched, no outcome yet (or the campaign was killed meanwhile) */
    EXP_DONE,        /* finished, its results read */
    EXP_FAILED,      /* failed (retried while attempt < 1 + retries) */
    EXP_INTERRUPTED, /* stopped by a signal or out of space: run again on resume */
    EXP_SKIPPED,     /* no rank of the allocation can run its platform */
    EXP_N_STATUS
} exp_status;

/* The campaign's state, stored by name in the root attribute "state". */
typedef enum results_state { RESULTS_RUNNING, RESULTS_COMPLETE, RESULTS_INTERRUPTED } results_state;

typedef struct exp_row {
    int32_t id;               /* row index = experiment id */
    char platform[32];        /* platform name */
    char kind[16];            /* platform kind */
    int32_t test;             /* test index */
    int64_t seed;             /* workload seed */
    char status[16];          /* pending running done failed interrupted skipped */
    char host[64];            /* node that ran it */
    int32_t rank;             /* MPI rank that ran it, -1 never */
    int32_t attempt;          /* attempts so far */
    double start_unix;        /* launch time */
    double end_unix;          /* end time */
    double wall_s;            /* wall time of the launch */
    double user_s;            /* user CPU of the process tree */
    double sys_s;             /* system CPU of the process tree */
    int64_t peak_rss_kb;      /* ru_maxrss */
    int32_t exit_code;        /* exit status, -1 signal / never ran */
    int32_t signal;           /* terminating signal, 0 none */
    double startup_s;         /* launch -> workload_start */
    double workload_s;        /* workload_start -> workload_end */
    double teardown_s;        /* workload_end -> gone */
    double launch_overhead_s; /* wall_s - total_time_s */
    int32_t iterations;       /* optimizer steps done */
    double final_rate;        /* last learning rate */
    double final_error;       /* last batch loss */
    double train_acc;         /* fraction */
    double val_acc;           /* fraction */
    double test_acc;          /* fraction */
    double training_time_s;   /* the study's timed loop */
    double load_time_s;       /* data loading */
    double train_compute_s;   /* forward/backward/update */
    double eval_time_s;       /* validation + test */
    double total_time_s;      /* the workload's own total */
    int32_t cpus_seen;        /* CPUs the workload saw */
    int32_t threads;          /* workload threads asked for (-1 unknown) */
    int32_t data_version;     /* stand-in version trained on (standin.h; 0 not a stand-in, -1 unknown) */
    char cpu_list[128];       /* CPUs the experiment was confined to ("0-1"); "" unknown */
    char cpu_source[16];      /* affinity | split | campaign | remote (cpuset.h) */
    int32_t oversubscribed;   /* 1: threads > CPUs of the set, or the set shared with another rank */
    char corunners[128];      /* ids of experiments that overlapped it on the same host ("3,7") */
    double loadavg;           /* host 1-minute load average at the end */
    double steal_frac;        /* host CPU steal time / CPU time over the experiment (/proc/stat) */
    double cpu_mhz;           /* mean current frequency of the set's CPUs (NaN: /sys has none) */
    char error[160];          /* why failed / skipped */
} exp_row;

typedef struct results {
    hid_t file;                       /* open file */
    hid_t row_type;                   /* compound type of /experiments */
    hid_t exp_ds;                     /* /experiments */
    hid_t curve_ds[RESULTS_N_CURVES]; /* /curves/<metric> */
    hid_t out_ds[2];                  /* /output/stdout_tail, stderr_tail */
    hid_t tail_type;                  /* string(2048) */
    hid_t dxpl;                       /* independent transfer */
    int n;                            /* experiments (rows) */
    int steps;                        /* curve width */
} results;

typedef struct results_view {
    int n;                   /* rows */
    int steps;               /* curve width */
    exp_row *rows;           /* owned */
    char state[32];          /* state attribute */
    char campaign_name[128]; /* campaign_name attribute */
    char config_file[1024];  /* config_file attribute */
    double created_unix;     /* created_unix attribute */
    double updated_unix;     /* updated_unix attribute */
    int n_damaged;           /* damaged objects found while loading (0: the file is whole) */
    char *damage;            /* one line per damaged object ("attribute \"state\": unreadable
                                (...); shown as unknown"), NULL when none; owned */
} results_view;

void exp_row_init(exp_row *row);
const char *exp_status_name(exp_status s);
exp_status exp_status_parse(const char *text);
void exp_row_set_status(exp_row *row, exp_status s);
exp_status exp_row_status(const exp_row *row);
const char *results_state_name(results_state state);
int results_create(results *r, const char *path, MPI_Comm comm, const campaign *c, const provenance *prov,
                   const exp_row *rows, char *err, size_t errlen);
int results_open(results *r, const char *path, MPI_Comm comm, char *err, size_t errlen);
int results_resume(results *r, const char *path, MPI_Comm comm, const campaign *c, int force, exp_row *rows,
                   char **diff, char *err, size_t errlen);
int results_read_rows(results *r, exp_row *rows);
int results_begin_resume(results *r, int resume_count, const char *comparable, const char *hash,
                         const char *config_text);
int results_write_row(results *r, const exp_row *row);
int results_write_curves(results *r, int id, double *const *curves, int steps);
int results_write_output(results *r, int id, const char *out_tail, const char *err_tail);
int results_finish(results *r, results_state state);
void results_abandon(results *r);
int results_load(const char *path, results_view *v, char *err, size_t errlen);
void results_view_free(results_view *v);

#endif
