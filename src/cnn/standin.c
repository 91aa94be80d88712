#define _GNU_SOURCE /* nftw's FTW_DEPTH / FTW_PHYS */
#include "cnn/standin.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rng.h"
#include "common/timing.h"
#include "cnn/idx_reader.h"
#include "cnn/image_codec.h"

#define STANDIN_CLASSES 4
#define NO_SOURCE       (-1) /* the class shows no garment */

static const char *const standin_names[STANDIN_CLASSES] = {"face", "body", "hand", "nothing"};
static const int standin_source[STANDIN_CLASSES] = {8, 1, 7, NO_SOURCE}; /* Bag, Trouser, Sneaker, none */
static const char *const standin_source_names[STANDIN_CLASSES] = {"Bag", "Trouser", "Sneaker", "no garment"};
static const char *const split_names[3] = {"train", "valid", "test"};
static const char *const idx_prefix[2] = {"train", "t10k"}; /* source file of train; of valid and test */

/* Everything one standin_write holds; standin_free releases it whatever phase failed. */
typedef struct standin_job {
    const standin_spec *spec;       /* sizes */
    uint64_t seed;                  /* data set seed */
    const char *idx_dir;            /* Fashion-MNIST IDX folder */
    char out[4096];                 /* the data set folder, no trailing slash */
    char tmp[4096 + 16];            /* OUT.tmp-XXXXXX while being written */
    int made_tmp;                   /* tmp exists and must go on failure */
    idx_array img[2], lab[2];       /* [0] train-*, [1] t10k-* */
    int *order[2][STANDIN_CLASSES]; /* per source file and class: its items, shuffled */
    double t0;                      /* start, for progress */
    char *err;                      /* caller's message buffer */
    size_t errlen;                  /* its size */
} standin_job;

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

/* ---- drawing ------------------------------------------------------------------------ */

/* Background: a dark two-colour gradient (horizontal, vertical or diagonal), then 0..2
 * faint rectangles, drawn for every class alike (so "nothing" is the background alone). */
static void draw_background(uint8_t *out, int size, rng *r) {
    int c0[3], c1[3];
    for (int ch = 0; ch < 3; ch++) {
        c0[ch] = 10 + (int)rng_below(r, 91);
        c1[ch] = 10 + (int)rng_below(r, 91);
    }
    int dir = (int)rng_below(r, 3);
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++) {
            int t = dir == 0 ? x : dir == 1 ? y : (x + y) / 2;
            uint8_t *p = out + ((size_t)y * size + x) * 3;
            for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)(c0[ch] + (c1[ch] - c0[ch]) * t / (size - 1));
        }
    int nrect = (int)rng_below(r, 3);
    for (int i = 0; i < nrect; i++) {
        int rw = size / 10 + (int)rng_below(r, (uint64_t)(size * 2 / 5));
        int rh = size / 10 + (int)rng_below(r, (uint64_t)(size * 2 / 5));
        int rx = (int)rng_below(r, (uint64_t)(size - rw + 1)),
            ry = (int)rng_below(r, (uint64_t)(size - rh + 1));
        int col[3], a = 20 + (int)rng_below(r, 31);
        for (int ch = 0; ch < 3; ch++) col[ch] = (int)rng_below(r, 256);
        for (int y = ry; y < ry + rh; y++)
            for (int x = rx; x < rx + rw; x++) {
                uint8_t *p = out + ((size_t)y * size + x) * 3;
                for (int ch = 0; ch < 3; ch++)
                    p[ch] = (uint8_t)((p[ch] * (255 - a) + col[ch] * a + 127) / 255);
            }
    }
}

/* The garment (rows x cols grey): scaled up to 70..90 % of the image's height (bilinear,
 * aspect jittered +-10 %, mirrored half the time), centred within +-7 % of the side,
 * tinted a bright colour and blended over the background with its intensity as opacity.
 * Large, central and bright, as the study's subjects are in their photos. */
