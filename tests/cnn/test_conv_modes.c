/* test_conv_modes: whole trainings with the conv kernel selections, each deterministic. For
 * tiny.cfg and quick.cfg, 30 steps of 4 images, Adam with the model file's schedule, on
 * synthetic data (a brighter square in the class's quadrant, plus noise; raw 0..255 input
 * like the study's), the run with im2col + sgemm on 1 thread is the reference:
 * - step 0, the whole model's gradient: with the direct kernels everywhere they apply
 *   ("direct", 2 threads) and with the default selection ("auto", 2 threads, which adds
 *   Winograd), every layer's weight and bias gradient within GRAD_TOL of the reference's
 *   largest |value| in that tensor: every kernel wired into forward and backward of a real
 *   network, to near rounding (the kernels alone are held to 1e-5 by test_layers);
 * - "direct": the loss of each of the first EARLY_STEPS steps within EARLY_TOL of the
 *   reference's mean loss over those steps;
 * - "direct" and "auto" run twice are bit-identical, and every run learns (the loss falls
 *   by 10%).
 * Later steps are not compared one by one: at batch 4 on raw input, Adam's g / sqrt(v) turns
 * rounding-level differences in near-zero gradients into full-size updates and the curves part
 * chaotically. With OpenBLAS on AVX2 kernels (OPENBLAS_CORETYPE=Haswell or Zen, a CI machine)
 * "direct" matched the reference to 1e-6 up to step 9 and then parted to 8e-2 by step 27,
 * while im2col on 2 threads stayed within 4e-5; with OpenBLAS's AVX-512 kernels both stayed
 * within 1e-3 (the reason an earlier per-step bound over all 30 steps held here and failed on
 * CI). Winograd's transforms leave 1e-7-relative residues where sgemm gives exact zeros (dead
 * ReLU regions, zero biases at step 0), which Adam turns into full steps from step 1 on:
 * test_curves.py compares the curves over 100 steps of the real workload, against the
 * plain path's own drift, instead.
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

#define STEPS       30
#define BATCH       4
#define GRAD_TOL    1e-4 /* step-0 gradients: of the reference tensor's largest |value| */
#define EARLY_STEPS 10   /* "direct": steps whose loss is compared one by one */
#define EARLY_TOL   1e-3 /* of the mean loss; measured at most 1e-6 (Haswell, Cooperlake OpenBLAS) */

static int fail = 0;

typedef struct run_out {
    double loss[STEPS]; /* mean loss of each step's batch */
    float *params;      /* final parameters (malloc'd) */
    float *grad0;       /* the gradient of step 0 (malloc'd) */
    size_t n;           /* parameter count */
    model shape;        /* the loaded model (its layer table; buffers freed) */
} run_out;

/* n images (c,h,w) of class labels[i]: noise 0..199, a slightly brighter square (60..255) in
 * quadrant label % 4: hard enough that the loss stays well above 0 in 30 steps */
static void synth(float *x, int *labels, int n, int c, int h, int w, int classes, rng *r) {
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
static int train(const char *cfg, int mode, int threads, run_out *o) {
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
    o->grad0 = malloc(sizeof(float) * m.n_params);
    if (!x || !labels || !o->params || !o->grad0) {
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
        if (s == 0) memcpy(o->grad0, m.grads, sizeof(float) * m.n_params);
        adam_step(&opt, m.params, m.grads, optim_lr(&m.train, s), m.train.beta1, m.train.beta2,
                  m.train.epsilon);
    }
    memcpy(o->params, m.params, sizeof(float) * m.n_params);
    o->n = m.n_params;
    o->shape = m;
    free(x);
    free(labels);
    adam_free(&opt);
    model_free(&m);
    return 0;
}

/* max |difference| of the first `steps` losses of two curves, relative to the reference's mean
 * loss over those steps (a step's own loss can be near 0: tiny.cfg's step 7 is 1.4e-5) */
static double curve_diff(const run_out *a, const run_out *ref, int steps) {
    double md = 0, mean = 0;
    for (int s = 0; s < steps; s++) {
        double d = fabs(a->loss[s] - ref->loss[s]);
        if (!(d <= md)) md = d; /* NaN propagates */
        mean += fabs(ref->loss[s]) / steps;
    }
    return md / mean;
}

/* |a - ref| / max |ref| over n values (NaN propagates); 0 when ref is all zeros and a equals it */
static double tensor_diff(const float *a, const float *ref, size_t n) {
    double md = 0, mr = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - ref[i]);
        if (!(d <= md)) md = d;
        if (fabs(ref[i]) > mr) mr = fabs(ref[i]);
    }
    return mr > 0 ? md / mr : md;
}

