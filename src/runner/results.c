/* results: the parallel-HDF5 campaign results file (see results.h, analysis/SCHEMA.md). */
#define _GNU_SOURCE
#include "runner/results.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/durable.h"
#include "common/h5diag.h"
#include "common/h5io.h"
#include "common/mpi_check.h"
#include "common/timing.h"
#include "runner/launch.h"
#include "common/fsspace.h"

enum { STATE_SIZE = 16 }; /* the root attribute "state": fixed, rewritten in place */

static const char *const status_names[EXP_N_STATUS] = {"pending", "running",     "done",
                                                       "failed",  "interrupted", "skipped"};
static const char *const state_names[] = {"running", "complete", "interrupted"};

const char *exp_status_name(exp_status s) { return s >= 0 && s < EXP_N_STATUS ? status_names[s] : "?"; }

exp_status exp_status_parse(const char *text) {
    for (int s = 0; s < EXP_N_STATUS; s++)
        if (!strcmp(text, status_names[s])) return (exp_status)s;
    return EXP_PENDING;
}

void exp_row_set_status(exp_row *row, exp_status s) {
    snprintf(row->status, sizeof row->status, "%s", exp_status_name(s));
}

exp_status exp_row_status(const exp_row *row) { return exp_status_parse(row->status); }

const char *results_state_name(results_state state) { return state_names[state]; }

void exp_row_init(exp_row *row) {
    memset(row, 0, sizeof *row);
    row->id = -1;
    row->test = -1;
    row->seed = -1;
    exp_row_set_status(row, EXP_PENDING);
    row->rank = -1;
    row->exit_code = -1;
    row->peak_rss_kb = -1;
    row->iterations = -1;
    row->cpus_seen = -1;
    row->threads = -1;
    row->data_version = -1;
    row->oversubscribed = -1;
    double *d[] = {&row->start_unix,   &row->end_unix,        &row->wall_s,
                   &row->user_s,       &row->sys_s,           &row->startup_s,
                   &row->workload_s,   &row->teardown_s,      &row->launch_overhead_s,
                   &row->final_rate,   &row->final_error,     &row->train_acc,
                   &row->val_acc,      &row->test_acc,        &row->training_time_s,
                   &row->load_time_s,  &row->train_compute_s, &row->eval_time_s,
                   &row->total_time_s, &row->loadavg,         &row->steal_frac,
                   &row->cpu_mhz};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) *d[i] = NAN;
}

static hid_t make_row_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(exp_row));
    hid_t s16 = h5io_str_type(16), s32 = h5io_str_type(32), s64 = h5io_str_type(64),
          s128 = h5io_str_type(128), s160 = h5io_str_type(160);
#define I32(f)     H5Tinsert(t, #f, HOFFSET(exp_row, f), H5T_NATIVE_INT32)
#define I64(f)     H5Tinsert(t, #f, HOFFSET(exp_row, f), H5T_NATIVE_INT64)
#define DBL(f)     H5Tinsert(t, #f, HOFFSET(exp_row, f), H5T_NATIVE_DOUBLE)
#define STR(f, st) H5Tinsert(t, #f, HOFFSET(exp_row, f), st)
    I32(id);
    STR(platform, s32);
    STR(kind, s16);
    I32(test);
    I64(seed);
    STR(status, s16);
    STR(host, s64);
    I32(rank);
    I32(attempt);
    DBL(start_unix);
    DBL(end_unix);
    DBL(wall_s);
    DBL(user_s);
    DBL(sys_s);
    I64(peak_rss_kb);
    I32(exit_code);
    I32(signal);
    DBL(startup_s);
    DBL(workload_s);
    DBL(teardown_s);
    DBL(launch_overhead_s);
    I32(iterations);
    DBL(final_rate);
    DBL(final_error);
    DBL(train_acc);
    DBL(val_acc);
    DBL(test_acc);
    DBL(training_time_s);
    DBL(load_time_s);
    DBL(train_compute_s);
    DBL(eval_time_s);
    DBL(total_time_s);
    I32(cpus_seen);
    I32(threads);
    I32(data_version);
    STR(cpu_list, s128);
    STR(cpu_source, s16);
    I32(oversubscribed);
    STR(corunners, s128);
    DBL(loadavg);
    DBL(steal_frac);
    DBL(cpu_mhz);
    STR(error, s160);
#undef I32
#undef I64
#undef DBL
#undef STR
    H5Tclose(s16);
    H5Tclose(s32);
    H5Tclose(s64);
    H5Tclose(s128);
    H5Tclose(s160);
    return t;
}

static int describe_ds(hid_t ds, const char *units, const char *description) {
    return h5io_attr_str(ds, "units", units) | h5io_attr_str(ds, "description", description);
}

static void results_init_handles(results *r) {
    r->file = r->row_type = r->exp_ds = r->tail_type = r->dxpl = -1;
    for (int i = 0; i < RESULTS_N_CURVES; i++) r->curve_ds[i] = -1;
    r->out_ds[0] = r->out_ds[1] = -1;
}

static void results_close_handles(results *r) {
    for (int i = 0; i < RESULTS_N_CURVES; i++)
        if (r->curve_ds[i] >= 0) H5Dclose(r->curve_ds[i]);
    for (int i = 0; i < 2; i++)
        if (r->out_ds[i] >= 0) H5Dclose(r->out_ds[i]);
    if (r->exp_ds >= 0) H5Dclose(r->exp_ds);
    if (r->row_type >= 0) H5Tclose(r->row_type);
    if (r->tail_type >= 0) H5Tclose(r->tail_type);
    if (r->dxpl >= 0) H5Pclose(r->dxpl);
    if (r->file >= 0) H5Fclose(r->file);
    results_init_handles(r);
}

