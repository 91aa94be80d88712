/* h5io: the project's one set of checked HDF5 helpers (the workload's files, the runner's
 * results file and its reading of the workload's result file), each returning 0 or -1 (with
 * a message naming the object where it takes err).
 *
 * API
 *   h5io_str_type(n)                         fixed-size (n bytes) null-terminated string type
 *   h5io_attr_str(loc, name, value)          scalar fixed-size string attribute; every
 *                                            h5io_attr_* writes an existing attribute of the
 *                                            same type and shape in place, else replaces it
 *   h5io_attr_str_sized(loc, name, value, size)  the same, string type of size bytes (a value
 *                                            rewritten later in place, e.g. a state)
 *   h5io_attr_i32(loc, name, v) / h5io_attr_i64 / h5io_attr_f64
 *   h5io_attr_i32_array(loc, name, v, n)     1-D int32 attribute
 *   h5io_write_f32(loc, path, data, rank, dims)  dataset of float32 (intermediate groups created)
 *   h5io_write_f64(loc, path, data, rank, dims)
 *   h5io_read_attr_str(loc, name, buf, n)    string attribute holding one value (scalar) into
 *                                            buf (truncated to n-1; "" on failure): 0,
 *                                            H5IO_ABSENT, or -1 (another shape or class, or
 *                                            unreadable: h5diag_message says why)
 *   h5io_read_attr_num(loc, name, mem_type, out)  numeric attribute holding exactly one value
 *                                            into *out (room for one): 0, H5IO_ABSENT or -1
 *   h5io_read_attr_i32_array(loc, name, v, n)    1-D attribute of exactly n values
 *   h5io_read_f32(loc, path, data, rank, dims)   reads a float dataset whose shape must be dims
 *   h5io_quiet()                              turns off HDF5's own error printing
 *   h5io_create_tmp(path, tmp, tmplen, what, err, errlen)
 *                                             creates the file in memory (named path + ".tmp",
 *                                             name into tmp); the file id, or -1 with a message
 *   h5io_commit(f, tmp, path, what, bad, err, errlen)
 *                                             closes f, writes its image to tmp (write, fsync),
 *                                             renames tmp to path and fsyncs the folder
 *                                             (common/durable.h), or removes tmp if bad or
 *                                             anything fails: a file that exists under path is
 *                                             always whole. 0, -1, or H5IO_NOSPACE when the
 *                                             file system is full or the quota is hit (the
 *                                             message names the file system and its free space)
 */
#ifndef PB_H5IO_H
#define PB_H5IO_H
#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#define H5IO_NOSPACE (-2)       /* out of space (ENOSPC, EDQUOT) */
#define H5IO_ABSENT  1          /* read: no such attribute */
#define H5IO_MAX_STR (1u << 20) /* read: longer fixed strings are taken as damage */

void h5io_quiet(void);
hid_t h5io_str_type(size_t n);
int h5io_attr_str(hid_t loc, const char *name, const char *value);
int h5io_attr_str_sized(hid_t loc, const char *name, const char *value, size_t size);
int h5io_attr_i32(hid_t loc, const char *name, int32_t v);
int h5io_attr_i64(hid_t loc, const char *name, int64_t v);
int h5io_attr_f64(hid_t loc, const char *name, double v);
int h5io_attr_i32_array(hid_t loc, const char *name, const int32_t *v, int n);
int h5io_write_f32(hid_t loc, const char *path, const float *data, int rank, const hsize_t *dims);
int h5io_write_f64(hid_t loc, const char *path, const double *data, int rank, const hsize_t *dims);
int h5io_read_attr_str(hid_t loc, const char *name, char *buf, size_t n);
int h5io_read_attr_num(hid_t loc, const char *name, hid_t mem_type, void *out);
int h5io_read_attr_i32_array(hid_t loc, const char *name, int32_t *v, int n);
hid_t h5io_create_tmp(const char *path, char *tmp, size_t tmplen, const char *what, char *err, size_t errlen);
int h5io_commit(hid_t f, const char *tmp, const char *path, const char *what, int bad, char *err,
                size_t errlen);
int h5io_read_f32(hid_t loc, const char *path, float *data, int rank, const hsize_t *dims, char *err,
                  size_t errlen);

#endif
