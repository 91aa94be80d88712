/* optim: Adam and the learning-rate schedule of the study.
 *
 * Adam is the standard bias-corrected form (Kingma & Ba, Algorithm 1), as PyTorch's
 * torch.optim.Adam computes it:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  t = step + 1
 *   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * TensorFlow 1's AdamOptimizer (the study's) folds the bias correction into the rate and
 * adds eps to sqrt(v) without correction ("epsilon hat"): p -= lr_t m / (sqrt(v) + eps) with
 * lr_t = lr sqrt(1-b2^t)/(1-b1^t). The two differ only by eps's scale (1e-8): negligible
 * unless gradients are ~1e-8. platbench uses the standard form.
 *
 * Schedule (TF's exponential_decay): lr(step) = lr0 * rate^(step / decay_steps), the exponent
 * floored when staircase. Step i (0-based) of a training uses lr(i). The "final rate" the
 * study reports (0.00066483 after 100 steps) is lr(iterations): the rate after the last step,
 * i.e. the one TF's decayed-rate tensor shows when global_step = iterations.
 *
 * API
 *   optim_lr(t, step)                the rate at global step `step`
 *   adam_init(a, n, err, errlen)     state for n parameters (zeroed, a->threads = 1); 0 or -1
 *   adam_step(a, params, grads, lr, b1, b2, eps)   one update; a->t counts the steps
 *   adam_free(a)
 */
#ifndef PB_OPTIM_H
#define PB_OPTIM_H
#include <stddef.h>

#include "cnn/model.h"

typedef struct adam {
    size_t n;    /* parameters */
    float *m;    /* first moment (n) */
    float *v;    /* second moment (n) */
    long t;      /* steps done */
    int threads; /* threads of adam_step (1 after adam_init; elementwise: the same bits for any) */
} adam;

double optim_lr(const train_settings *t, long step);
int adam_init(adam *a, size_t n, char *err, size_t errlen);
void adam_step(adam *a, float *params, const float *grads, double lr, double beta1, double beta2, double eps);
void adam_free(adam *a);

#endif
