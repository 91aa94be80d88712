/* durable: publishing a file so that, after a crash or power loss, the name shows either
 * nothing or the whole file: its data reach the disk (fsync) before the rename that
 * publishes it, and the rename itself (fsync of the folder) before success is reported.
 *
 * API
 *   durable_fsync_path(path)        fsync of a file (or folder) by name; 0 or -1 + errno
 *   durable_fsync_parent(path)      fsync of the folder holding path; 0 or -1 + errno
 *   durable_rename(tmp, path)       fsync(tmp), rename(tmp, path), fsync(folder of path);
 *                                   0 or -1 + errno (tmp is left in place on failure)
 */
#ifndef PB_DURABLE_H
#define PB_DURABLE_H

int durable_fsync_path(const char *path);
int durable_fsync_parent(const char *path);
int durable_rename(const char *tmp, const char *path);

#endif
