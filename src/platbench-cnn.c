/* platbench-cnn: the workload's command line (thin: the work is in src/cnn/).
 *
 *   platbench-cnn train    --model FILE --data DIR --out RESULT.h5 [...]
 *   platbench-cnn classify --model FILE --weights W.h5 [--classes a,b | --data DIR] IMAGE...
 *   platbench-cnn dataset  --out DIR [--idx DIR] [--seed S]
 *   platbench-cnn bench    [--model FILE] --batch N --threads T --steps S [--warmup W]
 *
 * One options table (below) holds every option's subcommands, default, lower bound and help:
 * parsing, the defaults, --help and the values recorded in the result file come from it.
 * Exit status (common/exit_codes.h, the convention of both tools): 0 success, 1 runtime
 * failure, 2 bad usage (including a bad model file), 4 out of space (disk full or quota hit
 * writing --out or --save-weights: the runner stops the campaign on it).
 * With PLATBENCH_MARKERS=1 in the environment (the runner sets it) stderr opens with
 * "PLATBENCH_MARK workload_start" and closes with "PLATBENCH_MARK workload_end" (not for
 * --help, dataset).
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "cnn/bench.h"
#include "cnn/dataset.h"
#include "cnn/layers.h"
#include "cnn/model.h"
#include "cnn/optim.h"
#include "cnn/result.h"
#include "cnn/train.h"
#include "cnn/weights.h"
#include "common/h5io.h"
#include "common/exit_codes.h"
#include "common/fsspace.h"
#include "cnn/paper_model.h"
#include "common/timing.h"
#include "common/workload_contract.h"
#include "common/version.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

enum { CMD_TRAIN = 1, CMD_CLASSIFY = 2, CMD_DATASET = 4, CMD_BENCH = 8 };
typedef enum { OPT_STR, OPT_INT, OPT_U64 } opt_type;

typedef struct cli {
    const char *model;        /* --model */
    const char *data;         /* --data */
    const char *out;          /* --out */
    const char *weights;      /* --weights */
    const char *save_weights; /* --save-weights */
    const char *classes;      /* --classes */
    const char *idx;          /* --idx */
    long steps;               /* --steps (-1: the model's) */
    long batch;               /* --batch (-1: the model's) */
    long threads;             /* --threads (0: every CPU in the affinity mask) */
    long max_images;          /* --max-images (0: all) */
    long warmup;              /* --warmup */
    unsigned long long seed;  /* --seed */
    int seed_set;             /* --seed given or defaulted (else: the model's) */
    char **args;              /* positional arguments (IMAGE...) */
    int n_args;               /* count of args */
} cli;

/* One row per option and set of subcommands; an option whose default or meaning differs
 * between subcommands has a row for each (--help shows each subcommand its own row). */
typedef struct cli_opt {
    const char *name;    /* without the leading -- */
    opt_type type;       /* value kind */
    size_t offset;       /* field in struct cli */
    unsigned cmds;       /* subcommands this row is for (CMD_*) */
    unsigned required;   /* subcommands that require it */
    const char *metavar; /* shown in --help */
    const char *def;     /* default, parsed as if given; NULL: none (OPT_INT fields hold -1,
                            OPT_STR NULL, OPT_U64 seed_set 0), `unset` says what then */
    const char *unset;   /* --help's "default: ..." when def is NULL (NULL: nothing said) */
    long min;            /* OPT_INT: least value accepted */
    const char *help;    /* one line */
} cli_opt;

