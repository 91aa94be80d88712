/* test_model_fixture: the network's forward output, loss, gradients and one Adam step for a
 * fixed input and fixed weights against reference tensors computed by PyTorch
 * (make_fixture.py -> fixture.bin). usage: test_model_fixture fixture.cfg fixture.bin
 * Non-zero exit on any mismatch. */
#include "cnn/model.h"
#include "cnn/optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static int read_exact(FILE *f, void *p, size_t n) { return fread(p, 1, n, f) == n ? 0 : -1; }

/* max |a-b| relative to max |b|; fails above tol */
static void compare(const char *what, const float *a, const float *b, size_t n, double tol) {
    double md = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > md || isnan(d)) md = isnan(d) ? INFINITY : d;
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    double rel = md / (mb > 0 ? mb : 1);
    int ok = rel <= tol;
    printf("%-28s n=%-5zu max|diff| %.3g  max|ref| %.3g  rel %.3g  %s\n", what, n, md, mb, rel,
           ok ? "ok" : "MISMATCH");
    if (!ok) failures++;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s fixture.cfg fixture.bin\n", argv[0]);
        return 2;
    }
    char err[1024], magic[8];
    model m;
    if (model_load(&m, argv[1], err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", argv[2]);
        return 1;
    }
    int32_t hdr[7];
    if (read_exact(f, magic, 8) || memcmp(magic, "PBCNNFX1", 8) || read_exact(f, hdr, sizeof hdr) ||
        hdr[0] != 1) {
        fprintf(stderr, "%s: not a version-1 fixture (magic PBCNNFX1)\n", argv[2]);
        return 1;
    }
    int N = hdr[1], C = hdr[2], H = hdr[3], W = hdr[4], K = hdr[5], P = hdr[6];
    if (C != m.in_c || H != m.in_h || W != m.in_w || K != m.n_classes || (size_t)P != m.n_params) {
        fprintf(stderr, "fixture %dx%dx%d K=%d P=%d does not match the model %dx%dx%d K=%d P=%zu\n", C, H, W,
                K, P, m.in_c, m.in_h, m.in_w, m.n_classes, m.n_params);
        return 1;
    }
    size_t nx = (size_t)N * C * H * W;
    float *x = malloc(sizeof(float) * nx), *p0 = malloc(sizeof(float) * P),
          *logits = malloc(sizeof(float) * N * K), *grads = malloc(sizeof(float) * P),
          *after = malloc(sizeof(float) * P), loss_ref;
    int *labels = malloc(sizeof(int) * N);
    if (!x || !p0 || !logits || !grads || !after || !labels) return 1;
    if (read_exact(f, x, sizeof(float) * nx) || read_exact(f, labels, sizeof(int) * N) ||
        read_exact(f, p0, sizeof(float) * P) || read_exact(f, logits, sizeof(float) * N * K) ||
        read_exact(f, &loss_ref, sizeof loss_ref) || read_exact(f, grads, sizeof(float) * P) ||
        read_exact(f, after, sizeof(float) * P)) {
        fprintf(stderr, "%s: truncated\n", argv[2]);
        return 1;
    }
    fclose(f);

    if (model_alloc(&m, N, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    memcpy(m.params, p0, sizeof(float) * P);
    model_forward(&m, x, N);
    compare("logits", m.logits, logits, (size_t)N * K, 1e-5);
    float loss = (float)(model_loss(&m, labels, N, NULL) / N);
    compare("loss", &loss, &loss_ref, 1, 1e-5);
    model_backward(&m, x, labels, N);
    for (int i = 0; i < m.n_layers; i++) {
        layer *l = &m.layers[i];
        if (!l->n_w) continue;
        char what[64];
        snprintf(what, sizeof what, "grad %s/weight", l->name);
        compare(what, l->dw, grads + l->p_off, l->n_w, 1e-4);
        snprintf(what, sizeof what, "grad %s/bias", l->name);
        compare(what, l->db, grads + l->p_off + l->n_w, l->n_b, 1e-4);
    }
    adam a;
    if (adam_init(&a, m.n_params, err, sizeof err)) return 1;
    adam_step(&a, m.params, m.grads, 1e-3, 0.9, 0.999, 1e-8);
    /* the step moves each parameter by about lr = 1e-3: compare the moves themselves */
    float *dm = malloc(sizeof(float) * P), *dr = malloc(sizeof(float) * P);
    if (!dm || !dr) return 1;
    for (int i = 0; i < P; i++) {
        dm[i] = m.params[i] - p0[i];
        dr[i] = after[i] - p0[i];
    }
    compare("adam step (param moves)", dm, dr, (size_t)P, 1e-3);
    adam_free(&a);
    model_free(&m);
    free(x), free(p0), free(logits), free(grads), free(after), free(labels), free(dm), free(dr);
    printf("%s\n", failures ? "FAILED" : "all match PyTorch");
    return failures ? 1 : 0;
}