/* step 0: each layer's weight and bias gradient of a against ref */
static void compare_grad0(const char *what, const run_out *a, const run_out *ref) {
    double worst = 0;
    const char *at = "";
    for (int l = 0; l < ref->shape.n_layers; l++) {
        const layer *L = &ref->shape.layers[l];
        if (!L->n_w) continue;
        double dw = tensor_diff(a->grad0 + L->p_off, ref->grad0 + L->p_off, L->n_w),
               db = tensor_diff(a->grad0 + L->p_off + L->n_w, ref->grad0 + L->p_off + L->n_w, L->n_b);
        double d = dw > db ? dw : db;
        if (!(d <= worst)) worst = d, at = L->name;
    }
    int ok = worst <= GRAD_TOL;
    printf("%-4s %-44s step-0 gradients: max diff %.2e of the tensor's max (tol %.0e, at %s)\n",
           ok ? "ok" : "FAIL", what, worst, GRAD_TOL, at);
    if (!ok) fail = 1;
}

static void compare_early(const char *what, const run_out *a, const run_out *ref) {
    double ml = curve_diff(a, ref, EARLY_STEPS);
    int ok = ml <= EARLY_TOL;
    printf("%-4s %-44s loss of steps 0-%d: max diff / mean %.2e (tol %.0e)\n", ok ? "ok" : "FAIL", what,
           EARLY_STEPS - 1, ml, EARLY_TOL);
    if (!ok) fail = 1;
}

/* the loss of the last 3 steps below 90% of the first 3 */
static void learned(const char *what, const run_out *a) {
    double first = (a->loss[0] + a->loss[1] + a->loss[2]) / 3,
           last = (a->loss[STEPS - 1] + a->loss[STEPS - 2] + a->loss[STEPS - 3]) / 3;
    int ok = last < 0.9 * first;
    printf("%-4s %-44s loss %.4f -> %.4f over %d steps of %d (must fall by 10%%)\n", ok ? "ok" : "FAIL", what,
           first, last, STEPS, BATCH);
    if (!ok) fail = 1;
}

static void identical(const char *what, const run_out *a, const run_out *b) {
    int ok = memcmp(a->loss, b->loss, sizeof a->loss) == 0 && a->n == b->n &&
             memcmp(a->params, b->params, sizeof(float) * a->n) == 0;
    printf("%-4s %s: two runs bit-identical\n", ok ? "ok" : "FAIL", what);
    if (!ok) fail = 1;
}

int main(int argc, char **argv) {
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
        snprintf(what, sizeof what, "%s im2col, 1 thread", names[i]);
        learned(what, &ref);
        printf("     %s im2col, 2 threads vs 1: loss max diff / mean %.2e over %d steps\n", names[i],
               curve_diff(&r2, &ref, STEPS), STEPS);
        snprintf(what, sizeof what, "%s direct, 2 threads vs im2col", names[i]);
        compare_grad0(what, &d2, &ref);
        compare_early(what, &d2, &ref);
        snprintf(what, sizeof what, "%s auto, 2 threads vs im2col", names[i]);
        compare_grad0(what, &au, &ref);
        snprintf(what, sizeof what, "%s direct, 2 threads", names[i]);
        identical(what, &d2, &d2b);
        learned(what, &d2);
        snprintf(what, sizeof what, "%s auto, 2 threads", names[i]);
        identical(what, &au, &aub);
        learned(what, &au);
        run_out *all[] = {&ref, &r2, &d2, &d2b, &au, &aub};
        for (int k = 0; k < 6; k++) free(all[k]->params), free(all[k]->grad0);
    }
    layers_set_conv(LAYERS_CONV_AUTO);
    printf("%s\n", fail ? "FAILED" : "conv kernel selections agree");
    return fail;
}
