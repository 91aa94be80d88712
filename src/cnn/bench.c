/* bench: training-step and forward timings at a model's shape. See bench.h. */
#include "cnn/bench.h"

#include "cnn/conv_direct.h"
#include "cnn/layers.h"
#include "cnn/optim.h"
#include "common/rng.h"
#include "common/timing.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define BENCH_EVAL_IMAGES 45 /* the study's validation set */

/* CPU seconds (user + system) of the whole process: on a shared machine, wall time per
 * step / CPU time per step shows how much of a core-second the step really got. */
static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void openblas_set_num_threads(int num_threads); /* OpenBLAS extension */
char *openblas_get_corename(void);              /* OpenBLAS extension */

double bench_sgemm_peak(int reps) {
    const int n = 1024;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n),
          *c = malloc(sizeof(float) * n * n);
    double best = 0;
    if (a && b && c) {
        for (int i = 0; i < n * n; i++) a[i] = b[i] = (float)((i % 17) - 8) / 8.0f;
        for (int r = 0; r < reps + 1; r++) {
            double t = time_mono();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            t = time_mono() - t;
            double g = 2.0 * n * n * n / t / 1e9;
            if (r > 0 && g > best) best = g; /* r = 0 warms up */
        }
    }
    free(a);
    free(b);
    free(c);
    return best;
}

/* Times of the timed steps of one bench run. */
typedef struct bench_times {
    double *train;    /* seconds of each timed training step, steps of them */
    double *eval;     /* seconds of each timed evaluation, steps of them */
    double cpu_timed; /* CPU seconds of this process over the timed steps */
    int batch;        /* training batch */
    int steps;        /* timed steps */
} bench_times;

/* Runs warmup untimed then t->steps timed training steps (each followed by an evaluation of
   BENCH_EVAL_IMAGES images) on x/labels; progress on stderr. */
