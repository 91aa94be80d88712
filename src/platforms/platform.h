/* platform: how one experiment's workload is launched "inside" a platform.
 *
 * A platform turns "run this workload argv, reading these paths, writing that
 * folder, with these limits" into the argv of a host command (docker run ...,
 * apptainer exec ..., qemu-system-x86_64 ...), checks whether it can run on this
 * host, and reports its runtime version and image identity for provenance.
 * Platforms know nothing of the CNN, MPI or HDF5; the runner (src/runner/) spawns
 * the argv they build (never through a shell), times it and kills it on timeout.
 *
 * One file per platform kind (bare.c, docker.c, singularity.c, vm.c), each
 * exporting one `const platform_ops` table; platforms.c holds the NULL-terminated
 * registry searched by kind name.
 *
 * Kind-specific options come from the campaign config (platform = { kind = "docker";
 * image = "..."; cpus = 2; }): each kind lists the keys it accepts in `options`;
 * the campaign parser validates keys, types and (for OPT_ENUM) choices against that
 * table, fills in its defaults and stores the values as strings in platform_conf, so a
 * new option is added in one place.
 *
 * Timing: start-up / workload / tear-down are separated by markers the workload
 * prints on stderr ("PLATBENCH_MARK workload_start", "PLATBENCH_MARK workload_end"),
 * timestamped by the runner as they arrive. The workload prints them only when its
 * environment has PLATBENCH_MARKERS=1 (never for a person's run): the runner sets
 * launch_request.markers, and each platform passes PLATBENCH_MARKERS=1 into the
 * workload's environment (bare: the runner's own environment is inherited; the
 * others through pfutil_env: docker -e, singularity --env, vm fw_cfg / ssh env).
 */
#ifndef PB_PLATFORM_H
#define PB_PLATFORM_H
#include <stddef.h>

#include "common/opttype.h"
#include "common/strv.h"

#define PLATFORM_MAX_OPTIONS 32

/* A kind option. Types: OPT_STR, OPT_INT, OPT_FLOAT, OPT_BOOL, OPT_ENUM (common/opttype.h);
 * the campaign parser checks every value against its row (an ENUM against its choices) and
 * fills in the defaults, which live here only: platform_opt* fall back to them too. */
typedef struct platform_option {
    const char *key;         /* config key inside the platform group, e.g. "image" */
    opt_type type;           /* expected type */
    const char *default_val; /* value used when the key is absent (NULL: required if `required`) */
    int required;            /* non-zero: absence is a config error */
    const char *help;        /* one line for `platbench help platforms` and the docs */
    const char *choices;     /* OPT_ENUM: the allowed values, comma-separated */
} platform_option;

/* Rows of an options table: key, default, [choices,] help. */
#define PLATFORM_OPT_STR(key, def, help)                                                                     \
    { key, OPT_STR, def, 0, help, NULL }
#define PLATFORM_OPT_INT(key, def, help)                                                                     \
    { key, OPT_INT, def, 0, help, NULL }
#define PLATFORM_OPT_FLOAT(key, def, help)                                                                   \
    { key, OPT_FLOAT, def, 0, help, NULL }
#define PLATFORM_OPT_BOOL(key, def, help)                                                                    \
    { key, OPT_BOOL, def, 0, help, NULL }
#define PLATFORM_OPT_ENUM(key, def, choices, help)                                                           \
    { key, OPT_ENUM, def, 0, help, choices }
#define PLATFORM_OPT_REQUIRED(key, help)                                                                     \
    { key, OPT_STR, NULL, 1, help, NULL }
#define PLATFORM_OPT_END                                                                                     \
    { NULL, OPT_STR, NULL, 0, NULL, NULL }

typedef struct platform_conf {
    const char *name;  /* the platform's name in the campaign, e.g. "docker" or "vm-tcg" */
    const char *kind;  /* registry key: "bare", "docker", "singularity", "vm" */
    const char *hosts; /* Slurm hostlist pattern of nodes allowed to run it, or NULL for any */
    int n_opts;        /* number of key/value pairs below */
    const char *keys[PLATFORM_MAX_OPTIONS];   /* option keys (all those of the kind's table) */
    const char *values[PLATFORM_MAX_OPTIONS]; /* option values as strings (defaults filled in) */
} platform_conf;

