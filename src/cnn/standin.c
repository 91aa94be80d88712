#define _GNU_SOURCE /* nftw's FTW_DEPTH / FTW_PHYS */
#include "standin.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rng.h"
#include "common/timing.h"
#include "idx_reader.h"
#include "image_codec.h"

#define STANDIN_CLASSES 4

static const char *const standin_names[STANDIN_CLASSES] = {"face", "body", "hand", "nothing"};
static const int standin_source[STANDIN_CLASSES] = {8, 3, 5, 1}; /* Bag, Dress, Sandal, Trouser */
static const char *const standin_source_names[STANDIN_CLASSES] = {"Bag", "Dress", "Sandal", "Trouser"};
static const char *const split_names[3] = {"train", "valid", "test"};

standin_spec standin_default_spec(void) {
    standin_spec s = {.train_per_class = 360, .valid = 45, .test = 45, .size = 224, .quality = 90};
    return s;
}

/* Images of class k in split s: train is per class; valid gives its remainder to the
 * first classes, test to the last ones, so neither split favours the same class. */
static int split_count(const standin_spec *sp, int s, int k) {
    if (s == 0) return sp->train_per_class;
    int total = s == 1 ? sp->valid : sp->test;
    int extra = total % STANDIN_CLASSES, rank = s == 1 ? k : STANDIN_CLASSES - 1 - k;
    return total / STANDIN_CLASSES + (rank < extra);
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Source coordinate (16.16 fixed point, centres aligned, clamped) of output index o
 * when n source pixels are stretched over len output pixels. */
static int64_t src_coord(int o, int n, int len) {
    int64_t v = ((int64_t)(2 * o + 1) * n * 65536) / (2 * (int64_t)len) - 32768;
    return v < 0 ? 0 : v > (int64_t)(n - 1) * 65536 ? (int64_t)(n - 1) * 65536 : v;
}

/* Draws one stand-in image (size x size x 3, interleaved) around the rows x cols grey
 * garment src. Integer arithmetic only, so a seed gives the same pixels on any build. */
static void render(uint8_t *out, int size, const uint8_t *src, int rows, int cols, uint64_t img_seed) {
    rng r;
    rng_seed(&r, img_seed);
    /* background: a two-colour gradient, horizontal, vertical or diagonal */
    int c0[3], c1[3];
    for (int ch = 0; ch < 3; ch++) {
        c0[ch] = 10 + (int)rng_below(&r, 150);
        c1[ch] = 10 + (int)rng_below(&r, 150);
    }
    int dir = (int)rng_below(&r, 3);
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            int t = dir == 0 ? x : dir == 1 ? y : (x + y) / 2;
            uint8_t *p = out + ((size_t)y * size + x) * 3;
            for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)(c0[ch] + (c1[ch] - c0[ch]) * t / (size - 1));
        }
    /* distractors: 0..3 faint rectangles */
    int nrect = (int)rng_below(&r, 4);
    for (int i = 0; i < nrect; i++) {
        int rw = size / 10 + (int)rng_below(&r, (uint64_t)(size * 2 / 5)), rh = size / 10 + (int)rng_below(&r, (uint64_t)(size * 2 / 5));
        int rx = (int)rng_below(&r, (uint64_t)(size - rw + 1)), ry = (int)rng_below(&r, (uint64_t)(size - rh + 1));
        int col[3], a = 40 + (int)rng_below(&r, 61);
        for (int ch = 0; ch < 3; ch++) col[ch] = (int)rng_below(&r, 256);
        for (int y = ry; y < ry + rh; y++)
            for (int x = rx; x < rx + rw; x++) {
                uint8_t *p = out + ((size_t)y * size + x) * 3;
                for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)((p[ch] * (255 - a) + col[ch] * a + 127) / 255);
            }
    }
    /* the garment: scaled, maybe mirrored, placed, tinted, blended by its intensity */
    int oh = (80 + (int)rng_below(&r, 121)) * size / 224;
    int ow = oh * (85 + (int)rng_below(&r, 31)) / 100;
    if (oh < 1) oh = 1;
    if (ow < 1) ow = 1;
    int flip = (int)rng_below(&r, 2);
    int mx = ow / 10, my = oh / 10;
    int x0 = -mx + (int)rng_below(&r, (uint64_t)clampi(size - ow + 2 * mx + 1, 1, 1 << 20));
    int y0 = -my + (int)rng_below(&r, (uint64_t)clampi(size - oh + 2 * my + 1, 1, 1 << 20));
    int tint[3];
    for (int ch = 0; ch < 3; ch++) tint[ch] = 110 + (int)rng_below(&r, 146);
    for (int y = clampi(y0, 0, size); y < clampi(y0 + oh, 0, size); y++) {
        int64_t sy = src_coord(y - y0, rows, oh);
        int iy = (int)(sy >> 16), fy = (int)(sy & 0xFFFF), iy1 = iy + 1 < rows ? iy + 1 : iy;
        for (int x = clampi(x0, 0, size); x < clampi(x0 + ow, 0, size); x++) {
            int ox = flip ? ow - 1 - (x - x0) : x - x0;
            int64_t sx = src_coord(ox, cols, ow);
            int ix = (int)(sx >> 16), fx = (int)(sx & 0xFFFF), ix1 = ix + 1 < cols ? ix + 1 : ix;
            int64_t top = (int64_t)src[iy * cols + ix] * (65536 - fx) + (int64_t)src[iy * cols + ix1] * fx;
            int64_t bot = (int64_t)src[iy1 * cols + ix] * (65536 - fx) + (int64_t)src[iy1 * cols + ix1] * fx;
            int a = (int)((top * (65536 - fy) + bot * fy + ((int64_t)1 << 31)) >> 32); /* 0..255 */
            uint8_t *p = out + ((size_t)y * size + x) * 3;
            for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)((p[ch] * (255 - a) + tint[ch] * a + 127) / 255);
        }
    }
    /* sensor-like noise, +-16 per channel */
    size_t n = (size_t)size * size * 3;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t bits = rng_next(&r);
        for (size_t j = i; j < i + 8 && j < n; j++, bits >>= 8)
            out[j] = (uint8_t)clampi(out[j] + (int)((bits & 0xFF) % 33) - 16, 0, 255);
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* mkdir -p of every parent folder of path. */
static int make_parents(const char *path, char *err, size_t errlen) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create folder: %s", buf, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