static hid_t mpio_fapl(MPI_Comm comm) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    /* v1.8 object headers: dense attribute storage, so config_text and the hostnames of
       many ranks fit (compact attributes are limited to 64 KiB) */
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    return fapl;
}

static hid_t create_ds(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                       const void *fill) {
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    H5Pset_fill_value(dcpl, type, fill);
    hid_t ds = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return ds;
}

/* The datasets of the run's data: /experiments, /curves/<metric>, /output/std{out,err}_tail, each
   allocated early with its fill values and described; r's handles set. 0 or non-zero. */
static int create_datasets(results *r) {
    int rc = 0;
    r->row_type = make_row_type();
    r->tail_type = h5io_str_type(LAUNCH_TAIL);
    exp_row fill;
    exp_row_init(&fill);
    hsize_t n = (hsize_t)r->n, dims2[2] = {(hsize_t)r->n, (hsize_t)r->steps};
    r->exp_ds = create_ds(r->file, "experiments", r->row_type, 1, &n, &fill);
    rc |= r->exp_ds < 0;
    rc |= describe_ds(r->exp_ds, "see field names: _s seconds, _kb KiB, _unix epoch s, _acc 0..1",
                      "one row per experiment, in run order; row index = id");
    hid_t g = H5Gcreate2(r->file, "curves", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    double nan = NAN;
    static const char *const units[RESULTS_N_CURVES] = {"loss",     "fraction",      "loss",
                                                        "fraction", "learning rate", "s"};
    for (int i = 0; i < RESULTS_N_CURVES; i++) {
        r->curve_ds[i] = create_ds(g, wc_curve_names[i], H5T_NATIVE_DOUBLE, 2, dims2, &nan);
        rc |= r->curve_ds[i] < 0;
        char d[128];
        snprintf(d, sizeof d, "%s per step; row = experiment id; NaN = not measured", wc_curve_names[i]);
        rc |= describe_ds(r->curve_ds[i], units[i], d);
    }
    H5Gclose(g);
    g = H5Gcreate2(r->file, "output", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    static const char empty[LAUNCH_TAIL];
    r->out_ds[0] = create_ds(g, "stdout_tail", r->tail_type, 1, &n, empty);
    r->out_ds[1] = create_ds(g, "stderr_tail", r->tail_type, 1, &n, empty);
    rc |= r->out_ds[0] < 0 || r->out_ds[1] < 0;
    rc |= describe_ds(r->out_ds[0], "text", "last bytes of the launched command's stdout");
    rc |= describe_ds(r->out_ds[1], "text", "last bytes of the launched command's stderr");
    H5Gclose(g);
    return rc;
}

/* One row of /platforms. */
typedef struct platform_row {
    char name[32], kind[16], hosts[128];                   /* from the config */
    char runtime_version[256], image_id[256], detail[256]; /* from the provenance */
} platform_row;

static hid_t make_platform_type(void) {
    hid_t pt = H5Tcreate(H5T_COMPOUND, sizeof(platform_row));
    hid_t s16 = h5io_str_type(16), s32 = h5io_str_type(32), s128 = h5io_str_type(128),
          s256 = h5io_str_type(256);
    H5Tinsert(pt, "name", HOFFSET(platform_row, name), s32);
    H5Tinsert(pt, "kind", HOFFSET(platform_row, kind), s16);
    H5Tinsert(pt, "hosts", HOFFSET(platform_row, hosts), s128);
    H5Tinsert(pt, "runtime_version", HOFFSET(platform_row, runtime_version), s256);
    H5Tinsert(pt, "image_id", HOFFSET(platform_row, image_id), s256);
    H5Tinsert(pt, "detail", HOFFSET(platform_row, detail), s256);
    H5Tclose(s16);
    H5Tclose(s32);
    H5Tclose(s128);
    H5Tclose(s256);
    return pt;
}

/* The provenance value of key platform.NAME.FIELD into buf ("" when none). */
static void platform_prov(const provenance *prov, const char *name, const char *field, char *buf, size_t n) {
    char key[96];
    snprintf(key, sizeof key, "platform.%s.%s", name, field);
    const char *v = provenance_get(prov, key);
    snprintf(buf, n, "%s", v ? v : "");
}

/* /platforms: one row per platform of the campaign. 0 or non-zero. */
static int write_platforms(results *r, const campaign *c, const provenance *prov) {
    hid_t pt = make_platform_type();
    hsize_t np = (hsize_t)c->n_platforms;
    platform_row pfill, *pr = calloc((size_t)(c->n_platforms ? c->n_platforms : 1), sizeof *pr);
    memset(&pfill, 0, sizeof pfill);
    hid_t pds = create_ds(r->file, "platforms", pt, 1, &np, &pfill);
    int rc = pds < 0 || !pr;
    for (int i = 0; !rc && i < c->n_platforms; i++) {
        const platform_conf *pc = &c->platforms[i].conf;
        snprintf(pr[i].name, sizeof pr[i].name, "%s", pc->name);
        snprintf(pr[i].kind, sizeof pr[i].kind, "%s", pc->kind);
        snprintf(pr[i].hosts, sizeof pr[i].hosts, "%s", pc->hosts ? pc->hosts : "");
        platform_prov(prov, pc->name, "runtime_version", pr[i].runtime_version, sizeof pr[i].runtime_version);
        platform_prov(prov, pc->name, "image_id", pr[i].image_id, sizeof pr[i].image_id);
        platform_prov(prov, pc->name, "detail", pr[i].detail, sizeof pr[i].detail);
    }
    if (!rc && H5Dwrite(pds, pt, H5S_ALL, H5S_ALL, H5P_DEFAULT, pr) < 0) rc = 1;
    free(pr);
    if (pds >= 0) H5Dclose(pds);
    H5Tclose(pt);
    return rc;
}

/* The root attributes: format, the config, times, sizes, state, provenance. 0 or non-zero. */
static int write_root_attrs(hid_t f, const campaign *c, const provenance *prov, int n, int steps, int size,
                            double now) {
    int rc = 0;
    rc |= h5io_attr_str(f, "format", "platbench-results");
    rc |= h5io_attr_i32(f, "format_version", 1);
    rc |= h5io_attr_str(f, "campaign_name", c->name);
    rc |= h5io_attr_str(f, "config_file", c->config_file);
    rc |= h5io_attr_str(f, "config_text", c->config_text);
    rc |= h5io_attr_str(f, "config_hash", c->config_hash);
    rc |= h5io_attr_str(f, "comparable_settings", c->comparable);
    rc |= h5io_attr_f64(f, "created_unix", now);
    rc |= h5io_attr_f64(f, "updated_unix", now);
    /* fixed size so the end-of-run update rewrites the value in place */
    rc |= h5io_attr_str_sized(f, "state", state_names[RESULTS_RUNNING], STATE_SIZE);
    rc |= h5io_attr_i32(f, "n_experiments", n);
    rc |= h5io_attr_i32(f, "steps", steps);
    rc |= h5io_attr_i32(f, "mpi_ranks", size);
    rc |= h5io_attr_i32(f, "resume_count", 0);
    rc |= h5io_attr_f64(f, "timeout_s", c->timeout_s);
    rc |= h5io_attr_i32(f, "retries", c->retries);
    for (int i = 0; i < prov->n; i++)
        if (strncmp(prov->keys[i], "platform.", 9) != 0)
            rc |= h5io_attr_str(f, prov->keys[i], prov->values[i]);
    return rc;
}

/* Writes the whole structure of a new results file into the open file r->file (rank 0 alone,
   serial driver): datasets allocated early with their fill values, initial rows, attributes.
   0 or non-zero; r's handles stay open for the caller to close. */
static int create_structure(results *r, const campaign *c, const provenance *prov, const exp_row *rows,
                            int size, double now) {
    int rc = create_datasets(r);
    rc |= write_platforms(r, c, prov);
    /* initial rows (ids, platforms, seeds, skipped ones) */
    if (r->n > 0 && H5Dwrite(r->exp_ds, r->row_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) rc = 1;
    rc |= write_root_attrs(r->file, c, prov, r->n, r->steps, size, now);
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0) rc = 1;
    return rc;
}

/* Rank 0 alone: the new file built in memory (core driver, no backing store) and its image
   written as PATH.tmp with write + fsync, then renamed: the disk is touched by our own write
   only, whose errno tells a full disk. 0, 1 (failed) or 2 (out of space), with msg. */
static int build_file(results *r, const char *path, const campaign *c, const provenance *prov,
                      const exp_row *rows, int size_ranks, double now, char *msg, size_t msglen) {
    int rc = 0;
    char *tmp = NULL;
    void *image = NULL;
    ssize_t size = -1;
    if (asprintf(&tmp, "%s.tmp", path) < 0) tmp = NULL;
    /* built in memory (core driver, no backing store) and written with write + fsync:
       the disk is touched by our own write only, whose errno tells a full disk */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_fapl_core(fapl, 1 << 20, 0);
    /* superblock version 0 (earliest bound): it has no checksum, so the image taken with
       H5Fget_file_image opens (1.10.8 clears the "open for writing" flag in a version 2/3
       superblock's image but keeps the checksum computed with it set: "incorrect metadata
       checksum"). The root group still gets a v2 object header (tracked creation order
       needs one) with dense attribute storage, so config_text and the hostnames of many
       ranks fit (compact attributes are limited to 64 KiB) */
    H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST);
    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED);
    H5Pset_attr_phase_change(fcpl, 0, 0);
    /* metadata (object headers, their continuations, attributes) in one block at the
       start, before the rows: a file cut inside its rows still opens with the rows
       before the cut (the rows grew with the CPU-placement fields, and the root
       group's continuation landed behind them) */
    H5Pset_meta_block_size(fapl, 1 << 16);
    r->file = tmp ? H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl) : -1;
    H5Pclose(fapl);
    H5Pclose(fcpl);
    if (r->file >= 0 && create_structure(r, c, prov, rows, size_ranks, now) == 0)
        size = H5Fget_file_image(r->file, NULL, 0);
    if (size > 0 && (image = malloc((size_t)size)) && H5Fget_file_image(r->file, image, (size_t)size) != size)
        size = -1;
    results_close_handles(r);
    int e = 0;
    if (size <= 0 || !image) {
        snprintf(msg, msglen,
                 "%s: building the results file failed (HDF5 error or out of "
                 "memory)",
                 path);
        rc = 1;
    } else if (fsspace_write_file(tmp, image, (size_t)size, &e) != 0) {
        if (fsspace_is_nospace(e)) {
            fsspace_nospace_message(msg, msglen, "creating the results file", path, tmp, (uint64_t)size, e,
                                    "free space (or write elsewhere with -o) and run the same command again");
            rc = 2;
        } else {
            snprintf(msg, msglen,
                     "%s: cannot write the new results file: %s; expected a "
                     "writable folder",
                     tmp, strerror(e));
            rc = 1;
        }
    } else if (durable_rename(tmp, path) != 0) { /* synced, then published */
        snprintf(msg, msglen, "%s: cannot rename %s into place: %s", path, tmp, strerror(errno));
        rc = 1;
    }
    if (rc && tmp) remove(tmp);
    free(image);
    free(tmp);
    return rc;
}

