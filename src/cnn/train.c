/* train: the training loop. See train.h. */
#include "cnn/train.h"

#include "cnn/layers.h"
#include "cnn/optim.h"
#include "common/rng.h"
#include "common/timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* x (n, c, h, w) floats, raw 0..255, of images idx[0..n-1] of s (or 0..n-1 from `first`) */
static void gather(float *x, int *labels, const dataset_split *s, const int *idx, int first, int n) {
    const size_t sz = (size_t)s->c * s->h * s->w;
    for (int i = 0; i < n; i++) {
        int j = idx ? idx[i] : first + i;
        const uint8_t *p = s->pixels + (size_t)j * sz;
        float *d = x + (size_t)i * sz;
        for (size_t k = 0; k < sz; k++) d[k] = (float)p[k];
        labels[i] = s->labels[j];
    }
}

void train_evaluate(model *m, const dataset_split *s, float *x, int *labels, double *loss, double *acc) {
    double sum = 0;
    int correct = 0;
    for (int i = 0; i < s->n; i += m->max_batch) {
        int n = s->n - i < m->max_batch ? s->n - i : m->max_batch, c = 0;
        gather(x, labels, s, NULL, i, n);
        model_forward(m, x, n);
        sum += model_loss(m, labels, n, &c);
        correct += c;
    }
    *loss = s->n ? sum / s->n : 0;
    *acc = s->n ? (double)correct / s->n : 0;
}

void train_result_free(train_result *r) {
    for (int i = 0; i < CURVE_COUNT; i++) free(r->curves[i]);
    memset(r, 0, sizeof *r);
}

static int check_shapes(const model *m, const dataset *ds, char *err, size_t errlen) {
    const dataset_split *sp[3] = {&ds->train, &ds->valid, &ds->test};
    const char *nm[3] = {"train", "valid", "test"};
    for (int i = 0; i < 3; i++) {
        if (sp[i]->n > 0 && (sp[i]->c != m->in_c || sp[i]->h != m->in_h || sp[i]->w != m->in_w)) {
            snprintf(err, errlen, "data: %s images are %dx%dx%d; model %s expects %dx%dx%d", nm[i], sp[i]->c,
                     sp[i]->h, sp[i]->w, m->name, m->in_c, m->in_h, m->in_w);
            return -1;
        }
        for (int j = 0; j < sp[i]->n; j++)
            if (sp[i]->labels[j] < 0 || sp[i]->labels[j] >= m->n_classes) {
                snprintf(err, errlen, "data: %s image %d has label %d; model %s has %d classes", nm[i], j,
                         sp[i]->labels[j], m->name, m->n_classes);
                return -1;
            }
    }
    if (ds->train.n < 1) {
        snprintf(err, errlen, "data: the training set is empty");
        return -1;
    }
    return 0;
}

/* idx[0..B) = the batch: partial Fisher-Yates over perm (kept between steps). */
static void draw_batch(rng *r, int *perm, int n, int *idx, int B) {
    if (B > n) {
        for (int i = 0; i < B; i++) idx[i] = (int)rng_below(r, (uint64_t)n);
        return;
    }
    for (int i = 0; i < B; i++) {
        int k = i + (int)rng_below(r, (uint64_t)(n - i));
        int t = perm[i];
        perm[i] = perm[k];
        perm[k] = t;
        idx[i] = perm[i];
    }
}

static void progress_line(int tty, int step, int steps, const train_result *r, double elapsed) {
    int i = step - 1;
    double eta = step ? elapsed / step * (steps - step) : 0;
    fprintf(stderr, "%sstep %d/%d  loss %.4f  acc %.3f  val acc %.3f  elapsed %.1f s  ETA %.1f s%s",
            tty ? "\r" : "", step, steps, r->curves[CURVE_TRAIN_LOSS][i], r->curves[CURVE_TRAIN_ACC][i],
            r->curves[CURVE_VAL_ACC][i], elapsed, eta, tty ? (step == steps ? "\n" : "") : "\n");
    fflush(stderr);
}