#define F(x) offsetof(cli, x)
static const cli_opt options[] = {
    {"model", OPT_STR, F(model), CMD_TRAIN | CMD_CLASSIFY, CMD_TRAIN | CMD_CLASSIFY, "FILE", NULL, NULL, 0,
     "model file (libconfig, jobs/models/*.cfg)"},
    {"model", OPT_STR, F(model), CMD_BENCH, 0, "FILE", NULL, "the study's network, built in", 0,
     "model file (libconfig, jobs/models/*.cfg)"},
    {"data", OPT_STR, F(data), CMD_TRAIN, CMD_TRAIN, "DIR", NULL, NULL, 0,
     "data set: image folder {train,valid,test}/<class>/ or Fashion-MNIST IDX files"},
    {"data", OPT_STR, F(data), CMD_CLASSIFY, 0, "DIR", NULL, NULL, 0,
     "class names from this data set (classes.txt or its class folders)"},
    {"out", OPT_STR, F(out), CMD_TRAIN, CMD_TRAIN, "PATH", NULL, NULL, 0,
     "result file (HDF5, see src/cnn/OUTPUT.md)"},
    {"out", OPT_STR, F(out), CMD_DATASET, CMD_DATASET, "PATH", NULL, NULL, 0, "output folder"},
    {"steps", OPT_INT, F(steps), CMD_TRAIN, 0, "N", NULL, "the model's train.steps", 1, "optimizer steps"},
    {"steps", OPT_INT, F(steps), CMD_BENCH, 0, "N", "3", NULL, 1, "timed steps"},
    {"batch", OPT_INT, F(batch), CMD_TRAIN | CMD_BENCH, 0, "N", NULL, "the model's train.batch", 1,
     "images per step"},
    {"threads", OPT_INT, F(threads), CMD_TRAIN | CMD_BENCH, 0, "T", NULL,
     "CPUs in the affinity mask, also for 0", 0,
     "threads of the kernels, each calling single-threaded OpenBLAS"},
    {"threads", OPT_INT, F(threads), CMD_CLASSIFY, 0, "T", "1", NULL, 0, "threads of the kernels"},
    {"seed", OPT_U64, F(seed), CMD_TRAIN, 0, "S", NULL, "the model's train.seed", 0,
     "seed of the initialisation and the batches"},
    {"seed", OPT_U64, F(seed), CMD_DATASET, 0, "S", "1", NULL, 0, "seed of the stand-in images"},
    {"save-weights", OPT_STR, F(save_weights), CMD_TRAIN, 0, "W.h5", NULL, NULL, 0,
     "write the trained weights (HDF5, layout in src/cnn/OUTPUT.md)"},
    {"max-images", OPT_INT, F(max_images), CMD_TRAIN, 0, "N", "0", NULL, 0,
     "IDX data: at most N images per split (0: all)"},
    {"weights", OPT_STR, F(weights), CMD_CLASSIFY, CMD_CLASSIFY, "W.h5", NULL, NULL, 0,
     "weights written by train --save-weights"},
    {"classes", OPT_STR, F(classes), CMD_CLASSIFY, 0, "a,b,c", NULL, "those stored in the weights", 0,
     "class names in label order"},
    {"idx", OPT_STR, F(idx), CMD_DATASET, 0, "DIR", "/usr/share/datasets/fashion-mnist", NULL, 0,
     "Fashion-MNIST IDX files"},
    {"warmup", OPT_INT, F(warmup), CMD_BENCH, 0, "W", "1", NULL, 0, "untimed steps first"},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static const struct {
    const char *name; /* subcommand */
    unsigned bit;     /* CMD_* */
    const char *args; /* positional arguments */
    const char *help; /* one line */
} commands[] = {
    {"train", CMD_TRAIN, "", "train the model on a data set and write the result file"},
    {"classify", CMD_CLASSIFY, "IMAGE...",
     "print per-class percentages for each image (the study's line; with several images, "
     "each line starts with the image's path and a tab)"},
    {"dataset", CMD_DATASET, "", "write the study's stand-in data set from Fashion-MNIST"},
    {"bench", CMD_BENCH, "", "time training steps and the validation pass on random input"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const char exit_help[] =
    "exit status: 0 ok, 1 runtime failure, 2 bad usage or model file, 4 out of space\n"
    "(disk full or quota hit writing an output file: free space and run again)\n";

static void usage(FILE *f) {
    fprintf(f, "usage: platbench-cnn COMMAND [options]   (platbench %s, %s)\n", PLATBENCH_VERSION,
            PLATBENCH_GIT_COMMIT);
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "platbench-cnn COMMAND --help shows the command's options.\n%s", exit_help);
}

static void command_help(FILE *f, size_t c) {
    fprintf(f, "usage: platbench-cnn %s [options] %s\n%s\n\noptions:\n", commands[c].name, commands[c].args,
            commands[c].help);
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const cli_opt *o = &options[i];
        if (!(o->cmds & commands[c].bit)) continue;
        char lhs[64], def[160] = "";
        snprintf(lhs, sizeof lhs, "--%s %s", o->name, o->metavar);
        if (o->required & commands[c].bit)
            snprintf(def, sizeof def, " (required)");
        else if (o->def || o->unset)
            snprintf(def, sizeof def, " (default: %s)", o->def ? o->def : o->unset);
        fprintf(f, "  %-22s %s%s\n", lhs, o->help, def);
    }
    fprintf(f, "  %-22s %s\n%s", "--help", "this text", exit_help);
}

/* Stores val (text) into o's field of cl; 0, or -1 with the message printed. */
static int store_value(size_t c, const cli_opt *o, const char *val, cli *cl) {
    char *field = (char *)cl + o->offset, *end = NULL;
    errno = 0;
    if (o->type == OPT_STR) {
        *(const char **)field = val;
    } else if (o->type == OPT_INT) {
        long v = strtol(val, &end, 10);
        if (errno || end == val || *end || v < 0 || v > INT_MAX) {
            fprintf(stderr, "platbench-cnn %s: --%s %s: expected a non-negative integer\n", commands[c].name,
                    o->name, val);
            return -1;
        }
        if (v < o->min) {
            fprintf(stderr, "platbench-cnn %s: --%s %s: expected an integer >= %ld\n", commands[c].name,
                    o->name, val, o->min);
            return -1;
        }
        *(long *)field = v;
    } else {
        unsigned long long v = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-') {
            fprintf(stderr, "platbench-cnn %s: --%s %s: expected a non-negative integer\n", commands[c].name,
                    o->name, val);
            return -1;
        }
        *(unsigned long long *)field = v;
        cl->seed_set = 1;
    }
    return 0;
}