int results_create(results *r, const char *path, MPI_Comm comm, const campaign *c, const provenance *prov,
                   const exp_row *rows, char *err, size_t errlen) {
    results_init_handles(r);
    int rank, size_ranks;
    MPI_CHECK(MPI_Comm_rank(comm, &rank));
    MPI_CHECK(MPI_Comm_size(comm, &size_ranks));
    double now = time_unix();
    MPI_CHECK(MPI_Bcast(&now, 1, MPI_DOUBLE, 0, comm));
    /* Rank 0 alone builds the file with the serial driver, as PATH.tmp, renamed when whole;
       then every rank opens it. A full disk or quota during creation then fails on one rank
       outside any collective call: built collectively, an ENOSPC on one rank left the others
       waiting in HDF5's internal barriers (H5D__contig_fill) forever. A kill before the
       rename leaves only PATH.tmp, never mistaken for a campaign to resume. */
    char msg[2048] = "";
    r->n = c->n_experiments;
    r->steps = c->steps;
    int rc = rank == 0 ? build_file(r, path, c, prov, rows, size_ranks, now, msg, sizeof msg) : 0;
    MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
    if (rc) {
        MPI_CHECK(MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm));
        snprintf(err, errlen, "%s", msg);
        return rc == 2 ? RESULTS_NOSPACE : -1;
    }
    return results_open(r, path, comm, err, errlen);
}

