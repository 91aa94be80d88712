/* dataset: loaders for the two layouts described in dataset.h.
 *
 * Image folders: split folders train/valid/test, class folders sorted by name (strcmp,
 * as Python's sorted() and Keras do; label = position), files NAME.jpg, .jpeg or .png
 * (case-insensitive) sorted by name. Every entry of a class folder must be such a file
 * holding a decodable image: anything else (a dangling symbolic link, a folder, a FIFO,
 * a hidden or non-image file, an empty, truncated or unreadable file) is an error naming
 * it, before anything is trained, so a run never trains on fewer images than the folder
 * holds. Each image is decoded (content decides JPEG or PNG), converted to the model's
 * channels (grey replicated to RGB, RGB to BT.601 luminance, alpha dropped) and resized
 * to h x w by area averaging when shrinking and bilinear interpolation when enlarging
 * (per axis; image_codec.h). Files are decoded in parallel when built with OpenMP
 * (omp_set_num_threads / OMP_NUM_THREADS); the result does not depend on the threads.
 *
 * Fashion-MNIST IDX: train from train-*, valid = first half of t10k-*, test = second
 * half. idx_classes keeps labels < idx_classes; max_per_split caps each split with a
 * class-balanced prefix (in file order, each class gets cap/k, the first cap%k classes
 * one more; a class short of images leaves its share to the others). A capped load
 * reads only the part of the images files it takes images from.
 */
#include "cnn/dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strv.h"
#include "cnn/idx_reader.h"
#include "cnn/image_codec.h"
#include "cnn/standin.h"

#define DATASET_MAX_SIDE 4096 /* largest h or w a model may ask for */

static const char *const split_names[3] = {"train", "valid", "test"};

static const char *const fashion_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

static dataset_split *split_of(dataset *ds, int s) {
    return s == 0 ? &ds->train : s == 1 ? &ds->valid : &ds->test;
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_image_ext(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".png"));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Says what the class-folder entry `path` (name `name`) is when it cannot be an image
 * file (dangling link, folder, FIFO, socket, device, hidden or non-image name), writing
 * "PATH: WHAT; expected ..." to err and returning -1; returns 0 for a regular file with
 * an image name (its contents are checked when it is decoded). */
static int describe_entry(const char *path, const char *name, char *err, size_t errlen) {
    static const char expect[] = "expected a JPEG or PNG image file (*.jpg, *.jpeg, *.png)";
    struct stat ls, st;
    if (lstat(path, &ls) != 0) {
        snprintf(err, errlen, "%s: cannot stat: %s; %s", path, strerror(errno), expect);
        return -1;
    }
    if (stat(path, &st) != 0) {
        char target[1024] = "?";
        ssize_t k = S_ISLNK(ls.st_mode) ? readlink(path, target, sizeof target - 1) : -1;
        if (k >= 0) target[k] = 0;
        if (S_ISLNK(ls.st_mode))
            snprintf(err, errlen, "%s: symbolic link to \"%s\", which %s; %s", path, target,
                     errno == ENOENT ? "does not exist" : strerror(errno), expect);
        else
            snprintf(err, errlen, "%s: cannot stat: %s; %s", path, strerror(errno), expect);
        return -1;
    }
    const char *what = S_ISDIR(st.st_mode)    ? "a folder (class folders hold image files only)"
                       : S_ISFIFO(st.st_mode) ? "a named pipe (FIFO)"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : !S_ISREG(st.st_mode) ? "not a regular file"
                       : name[0] == '.'       ? "a hidden file"
                       : !has_image_ext(name) ? "a file without an image extension"
                                              : NULL;
    if (!what) return 0;
    snprintf(err, errlen, "%s: %s%s; %s", path, what, S_ISLNK(ls.st_mode) ? " (through a symbolic link)" : "",
             expect);
    return -1;
}

