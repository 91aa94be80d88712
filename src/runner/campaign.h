/* campaign: a campaign config (libconfig) parsed, validated and expanded into the
 * list of experiments in run order.
 *
 * One options table (campaign_options[] in campaign.c: key, type, default, limits,
 * help, where it is recorded) drives parsing, defaults, `platbench help config` and
 * the comparable settings behind config_hash, so an option is added in one place.
 * Platform groups are validated against each kind's own `options` table
 * (src/platforms/platform.h).
 *
 * Errors name the config file and line and what was expected, plus a hint:
 *   quick.cfg:12: workload.steps: expected an integer >= 1, got 0
 *
 * API
 *   campaign_load(c, path, err, n)   parse + validate + expand; 0 or -1 with message.
 *                                     On error c is left freed (campaign_free is a no-op).
 *   campaign_free(c)                 releases everything campaign_load allocated
 *   campaign_help(fp)                the config reference (`platbench help config`)
 *   campaign_workload_argv(c, e, result_path, out)  argv of experiment e as run on bare metal
 *   campaign_launch_id(c, workdir, e, n, buf, len)  name of attempt n of e (container, VM files)
 *   campaign_diff(a_text, b_text, buf, n)  names the comparable settings that differ
 *                                     between two comparable_settings texts; returns their count
 */
#ifndef PB_CAMPAIGN_H
#define PB_CAMPAIGN_H
#include <stdint.h>
#include <stdio.h>

#include "common/strv.h"
#include "platforms/platform.h"

typedef enum seed_policy {
    SEED_PER_TEST,       /* seed = base + test: every platform of one test gets the same seed */
    SEED_PER_EXPERIMENT, /* seed = base + id: every experiment gets its own seed */
    SEED_FIXED           /* seed = base for every experiment */
} seed_policy;

typedef enum run_order {
    ORDER_BLOCKED_RANDOM, /* test by test; the platforms of each test shuffled by the seed */
    ORDER_SEQUENTIAL      /* test by test; platforms in config order */
} run_order;

typedef enum workload_interface {
    WORKLOAD_PLATBENCH_CNN, /* platbench-cnn train CLI, writes RESULT.h5 (src/cnn/OUTPUT.md) */
    WORKLOAD_PLAIN          /* executable + args only; no result file (tests, runner benchmarks) */
} workload_interface;

typedef struct campaign_platform {
    platform_conf conf;      /* what the platform's functions receive (points into the fields below) */
    const platform_ops *ops; /* the kind's table */
    int line;                /* config line of the group, for messages */
    char *strings[2 * PLATFORM_MAX_OPTIONS + 3]; /* owned copies of every string in conf */
    int n_strings;                               /* used entries of strings */
} campaign_platform;

typedef struct experiment {
    int id;       /* row index in the results file = position in run order */
    int platform; /* index into campaign.platforms */
    int test;     /* test (repetition) index, 0-based */
    int64_t seed; /* seed passed to the workload */
} experiment;

typedef struct campaign {
    char *config_file;            /* path as given by the user (messages) */
    char *config_dir;             /* absolute folder of the config file (relative paths start here) */
    char *config_text;            /* the whole file, recorded as provenance */
    char *name;                   /* campaign.name */
    char *output;                 /* results file (absolute, or relative to the config folder resolved) */
    int interface;                /* workload_interface */
    char *executable;             /* absolute path of the workload executable */
    char *model;                  /* absolute path of the model file ("" for plain workloads) */
    char *data;                   /* absolute path of the data set folder ("" for plain workloads) */
    int steps;                    /* training steps (= width of /curves) */
    int batch;                    /* images per step */
    int threads;                  /* workload threads (also OPENBLAS/OMP_NUM_THREADS); 0: CPU set size */
    strv args;                    /* extra workload arguments, appended verbatim */
    int tests;                    /* tests (repetitions) per platform */
    int64_t seed_base;            /* seed.base */
    int seed_policy;              /* seed_policy */
    int order;                    /* run_order */
    double timeout_s;             /* per-experiment wall-time limit */
    double kill_grace_s;          /* SIGTERM -> SIGKILL grace on timeout / interrupt */
    int retries;                  /* extra attempts for failed experiments */
    int allow_oversubscribe;      /* run (flagged) when threads exceed a CPU set or ranks share CPUs */
    int exclusive;                /* at most one experiment per host at a time */
    int n_platforms;              /* entries of platforms */
    campaign_platform *platforms; /* owned */
    int n_experiments;            /* entries of experiments */
    experiment *experiments;      /* owned, in run order */
    char *comparable;             /* "key = value\n" lines of the settings that make results comparable */
    char config_hash[17];         /* FNV-1a 64 of comparable, hex */
} campaign;

int campaign_load(campaign *c, const char *path, char *err, size_t errlen);
void campaign_free(campaign *c);
void campaign_help(FILE *fp);
int campaign_workload_argv(const campaign *c, const experiment *e, const char *result_path, strv *out);
int campaign_diff(const char *old_text, const char *new_text, char *buf, size_t n);
void campaign_launch_id(const campaign *c, const char *workdir, int exp, int attempt, char *buf, size_t n);

#endif
