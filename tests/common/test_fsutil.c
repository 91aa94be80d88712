/* test_fsutil: pb_mkdir_p makes nested folders, accepts existing ones and refuses to
 * go through a file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "tests/common/check.h"

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(void) {
    char root[] = "/tmp/test_fsutil.XXXXXX", p[256], f[256];
    if (!mkdtemp(root)) return perror("mkdtemp"), 1;
    snprintf(p, sizeof p, "%s/a/b/c/", root);
    CHECK(pb_mkdir_p(p) == 0 && is_dir(p));
    CHECK(pb_mkdir_p(p) == 0); /* existing: no error */
    snprintf(f, sizeof f, "%s/a/file", root);
    FILE *fp = fopen(f, "w");
    CHECK(fp != NULL);
    if (fp) fclose(fp);
    snprintf(p, sizeof p, "%s/a/file/d", root);
    errno = 0;
    CHECK(pb_mkdir_p(p) == -1 && errno == ENOTDIR);
    CHECK(pb_mkdir_p(f) == -1 && errno == ENOTDIR); /* a file where the folder should be */
    unlink(f);
    const char *sub[] = {"a/b/c", "a/b", "a", ""};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", root, sub[i]);
        if (rmdir(p)) fprintf(stderr, "test_fsutil: could not remove %s\n", p);
    }
    return check_done("test_fsutil");
}
