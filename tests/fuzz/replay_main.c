/* replay_main: a main() for the fuzz targets when they are built without libFuzzer
 * (the normal gcc build, ASan in CI): runs LLVMFuzzerTestOneInput once on every file of
 * the folders (or files) given; arguments starting with '-' (libFuzzer options such as
 * -runs=0) are ignored, so one command line replays under both builds.
 * Prints one line per folder and exits 0; a missing folder, an unreadable file or no
 * input at all is an error (exit 2), a bad input crashes or trips a sanitizer (as under libFuzzer). */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        return -1;
    }
    /* libFuzzer hands over a buffer of exactly size bytes: copy so ASan sees overreads */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) abort();
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int total = 0, folders = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') continue;
        folders++;
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s; expected a corpus folder or an input file\n", argv[i],
                    strerror(errno));
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i])) return 2;
            total++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            if (n == cap) {
                char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
                if (!nn) abort();
                names = nn;
            }
            names[n++] = strdup(e->d_name);
        }
        closedir(d);
        if (n) qsort(names, n, sizeof *names, by_name);
        for (size_t k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]);
            if (replay_file(path)) return 2;
            free(names[k]);
        }
        free(names);
        printf("replay: %s: %zu inputs\n", argv[i], n);
        total += (int)n;
    }
    if (!folders) {
        fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
        return 2;
    }
    if (!total) {
        fprintf(stderr, "replay: no inputs in the folders given; expected the committed seeds\n");
        return 2;
    }
    printf("replay: %d inputs, no crash\n", total);
    return 0;
}