static void draw_garment(uint8_t *out, int size, const uint8_t *src, int rows, int cols, rng *r) {
    int oh = (157 + (int)rng_below(r, 45)) * size / 224;
    int ow = oh * (90 + (int)rng_below(r, 21)) / 100;
    if (oh < 1) oh = 1;
    if (ow < 1) ow = 1;
    int flip = (int)rng_below(r, 2), jit = size * 7 / 100;
    int x0 = (size - ow) / 2 - jit + (int)rng_below(r, (uint64_t)(2 * jit + 1));
    int y0 = (size - oh) / 2 - jit + (int)rng_below(r, (uint64_t)(2 * jit + 1));
    int tint[3];
    for (int ch = 0; ch < 3; ch++) tint[ch] = 150 + (int)rng_below(r, 106);
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
}

/* One stand-in image (size x size x 3, interleaved): background, the garment unless src is
 * NULL, then sensor-like noise of +-8 per channel. Integer arithmetic only, so a seed gives
 * the same pixels on any build. */
static void render(uint8_t *out, int size, const uint8_t *src, int rows, int cols, uint64_t img_seed) {
    rng r;
    rng_seed(&r, img_seed);
    draw_background(out, size, &r);
    if (src) draw_garment(out, size, src, rows, cols, &r);
    size_t n = (size_t)size * size * 3;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t bits = rng_next(&r);
        for (size_t j = i; j < i + 8 && j < n; j++, bits >>= 8)
            out[j] = (uint8_t)clampi(out[j] + (int)((bits & 0xFF) % 17) - 8, 0, 255);
    }
}

/* ---- phases of standin_write ------------------------------------------------------------ */

