/* test_optim: the learning-rate schedule is exactly lr0 * 0.96^floor(step/10) (the study's
 * staircase decay), the final rate after 100 steps is 0.00066483 (to 1e-8), and Adam matches
 * the bias-corrected update computed here in double over several steps. */
#include "cnn/optim.h"

#include <math.h>
#include <stdio.h>

int main(void) {
    int fail = 0;
    train_settings t = {.steps = 100,
                        .batch = 288,
                        .lr = 0.001,
                        .decay_rate = 0.96,
                        .decay_steps = 10,
                        .staircase = 1,
                        .beta1 = 0.9,
                        .beta2 = 0.999,
                        .epsilon = 1e-8,
                        .seed = 1};
    double rate = 0.001; /* independent: multiply by 0.96 at every 10th step */
    for (long s = 0; s <= 250; s++) {
        if (s > 0 && s % 10 == 0) rate *= 0.96;
        double got = optim_lr(&t, s);
        if (fabs(got - rate) > 1e-15) {
            printf("lr(step %ld) = %.17g, expected %.17g: FAIL\n", s, got, rate);
            fail = 1;
        }
    }
    double last = optim_lr(&t, 99), final = optim_lr(&t, 100);
    printf("lr(99) = %.10f (last step used), final rate lr(100) = %.10f\n", last, final);
    if (fabs(final - 0.00066483) > 1e-8 || fabs(last - 0.001 * pow(0.96, 9)) > 1e-15) {
        printf("final rate: FAIL (expected 0.00066483 and 0.001*0.96^9 for step 99)\n");
        fail = 1;
    }
    t.staircase = 0;
    if (fabs(optim_lr(&t, 15) - 0.001 * pow(0.96, 1.5)) > 1e-15) {
        printf("continuous decay: FAIL\n");
        fail = 1;
    }

    /* Adam over 5 steps on 4 parameters against a double-precision reference */
    char err[256];
    adam a;
    float p[4] = {0.5f, -1.0f, 2.0f, 0.0f};
    double ref[4] = {0.5, -1.0, 2.0, 0.0}, m[4] = {0}, v[4] = {0};
    if (adam_init(&a, 4, err, sizeof err)) return 1;
    for (int s = 1; s <= 5; s++) {
        float g[4] = {0.1f * s, -0.02f, 3.0f / s, (s % 2) ? 1e-3f : -1e-3f};
        double lr = 0.01;
        adam_step(&a, p, g, lr, 0.9, 0.999, 1e-8);
        for (int i = 0; i < 4; i++) {
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * (double)g[i] * g[i];
            double mh = m[i] / (1 - pow(0.9, s)), vh = v[i] / (1 - pow(0.999, s));
            ref[i] -= lr * mh / (sqrt(vh) + 1e-8);
        }
    }
    for (int i = 0; i < 4; i++) {
        printf("adam p[%d] = %.8f, reference %.8f\n", i, p[i], ref[i]);
        if (fabs(p[i] - ref[i]) > 1e-6) fail = 1;
    }
    if (a.t != 5) fail = 1;
    adam_free(&a);
    printf("%s\n", fail ? "FAILED" : "schedule and Adam ok");
    return fail;
}
