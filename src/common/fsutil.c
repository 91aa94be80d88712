/* fsutil: file-system helpers (see fsutil.h). */
#include "common/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir that accepts an existing folder. */
static int mkdir_one(const char *path) {
    struct stat st;
    if (mkdir(path, 0755) == 0) return 0;
    if (errno != EEXIST) return -1;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    errno = ENOTDIR;
    return -1;
}

int pb_mkdir_p(const char *path) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir_one(buf)) return -1;
        *p = '/';
    }
    return mkdir_one(buf);
}
