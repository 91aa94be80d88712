/* test_train: the training loop on synthetic data (learns; two runs with the same seed and
 * threads are bit-identical, curves and weights; another seed differs; the schedule and the
 * final rate are recorded as specified), weights save/load round trip, and a short real
 * training on Fashion-MNIST IDX data that must learn (skipped if the files are absent).
 * usage: test_train tiny.cfg [FASHION_MNIST_DIR] */
#include "cnn/dataset.h"
#include "cnn/layers.h"
#include "cnn/optim.h"
#include "cnn/train.h"
#include "cnn/weights.h"
#include "common/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail = 0;
#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        int ok_ = (cond);                                                                                    \
        printf("%-4s ", ok_ ? "ok" : "FAIL");                                                                \
        printf(__VA_ARGS__);                                                                                 \
        printf("\n");                                                                                        \
        if (!ok_) fail = 1;                                                                                  \
    } while (0)

/* n images of 1x28x28: class k has a bright 10x10 square in quadrant k, plus noise */
static void synth_split(dataset_split *s, int n, rng *r) {
    s->n = n;
    s->c = 1;
    s->h = s->w = 28;
    s->pixels = malloc((size_t)n * 28 * 28);
    s->labels = malloc(sizeof(int) * n);
    s->paths = NULL;
    for (int i = 0; i < n; i++) {
        int k = (int)rng_below(r, 4);
        uint8_t *p = s->pixels + (size_t)i * 784;
        for (int j = 0; j < 784; j++) p[j] = (uint8_t)rng_below(r, 90);
        int y0 = (k / 2) * 14 + 2, x0 = (k % 2) * 14 + 2;
        for (int y = y0; y < y0 + 10; y++)
            for (int x = x0; x < x0 + 10; x++) p[y * 28 + x] = (uint8_t)(150 + rng_below(r, 100));
        s->labels[i] = k;
    }
}

static void synth_free(dataset *ds) {
    dataset_split *sp[3] = {&ds->train, &ds->valid, &ds->test};
    for (int i = 0; i < 3; i++) free(sp[i]->pixels), free(sp[i]->labels);
}

/* one training of tiny.cfg; copies the final parameters to *params (malloc'd) */
static int run(const char *cfg, const dataset *ds, uint64_t seed, int threads, train_result *r,
               float **params, size_t *np) {
    char err[1024];
    model m;
    if (model_load(&m, cfg, err, sizeof err)) {
        printf("FAIL %s\n", err);
        return -1;
    }
    layers_set_threads(threads);
    train_settings ts = m.train;
    ts.seed = seed;
    if (train_run(&m, ds, &ts, 0, r, err, sizeof err)) {
        printf("FAIL %s\n", err);
        model_free(&m);
        return -1;
    }
    *np = m.n_params;
    *params = malloc(sizeof(float) * m.n_params);
    memcpy(*params, m.params, sizeof(float) * m.n_params);
    model_free(&m);
    return 0;
}