/* Every option of subcommand c at its table default (or its "none": -1, NULL, unset). */
static int apply_defaults(size_t c, cli *cl) {
    for (size_t k = 0; k < N_OPTIONS; k++) {
        const cli_opt *o = &options[k];
        if (!(o->cmds & commands[c].bit)) continue;
        if (o->def) {
            if (store_value(c, o, o->def, cl)) return -1;
        } else if (o->type == OPT_INT) {
            *(long *)((char *)cl + o->offset) = -1;
        }
    }
    return 0;
}

/* The row of option `name` (nl bytes) for subcommand c, or NULL. */
static const cli_opt *find_option(size_t c, const char *name, size_t nl) {
    for (size_t k = 0; k < N_OPTIONS; k++)
        if (strlen(options[k].name) == nl && strncmp(options[k].name, name, nl) == 0 &&
            (options[k].cmds & commands[c].bit))
            return &options[k];
    return NULL;
}

/* After parsing: positional arguments only where the subcommand takes them, every required
 * option given. 0, or -1 with the message printed. */
static int check_args(size_t c, const cli *cl) {
    if (cl->n_args > 0 && commands[c].args[0] == 0) {
        fprintf(stderr, "platbench-cnn %s: unexpected argument \"%s\" (see --help)\n", commands[c].name,
                cl->args[0]);
        return -1;
    }
    for (size_t k = 0; k < N_OPTIONS; k++) {
        if (!(options[k].required & commands[c].bit)) continue;
        if (!*(const char *const *)((const char *)cl + options[k].offset)) {
            fprintf(stderr, "platbench-cnn %s: --%s %s is required (see --help)\n", commands[c].name,
                    options[k].name, options[k].metavar);
            return -1;
        }
    }
    return 0;
}

/* Parses argv[2..] for subcommand c into cl (defaults first). 0, 1 (--help shown) or -1
 * (message printed). */
