/* model: model file parsing, buffers, forward and backward. See model.h. */
#include "cnn/model.h"

#include "cnn/layers.h"
#include "common/rng.h"
#include "common/timing.h"

#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- model file parsing --------------------------------------------------------- */

static const char *type_name(int t) {
    switch (t) {
        case CONFIG_TYPE_GROUP:
            return "a group { ... }";
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64:
            return "an integer";
        case CONFIG_TYPE_FLOAT:
            return "a number";
        case CONFIG_TYPE_STRING:
            return "a string";
        case CONFIG_TYPE_BOOL:
            return "true or false";
        case CONFIG_TYPE_ARRAY:
            return "an array [ ... ]";
        case CONFIG_TYPE_LIST:
            return "a list ( ... )";
        default:
            return "nothing";
    }
}

/* file:line prefix of a setting */
static void where(const model *m, const config_setting_t *s, char *buf, size_t n) {
    const char *f = config_setting_source_file(s);
    snprintf(buf, n, "%s:%u", f ? f : m->path, config_setting_source_line(s));
}

/* Rejects any member of group g not in allowed (NULL-terminated). */
static int check_keys(const model *m, const config_setting_t *g, const char *const *allowed, const char *what,
                      char *err, size_t errlen) {
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *s = config_setting_get_elem(g, i);
        const char *name = config_setting_name(s);
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (name && strcmp(name, *a) == 0) ok = 1;
        if (!ok) {
            char w[600], list[256] = "";
            where(m, s, w, sizeof w);
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof list - strlen(list) - 1);
                if (a[1]) strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            snprintf(err, errlen, "%s: unknown key \"%s\" in %s; expected one of: %s", w, name ? name : "?",
                     what, list);
            return -1;
        }
    }
    return 0;
}