/* Names (not paths) in dir, sorted: sub-folders (want_dirs: hidden entries and other
 * entries skipped) or image files (every entry must be a regular file with an image
 * name, else -1 + err naming it and what it is). Symbolic links are followed. 0 or -1 + err. */
static int list_dir(const char *dir, int want_dirs, strv *out, char *err, size_t errlen) {
    strv_init(out);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open folder: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    char path[4096];
    int rc = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (want_dirs && e->d_name[0] == '.') continue;
        int k = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (k < 0 || (size_t)k >= sizeof path) {
            snprintf(err, errlen, "%s/%s: path too long", dir, e->d_name);
            rc = -1;
            break;
        }
        if (want_dirs) {
            if (!is_dir(path)) continue;
        } else if (describe_entry(path, e->d_name, err, errlen)) {
            rc = -1;
            break;
        }
        if (strv_push(out, e->d_name)) {
            snprintf(err, errlen, "%s: out of memory listing the folder", dir);
            rc = -1;
            break;
        }
    }
    closedir(d);
    if (rc) {
        strv_free(out);
        return rc;
    }
    if (out->len > 1) qsort(out->items, out->len, sizeof(char *), cmp_str);
    return 0;
}

static int strv_find(const strv *v, const char *s) {
    for (size_t i = 0; i < v->len; i++)
        if (!strcmp(v->items[i], s)) return (int)i;
    return -1;
}

/* Converts a decoded (sh, sw, sc) image to the model's (c, h, w) layout in dst. */
static int place_image(const uint8_t *src, int sw, int sh, int sc, int c, int h, int w, uint8_t *dst) {
    size_t npix = (size_t)sw * sh;
    uint8_t *conv = NULL, *sized = NULL;
    const uint8_t *p = src;
    if (sc != c) {
        conv = malloc(npix * (size_t)c);
        if (!conv) return -1;
        image_convert_channels(src, npix, sc, conv, c);
        p = conv;
    }
    if (sw != w || sh != h) {
        sized = malloc((size_t)w * h * c);
        if (!sized || image_resize(p, sw, sh, c, sized, w, h)) {
            free(conv);
            free(sized);
            return -1;
        }
        p = sized;
    }
    size_t plane = (size_t)w * h;
    for (int ch = 0; ch < c; ch++)
        for (size_t i = 0; i < plane; i++) dst[ch * plane + i] = p[i * c + ch];
    free(conv);
    free(sized);
    return 0;
}

/* Decodes sp->paths[0..n-1] into sp->pixels, in parallel when built with OpenMP (each
 * image has its own slot, so the result does not depend on the threads). On failure
 * the message is the one of the first bad file in order. 0 or -1 + err. */
static int decode_split(dataset_split *sp, char *err, size_t errlen) {
    size_t chw = (size_t)sp->c * sp->h * sp->w;
    int first_bad = sp->n;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 8)
#endif
    for (int i = 0; i < sp->n; i++) {
        int skip;
#ifdef _OPENMP
#pragma omp atomic read
#endif
        skip = first_bad;
        if (i > skip) continue; /* a file before this one failed already */
        char msg[1024];
        image img;
        int rc = image_decode_file(sp->paths[i], &img, msg, sizeof msg);
        if (!rc) {
            rc = place_image(img.pixels, img.w, img.h, img.c, sp->c, sp->h, sp->w, sp->pixels + i * chw);
            if (rc) snprintf(msg, sizeof msg, "%s: out of memory resizing", sp->paths[i]);
            image_free(&img);
        }
        if (rc) {
#ifdef _OPENMP
#pragma omp critical(dataset_decode_error)
#endif
            if (i < first_bad) {
                snprintf(err, errlen, "%s", msg);
#ifdef _OPENMP
#pragma omp atomic write
#endif
                first_bad = i;
            }
        }
    }
    return first_bad < sp->n ? -1 : 0;
}