static int fail(standin_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(standin_job *j, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->err, j->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int check_spec(standin_job *j) {
    const standin_spec *s = j->spec;
    if (s->train_per_class < 1 || s->valid < STANDIN_CLASSES || s->test < STANDIN_CLASSES || s->size < 8 ||
        s->size > 4096 || s->quality < 1 || s->quality > 100)
        return fail(j, "stand-in: bad spec (train/class %d, valid %d, test %d, size %d, quality %d)",
                    s->train_per_class, s->valid, s->test, s->size, s->quality);
    return 0;
}

/* OUT without trailing slashes into j->out; it must not exist or be an empty folder
 * (rename() replaces an empty folder). */
static int check_out(standin_job *j, const char *out_dir) {
    size_t len = strlen(out_dir);
    while (len > 1 && out_dir[len - 1] == '/') len--;
    if (len == 0 || len + 16 >= sizeof j->out)
        return fail(j, "\"%s\": expected a folder path for the stand-in data set", out_dir);
    memcpy(j->out, out_dir, len);
    j->out[len] = 0;
    struct stat st;
    if (stat(j->out, &st) != 0) return 0;
    int empty = 0;
    DIR *d = S_ISDIR(st.st_mode) ? opendir(j->out) : NULL;
    if (d) {
        struct dirent *e;
        empty = 1;
        while (empty && (e = readdir(d))) empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
        closedir(d);
    }
    if (!empty)
        return fail(j, "%s: already exists; remove it or choose another folder for the stand-in", j->out);
    return 0;
}

/* Reads Fashion-MNIST's train-* and t10k-* image and label files. */
static int load_sources(standin_job *j) {
    char ip[4096], lp[4096], base[64];
    for (int f = 0; f < 2; f++) {
        snprintf(base, sizeof base, "%s-images-idx3-ubyte", idx_prefix[f]);
        if (idx_find(j->idx_dir, base, ip, sizeof ip))
            return fail(j,
                        "%s[.gz]: missing; the stand-in is made from Fashion-MNIST IDX files (Debian package "
                        "dataset-fashion-mnist: /usr/share/datasets/fashion-mnist)",
                        ip);
        snprintf(base, sizeof base, "%s-labels-idx1-ubyte", idx_prefix[f]);
        if (idx_find(j->idx_dir, base, lp, sizeof lp))
            return fail(j, "%s[.gz]: missing; the stand-in is made from Fashion-MNIST IDX files", lp);
        if (idx_read(ip, 3, 0, &j->img[f], j->err, j->errlen) ||
            idx_read(lp, 1, 0, &j->lab[f], j->err, j->errlen))
            return -1;
        if (j->img[f].dims[0] != j->lab[f].dims[0])
            return fail(j, "%s: %u labels but %s has %u images; expected one label per image", lp,
                        j->lab[f].dims[0], ip, j->img[f].dims[0]);
        if (j->img[f].dims[0] > (1u << 30)) return fail(j, "%s: too many images", ip);
    }
    return 0;
}

/* Per source file and garment class: that class's items, shuffled by the seed (valid
 * takes the first of t10k's, test the next, so no source image is in two splits). */
static int pick_sources(standin_job *j) {
    rng sel;
    rng_seed(&sel, rng_mix(j->seed ^ 0x5374616e64496e32ULL));
    for (int f = 0; f < 2; f++)
        for (int k = 0; k < STANDIN_CLASSES; k++) {
            if (standin_source[k] == NO_SOURCE) continue;
            int n = (int)j->lab[f].dims[0], m = 0;
            if (!(j->order[f][k] = malloc(sizeof(int) * (size_t)n))) return fail(j, "out of memory");
            for (int i = 0; i < n; i++)
                if (j->lab[f].data[i] == standin_source[k]) j->order[f][k][m++] = i;
            rng_shuffle(&sel, j->order[f][k], (size_t)m);
            int need =
                f == 0 ? split_count(j->spec, 0, k) : split_count(j->spec, 1, k) + split_count(j->spec, 2, k);
            if (m < need)
                return fail(j, "%s/%s-labels-idx1-ubyte: %d images of class %d (%s); the stand-in needs %d",
                            j->idx_dir, idx_prefix[f], m, standin_source[k], standin_source_names[k], need);
        }
    return 0;
}

/* OUT's parents, then OUT.tmp-XXXXXX with {train,valid,test}/{1,2,3,4}. */
static int make_tree(standin_job *j) {
    char buf[4096], path[4096 + 64];
    snprintf(buf, sizeof buf, "%s", j->out);
    for (char *p = buf + 1; *p; p++) { /* mkdir -p of every parent */
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return fail(j, "%s: cannot create folder: %s", buf, strerror(errno));
        *p = '/';
    }
    snprintf(j->tmp, sizeof j->tmp, "%s.tmp-XXXXXX", j->out);
    if (!mkdtemp(j->tmp)) return fail(j, "%s: cannot create a temporary folder: %s", j->tmp, strerror(errno));
    j->made_tmp = 1;
    chmod(j->tmp, 0755); /* mkdtemp makes it private; the data set is for any user or container */
    for (int s = 0; s < 3; s++)
        for (int k = -1; k < STANDIN_CLASSES; k++) {
            if (k < 0)
                snprintf(path, sizeof path, "%s/%s", j->tmp, split_names[s]);
            else
                snprintf(path, sizeof path, "%s/%s/%d", j->tmp, split_names[s], k + 1);
            if (mkdir(path, 0755) != 0) return fail(j, "%s: cannot create folder: %s", path, strerror(errno));
        }
    return 0;
}

/* classes.txt and the manifest standin.txt (its "version = N" line: standin_version()). */
static int write_meta(standin_job *j) {
    char path[4096 + 64];
    snprintf(path, sizeof path, "%s/classes.txt", j->tmp);
    FILE *f = fopen(path, "w");
    if (!f) return fail(j, "%s: cannot write: %s", path, strerror(errno));
    for (int k = 0; k < STANDIN_CLASSES; k++) fprintf(f, "%s\n", standin_names[k]);
    if ((ferror(f) | (fclose(f) != 0))) return fail(j, "%s: cannot write: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/standin.txt", j->tmp);
    if (!(f = fopen(path, "w"))) return fail(j, "%s: cannot write: %s", path, strerror(errno));
    const standin_spec *s = j->spec;
    fprintf(f,
            "platbench stand-in data set (the study's images are not public)\nversion = %d\nseed: %llu\n"
            "source: Fashion-MNIST IDX files in %s (train split from train-*, valid and test from t10k-*)\n"
            "classes (folder name: what it shows):\n",
            STANDIN_VERSION, (unsigned long long)j->seed, j->idx_dir);
    for (int k = 0; k < STANDIN_CLASSES; k++)
        if (standin_source[k] == NO_SOURCE)
            fprintf(f, "  %d %s: the background alone\n", k + 1, standin_names[k]);
        else
            fprintf(f, "  %d %s: %s (label %d)\n", k + 1, standin_names[k], standin_source_names[k],
                    standin_source[k]);
    fprintf(f, "images: %d x %d RGB JPEG, quality %d; train %d, valid %d, test %d\n", s->size, s->size,
            s->quality, s->train_per_class * STANDIN_CLASSES, s->valid, s->test);
    if ((ferror(f) | (fclose(f) != 0))) return fail(j, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* Image i of class k in split s: drawn from its own generator seeded by (seed, s, k, i). */
static int write_image(const standin_job *j, int s, int k, int i, char *msg, size_t msglen) {
    const standin_spec *sp = j->spec;
    int f = s == 0 ? 0 : 1, rows = (int)j->img[f].dims[1], cols = (int)j->img[f].dims[2];
    uint8_t *px = malloc((size_t)sp->size * sp->size * 3);
    if (!px) {
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    const uint8_t *src = NULL;
    if (standin_source[k] != NO_SOURCE) {
        int skip = s == 2 ? split_count(sp, 1, k) : 0;
        src = j->img[f].data + (size_t)j->order[f][k][skip + i] * rows * cols;
    }
    uint64_t key = (uint64_t)(s + 1) << 48 ^ (uint64_t)(k + 1) << 32 ^ (uint64_t)i;
    render(px, sp->size, src, rows, cols, rng_mix(j->seed ^ rng_mix(key)));
    char file[4096 + 64];
    snprintf(file, sizeof file, "%s/%s/%d/%04d.jpg", j->tmp, split_names[s], k + 1, i + 1);
    int rc = image_write_jpeg(file, sp->size, sp->size, 3, px, sp->quality, msg, msglen);
    free(px);
    return rc;
}

/* Every image, in parallel when built with OpenMP (images are independent: own
 * generator, own file); progress per class to stderr. */
static int write_images(standin_job *j) {
    for (int s = 0; s < 3; s++) {
        int done_n = 0, total = 0;
        for (int k = 0; k < STANDIN_CLASSES; k++) total += split_count(j->spec, s, k);
        for (int k = 0; k < STANDIN_CLASSES; k++) {
            int n = split_count(j->spec, s, k), failed = 0;
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
                char msg[1024];
                if (write_image(j, s, k, i, msg, sizeof msg)) {
#ifdef _OPENMP
#pragma omp critical(standin_error)
#endif
                    if (!failed) {
                        snprintf(j->err, j->errlen, "%s", msg);
#ifdef _OPENMP
#pragma omp atomic write
#endif
                        failed = 1;
                    }
                }
            }
            if (failed) return -1;
            done_n += n;
            fprintf(stderr, "standin: %s %d/%d images (%.1f s)\n", split_names[s], done_n, total,
                    time_mono() - j->t0);
        }
    }
    return 0;
}

static int publish(standin_job *j) {
    if (rename(j->tmp, j->out) != 0)
        return fail(j, "%s: cannot rename %s to it: %s", j->out, j->tmp, strerror(errno));
    j->made_tmp = 0;
    fprintf(stderr, "standin: wrote %s (version %d) in %.1f s\n", j->out, STANDIN_VERSION,
            time_mono() - j->t0);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* The one cleanup path: the temporary folder (unless published) and every buffer. */
static void standin_free(standin_job *j) {
    if (j->made_tmp) nftw(j->tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (int f = 0; f < 2; f++) {
        idx_free(&j->img[f]);
        idx_free(&j->lab[f]);
        for (int k = 0; k < STANDIN_CLASSES; k++) free(j->order[f][k]);
    }
}

int standin_write(const char *out_dir, const char *idx_dir, uint64_t seed, const standin_spec *spec,
                  char *err, size_t errlen) {
    standin_job j = {
        .spec = spec, .seed = seed, .idx_dir = idx_dir, .t0 = time_mono(), .err = err, .errlen = errlen};
    int rc = check_spec(&j) || check_out(&j, out_dir) || load_sources(&j) || pick_sources(&j) ||
                     make_tree(&j) || write_meta(&j) || write_images(&j) || publish(&j)
                 ? -1
                 : 0;
    standin_free(&j);
    return rc;
}

int standin_version(const char *dir) {
    char path[4200], line[256];
    snprintf(path, sizeof path, "%s/standin.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int v = 1; /* the first stand-in's manifest had no version line */
    while (fgets(line, sizeof line, f)) {
        int n;
        if (sscanf(line, " version = %d", &n) == 1 && n > 0) {
            v = n;
            break;
        }
    }
    fclose(f);
    return v;
}