int results_open(results *r, const char *path, MPI_Comm comm, char *err, size_t errlen) {
    results_init_handles(r);
    hid_t fapl = mpio_fapl(comm);
    r->file = H5Fopen(path, H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    if (r->file < 0) {
        snprintf(err, errlen,
                 "%s: cannot open the existing results file for resuming; hint: "
                 "move it away to start afresh",
                 path);
        return -1;
    }
    char fmt[64];
    h5io_read_attr_str(r->file, "format", fmt, sizeof fmt);
    if (strcmp(fmt, "platbench-results") != 0) {
        snprintf(err, errlen, "%s: not a platbench results file (format \"%s\")", path, fmt);
        results_close_handles(r);
        return -1;
    }
    r->exp_ds = H5Dopen2(r->file, "experiments", H5P_DEFAULT);
    r->row_type = make_row_type();
    r->tail_type = h5io_str_type(LAUNCH_TAIL);
    int bad = r->exp_ds < 0;
    char name[64];
    for (int i = 0; i < RESULTS_N_CURVES; i++) {
        snprintf(name, sizeof name, "curves/%s", wc_curve_names[i]);
        r->curve_ds[i] = H5Dopen2(r->file, name, H5P_DEFAULT);
        bad |= r->curve_ds[i] < 0;
    }
    r->out_ds[0] = H5Dopen2(r->file, "output/stdout_tail", H5P_DEFAULT);
    r->out_ds[1] = H5Dopen2(r->file, "output/stderr_tail", H5P_DEFAULT);
    bad |= r->out_ds[0] < 0 || r->out_ds[1] < 0;
    if (!bad) {
        hid_t sp = H5Dget_space(r->exp_ds);
        hsize_t d[2];
        H5Sget_simple_extent_dims(sp, d, NULL);
        r->n = (int)d[0];
        H5Sclose(sp);
        sp = H5Dget_space(r->curve_ds[0]);
        H5Sget_simple_extent_dims(sp, d, NULL);
        r->steps = (int)d[1];
        H5Sclose(sp);
    }
    r->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(r->dxpl, H5FD_MPIO_INDEPENDENT);
    if (bad) {
        snprintf(err, errlen, "%s: results file lacks /experiments, /curves or /output", path);
        results_close_handles(r);
        return -1;
    }
    /* a flush records the file's end as this opener's (MPI-IO driver's last_eoa): a later
       close then leaves the file's size alone, so a run that lost its claim to another and
       closes without writing does not cut off what the other appended */
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0) {
        snprintf(err, errlen, "%s: cannot flush the results file after opening it", path);
        results_close_handles(r);
        return -1;
    }
    return 0;
}

/* Whether the open file r can take the run of c: same experiments and steps, same rows
   (platform, test), the same comparable settings unless force (then *diff says what
   changed; malloc'd). Fills rows. 0, or -1 with err. */