/* Allocates split arrays for n images of the dataset's shape. */
static int split_alloc(dataset_split *sp, int n, const dataset_options *opt) {
    sp->n = n;
    sp->c = opt->c;
    sp->h = opt->h;
    sp->w = opt->w;
    size_t chw = (size_t)opt->c * opt->h * opt->w;
    sp->pixels = malloc((size_t)n * chw);
    sp->labels = calloc((size_t)n, sizeof(int));
    sp->paths = calloc((size_t)n, sizeof(char *));
    return sp->pixels && sp->labels && sp->paths ? 0 : -1;
}

/* Reads DIR/classes.txt (if any) into names: one name per line, surrounding blanks and
 * trailing empty lines ignored. Returns the count (0 when absent) or -1 + err. */
static int read_class_names(const char *path, char **names, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int n = 0, lineno = 0, blank_at = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            snprintf(err, errlen, "%s:%d: line too long; expected one class name per line", path, lineno);
            rc = -1;
            break;
        }
        char *s = line, *e = line + len;
        while (*s == ' ' || *s == '\t') s++;
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
        *e = 0;
        if (!*s) {
            if (!blank_at) blank_at = lineno;
            continue;
        }
        if (blank_at) {
            snprintf(err, errlen, "%s:%d: empty class name; expected one name per line in label order", path,
                     blank_at);
            rc = -1;
            break;
        }
        if (n >= DATASET_MAX_CLASSES) {
            snprintf(err, errlen, "%s:%d: more than %d class names", path, lineno, DATASET_MAX_CLASSES);
            rc = -1;
            break;
        }
        if (!(names[n++] = strdup(s))) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
            break;
        }
    }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    fclose(f);
    if (rc) {
        for (int i = 0; i < n; i++) {
            free(names[i]);
            names[i] = NULL;
        }
        return -1;
    }
    return n;
}

static void join_names(const strv *v, char *buf, size_t n) {
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < v->len && used + 1 < n; i++) {
        int k = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", v->items[i]);
        if (k < 0) break;
        used += (size_t)k;
    }
}

/* The class folders of each split into classes[3]: every split has the same ones, at most
 * DATASET_MAX_CLASSES; names gets train's as "a, b, c" for messages. */
static int list_class_folders(const char *root, strv classes[3], char *names, size_t nlen, char *err,
                              size_t errlen) {
    char dir[4096];
    for (int s = 0; s < 3; s++) {
        snprintf(dir, sizeof dir, "%s/%s", root, split_names[s]);
        if (!is_dir(dir)) {
            snprintf(err, errlen,
                     "%s: missing split folder; expected %s/{train,valid,test}/<class>/*.{jpg,png}", dir,
                     root);
            return -1;
        }
        if (list_dir(dir, 1, &classes[s], err, errlen)) return -1;
        if (classes[s].len == 0) {
            snprintf(err, errlen, "%s: no class folders; expected %s/<class>/*.{jpg,png}", dir, dir);
            return -1;
        }
    }
    int n_cls = (int)classes[0].len;
    if (n_cls > DATASET_MAX_CLASSES) {
        snprintf(err, errlen, "%s/train: %d class folders; at most %d are supported", root, n_cls,
                 DATASET_MAX_CLASSES);
        return -1;
    }
    join_names(&classes[0], names, nlen);
    for (int s = 1; s < 3; s++) {
        for (size_t i = 0; i < classes[s].len; i++)
            if (strv_find(&classes[0], classes[s].items[i]) < 0) {
                snprintf(err, errlen,
                         "%s/%s/%s: class folder not in %s/train (which has %s); every split needs the "
                         "same class folders",
                         root, split_names[s], classes[s].items[i], root, names);
                return -1;
            }
        for (size_t i = 0; i < classes[0].len; i++)
            if (strv_find(&classes[s], classes[0].items[i]) < 0) {
                snprintf(err, errlen,
                         "%s/%s: no class folder \"%s\" (%s/train has %s); every split needs the same "
                         "class folders",
                         root, split_names[s], classes[0].items[i], root, names);
                return -1;
            }
    }
    return 0;
}

