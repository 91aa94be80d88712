/* test_decoder_limits: regression tests for what fuzzing found in the workload's
 * decoders (tests/fuzz/README.md), run in the normal suite (and under ASan in CI).
 *   usage: test_decoder_limits FUZZ_DIR (tests/fuzz: its crashers/ and seeds/)
 * 1. A JPEG whose Huffman table claims 1116 symbols (stb_image 2.27 writes past its
 *    table) is refused by image_codec's structure check, naming the table. So is a
 *    scan using an AC table no DHT defined (stb 2.27 reads its uninitialised table:
 *    an out-of-bounds read). An 8 x 8 JPEG whose header says 4000 x 4000 (stb would
 *    allocate and decode 16 Mpixel from zero padding; the fuzzer's case was 19 x 63248,
 *    14 s under ASan) is refused as corrupt: its scan data cannot hold one bit per 8x8
 *    block. Every seed image of seeds/image (PNG of every colour
 *    type, JPEG baseline/progressive/subsampled/restart, from cjpeg) still decodes.
 * 2. An IDX header claiming 2 GB of pixels with no data after it is refused as
 *    truncated without allocating more than the reader's 1 MiB first buffer: every
 *    malloc/realloc made inside idx_read is recorded (the test links with
 *    -Wl,--wrap=malloc,--wrap=realloc).
 * 3. A valid IDX file larger than that first buffer (3 MiB) still reads whole. */
#include "cnn/idx_reader.h"
#include "cnn/image_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/common/check.h"

/* allocation recorder (only while tracking) */
void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);
static int tracking;
static size_t largest;
void *__wrap_malloc(size_t n) {
    if (tracking && n > largest) largest = n;
    return __real_malloc(n);
}
void *__wrap_realloc(void *p, size_t n) {
    if (tracking && n > largest) largest = n;
    return __real_realloc(p, n);
}

