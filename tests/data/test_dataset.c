/* test_dataset: tests of the data sets (src/cnn/dataset.h and its helpers).
 *
 *   test_dataset standin IDX_DIR       writes the stand-in, checks layout, counts, balance,
 *                                      loads it at 224x224x3, 56x56x3 and 28x28x1
 *   test_dataset determinism IDX_DIR   same seed -> same bytes, other seed -> other bytes
 *   test_dataset version IDX_DIR       a small stand-in's bytes are pinned per STANDIN_VERSION;
 *                                      its manifest's version is what standin_version() reads
 *   test_dataset idx IDX_DIR           Fashion-MNIST IDX with caps; a synthetic IDX set
 *   test_dataset folder                a hand-made image folder: formats, sizes, channels,
 *                                      resizing, ordering, ignored hidden folders, dataset_batch
 *   test_dataset errors                every bad input gives non-zero + the file's name
 *   test_dataset entries               every kind of class-folder entry that is not an image
 *                                      (dangling link, folder, FIFO, socket, device, hidden,
 *                                      non-image, empty, truncated, unreadable) is named
 *
 * Every case works in its own temporary folder (removed at the end) and exits non-zero
 * on the first failed check, printing what was expected.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cnn/dataset.h"
#include "cnn/image_codec.h"
#include "cnn/standin.h"
#include "common/timing.h"

static int failures = 0;
static char scratch[4096]; /* the temporary folder of this run */

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                  \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
            failures++;                                                                                      \
            return -1;                                                                                       \
        }                                                                                                    \
    } while (0)

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static char *pathf(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return buf;
}