static int parse_args(int argc, char **argv, size_t c, cli *cl) {
    if (apply_defaults(c, cl)) return -1;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            command_help(stdout, c);
            return 1;
        }
        if (strcmp(a, "--") == 0) { /* the rest are positional */
            while (++i < argc) cl->args[cl->n_args++] = argv[i];
            break;
        }
        if (strncmp(a, "--", 2) != 0) {
            cl->args[cl->n_args++] = (char *)a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '='), *val = NULL;
        const cli_opt *o = find_option(c, name, eq ? (size_t)(eq - name) : strlen(name));
        if (!o) {
            fprintf(stderr, "platbench-cnn %s: unknown option %s (see --help)\n", commands[c].name, a);
            return -1;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            fprintf(stderr, "platbench-cnn %s: --%s needs a value (%s)\n", commands[c].name, o->name,
                    o->metavar);
            return -1;
        }
        if (store_value(c, o, val, cl)) return -1;
    }
    return check_args(c, cl);
}

static int cpus_seen(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
    return 1;
}

static void set_threads(int t) {
    layers_set_threads(t); /* sets OpenBLAS to 1 thread: the kernels run T of their own */
#ifdef _OPENMP
    omp_set_num_threads(t);
#endif
}

static long peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* names -> "a,b,c" */
static void join_names(char *buf, size_t n, char *const *names, int count) {
    buf[0] = 0;
    for (int i = 0; i < count; i++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? "," : "", names[i] ? names[i] : "");
}

/* The output files of train (--out, --save-weights; NULL when not asked for). */
static void train_outputs(const cli *cl, const char *outs[2]) {
    outs[0] = cl->out;
    outs[1] = cl->save_weights;
}

/* Fail now, not after a training that may take an hour, if an output cannot be written. */
static int check_outputs_writable(const cli *cl) {
    const char *outs[2];
    train_outputs(cl, outs);
    for (int i = 0; i < 2; i++) {
        if (!outs[i]) continue;
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", outs[i]);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        const char *d = slash ? (dir[0] ? dir : "/") : ".";
        if (access(d, W_OK | X_OK) != 0) {
            fprintf(stderr, "platbench-cnn train: %s: cannot write into folder %s (%s)\n", outs[i], d,
                    strerror(errno));
            return PB_EXIT_USAGE;
        }
    }
    return 0;
}

/* ... nor if the outputs cannot fit: the weights are 4 bytes per parameter, the result about
   8 KiB plus 40 bytes per step (measured with tiny.cfg: 7.5 KiB for 3 steps, 11.3 KiB for
   100; weights 113 KiB for 26500 parameters) */
static int check_outputs_space(const cli *cl, const model *m, int steps) {
    const char *outs[2];
    train_outputs(cl, outs);
    for (int i = 0; i < 2; i++) {
        if (!outs[i]) continue;
        fsspace_info fi, fj;
        if (fsspace_query(outs[i], &fi)) continue;
        uint64_t need = 0;
        for (int j = 0; j < 2; j++) /* both files count when they share a file system */
            if (outs[j] && fsspace_query(outs[j], &fj) == 0 && !strcmp(fi.mount, fj.mount))
                need += j ? (uint64_t)m->n_params * 4 + 16384 : 8192 + 40 * (uint64_t)steps;
        if (fi.avail < need) {
            char fs[1200], nb[32];
            fsspace_describe(outs[i], fs, sizeof fs);
            fsspace_bytes(need, nb, sizeof nb);
            fprintf(stderr,
                    "platbench-cnn train: out of space: %s needs about %s for %s; free "
                    "space and run again\n",
                    fs, nb, outs[i]);
            return PB_EXIT_NOSPACE;
        }
    }
    return 0;
}

/* The model's train settings with --steps, --batch, --seed applied where given. */
static train_settings train_settings_of(const cli *cl, const model *m) {
    train_settings ts = m->train;
    if (cl->steps >= 0) ts.steps = (int)cl->steps;
    if (cl->batch >= 0) ts.batch = (int)cl->batch;
    if (cl->seed_set) ts.seed = cl->seed;
    return ts;
}