static void write_file(const char *path, const void *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f)) {
        fprintf(stderr, "test_decoder_limits: cannot write %s\n", path);
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FUZZ_DIR\n", argv[0]);
        return 2;
    }
    char path[4096], err[512];

    /* 1 */
    snprintf(path, sizeof path, "%s/crashers/image/jpeg-dht-1116-symbols", argv[1]);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "test_decoder_limits: missing %s\n", path);
        return 2;
    }
    image img;
    int rc = image_decode_file(path, &img, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "Huffman table") && strstr(err, "1116 symbols; expected at most 256"),
          "JPEG with a 1116-symbol Huffman table: rc %d, \"%s\"; expected -1 naming the table", rc,
          rc ? err : "");
    if (rc == 0) image_free(&img);
    /* seed-grey.jpg (8 x 8) with its frame header saying 4000 x 4000 */
    snprintf(path, sizeof path, "%s/seeds/image/seed-grey.jpg", argv[1]);
    FILE *f = fopen(path, "rb");
    unsigned char jpg[4096];
    size_t njpg = f ? fread(jpg, 1, sizeof jpg, f) : 0;
    if (f) fclose(f);
    size_t sof = 0;
    for (size_t i = 2; i + 9 < njpg && !sof; i++)
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) sof = i;
    CHECK(sof, "%s: no SOF0 marker found", path);
    jpg[sof + 5] = 4000 >> 8, jpg[sof + 6] = 4000 & 255, jpg[sof + 7] = 4000 >> 8, jpg[sof + 8] = 4000 & 255;
    char big_jpg[] = "/tmp/test_decoder_limits-XXXXXX";
    int jfd = mkstemp(big_jpg);
    if (jfd < 0) return 2;
    close(jfd);
    write_file(big_jpg, jpg, njpg);
    rc = image_decode_file(big_jpg, &img, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "cannot hold 4000 x 4000 pixels"),
          "JPEG of %zu bytes claiming 4000 x 4000 pixels: rc %d, \"%s\"; expected -1, corrupt", njpg, rc,
          rc ? err : "");
    if (rc == 0) image_free(&img);
    unlink(big_jpg);
    snprintf(path, sizeof path, "%s/crashers/image/jpeg-scan-uses-undefined-ac-table", argv[1]);
    rc = image_decode_file(path, &img, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "uses Huffman table AC 1, which no table definition"),
          "JPEG scan using an undefined AC table: rc %d, \"%s\"; expected -1 naming the table", rc,
          rc ? err : "");
    if (rc == 0) image_free(&img);
    int seeds = 0;
    for (int k = 0; k < 2; k++) {
        static const char *const names[][2] = {{"seed-grey8.png", "seed-rgb8-interlaced.png"},
                                               {"seed-progressive.jpg", "seed-rgb-420.jpg"}};
        for (int j = 0; j < 2; j++) {
            snprintf(path, sizeof path, "%s/seeds/image/%s", argv[1], names[k][j]);
            rc = image_decode_file(path, &img, err, sizeof err);
            CHECK(rc == 0, "seed image %s: %s; expected it to decode", names[k][j], err);
            if (rc == 0) image_free(&img), seeds++;
        }
    }
    CHECK(seeds == 4, "%d of 4 seed images decoded", seeds);

    /* 2 */
    char tmp[] = "/tmp/test_decoder_limits-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0) return 2;
    close(fd);
    const unsigned char huge[16] = {0, 0, 8, 3, 0, 0, 0x27, 0x10, 0, 0, 0x1c, 0x10, 0, 0, 0x1c, 0x10};
    write_file(tmp, huge, sizeof huge); /* 10000 x 7184 x 7184 = 516 GB: over the 4 GiB cap */
    idx_array a;
    tracking = 1, largest = 0;
    rc = idx_read(tmp, 3, 0, &a, err, sizeof err);
    tracking = 0;
    CHECK(rc == -1 && strstr(err, "IDX data of more than"), "IDX claiming 516 GB: rc %d, \"%s\"", rc, err);
    const unsigned char claims_2gb[16] = {0, 0, 8, 3, 0, 0x27, 0, 0x10, 0, 0, 0, 0x1c, 0, 0, 0, 0x1c};
    write_file(tmp, claims_2gb, sizeof claims_2gb); /* 2555920 x 28 x 28 = 2.0 GB, no data */
    tracking = 1, largest = 0;
    rc = idx_read(tmp, 3, 0, &a, err, sizeof err);
    tracking = 0;
    CHECK(rc == -1 && strstr(err, "truncated IDX data: 0 of 2003841280 bytes"),
          "IDX header claiming 2 GB, no data: rc %d, \"%s\"; expected truncated", rc, err);
    CHECK(largest <= (1u << 20),
          "IDX header claiming 2 GB, no data: allocated %zu bytes; expected at most 1 MiB", largest);

    /* 3 */
    size_t n = 3u << 20;
    unsigned char *big = malloc(16 + n);
    if (!big) return 2;
    const unsigned char head[16] = {0, 0, 8, 3,    0, 0, 0x0c, 0,
                                    0, 0, 0, 0x20, 0, 0, 0,    0x20}; /* 3072 x 32 x 32 */
    memcpy(big, head, 16);
    for (size_t i = 0; i < n; i++) big[16 + i] = (unsigned char)(i * 7 + (i >> 8));
    write_file(tmp, big, 16 + n);
    rc = idx_read(tmp, 3, 0, &a, err, sizeof err);
    CHECK(rc == 0 && a.n_read == 3072 && a.n_bytes == n && memcmp(a.data, big + 16, n) == 0,
          "3 MiB IDX file: rc %d (%s), %u items, %zu bytes; expected all 3072 items, bytes equal", rc,
          rc ? err : "", a.n_read, a.n_bytes);
    if (rc == 0) idx_free(&a);
    rc = idx_read(tmp, 3, 5, &a, err, sizeof err);
    CHECK(rc == 0 && a.n_read == 5 && a.n_bytes == 5 * 1024 && memcmp(a.data, big + 16, 5 * 1024) == 0,
          "3 MiB IDX file capped at 5 items: rc %d, %u items", rc, a.n_read);
    if (rc == 0) idx_free(&a);
    free(big);
    unlink(tmp);

    return check_done("test_decoder_limits");
}