typedef struct launch_request {
    const char *const *workload_argv; /* argv of the workload as run on bare metal; argv[0] is
                                         the host path of the workload executable */
    const char *workload_name;        /* basename of the executable (e.g. "platbench-cnn"), for
                                         platforms whose image has it on PATH */
    const char *const *read_paths;    /* NULL-terminated absolute host paths the workload reads
                                         (data set, model file): exposed read-only, same path */
    const char *write_dir;            /* absolute host folder the workload writes its result to:
                                         exposed read-write at the same path */
    const char *id;                   /* unique, name-safe id of this launch ("c1a2b3-e0007-a1"),
                                         e.g. for container names so they can be removed */
    int threads;                      /* threads the workload uses (a CPU limit hint) */
    int markers;                      /* non-zero: ask the workload for its PLATBENCH_MARK lines
                                         (PLATBENCH_MARKERS=1 in its environment) */
    const char *cpus;                 /* CPU list the launch is confined to ("0-1"; the runner is
                                         already pinned to it, children inherit it); NULL: none */
    int ncpus;                        /* CPUs in cpus (0: unknown) */
} launch_request;

typedef struct platform_info {
    char runtime_version[256]; /* e.g. "Docker version 20.10.24" or "QEMU 7.2.0 (accel tcg)" */
    char image_id[256];        /* image digest / SIF sha256 / VM image checksum; "" for bare */
    char detail[256];          /* anything else worth recording (accelerator, limits), may be "" */
} platform_info;

typedef struct platform_ops {
    const char *kind;               /* registry key, e.g. "docker" */
    const char *summary;            /* one line: what this platform runs the workload in */
    const platform_option *options; /* kind-specific keys, terminated by {NULL} */

    /* 0 if this host can run the platform now; else non-zero with the reason and
     * the fix in why (e.g. "docker: daemon not reachable at /var/run/docker.sock;
     * start dockerd"). Cheap enough to call once per rank at start-up. */
    int (*check)(const platform_conf *pc, char *why, size_t whylen);

    /* Fills info with runtime version and image identity; 0 or non-zero + err. */
    int (*describe)(const platform_conf *pc, platform_info *info, char *err, size_t errlen);

    /* Appends to out the full host argv that runs rq inside the platform.
     * 0 on success, else non-zero with a message in err. */
    int (*build_argv)(const platform_conf *pc, const launch_request *rq, strv *out, char *err, size_t errlen);

    /* Called after every launch, also after a timeout or interrupt, to remove what
     * the launch may have left behind (a container, a VM scratch folder). May be NULL. */
    void (*cleanup)(const platform_conf *pc, const launch_request *rq);

    /* Maps the host command's exit code to the workload's own, for platforms whose
     * launcher cannot pass it through unchanged (QEMU's isa-debug-exit reports
     * (N << 1) | 1). May be NULL: the code is the workload's. */
    int (*exit_status)(const platform_conf *pc, int host_exit_code);

    /* Data staging for platforms that do not see the host's files (vm over ssh with
     * transfer = "copy"): stage_in runs before the launch argv (copies the read paths and
     * the workload to the node), stage_out after it ended, also after a timeout (brings the
     * write folder's files back, removes the node's copy). The runner counts their time as
     * start-up and tear-down. 0, or non-zero with the reason in err. Each may be NULL. */
    int (*stage_in)(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen);
    int (*stage_out)(const platform_conf *pc, const launch_request *rq, char *err, size_t errlen);

    /* For a launch that exited non-zero: 1 and a message in msg when the code is the
     * platform's own failure rather than the workload's (ssh's 255: key refused, host down,
     * timeout), judged from the code and the end of its stderr; else 0. May be NULL. */
    int (*failure_reason)(const platform_conf *pc, int host_exit_code, const char *stderr_text, char *msg,
                          size_t n);
} platform_ops;

/* Registry (platforms.c): the kinds compiled in, NULL-terminated. */
extern const platform_ops *const platform_registry[];

/* Finds the table of a kind; NULL if unknown. */
const platform_ops *platform_find(const char *kind);

/* The row of key in a kind's table; NULL if the kind has no such option. */
const platform_option *platform_option_find(const platform_ops *ops, const char *key);

/* Value of an option of pc; when pc lacks the key, its default from the kind's table
 * (the parser fills every default in, so this matters for hand-made confs); NULL if neither. */
const char *platform_opt(const platform_conf *pc, const char *key);

/* Like platform_opt, but an empty value also means the table's default; never NULL. */
const char *platform_opt_str(const platform_conf *pc, const char *key);

/* platform_opt_str as an integer; 0 if it is not one (the parser checked OPT_INT values). */
long platform_opt_long(const platform_conf *pc, const char *key);

#endif
