/* fsspace: free space of the file system holding a path, and one-line "out of space"
 * messages that name that file system. Used by every write path of platbench-cnn and
 * platbench so that a full disk or a hit quota reads the same everywhere.
 *
 *   fsspace_is_nospace(err)            1 if errno value err means out of space (ENOSPC, EDQUOT)
 *   fsspace_query(path, &info)         the file system of path (or of its nearest existing
 *                                      parent): mount point, free and total bytes; 0 or -1
 *   fsspace_describe(path, buf, n)     "file system /scratch (12 KiB free of 300 KiB)"
 *   fsspace_bytes(v, buf, n)           "12 KiB", "3.4 MiB", "1.2 GiB"
 *   fsspace_nospace_message(buf, n, doing, path, at, size, err, advice)
 *                                      "out of space DOING PATH (SIZE) on <fsspace_describe(at)>:
 *                                      strerror(err); ADVICE": the one wording of a full disk
 *   fsspace_write_file(path, data, n, err)  writes data to path (created/truncated), fsync,
 *                                      close; 0, or -1 with the errno in *err
 */
#ifndef PB_FSSPACE_H
#define PB_FSSPACE_H
#include <stddef.h>
#include <stdint.h>

#include "common/exit_codes.h" /* PB_EXIT_NOSPACE: "out of space", the status of every write path */

typedef struct fsspace_info {
    char mount[1024]; /* mount point (the topmost folder on the same device) */
    uint64_t avail;   /* bytes an unprivileged user may still write */
    uint64_t total;   /* size of the file system */
} fsspace_info;

int fsspace_is_nospace(int err);
int fsspace_query(const char *path, fsspace_info *info);
void fsspace_describe(const char *path, char *buf, size_t n);
void fsspace_bytes(uint64_t v, char *buf, size_t n);
void fsspace_nospace_message(char *buf, size_t n, const char *doing, const char *path, const char *at,
                             uint64_t size, int err, const char *advice);
int fsspace_write_file(const char *path, const void *data, size_t n, int *err);

#endif