/* Indices of class `label` in labels[0..n-1], shuffled by r; fills idx, returns count. */
static int class_indices(const uint8_t *labels, int n, int label, rng *r, int *idx) {
    int m = 0;
    for (int i = 0; i < n; i++)
        if (labels[i] == label) idx[m++] = i;
    rng_shuffle(r, idx, (size_t)m);
    return m;
}

int standin_write(const char *out_dir, const char *idx_dir, uint64_t seed, const standin_spec *spec, char *err,
                  size_t errlen) {
    idx_array img[2] = {{0}}, lab[2] = {{0}};
    int *order[2][STANDIN_CLASSES] = {{0}};
    int avail[2][STANDIN_CLASSES] = {{0}};
    char out[4096], tmp[4096 + 16], path[4096 + 64];
    int rc = -1, made_tmp = 0;
    double t0 = time_mono();

    if (spec->train_per_class < 1 || spec->valid < STANDIN_CLASSES || spec->test < STANDIN_CLASSES ||
        spec->size < 8 || spec->size > 4096 || spec->quality < 1 || spec->quality > 100) {
        snprintf(err, errlen, "stand-in: bad spec (train/class %d, valid %d, test %d, size %d, quality %d)",
                 spec->train_per_class, spec->valid, spec->test, spec->size, spec->quality);
        return -1;
    }
    size_t len = strlen(out_dir);
    while (len > 1 && out_dir[len - 1] == '/') len--;
    if (len == 0 || len + 16 >= sizeof out) {
        snprintf(err, errlen, "\"%s\": expected a folder path for the stand-in data set", out_dir);
        return -1;
    }
    memcpy(out, out_dir, len);
    out[len] = 0;
    struct stat st;
    if (stat(out, &st) == 0) {
        int empty = 0; /* an empty folder is fine: rename() replaces it */
        DIR *d = S_ISDIR(st.st_mode) ? opendir(out) : NULL;
        if (d) {
            struct dirent *e;
            empty = 1;
            while (empty && (e = readdir(d))) empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
            closedir(d);
        }
        if (!empty) {
            snprintf(err, errlen, "%s: already exists; remove it or choose another folder for the stand-in", out);
            return -1;
        }
    }

    /* sources */
    char ip[4096], lp[4096];
    static const char *const prefix[2] = {"train", "t10k"};
    for (int f = 0; f < 2; f++) {
        char base[64];
        snprintf(base, sizeof base, "%s-images-idx3-ubyte", prefix[f]);
        if (idx_find(idx_dir, base, ip, sizeof ip)) {
            snprintf(err, errlen, "%s[.gz]: missing; the stand-in is made from Fashion-MNIST IDX files (Debian "
                     "package dataset-fashion-mnist: /usr/share/datasets/fashion-mnist)", ip);
            goto done;
        }
        snprintf(base, sizeof base, "%s-labels-idx1-ubyte", prefix[f]);
        if (idx_find(idx_dir, base, lp, sizeof lp)) {
            snprintf(err, errlen, "%s[.gz]: missing; the stand-in is made from Fashion-MNIST IDX files", lp);
            goto done;
        }
        if (idx_read(ip, 3, 0, &img[f], err, errlen) || idx_read(lp, 1, 0, &lab[f], err, errlen)) goto done;
        if (img[f].dims[0] != lab[f].dims[0]) {
            snprintf(err, errlen, "%s: %u labels but %s has %u images; expected one label per image", lp,
                     lab[f].dims[0], ip, img[f].dims[0]);
            goto done;
        }
        if (img[f].dims[0] > (1u << 30)) {
            snprintf(err, errlen, "%s: too many images", ip);
            goto done;
        }
    }
    rng sel;
    rng_seed(&sel, rng_mix(seed ^ 0x5374616e64496e31ULL));
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < STANDIN_CLASSES; k++) {
            int n = (int)lab[f].dims[0];
            if (!(order[f][k] = malloc(sizeof(int) * (size_t)n))) {
                snprintf(err, errlen, "out of memory");
                goto done;
            }
            avail[f][k] = class_indices(lab[f].data, n, standin_source[k], &sel, order[f][k]);
            int need = f == 0 ? split_count(spec, 0, k) : split_count(spec, 1, k) + split_count(spec, 2, k);
            if (avail[f][k] < need) {
                snprintf(err, errlen, "%s/%s-labels-idx1-ubyte: %d images of class %d (%s); the stand-in needs %d",
                         idx_dir, prefix[f], avail[f][k], standin_source[k], standin_source_names[k], need);
                goto done;
            }
        }

    /* the temporary folder */
    if (make_parents(out, err, errlen)) goto done;
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out);
    if (!mkdtemp(tmp)) {
        snprintf(err, errlen, "%s: cannot create a temporary folder: %s", tmp, strerror(errno));
        goto done;
    }
    made_tmp = 1;
    chmod(tmp, 0755); /* mkdtemp makes it private; the data set is for any user or container */
    for (int s = 0; s < 3; s++) {
        snprintf(path, sizeof path, "%s/%s", tmp, split_names[s]);
        int bad = mkdir(path, 0755) != 0;
        for (int k = 0; k < STANDIN_CLASSES && !bad; k++) {
            snprintf(path, sizeof path, "%s/%s/%d", tmp, split_names[s], k + 1);
            bad = mkdir(path, 0755) != 0;
        }
        if (bad) {
            snprintf(err, errlen, "%s: cannot create folder: %s", path, strerror(errno));
            goto done;
        }
    }
    snprintf(path, sizeof path, "%s/classes.txt", tmp);
    FILE *f = fopen(path, "w");
    int werr = !f;
    if (f) {
        for (int k = 0; k < STANDIN_CLASSES; k++) fprintf(f, "%s\n", standin_names[k]);
        werr = ferror(f) | (fclose(f) != 0);
    }
    snprintf(path, sizeof path, "%s/standin.txt", tmp);
    if (!werr && (f = fopen(path, "w"))) {
        fprintf(f, "platbench stand-in data set (the study's images are not public)\n"
                   "seed: %llu\nsource: Fashion-MNIST IDX files in %s (train split from train-*, valid and test "
                   "from t10k-*)\nclasses (folder name: Fashion-MNIST class):\n",
                (unsigned long long)seed, idx_dir);
        for (int k = 0; k < STANDIN_CLASSES; k++)
            fprintf(f, "  %d %s: %s (label %d)\n", k + 1, standin_names[k], standin_source_names[k],
                    standin_source[k]);
        fprintf(f, "images: %d x %d RGB JPEG, quality %d; train %d, valid %d, test %d\n", spec->size, spec->size,
                spec->quality, spec->train_per_class * STANDIN_CLASSES, spec->valid, spec->test);
        werr = ferror(f) | (fclose(f) != 0);
    } else {
        werr = 1;
    }
    if (werr) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        goto done;
    }

    /* the images */
    for (int s = 0; s < 3; s++) {
        int f = s == 0 ? 0 : 1, done_n = 0, total = 0;
        for (int k = 0; k < STANDIN_CLASSES; k++) total += split_count(spec, s, k);
        int rows = (int)img[f].dims[1], cols = (int)img[f].dims[2];
        for (int k = 0; k < STANDIN_CLASSES; k++) {
            int n = split_count(spec, s, k), skip = s == 2 ? split_count(spec, 1, k) : 0, failed = 0;
            /* images are independent (own generator, own file): parallel when built with OpenMP */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 4)
#endif
            for (int i = 0; i < n; i++) {
                int stop;
#ifdef _OPENMP
#pragma omp atomic read
#endif
                stop = failed;
                if (stop) continue;
                char file[sizeof path], msg[1024];
                uint8_t *px = malloc((size_t)spec->size * spec->size * 3);
                int rc_i = -1;
                if (!px) {
                    snprintf(msg, sizeof msg, "out of memory");
                } else {
                    int src = order[f][k][skip + i];
                    uint64_t key = (uint64_t)(s + 1) << 48 ^ (uint64_t)(k + 1) << 32 ^ (uint64_t)i;
                    render(px, spec->size, img[f].data + (size_t)src * rows * cols, rows, cols,
                           rng_mix(seed ^ rng_mix(key)));
                    snprintf(file, sizeof file, "%s/%s/%d/%04d.jpg", tmp, split_names[s], k + 1, i + 1);
                    rc_i = image_write_jpeg(file, spec->size, spec->size, 3, px, spec->quality, msg, sizeof msg);
                    free(px);
                }
                if (rc_i) {
#ifdef _OPENMP
#pragma omp critical(standin_error)
#endif
                    if (!failed) {
                        snprintf(err, errlen, "%s", msg);
#ifdef _OPENMP
#pragma omp atomic write
#endif
                        failed = 1;
                    }
                }
            }
            if (failed) goto done;
            done_n += n;
            fprintf(stderr, "standin: %s %d/%d images (%.1f s)\n", split_names[s], done_n, total, time_mono() - t0);
        }
    }
    if (rename(tmp, out) != 0) {
        snprintf(err, errlen, "%s: cannot rename %s to it: %s", out, tmp, strerror(errno));
        goto done;
    }
    made_tmp = 0;
    fprintf(stderr, "standin: wrote %s in %.1f s\n", out, time_mono() - t0);
    rc = 0;
done:
    if (made_tmp) nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (int f = 0; f < 2; f++) {
        idx_free(&img[f]);
        idx_free(&lab[f]);
        for (int k = 0; k < STANDIN_CLASSES; k++) free(order[f][k]);
    }
    return rc;
}
