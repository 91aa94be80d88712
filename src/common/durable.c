/* durable: see durable.h. */
#define _GNU_SOURCE
#include "common/durable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int durable_fsync_path(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc ? -1 : 0;
}

int durable_fsync_parent(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    return durable_fsync_path(dir);
}

int durable_rename(const char *tmp, const char *path) {
    if (durable_fsync_path(tmp)) return -1;
    if (rename(tmp, path)) return -1;
    return durable_fsync_parent(path);
}
