/* train: the study's training loop on a loaded data set, with its metrics and time split.
 *
 * One step: draw `batch` training images at random (without replacement within the batch,
 * with the project's rng; with replacement only if batch > the training set), forward,
 * softmax cross-entropy, backward, Adam with the staircase-decayed rate; then the whole
 * validation set forward (inside the timed loop, as the study times it). After the loop:
 * the test set once. Bit-identical for the same seed, data and thread count.
 *
 * API
 *   train_run(m, ds, ts, progress, r, err, n)   ts: settings (steps, batch, ...); threads:
 *        layers_set_threads() before (the result is bit-identical for a given count);
 *        m is loaded (model_load), not yet allocated: train_run allocates it for the batch,
 *        initialises the parameters from ts->seed and trains; 0 or -1 + err.
 *        progress: 0 quiet, 1 a line on stderr (\r on a tty, else every ~10%)
 *   train_evaluate(m, split, x, labels, &loss, &acc)     mean loss and accuracy of a split,
 *        in chunks of m->max_batch (x: m->max_batch images of scratch, labels likewise)
 *   train_result_free(r)
 */
#ifndef PB_TRAIN_H
#define PB_TRAIN_H
#include "cnn/dataset.h"
#include "cnn/model.h"
#include "common/workload_contract.h"

/* the curves in the order of their names (wc_curve_names, common/workload_contract.h) */
enum {
    CURVE_TRAIN_LOSS,
    CURVE_TRAIN_ACC,
    CURVE_VAL_LOSS,
    CURVE_VAL_ACC,
    CURVE_LR,
    CURVE_ELAPSED,
    CURVE_COUNT
};
_Static_assert(CURVE_COUNT == WC_CURVE_COUNT, "one curve per contract name");

typedef struct train_result {
    int iterations;              /* optimizer steps done */
    int batch;                   /* images per step */
    double final_rate;           /* lr at global step = iterations (see optim.h) */
    double final_error;          /* loss of the last training batch */
    double train_acc;            /* accuracy of the last training batch */
    double val_loss;             /* last validation */
    double val_acc;              /* last validation */
    double test_loss;            /* after training */
    double test_acc;             /* after training */
    double training_time_s;      /* the timed loop: training steps + per-step validation */
    double train_compute_s;      /* forward/backward/update of the training steps */
    double eval_time_s;          /* validation (per step) + the test evaluation */
    double *curves[CURVE_COUNT]; /* each (iterations,); owned */
} train_result;

int train_run(model *m, const dataset *ds, const train_settings *ts, int progress, train_result *r, char *err,
              size_t errlen);
void train_evaluate(model *m, const dataset_split *s, float *x, int *labels, double *loss, double *acc);
void train_result_free(train_result *r);

#endif