static int check_resumable(results *r, const char *path, const campaign *c, int force, exp_row *rows,
                           char **diff, char *err, size_t errlen) {
    int N = c->n_experiments;
    if (r->n != N || r->steps != c->steps) {
        snprintf(err, errlen,
                 "%s: cannot resume: the file holds %d experiments x %d steps, the config "
                 "makes %d x %d (tests, platforms or steps changed); write to a new file with -o",
                 path, r->n, r->steps, N, c->steps);
        return -1;
    }
    if (results_read_rows(r, rows)) {
        snprintf(err, errlen, "%s: cannot read /experiments", path);
        return -1;
    }
    for (int i = 0; i < N; i++) {
        const char *name = c->platforms[c->experiments[i].platform].conf.name;
        if (strcmp(rows[i].platform, name) != 0 || rows[i].test != c->experiments[i].test) {
            snprintf(err, errlen,
                     "%s: cannot resume: row %d is platform %s test %d in the file but "
                     "platform %s test %d in the config (platform set or order changed); write to a "
                     "new file with -o",
                     path, i, rows[i].platform, rows[i].test, name, c->experiments[i].test);
            return -1;
        }
    }
    char old_hash[64] = "";
    h5io_read_attr_str(r->file, "config_hash", old_hash, sizeof old_hash);
    if (!strcmp(old_hash, c->config_hash)) return 0;
    static char old_cmp[65536];
    h5io_read_attr_str(r->file, "comparable_settings", old_cmp, sizeof old_cmp);
    char *d = malloc(3000);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    campaign_diff(old_cmp, c->comparable, d, 3000);
    if (force) {
        *diff = d;
        return 0;
    }
    snprintf(err, errlen,
             "%s: cannot resume: the config changed in ways that make old results "
             "incomparable (config_hash %s -> %s):\n%s\nhint: restore the old settings, write to a new "
             "file with -o, or pass --force-resume to mix them anyway (each resume's settings are "
             "recorded as resumeN_* attributes)",
             path, old_hash, c->config_hash, d);
    free(d);
    return -1;
}

int results_resume(results *r, const char *path, MPI_Comm comm, const campaign *c, int force, exp_row *rows,
                   char **diff, char *err, size_t errlen) {
    *diff = NULL;
    if (results_open(r, path, comm, err, errlen)) return -1;
    char why[256];
    int resumes = 0, rc = check_resumable(r, path, c, force, rows, diff, err, errlen);
    int ar = rc ? 0 : h5io_read_attr_num(r->file, "resume_count", H5T_NATIVE_INT, &resumes);
    if (ar < 0) { /* absent (H5IO_ABSENT) in no file we wrote: then the first resume */
        h5diag_message(why, sizeof why);
        snprintf(err, errlen,
                 "%s: damaged: attribute \"resume_count\": %s; expected one integer; "
                 "hint: write to a new file with -o",
                 path, *why ? why : "not one number");
        rc = -1;
    }
    if (rc == 0 && results_begin_resume(r, resumes + 1, c->comparable, c->config_hash, c->config_text)) {
        snprintf(err, errlen, "%s: cannot update the file's attributes", path);
        rc = -1;
    }
    if (rc) {
        free(*diff);
        *diff = NULL;
        results_close_handles(r);
    }
    return rc;
}

void results_abandon(results *r) { results_close_handles(r); }

int results_read_rows(results *r, exp_row *rows) {
    return H5Dread(r->exp_ds, r->row_type, H5S_ALL, H5S_ALL, r->dxpl, rows) < 0 ? -1 : 0;
}

int results_begin_resume(results *r, int resume_count, const char *comparable, const char *hash,
                         const char *config_text) {
    int rc = 0;
    double now = time_unix();
    MPI_Comm comm;
    hid_t fapl = H5Fget_access_plist(r->file);
    MPI_Info info;
    H5Pget_fapl_mpio(fapl, &comm, &info);
    H5Pclose(fapl);
    MPI_CHECK(MPI_Bcast(&now, 1, MPI_DOUBLE, 0, comm));
    rc |= h5io_attr_i32(r->file, "resume_count", resume_count);
    rc |= h5io_attr_f64(r->file, "updated_unix", now);
    rc |= h5io_attr_str_sized(r->file, "state", state_names[RESULTS_RUNNING], STATE_SIZE);
    char name[64];
    snprintf(name, sizeof name, "resume%d_config_text", resume_count);
    rc |= h5io_attr_str(r->file, name, config_text);
    snprintf(name, sizeof name, "resume%d_config_hash", resume_count);
    rc |= h5io_attr_str(r->file, name, hash);
    snprintf(name, sizeof name, "resume%d_comparable_settings", resume_count);
    rc |= h5io_attr_str(r->file, name, comparable);
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0) rc = 1;
    int any = 0;
    MPI_CHECK(MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_LOR, comm));
    MPI_CHECK(MPI_Comm_free(&comm));
    if (info != MPI_INFO_NULL) MPI_CHECK(MPI_Info_free(&info));
    return any ? -1 : 0;
}

static int write_rows(results *r, hid_t ds, hid_t type, int id, int cols, const void *buf) {
    if (id < 0 || id >= r->n) return -1;
    hid_t fs = H5Dget_space(ds);
    hsize_t start[2] = {(hsize_t)id, 0}, count[2] = {1, (hsize_t)cols};
    int rank = cols > 0 ? 2 : 1;
    if (cols <= 0) count[0] = 1;
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(rank, count, NULL);
    herr_t e = H5Dwrite(ds, type, ms, fs, r->dxpl, buf);
    H5Sclose(ms);
    H5Sclose(fs);
    return e < 0 ? -1 : 0;
}

