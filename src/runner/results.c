/* results: the parallel-HDF5 campaign results file (see results.h, analysis/SCHEMA.md). */
#define _GNU_SOURCE
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/durable.h"
#include "../common/h5diag.h"
#include "../common/timing.h"
#include "launch.h"
#include "../common/fsspace.h"

const char *const results_curve_names[RESULTS_N_CURVES] = {"train_loss", "train_acc", "val_loss",
                                                           "val_acc",    "lr",        "elapsed_s"};

void exp_row_init(exp_row *row) {
    memset(row, 0, sizeof *row);
    row->id = -1;
    row->test = -1;
    row->seed = -1;
    snprintf(row->status, sizeof row->status, "pending");
    row->rank = -1;
    row->exit_code = -1;
    row->peak_rss_kb = -1;
    row->iterations = -1;
    row->cpus_seen = -1;
    row->threads = -1;
    row->data_version = -1;
    row->oversubscribed = -1;
    double *d[] = {&row->start_unix, &row->end_unix, &row->wall_s, &row->user_s, &row->sys_s,
                   &row->startup_s, &row->workload_s, &row->teardown_s, &row->launch_overhead_s,
                   &row->final_rate, &row->final_error, &row->train_acc, &row->val_acc,
                   &row->test_acc, &row->training_time_s, &row->load_time_s,
                   &row->train_compute_s, &row->eval_time_s, &row->total_time_s, &row->loadavg,
                   &row->steal_frac, &row->cpu_mhz};
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) *d[i] = NAN;
}

static hid_t str_type(size_t n) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, n);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

static hid_t make_row_type(void) {
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(exp_row));
    hid_t s16 = str_type(16), s32 = str_type(32), s64 = str_type(64), s128 = str_type(128),
          s160 = str_type(160);
#define I32(f) H5Tinsert(t, #f, HOFFSET(exp_row, f), H5T_NATIVE_INT32)
#define I64(f) H5Tinsert(t, #f, HOFFSET(exp_row, f), H5T_NATIVE_INT64)
#define DBL(f) H5Tinsert(t, #f, HOFFSET(exp_row, f), H5T_NATIVE_DOUBLE)
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

static int attr_text(hid_t obj, const char *name, const char *value) {
    size_t len = strlen(value);
    hid_t t = str_type(len + 1), sp = H5Screate(H5S_SCALAR);
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, t, value) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

static int attr_num(hid_t obj, const char *name, hid_t type, const void *value) {
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT)
                                       : H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = a < 0 || H5Awrite(a, type, value) < 0 ? -1 : 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

int results_get_attr_text(hid_t obj, const char *name, char *buf, size_t n) {
    if (n) buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    int rc = -1;
    /* one fixed-length string (a file may hold any shape: tmp has room for one) */
    if (H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft) && sp >= 0 &&
        H5Sget_simple_extent_npoints(sp) == 1 && H5Tget_size(ft) <= 65536) {
        size_t sz = H5Tget_size(ft);
        char *tmp = calloc(1, sz + 1);
        hid_t mt = str_type(sz + 1);
        if (tmp && H5Aread(a, mt, tmp) >= 0) {
            snprintf(buf, n, "%s", tmp);
            rc = 0;
        }
        H5Tclose(mt);
        free(tmp);
    }
    if (sp >= 0) H5Sclose(sp);
    H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

static double attr_double(hid_t obj, const char *name) {
    double v = NAN;
    if (H5Aexists(obj, name) <= 0) return v;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a >= 0) {
        hid_t sp = H5Aget_space(a); /* one value: v has room for no more */
        if (sp < 0 || H5Sget_simple_extent_npoints(sp) != 1 || H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) v = NAN;
        if (sp >= 0) H5Sclose(sp);
        H5Aclose(a);
    }
    return v;
}

