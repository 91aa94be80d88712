/* h5io: checked HDF5 helpers. See h5io.h. */
#include "common/h5io.h"
#include "common/durable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsspace.h"

void h5io_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

hid_t h5io_str_type(size_t n) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return -1;
    if (H5Tset_size(t, n) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Writes attribute name of loc: in place when it exists with the same type and shape (a
   rewrite then changes no metadata size: results_finish), else (re)created. Closes space. */
static int attr_write(hid_t loc, const char *name, hid_t type, hid_t space, const void *v) {
    if (space < 0) return -1;
    hid_t a = -1;
    htri_t ex = H5Aexists(loc, name);
    if (ex > 0) {
        a = H5Aopen(loc, name, H5P_DEFAULT);
        hid_t ft = a >= 0 ? H5Aget_type(a) : -1, fs = a >= 0 ? H5Aget_space(a) : -1;
        int same = ft >= 0 && fs >= 0 && H5Tequal(ft, type) > 0 && H5Sextent_equal(fs, space) > 0;
        if (ft >= 0) H5Tclose(ft);
        if (fs >= 0) H5Sclose(fs);
        if (!same) {
            if (a >= 0) H5Aclose(a);
            a = H5Adelete(loc, name) < 0 ? -1 : H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        }
    } else if (ex == 0) {
        a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    }
    int rc = a >= 0 && H5Awrite(a, type, v) >= 0 ? 0 : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    return rc;
}

int h5io_attr_str(hid_t loc, const char *name, const char *value) {
    return h5io_attr_str_sized(loc, name, value, strlen(value) + 1);
}

int h5io_attr_str_sized(hid_t loc, const char *name, const char *value, size_t size) {
    char *padded = calloc(1, size);
    hid_t t = padded ? h5io_str_type(size) : -1;
    if (t < 0) {
        free(padded);
        return -1;
    }
    memcpy(padded, value, strnlen(value, size - 1));
    int rc = attr_write(loc, name, t, H5Screate(H5S_SCALAR), padded);
    H5Tclose(t);
    free(padded);
    return rc;
}

int h5io_attr_i32(hid_t loc, const char *name, int32_t v) {
    return attr_write(loc, name, H5T_NATIVE_INT32, H5Screate(H5S_SCALAR), &v);
}

int h5io_attr_i64(hid_t loc, const char *name, int64_t v) {
    return attr_write(loc, name, H5T_NATIVE_INT64, H5Screate(H5S_SCALAR), &v);
}

int h5io_attr_f64(hid_t loc, const char *name, double v) {
    return attr_write(loc, name, H5T_NATIVE_DOUBLE, H5Screate(H5S_SCALAR), &v);
}

int h5io_attr_i32_array(hid_t loc, const char *name, const int32_t *v, int n) {
    hsize_t d = (hsize_t)n;
    return attr_write(loc, name, H5T_NATIVE_INT32, H5Screate_simple(1, &d, NULL), v);
}

static int write_ds(hid_t loc, const char *path, hid_t file_type, hid_t mem_type, const void *data, int rank,
                    const hsize_t *dims) {
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = sp >= 0 ? H5Dcreate2(loc, path, file_type, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT) : -1;
    int rc = ds >= 0 && H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0 ? 0 : -1;
    if (ds >= 0) H5Dclose(ds);
    if (sp >= 0) H5Sclose(sp);
    H5Pclose(lcpl);
    return rc;
}

int h5io_write_f32(hid_t loc, const char *path, const float *data, int rank, const hsize_t *dims) {
    return write_ds(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data, rank, dims);
}

int h5io_write_f64(hid_t loc, const char *path, const double *data, int rank, const hsize_t *dims) {
    return write_ds(loc, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, rank, dims);
}

/* Opens attribute name of loc if it holds exactly one value (scalar, or 1-D of one):
   the attribute, H5IO_ABSENT, or -1 (another shape: the caller's buffer has room for one). */
static hid_t open_one(hid_t loc, const char *name) {
    htri_t ex = H5Aexists(loc, name);
    if (ex == 0) return H5IO_ABSENT;
    hid_t a = ex > 0 ? H5Aopen(loc, name, H5P_DEFAULT) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    int one = sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1;
    if (sp >= 0) H5Sclose(sp);
    if (a >= 0 && !one) {
        H5Aclose(a);
        return -1;
    }
    return a;
}

int h5io_read_attr_str(hid_t loc, const char *name, char *buf, size_t n) {
    if (n == 0) return -1;
    buf[0] = '\0';
    hid_t a = open_one(loc, name);
    if (a < 0) return (int)a;
    hid_t ft = H5Aget_type(a), mt = -1;
    int rc = -1;
    char *s = NULL;
    if (ft < 0 || H5Tget_class(ft) != H5T_STRING) goto done;
    if (H5Tis_variable_str(ft) > 0) {
        if ((mt = h5io_str_type(H5T_VARIABLE)) >= 0 && H5Aread(a, mt, &s) >= 0 && s) {
            snprintf(buf, n, "%s", s);
            H5free_memory(s);
            rc = 0;
        }
    } else {
        size_t sz = H5Tget_size(ft); /* a damaged file may claim any size */
        char *tmp = sz && sz <= H5IO_MAX_STR ? calloc(sz + 1, 1) : NULL;
        if (tmp && (mt = h5io_str_type(sz + 1)) >= 0 && H5Aread(a, mt, tmp) >= 0) {
            snprintf(buf, n, "%s", tmp);
            rc = 0;
        }
        free(tmp);
    }
done:
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

int h5io_read_attr_num(hid_t loc, const char *name, hid_t mem_type, void *out) {
    hid_t a = open_one(loc, name);
    if (a < 0) return (int)a;
    hid_t ft = H5Aget_type(a);
    H5T_class_t cls = ft < 0 ? H5T_NO_CLASS : H5Tget_class(ft);
    int rc = (cls == H5T_INTEGER || cls == H5T_FLOAT) && H5Aread(a, mem_type, out) >= 0 ? 0 : -1;
    if (ft >= 0) H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

int h5io_read_attr_i32_array(hid_t loc, const char *name, int32_t *v, int n) {
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t sp = H5Aget_space(a);
    int rc = -1;
    if (sp >= 0 && H5Sget_simple_extent_npoints(sp) == n && H5Aread(a, H5T_NATIVE_INT32, v) >= 0) rc = 0;
    if (sp >= 0) H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

int h5io_read_f32(hid_t loc, const char *path, float *data, int rank, const hsize_t *dims, char *err,
                  size_t errlen) {
    if (H5Lexists(loc, path, H5P_DEFAULT) <= 0) {
        snprintf(err, errlen, "missing dataset %s", path);
        return -1;
    }
    hid_t ds = H5Dopen2(loc, path, H5P_DEFAULT);
    if (ds < 0) {
        snprintf(err, errlen, "cannot open dataset %s", path);
        return -1;
    }
    hid_t sp = H5Dget_space(ds);
    hsize_t d[8] = {0};
    int r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    int rc = -1;
    if (r != rank || r > 8) {
        snprintf(err, errlen, "dataset %s has rank %d; expected %d", path, r, rank);
    } else {
        H5Sget_simple_extent_dims(sp, d, NULL);
        int same = 1;
        for (int i = 0; i < rank; i++) same &= d[i] == dims[i];
        if (!same) {
            char got[128] = "", want[128] = "";
            for (int i = 0; i < rank; i++) {
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu", i ? "x" : "",
                         (unsigned long long)d[i]);
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%llu", i ? "x" : "",
                         (unsigned long long)dims[i]);
            }
            snprintf(err, errlen, "dataset %s is %s; the model expects %s", path, got, want);
        } else if (H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
            snprintf(err, errlen, "cannot read dataset %s", path);
        } else {
            rc = 0;
        }
    }
    if (sp >= 0) H5Sclose(sp);
    H5Dclose(ds);
    return rc;
}

hid_t h5io_create_tmp(const char *path, char *tmp, size_t tmplen, const char *what, char *err,
                      size_t errlen) {
    snprintf(tmp, tmplen, "%s.tmp", path);
    h5io_quiet();
    /* built in memory (core driver, no backing store) and written out by h5io_commit with
       plain write(2): a full disk or a hit quota then fails in our own write with its errno,
       never inside HDF5's close (whose failure left an id that HDF5's exit handler closed
       again: SIGSEGV) */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    hid_t f = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0)
        f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    if (f < 0) snprintf(err, errlen, "%s: cannot create the %s file", tmp, what);
    return f < 0 ? -1 : f;
}

/* Closes every object still open in f and then f itself; after this HDF5's exit handler
   has nothing of f left to close. */
static int close_all(hid_t f) {
    if (H5Fclose(f) >= 0) return 0;
    ssize_t n = H5Fget_obj_count(f, H5F_OBJ_ALL | H5F_OBJ_LOCAL);
    if (n > 0) {
        hid_t *ids = calloc((size_t)n, sizeof *ids);
        if (ids) {
            n = H5Fget_obj_ids(f, H5F_OBJ_ALL | H5F_OBJ_LOCAL, (size_t)n, ids);
            for (ssize_t i = 0; i < n; i++)
                if (ids[i] != f) H5Oclose(ids[i]);
            free(ids);
        }
    }
    for (int i = 0; i < 3 && H5Iis_valid(f) > 0; i++)
        if (H5Fclose(f) >= 0) return 0;
    return H5Iis_valid(f) > 0 ? -1 : 0;
}

int h5io_commit(hid_t f, const char *tmp, const char *path, const char *what, int bad, char *err,
                size_t errlen) {
    void *image = NULL;
    ssize_t size = bad ? -1 : H5Fflush(f, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(f, NULL, 0);
    if (size > 0 && (image = malloc((size_t)size)) && H5Fget_file_image(f, image, (size_t)size) != size)
        size = -1;
    if (close_all(f) || size <= 0 || !image) {
        snprintf(err, errlen, "%s: building the %s file failed (HDF5 or out of memory)", tmp, what);
        free(image);
        return -1;
    }
    int e = 0;
    int rc = fsspace_write_file(tmp, image, (size_t)size, &e);
    free(image);
    if (rc) {
        remove(tmp);
        if (fsspace_is_nospace(e)) {
            char doing[96];
            snprintf(doing, sizeof doing, "writing the %s file", what);
            fsspace_nospace_message(err, errlen, doing, path, tmp, (uint64_t)size, e,
                                    "free space and run again");
            return H5IO_NOSPACE;
        }
        snprintf(err, errlen, "%s: writing the %s file failed: %s", tmp, what, strerror(e));
        return -1;
    }
    if (durable_rename(tmp, path)) { /* on disk before it is published, and the name too */
        snprintf(err, errlen, "%s: cannot sync and rename %s into place: %s", path, tmp, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