/* ds->class_names and n_classes: root/classes.txt (one per folder), else the folder names. */
static int folder_class_names(dataset *ds, const char *root, const strv *folders, const char *names,
                              char *err, size_t errlen) {
    char path[4096];
    int n_cls = (int)folders->len;
    snprintf(path, sizeof path, "%s/classes.txt", root);
    int n_names = read_class_names(path, ds->class_names, err, errlen);
    if (n_names < 0) return -1;
    if (n_names > 0 && n_names != n_cls) {
        snprintf(err, errlen,
                 "%s: %d class name%s but %d class folders (%s); expected one name per line, in the "
                 "order of the sorted folder names",
                 path, n_names, n_names == 1 ? "" : "s", n_cls, names);
        return -1;
    }
    if (n_names == 0)
        for (int k = 0; k < n_cls; k++)
            if (!(ds->class_names[k] = strdup(folders->items[k]))) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
    ds->n_classes = n_cls;
    return 0;
}

/* Split s: lists each class folder's images into files[], then decodes them into the split. */
static int load_folder_split(dataset *ds, const char *root, int s, const strv *folders, strv *files,
                             const dataset_options *opt, char *err, size_t errlen) {
    char dir[4096];
    int n_cls = (int)folders->len, total = 0;
    for (int k = 0; k < n_cls; k++) {
        snprintf(dir, sizeof dir, "%s/%s/%s", root, split_names[s], folders->items[k]);
        if (list_dir(dir, 0, &files[k], err, errlen)) return -1;
        if (files[k].len == 0) {
            snprintf(err, errlen,
                     "%s: no images (*.jpg, *.jpeg, *.png); every class folder needs at least one", dir);
            return -1;
        }
        total += (int)files[k].len;
    }
    dataset_split *sp = split_of(ds, s);
    if (split_alloc(sp, total, opt)) {
        snprintf(err, errlen, "%s/%s: out of memory for %d images of %d x %d x %d", root, split_names[s],
                 total, opt->c, opt->h, opt->w);
        return -1;
    }
    int i = 0;
    for (int k = 0; k < n_cls; k++)
        for (size_t f = 0; f < files[k].len; f++, i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s/%s/%s", root, split_names[s], folders->items[k],
                     files[k].items[f]);
            if (!(sp->paths[i] = strdup(path))) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            sp->labels[i] = k;
        }
    return decode_split(sp, err, errlen);
}

/* An image folder in the study's layout: class folders, class names, then each split. */
static int load_image_folder(dataset *ds, const char *root, const dataset_options *opt, char *err,
                             size_t errlen) {
    strv classes[3], files[3][DATASET_MAX_CLASSES];
    memset(classes, 0, sizeof classes);
    memset(files, 0, sizeof files);
    int rc = -1;
    char names[1024];
    for (int s = 0; s < 3; s++) strv_init(&classes[s]);
    if (list_class_folders(root, classes, names, sizeof names, err, errlen) ||
        folder_class_names(ds, root, &classes[0], names, err, errlen))
        goto done;
    for (int s = 0; s < 3; s++)
        if (load_folder_split(ds, root, s, &classes[0], files[s], opt, err, errlen)) goto done;
    snprintf(ds->source, sizeof ds->source, "image-folder");
    rc = 0;
done:
    for (int s = 0; s < 3; s++) {
        strv_free(&classes[s]);
        for (int k = 0; k < DATASET_MAX_CLASSES; k++) strv_free(&files[s][k]);
    }
    return rc;
}

/* Chooses items [lo, hi) with label < k, capped (cap > 0) by a class-balanced prefix;
 * writes their indices in file order to sel (room for hi - lo) and returns the count. */