static void bench_steps(model *m, adam *opt, const float *x, const int *labels, int warmup, bench_times *t) {
    int batch = t->batch;
    t->cpu_timed = 0;
    for (int s = -warmup; s < t->steps; s++) {
        double c0 = cpu_seconds();
        double t0 = time_mono();
        m->profile = s >= 0; /* the per-layer breakdown of the timed training steps */
        model_forward(m, x, batch);
        model_loss(m, labels, batch, NULL);
        model_backward(m, x, labels, batch);
        m->profile = 0;
        adam_step(opt, m->params, m->grads, 1e-4, 0.9, 0.999, 1e-8);
        double t1 = time_mono();
        model_forward(m, x, BENCH_EVAL_IMAGES);
        model_loss(m, labels, BENCH_EVAL_IMAGES, NULL);
        double t2 = time_mono();
        if (s >= 0) {
            t->train[s] = t1 - t0;
            t->eval[s] = t2 - t1;
            t->cpu_timed += cpu_seconds() - c0;
        }
        fprintf(stderr, "bench: %s step %d: train %.1f ms, eval %.1f ms\n", s < 0 ? "warm-up" : "timed",
                s < 0 ? s + warmup + 1 : s + 1, (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    }
}

/* The whole-model lines of the report: step time, throughput, sgemm peak, CPU use, memory. */
static void print_summary(const model *m, const bench_times *t, FILE *out) {
    int batch = t->batch, steps = t->steps;
    double f_fwd, f_train;
    model_flops(m, &f_fwd, &f_train);
    double tmin = t->train[0];
    for (int s = 1; s < steps; s++)
        if (t->train[s] < tmin) tmin = t->train[s];
    double tm = median(t->train, steps), em = median(t->eval, steps);
    double g_train = f_train * batch / tm / 1e9, g_eval = f_fwd * BENCH_EVAL_IMAGES / em / 1e9;
    openblas_set_num_threads(layers_threads()); /* the peak at the same thread count */
    double peak = bench_sgemm_peak(5);
    openblas_set_num_threads(1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(out, "%.1f ms/step  (median of %d, min %.1f; batch %d; %.1f images/s; %.1f GFLOP/s)\n", tm * 1e3,
            steps, tmin * 1e3, batch, batch / tm, g_train);
    fprintf(out, "model            %s (%zu parameters, input %dx%dx%d)\n", m->name, m->n_params, m->in_c,
            m->in_h, m->in_w);
    fprintf(out, "train step       %.3f GFLOP per image (forward %.3f)\n", f_train / 1e9, f_fwd / 1e9);
    fprintf(out, "eval %d images   %.1f ms  (%.1f images/s; %.1f GFLOP/s)\n", BENCH_EVAL_IMAGES, em * 1e3,
            BENCH_EVAL_IMAGES / em, g_eval);
    fprintf(out, "sgemm 1024^3     %.1f GFLOP/s peak; train step at %.1f%% of it\n", peak,
            peak > 0 ? 100.0 * g_train / peak : 0.0);
    double wall_timed = 0;
    for (int s = 0; s < steps; s++) wall_timed += t->train[s] + t->eval[s];
    fprintf(out,
            "CPU use          %.2f cores busy on average over the timed steps (of %d threads); "
            "%.1f GFLOP per CPU-second\n",
            wall_timed > 0 ? t->cpu_timed / wall_timed : 0.0, layers_threads(),
            t->cpu_timed > 0 ? (f_train * batch + f_fwd * BENCH_EVAL_IMAGES) * steps / t->cpu_timed / 1e9
                             : 0.0);
    fprintf(out, "peak memory      %.1f MB (maxrss)\n", ru.ru_maxrss / 1024.0);
}

/* The per-layer table of the report (times of the profiled timed steps). */
static void print_layers(const model *m, int batch, int steps, FILE *out) {
    fprintf(out,
            "per layer        ms per training step (mean of %d), GFLOP/s of direct-convolution "
            "FLOPs (2 x MACs, whatever the kernel); kernels forward/weight grad/input grad:\n",
            steps);
    fprintf(out, "  %-9s %-14s %9s %8s %9s %8s %6s  %s\n", "layer", "shape", "fwd ms", "GFLOP/s", "bwd ms",
            "GFLOP/s", "share", "kernels");
    double t_layers = 0;
    for (int i = 0; i < m->n_layers; i++) t_layers += m->t_fwd[i] + m->t_bwd[i];
    for (int i = 0; i < m->n_layers; i++) {
        const layer *l = &m->layers[i];
        double lf, lb, tf = m->t_fwd[i] / steps, tb = m->t_bwd[i] / steps;
        char shape[32];
        model_layer_flops(m, i, &lf, &lb);
        if (i == 1 && model_block_fused(m)) { /* its pass runs conv 0 too */
            double af, ab;
            model_layer_flops(m, 0, &af, &ab);
            lf += af, lb += ab;
        }
        char kern[96] = "";
        snprintf(shape, sizeof shape, "%d>%d@%dx%d", l->in_c, l->out_c, l->out_h, l->out_w);
        if (l->kind == LAYER_CONV) {
            layers_conv_plan(kern, sizeof kern, l->in_c, l->in_h, l->in_w, l->out_c, i > 0);
            if (i == 0 && model_block_fused(m))
                snprintf(kern + strlen(kern), sizeof kern - strlen(kern), ", fused into %s (recomputed)",
                         m->layers[1].name);
            if (i == 1 && model_block_fused(m))
                snprintf(kern + strlen(kern), sizeof kern - strlen(kern), " + %s", m->layers[0].name);
            if (i + 1 < m->n_layers && m->layers[i + 1].kind == LAYER_MAXPOOL)
                strncat(kern, " + pool", sizeof kern - strlen(kern) - 1);
        } else if (l->kind == LAYER_MAXPOOL && i > 0 && m->layers[i - 1].kind == LAYER_CONV) {
            snprintf(kern, sizeof kern, "fused into %s", m->layers[i - 1].name);
        }
        fprintf(out, "  %-9s %-14s %9.1f %8.1f %9.1f %8.1f %5.1f%%  %s\n", l->name, shape, tf * 1e3,
                tf > 0 && lf > 0 ? lf * batch / tf / 1e9 : 0.0, tb * 1e3,
                tb > 0 && lb > 0 ? lb * batch / tb / 1e9 : 0.0,
                t_layers > 0 ? 100.0 * (m->t_fwd[i] + m->t_bwd[i]) / t_layers : 0.0, kern);
    }
}

/* The kernels and the work split of the report. */
static void print_kernels(FILE *out, int batch) {
    const char *ct = getenv("OPENBLAS_CORETYPE");
    const int isa = conv_direct_isa(0);
    fprintf(out,
            "kernels          conv %s (direct: %s; Winograd GEMMs: %s); OpenBLAS core %s "
            "(OPENBLAS_CORETYPE %s)\n",
            layers_conv_name(layers_conv()),
            isa == 3   ? "AVX-512"
            : isa == 2 ? "AVX2"
                       : "none",
            isa == 3 ? "own AVX-512 (by U packed; dU on V transposed)" : "OpenBLAS", openblas_get_corename(),
            ct && *ct ? ct : "unset");
    fprintf(out,
            "work split       each conv: the batch in %d units of contiguous images that the %d threads take "
            "one at a time (private scratch, single-threaded OpenBLAS; weight gradients per unit, summed in "
            "unit order); dense: blocks of outputs/inputs; pooling: blocks of planes\n",
            layers_conv_units(batch), layers_threads());
}

int bench_run(model *m, int batch, int steps, int warmup, FILE *out, char *err, size_t errlen) {
    int rc = -1, cap = batch > BENCH_EVAL_IMAGES ? batch : BENCH_EVAL_IMAGES;
    size_t img = (size_t)m->in_c * m->in_h * m->in_w;
    float *x = NULL;
    int *labels = NULL;
    bench_times t = {NULL, NULL, 0, batch, steps};
    adam opt = {0};
    if (model_alloc(m, cap, err, errlen)) return -1;
    model_init_params(m, 1);
    x = malloc(sizeof(float) * img * cap);
    labels = malloc(sizeof(int) * cap);
    t.train = malloc(sizeof(double) * steps);
    t.eval = malloc(sizeof(double) * steps);
    if (!x || !labels || !t.train || !t.eval) {
        snprintf(err, errlen, "bench: out of memory");
        goto cleanup;
    }
    if (adam_init(&opt, m->n_params, err, errlen)) goto cleanup;
    opt.threads = layers_threads(); /* the kernels' count (--threads) */
    rng r;
    rng_seed(&r, 42);
    for (size_t i = 0; i < img * cap; i++) x[i] = (float)rng_below(&r, 256);
    for (int i = 0; i < cap; i++) labels[i] = (int)rng_below(&r, (uint64_t)m->n_classes);
    bench_steps(m, &opt, x, labels, warmup, &t);
    print_summary(m, &t, out);
    print_layers(m, batch, steps, out);
    print_kernels(out, batch);
    rc = 0;
cleanup:
    adam_free(&opt);
    free(x);
    free(labels);
    free(t.train);
    free(t.eval);
    return rc;
}
