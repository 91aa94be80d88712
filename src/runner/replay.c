/* replay: rerun one recorded experiment, compare its curves (see replay.h). */
#define _GNU_SOURCE
#include "runner/replay.h"

#include <errno.h>
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/h5diag.h"
#include "common/h5io.h"
#include "common/workload_contract.h"
#include "runner/campaign.h"
#include "runner/cpuset.h"
#include "runner/iosafe.h"
#include "runner/results.h"
#include "runner/run.h"

#define REPLAY_N_CURVES 5 /* train_loss train_acc val_loss val_acc lr: wc_curve_names[0..4] */
#define REPLAY_TEXT_MAX 65536

typedef struct recorded {
    exp_row row;                     /* FILE's row ID */
    int n;                           /* experiments in FILE */
    int steps;                       /* curve width */
    char config_file[1024];          /* config_file attribute (path as the user gave it) */
    char *config_text;               /* config_text attribute; owned */
    char *comparable;                /* comparable_settings attribute ("" when absent); owned */
    char config_hash[64];            /* config_hash attribute */
    char image_id[256];              /* /platforms image_id of the row's platform */
    char core[64];                   /* openblas_core of the work folder's result.h5, "" unknown */
    char conv[64];                   /* conv_kernel of the same, "" unknown */
    double *curves[REPLAY_N_CURVES]; /* the row's curves, steps each; owned */
} recorded;

static void recorded_free(recorded *r) {
    free(r->config_text);
    free(r->comparable);
    for (int m = 0; m < REPLAY_N_CURVES; m++) free(r->curves[m]);
}

/* Row `row` of every identity curve of the open results file f into out[m] (steps each). */
static int read_curves(hid_t f, int row, int steps, double **out) {
    for (int m = 0; m < REPLAY_N_CURVES; m++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", wc_curve_names[m]);
        hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
        if (ds < 0) return -1;
        hid_t fs = H5Dget_space(ds);
        hsize_t start[2] = {(hsize_t)row, 0}, count[2] = {1, (hsize_t)steps}, mc = (hsize_t)steps;
        hid_t ms = H5Screate_simple(1, &mc, NULL);
        herr_t rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
        if (rc >= 0) rc = H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, out[m]);
        H5Sclose(ms);
        H5Sclose(fs);
        H5Dclose(ds);
        if (rc < 0) return -1;
    }
    return 0;
}

/* image_id of platform `name` in /platforms of f ("" when absent). */
static void read_image_id(hid_t f, const char *name, char *buf, size_t n) {
    typedef struct prow {
        char name[32];      /* platform name */
        char image_id[256]; /* image identity */
    } prow;
    buf[0] = '\0';
    hid_t ds = H5Dopen2(f, "platforms", H5P_DEFAULT);
    if (ds < 0) return;
    hid_t sp = H5Dget_space(ds);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    hid_t s32 = H5Tcopy(H5T_C_S1), s256 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s32, 32);
    H5Tset_size(s256, 256);
    hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(prow));
    H5Tinsert(mt, "name", HOFFSET(prow, name), s32);
    H5Tinsert(mt, "image_id", HOFFSET(prow, image_id), s256);
    prow *rows = np > 0 ? calloc((size_t)np, sizeof *rows) : NULL;
    if (rows && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0)
        for (hssize_t i = 0; i < np; i++)
            if (!strncmp(rows[i].name, name, sizeof rows[i].name)) {
                size_t l = strnlen(rows[i].image_id, sizeof rows[i].image_id);
                l = l < n ? l : n - 1;
                memcpy(buf, rows[i].image_id, l);
                buf[l] = '\0';
            }
    free(rows);
    H5Tclose(mt);
    H5Tclose(s32);
    H5Tclose(s256);
    H5Sclose(sp);
    H5Dclose(ds);
}