/* Integer member `key` of g into *out, within [lo, hi]; missing: *out unchanged unless required. */
static int get_int(const model *m, const config_setting_t *g, const char *key, int required, long lo, long hi,
                   int *out, char *err, size_t errlen) {
    char w[600];
    config_setting_t *s = config_setting_get_member(g, key);
    if (!s) {
        if (!required) return 0;
        where(m, g, w, sizeof w);
        snprintf(err, errlen, "%s: missing \"%s\" (an integer)", w, key);
        return -1;
    }
    where(m, s, w, sizeof w);
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        snprintf(err, errlen, "%s: \"%s\" must be an integer, not %s", w, key, type_name(t));
        return -1;
    }
    long long v = config_setting_get_int64(s);
    if (v < lo || v > hi) {
        snprintf(err, errlen, "%s: \"%s\" = %lld is out of range; expected %ld..%ld", w, key, v, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int get_double(const model *m, const config_setting_t *g, const char *key, double lo, double hi,
                      double *out, char *err, size_t errlen) {
    char w[600];
    config_setting_t *s = config_setting_get_member(g, key);
    if (!s) return 0;
    where(m, s, w, sizeof w);
    int t = config_setting_type(s);
    double v;
    if (t == CONFIG_TYPE_FLOAT)
        v = config_setting_get_float(s);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        v = (double)config_setting_get_int64(s);
    else {
        snprintf(err, errlen, "%s: \"%s\" must be a number, not %s", w, key, type_name(t));
        return -1;
    }
    if (!(v >= lo && v <= hi)) {
        snprintf(err, errlen, "%s: \"%s\" = %g is out of range; expected %g..%g", w, key, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* Member `key` of g into *s when it has type t (0); absent: *s NULL and 0, or an error when
 * required (-1); of another type: an error naming its file:line (-1). */
static int typed_member(const model *m, const config_setting_t *g, const char *key, int t, int required,
                        config_setting_t **s, char *err, size_t errlen) {
    char w[600];
    *s = config_setting_get_member(g, key);
    if (!*s) {
        if (!required) return 0;
        where(m, g, w, sizeof w);
        snprintf(err, errlen, "%s: missing \"%s\" (%s)", w, key, type_name(t));
        return -1;
    }
    if (config_setting_type(*s) != t) {
        where(m, *s, w, sizeof w);
        snprintf(err, errlen, "%s: \"%s\" must be %s, not %s", w, key, type_name(t),
                 type_name(config_setting_type(*s)));
        return -1;
    }
    return 0;
}

static int get_bool(const model *m, const config_setting_t *g, const char *key, int *out, char *err,
                    size_t errlen) {
    config_setting_t *s;
    if (typed_member(m, g, key, CONFIG_TYPE_BOOL, 0, &s, err, errlen)) return -1;
    if (s) *out = config_setting_get_bool(s);
    return 0;
}

static int get_string(const model *m, const config_setting_t *g, const char *key, int required,
                      const char **out, char *err, size_t errlen) {
    config_setting_t *s;
    if (typed_member(m, g, key, CONFIG_TYPE_STRING, required, &s, err, errlen)) return -1;
    if (s) *out = config_setting_get_string(s);
    return 0;
}

/* Group member `key` of the root: must exist and be a group. */
static config_setting_t *get_group(const model *m, const config_setting_t *root, const char *key,
                                   int required, char *err, size_t errlen) {
    config_setting_t *s = config_setting_get_member(root, key);
    if (!s) {
        if (required) snprintf(err, errlen, "%s:1: missing \"%s\" (a group { ... })", m->path, key);
        return NULL;
    }
    if (typed_member(m, root, key, CONFIG_TYPE_GROUP, 0, &s, err, errlen)) return NULL;
    return s;
}

static void train_defaults(train_settings *t) {
    t->steps = 100;
    t->batch = 288;
    t->lr = 0.001;
    t->decay_rate = 0.96;
    t->decay_steps = 10;
    t->staircase = 1;
    t->beta1 = 0.9;
    t->beta2 = 0.999;
    t->epsilon = 1e-8;
    t->seed = 1;
}

static int parse_train(model *m, const config_setting_t *g, char *err, size_t errlen) {
    static const char *const keys[] = {"steps", "batch", "lr",      "decay_rate", "decay_steps", "staircase",
                                       "beta1", "beta2", "epsilon", "seed",       NULL};
    train_settings *t = &m->train;
    int seed = -1;
    if (check_keys(m, g, keys, "the train group", err, errlen) ||
        get_int(m, g, "steps", 0, 1, 100000000, &t->steps, err, errlen) ||
        get_int(m, g, "batch", 0, 1, 1000000, &t->batch, err, errlen) ||
        get_double(m, g, "lr", 0, 10, &t->lr, err, errlen) ||
        get_double(m, g, "decay_rate", 0, 10, &t->decay_rate, err, errlen) ||
        get_int(m, g, "decay_steps", 0, 1, 100000000, &t->decay_steps, err, errlen) ||
        get_bool(m, g, "staircase", &t->staircase, err, errlen) ||
        get_double(m, g, "beta1", 0, 0.999999, &t->beta1, err, errlen) ||
        get_double(m, g, "beta2", 0, 0.99999999, &t->beta2, err, errlen) ||
        get_double(m, g, "epsilon", 0, 1, &t->epsilon, err, errlen) ||
        get_int(m, g, "seed", 0, 0, 2147483647L, &seed, err, errlen))
        return -1;
    if (seed >= 0) t->seed = (uint64_t)seed;
    return 0;
}

/* The shape flowing through the layer list while it is parsed, and the naming counters. */
typedef struct layer_walk {
    int c, h, w; /* the next layer's input: channels, height, width */
    int flat;    /* a dense layer came already (no conv or maxpool after it) */
    int block;   /* 1-based block number (a maxpool closes a block) */
    int conv_i;  /* convs so far in this block */
    int dense_i; /* dense layers so far */
} layer_walk;

/* The "layers" list's length: 1..MODEL_MAX_LAYERS. */
static int check_layer_count(const model *m, const config_setting_t *list, int n, char *err, size_t errlen) {
    char w[600];
    where(m, list, w, sizeof w);
    if (n < 1) {
        snprintf(err, errlen, "%s: \"layers\" is empty; expected at least one dense layer", w);
        return -1;
    }
    if (n > MODEL_MAX_LAYERS) {
        snprintf(err, errlen, "%s: %d layers; at most %d are supported", w, n, MODEL_MAX_LAYERS);
        return -1;
    }
    return 0;
}

/* A conv or maxpool layer (kind) at w: its window `what` = got must be the one supported
 * (want), and it must come before any dense layer (flat). */
static int check_spatial(const char *w, const char *kind, const char *what, int got, int want, int flat,
                         char *err, size_t errlen) {
    if (got != want) {
        snprintf(err, errlen, "%s: %s %s %d is not supported; expected %d", w, kind, what, got, want);
        return -1;
    }
    if (flat) {
        snprintf(err, errlen, "%s: a %s layer cannot follow a dense layer", w, kind);
        return -1;
    }
    return 0;
}

/* A conv layer at w (file:line) into l; advances the walk. */
static int parse_conv(const model *m, const config_setting_t *s, const char *w, layer *l, layer_walk *k,
                      char *err, size_t errlen) {
    static const char *const keys[] = {"type", "out", "kernel", "relu", NULL};
    int kernel = 3;
    if (check_keys(m, s, keys, "a conv layer", err, errlen) ||
        get_int(m, s, "out", 1, 1, 65536, &l->out_c, err, errlen) ||
        get_int(m, s, "kernel", 0, 1, 99, &kernel, err, errlen) ||
        get_bool(m, s, "relu", &l->relu, err, errlen))
        return -1;
    if (check_spatial(w, "conv", "kernel", kernel, 3, k->flat, err, errlen)) return -1;
    l->kind = LAYER_CONV;
    snprintf(l->name, sizeof l->name, "conv%d_%d", k->block, ++k->conv_i);
    l->out_h = k->h;
    l->out_w = k->w;
    l->n_w = (size_t)l->out_c * k->c * 9;
    l->n_b = (size_t)l->out_c;
    k->c = l->out_c;
    return 0;
}

/* A maxpool layer at w into l; closes the block. */
static int parse_maxpool(const model *m, const config_setting_t *s, const char *w, layer *l, layer_walk *k,
                         char *err, size_t errlen) {
    static const char *const keys[] = {"type", "size", NULL};
    int size = 2;
    if (check_keys(m, s, keys, "a maxpool layer", err, errlen) ||
        get_int(m, s, "size", 0, 1, 99, &size, err, errlen))
        return -1;
    if (check_spatial(w, "maxpool", "size", size, 2, k->flat, err, errlen)) return -1;
    if (k->h < 2 || k->w < 2) {
        snprintf(err, errlen, "%s: maxpool on a %dx%d input is impossible; expected at least 2x2", w, k->h,
                 k->w);
        return -1;
    }
    l->kind = LAYER_MAXPOOL;
    l->relu = 0;
    snprintf(l->name, sizeof l->name, "pool%d", k->block);
    k->block++;
    k->conv_i = 0;
    l->out_c = k->c;
    l->out_h = k->h / 2;
    l->out_w = k->w / 2;
    k->h /= 2;
    k->w /= 2;
    return 0;
}

/* A dense layer at w into l: its input is the flattened (c, h, w). */
static int parse_dense(const model *m, const config_setting_t *s, const char *w, layer *l, layer_walk *k,
                       char *err, size_t errlen) {
    static const char *const keys[] = {"type", "out", "relu", NULL};
    if (check_keys(m, s, keys, "a dense layer", err, errlen) ||
        get_int(m, s, "out", 1, 1, 1 << 24, &l->out_c, err, errlen) ||
        get_bool(m, s, "relu", &l->relu, err, errlen))
        return -1;
    l->kind = LAYER_DENSE;
    snprintf(l->name, sizeof l->name, "dense%d", ++k->dense_i);
    long in = (long)k->c * k->h * k->w;
    if (in > (1L << 28)) {
        snprintf(err, errlen, "%s: dense input of %ld values is too large", w, in);
        return -1;
    }
    l->in_c = (int)in;
    l->in_h = l->in_w = 1;
    l->out_h = l->out_w = 1;
    l->n_w = (size_t)l->out_c * in;
    l->n_b = (size_t)l->out_c;
    k->c = l->out_c;
    k->h = k->w = 1;
    k->flat = 1;
    return 0;
}

/* Layer i (0-based) of the list, element s, into l: its group, type and kind's keys. */
static int parse_layer(const model *m, const config_setting_t *s, int i, layer *l, layer_walk *k, char *err,
                       size_t errlen) {
    char w[600];
    where(m, s, w, sizeof w);
    memset(l, 0, sizeof *l);
    l->line = config_setting_source_line(s);
    if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
        snprintf(err, errlen, "%s: layer %d must be a group { type = ...; }, not %s", w, i + 1,
                 type_name(config_setting_type(s)));
        return -1;
    }
    const char *type = NULL;
    if (get_string(m, s, "type", 1, &type, err, errlen)) return -1;
    l->in_c = k->c;
    l->in_h = k->h;
    l->in_w = k->w;
    l->relu = 1;
    if (strcmp(type, "conv") == 0) return parse_conv(m, s, w, l, k, err, errlen);
    if (strcmp(type, "maxpool") == 0) return parse_maxpool(m, s, w, l, k, err, errlen);
    if (strcmp(type, "dense") == 0) return parse_dense(m, s, w, l, k, err, errlen);
    snprintf(err, errlen, "%s: unknown layer type \"%s\"; expected conv, maxpool or dense", w, type);
    return -1;
}

/* The last layer gives the class logits: dense, no relu, at least 2 outputs. */
static int check_last_layer(const model *m, const config_setting_t *list, char *err, size_t errlen) {
    char w[600];
    const layer *last = &m->layers[m->n_layers - 1];
    where(m, config_setting_get_elem(list, m->n_layers - 1), w, sizeof w);
    if (last->kind != LAYER_DENSE) {
        snprintf(err, errlen, "%s: the last layer must be a dense layer (the class logits)", w);
        return -1;
    }
    if (last->relu) {
        snprintf(err, errlen,
                 "%s: the last layer gives the logits; expected relu = false (it defaults to true)", w);
        return -1;
    }
    if (last->out_c < 2) {
        snprintf(err, errlen, "%s: the last layer has %d output; expected at least 2 classes", w,
                 last->out_c);
        return -1;
    }
    return 0;
}

/* The "layers" list: each layer's shapes and parameter offsets, then the logits check. */
static int parse_layers(model *m, const config_setting_t *list, char *err, size_t errlen) {
    layer_walk k = {.c = m->in_c, .h = m->in_h, .w = m->in_w, .block = 1};
    size_t off = 0;
    int n = config_setting_length(list);
    if (check_layer_count(m, list, n, err, errlen)) return -1;
    for (int i = 0; i < n; i++) {
        layer *l = &m->layers[i];
        if (parse_layer(m, config_setting_get_elem(list, i), i, l, &k, err, errlen)) return -1;
        l->p_off = off;
        off += l->n_w + l->n_b;
    }
    m->n_layers = n;
    m->n_params = off;
    if (check_last_layer(m, list, err, errlen)) return -1;
    m->n_classes = m->layers[n - 1].out_c;
    return 0;
}

static int parse_config(model *m, config_t *cf, char *err, size_t errlen) {
    static const char *const root_keys[] = {"name", "input", "layers", "train", NULL};
    static const char *const input_keys[] = {"channels", "height", "width", NULL};
    config_setting_t *root = config_root_setting(cf), *g, *layers;
    const char *name = NULL;
    char w[600];
    train_defaults(&m->train);
    if (check_keys(m, root, root_keys, "the model file", err, errlen) ||
        get_string(m, root, "name", 1, &name, err, errlen))
        return -1;
    snprintf(m->name, sizeof m->name, "%s", name);
    if (!(g = get_group(m, root, "input", 1, err, errlen))) return -1;
    if (check_keys(m, g, input_keys, "the input group", err, errlen) ||
        get_int(m, g, "channels", 1, 1, 4096, &m->in_c, err, errlen) ||
        get_int(m, g, "height", 1, 1, 16384, &m->in_h, err, errlen) ||
        get_int(m, g, "width", 1, 1, 16384, &m->in_w, err, errlen))
        return -1;
    layers = config_setting_get_member(root, "layers");
    if (!layers) {
        snprintf(err, errlen, "%s:1: missing \"layers\" (a list ( { type = ...; }, ... ))", m->path);
        return -1;
    }
    if (config_setting_type(layers) != CONFIG_TYPE_LIST) {
        where(m, layers, w, sizeof w);
        snprintf(err, errlen, "%s: \"layers\" must be a list ( ... ), not %s", w,
                 type_name(config_setting_type(layers)));
        return -1;
    }
    if (parse_layers(m, layers, err, errlen)) return -1;
    if ((g = get_group(m, root, "train", 0, err, errlen))) {
        if (parse_train(m, g, err, errlen)) return -1;
    } else if (config_setting_get_member(root, "train")) {
        return -1;
    }
    return 0;
}

static int load_common(model *m, config_t *cf, int rc, char *err, size_t errlen) {
    if (rc != CONFIG_TRUE) {
        const char *f = config_error_file(cf);
        snprintf(err, errlen, "%s:%d: %s", f ? f : m->path, config_error_line(cf), config_error_text(cf));
        return -1;
    }
    return parse_config(m, cf, err, errlen);
}

int model_load(model *m, const char *path, char *err, size_t errlen) {
    config_t cf;
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the model file", path);
        return -1;
    }
    fclose(f);
    config_init(&cf);
    int rc = load_common(m, &cf, config_read_file(&cf, path), err, errlen);
    config_destroy(&cf);
    return rc;
}

int model_load_string(model *m, const char *text, const char *name, char *err, size_t errlen) {
    config_t cf;
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%s", name ? name : "<string>");
    config_init(&cf);
    int rc = load_common(m, &cf, config_read_string(&cf, text), err, errlen);
    config_destroy(&cf);
    return rc;
}

/* ---- buffers ---------------------------------------------------------------------- */

static size_t out_size(const layer *l) { return (size_t)l->out_c * l->out_h * l->out_w; }
static size_t in_size(const layer *l) { return (size_t)l->in_c * l->in_h * l->in_w; }

/* n floats, 64-byte aligned (whole cache lines, vector stores), freed with free(). Big
 * buffers are aligned to 2 MB and marked for transparent huge pages (a no-op where THP is
 * off; Debian's default is "madvise"): the first touch of the study's 5.9 GB of
 * activations then takes 2 MB faults instead of 4 KB ones. Measured on this VM (bench, batch
 * 288, 2 threads): the first training step 30.6 s -> 14.6 s, later steps 4.7 s -> 4.1-4.4 s
 * (fewer TLB misses). */
#define HUGE_PAGE (2u << 20)
static float *alloc_aligned(size_t n) {
    size_t bytes = (sizeof(float) * n + 63) / 64 * 64;
    if (bytes < 4 * (size_t)HUGE_PAGE) return aligned_alloc(64, bytes ? bytes : 64);
    bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    float *p = aligned_alloc(HUGE_PAGE, bytes);
#ifdef MADV_HUGEPAGE
    if (p) (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: failure changes nothing */
#endif
    return p;
}

/* A conv followed by a max-pool runs fused with it (conv3x3_pool_forward/backward): its
 * output and output gradient are never stored whole (the pool's arg bytes carry the
 * maxima's places and the ReLU mask); out = NULL. A conv with ReLU whose next layer is such
 * a fused conv receives its output gradient in place of its output (masked there by its
 * ReLU): no gradient buffer of that size either. At batch 288 on the study's network the
 * activations kept drop from 3.96 to 2.20 GB and the gradient buffers from 2 x 0.92 to
 * 2 x 0.23 GB. */
static int fused(const model *m, int i) {
    return i >= 0 && i + 1 < m->n_layers && m->layers[i].kind == LAYER_CONV &&
           m->layers[i + 1].kind == LAYER_MAXPOOL;
}

/* The first block (conv with ReLU, conv fused with a max-pool) runs as one pass
 * (conv_block_pool_forward/backward): the first conv's output is recomputed in the
 * backward pass, never stored (0.92 GB at batch 288 on the study's network; with it go
 * two passes over it to and from memory). */
int model_block_fused(const model *m) {
    return m->n_layers >= 3 && m->layers[0].kind == LAYER_CONV && m->layers[0].relu && fused(m, 1);
}

static int grad_in_place(const model *m, int i) {
    return i >= 0 && m->layers[i].kind == LAYER_CONV && m->layers[i].relu && fused(m, i + 1);
}

int model_alloc(model *m, int max_batch, char *err, size_t errlen) {
    size_t acts = 0, gmax = 0, col = 1, args = 0;
    for (int i = 0; i < m->n_layers; i++) {
        layer *l = &m->layers[i];
        if (!fused(m, i) && !(i == 0 && model_block_fused(m))) acts += out_size(l);
        if (l->kind == LAYER_MAXPOOL) args += out_size(l);
        /* the gradients that live in gbuf: outputs' (unless fused or in place), inputs' */
        if (!fused(m, i) && !grad_in_place(m, i) && out_size(l) > gmax) gmax = out_size(l);
        if (i > 0 && !grad_in_place(m, i - 1) && !fused(m, i - 1) && in_size(l) > gmax) gmax = in_size(l);
        if (l->kind == LAYER_CONV && conv3x3_col_size(l->in_c, l->in_h, l->in_w, l->out_c) > col)
            col = conv3x3_col_size(l->in_c, l->in_h, l->in_w, l->out_c);
    }
    if (model_block_fused(m)) {
        const layer *a = &m->layers[0];
        const size_t c = conv_block_col_size(a->in_c, a->in_h, a->in_w, a->out_c, m->layers[1].out_c);
        if (c > col) col = c;
    }
    size_t B = (size_t)max_batch;
    gmax = (gmax + 15) / 16 * 16; /* gbuf[1] stays 64-byte aligned */
    m->col_slices = layers_threads();
    col *= (size_t)m->col_slices;
    m->params = malloc(sizeof(float) * m->n_params);
    m->grads = calloc(m->n_params, sizeof(float));
    m->acts = alloc_aligned(acts * B);
    m->pool_args = malloc(args * B + 1);
    m->gbuf[0] = alloc_aligned(gmax * B * 2);
    m->col = alloc_aligned(col);
    m->probs = malloc(sizeof(float) * m->n_classes * B);
    if (!m->params || !m->grads || !m->acts || !m->pool_args || !m->gbuf[0] || !m->col || !m->probs) {
        snprintf(err, errlen, "model %s: out of memory allocating %.1f MB for batch %d", m->name,
                 (4.0 * (2.0 * m->n_params + (acts + 2 * gmax) * B + col) + (double)args * B) / 1e6,
                 max_batch);
        free(m->params), free(m->grads), free(m->acts), free(m->pool_args), free(m->gbuf[0]), free(m->col),
            free(m->probs);
        m->params = m->grads = m->acts = m->gbuf[0] = m->col = m->probs = NULL;
        m->pool_args = NULL;
        return -1;
    }
    m->gbuf[1] = m->gbuf[0] + gmax * B;
    float *a = m->acts;
    unsigned char *pa = m->pool_args;
    for (int i = 0; i < m->n_layers; i++) {
        layer *l = &m->layers[i];
        l->w = m->params + l->p_off;
        l->b = l->w + l->n_w;
        l->dw = m->grads + l->p_off;
        l->db = l->dw + l->n_w;
        const int stored = !fused(m, i) && !(i == 0 && model_block_fused(m));
        l->out = stored ? a : NULL;
        if (stored) a += out_size(l) * B;
        l->arg = NULL;
        if (l->kind == LAYER_MAXPOOL) {
            l->arg = pa;
            pa += out_size(l) * B;
        }
    }
    m->logits = m->layers[m->n_layers - 1].out;
    m->max_batch = max_batch;
    return 0;
}

void model_init_params(model *m, uint64_t seed) {
    rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < m->n_layers; i++) {
        layer *l = &m->layers[i];
        if (l->kind == LAYER_MAXPOOL) continue;
        /* Glorot (Xavier) uniform, zero biases: TensorFlow's default for tf.layers/Keras,
         * which the study used. fan = channels x kernel area. */
        double k = l->kind == LAYER_CONV ? 9.0 : 1.0;
        double limit = sqrt(6.0 / (k * l->in_c + k * l->out_c));
        for (size_t j = 0; j < l->n_w; j++) l->w[j] = (float)((2.0 * rng_uniform(&r) - 1.0) * limit);
        for (size_t j = 0; j < l->n_b; j++) l->b[j] = 0.0f;
    }
}

void model_free(model *m) {
    free(m->params);
    free(m->grads);
    free(m->acts);
    free(m->pool_args);
    free(m->gbuf[0]);
    free(m->col);
    free(m->probs);
    memset(m, 0, sizeof *m);
}

/* ---- passes ---------------------------------------------------------------------- */

void model_forward(model *m, const float *x, int N) {
    const float *in = x;
    for (int i = 0; i < m->n_layers; i++) {
        layer *l = &m->layers[i];
        const double t0 = m->profile ? time_mono() : 0;
        if (i == 0 && model_block_fused(m)) { /* conv 0, conv 1 and pool 2 (timed as conv 1's) */
            const layer *b = &m->layers[1];
            layer *p = &m->layers[2];
            conv_block_pool_forward(p->out, p->arg, x, l->w, l->b, b->w, b->b, m->col, m->col_slices, N,
                                    l->in_c, l->in_h, l->in_w, l->out_c, b->out_c, b->relu);
            if (m->profile) m->t_fwd[1] += time_mono() - t0;
            in = p->out;
            i = 2;
            continue;
        }
        if (fused(m, i)) { /* conv i and pool i + 1 in one pass (the time counts as the conv's) */
            layer *p = &m->layers[i + 1];
            conv3x3_pool_forward(p->out, p->arg, in, l->w, l->b, m->col, m->col_slices, N, l->in_c, l->in_h,
                                 l->in_w, l->out_c, l->relu);
            if (m->profile) m->t_fwd[i] += time_mono() - t0;
            in = p->out;
            i++;
            continue;
        }
        switch (l->kind) {
            case LAYER_CONV:
                conv3x3_forward(l->out, in, l->w, l->b, m->col, m->col_slices, N, l->in_c, l->in_h, l->in_w,
                                l->out_c, l->relu);
                break;
            case LAYER_MAXPOOL:
                maxpool2x2_forward(l->out, l->arg, in, N, l->in_c, l->in_h, l->in_w);
                break;
            case LAYER_DENSE:
                dense_forward(l->out, in, l->w, l->b, N, l->in_c, l->out_c, l->relu);
                break;
        }
        if (m->profile) m->t_fwd[i] += time_mono() - t0;
        in = l->out;
    }
}

double model_loss(model *m, const int *labels, int N, int *correct) {
    double loss = softmax_xent_forward(m->probs, m->logits, labels, N, m->n_classes);
    if (correct) {
        int c = 0;
        for (int n = 0; n < N; n++) {
            const float *z = m->logits + (size_t)n * m->n_classes;
            int best = 0;
            for (int k = 1; k < m->n_classes; k++)
                if (z[k] > z[best]) best = k;
            c += best == labels[n];
        }
        *correct = c;
    }
    return loss;
}

void model_backward(model *m, const float *x, const int *labels, int N) {
    float *d = m->gbuf[0]; /* the gradient of the current layer's output */
    int masked = 0;        /* d already carries this layer's ReLU mask (fused into the pass above) */
    softmax_xent_backward(d, m->probs, labels, N, m->n_classes);
    for (int i = m->n_layers - 1; i >= 0; i--) {
        layer *l = &m->layers[i];
        float *dn = d == m->gbuf[0] ? m->gbuf[1] : m->gbuf[0]; /* a gbuf not holding d */
        const double t0 = m->profile ? time_mono() : 0;
        if (i == 2 && model_block_fused(m)) { /* pool 2, conv 1 and conv 0 (timed as conv 1's) */
            layer *a = &m->layers[0], *b = &m->layers[1];
            conv_block_pool_backward(a->dw, a->db, b->dw, b->db, d, l->arg, x, a->w, a->b, b->w, m->col,
                                     m->col_slices, N, a->in_c, a->in_h, a->in_w, a->out_c, b->out_c,
                                     b->relu);
            if (m->profile) m->t_bwd[1] += time_mono() - t0;
            break;
        }
        if (fused(m, i - 1)) { /* pool i and conv i - 1 in one pass (timed as the conv's) */
            layer *c = &m->layers[i - 1];
            const int inplace = grad_in_place(m, i - 2);
            const float *in = i >= 2 ? m->layers[i - 2].out : x;
            float *din = i < 2 ? NULL : inplace ? m->layers[i - 2].out : dn;
            conv3x3_pool_backward(din, c->dw, c->db, d, l->arg, in, c->w, m->col, m->col_slices, N, c->in_c,
                                  c->in_h, c->in_w, c->out_c, c->relu, inplace);
            if (m->profile) m->t_bwd[i - 1] += time_mono() - t0;
            masked = inplace;
            d = din;
            i--;
            continue;
        }
        const float *in = i ? m->layers[i - 1].out : x;
        float *din = i ? dn : NULL;
        if (l->relu && !masked) relu_backward(d, l->out, out_size(l) * N);
        masked = 0;
        switch (l->kind) {
            case LAYER_CONV:
                conv3x3_backward(din, l->dw, l->db, d, in, l->w, m->col, m->col_slices, N, l->in_c, l->in_h,
                                 l->in_w, l->out_c);
                break;
            case LAYER_MAXPOOL:
                /* the layer below's ReLU mask is applied here, in the same pass */
                masked = din && m->layers[i - 1].relu;
                if (din) maxpool2x2_backward(din, d, in, l->arg, N, l->in_c, l->in_h, l->in_w, masked);
                break;
            case LAYER_DENSE:
                dense_backward(din, l->dw, l->db, d, in, l->w, N, l->in_c, l->out_c);
                break;
        }
        if (m->profile) m->t_bwd[i] += time_mono() - t0;
        d = din;
    }
}

void model_conv_plan(const model *m, char *buf, size_t n) {
    size_t used = 0;
    if (n) buf[0] = 0;
    for (int i = 0; i < m->n_layers && used < n; i++) {
        const layer *l = &m->layers[i];
        if (l->kind != LAYER_CONV) continue;
        char kern[64];
        layers_conv_plan(kern, sizeof kern, l->in_c, l->in_h, l->in_w, l->out_c, i > 0);
        int k = snprintf(buf + used, n - used, "%s%s %s%s", used ? ", " : "", l->name, kern,
                         i == 0 && model_block_fused(m) ? " recomputed" : "");
        used += k > 0 ? (size_t)k : 0;
    }
}

void model_layer_flops(const model *m, int i, double *fwd, double *bwd) {
    const layer *l = &m->layers[i];
    double macs = 0;
    if (l->kind == LAYER_CONV)
        macs = (double)l->n_w * l->out_h * l->out_w;
    else if (l->kind == LAYER_DENSE)
        macs = (double)l->n_w;
    if (fwd) *fwd = 2 * macs;
    if (bwd) *bwd = 2 * macs * (i == 0 ? 1 : 2); /* dW always, dX except for the first layer */
}

void model_flops(const model *m, double *fwd, double *train) {
    double f = 0, b = 0;
    for (int i = 0; i < m->n_layers; i++) {
        double lf, lb;
        model_layer_flops(m, i, &lf, &lb);
        f += lf;
        b += lb;
    }
    if (fwd) *fwd = f;
    if (train) *train = f + b;
}