/* Loads --data for model m into ds; *load_s its time. 0, or -1 with the message printed. */
static int train_load_data(const cli *cl, const model *m, dataset *ds, double *load_s) {
    char err[1024];
    double tl = time_mono();
    dataset_options dopt = {.c = m->in_c,
                            .h = m->in_h,
                            .w = m->in_w,
                            .max_per_split = (int)cl->max_images,
                            .idx_classes = m->n_classes};
    if (dataset_load(ds, cl->data, &dopt, err, sizeof err)) {
        fprintf(stderr, "platbench-cnn train: %s\n", err);
        return -1;
    }
    *load_s = time_mono() - tl;
    if (ds->n_classes != m->n_classes) {
        fprintf(stderr, "platbench-cnn train: %s has %d classes; model %s (%s) has %d outputs\n", cl->data,
                ds->n_classes, m->name, cl->model, m->n_classes);
        return -1;
    }
    return 0;
}

/* Writes --save-weights, then --out with the times up to then in info. 0, PB_EXIT_FAILURE or
 * PB_EXIT_NOSPACE (message printed). */
static int train_write(const cli *cl, model *m, const char *names, double t_start, result_info *info,
                       const train_result *r) {
    char err[1024];
    int wrc = 0;
    if (cl->save_weights) wrc = weights_save(m, cl->save_weights, names, err, sizeof err);
    info->total_time_s = time_mono() - t_start;
    info->peak_rss_kb = peak_rss_kb();
    if (!wrc) wrc = result_write(cl->out, info, r, err, sizeof err);
    if (!wrc) return 0;
    fprintf(stderr, "platbench-cnn train: %s\n", err);
    return wrc == H5IO_NOSPACE ? PB_EXIT_NOSPACE : PB_EXIT_FAILURE;
}

/* The study's end-of-run table on stdout. */
static void train_print(const cli *cl, const model *m, const dataset *ds, const train_result *r,
                        const result_info *info) {
    printf("platbench-cnn train: model %s, data %s (%s), seed %llu\n", m->name, cl->data, ds->source,
           (unsigned long long)info->seed);
    printf("  # iterations        %d (batch %d)\n", r->iterations, r->batch);
    printf("  final rate          %.8f\n", r->final_rate);
    printf("  final error         %.6f\n", r->final_error);
    printf("  train accuracy      %.4f\n", r->train_acc);
    printf("  validation accuracy %.4f (%d images)\n", r->val_acc, ds->valid.n);
    printf("  test accuracy       %.4f (%d images)\n", r->test_acc, ds->test.n);
    printf("  training time       %.3f s (%dm%02ds)\n", r->training_time_s, (int)(r->training_time_s / 60),
           (int)r->training_time_s % 60);
    printf("  time split          data loading %.3f s, training %.3f s, evaluation %.3f s\n",
           info->load_time_s, r->train_compute_s, r->eval_time_s);
    printf("  CPUs seen %d, threads %d, peak memory %.1f MB\n", info->cpus_seen, info->threads,
           info->peak_rss_kb / 1024.0);
    printf("  result file         %s\n", cl->out);
}

/* train: model, checks before the work (outputs writable and fitting), data, training,
 * outputs, the table. */