/* openblas_core and conv_kernel of a workload result file (src/cnn/OUTPUT.md); "" if unknown. */
static void read_kernels(const char *path, char *core, char *conv, size_t n) {
    core[0] = conv[0] = '\0';
    if (access(path, R_OK) != 0) return;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return;
    h5io_read_attr_str(f, "openblas_core", core, n);
    h5io_read_attr_str(f, "conv_kernel", conv, n);
    H5Fclose(f);
}

/* Everything replay needs from FILE row id; 0, or -1 with err. */
static int load_recorded(const char *file, int id, recorded *r, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    results_view v;
    if (results_load(file, &v, err, errlen)) return -1;
    int rc = -1;
    if (v.n_damaged) {
        snprintf(err, errlen, "%s: damaged (%s); cannot replay from a partly readable file", file,
                 v.damage ? strtok(v.damage, "\n") : "?");
        goto out;
    }
    if (id < 0 || id >= v.n) {
        snprintf(err, errlen, "%s: no experiment %d: the file holds ids 0-%d", file, id, v.n - 1);
        goto out;
    }
    r->row = v.rows[id];
    r->n = v.n;
    r->steps = v.steps;
    snprintf(r->config_file, sizeof r->config_file, "%s", v.config_file);
    if (exp_row_status(&r->row) != EXP_DONE) {
        snprintf(err, errlen,
                 "%s: experiment %d is \"%s\"%s%s: no recorded curves to compare a "
                 "replay with; replay a finished (done) experiment",
                 file, id, r->row.status, r->row.error[0] ? ": " : "", r->row.error);
        goto out;
    }
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as HDF5", file);
        goto out;
    }
    r->config_text = calloc(1, REPLAY_TEXT_MAX);
    r->comparable = calloc(1, REPLAY_TEXT_MAX);
    for (int m = 0; m < REPLAY_N_CURVES; m++)
        r->curves[m] = malloc((size_t)(v.steps > 0 ? v.steps : 1) * sizeof(double));
    int bad = !r->config_text || !r->comparable;
    for (int m = 0; m < REPLAY_N_CURVES; m++) bad |= !r->curves[m];
    if (bad) {
        snprintf(err, errlen, "out of memory");
    } else if (h5io_read_attr_str(f, "config_text", r->config_text, REPLAY_TEXT_MAX) || !*r->config_text) {
        snprintf(err, errlen,
                 "%s: no config_text attribute: the campaign's config was not "
                 "recorded; cannot replay",
                 file);
    } else if (read_curves(f, id, v.steps, r->curves)) {
        snprintf(err, errlen, "%s: cannot read the curves of experiment %d (/curves)", file, id);
    } else {
        read_image_id(f, r->row.platform, r->image_id, sizeof r->image_id);
        h5io_read_attr_str(f, "comparable_settings", r->comparable, REPLAY_TEXT_MAX);
        h5io_read_attr_str(f, "config_hash", r->config_hash, sizeof r->config_hash);
        rc = 0;
    }
    H5Fclose(f);
    char rf[4200];
    snprintf(rf, sizeof rf, "%s.d/e%04d-a%d/result.h5", file, id, r->row.attempt);
    read_kernels(rf, r->core, r->conv, sizeof r->core);
out:
    results_view_free(&v);
    return rc;
}

static char *read_text(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *buf = calloc(1, REPLAY_TEXT_MAX + 1);
    if (buf) fread(buf, 1, REPLAY_TEXT_MAX, fp);
    fclose(fp);
    return buf;
}

/* Loads the recorded config text as a campaign whose relative paths start at the recorded
   config file's folder: the file itself when its text is unchanged, else a copy of the
   recorded text written next to it for the moment of parsing. */
