/* test_conv_modes: whole trainings with the conv kernel selections, each deterministic. For
 * tiny.cfg and quick.cfg, 30 steps of 4 images, Adam with the model file's schedule, on
 * synthetic data (a brighter square in the class's quadrant, plus noise; raw 0..255 input
 * like the study's): the curve with im2col + sgemm on 1 thread is the reference; the direct
 * kernels everywhere they apply ("direct", 2 threads) must match it at every step within
 * max(1e-2, 3 x the difference that the plain path itself shows between 1 and 2 threads)
 * relative (the same fp32 sums in another order: Adam amplifies such rounding differences,
 * see train()), and the final parameters within 10% of the largest one; "direct" and the
 * default selection ("auto", 2 threads, which adds Winograd) run twice must be
 * bit-identical, and every run must learn (the loss falls by 10%). "auto" is not held to
 * the per-step bound here: Winograd's transforms leave 1e-7-relative residues where the
 * sgemm path gives exact zeros (dead ReLU regions at step 0, zero biases), and at batch 4
 * Adam turns them into full steps at once; test_curves.py compares it over 100 steps of
 * the real workload instead. The kernels themselves are held to 1e-5 by test_layers.
 * usage: test_conv_modes MODELS_DIR */
#include "cnn/conv_direct.h"
#include "cnn/layers.h"
#include "cnn/model.h"
#include "cnn/optim.h"
#include "common/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEPS 30
#define BATCH 4
/* relative, per step: the floor of the loss tolerance. 1e-3 held with OpenBLAS on AVX2
 * kernels (OPENBLAS_CORETYPE=Haswell) but not with its own AVX-512 choice on Zen 4, where the
 * auto mix reached 1.30e-3 on quick.cfg by step 30 while every kernel stays within 1e-5 of
 * the naive one (test_layers): at batch 4 on raw 0..255 input, Adam turns rounding in
 * near-zero gradients into full-size updates. The parameter bound below is unchanged. */
#define LOSS_TOL_MIN 1e-2
#define NOISE_FACTOR 3.0  /* x the plain path's own 1-vs-2-thread difference */
#define PARAM_TOL 0.1     /* of the largest |parameter|: a bound on the drift (see train()) */

static int fail = 0;

typedef struct run_out {
    double loss[STEPS]; /* mean loss of each step's batch */
    float *params;      /* final parameters (malloc'd) */
    size_t n;           /* parameter count */
} run_out;

/* n images (c,h,w) of class labels[i]: noise 0..199, a slightly brighter square (60..255) in
 * quadrant label % 4: hard enough that the loss stays well above 0 in 30 steps */
static void synth(float *x, int *labels, int n, int c, int h, int w, int classes, rng *r)
{
    for (int i = 0; i < n; i++) {
        int k = (int)rng_below(r, (uint64_t)classes), q = k % 4;
        float *p = x + (size_t)i * c * h * w;
        for (size_t j = 0; j < (size_t)c * h * w; j++) p[j] = (float)rng_below(r, 200);
        int y0 = (q / 2) * (h / 2) + h / 14, x0 = (q % 2) * (w / 2) + w / 14;
        for (int ch = 0; ch < c; ch++)
            for (int y = y0; y < y0 + h * 5 / 14; y++)
                for (int xx = x0; xx < x0 + w * 5 / 14; xx++)
                    p[((size_t)ch * h + y) * w + xx] = (float)(60 + rng_below(r, 196));
        labels[i] = k;
    }
}

/* STEPS steps of Adam with the model file's schedule (the real training: Adam's g / sqrt(v)
 * turns rounding-level gradients of near-dead units into full-size steps, so curves drift
 * apart chaotically, with other kernels as with another thread count; plain SGD was tried
 * and drifts too on quick.cfg) */
static int train(const char *cfg, int mode, int threads, run_out *o)
{
    char err[1024];
    model m;
    adam opt = {0};
    layers_set_threads(threads);
    layers_set_conv(mode);
    if (model_load(&m, cfg, err, sizeof err) || model_alloc(&m, BATCH, err, sizeof err) ||
        adam_init(&opt, m.n_params, err, sizeof err)) {
        printf("FAIL %s: %s\n", cfg, err);
        return -1;
    }
    model_init_params(&m, 1);
    size_t img = (size_t)m.in_c * m.in_h * m.in_w;
    float *x = malloc(sizeof(float) * img * BATCH);
    int *labels = malloc(sizeof(int) * BATCH);
    o->params = malloc(sizeof(float) * m.n_params);
    if (!x || !labels || !o->params) {
        printf("FAIL out of memory\n");
        exit(1);
    }
    rng r;
    rng_seed(&r, 5);
    for (int s = 0; s < STEPS; s++) {
        synth(x, labels, BATCH, m.in_c, m.in_h, m.in_w, m.n_classes, &r);
        model_forward(&m, x, BATCH);
        o->loss[s] = model_loss(&m, labels, BATCH, NULL) / BATCH;
        if (getenv("TEST_CONV_MODES_VERBOSE")) printf("  step %2d loss %.6f\n", s, o->loss[s]);
        model_backward(&m, x, labels, BATCH);
        adam_step(&opt, m.params, m.grads, optim_lr(&m.train, s), m.train.beta1, m.train.beta2,
                  m.train.epsilon);
    }
    memcpy(o->params, m.params, sizeof(float) * m.n_params);
    o->n = m.n_params;
    free(x);
    free(labels);
    adam_free(&opt);
    model_free(&m);
    return 0;
}