static int describe_ds(hid_t ds, const char *units, const char *description) {
    return attr_text(ds, "units", units) | attr_text(ds, "description", description);
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

/* HDF5's own metadata checksum (exported by every 1.8+ library, not in the public headers). */
uint32_t H5_checksum_metadata(const void *data, size_t len, uint32_t initval);

/* H5Fget_file_image of 1.10.8 clears the "open for writing" status flag in the image's
   version 2/3 superblock but keeps the checksum computed with the flag set, so the image does
   not open ("incorrect metadata checksum"): recompute it over the superblock's 44 bytes. */
static void fix_superblock_checksum(unsigned char *img) {
    if (memcmp(img, "\211HDF\r\n\032\n", 8) != 0 || img[8] < 2 || img[9] != 8) return;
    uint32_t sum = H5_checksum_metadata(img, 44, 0);
    for (int i = 0; i < 4; i++) img[44 + i] = (unsigned char)(sum >> (8 * i));
}

/* Writes the whole structure of a new results file into the open file r->file (rank 0 alone,
   serial driver): datasets allocated early with their fill values, initial rows, attributes.
   0 or non-zero; r's handles stay open for the caller to close. */
static int create_structure(results *r, const campaign *c, const provenance *prov,
                            const exp_row *rows, int size, double now) {
    int rc = 0;
    r->row_type = make_row_type();
    r->tail_type = str_type(LAUNCH_TAIL);
    exp_row fill;
    exp_row_init(&fill);
    hsize_t n = (hsize_t)r->n, dims2[2] = {(hsize_t)r->n, (hsize_t)r->steps};
    r->exp_ds = create_ds(r->file, "experiments", r->row_type, 1, &n, &fill);
    rc |= r->exp_ds < 0;
    rc |= describe_ds(r->exp_ds, "see field names: _s seconds, _kb KiB, _unix epoch s, _acc 0..1",
                      "one row per experiment, in run order; row index = id");
    hid_t g = H5Gcreate2(r->file, "curves", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    double nan = NAN;
    static const char *const units[RESULTS_N_CURVES] = {"loss", "fraction", "loss", "fraction",
                                                        "learning rate", "s"};
    for (int i = 0; i < RESULTS_N_CURVES; i++) {
        r->curve_ds[i] = create_ds(g, results_curve_names[i], H5T_NATIVE_DOUBLE, 2, dims2, &nan);
        rc |= r->curve_ds[i] < 0;
        char d[128];
        snprintf(d, sizeof d, "%s per step; row = experiment id; NaN = not measured",
                 results_curve_names[i]);
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

    /* /platforms */
    typedef struct prow {
        char name[32], kind[16], hosts[128], runtime_version[256], image_id[256], detail[256];
    } prow;
    hid_t pt = H5Tcreate(H5T_COMPOUND, sizeof(prow));
    hid_t s16 = str_type(16), s32 = str_type(32), s128 = str_type(128), s256 = str_type(256);
    H5Tinsert(pt, "name", HOFFSET(prow, name), s32);
    H5Tinsert(pt, "kind", HOFFSET(prow, kind), s16);
    H5Tinsert(pt, "hosts", HOFFSET(prow, hosts), s128);
    H5Tinsert(pt, "runtime_version", HOFFSET(prow, runtime_version), s256);
    H5Tinsert(pt, "image_id", HOFFSET(prow, image_id), s256);
    H5Tinsert(pt, "detail", HOFFSET(prow, detail), s256);
    hsize_t np = (hsize_t)c->n_platforms;
    prow pfill;
    memset(&pfill, 0, sizeof pfill);
    hid_t pds = create_ds(r->file, "platforms", pt, 1, &np, &pfill);
    rc |= pds < 0;
    if (pds >= 0) {
        prow *pr = calloc((size_t)c->n_platforms, sizeof *pr);
        if (pr) {
            for (int i = 0; i < c->n_platforms; i++) {
                const platform_conf *pc = &c->platforms[i].conf;
                char key[96];
                snprintf(pr[i].name, sizeof pr[i].name, "%s", pc->name);
                snprintf(pr[i].kind, sizeof pr[i].kind, "%s", pc->kind);
                snprintf(pr[i].hosts, sizeof pr[i].hosts, "%s", pc->hosts ? pc->hosts : "");
                const char *v;
                snprintf(key, sizeof key, "platform.%s.runtime_version", pc->name);
                if ((v = provenance_get(prov, key)))
                    snprintf(pr[i].runtime_version, sizeof pr[i].runtime_version, "%s", v);
                snprintf(key, sizeof key, "platform.%s.image_id", pc->name);
                if ((v = provenance_get(prov, key)))
                    snprintf(pr[i].image_id, sizeof pr[i].image_id, "%s", v);
                snprintf(key, sizeof key, "platform.%s.detail", pc->name);
                if ((v = provenance_get(prov, key)))
                    snprintf(pr[i].detail, sizeof pr[i].detail, "%s", v);
            }
            if (H5Dwrite(pds, pt, H5S_ALL, H5S_ALL, H5P_DEFAULT, pr) < 0) rc = 1;
            free(pr);
        } else {
            rc = 1;
        }
    }
    if (pds >= 0) H5Dclose(pds);
    H5Tclose(pt);
    H5Tclose(s16);
    H5Tclose(s32);
    H5Tclose(s128);
    H5Tclose(s256);

    /* initial rows (ids, platforms, seeds, skipped ones) */
    if (r->n > 0 && H5Dwrite(r->exp_ds, r->row_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
        rc = 1;

    /* root attributes */
    hid_t f = r->file;
    int fv = 1, ne = r->n, st = r->steps, resumes = 0;
    rc |= attr_text(f, "format", "platbench-results");
    rc |= attr_num(f, "format_version", H5T_NATIVE_INT32, &fv);
    rc |= attr_text(f, "campaign_name", c->name);
    rc |= attr_text(f, "config_file", c->config_file);
    rc |= attr_text(f, "config_text", c->config_text);
    rc |= attr_text(f, "config_hash", c->config_hash);
    rc |= attr_text(f, "comparable_settings", c->comparable);
    rc |= attr_num(f, "created_unix", H5T_NATIVE_DOUBLE, &now);
    rc |= attr_num(f, "updated_unix", H5T_NATIVE_DOUBLE, &now);
    /* fixed size so the end-of-run update rewrites the value in place */
    hid_t s16b = str_type(16), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "state", s16b, sp, H5P_DEFAULT, H5P_DEFAULT);
    char state[16] = "running";
    rc |= a < 0 || H5Awrite(a, s16b, state) < 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(s16b);
    rc |= attr_num(f, "n_experiments", H5T_NATIVE_INT32, &ne);
    rc |= attr_num(f, "steps", H5T_NATIVE_INT32, &st);
    rc |= attr_num(f, "mpi_ranks", H5T_NATIVE_INT32, &size);
    rc |= attr_num(f, "resume_count", H5T_NATIVE_INT32, &resumes);
    rc |= attr_num(f, "timeout_s", H5T_NATIVE_DOUBLE, &c->timeout_s);
    rc |= attr_num(f, "retries", H5T_NATIVE_INT32, &c->retries);
    for (int i = 0; i < prov->n; i++)
        if (strncmp(prov->keys[i], "platform.", 9) != 0)
            rc |= attr_text(f, prov->keys[i], prov->values[i]);
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0) rc = 1;
    return rc;
}

int results_create(results *r, const char *path, MPI_Comm comm, const campaign *c,
                   const provenance *prov, const exp_row *rows, char *err, size_t errlen) {
    results_init_handles(r);
    int rank, size_ranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size_ranks);
    double now = time_unix();
    MPI_Bcast(&now, 1, MPI_DOUBLE, 0, comm);
    /* Rank 0 alone builds the file with the serial driver, as PATH.tmp, renamed when whole;
       then every rank opens it. A full disk or quota during creation then fails on one rank
       outside any collective call: built collectively, an ENOSPC on one rank left the others
       waiting in HDF5's internal barriers (H5D__contig_fill) forever. A kill before the
       rename leaves only PATH.tmp, never mistaken for a campaign to resume. */
    char msg[2048] = "";
    int rc = 0;
    r->n = c->n_experiments;
    r->steps = c->steps;
    if (rank == 0) {
        char *tmp = NULL;
        void *image = NULL;
        ssize_t size = -1;
        if (asprintf(&tmp, "%s.tmp", path) < 0) tmp = NULL;
        /* built in memory (core driver, no backing store) and written with write + fsync:
           the disk is touched by our own write only, whose errno tells a full disk */
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        H5Pset_fapl_core(fapl, 1 << 20, 0);
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
        /* metadata (object headers, their continuations, attributes) in one block at the
           start, before the rows: a file cut inside its rows still opens with the rows
           before the cut (the rows grew with the CPU-placement fields, and the root
           group's continuation landed behind them) */
        H5Pset_meta_block_size(fapl, 1 << 16);
        r->file = tmp ? H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
        H5Pclose(fapl);
        if (r->file >= 0 && create_structure(r, c, prov, rows, size_ranks, now) == 0)
            size = H5Fget_file_image(r->file, NULL, 0);
        if (size > 0 && (image = malloc((size_t)size)) &&
            H5Fget_file_image(r->file, image, (size_t)size) != size)
            size = -1;
        if (size >= 48) fix_superblock_checksum(image);
        results_close_handles(r);
        int e = 0;
        if (size <= 0 || !image) {
            snprintf(msg, sizeof msg, "%s: building the results file failed (HDF5 error or out of "
                     "memory)", path);
            rc = 1;
        } else if (fsspace_write_file(tmp, image, (size_t)size, &e) != 0) {
            if (fsspace_is_nospace(e)) {
                char fs[1200], sz[32];
                fsspace_describe(tmp, fs, sizeof fs);
                fsspace_bytes((uint64_t)size, sz, sizeof sz);
                snprintf(msg, sizeof msg, "out of space creating the results file %s (%s) on %s: "
                         "%s; free space (or write elsewhere with -o) and run the same command "
                         "again", path, sz, fs, strerror(e));
                rc = 2;
            } else {
                snprintf(msg, sizeof msg, "%s: cannot write the new results file: %s; expected a "
                         "writable folder", tmp, strerror(e));
                rc = 1;
            }
        } else if (durable_rename(tmp, path) != 0) { /* synced, then published */
            snprintf(msg, sizeof msg, "%s: cannot rename %s into place: %s", path, tmp,
                     strerror(errno));
            rc = 1;
        }
        if (rc && tmp) remove(tmp);
        free(image);
        free(tmp);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, comm);
    if (rc) {
        MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm);
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
        snprintf(err, errlen, "%s: cannot open the existing results file for resuming; hint: "
                 "move it away to start afresh", path);
        return -1;
    }
    char fmt[64];
    results_get_attr_text(r->file, "format", fmt, sizeof fmt);
    if (strcmp(fmt, "platbench-results") != 0) {
        snprintf(err, errlen, "%s: not a platbench results file (format \"%s\")", path, fmt);
        results_close_handles(r);
        return -1;
    }
    r->exp_ds = H5Dopen2(r->file, "experiments", H5P_DEFAULT);
    r->row_type = make_row_type();
    r->tail_type = str_type(LAUNCH_TAIL);
    int bad = r->exp_ds < 0;
    char name[64];
    for (int i = 0; i < RESULTS_N_CURVES; i++) {
        snprintf(name, sizeof name, "curves/%s", results_curve_names[i]);
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
    MPI_Bcast(&now, 1, MPI_DOUBLE, 0, comm);
    rc |= attr_num(r->file, "resume_count", H5T_NATIVE_INT32, &resume_count);
    rc |= attr_num(r->file, "updated_unix", H5T_NATIVE_DOUBLE, &now);
    hid_t a = H5Aopen(r->file, "state", H5P_DEFAULT);
    hid_t t = str_type(16);
    char state[16] = "running";
    rc |= a < 0 || H5Awrite(a, t, state) < 0;
    if (a >= 0) H5Aclose(a);
    H5Tclose(t);
    char name[64];
    snprintf(name, sizeof name, "resume%d_config_text", resume_count);
    rc |= attr_text(r->file, name, config_text);
    snprintf(name, sizeof name, "resume%d_config_hash", resume_count);
    rc |= attr_text(r->file, name, hash);
    snprintf(name, sizeof name, "resume%d_comparable_settings", resume_count);
    rc |= attr_text(r->file, name, comparable);
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0) rc = 1;
    int any = 0;
    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_LOR, comm);
    MPI_Comm_free(&comm);
    if (info != MPI_INFO_NULL) MPI_Info_free(&info);
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
        for (int s = 0; s < r->steps; s++)
            buf[s] = curves && curves[m] && s < steps ? curves[m][s] : NAN;
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

int results_finish(results *r, const char *state) {
    if (r->file < 0) return -1;
    int rc = 0;
    double now = time_unix();
    hid_t fapl = H5Fget_access_plist(r->file);
    MPI_Comm comm;
    MPI_Info info;
    H5Pget_fapl_mpio(fapl, &comm, &info);
    H5Pclose(fapl);
    MPI_Bcast(&now, 1, MPI_DOUBLE, 0, comm);
    rc |= attr_num(r->file, "updated_unix", H5T_NATIVE_DOUBLE, &now);
    hid_t a = H5Aopen(r->file, "state", H5P_DEFAULT);
    hid_t t = str_type(16);
    char st[16];
    memset(st, 0, sizeof st);
    snprintf(st, sizeof st, "%s", state);
    rc |= a < 0 || H5Awrite(a, t, st) < 0;
    if (a >= 0) H5Aclose(a);
    H5Tclose(t);
    results_close_handles(r);
    MPI_Comm_free(&comm);
    if (info != MPI_INFO_NULL) MPI_Info_free(&info);
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
    int n;                 /* distinct causes */
    char why[4][512];      /* the cause */
    char names[4][512];    /* "\"format\", \"state\"" */
    int count[4];          /* attributes per cause */
} attr_fails;
static void attr_fail(attr_fails *a, const char *name, const char *why) {
    int i = 0;
    while (i < a->n && strcmp(a->why[i], why)) i++;
    if (i == a->n) {
        if (a->n == 4) i = 3;
        else snprintf(a->why[a->n++], sizeof a->why[0], "%s", why);
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
    htri_t ex = H5Aexists(f, name);
    if (ex == 0) return -1;
    if (ex > 0) {
        if (text ? results_get_attr_text(f, name, out, n) == 0 : !isnan(*(double *)out = attr_double(f, name)))
            return 0;
        if (!text && H5Eget_num(H5E_DEFAULT) == 0) return 0; /* a NaN stored as such */
    }
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
        if (H5Lexists(f, group, H5P_DEFAULT) == 0 || (H5Lexists(f, group, H5P_DEFAULT) > 0 &&
                                                     H5Lexists(f, name, H5P_DEFAULT) == 0)) {
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
    if (ver >= 2) at = 12 + 2 * so;                   /* sig, ver, sizes, flags, base, ext */
    else at = (ver == 1 ? 28 : 24) + 2 * so;          /* ..., K values, flags, base, free space */
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

int results_load(const char *path, results_view *v, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    attr_fails fails = {0};
    h5diag_quiet(); /* our own one line per damaged object instead of HDF5's stack */
    char why[512];
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot open: %s; expected a platbench results file", path, strerror(errno));
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file (0 bytes); expected a platbench results file", path);
        return -1;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1); /* readable while a campaign writes it */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl), ds = -1, rt = -1;
    h5diag_message(why, sizeof why); /* before the next call clears the stack */
    H5Pclose(fapl);
    uint64_t stored_eof = 0;
    if (f < 0 && strstr(why, "truncated file")) {
        f = open_truncated(path, st.st_size, &stored_eof);
        if (f >= 0)
            view_damage(v, "file truncated: %lld of the %llu bytes its superblock records are present; what lies "
                        "beyond byte %lld is lost", (long long)st.st_size, (unsigned long long)stored_eof,
                        (long long)st.st_size);
    }
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as HDF5 (%s); expected a platbench results file (truncated, "
                 "overwritten, or not HDF5?); nothing can be read", path, why);
        return -1;
    }
    int rc = -1;
    H5O_info_t root;
    if (H5Oget_info2(f, &root, H5O_INFO_BASIC) < 0) { /* every attribute and link is in it */
        h5diag_message(why, sizeof why);
        view_damage(v, "root group: object header unreadable (%s); no attribute or dataset can be reached, "
                    "nothing shown", why);
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
        snprintf(err, errlen, "%s: not a platbench results file (format \"%s\"; expected \"platbench-results\")",
                 path, fmt);
        goto done;
    }
    ds = H5Dopen2(f, "experiments", H5P_DEFAULT);
    if (ds < 0) {
        h5diag_message(why, sizeof why);
        view_damage(v, "dataset /experiments: cannot open (%s); no experiment rows shown", why);
    } else {
        hid_t sp = H5Dget_space(ds);
        hsize_t n = 0;
        if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1 || H5Sget_simple_extent_dims(sp, &n, NULL) < 0 ||
            n > 10000000) {
            h5diag_message(why, sizeof why);
            view_damage(v, "dataset /experiments: unreadable shape (%s); no experiment rows shown",
                        *why ? why : "not 1-D or implausibly long");
            n = 0;
        }
        if (sp >= 0) H5Sclose(sp);
        v->rows = calloc(n ? n : 1, sizeof *v->rows);
        if (!v->rows) {
            snprintf(err, errlen, "%s: out of memory for %llu rows", path, (unsigned long long)n);
            goto done;
        }
        rt = make_row_type();
        v->n = (int)n;
        if (n && H5Dread(ds, rt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v->rows) < 0) {
            h5diag_message(why, sizeof why);
            view_rows_one_by_one(v, ds, rt, n);
        }
        haddr_t at = stored_eof ? H5Dget_offset(ds) : HADDR_UNDEF;
        hid_t ft = at != HADDR_UNDEF ? H5Dget_type(ds) : -1;
        size_t rs = ft >= 0 ? H5Tget_size(ft) : 0;
        if (ft >= 0) H5Tclose(ft);
        if (rs && v->n == (int)n && at + (uint64_t)rs * n > (uint64_t)st.st_size) { /* rows past the cut */
            hsize_t keep = at >= (uint64_t)st.st_size ? 0 : ((uint64_t)st.st_size - at) / rs;
            view_damage(v, "dataset /experiments: rows %llu-%llu of %llu lie beyond the end of the truncated file; "
                        "not shown", (unsigned long long)keep, (unsigned long long)n - 1, (unsigned long long)n);
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
    }
    double steps = NAN;
    view_attr(&fails, f, "steps", 0, &steps, 0);
    v->steps = isnan(steps) || steps < 0 || steps > 1e9 ? 0 : (int)steps;
    if (view_attr(&fails, f, "state", 1, v->state, sizeof v->state)) snprintf(v->state, sizeof v->state, "?");
    if (view_attr(&fails, f, "campaign_name", 1, v->campaign_name, sizeof v->campaign_name))
        snprintf(v->campaign_name, sizeof v->campaign_name, "?");
    view_attr(&fails, f, "config_file", 1, v->config_file, sizeof v->config_file);
    v->created_unix = v->updated_unix = NAN;
    view_attr(&fails, f, "created_unix", 0, &v->created_unix, 0);
    view_attr(&fails, f, "updated_unix", 0, &v->updated_unix, 0);
    printable(v->state, sizeof v->state);
    printable(v->campaign_name, sizeof v->campaign_name);
    for (int m = 0; m < RESULTS_N_CURVES; m++) {
        char name[64];
        snprintf(name, sizeof name, "curves/%s", results_curve_names[m]);
        view_probe(v, f, name);
    }
    view_probe(v, f, "output/stdout_tail");
    view_probe(v, f, "output/stderr_tail");
    attr_fails_report(v, &fails);
    rc = 0;
done:
    if (rt >= 0) H5Tclose(rt);
    if (ds >= 0) H5Dclose(ds);
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