static int load_config(const recorded *r, campaign *c, char *err, size_t errlen) {
    char *now = read_text(r->config_file);
    int same = now && !strcmp(now, r->config_text);
    free(now);
    if (same) return campaign_load(c, r->config_file, err, errlen);
    char dircopy[1024], tmp[1200];
    snprintf(dircopy, sizeof dircopy, "%s", r->config_file);
    const char *dir = dirname(dircopy);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "the recorded config file %s and its folder %s are gone: the "
                 "campaign's relative paths cannot be resolved; run replay where the campaign "
                 "was started (its config_file attribute is relative to that folder)",
                 r->config_file, dir);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s/.platbench-replay-%d.cfg", dir, (int)getpid());
    FILE *fp = fopen(tmp, "wx");
    if (!fp || fputs(r->config_text, fp) < 0 || fclose(fp) != 0) {
        snprintf(err, errlen,
                 "cannot write the recorded config text to %s (to resolve its "
                 "relative paths from %s): %s",
                 tmp, dir, strerror(errno));
        unlink(tmp);
        return -1;
    }
    printf("platbench replay: %s changed since the campaign; using the recorded config text\n",
           r->config_file);
    int rc = campaign_load(c, tmp, err, errlen);
    unlink(tmp);
    if (rc == 0) { /* messages and the new file name the recorded config, not the copy */
        free(c->config_file);
        c->config_file = strdup(r->config_file);
        if (!c->config_file) {
            campaign_free(c);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return rc;
}

/* Compares the recorded curves with the replay's; prints the verdict; 0 identical, 1 not. */
static int compare_curves(const recorded *r, double *const *now) {
    int first = -1;
    for (int m = 0; m < REPLAY_N_CURVES; m++)
        for (int s = 0; s < r->steps; s++) {
            double a = r->curves[m][s], b = now[m][s];
            int same = (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
            if (!same && (first < 0 || s < first)) first = s;
        }
    if (first < 0) {
        printf("platbench replay: IDENTICAL: all %d steps of train_loss, train_acc, val_loss, "
               "val_acc and lr are bit-identical to the recorded ones\n",
               r->steps);
        return 0;
    }
    printf("platbench replay: DIFFERENT from step %d (of %d):\n", first, r->steps);
    printf("  %-10s %-10s %-12s %-12s %s\n", "curve", "from step", "max |abs|", "max rel", "at step");
    for (int m = 0; m < REPLAY_N_CURVES; m++) {
        int f = -1, at = -1;
        double mabs = 0, mrel = 0;
        for (int s = 0; s < r->steps; s++) {
            double a = r->curves[m][s], b = now[m][s];
            if ((isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0) continue;
            if (f < 0) f = s;
            double d = isnan(a) || isnan(b) ? INFINITY : fabs(a - b);
            double rel = d / (fabs(a) > 0 ? fabs(a) : 1);
            if (d > mabs || at < 0) {
                mabs = d;
                at = s;
            }
            if (rel > mrel) mrel = rel;
        }
        if (f < 0)
            printf("  %-10s identical\n", wc_curve_names[m]);
        else
            printf("  %-10s %-10d %-12.4g %-12.4g %d\n", wc_curve_names[m], f, mabs, mrel, at);
    }
    return 1;
}

static void usage(FILE *fp) {
    fprintf(fp, "usage: platbench replay FILE ID [-o NEW.h5] [--force]\n"
                "  rerun experiment ID of results file FILE exactly as recorded into NEW.h5\n"
                "  (default FILE-replay-ID.h5); --force runs even when the platform's image\n"
                "  changed. Exit 0 curves bit-identical, 1 different, 2 bad input or refused.\n");
}

/* The command line of `platbench replay`. */
typedef struct replay_args {
    const char *file;   /* recorded results file */
    long id;            /* experiment id in it */
    const char *out;    /* new results file (-o, or newpath) */
    int force;          /* --force */
    char newpath[4200]; /* default out: FILE-replay-ID.h5 */
} replay_args;

/* Parses argv into a; -1 to go on, else the exit code (0 for --help, 2 for bad input). */
static int parse_args(int argc, char **argv, replay_args *a) {
    const char *idtext = NULL;
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            a->out = argv[++i];
        else if (!strcmp(argv[i], "--force"))
            a->force = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-' && !a->file)
            a->file = argv[i];
        else if (argv[i][0] != '-' && !idtext)
            idtext = argv[i];
        else {
            fprintf(stderr, "platbench replay: unexpected argument \"%s\"\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!a->file || !idtext) {
        usage(stderr);
        return 2;
    }
    char *end = NULL;
    a->id = strtol(idtext, &end, 10);
    if (!*idtext || *end || a->id < 0 || a->id > 1000000000) {
        fprintf(stderr,
                "platbench replay: ID \"%s\": expected an experiment id (an integer >= 0, "
                "as `platbench status` and the /experiments id column show)\n",
                idtext);
        return 2;
    }
    if (!a->out) {
        size_t len = strlen(a->file);
        int cut = len > 3 && !strcmp(a->file + len - 3, ".h5") ? 3 : 0;
        snprintf(a->newpath, sizeof a->newpath, "%.*s-replay-%ld.h5", (int)(len - (size_t)cut), a->file,
                 a->id);
        a->out = a->newpath;
    }
    return -1;
}

/* Whether the config as loaded now still gives experiment id as recorded; 0, or -1 after saying why. */
static int check_experiment(const recorded *r, const campaign *c, const replay_args *a) {
    long id = a->id;
    const experiment *e = id < c->n_experiments ? &c->experiments[id] : NULL;
    const campaign_platform *cp = e ? &c->platforms[e->platform] : NULL;
    if (c->n_experiments == r->n && c->steps == r->steps && e &&
        strcmp(cp->conf.name, r->row.platform) == 0 && e->seed == r->row.seed)
        return 0;
    fprintf(stderr,
            "platbench replay: refused: the recorded config of %s no longer gives "
            "experiment %ld as recorded (file: %d experiments x %d steps, row %ld platform %s "
            "seed %lld; config now: %d x %d%s%s seed %lld): the executable or model it names "
            "may have changed\n",
            a->file, id, r->n, r->steps, id, r->row.platform, (long long)r->row.seed, c->n_experiments,
            c->steps, e ? ", platform " : "", e ? cp->conf.name : "", e ? (long long)e->seed : -1LL);
    return -1;
}

/* The settings as resolved here (paths, the model file's content, the executable): the recorded
   ones, or --force; 0, or -1 after saying why. */
static int check_settings(const recorded *r, const campaign *c, int force) {
    if (!*r->config_hash || strcmp(r->config_hash, c->config_hash) == 0) return 0;
    char diff[3000] = "";
    campaign_diff(r->comparable, c->comparable, diff, sizeof diff);
    if (!force) {
        fprintf(stderr,
                "platbench replay: refused: the recorded config resolves to other "
                "settings here (config_hash %s, now %s):\n%s\nrun replay where the campaign "
                "ran (relative paths start at %s's folder), or --force\n",
                r->config_hash, c->config_hash, diff, r->config_file);
        return -1;
    }
    printf("platbench replay: --force: settings differ from the recorded ones:\n%s\n", diff);
    return 0;
}

/* The image of platform cp: the recorded one, or --force; 0, or -1 after saying why. */
static int check_image(const recorded *r, const campaign_platform *cp, int force) {
    platform_info info;
    memset(&info, 0, sizeof info);
    char derr[512] = "";
    if (cp->ops->describe(&cp->conf, &info, derr, sizeof derr)) {
        if (!force) {
            fprintf(stderr,
                    "platbench replay: refused: cannot check the image of platform %s "
                    "(%s): %s; --force replays without the check\n",
                    cp->conf.name, cp->conf.kind, derr);
            return -1;
        }
        printf("platbench replay: --force: image of %s not checked (%s)\n", cp->conf.name, derr);
    } else if (strcmp(info.image_id, r->image_id) != 0) {
        if (!force) {
            fprintf(stderr,
                    "platbench replay: refused: the image of platform %s (%s) changed: "
                    "recorded %s, now %s; rebuild or retag the recorded image, or --force to "
                    "replay on the current one\n",
                    cp->conf.name, cp->conf.kind, *r->image_id ? r->image_id : "(none)",
                    *info.image_id ? info.image_id : "(none)");
            return -1;
        }
        printf("platbench replay: --force: image of %s changed (recorded %s, now %s): replaying "
               "on the current one\n",
               cp->conf.name, r->image_id, info.image_id);
    }
    return 0;
}

/* The recorded environment that decides results at rounding level, and the recorded CPUs when
   this machine has them; returns the CPU list pinned to ("" when none). */
static const char *apply_environment(const recorded *r, long id) {
    if (*r->core) setenv("OPENBLAS_CORETYPE", r->core, 1);
    if (*r->conv) setenv("PLATBENCH_CONV", r->conv, 1);
    if (!*r->core || !*r->conv)
        printf("platbench replay: the work folder's result file of experiment %ld is gone: "
               "OpenBLAS core and conv kernel unknown, taken from this environment\n",
               id);
    cpu_set_t set;
    const char *pin = "";
    if (r->row.cpu_list[0] && strcmp(r->row.cpu_source, "campaign") && strcmp(r->row.cpu_source, "remote")) {
        if (cpus_parse(r->row.cpu_list, &set) > 0 && sched_setaffinity(0, sizeof set, &set) == 0)
            pin = r->row.cpu_list;
        else
            printf("platbench replay: cannot pin to the recorded CPUs %s here (%s): running on "
                   "this process's CPUs\n",
                   r->row.cpu_list, strerror(errno));
    }
    return pin;
}

/* Starts MPI (when not yet started) as one process; 0, or -1 after saying why. The caller
   finalizes MPI in both cases. */
static int start_mpi(int *argc, char ***argv) {
    run_install_signals();
    iosafe_apply();
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) MPI_Init(argc, argv);
    run_install_signals();
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 1) {
        fprintf(stderr, "platbench replay: run it as one process, not under mpirun -n %d\n", size);
        return -1;
    }
    return 0;
}

/* Runs the one-experiment campaign rc into out; 0 when there is a result to compare, else -1
   after saying why. */
static int run_replay(campaign *rc, const char *out) {
    char *abs = NULL, cwd[4096];
    if (out[0] != '/' && getcwd(cwd, sizeof cwd) && asprintf(&abs, "%s/%s", cwd, out) < 0) abs = NULL;
    int runrc = run_campaign(rc, abs ? abs : out, 0, MPI_COMM_WORLD);
    free(abs);
    if (runrc != RUN_EXIT_OK && runrc != RUN_EXIT_FAILURES) {
        fprintf(stderr, "platbench replay: the replay run stopped (exit %d): nothing to compare\n", runrc);
        return -1;
    }
    return 0;
}

/* Compares the replay's results file out with the recorded experiment; prints the verdict;
   0 identical, 1 different, 2 the replay cannot be read. */
static int compare_replay(const recorded *r, const char *out) {
    char err[4096];
    int code = 2;
    results_view nv;
    double *now[REPLAY_N_CURVES] = {0};
    int ok = results_load(out, &nv, err, sizeof err) == 0;
    if (!ok) {
        fprintf(stderr, "platbench replay: %s\n", err);
    } else if (nv.n != 1 || exp_row_status(&nv.rows[0]) != EXP_DONE) {
        printf("platbench replay: DIFFERENT: the replay did not finish (%s: %s); the recorded "
               "experiment did\n",
               nv.n ? nv.rows[0].status : "?", nv.n ? nv.rows[0].error : "");
        code = 1;
    } else {
        hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
        int bad = f < 0;
        for (int m = 0; m < REPLAY_N_CURVES; m++)
            bad |= !(now[m] = malloc((size_t)(r->steps > 0 ? r->steps : 1) * sizeof(double)));
        if (!bad && read_curves(f, 0, r->steps, now) == 0) {
            code = compare_curves(r, now);
            char rf[4400], core[64], conv[64];
            snprintf(rf, sizeof rf, "%s.d/e0000-a1/result.h5", out);
            read_kernels(rf, core, conv, sizeof core);
            if (*r->core && (strcmp(core, r->core) || strcmp(conv, r->conv)))
                printf("platbench replay: kernels differ: recorded OpenBLAS core %s, conv %s; "
                       "replay %s, %s\n",
                       r->core, r->conv, core, conv);
            printf("platbench replay: test_acc recorded %.4f, replay %.4f; training_time_s "
                   "recorded %.3f s, replay %.3f s\n",
                   r->row.test_acc, nv.rows[0].test_acc, r->row.training_time_s, nv.rows[0].training_time_s);
        } else {
            fprintf(stderr, "platbench replay: cannot read the replay's curves from %s\n", out);
        }
        if (f >= 0) H5Fclose(f);
    }
    for (int m = 0; m < REPLAY_N_CURVES; m++) free(now[m]);
    if (ok) results_view_free(&nv);
    return code;
}

/* Replays experiment a->id of the checked campaign c (the recorded one) into a->out, reduced
   to that experiment as row 0 and its platform (the others are neither checked nor described:
   a VM's or SIF's checksum costs seconds); the exit code. */
static int replay_experiment(const recorded *r, const campaign *c, const replay_args *a, int *argc,
                             char ***argv) {
    const experiment *e = &c->experiments[a->id];
    const campaign_platform *cp = &c->platforms[e->platform];
    const char *pin = apply_environment(r, a->id);
    experiment one = *e;
    one.id = 0;
    one.platform = 0;
    campaign rc = *c;
    rc.n_experiments = 1;
    rc.experiments = &one;
    rc.n_platforms = 1;
    rc.platforms = (campaign_platform *)cp;
    if (r->row.threads > 0) rc.threads = r->row.threads;
    if (r->row.oversubscribed == 1) rc.allow_oversubscribe = 1;
    printf("platbench replay: experiment %ld of %s: platform %s (%s), test %d, seed %lld, %d "
           "thread%s, CPUs %s, OPENBLAS_CORETYPE=%s, PLATBENCH_CONV=%s, recorded image %s -> %s (row 0)\n",
           a->id, a->file, cp->conf.name, cp->conf.kind, e->test, (long long)e->seed, rc.threads,
           rc.threads == 1 ? "" : "s", *pin ? pin : "(this process's)", *r->core ? r->core : "(as now)",
           *r->conv ? r->conv : "(as now)", *r->image_id ? r->image_id : "(none)", a->out);
    fflush(stdout);
    int code = 2, compared = 0;
    if (start_mpi(argc, argv) == 0 && run_replay(&rc, a->out) == 0) {
        code = compare_replay(r, a->out);
        compared = 1;
    }
    MPI_Finalize();
    if (compared)
        printf("platbench replay: exit %d (%s)\n", code,
               code == 0   ? "bit-identical"
               : code == 1 ? "different"
                           : "error");
    return code;
}

int replay_main(int argc, char **argv) {
    replay_args a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0) return code;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char err[4096];
    recorded r; /* load_recorded clears it first: always freeable */
    campaign c;
    int have_c = 0;
    code = 2;
    if (load_recorded(a.file, (int)a.id, &r, err, sizeof err)) {
        fprintf(stderr, "platbench replay: %s\n", err);
        goto done;
    }
    if (access(a.out, F_OK) == 0) {
        fprintf(stderr,
                "platbench replay: %s exists; remove it or give another -o NEW.h5 (a "
                "replay never writes into an existing file)\n",
                a.out);
        goto done;
    }
    if (load_config(&r, &c, err, sizeof err)) {
        fprintf(stderr, "platbench replay: %s: %s\n", a.file, err);
        goto done;
    }
    have_c = 1;
    if (check_experiment(&r, &c, &a) || check_settings(&r, &c, a.force) ||
        check_image(&r, &c.platforms[c.experiments[a.id].platform], a.force))
        goto done;
    code = replay_experiment(&r, &c, &a, &argc, &argv);
done:
    if (have_c) campaign_free(&c);
    recorded_free(&r);
    return code;
}
