/* results: the parallel-HDF5 campaign results file (see results.h, analysis/SCHEMA.md). */
#define _GNU_SOURCE
#include "results.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/timing.h"
#include "launch.h"

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
    double *d[] = {&row->start_unix, &row->end_unix, &row->wall_s, &row->user_s, &row->sys_s,
                   &row->startup_s, &row->workload_s, &row->teardown_s, &row->launch_overhead_s,
                   &row->final_rate, &row->final_error, &row->train_acc, &row->val_acc,
                   &row->test_acc, &row->training_time_s, &row->load_time_s,
                   &row->train_compute_s, &row->eval_time_s, &row->total_time_s};
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
    hid_t s16 = str_type(16), s32 = str_type(32), s64 = str_type(64), s160 = str_type(160);
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
    STR(error, s160);
#undef I32
#undef I64
#undef DBL
#undef STR
    H5Tclose(s16);
    H5Tclose(s32);
    H5Tclose(s64);
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

int results_create(results *r, const char *path, MPI_Comm comm, const campaign *c,
                   const provenance *prov, const exp_row *rows, char *err, size_t errlen) {
    results_init_handles(r);
    int rank;
    MPI_Comm_rank(comm, &rank);
    int size;
    MPI_Comm_size(comm, &size);
    r->n = c->n_experiments;
    r->steps = c->steps;
    /* created as PATH.tmp and renamed after the first flush: a kill before that flush would
       leave a file that does not open, and it must never be mistaken for a campaign to resume */
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", path) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    hid_t fapl = mpio_fapl(comm);
    r->file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (r->file < 0) {
        snprintf(err, errlen, "%s: cannot create the results file (HDF5 error above); expected a "
                 "writable folder", tmp);
        free(tmp);
        return -1;
    }
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
    r->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(r->dxpl, H5FD_MPIO_INDEPENDENT);
    if (rank == 0 && pds >= 0) {
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
            if (H5Dwrite(pds, pt, H5S_ALL, H5S_ALL, r->dxpl, pr) < 0) rc = 1;
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

    /* initial rows (ids, platforms, seeds, skipped ones): rank 0, before the first flush */
    if (rank == 0 && r->n > 0 && H5Dwrite(r->exp_ds, r->row_type, H5S_ALL, H5S_ALL, r->dxpl, rows) < 0)
        rc = 1;

    /* root attributes (collective: same values on every rank) */
    hid_t f = r->file;
    int fv = 1, ne = r->n, st = r->steps, resumes = 0;
    double now = time_unix();
    MPI_Bcast(&now, 1, MPI_DOUBLE, 0, comm);
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
    if (H5Fflush(f, H5F_SCOPE_GLOBAL) < 0) rc = 1;
    int any = 0;
    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_LOR, comm);
    if (!any && rank == 0 && rename(tmp, path) != 0) rc = 2;
    MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, comm);
    if (any) {
        snprintf(err, errlen, "%s: %s", any == 2 ? path : tmp,
                 any == 2 ? "cannot rename the new results file into place"
                          : "writing the results file's structure failed (HDF5 messages above)");
        results_close_handles(r);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
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
    return 0;
}

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

int results_load(const char *path, results_view *v, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1); /* readable while a campaign writes it */
    hid_t f = -1, ds = -1, rt = -1;
    H5E_BEGIN_TRY { f = H5Fopen(path, H5F_ACC_RDONLY, fapl); }
    H5E_END_TRY;
    H5Pclose(fapl);
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot open as HDF5 (missing, or not a results file)", path);
        return -1;
    }
    int rc = -1;
    char fmt[64];
    results_get_attr_text(f, "format", fmt, sizeof fmt);
    if (strcmp(fmt, "platbench-results") != 0) {
        snprintf(err, errlen, "%s: not a platbench results file (format \"%s\")", path, fmt);
        goto done;
    }
    ds = H5Dopen2(f, "experiments", H5P_DEFAULT);
    if (ds < 0) {
        snprintf(err, errlen, "%s: no /experiments dataset", path);
        goto done;
    }
    hid_t sp = H5Dget_space(ds);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(sp, &n, NULL);
    H5Sclose(sp);
    v->n = (int)n;
    v->rows = calloc(n ? n : 1, sizeof *v->rows);
    rt = make_row_type();
    if (!v->rows || H5Dread(ds, rt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v->rows) < 0) {
        snprintf(err, errlen, "%s: cannot read /experiments", path);
        goto done;
    }
    double st = attr_double(f, "steps");
    v->steps = isnan(st) ? 0 : (int)st;
    results_get_attr_text(f, "state", v->state, sizeof v->state);
    results_get_attr_text(f, "campaign_name", v->campaign_name, sizeof v->campaign_name);
    results_get_attr_text(f, "config_file", v->config_file, sizeof v->config_file);
    v->created_unix = attr_double(f, "created_unix");
    v->updated_unix = attr_double(f, "updated_unix");
    rc = 0;
done:
    if (rt >= 0) H5Tclose(rt);
    if (ds >= 0) H5Dclose(ds);
    H5Fclose(f);
    if (rc) results_view_free(v);
    return rc;
}

void results_view_free(results_view *v) {
    free(v->rows);
    memset(v, 0, sizeof *v);
}