static int cmd_train(cli *cl, double t_start) {
    char err[1024], names[1024];
    model m;
    dataset ds;
    train_result r;
    memset(&ds, 0, sizeof ds);
    memset(&r, 0, sizeof r);
    if (model_load(&m, cl->model, err, sizeof err)) {
        fprintf(stderr, "platbench-cnn train: %s\n", err);
        return PB_EXIT_USAGE;
    }
    train_settings ts = train_settings_of(cl, &m);
    int rc = check_outputs_writable(cl);
    if (!rc) rc = check_outputs_space(cl, &m, ts.steps);
    if (rc) {
        model_free(&m);
        return rc;
    }
    int cpus = cpus_seen(), threads = cl->threads > 0 ? (int)cl->threads : cpus;
    set_threads(threads);
    double load_s = 0;
    rc = PB_EXIT_FAILURE;
    if (train_load_data(cl, &m, &ds, &load_s)) goto done;
    join_names(names, sizeof names, ds.class_names, ds.n_classes);
    fprintf(stderr,
            "platbench-cnn train: model %s (%zu parameters), data %s (%s: %d train, %d valid, %d "
            "test, %.2f s), %d steps of %d, %d threads\n",
            m.name, m.n_params, cl->data, ds.source, ds.train.n, ds.valid.n, ds.test.n, load_s, ts.steps,
            ts.batch, threads);
    if (train_run(&m, &ds, &ts, 1, &r, err, sizeof err)) {
        fprintf(stderr, "platbench-cnn train: %s\n", err);
        goto done;
    }
    char plan[1024];
    model_conv_plan(&m, plan, sizeof plan);
    result_info info = {.model_name = m.name,
                        .model_file = cl->model,
                        .data_dir = cl->data,
                        .class_names = names,
                        .seed = (int64_t)ts.seed,
                        .threads = threads,
                        .cpus_seen = cpus,
                        .load_time_s = load_s,
                        .n_train = ds.train.n,
                        .n_valid = ds.valid.n,
                        .n_test = ds.test.n,
                        .conv_plan = plan};
    if ((rc = train_write(cl, &m, names, t_start, &info, &r))) goto done;
    train_print(cl, &m, &ds, &r, &info);
done:
    train_result_free(&r);
    dataset_free(&ds);
    model_free(&m);
    return rc;
}

/* Class names for classify: --classes, else --data's classes.txt / data set, else the weights'. */
static int class_list(const cli *cl, const model *m, const char *stored, char *out, size_t n) {
    char err[1024];
    if (cl->classes) {
        snprintf(out, n, "%s", cl->classes);
        return 0;
    }
    if (cl->data) {
        dataset ds;
        memset(&ds, 0, sizeof ds);
        dataset_options o = {
            .c = m->in_c, .h = m->in_h, .w = m->in_w, .max_per_split = 1, .idx_classes = m->n_classes};
        if (dataset_load(&ds, cl->data, &o, err, sizeof err)) {
            fprintf(stderr, "platbench-cnn classify: %s\n", err);
            return -1;
        }
        join_names(out, n, ds.class_names, ds.n_classes);
        dataset_free(&ds);
        return 0;
    }
    snprintf(out, n, "%s", stored);
    return 0;
}

static int cmd_classify(cli *cl) {
    char err[8192], stored[1024], names[1024];
    char *name_v[DATASET_MAX_CLASSES] = {0};
    model m;
    if (cl->n_args < 1) {
        fprintf(stderr, "platbench-cnn classify: no IMAGE given (see --help)\n");
        return PB_EXIT_USAGE;
    }
    if (model_load(&m, cl->model, err, sizeof err)) {
        fprintf(stderr, "platbench-cnn classify: %s\n", err);
        return PB_EXIT_USAGE;
    }
    int rc = PB_EXIT_FAILURE;
    float *x = NULL;
    set_threads(cl->threads > 0 ? (int)cl->threads : 1);
    if (model_alloc(&m, 1, err, sizeof err) ||
        weights_load(&m, cl->weights, stored, sizeof stored, err, sizeof err)) {
        for (char *s = err, *line; (line = strsep(&s, "\n"));) /* one line per damaged object */
            fprintf(stderr, "platbench-cnn classify: %s\n", line);
        goto done;
    }
    if (class_list(cl, &m, stored, names, sizeof names)) goto done;
    int nn = 0;
    for (char *s = names, *tok; nn < DATASET_MAX_CLASSES && (tok = strsep(&s, ","));) name_v[nn++] = tok;
    if (names[0] == 0) nn = 0;
    x = malloc(sizeof(float) * m.in_c * m.in_h * m.in_w);
    if (!x) goto done;
    rc = 0;
    for (int i = 0; i < cl->n_args; i++) {
        int label = 0;
        if (dataset_load_image(cl->args[i], m.in_c, m.in_h, m.in_w, x, err, sizeof err)) {
            fprintf(stderr, "platbench-cnn classify: %s\n", err);
            rc = PB_EXIT_FAILURE;
            continue;
        }
        model_forward(&m, x, 1);
        model_loss(&m, &label, 1, NULL);
        if (cl->n_args > 1) printf("%s\t", cl->args[i]); /* which image, as grep names files */
        for (int k = 0; k < m.n_classes; k++) {
            char fallback[32];
            snprintf(fallback, sizeof fallback, "class%d", k + 1);
            printf("%s%s: %.2f%%", k ? " - " : "", k < nn ? name_v[k] : fallback, 100.0 * m.probs[k]);
        }
        printf("\n");
    }
    fflush(stdout);
done:
    free(x);
    model_free(&m);
    return rc;
}