int results_write_row(results *r, const exp_row *row) {
    return write_rows(r, r->exp_ds, r->row_type, row->id, 0, row);
}

int results_write_curves(results *r, int id, double *const *curves, int steps) {
    double *buf = malloc((size_t)r->steps * sizeof *buf);
    if (!buf) return -1;
    int rc = 0;
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        for (int s = 0; s < r->steps; s++) buf[s] = curves && curves[m] && s < steps ? curves[m][s] : NAN;
        rc |= write_rows(r, r->curve_ds[m], H5T_NATIVE_DOUBLE, id, r->steps, buf);
    }
    free(buf);
    return rc;
}

int results_write_output(results *r, int id, const char *out_tail, const char *err_tail) {
    static char buf[LAUNCH_TAIL];
    int rc = 0;
    const char *src[2] = {out_tail, err_tail};
    for (int i = 0; i < 2; i++) {
        memset(buf, 0, sizeof buf);
        snprintf(buf, sizeof buf, "%s", src[i] ? src[i] : "");
        rc |= write_rows(r, r->out_ds[i], r->tail_type, id, 0, buf);
    }
    return rc;
}

int results_finish(results *r, results_state state) {
    if (r->file < 0) return -1;
    int rc = 0;
    double now = time_unix();
    hid_t fapl = H5Fget_access_plist(r->file);
    MPI_Comm comm;
    MPI_Info info;
    H5Pget_fapl_mpio(fapl, &comm, &info);
    H5Pclose(fapl);
    MPI_CHECK(MPI_Bcast(&now, 1, MPI_DOUBLE, 0, comm));
    rc |= h5io_attr_f64(r->file, "updated_unix", now);
    rc |= h5io_attr_str_sized(r->file, "state", state_names[state], STATE_SIZE);
    results_close_handles(r);
    MPI_CHECK(MPI_Comm_free(&comm));
    if (info != MPI_INFO_NULL) MPI_CHECK(MPI_Info_free(&info));
    return rc ? -1 : 0;
}