static int mkdirs(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static int write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t k = fwrite(data, 1, n, f);
    return fclose(f) == 0 && k == n ? 0 : -1;
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* A w x h x c image with a deterministic pattern. */
static uint8_t *pattern(int w, int h, int c, int salt) {
    uint8_t *p = malloc((size_t)w * h * c);
    for (int i = 0; p && i < w * h * c; i++) p[i] = (uint8_t)((i * 7 + salt * 31 + (i / (w * c)) * 3) & 0xFF);
    return p;
}

static int write_png(const char *path, int w, int h, int c, int salt) {
    char err[512];
    uint8_t *p = pattern(w, h, c, salt);
    int rc = p ? image_write_png(path, w, h, c, p, err, sizeof err) : -1;
    if (rc) fprintf(stderr, "write_png: %s\n", err);
    free(p);
    return rc;
}

static int write_jpg(const char *path, int w, int h, int c, int salt) {
    char err[512];
    uint8_t *p = pattern(w, h, c, salt);
    int rc = p ? image_write_jpeg(path, w, h, c, p, 90, err, sizeof err) : -1;
    if (rc) fprintf(stderr, "write_jpg: %s\n", err);
    free(p);
    return rc;
}

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* 0 when the two files have identical bytes. */
static int same_file(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int rc = fa && fb ? 0 : -1;
    while (!rc) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) rc = 1;
        if (ca == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return rc;
}

static const char *const splits[3] = {"train", "valid", "test"};

/* ---- stand-in ------------------------------------------------------------------- */

static int check_loaded_standin(const char *dir, int c, int h, int w, double *load_s) {
    dataset ds;
    char err[1024];
    dataset_options opt = {.c = c, .h = h, .w = w};
    double t0 = time_mono();
    int rc = dataset_load(&ds, dir, &opt, err, sizeof err);
    double dt = time_mono() - t0;
    if (load_s) *load_s = dt;
    CHECK(rc == 0, "load %dx%dx%d: %s", c, h, w, err);
    printf("loaded the stand-in at %d x %d x %d in %.2f s\n", c, h, w, dt);
    CHECK(!strcmp(ds.source, "image-folder"), "source %s", ds.source);
    CHECK(ds.n_classes == 4, "n_classes %d", ds.n_classes);
    static const char *const names[4] = {"face", "body", "hand", "nothing"};
    for (int k = 0; k < 4; k++)
        CHECK(!strcmp(ds.class_names[k], names[k]), "class %d is %s", k, ds.class_names[k]);
    const dataset_split *sp[3] = {&ds.train, &ds.valid, &ds.test};
    static const int want_n[3] = {1440, 45, 45};
    for (int s = 0; s < 3; s++) {
        CHECK(sp[s]->n == want_n[s], "%s has %d images, expected %d", splits[s], sp[s]->n, want_n[s]);
        CHECK(sp[s]->c == c && sp[s]->h == h && sp[s]->w == w, "%s shape", splits[s]);
        int per[4] = {0};
        for (int i = 0; i < sp[s]->n; i++) {
            CHECK(sp[s]->labels[i] >= 0 && sp[s]->labels[i] < 4, "label %d", sp[s]->labels[i]);
            per[sp[s]->labels[i]]++;
            /* the label is the folder: .../<split>/<label+1>/NNNN.jpg */
            char want[64];
            snprintf(want, sizeof want, "/%s/%d/", splits[s], sp[s]->labels[i] + 1);
            CHECK(sp[s]->paths[i] && strstr(sp[s]->paths[i], want), "path %s for label %d", sp[s]->paths[i],
                  sp[s]->labels[i]);
        }
        for (int k = 0; k < 4; k++)
            CHECK(s == 0 ? per[k] == 360 : (per[k] == 11 || per[k] == 12), "%s class %d has %d images",
                  splits[s], k, per[k]);
    }
    /* pixels: not blank, spread over the range, and images differ from each other */
    size_t chw = (size_t)c * h * w;
    double sum = 0, sum2 = 0;
    int lo = 255, hi = 0;
    for (size_t j = 0; j < chw * 10; j++) {
        int v = ds.train.pixels[j];
        sum += v;
        sum2 += (double)v * v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    double mean = sum / (chw * 10), sd = sqrt(sum2 / (chw * 10) - mean * mean);
    CHECK(sd > 20 && hi - lo > 150, "pixel spread: mean %.1f sd %.1f range %d..%d", mean, sd, lo, hi);
    CHECK(memcmp(ds.train.pixels, ds.train.pixels + chw, chw) != 0, "first two images identical");
    /* dataset_load_image gives the same pixels as the data set; dataset_batch converts */
    float *one = malloc(sizeof(float) * chw), *batch = malloc(sizeof(float) * chw * 2);
    int idx[2] = {7, 1400}, labs[2];
    CHECK(one && batch, "oom");
    rc = dataset_load_image(ds.train.paths[7], c, h, w, one, err, sizeof err);
    CHECK(rc == 0, "load_image: %s", err);
    dataset_batch(&ds.train, idx, 2, batch, labs);
    for (size_t j = 0; j < chw; j++) {
        CHECK(one[j] == (float)ds.train.pixels[7 * chw + j], "load_image differs at %zu", j);
        CHECK(batch[j] == one[j], "batch differs at %zu", j);
        CHECK(batch[chw + j] == (float)ds.train.pixels[1400 * chw + j], "batch image 2 differs at %zu", j);
    }
    CHECK(labs[0] == ds.train.labels[7] && labs[1] == ds.train.labels[1400], "batch labels");
    free(one);
    free(batch);
    dataset_free(&ds);
    CHECK(ds.train.pixels == NULL && ds.n_classes == 0, "dataset_free zeroes");
    return 0;
}

static int test_standin(const char *idx_dir) {
    char dir[4200], p[4400], err[1024];
    pathf(dir, sizeof dir, "%s/sub/standin", scratch);
    double t0 = time_mono();
    int rc = dataset_write_standin(dir, idx_dir, 42, err, sizeof err);
    double wt = time_mono() - t0;
    CHECK(rc == 0, "write: %s", err);
    printf("wrote the stand-in in %.2f s\n", wt);
    long bytes = 0;
    for (int s = 0; s < 3; s++)
        for (int k = 1; k <= 4; k++) {
            int n = count_files(pathf(p, sizeof p, "%s/%s/%d", dir, splits[s], k));
            CHECK(s == 0 ? n == 360 : (n == 11 || n == 12), "%s has %d files", p, n);
            for (int i = 1; i <= n; i++) {
                long sz = file_size(pathf(p, sizeof p, "%s/%s/%d/%04d.jpg", dir, splits[s], k, i));
                CHECK(sz > 1000, "%s: %ld bytes", p, sz);
                bytes += sz;
            }
        }
    printf("stand-in: %ld bytes of JPEG (%.1f MB)\n", bytes, bytes / 1e6);
    /* a JPEG of the stand-in is 224 x 224 RGB */
    image img;
    rc = image_decode_file(pathf(p, sizeof p, "%s/valid/3/0005.jpg", dir), &img, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    CHECK(img.w == 224 && img.h == 224 && img.c == 3, "%s is %dx%dx%d", p, img.w, img.h, img.c);
    image_free(&img);
    /* no temporary folder left behind */
    CHECK(count_files(pathf(p, sizeof p, "%s/sub", scratch)) == 1, "%s holds more than the data set", p);
    /* a second write over a complete data set is refused */
    rc = dataset_write_standin(dir, idx_dir, 42, err, sizeof err);
    CHECK(rc != 0 && strstr(err, dir), "second write into %s: rc %d, %s", dir, rc, err);
    double load_s;
    if (check_loaded_standin(dir, 3, 224, 224, &load_s)) return -1;
    CHECK(load_s < 30, "loading took %.1f s", load_s);
    if (check_loaded_standin(dir, 3, 56, 56, NULL)) return -1;
    if (check_loaded_standin(dir, 1, 28, 28, NULL)) return -1;
    return 0;
}

/* Compares every image of stand-in tree b with the same file in a (which may hold more);
 * returns the number of differing files (*compared set to how many), -1 on error. */
static int diff_trees(const char *a, const char *b, int *compared) {
    char pa[4400], pb[4400];
    int diff = 0;
    *compared = 0;
    if (same_file(pathf(pa, sizeof pa, "%s/classes.txt", a), pathf(pb, sizeof pb, "%s/classes.txt", b)))
        diff++;
    for (int s = 0; s < 3; s++)
        for (int k = 1; k <= 4; k++)
            for (int i = 1; i <= 360; i++) {
                pathf(pa, sizeof pa, "%s/%s/%d/%04d.jpg", a, splits[s], k, i);
                pathf(pb, sizeof pb, "%s/%s/%d/%04d.jpg", b, splits[s], k, i);
                if (access(pb, F_OK) != 0) break;
                int r = same_file(pa, pb);
                if (r < 0) return -1;
                diff += r;
                (*compared)++;
            }
    return diff;
}

static int test_determinism(const char *idx_dir) {
    char a[4200], b[4200], c[4200], err[1024];
    pathf(a, sizeof a, "%s/a", scratch);
    pathf(b, sizeof b, "%s/b/", scratch); /* trailing slash accepted */
    pathf(c, sizeof c, "%s/c", scratch);
    CHECK(mkdirs(b) == 0, "mkdir %s", b); /* an existing empty folder is accepted */
    CHECK(dataset_write_standin(a, idx_dir, 7, err, sizeof err) == 0, "%s", err);
    CHECK(dataset_write_standin(b, idx_dir, 7, err, sizeof err) == 0, "%s", err);
    /* Another seed, written small to keep the test short: an image's pixels depend only
     * on (seed, split, class, index), so its files compare with the same names in a. */
    standin_spec small = standin_default_spec();
    small.train_per_class = 20;
    CHECK(standin_write(c, idx_dir, 8, &small, err, sizeof err) == 0, "%s", err);
    int n_ab, n_ac;
    int d_ab = diff_trees(a, b, &n_ab), d_ac = diff_trees(a, c, &n_ac);
    printf("same seed: %d of %d files differ; other seed: %d of %d files differ\n", d_ab, n_ab, d_ac, n_ac);
    CHECK(n_ab == 1530 && d_ab == 0, "same seed: %d of %d files differ", d_ab, n_ab);
    CHECK(n_ac == 170 && d_ac == n_ac, "another seed: only %d of %d files differ", d_ac, n_ac);
    /* the same seed written small gives the same files as the full write */
    pathf(c, sizeof c, "%s/d", scratch);
    CHECK(standin_write(c, idx_dir, 7, &small, err, sizeof err) == 0, "%s", err);
    d_ac = diff_trees(a, c, &n_ac);
    CHECK(n_ac == 170 && d_ac == 0, "same seed, small write: %d of %d files differ", d_ac, n_ac);
    return 0;
}

/* FNV-1a 64 of a file's bytes folded into h; -1 if it cannot be read. */
static int hash_file(const char *path, uint64_t *h) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    int ch;
    while ((ch = getc(f)) != EOF) *h = (*h ^ (uint64_t)ch) * 0x100000001b3ULL;
    fclose(f);
    return 0;
}

/* Writes a small stand-in and checks that what a seed draws is pinned per version: its
 * classes.txt and images hash to the value recorded for STANDIN_VERSION (whoever changes
 * the drawing bumps STANDIN_VERSION and records the new hash here, so data sets of
 * different content never carry the same version), and that its manifest carries the
 * version standin_version() reads back (0 without a manifest, 1 for a manifest of the
 * first stand-in, which had no version line). */
static int test_version(const char *idx_dir) {
    static const struct {
        int version;   /* STANDIN_VERSION */
        uint64_t hash; /* of the small data set below */
    } pinned[] = {{2, 0x39d0399d50f5491fULL}};
    standin_spec small = {.train_per_class = 3, .valid = 4, .test = 4, .size = 48, .quality = 90};
    char dir[4200], p[4400], err[1024];
    uint64_t h = 0xcbf29ce484222325ULL;
    pathf(dir, sizeof dir, "%s/small", scratch);
    CHECK(standin_write(dir, idx_dir, 11, &small, err, sizeof err) == 0, "%s", err);
    CHECK(hash_file(pathf(p, sizeof p, "%s/classes.txt", dir), &h) == 0, "%s: cannot read", p);
    for (int s = 0; s < 3; s++)
        for (int k = 1; k <= 4; k++) {
            int n = count_files(pathf(p, sizeof p, "%s/%s/%d", dir, splits[s], k));
            CHECK(n >= 1, "%s: %d files", p, n);
            for (int i = 1; i <= n; i++)
                CHECK(hash_file(pathf(p, sizeof p, "%s/%s/%d/%04d.jpg", dir, splits[s], k, i), &h) == 0,
                      "%s: cannot read", p);
        }
    printf("stand-in version %d: small data set (seed 11) hashes to 0x%016llx\n", STANDIN_VERSION,
           (unsigned long long)h);
    int found = 0;
    for (size_t i = 0; i < sizeof pinned / sizeof pinned[0]; i++)
        if (pinned[i].version == STANDIN_VERSION) {
            found = 1;
            CHECK(pinned[i].hash == h,
                  "version %d was pinned to 0x%016llx: what a seed draws changed; bump "
                  "STANDIN_VERSION (src/cnn/standin.h) and pin the new hash here",
                  STANDIN_VERSION, (unsigned long long)pinned[i].hash);
        }
    CHECK(found, "no hash pinned for STANDIN_VERSION %d: add {%d, 0x%016llxULL} to pinned[]", STANDIN_VERSION,
          STANDIN_VERSION, (unsigned long long)h);
    /* the manifest says the version, and standin_version reads it */
    FILE *f = fopen(pathf(p, sizeof p, "%s/standin.txt", dir), "r");
    CHECK(f, "%s: missing", p);
    char line[512], want[64];
    int has = 0;
    snprintf(want, sizeof want, "version = %d\n", STANDIN_VERSION);
    while (fgets(line, sizeof line, f)) has |= !strcmp(line, want);
    fclose(f);
    CHECK(has, "%s has no line \"version = %d\"", p, STANDIN_VERSION);
    CHECK(standin_version(dir) == STANDIN_VERSION, "standin_version(%s) = %d, expected %d", dir,
          standin_version(dir), STANDIN_VERSION);
    /* a manifest without a version line is the first stand-in's; no manifest: not a stand-in */
    f = fopen(p, "w");
    CHECK(f, "%s: cannot write", p);
    fputs("platbench stand-in data set (the study's images are not public)\nseed: 1\n", f);
    fclose(f);
    CHECK(standin_version(dir) == 1, "standin_version of a manifest without a version line = %d, expected 1",
          standin_version(dir));
    CHECK(unlink(p) == 0, "unlink %s", p);
    CHECK(standin_version(dir) == 0, "standin_version without a manifest = %d, expected 0",
          standin_version(dir));
    CHECK(standin_version(idx_dir) == 0, "standin_version(%s) = %d, expected 0", idx_dir,
          standin_version(idx_dir));
    return 0;
}

/* ---- IDX -------------------------------------------------------------------------- */

static int test_fashion(const char *idx_dir) {
    dataset ds;
    char err[1024];
    dataset_options opt = {.c = 1, .h = 28, .w = 28, .max_per_split = 200, .idx_classes = 4};
    int rc = dataset_load(&ds, idx_dir, &opt, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    CHECK(!strcmp(ds.source, "idx") && ds.n_classes == 4, "source %s, %d classes", ds.source, ds.n_classes);
    CHECK(!strcmp(ds.class_names[0], "T-shirt/top") && !strcmp(ds.class_names[3], "Dress"), "names %s %s",
          ds.class_names[0], ds.class_names[3]);
    const dataset_split *sp[3] = {&ds.train, &ds.valid, &ds.test};
    for (int s = 0; s < 3; s++) {
        CHECK(sp[s]->n == 200, "%s: %d images", splits[s], sp[s]->n);
        int per[4] = {0};
        for (int i = 0; i < 200; i++) {
            CHECK(sp[s]->labels[i] >= 0 && sp[s]->labels[i] < 4, "label %d", sp[s]->labels[i]);
            per[sp[s]->labels[i]]++;
            CHECK(sp[s]->paths[i] == NULL, "IDX paths are NULL");
        }
        for (int k = 0; k < 4; k++)
            CHECK(per[k] == 50, "%s class %d: %d images, expected 50", splits[s], k, per[k]);
    }
    /* valid and test are different halves of t10k */
    CHECK(memcmp(ds.valid.pixels, ds.test.pixels, 784) != 0, "valid and test start with the same image");
    uint8_t first_train[784];
    memcpy(first_train, ds.train.pixels, 784);
    dataset_free(&ds);
    /* all ten classes, RGB, enlarged: grey replicated; an all-classes cap */
    dataset_options o3 = {.c = 3, .h = 56, .w = 56, .max_per_split = 103};
    rc = dataset_load(&ds, idx_dir, &o3, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    CHECK(ds.n_classes == 10 && ds.train.n == 103 && ds.test.n == 103, "10 classes, 103 per split");
    CHECK(!strcmp(ds.class_names[9], "Ankle boot"), "%s", ds.class_names[9]);
    size_t plane = 56 * 56;
    CHECK(!memcmp(ds.train.pixels, ds.train.pixels + plane, plane) &&
              !memcmp(ds.train.pixels, ds.train.pixels + 2 * plane, plane),
          "grey not replicated to 3 equal planes");
    /* 2x enlargement keeps the mean of the 28x28 image (bilinear, centres aligned) */
    double m28 = 0, m56 = 0;
    for (int j = 0; j < 784; j++) m28 += first_train[j];
    for (size_t j = 0; j < plane; j++) m56 += ds.train.pixels[j];
    m28 /= 784;
    m56 /= plane;
    if (ds.train.labels[0] < 4) /* the same first image when its class is in both loads */
        CHECK(fabs(m28 - m56) < 2.0, "mean 28x28 %.2f vs 56x56 %.2f", m28, m56);
    dataset_free(&ds);
    return 0;
}

/* Writes a tiny IDX pair: n images of r x c with pixel (i, y, x) = i + y * c + x, labels i % 3. */
static int write_idx(const char *dir, const char *prefix, int n, int r, int c, int gz, uint32_t img_magic,
                     int lab_n, long cut_bytes) {
    char p[4400];
    size_t isz = 16 + (size_t)n * r * c;
    uint8_t *buf = malloc(isz);
    if (!buf) return -1;
    uint32_t hdr[4] = {img_magic, (uint32_t)n, (uint32_t)r, (uint32_t)c};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++) buf[i * 4 + b] = (uint8_t)(hdr[i] >> (24 - 8 * b));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < r * c; j++) buf[16 + (size_t)i * r * c + j] = (uint8_t)(i + j);
    if (cut_bytes) isz -= (size_t)cut_bytes;
    int rc = 0;
    pathf(p, sizeof p, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
    if (gz) {
        gzFile g = gzopen(p, "wb");
        rc = !g || gzwrite(g, buf, (unsigned)isz) != (int)isz || gzclose(g) != Z_OK;
    } else {
        rc = write_bytes(p, buf, isz);
    }
    free(buf);
    uint8_t lab[8 + 256];
    uint32_t lh[2] = {0x801, (uint32_t)lab_n};
    for (int i = 0; i < 2; i++)
        for (int b = 0; b < 4; b++) lab[i * 4 + b] = (uint8_t)(lh[i] >> (24 - 8 * b));
    for (int i = 0; i < lab_n && i < 256; i++) lab[8 + i] = (uint8_t)(i % 3);
    rc |= write_bytes(pathf(p, sizeof p, "%s/%s-labels-idx1-ubyte", dir, prefix), lab, 8 + (size_t)lab_n);
    return rc ? -1 : 0;
}

static int test_idx(const char *idx_dir) {
    char dir[4200], err[1024];
    /* synthetic, uncompressed train (gz) and t10k (plain): exact pixels, order, halves */
    pathf(dir, sizeof dir, "%s/idx", scratch);
    CHECK(mkdirs(dir) == 0, "mkdir");
    CHECK(write_idx(dir, "train", 30, 4, 5, 1, 0x803, 30, 0) == 0, "write idx");
    CHECK(write_idx(dir, "t10k", 12, 4, 5, 0, 0x803, 12, 0) == 0, "write idx");
    dataset ds;
    dataset_options opt = {.c = 1, .h = 4, .w = 5};
    CHECK(dataset_load(&ds, dir, &opt, err, sizeof err) == 0, "%s", err);
    CHECK(ds.train.n == 30 && ds.valid.n == 6 && ds.test.n == 6, "n %d %d %d", ds.train.n, ds.valid.n,
          ds.test.n);
    CHECK(ds.n_classes == 10, "n_classes %d", ds.n_classes);
    for (int i = 0; i < 30; i++) {
        CHECK(ds.train.labels[i] == i % 3, "train label %d", i);
        for (int j = 0; j < 20; j++)
            CHECK(ds.train.pixels[i * 20 + j] == (uint8_t)(i + j), "train pixel %d,%d", i, j);
    }
    CHECK(ds.test.pixels[0] == 6 && ds.test.labels[0] == 0, "test starts at t10k item 6");
    dataset_free(&ds);
    /* caps: balanced prefix over labels < 2 (labels cycle 0,1,2): 4 -> items 0,1,3,4 */
    dataset_options cap = {.c = 1, .h = 4, .w = 5, .max_per_split = 4, .idx_classes = 2};
    CHECK(dataset_load(&ds, dir, &cap, err, sizeof err) == 0, "%s", err);
    CHECK(ds.train.n == 4 && ds.valid.n == 4 && ds.n_classes == 2, "capped n %d %d", ds.train.n, ds.valid.n);
    static const int want[4] = {0, 1, 3, 4};
    for (int i = 0; i < 4; i++)
        CHECK(ds.train.pixels[i * 20] == want[i] && ds.train.labels[i] == want[i] % 3, "capped item %d", i);
    dataset_free(&ds);
    /* the real Fashion-MNIST */
    return test_fashion(idx_dir);
}

/* ---- image folders ---------------------------------------------------------------- */

static int test_folder(void) {
    char root[4200], p[4400], err[1024];
    pathf(root, sizeof root, "%s/folder", scratch);
    /* classes "b" and "a" (labels: a=0, b=1), no classes.txt: names are the folder names */
    for (int s = 0; s < 3; s++) {
        CHECK(mkdirs(pathf(p, sizeof p, "%s/%s/a", root, splits[s])) == 0, "mkdir %s", p);
        CHECK(mkdirs(pathf(p, sizeof p, "%s/%s/b", root, splits[s])) == 0, "mkdir %s", p);
        CHECK(write_png(pathf(p, sizeof p, "%s/%s/b/x.PNG", root, splits[s]), 33, 17, 1, 1) == 0, "png");
        CHECK(write_jpg(pathf(p, sizeof p, "%s/%s/a/2.JPEG", root, splits[s]), 8, 8, 3, 2) == 0, "jpg");
        CHECK(write_png(pathf(p, sizeof p, "%s/%s/a/1.png", root, splits[s]), 300, 40, 4, 3) == 0, "png");
        /* ignored: hidden folders and files beside the class folders and the splits (a class
         * folder's own entries must all be images: test_bad_entries) */
        CHECK(mkdirs(pathf(p, sizeof p, "%s/%s/.cache", root, splits[s])) == 0, "hidden dir");
        CHECK(write_bytes(pathf(p, sizeof p, "%s/%s/notes.txt", root, splits[s]), "x", 1) == 0, "txt");
    }
    CHECK(write_bytes(pathf(p, sizeof p, "%s/README", root), "x", 1) == 0, "readme");
    /* a constant-colour image: resizing must keep the colour; luminance must be BT.601 */
    uint8_t *flat = malloc(50 * 30 * 3);
    CHECK(flat != NULL, "oom");
    for (int i = 0; i < 50 * 30; i++) {
        flat[i * 3] = 200;
        flat[i * 3 + 1] = 100;
        flat[i * 3 + 2] = 50;
    }
    CHECK(image_write_png(pathf(p, sizeof p, "%s/train/b/y.png", root), 50, 30, 3, flat, err, sizeof err) ==
              0,
          "%s", err);
    free(flat);

    dataset ds;
    /* max_per_split and idx_classes are for IDX files only: an image folder loads all */
    dataset_options opt = {.c = 3, .h = 16, .w = 20, .max_per_split = 1, .idx_classes = 50};
    CHECK(dataset_load(&ds, root, &opt, err, sizeof err) == 0, "%s", err);
    CHECK(ds.n_classes == 2 && !strcmp(ds.class_names[0], "a") && !strcmp(ds.class_names[1], "b"),
          "class names");
    CHECK(ds.train.n == 4 && ds.valid.n == 3 && ds.test.n == 3, "n %d %d %d", ds.train.n, ds.valid.n,
          ds.test.n);
    CHECK(strstr(ds.train.paths[0], "/a/1.png") && strstr(ds.train.paths[1], "/a/2.JPEG") &&
              strstr(ds.train.paths[2], "/b/x.PNG") && strstr(ds.train.paths[3], "/b/y.png"),
          "order: %s %s %s %s", ds.train.paths[0], ds.train.paths[1], ds.train.paths[2], ds.train.paths[3]);
    CHECK(ds.train.labels[0] == 0 && ds.train.labels[1] == 0 && ds.train.labels[2] == 1 &&
              ds.train.labels[3] == 1,
          "labels");
    size_t plane = 16 * 20, chw = 3 * plane;
    /* grey PNG -> three equal planes */
    CHECK(!memcmp(ds.train.pixels + 2 * chw, ds.train.pixels + 2 * chw + plane, plane) &&
              !memcmp(ds.train.pixels + 2 * chw, ds.train.pixels + 2 * chw + 2 * plane, plane),
          "grey -> RGB replication");
    /* constant colour survives the resize, in (c, h, w) order */
    for (size_t j = 0; j < plane; j++)
        CHECK(ds.train.pixels[3 * chw + j] == 200 && ds.train.pixels[3 * chw + plane + j] == 100 &&
                  ds.train.pixels[3 * chw + 2 * plane + j] == 50,
              "flat colour at %zu: %d %d %d", j, ds.train.pixels[3 * chw + j],
              ds.train.pixels[3 * chw + plane + j], ds.train.pixels[3 * chw + 2 * plane + j]);
    dataset_free(&ds);
    /* as grey: luminance 0.299*200 + 0.587*100 + 0.114*50 = 124.2 -> 124 */
    dataset_options g = {.c = 1, .h = 5, .w = 5};
    CHECK(dataset_load(&ds, root, &g, err, sizeof err) == 0, "%s", err);
    for (int j = 0; j < 25; j++)
        CHECK(ds.train.pixels[3 * 25 + j] == 124, "luminance %d", ds.train.pixels[75 + j]);
    dataset_free(&ds);
    /* classes.txt names the classes in label order (blank trailing lines and CRLF ignored) */
    CHECK(write_bytes(pathf(p, sizeof p, "%s/classes.txt", root), "apple\r\n banana \n\n", 17) == 0,
          "classes.txt");
    CHECK(dataset_load(&ds, root, &opt, err, sizeof err) == 0, "%s", err);
    CHECK(!strcmp(ds.class_names[0], "apple") && !strcmp(ds.class_names[1], "banana"), "names %s|%s",
          ds.class_names[0], ds.class_names[1]);
    dataset_free(&ds);

    /* area averaging: a 4x4 image of 2x2 blocks shrunk to 2x2 gives the block means */
    uint8_t blocks[16] = {0, 10, 100, 110, 20, 30, 120, 130, 200, 210, 50, 50, 220, 230, 50, 54};
    uint8_t small[4];
    CHECK(image_resize(blocks, 4, 4, 1, small, 2, 2) == 0, "resize");
    CHECK(small[0] == 15 && small[1] == 115 && small[2] == 215 && small[3] == 51, "area: %d %d %d %d",
          small[0], small[1], small[2], small[3]);
    /* bilinear enlargement of a 2-pixel ramp 0, 100 to 4 pixels: 0, 25, 75, 100 */
    uint8_t ramp[2] = {0, 100}, big[4];
    CHECK(image_resize(ramp, 2, 1, 1, big, 4, 1) == 0, "resize");
    CHECK(big[0] == 0 && big[1] == 25 && big[2] == 75 && big[3] == 100, "bilinear: %d %d %d %d", big[0],
          big[1], big[2], big[3]);

    /* dataset_load_image: one file, any shape */
    float out[3 * 7 * 9];
    CHECK(dataset_load_image(pathf(p, sizeof p, "%s/train/b/y.png", root), 3, 7, 9, out, err, sizeof err) ==
              0,
          "%s", err);
    CHECK(out[0] == 200.0f && out[63] == 100.0f && out[126] == 50.0f, "load_image %g %g %g", out[0], out[63],
          out[126]);
    return 0;
}

/* ---- errors ----------------------------------------------------------------------- */

/* Expects dataset_load(dir) to fail with a message containing `needle`. */
static int expect_load_error(const char *dir, const char *needle, const char *what) {
    dataset ds;
    char err[1024] = "";
    dataset_options opt = {.c = 3, .h = 8, .w = 8};
    int rc = dataset_load(&ds, dir, &opt, err, sizeof err);
    CHECK(rc != 0, "%s: loaded, expected an error naming %s", what, needle);
    CHECK(strstr(err, needle) != NULL, "%s: message \"%s\" does not name %s", what, err, needle);
    CHECK(ds.train.pixels == NULL && ds.n_classes == 0 && ds.class_names[0] == NULL, "%s: ds not empty",
          what);
    printf("ok  %-34s %s\n", what, err);
    return 0;
}

/* A good 2-class folder at root. */
static int make_good(const char *root) {
    char p[4400];
    rm_tree(root);
    for (int s = 0; s < 3; s++)
        for (int k = 1; k <= 2; k++) {
            if (mkdirs(pathf(p, sizeof p, "%s/%s/%d", root, splits[s], k))) return -1;
            if (write_jpg(pathf(p, sizeof p, "%s/%s/%d/a.jpg", root, splits[s], k), 12, 10, 3, k)) return -1;
        }
    return 0;
}

static int test_errors(void) {
    char root[4200], p[4400], err[1024];
    pathf(root, sizeof root, "%s/bad", scratch);
    dataset ds;
    dataset_options opt = {.c = 3, .h = 8, .w = 8};
    CHECK(make_good(root) == 0, "make_good");
    CHECK(dataset_load(&ds, root, &opt, err, sizeof err) == 0, "the good folder must load: %s", err);
    dataset_free(&ds);

    /* corrupt images, each in place of a good one */
    char good[4400];
    pathf(good, sizeof good, "%s/train/2/a.jpg", root);
    long n = file_size(good);
    uint8_t *bytes = malloc((size_t)n);
    FILE *f = fopen(good, "rb");
    CHECK(bytes && f && fread(bytes, 1, (size_t)n, f) == (size_t)n, "read %s", good);
    fclose(f);
    pathf(p, sizeof p, "%s/train/2/truncated.jpg", root);
    CHECK(write_bytes(p, bytes, (size_t)n / 2) == 0, "write");
    if (expect_load_error(root, p, "truncated JPEG")) return -1;
    remove(p);
    pathf(p, sizeof p, "%s/train/2/noeoi.jpg", root); /* all but the last 2 bytes (FF D9) */
    CHECK(write_bytes(p, bytes, (size_t)n - 2) == 0, "write");
    if (expect_load_error(root, p, "JPEG without end marker")) return -1;
    remove(p);
    uint8_t *zw = malloc((size_t)n); /* SOF width set to 0 */
    CHECK(zw != NULL, "oom");
    memcpy(zw, bytes, (size_t)n);
    int patched = 0;
    for (long i = 2; i + 8 < n && !patched; i++)
        if (zw[i] == 0xFF && zw[i + 1] == 0xC0) {
            zw[i + 7] = 0;
            zw[i + 8] = 0;
            patched = 1;
        }
    CHECK(patched, "no SOF0 in the test JPEG");
    pathf(p, sizeof p, "%s/valid/1/zerowidth.jpg", root);
    CHECK(write_bytes(p, zw, (size_t)n) == 0, "write");
    if (expect_load_error(root, p, "JPEG of width 0")) return -1;
    remove(p);
    free(zw);
    pathf(p, sizeof p, "%s/train/1/empty.jpg", root);
    CHECK(write_bytes(p, "", 0) == 0, "write");
    if (expect_load_error(root, p, "zero-byte file")) return -1;
    remove(p);
    pathf(p, sizeof p, "%s/test/1/text.png", root);
    CHECK(write_bytes(p, "hello, I am not a PNG\n", 22) == 0, "write");
    if (expect_load_error(root, p, "text file named .png")) return -1;
    remove(p);
    /* PNG: truncated, bad CRC, zero width */
    pathf(p, sizeof p, "%s/test/2/t.png", root);
    CHECK(write_png(p, 20, 20, 3, 5) == 0, "png");
    long pn = file_size(p);
    uint8_t *png = malloc((size_t)pn);
    f = fopen(p, "rb");
    CHECK(png && f && fread(png, 1, (size_t)pn, f) == (size_t)pn, "read png");
    fclose(f);
    CHECK(write_bytes(p, png, (size_t)pn - 20) == 0, "write");
    if (expect_load_error(root, p, "truncated PNG")) return -1;
    png[pn - 30] ^= 0x55;
    CHECK(write_bytes(p, png, (size_t)pn) == 0, "write");
    if (expect_load_error(root, p, "PNG with a bad CRC")) return -1;
    png[pn - 30] ^= 0x55;
    png[16] = png[17] = png[18] = png[19] = 0; /* IHDR width 0; fix the CRC so only the width is wrong */
    uint32_t crc = (uint32_t)crc32(0L, png + 12, 17);
    for (int b = 0; b < 4; b++) png[29 + b] = (uint8_t)(crc >> (24 - 8 * b));
    CHECK(write_bytes(p, png, (size_t)pn) == 0, "write");
    if (expect_load_error(root, p, "PNG of width 0")) return -1;
    remove(p);
    free(png);
    free(bytes);

    /* a corrupt file given to dataset_load_image */
    pathf(p, sizeof p, "%s/lonely.jpg", scratch);
    CHECK(write_bytes(p, "\xff\xd8\xff\xe0", 4) == 0, "write");
    float px[3 * 8 * 8];
    CHECK(dataset_load_image(p, 3, 8, 8, px, err, sizeof err) != 0 && strstr(err, p), "load_image: %s", err);
    printf("ok  %-34s %s\n", "load_image of a truncated JPEG", err);
    CHECK(dataset_load_image(pathf(p, sizeof p, "%s/none.png", scratch), 3, 8, 8, px, err, sizeof err) != 0 &&
              strstr(err, p),
          "load_image of a missing file: %s", err);

    /* layout errors */
    CHECK(make_good(root) == 0, "make_good");
    rm_tree(pathf(p, sizeof p, "%s/valid", root));
    if (expect_load_error(root, p, "missing split folder")) return -1;
    CHECK(make_good(root) == 0, "make_good");
    rm_tree(pathf(p, sizeof p, "%s/test/2", root));
    if (expect_load_error(root, pathf(p, sizeof p, "%s/test", root), "class missing from a split")) return -1;
    CHECK(mkdirs(pathf(p, sizeof p, "%s/test/3", root)) == 0, "mkdir");
    CHECK(write_jpg(pathf(p, sizeof p, "%s/test/3/a.jpg", root), 9, 9, 3, 1) == 0, "jpg");
    CHECK(mkdirs(pathf(p, sizeof p, "%s/test/2", root)) == 0, "mkdir");
    CHECK(write_jpg(pathf(p, sizeof p, "%s/test/2/a.jpg", root), 9, 9, 3, 1) == 0, "jpg");
    if (expect_load_error(root, pathf(p, sizeof p, "%s/test/3", root), "extra class folder in a split"))
        return -1;
    CHECK(make_good(root) == 0, "make_good");
    remove(pathf(p, sizeof p, "%s/train/1/a.jpg", root));
    if (expect_load_error(root, pathf(p, sizeof p, "%s/train/1", root), "empty class folder")) return -1;
    CHECK(write_bytes(pathf(p, sizeof p, "%s/train/1/readme.txt", root), "x", 1) == 0, "write");
    if (expect_load_error(root, pathf(p, sizeof p, "%s/train/1", root), "class folder without images"))
        return -1;
    CHECK(make_good(root) == 0, "make_good");
    rm_tree(pathf(p, sizeof p, "%s/valid/1", root));
    rm_tree(pathf(p, sizeof p, "%s/valid/2", root));
    if (expect_load_error(root, pathf(p, sizeof p, "%s/valid", root), "split with no class folders"))
        return -1;
    CHECK(make_good(root) == 0, "make_good");
    CHECK(write_bytes(pathf(p, sizeof p, "%s/classes.txt", root), "face\nbody\nhand\n", 15) == 0, "write");
    if (expect_load_error(root, p, "classes.txt with 3 lines, 2 folders")) return -1;
    CHECK(write_bytes(p, "face\n\nbody\n", 11) == 0, "write");
    if (expect_load_error(root, p, "classes.txt with an empty line")) return -1;
    /* neither layout; not a folder */
    pathf(root, sizeof root, "%s/neither", scratch);
    CHECK(mkdirs(root) == 0, "mkdir");
    CHECK(write_bytes(pathf(p, sizeof p, "%s/photo.jpg", root), "x", 1) == 0, "write");
    if (expect_load_error(root, root, "neither layout")) return -1;
    if (expect_load_error(p, p, "a file, not a folder")) return -1;
    if (expect_load_error(pathf(p, sizeof p, "%s/nowhere", scratch), p, "a missing path")) return -1;

    /* IDX errors */
    pathf(root, sizeof root, "%s/badidx", scratch);
    CHECK(mkdirs(root) == 0, "mkdir");
    CHECK(write_idx(root, "train", 10, 4, 4, 0, 0x803, 10, 0) == 0 &&
              write_idx(root, "t10k", 6, 4, 4, 1, 0x803, 6, 0) == 0,
          "idx");
    dataset_options io = {.c = 1, .h = 4, .w = 4};
    CHECK(dataset_load(&ds, root, &io, err, sizeof err) == 0, "the good IDX set must load: %s", err);
    dataset_free(&ds);
    dataset_options eleven = {.c = 1, .h = 4, .w = 4, .idx_classes = 11};
    CHECK(dataset_load(&ds, root, &eleven, err, sizeof err) != 0 && strstr(err, root), "idx_classes 11: %s",
          err);
    printf("ok  %-34s %s\n", "IDX with idx_classes 11", err);
    CHECK(write_idx(root, "train", 10, 4, 4, 0, 0x804, 10, 0) == 0, "idx");
    if (expect_load_error(root, pathf(p, sizeof p, "%s/train-images-idx3-ubyte", root),
                          "IDX with a bad magic"))
        return -1;
    CHECK(write_idx(root, "train", 10, 4, 4, 0, 0x803, 10, 7) == 0, "idx");
    if (expect_load_error(root, p, "truncated IDX data")) return -1;
    CHECK(write_idx(root, "train", 10, 4, 4, 0, 0x803, 10, 0) == 0, "idx");
    CHECK(write_idx(root, "t10k", 6, 4, 4, 1, 0x803, 6, 30) == 0, "idx");
    if (expect_load_error(root, pathf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", root),
                          "truncated gzipped IDX"))
        return -1;
    CHECK(write_idx(root, "t10k", 6, 4, 4, 1, 0x803, 6, 0) == 0, "idx"); /* a cut gzip stream */
    pathf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", root);
    CHECK(truncate(p, file_size(p) / 2) == 0, "truncate %s", p);
    if (expect_load_error(root, p, "truncated gzip stream")) return -1;
    CHECK(write_idx(root, "t10k", 6, 4, 4, 1, 0x803, 5, 0) == 0, "idx");
    if (expect_load_error(root, pathf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", root),
                          "label count != image count"))
        return -1;
    CHECK(write_idx(root, "t10k", 6, 4, 4, 1, 0x803, 6, 0) == 0, "idx");
    remove(pathf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", root));
    if (expect_load_error(root, p, "missing IDX labels file")) return -1;

    /* the stand-in writer: bad IDX folder, existing target */
    char out[4400];
    pathf(out, sizeof out, "%s/standin-bad", scratch);
    CHECK(dataset_write_standin(out, root, 1, err, sizeof err) != 0 && strstr(err, root),
          "standin from %s: %s", root, err);
    printf("ok  %-34s %s\n", "stand-in from a bad IDX folder", err);
    CHECK(access(out, F_OK) != 0, "%s exists after a failed write", out);
    CHECK(count_files(scratch) > 0, "scratch");
    DIR *d = opendir(scratch);
    struct dirent *e;
    while (d && (e = readdir(d)))
        CHECK(!strstr(e->d_name, ".tmp-"), "temporary folder %s left behind", e->d_name);
    if (d) closedir(d);
    return 0;
}

/* ---- bad entries in class folders ------------------------------------------------- */

/* Puts one bad entry into a good folder's train/2/ via make(path), expects dataset_load to
 * name it and say `what_is` about it, and removes it again. */
static int expect_bad_entry(const char *root, const char *name, int (*make)(const char *),
                            const char *what_is, const char *what) {
    char p[4400];
    CHECK(make_good(root) == 0, "make_good");
    pathf(p, sizeof p, "%s/train/2/%s", root, name);
    CHECK(make(p) == 0, "%s: cannot create %s: %s", what, p, strerror(errno));
    dataset ds;
    char err[1024] = "";
    dataset_options opt = {.c = 3, .h = 8, .w = 8};
    int rc = dataset_load(&ds, root, &opt, err, sizeof err);
    CHECK(rc != 0, "%s: loaded %d train images, expected an error naming %s", what, ds.train.n, p);
    CHECK(strstr(err, p) != NULL && strstr(err, what_is) != NULL,
          "%s: message \"%s\" does not name %s as \"%s\"", what, err, p, what_is);
    CHECK(strstr(err, "expected") != NULL, "%s: message \"%s\" does not say what was expected", what, err);
    printf("ok  %-34s %s\n", what, err);
    return 0;
}

static int make_dangling(const char *p) { return symlink("no-such-image.jpg", p); }
static int make_folder(const char *p) { return mkdir(p, 0755); }
static int make_fifo(const char *p) { return mkfifo(p, 0644); }
static int make_text(const char *p) { return write_bytes(p, "hello\n", 6); }
static int make_empty(const char *p) { return write_bytes(p, "", 0); }
static int make_jpg(const char *p) { return write_jpg(p, 12, 10, 3, 9); }
static int make_truncated(const char *p) {
    if (write_jpg(p, 12, 10, 3, 9)) return -1;
    return truncate(p, file_size(p) / 2);
}
static int make_link_to_folder(const char *p) { return symlink(".", p); }
static int make_socket(const char *p) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (fd < 0 || strlen(p) >= sizeof a.sun_path) return fd < 0 ? -1 : (close(fd), errno = ENAMETOOLONG, -1);
    strcpy(a.sun_path, p);
    int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    return rc;
}

/* Every kind of entry a class folder may hold that is not a decodable image: each one
 * stops the load (before any training) with its path, what it is and what was expected. */
static int test_bad_entries(void) {
    char root[4200], p[4400];
    pathf(root, sizeof root, "%s/entries", scratch);
    if (expect_bad_entry(root, "gone.jpg", make_dangling,
                         "symbolic link to \"no-such-image.jpg\", which does not exist",
                         "dangling symbolic link"))
        return -1;
    if (expect_bad_entry(root, "sub", make_folder, "a folder", "folder in a class folder")) return -1;
    if (expect_bad_entry(root, "dir.jpg", make_folder, "a folder", "folder named .jpg")) return -1;
    if (expect_bad_entry(root, "loop.jpg", make_link_to_folder,
                         "a folder (class folders hold image files only) "
                         "(through a symbolic link)",
                         "symbolic link to a folder"))
        return -1;
    if (expect_bad_entry(root, "pipe.jpg", make_fifo, "a named pipe (FIFO)", "FIFO named .jpg")) return -1;
    if (strlen(root) + 20 < sizeof(((struct sockaddr_un *)0)->sun_path) &&
        expect_bad_entry(root, "sock.png", make_socket, "a socket", "socket named .png"))
        return -1;
    if (expect_bad_entry(root, "notes.txt", make_text, "a file without an image extension", "non-image file"))
        return -1;
    if (expect_bad_entry(root, "photo.jpg.bak", make_jpg, "a file without an image extension",
                         "image with another extension"))
        return -1;
    if (expect_bad_entry(root, ".hidden.jpg", make_jpg, "a hidden file", "hidden file")) return -1;
    if (expect_bad_entry(root, "text.jpg", make_text, "not a JPEG or PNG image", "text file named .jpg"))
        return -1;
    if (expect_bad_entry(root, "empty.png", make_empty, "empty file (0 bytes)", "zero-byte file")) return -1;
    if (expect_bad_entry(root, "cut.jpg", make_truncated, "truncated JPEG", "truncated image")) return -1;
    /* device file: a character device reached through a symbolic link */
    pathf(p, sizeof p, "%s/train/2/null.jpg", root);
    CHECK(make_good(root) == 0 && symlink("/dev/null", p) == 0, "symlink /dev/null");
    if (expect_load_error(root, p, "link to a character device")) return -1;

    /* unreadable file: root reads everything, so the load runs as nobody in a child, on a
     * folder in /tmp (TMPDIR may be one nobody cannot enter) */
    char open_root[64] = "/tmp/pb-test-unreadable-XXXXXX";
    CHECK(mkdtemp(open_root) != NULL && chmod(open_root, 0755) == 0, "mkdtemp %s", open_root);
    CHECK(make_good(open_root) == 0, "make_good");
    pathf(p, sizeof p, "%s/train/2/secret.jpg", open_root);
    CHECK(write_jpg(p, 12, 10, 3, 9) == 0 && chmod(p, 0) == 0, "chmod %s", p);
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) || setuid(65534))) _exit(3);
        if (access(p, R_OK) == 0) _exit(4); /* still readable: the check could not fail */
        /* a fresh process: OpenMP's threads do not survive fork() */
        execl("/proc/self/exe", "test_dataset", "unreadable", open_root, p, (char *)NULL);
        _exit(5); /* this test binary is not executable by nobody (its folder) */
    }
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    rm_tree(open_root);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 5) {
        printf("SKIP unreadable file: nobody cannot run %s (a folder on its path is closed)\n",
               "this test binary");
    } else {
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 3 && WEXITSTATUS(st) != 4,
              "unreadable file: the child could not drop to an unprivileged user (status %d)", st);
        CHECK(WEXITSTATUS(st) == 0, "unreadable file: not refused by name (status %d)", WEXITSTATUS(st));
    }

    /* the good folder still loads, with every image */
    CHECK(make_good(root) == 0, "make_good");
    dataset ds;
    char err[1024];
    dataset_options opt = {.c = 3, .h = 8, .w = 8};
    CHECK(dataset_load(&ds, root, &opt, err, sizeof err) == 0 && ds.train.n == 2, "good folder: %s", err);
    dataset_free(&ds);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s standin|determinism|version|idx IDX_DIR | folder | errors | entries\n",
                argv[0]);
        return 2;
    }
    if (!strcmp(argv[1], "unreadable") && argc == 4) /* test_bad_entries' child, run as nobody */
        return expect_load_error(argv[2], argv[3], "unreadable file (as nobody)") || failures ? 1 : 0;
    const char *idx_dir = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist";
    const char *tmpdir = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/pb-test-data-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 1;
    }
    int rc;
    if (!strcmp(argv[1], "standin"))
        rc = test_standin(idx_dir);
    else if (!strcmp(argv[1], "determinism"))
        rc = test_determinism(idx_dir);
    else if (!strcmp(argv[1], "version"))
        rc = test_version(idx_dir);
    else if (!strcmp(argv[1], "idx"))
        rc = test_idx(idx_dir);
    else if (!strcmp(argv[1], "folder"))
        rc = test_folder();
    else if (!strcmp(argv[1], "errors"))
        rc = test_errors();
    else if (!strcmp(argv[1], "entries"))
        rc = test_bad_entries();
    else {
        fprintf(stderr, "unknown case %s\n", argv[1]);
        rc = 2;
    }
    rm_tree(scratch);
    if (rc || failures) {
        fprintf(stderr, "%s: FAILED\n", argv[1]);
        return rc == 2 ? 2 : 1;
    }
    printf("%s: passed\n", argv[1]);
    return 0;
}