int train_run(model *m, const dataset *ds, const train_settings *ts, int progress, train_result *r, char *err,
              size_t errlen) {
    int rc = -1;
    float *x = NULL;
    int *labels = NULL, *perm = NULL, *idx = NULL;
    adam opt = {0};
    memset(r, 0, sizeof *r);
    if (check_shapes(m, ds, err, errlen)) return -1;
    const int B = ts->batch, steps = ts->steps;
    if (model_alloc(m, B, err, errlen)) return -1;
    model_init_params(m, rng_mix(ts->seed ^ 0x696e6974ULL)); /* "init" */
    const size_t img = (size_t)m->in_c * m->in_h * m->in_w;
    x = malloc(sizeof(float) * img * B);
    labels = malloc(sizeof(int) * B);
    idx = malloc(sizeof(int) * B);
    perm = malloc(sizeof(int) * ds->train.n);
    int curves_ok = 1;
    for (int i = 0; i < CURVE_COUNT; i++)
        if (!(r->curves[i] = calloc(steps, sizeof(double)))) curves_ok = 0;
    if (!x || !labels || !idx || !perm || !curves_ok) {
        snprintf(err, errlen, "train: out of memory for a batch of %d", B);
        goto cleanup;
    }
    if (adam_init(&opt, m->n_params, err, errlen)) goto cleanup;
    opt.threads = layers_threads(); /* the kernels' count (--threads) */
    for (int i = 0; i < ds->train.n; i++) perm[i] = i;
    rng br;
    rng_seed(&br, rng_mix(ts->seed ^ 0x6261746368ULL)); /* "batch" */
    const int tty = isatty(2), every = steps >= 10 ? (steps + 9) / 10 : 1;
    r->batch = B;

    const double t0 = time_mono();
    for (int s = 0; s < steps; s++) {
        double ta = time_mono();
        double lr = optim_lr(ts, s);
        int correct = 0;
        draw_batch(&br, perm, ds->train.n, idx, B);
        gather(x, labels, &ds->train, idx, 0, B);
        model_forward(m, x, B);
        double loss = model_loss(m, labels, B, &correct) / B;
        model_backward(m, x, labels, B);
        adam_step(&opt, m->params, m->grads, lr, ts->beta1, ts->beta2, ts->epsilon);
        double tb = time_mono();
        double vl = 0, va = 0;
        if (ds->valid.n > 0) train_evaluate(m, &ds->valid, x, labels, &vl, &va);
        double tc = time_mono();
        r->train_compute_s += tb - ta;
        r->eval_time_s += tc - tb;
        r->curves[CURVE_TRAIN_LOSS][s] = loss;
        r->curves[CURVE_TRAIN_ACC][s] = (double)correct / B;
        r->curves[CURVE_VAL_LOSS][s] = vl;
        r->curves[CURVE_VAL_ACC][s] = va;
        r->curves[CURVE_LR][s] = lr;
        r->curves[CURVE_ELAPSED][s] = tc - t0;
        r->iterations = s + 1;
        if (progress && (tty || (s + 1) % every == 0 || s + 1 == steps))
            progress_line(tty, s + 1, steps, r, tc - t0);
    }
    r->training_time_s = time_mono() - t0;
    r->final_rate = optim_lr(ts, steps);
    r->final_error = r->curves[CURVE_TRAIN_LOSS][steps - 1];
    r->train_acc = r->curves[CURVE_TRAIN_ACC][steps - 1];
    r->val_loss = r->curves[CURVE_VAL_LOSS][steps - 1];
    r->val_acc = r->curves[CURVE_VAL_ACC][steps - 1];
    double te = time_mono();
    if (ds->test.n > 0) train_evaluate(m, &ds->test, x, labels, &r->test_loss, &r->test_acc);
    r->eval_time_s += time_mono() - te;
    rc = 0;
cleanup:
    if (rc) train_result_free(r);
    adam_free(&opt);
    free(x);
    free(labels);
    free(idx);
    free(perm);
    return rc;
}
