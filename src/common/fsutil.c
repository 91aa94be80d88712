/* fsutil: file-system helpers. See fsutil.h. */
#include "common/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int pb_mkdir_p(const char *path, mode_t mode) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, mode) && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, mode) && errno != EEXIST ? -1 : 0;
}