static int cmd_dataset(cli *cl) {
    char err[1024];
    if (dataset_write_standin(cl->out, cl->idx, cl->seed, err, sizeof err)) {
        fprintf(stderr, "platbench-cnn dataset: %s\n", err);
        return PB_EXIT_FAILURE;
    }
    return 0;
}

static int cmd_bench(cli *cl) {
    char err[1024];
    model m;
    int rc = cl->model ? model_load(&m, cl->model, err, sizeof err)
                       : model_load_string(&m, paper_model_cfg, "paper.cfg (built in)", err, sizeof err);
    if (rc) {
        fprintf(stderr, "platbench-cnn bench: %s\n", err);
        return PB_EXIT_USAGE;
    }
    int threads = cl->threads > 0 ? (int)cl->threads : cpus_seen();
    int batch = cl->batch > 0 ? (int)cl->batch : m.train.batch;
    int steps = (int)cl->steps, warmup = (int)cl->warmup;
    set_threads(threads);
    fprintf(stderr,
            "platbench-cnn bench: model %s, batch %d, threads %d (CPUs seen %d), %d steps "
            "after %d warm-up\n",
            m.name, batch, threads, cpus_seen(), steps, warmup);
    rc = bench_run(&m, batch, steps, warmup, stdout, err, sizeof err);
    if (rc) fprintf(stderr, "platbench-cnn bench: %s\n", err);
    printf("threads          %d (CPUs seen %d)\n", threads, cpus_seen());
    model_free(&m);
    return rc ? PB_EXIT_FAILURE : 0;
}

static int run(int argc, char **argv, double t_start) {
    if (argc < 2) {
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    size_t c = N_COMMANDS;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) c = i;
    if (c == N_COMMANDS) {
        fprintf(stderr, "platbench-cnn: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        return PB_EXIT_USAGE;
    }
    cli cl = {0}; /* parse_args sets the table's defaults */
    cl.args = calloc((size_t)argc, sizeof(char *));
    if (!cl.args) return PB_EXIT_FAILURE;
    int p = parse_args(argc, argv, c, &cl), rc;
    if (p)
        rc = p > 0 ? 0 : PB_EXIT_USAGE;
    else if (commands[c].bit == CMD_TRAIN)
        rc = cmd_train(&cl, t_start);
    else if (commands[c].bit == CMD_CLASSIFY)
        rc = cmd_classify(&cl);
    else if (commands[c].bit == CMD_DATASET)
        rc = cmd_dataset(&cl);
    else
        rc = cmd_bench(&cl);
    free(cl.args);
    return rc;
}

/* Whether to print the PLATBENCH_MARK lines: only when the runner asks for them
 * (PLATBENCH_MARKERS=1 in the environment), and never for --help or `dataset`, which
 * are no workload. */
static int want_markers(int argc, char **argv) {
    const char *v = getenv(WC_MARKERS_ENV);
    if (!v || strcmp(v, "1") != 0 || argc < 2 || !strcmp(argv[1], "dataset")) return 0;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 0;
    return 1;
}

int main(int argc, char **argv) {
    int markers = want_markers(argc, argv);
    if (markers) {
        fprintf(stderr, "%s\n", WC_MARK_START);
        fflush(stderr);
    }
    double t_start = time_mono();
    int rc = run(argc, argv, t_start);
    fflush(stdout);
    if (markers) fprintf(stderr, "%s\n", WC_MARK_END);
    fflush(stderr);
    return rc;
}