static int select_balanced(const uint8_t *labels, int lo, int hi, int k, int cap, int *sel) {
    int n = 0, quota[10], count[10] = {0};
    for (int i = lo; i < hi; i++)
        if (labels[i] < k) n++;
    if (cap <= 0 || n <= cap) {
        n = 0;
        for (int i = lo; i < hi; i++)
            if (labels[i] < k) sel[n++] = i;
        return n;
    }
    for (int c = 0; c < k; c++) quota[c] = cap / k + (c < cap % k);
    char *taken = calloc((size_t)(hi - lo), 1);
    if (!taken) return -1;
    int got = 0;
    for (int i = lo; i < hi && got < cap; i++)
        if (labels[i] < k && count[labels[i]] < quota[labels[i]]) {
            count[labels[i]]++;
            taken[i - lo] = 1;
            got++;
        }
    for (int i = lo; i < hi && got < cap; i++) /* classes short of images leave room for others */
        if (labels[i] < k && !taken[i - lo]) {
            taken[i - lo] = 1;
            got++;
        }
    n = 0;
    for (int i = lo; i < hi; i++)
        if (taken[i - lo]) sel[n++] = i;
    free(taken);
    return n;
}

/* Finds the images and labels files of one pair (prefix "train" or "t10k") and reads
 * the labels. 0 or -1 + err. */
static int read_idx_labels(const char *root, const char *prefix, char *ip, char *lp, size_t plen,
                           idx_array *lab, char *err, size_t errlen) {
    char base[64];
    snprintf(base, sizeof base, "%s-images-idx3-ubyte", prefix);
    if (idx_find(root, base, ip, plen)) {
        snprintf(err, errlen,
                 "%s[.gz]: missing; expected the Fashion-MNIST IDX files %s/{train,t10k}-{images-idx3,"
                 "labels-idx1}-ubyte[.gz]",
                 ip, root);
        return -1;
    }
    snprintf(base, sizeof base, "%s-labels-idx1-ubyte", prefix);
    if (idx_find(root, base, lp, plen)) {
        snprintf(err, errlen,
                 "%s[.gz]: missing; expected the Fashion-MNIST IDX files %s/{train,t10k}-{images-idx3,"
                 "labels-idx1}-ubyte[.gz]",
                 lp, root);
        return -1;
    }
    if (idx_read(lp, 1, 0, lab, err, errlen)) return -1;
    if (lab->dims[0] > (1u << 30)) {
        snprintf(err, errlen, "%s: %u labels; too many", lp, lab->dims[0]);
        return -1;
    }
    for (uint32_t i = 0; i < lab->dims[0]; i++)
        if (lab->data[i] > 9) {
            snprintf(err, errlen, "%s: label %u of item %u; expected 0..9 (Fashion-MNIST classes)", lp,
                     lab->data[i], i);
            return -1;
        }
    return 0;
}

/* Reads the images file ip up to item max_items - 1 (a capped load needs only a prefix:
 * a few hundred images instead of 47 MB) and checks it matches the labels file lp. */
static int read_idx_images(const char *ip, const char *lp, const idx_array *lab, uint32_t max_items,
                           idx_array *img, char *err, size_t errlen) {
    if (idx_read(ip, 3, max_items, img, err, errlen)) return -1;
    if (img->dims[0] != lab->dims[0]) {
        snprintf(err, errlen, "%s: %u labels but %s has %u images; expected one label per image", lp,
                 lab->dims[0], ip, img->dims[0]);
        return -1;
    }
    return 0;
}