static int same_curves(const train_result *a, const train_result *b) {
    if (a->iterations != b->iterations) return 0;
    for (int c = 0; c < CURVE_COUNT; c++) {
        if (c == CURVE_ELAPSED) continue; /* wall time */
        if (memcmp(a->curves[c], b->curves[c], sizeof(double) * a->iterations)) return 0;
    }
    return a->test_acc == b->test_acc && a->val_acc == b->val_acc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s tiny.cfg [FASHION_MNIST_DIR]\n", argv[0]);
        return 2;
    }
    const char *cfg = argv[1];
    dataset ds;
    memset(&ds, 0, sizeof ds);
    rng r;
    rng_seed(&r, 99);
    synth_split(&ds.train, 512, &r);
    synth_split(&ds.valid, 64, &r);
    synth_split(&ds.test, 64, &r);
    ds.n_classes = 4;

    train_result a, b, c, d2, e2;
    float *pa, *pb, *pc, *pd, *pe;
    size_t np;
    if (run(cfg, &ds, 5, 1, &a, &pa, &np) || run(cfg, &ds, 5, 1, &b, &pb, &np) ||
        run(cfg, &ds, 6, 1, &c, &pc, &np) || run(cfg, &ds, 5, 2, &d2, &pd, &np) ||
        run(cfg, &ds, 5, 2, &e2, &pe, &np))
        return 1;
    CHECK(a.iterations == 20, "20 iterations recorded (%d)", a.iterations);
    CHECK(a.val_acc > 0.9 && a.test_acc > 0.9,
          "synthetic data learned: loss %.3f -> %.3f, val acc %.3f, test acc %.3f",
          a.curves[CURVE_TRAIN_LOSS][0], a.final_error, a.val_acc, a.test_acc);
    CHECK(same_curves(&a, &b) && memcmp(pa, pb, sizeof(float) * np) == 0,
          "same seed, 1 thread: bit-identical curves and weights");
    CHECK(same_curves(&d2, &e2) && memcmp(pd, pe, sizeof(float) * np) == 0,
          "same seed, 2 threads: bit-identical curves and weights");
    CHECK(memcmp(pa, pc, sizeof(float) * np) != 0, "another seed gives other weights");
    train_settings t = {.lr = 0.001, .decay_rate = 0.96, .decay_steps = 10, .staircase = 1};
    int lr_ok = 1;
    for (int s = 0; s < a.iterations; s++) lr_ok &= a.curves[CURVE_LR][s] == 0.001 * pow(0.96, s / 10);
    CHECK(lr_ok, "lr curve is 0.001 * 0.96^floor(step/10)");
    CHECK(a.final_rate == optim_lr(&t, 20) && fabs(a.final_rate - 0.001 * 0.96 * 0.96) < 1e-15,
          "final_rate = lr(iterations) = %.8f", a.final_rate);
    CHECK(a.final_error == a.curves[CURVE_TRAIN_LOSS][19] && a.train_acc == a.curves[CURVE_TRAIN_ACC][19] &&
              a.val_acc == a.curves[CURVE_VAL_ACC][19],
          "final error / train acc / val acc are the last step's");
    CHECK(a.training_time_s >= a.train_compute_s && a.curves[CURVE_ELAPSED][19] > 0,
          "time split: training %.3f s >= compute %.3f s; eval %.3f s", a.training_time_s, a.train_compute_s,
          a.eval_time_s);

    /* weights round trip: save, load into a fresh model, same bits and same class names */
    {
        char err[1024], names[256], path[] = "/tmp/pb-test-weights-XXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0) close(fd);
        model m1, m2;
        int ok = model_load(&m1, cfg, err, sizeof err) == 0 && model_load(&m2, cfg, err, sizeof err) == 0;
        ok = ok && model_alloc(&m1, 1, err, sizeof err) == 0 && model_alloc(&m2, 1, err, sizeof err) == 0;
        memcpy(m1.params, pa, sizeof(float) * np);
        ok = ok && weights_save(&m1, path, "face,body,hand,nothing", err, sizeof err) == 0;
        ok = ok && weights_load(&m2, path, names, sizeof names, err, sizeof err) == 0;
        CHECK(ok && memcmp(m2.params, pa, sizeof(float) * np) == 0 &&
                  strcmp(names, "face,body,hand,nothing") == 0,
              "weights save/load round trip (%s)", ok ? names : err);
        struct stat st;
        char tmp[300];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        CHECK(stat(tmp, &st) != 0, "no .tmp left behind");
        /* a model of another shape must be refused with a message naming the dataset */
        model m3;
        int m3ok = model_load_string(&m3,
                                     "name = \"other\"; input = { channels = 1; height = 28; width = 28; };"
                                     "layers = ( { type = \"conv\"; out = 4; }, { type = \"maxpool\"; },"
                                     "{ type = \"dense\"; out = 4; relu = false; } );",
                                     NULL, err, sizeof err) == 0 &&
                   model_alloc(&m3, 1, err, sizeof err) == 0;
        CHECK(m3ok, "the other-shape model loads: %s", err); /* else the refusal below proves nothing */
        int rc = weights_load(&m3, path, names, sizeof names, err, sizeof err);
        CHECK(rc != 0 && strstr(err, "conv1_1/weight"), "shape mismatch refused: %s", err);
        model_free(&m1), model_free(&m2), model_free(&m3);
        unlink(path);
    }
    train_result_free(&a), train_result_free(&b), train_result_free(&c);
    train_result_free(&d2), train_result_free(&e2);
    free(pa), free(pb), free(pc), free(pd), free(pe);
    synth_free(&ds);

    /* a short real training on Fashion-MNIST (4 classes: T-shirt, trouser, pullover, dress) */
    if (argc > 2) {
        char err[1024];
        struct stat st;
        if (stat(argv[2], &st) != 0) {
            printf("skip Fashion-MNIST training: %s not found\n", argv[2]);
        } else {
            model m;
            dataset real;
            train_result rr;
            memset(&real, 0, sizeof real);
            CHECK(model_load(&m, cfg, err, sizeof err) == 0, "model %s: %s", cfg, err);
            dataset_options o = {
                .c = m.in_c, .h = m.in_h, .w = m.in_w, .max_per_split = 500, .idx_classes = m.n_classes};
            if (dataset_load(&real, argv[2], &o, err, sizeof err)) {
                CHECK(0, "Fashion-MNIST load: %s", err);
            } else {
                train_settings ts = m.train;
                ts.steps = 30;
                layers_set_threads(1);
                if (train_run(&m, &real, &ts, 0, &rr, err, sizeof err)) {
                    CHECK(0, "Fashion-MNIST training: %s", err);
                } else {
                    CHECK(rr.val_acc > 0.6 && rr.test_acc > 0.6,
                          "Fashion-MNIST (%d train images, 4 classes, chance 0.25) learned: val "
                          "acc %.3f, test acc %.3f in %.2f s",
                          real.train.n, rr.val_acc, rr.test_acc, rr.training_time_s);
                    train_result_free(&rr);
                }
            }
            dataset_free(&real);
            model_free(&m);
        }
    }
    printf("%s\n", fail ? "FAILED" : "training ok");
    return fail;
}