/* max relative difference of the two loss curves */
static double curve_diff(const run_out *a, const run_out *ref)
{
    double ml = 0;
    for (int s = 0; s < STEPS; s++) {
        double d = fabs(a->loss[s] - ref->loss[s]) / fabs(ref->loss[s]);
        if (!(d <= ml)) ml = d; /* NaN propagates */
    }
    return ml;
}

static void compare(const char *what, const run_out *a, const run_out *ref, double loss_tol,
                    double param_tol)
{
    double ml = 0, mp = 0, pmax = 0;
    for (int s = 0; s < STEPS; s++) {
        double d = fabs(a->loss[s] - ref->loss[s]) / fabs(ref->loss[s]);
        if (!(d <= ml)) ml = d; /* NaN propagates */
    }
    for (size_t i = 0; i < ref->n; i++) {
        double d = fabs((double)a->params[i] - ref->params[i]);
        if (!(d <= mp)) mp = d;
        if (fabs(ref->params[i]) > pmax) pmax = fabs(ref->params[i]);
    }
    int ok = ml <= loss_tol && mp <= param_tol * pmax;
    printf("%-4s %-44s loss max rel diff %.2e (tol %.1e), params max diff %.2e (tol %.2e)\n",
           ok ? "ok" : "FAIL", what, ml, loss_tol, mp, param_tol * pmax);
    if (!ok) fail = 1;
}

static void identical(const char *what, const run_out *a, const run_out *b)
{
    int ok = memcmp(a->loss, b->loss, sizeof a->loss) == 0 && a->n == b->n &&
             memcmp(a->params, b->params, sizeof(float) * a->n) == 0;
    printf("%-4s %s: two runs bit-identical\n", ok ? "ok" : "FAIL", what);
    if (!ok) fail = 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_conv_modes MODELS_DIR\n");
        return 2;
    }
    if (!conv_direct_usable(4)) {
        printf("skipped: this build has no direct conv kernels (no AVX2)\n");
        return 77;
    }
    static const char *const names[] = {"tiny", "quick"};
    for (int i = 0; i < 2; i++) {
        char cfg[2048], what[160];
        snprintf(cfg, sizeof cfg, "%s/%s.cfg", argv[1], names[i]);
        run_out ref, r2, d2, d2b, au, aub;
        if (train(cfg, LAYERS_CONV_IM2COL, 1, &ref) || train(cfg, LAYERS_CONV_IM2COL, 2, &r2) ||
            train(cfg, LAYERS_CONV_DIRECT, 2, &d2) || train(cfg, LAYERS_CONV_DIRECT, 2, &d2b) ||
            train(cfg, LAYERS_CONV_AUTO, 2, &au) || train(cfg, LAYERS_CONV_AUTO, 2, &aub))
            return 1;
        double first = (ref.loss[0] + ref.loss[1] + ref.loss[2]) / 3,
               last = (ref.loss[STEPS - 1] + ref.loss[STEPS - 2] + ref.loss[STEPS - 3]) / 3;
        int learned = last < 0.9 * first;
        printf("%-4s %s im2col: loss %.4f -> %.4f over %d steps of %d (must fall by 10%%)\n",
               learned ? "ok" : "FAIL", names[i], first, last, STEPS, BATCH);
        if (!learned) fail = 1;
        double noise = curve_diff(&r2, &ref), lt = fmax(LOSS_TOL_MIN, NOISE_FACTOR * noise);
        printf("     %s im2col, 2 threads vs 1: loss max rel diff %.2e\n", names[i], noise);
        snprintf(what, sizeof what, "%s direct, 2 threads vs im2col", names[i]);
        compare(what, &d2, &ref, lt, PARAM_TOL);
        snprintf(what, sizeof what, "%s direct, 2 threads", names[i]);
        identical(what, &d2, &d2b);
        snprintf(what, sizeof what, "%s auto, 2 threads", names[i]);
        identical(what, &au, &aub);
        const double afirst = (au.loss[0] + au.loss[1] + au.loss[2]) / 3,
                     alast = (au.loss[STEPS - 1] + au.loss[STEPS - 2] + au.loss[STEPS - 3]) / 3;
        printf("%-4s %s auto: loss %.4f -> %.4f (must fall by 10%%)\n",
               alast < 0.9 * afirst ? "ok" : "FAIL", names[i], afirst, alast);
        if (!(alast < 0.9 * afirst)) fail = 1;
        free(ref.params), free(r2.params), free(d2.params), free(d2b.params), free(au.params);
        free(aub.params);
    }
    layers_set_conv(LAYERS_CONV_AUTO);
    printf("%s\n", fail ? "FAILED" : "conv kernel selections agree");
    return fail;
}