static int load_idx(dataset *ds, const char *root, const dataset_options *opt, char *err, size_t errlen) {
    idx_array img[2] = {{0}}, lab[2] = {{0}};
    int *sel[3] = {NULL, NULL, NULL}, nsel[3] = {0, 0, 0}, rc = -1;
    char ip[2][4096], lp[2][4096];
    if (opt->max_per_split < 0 || opt->idx_classes < 0 || opt->idx_classes > 10) {
        snprintf(err, errlen,
                 "%s: Fashion-MNIST IDX files with max_per_split %d and idx_classes %d; expected "
                 "max_per_split >= 0 and idx_classes 0..10",
                 root, opt->max_per_split, opt->idx_classes);
        return -1;
    }
    int k = opt->idx_classes > 0 ? opt->idx_classes : 10;
    if (read_idx_labels(root, "train", ip[0], lp[0], sizeof ip[0], &lab[0], err, errlen) ||
        read_idx_labels(root, "t10k", ip[1], lp[1], sizeof ip[1], &lab[1], err, errlen))
        goto done;
    int n_train = (int)lab[0].dims[0], n_test = (int)lab[1].dims[0];
    /* which items each split takes, then only as much of each images file as they need */
    uint32_t need[2] = {0, 0};
    for (int s = 0; s < 3; s++) {
        int f = s == 0 ? 0 : 1; /* which file pair */
        int lo = s == 2 ? n_test / 2 : 0, hi = s == 0 ? n_train : s == 1 ? n_test / 2 : n_test;
        sel[s] = malloc(sizeof(int) * (size_t)(hi > lo ? hi - lo : 1));
        nsel[s] = sel[s] ? select_balanced(lab[f].data, lo, hi, k, opt->max_per_split, sel[s]) : -1;
        if (nsel[s] < 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        if (nsel[s] == 0) {
            snprintf(err, errlen, "%s: no images with labels < %d for the %s split (%s items %d..%d)", lp[f],
                     k, split_names[s], f ? "t10k" : "train", lo, hi - 1);
            goto done;
        }
        if ((uint32_t)sel[s][nsel[s] - 1] + 1 > need[f]) need[f] = (uint32_t)sel[s][nsel[s] - 1] + 1;
    }
    if (read_idx_images(ip[0], lp[0], &lab[0], need[0], &img[0], err, errlen) ||
        read_idx_images(ip[1], lp[1], &lab[1], need[1], &img[1], err, errlen))
        goto done;
    for (int c = 0; c < k; c++)
        if (!(ds->class_names[c] = strdup(fashion_names[c]))) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    ds->n_classes = k;
    size_t chw = (size_t)opt->c * opt->h * opt->w;
    for (int s = 0; s < 3; s++) {
        int f = s == 0 ? 0 : 1, n = nsel[s];
        dataset_split *sp = split_of(ds, s);
        if (split_alloc(sp, n, opt)) {
            snprintf(err, errlen,
                     "%s: out of memory for %d images of %d x %d x %d (%s split); lower max_per_split", root,
                     n, opt->c, opt->h, opt->w, split_names[s]);
            goto done;
        }
        int rows = (int)img[f].dims[1], cols = (int)img[f].dims[2];
        size_t isz = (size_t)rows * cols;
        for (int i = 0; i < n; i++) {
            sp->labels[i] = lab[f].data[sel[s][i]];
            if (place_image(img[f].data + (size_t)sel[s][i] * isz, cols, rows, 1, opt->c, opt->h, opt->w,
                            sp->pixels + i * chw)) {
                snprintf(err, errlen, "out of memory resizing");
                goto done;
            }
        }
    }
    snprintf(ds->source, sizeof ds->source, "idx");
    rc = 0;
done:
    for (int s = 0; s < 3; s++) free(sel[s]);
    for (int i = 0; i < 2; i++) {
        idx_free(&img[i]);
        idx_free(&lab[i]);
    }
    return rc;
}

int dataset_load(dataset *ds, const char *path, const dataset_options *opt, char *err, size_t errlen) {
    memset(ds, 0, sizeof *ds);
    if (!path || !*path) {
        snprintf(err, errlen, "no data set folder given");
        return -1;
    }
    if (!opt || (opt->c != 1 && opt->c != 3) || opt->h < 1 || opt->w < 1 || opt->h > DATASET_MAX_SIDE ||
        opt->w > DATASET_MAX_SIDE) {
        snprintf(err, errlen,
                 "%s: cannot load images as %d x %d x %d; expected 1 or 3 channels and 1..%d pixels a "
                 "side",
                 path, opt ? opt->c : 0, opt ? opt->h : 0, opt ? opt->w : 0, DATASET_MAX_SIDE);
        return -1;
    }
    if (!is_dir(path)) {
        snprintf(err, errlen,
                 "%s: not a folder; expected a data set folder (%s/{train,valid,test}/<class>/*.jpg or "
                 "Fashion-MNIST IDX files)",
                 path, path);
        return -1;
    }
    char probe[4096];
    int any_split = 0;
    for (int s = 0; s < 3; s++) {
        snprintf(probe, sizeof probe, "%s/%s", path, split_names[s]);
        any_split |= is_dir(probe);
    }
    int rc;
    if (any_split) {
        rc = load_image_folder(ds, path, opt, err, errlen);
    } else if (!idx_find(path, "train-images-idx3-ubyte", probe, sizeof probe) ||
               !idx_find(path, "t10k-images-idx3-ubyte", probe, sizeof probe)) {
        rc = load_idx(ds, path, opt, err, errlen);
    } else {
        snprintf(err, errlen,
                 "%s: neither data set layout; expected an image folder %s/{train,valid,test}/<class>/"
                 "*.{jpg,jpeg,png} or Fashion-MNIST IDX files "
                 "%s/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]",
                 path, path, path);
        rc = -1;
    }
    if (rc) dataset_free(ds);
    return rc;
}

static void split_free(dataset_split *sp) {
    if (sp->paths)
        for (int i = 0; i < sp->n; i++) free(sp->paths[i]);
    free(sp->paths);
    free(sp->pixels);
    free(sp->labels);
    memset(sp, 0, sizeof *sp);
}

void dataset_free(dataset *ds) {
    for (int s = 0; s < 3; s++) split_free(split_of(ds, s));
    for (int k = 0; k < DATASET_MAX_CLASSES; k++) free(ds->class_names[k]);
    memset(ds, 0, sizeof *ds);
}

void dataset_batch(const dataset_split *split, const int *idx, int n, float *out, int *labels_out) {
    size_t chw = (size_t)split->c * split->h * split->w;
    for (int i = 0; i < n; i++) {
        const uint8_t *src = split->pixels + (size_t)idx[i] * chw;
        float *dst = out + (size_t)i * chw;
        for (size_t j = 0; j < chw; j++) dst[j] = (float)src[j];
        if (labels_out) labels_out[i] = split->labels[idx[i]];
    }
}

int dataset_load_image(const char *path, int c, int h, int w, float *out, char *err, size_t errlen) {
    if ((c != 1 && c != 3) || h < 1 || w < 1 || h > DATASET_MAX_SIDE || w > DATASET_MAX_SIDE) {
        snprintf(err, errlen,
                 "%s: cannot load as %d x %d x %d; expected 1 or 3 channels and 1..%d pixels a side", path, c,
                 h, w, DATASET_MAX_SIDE);
        return -1;
    }
    size_t chw = (size_t)c * h * w;
    uint8_t *px = malloc(chw);
    if (!px) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    image img;
    int rc = image_decode_file(path, &img, err, errlen);
    if (!rc) {
        rc = place_image(img.pixels, img.w, img.h, img.c, c, h, w, px);
        if (rc) snprintf(err, errlen, "%s: out of memory resizing", path);
        image_free(&img);
    }
    if (!rc)
        for (size_t j = 0; j < chw; j++) out[j] = (float)px[j];
    free(px);
    return rc;
}

int dataset_write_standin(const char *out_dir, const char *idx_dir, uint64_t seed, char *err, size_t errlen) {
    if (!out_dir || !idx_dir) {
        snprintf(err, errlen, "stand-in: no %s folder given", out_dir ? "Fashion-MNIST" : "output");
        return -1;
    }
    standin_spec spec = standin_default_spec();
    return standin_write(out_dir, idx_dir, seed, &spec, err, errlen);
}