/* Records one damaged object of a file being loaded: a line of v->damage. */
static void view_damage(results_view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void view_damage(results_view *v, const char *fmt, ...) {
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t old = v->damage ? strlen(v->damage) : 0, add = strlen(line);
    char *d = realloc(v->damage, old + add + 2);
    if (!d) return;
    memcpy(d + old, line, add);
    d[old + add] = '\n';
    d[old + add + 1] = '\0';
    v->damage = d;
    v->n_damaged++;
}

/* Root attributes that failed, grouped by cause: they usually share one damaged object
 * (the root group's attribute storage), which is then reported once. */
typedef struct attr_fails {
    int n;              /* distinct causes */
    char why[4][512];   /* the cause */
    char names[4][512]; /* "\"format\", \"state\"" */
    int count[4];       /* attributes per cause */
} attr_fails;
static void attr_fail(attr_fails *a, const char *name, const char *why) {
    int i = 0;
    while (i < a->n && strcmp(a->why[i], why)) i++;
    if (i == a->n) {
        if (a->n == 4)
            i = 3;
        else
            snprintf(a->why[a->n++], sizeof a->why[0], "%s", why);
    }
    size_t used = strlen(a->names[i]);
    snprintf(a->names[i] + used, sizeof a->names[0] - used, "%s\"%s\"", used ? ", " : "", name);
    a->count[i]++;
}

static void attr_fails_report(results_view *v, const attr_fails *a) {
    for (int i = 0; i < a->n; i++)
        view_damage(v, "attribute%s %s of /: unreadable (%s); shown as unknown", a->count[i] > 1 ? "s" : "",
                    a->names[i], a->why[i]);
}

/* A root attribute of a file being loaded: 0 read, -1 absent, -2 damaged (recorded). */
static int view_attr(attr_fails *fails, hid_t f, const char *name, int text, void *out, size_t n) {
    char why[512];
    H5Eclear2(H5E_DEFAULT);
    int rc = text ? h5io_read_attr_str(f, name, out, n) : h5io_read_attr_num(f, name, H5T_NATIVE_DOUBLE, out);
    if (rc == 0) return 0;
    if (rc == H5IO_ABSENT) return -1;
    if (!text) *(double *)out = NAN;
    h5diag_message(why, sizeof why);
    attr_fail(fails, name, *why ? why : "its value cannot be read");
    return -2;
}

/* Makes a string field of a row printable (a damaged file may hold any bytes). */
static void printable(char *s, size_t n) {
    s[n - 1] = '\0';
    for (; *s; s++)
        if ((unsigned char)*s < 32 || (unsigned char)*s > 126) *s = '?';
}

/* Reads /experiments row by row after a whole read failed: keeps the readable rows in
 * order, records each run of unreadable ones. */
static void view_rows_one_by_one(results_view *v, hid_t ds, hid_t rt, hsize_t n) {
    hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(1, (hsize_t[]){1}, NULL);
    int kept = 0;
    hsize_t bad_from = n;
    char why[512] = "", first_why[512] = "";
    for (hsize_t i = 0; i <= n; i++) {
        int ok = 0;
        if (i < n) {
            hsize_t start = i, count = 1;
            ok = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
                 H5Dread(ds, rt, ms, fs, H5P_DEFAULT, &v->rows[kept]) >= 0;
            if (!ok) {
                h5diag_message(why, sizeof why);
                if (bad_from == n) {
                    bad_from = i;
                    snprintf(first_why, sizeof first_why, "%s", why);
                }
                continue;
            }
            kept++;
        }
        if (bad_from < n) {
            view_damage(v, "dataset /experiments: rows %llu-%llu of %llu unreadable (%s); not shown",
                        (unsigned long long)bad_from, (unsigned long long)i - 1, (unsigned long long)n,
                        first_why);
            bad_from = n;
        }
    }
    H5Sclose(ms);
    H5Sclose(fs);
    v->n = kept;
}

/* Reads a whole dataset the status and report do not show, to report its damage too. */
static void view_probe(results_view *v, hid_t f, const char *name) {
    char why[512];
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    if (ds < 0) {
        h5diag_message(why, sizeof why);
        char group[64];
        snprintf(group, sizeof group, "%s", name);
        char *slash = strchr(group, '/');
        if (slash) *slash = '\0';
        if (H5Lexists(f, group, H5P_DEFAULT) == 0 ||
            (H5Lexists(f, group, H5P_DEFAULT) > 0 && H5Lexists(f, name, H5P_DEFAULT) == 0)) {
            H5Eclear2(H5E_DEFAULT);
            return; /* absent, not damaged (older files) */
        }
        view_damage(v, "dataset /%s: cannot open (%s); status and report do not need it", name, why);
        return;
    }
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    size_t sz = t >= 0 ? H5Tget_size(t) : 0;
    void *buf = np >= 0 && sz && (double)np * sz < 1e9 ? malloc((size_t)np * sz + 1) : NULL;
    if (!buf || H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        h5diag_message(why, sizeof why);
        view_damage(v, "dataset /%s: unreadable (%s); status and report do not need it", name,
                    *why ? why : "implausible size");
    }
    free(buf);
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
    H5Dclose(ds);
}

/* The end-of-file address a superblock at the start of buf records (versions 0-3, 4- or
 * 8-byte addresses, base address 0), or 0 when buf does not start with one. */
static uint64_t superblock_eof(const unsigned char *b, size_t n) {
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (n < 48 || memcmp(b, sig, 8) != 0) return 0;
    int ver = b[8];
    size_t so = ver >= 2 ? b[9] : b[13], at;
    if (so != 4 && so != 8) return 0;
    if (ver >= 2)
        at = 12 + 2 * so; /* sig, ver, sizes, flags, base, ext */
    else
        at = (ver == 1 ? 28 : 24) + 2 * so; /* ..., K values, flags, base, free space */
    if (at + so > n) return 0;
    uint64_t eof = 0;
    for (size_t i = 0; i < so; i++) eof |= (uint64_t)b[at + i] << (8 * i);
    return eof;
}

/* Opens a truncated file read-only from memory, padded with zeros to the length its
 * superblock records, so everything before the cut can still be read. -1 if it cannot. */
static hid_t open_truncated(const char *path, off_t size, uint64_t *stored) {
    *stored = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    unsigned char head[64];
    size_t got = fread(head, 1, sizeof head, fp);
    uint64_t eof = superblock_eof(head, got);
    hid_t f = -1;
    if (eof > (uint64_t)size && eof < ((uint64_t)1 << 32)) {
        unsigned char *buf = calloc(1, (size_t)eof);
        rewind(fp);
        if (buf && fread(buf, 1, (size_t)size, fp) == (size_t)size) {
            hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
            if (H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0 && H5Pset_file_image(fapl, buf, (size_t)eof) >= 0)
                f = H5Fopen("/dev/null/platbench-in-memory", H5F_ACC_RDONLY, fapl); /* a name no file has */
            H5Pclose(fapl);
            *stored = eof;
        }
        free(buf);
    }
    fclose(fp);
    H5Eclear2(H5E_DEFAULT);
    return f;
}

/* Opens path read-only for loading: a truncated file from memory, padded (the damage
   recorded in v). The file, or -1 with err. *size: the file's size; *stored_eof: the length
   its superblock records when truncated, else 0. */
static hid_t load_open(const char *path, results_view *v, off_t *size, uint64_t *stored_eof, char *err,
                       size_t errlen) {
    char why[512];
    struct stat st;
    *stored_eof = 0;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s; expected a platbench results file", path,
                 strerror(errno));
        return -1;
    }
    *size = st.st_size;
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file (0 bytes); expected a platbench results file", path);
        return -1;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1); /* readable while a campaign writes it */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    h5diag_message(why, sizeof why); /* before the next call clears the stack */
    H5Pclose(fapl);
    if (f < 0 && strstr(why, "truncated file")) {
        f = open_truncated(path, st.st_size, stored_eof);
        if (f >= 0)
            view_damage(
                v,
                "file truncated: %lld of the %llu bytes its superblock records are present; what lies "
                "beyond byte %lld is lost",
                (long long)st.st_size, (unsigned long long)*stored_eof, (long long)st.st_size);
    }
    if (f < 0)
        snprintf(err, errlen,
                 "%s: cannot open as HDF5 (%s); expected a platbench results file (truncated, "
                 "overwritten, or not HDF5?); nothing can be read",
                 path, why);
    return f;
}

/* /experiments into v->rows: whole, else row by row; rows past a truncation cut dropped;
   every damaged part recorded. 0, or -1 (out of memory). */
