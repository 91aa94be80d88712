/* fuzz.h: what the fuzz targets share (tests/fuzz/README.md).
 *
 * Each fuzz_TARGET.c defines LLVMFuzzerTestOneInput(data, size): one input, any bytes,
 * must never crash, leak or trip a sanitizer. Built two ways:
 *   clang -fsanitize=fuzzer (-DPLATBENCH_FUZZ=ON, tests/fuzz/run.sh): libFuzzer's main
 *   any compiler (the normal build, CTest):  replay_main.c feeds every file of the
 *                                              folders given on the command line once
 *
 *   fuzz_file(data, size)   writes the input to this process's scratch file (created on
 *                           first use in /dev/shm or $TMPDIR, removed at exit) and returns
 *                           its path, for the parsers that take a path
 */
#ifndef PB_FUZZ_H
#define PB_FUZZ_H
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_path_[256];
static int fuzz_fd_ = -1;

static void fuzz_file_cleanup_(void) {
    if (fuzz_fd_ >= 0) unlink(fuzz_path_);
}

static inline const char *fuzz_file(const uint8_t *data, size_t size) {
    if (fuzz_fd_ < 0) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        snprintf(fuzz_path_, sizeof fuzz_path_, "%s/pbfuzz-%ld-XXXXXX", dir ? dir : "/tmp", (long)getpid());
        fuzz_fd_ = mkstemp(fuzz_path_);
        if (fuzz_fd_ < 0) {
            perror("fuzz: scratch file");
            abort();
        }
        atexit(fuzz_file_cleanup_);
    }
    size_t done = 0;
    if (ftruncate(fuzz_fd_, 0) != 0) abort();
    while (done < size) {
        ssize_t w = pwrite(fuzz_fd_, data + done, size - done, (off_t)done);
        if (w <= 0) {
            perror("fuzz: writing the scratch file");
            abort();
        }
        done += (size_t)w;
    }
    return fuzz_path_;
}

/* A NUL-terminated copy of the input (owned by the caller, free()). */
static inline char *fuzz_string(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    for (size_t i = 0; i < size; i++) s[i] = (char)data[i];
    s[size] = '\0';
    return s;
}

#endif
