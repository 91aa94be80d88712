/* fsspace: free space and out-of-space messages (see fsspace.h). */
#define _GNU_SOURCE
#include "common/fsspace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

int fsspace_is_nospace(int err) { return err == ENOSPC || err == EDQUOT; }

/* Cuts path at its last '/' (keeps "/"); returns 0 when there is no parent left. */
static int to_parent(char *p) {
    char *slash = strrchr(p, '/');
    if (!slash) return 0;
    if (slash == p) {
        if (!p[1]) return 0;
        p[1] = '\0';
        return 1;
    }
    *slash = '\0';
    return 1;
}

int fsspace_query(const char *path, fsspace_info *info) {
    memset(info, 0, sizeof *info);
    char p[PATH_MAX];
    if (path[0] == '/') {
        snprintf(p, sizeof p, "%s", path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return -1;
        if ((size_t)snprintf(p, sizeof p, "%s/%s", cwd, path) >= sizeof p) return -1;
    }
    struct stat st;
    while (stat(p, &st) != 0) /* the nearest existing parent: the file may not exist yet */
        if (!to_parent(p)) return -1;
    char real[PATH_MAX];
    if (realpath(p, real)) snprintf(p, sizeof p, "%s", real);
    if (stat(p, &st) != 0) return -1;
    struct statvfs vfs;
    if (statvfs(p, &vfs) != 0) return -1;
    info->avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
    info->total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
    if (!S_ISDIR(st.st_mode)) to_parent(p);
    dev_t dev = st.st_dev;
    for (;;) { /* climb while the parent is on the same device */
        char up[PATH_MAX];
        snprintf(up, sizeof up, "%s", p);
        struct stat us;
        if (!to_parent(up) || stat(up, &us) != 0 || us.st_dev != dev) break;
        snprintf(p, sizeof p, "%s", up);
    }
    if ((size_t)snprintf(info->mount, sizeof info->mount, "%s", p) >= sizeof info->mount) return -1;
    return 0;
}

void fsspace_bytes(uint64_t v, char *buf, size_t n) {
    if (v < 10240)
        snprintf(buf, n, "%llu bytes", (unsigned long long)v);
    else if (v < 10ull << 20)
        snprintf(buf, n, "%.0f KiB", v / 1024.0);
    else if (v < 10ull << 30)
        snprintf(buf, n, "%.1f MiB", v / 1048576.0);
    else
        snprintf(buf, n, "%.1f GiB", v / 1073741824.0);
}

void fsspace_describe(const char *path, char *buf, size_t n) {
    fsspace_info fi;
    if (fsspace_query(path, &fi)) {
        snprintf(buf, n, "file system of %s", path);
        return;
    }
    char a[32], t[32];
    fsspace_bytes(fi.avail, a, sizeof a);
    fsspace_bytes(fi.total, t, sizeof t);
    snprintf(buf, n, "file system %s (%s free of %s)", fi.mount, a, t);
}

void fsspace_nospace_message(char *buf, size_t n, const char *doing, const char *path, const char *at,
                             uint64_t size, int err, const char *advice) {
    char fs[1200], sz[32];
    fsspace_describe(at, fs, sizeof fs);
    fsspace_bytes(size, sz, sizeof sz);
    snprintf(buf, n, "out of space %s %s (%s) on %s: %s; %s", doing, path, sz, fs, strerror(err), advice);
}

int fsspace_write_file(const char *path, const void *data, size_t n, int *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            *err = w < 0 ? errno : ENOSPC;
            close(fd);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    /* the data must be on disk before the caller renames the file into place; on NFS and
       with quotas the error may only show here or at close */
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
        *err = errno;
        close(fd);
        return -1;
    }
    if (close(fd) != 0) {
        *err = errno;
        return -1;
    }
    return 0;
}