static int load_rows(results_view *v, hid_t f, off_t size, uint64_t stored_eof) {
    char why[512];
    hid_t ds = H5Dopen2(f, "experiments", H5P_DEFAULT);
    if (ds < 0) {
        h5diag_message(why, sizeof why);
        view_damage(v, "dataset /experiments: cannot open (%s); no experiment rows shown", why);
        v->rows = calloc(1, sizeof *v->rows);
        return v->rows ? 0 : -1;
    }
    hid_t sp = H5Dget_space(ds), rt = -1;
    hsize_t n = 0;
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, &n, NULL) < 0 ||
        n > 10000000) {
        h5diag_message(why, sizeof why);
        view_damage(v, "dataset /experiments: unreadable shape (%s); no experiment rows shown",
                    *why ? why : "not 1-D or implausibly long");
        n = 0;
    }
    if (sp >= 0) H5Sclose(sp);
    int rc = -1;
    if (!(v->rows = calloc(n ? n : 1, sizeof *v->rows))) goto done;
    rt = make_row_type();
    v->n = (int)n;
    if (n && H5Dread(ds, rt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v->rows) < 0) view_rows_one_by_one(v, ds, rt, n);
    haddr_t at = stored_eof ? H5Dget_offset(ds) : HADDR_UNDEF;
    hid_t ft = at != HADDR_UNDEF ? H5Dget_type(ds) : -1;
    size_t rs = ft >= 0 ? H5Tget_size(ft) : 0;
    if (ft >= 0) H5Tclose(ft);
    if (rs && v->n == (int)n && at + (uint64_t)rs * n > (uint64_t)size) { /* rows past the cut */
        hsize_t keep = at >= (uint64_t)size ? 0 : ((uint64_t)size - at) / rs;
        view_damage(v,
                    "dataset /experiments: rows %llu-%llu of %llu lie beyond the end of the truncated file; "
                    "not shown",
                    (unsigned long long)keep, (unsigned long long)n - 1, (unsigned long long)n);
        v->n = (int)keep;
    }
    for (int i = 0; i < v->n; i++) {
        exp_row *r = &v->rows[i];
        printable(r->platform, sizeof r->platform);
        printable(r->kind, sizeof r->kind);
        printable(r->status, sizeof r->status);
        printable(r->host, sizeof r->host);
        printable(r->error, sizeof r->error);
    }
    rc = 0;
done:
    if (rt >= 0) H5Tclose(rt);
    H5Dclose(ds);
    return rc;
}

/* The root attributes status and report show; damaged ones read as unknown ("?", NaN). */
static void load_attrs(results_view *v, attr_fails *fails, hid_t f) {
    double steps = NAN;
    view_attr(fails, f, "steps", 0, &steps, 0);
    v->steps = isnan(steps) || steps < 0 || steps > 1e9 ? 0 : (int)steps;
    if (view_attr(fails, f, "state", 1, v->state, sizeof v->state)) snprintf(v->state, sizeof v->state, "?");
    if (view_attr(fails, f, "campaign_name", 1, v->campaign_name, sizeof v->campaign_name))
        snprintf(v->campaign_name, sizeof v->campaign_name, "?");
    view_attr(fails, f, "config_file", 1, v->config_file, sizeof v->config_file);
    v->created_unix = v->updated_unix = NAN;
    view_attr(fails, f, "created_unix", 0, &v->created_unix, 0);
    view_attr(fails, f, "updated_unix", 0, &v->updated_unix, 0);
    printable(v->state, sizeof v->state);
    printable(v->campaign_name, sizeof v->campaign_name);
}

int results_load(const char *path, results_view *v, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    attr_fails fails = {0};
    h5diag_quiet(); /* our own one line per damaged object instead of HDF5's stack */
    char why[512];
    off_t size = 0;
    uint64_t stored_eof = 0;
    hid_t f = load_open(path, v, &size, &stored_eof, err, errlen);
    if (f < 0) {
        results_view_free(v);
        return -1;
    }
    int rc = -1;
    H5O_info_t root;
    if (H5Oget_info2(f, &root, H5O_INFO_BASIC) < 0) { /* every attribute and link is in it */
        h5diag_message(why, sizeof why);
        view_damage(v,
                    "root group: object header unreadable (%s); no attribute or dataset can be reached, "
                    "nothing shown",
                    why);
        v->rows = calloc(1, sizeof *v->rows);
        snprintf(v->state, sizeof v->state, "?");
        snprintf(v->campaign_name, sizeof v->campaign_name, "?");
        v->created_unix = v->updated_unix = NAN;
        rc = 0;
        goto done;
    }
    char fmt[64] = "";
    int fr = view_attr(&fails, f, "format", 1, fmt, sizeof fmt);
    if (fr == -1 || (fr == 0 && strcmp(fmt, "platbench-results") != 0)) {
        snprintf(err, errlen,
                 "%s: not a platbench results file (format \"%s\"; expected \"platbench-results\")", path,
                 fmt);
        goto done;
    }
    if (load_rows(v, f, size, stored_eof)) {
        snprintf(err, errlen, "%s: out of memory for the rows", path);
        goto done;
    }
    load_attrs(v, &fails, f);
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", wc_curve_names[m]);
        view_probe(v, f, name);
    }
    view_probe(v, f, "output/stdout_tail");
    view_probe(v, f, "output/stderr_tail");
    attr_fails_report(v, &fails);
    rc = 0;
done:
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    if (rc) results_view_free(v);
    return rc;
}

void results_view_free(results_view *v) {
    free(v->rows);
    free(v->damage);
    memset(v, 0, sizeof *v);
}
