/* Fuzz target: the model-file parser (src/cnn/model.c, libconfig). A model that parses
 * and is small (forward FLOPs bound every buffer) is also allocated and run forward and
 * backward on one zero image, so impossible shapes that slip through are caught. */
#include "fuzz.h"
#include "cnn/model.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_string(data, size);
    model m;
    char err[1024];
    if (model_load_string(&m, text, "fuzz.cfg", err, sizeof err) == 0) {
        if (m.n_layers < 1 || m.n_layers > MODEL_MAX_LAYERS || m.n_classes < 2) abort();
        double fwd, train;
        model_flops(&m, &fwd, &train);
        if (!(fwd > 0) || !(train >= fwd)) abort();
        size_t in = (size_t)m.in_c * m.in_h * m.in_w;
        if (fwd < 4e6 && in < (1u << 20) && model_alloc(&m, 1, err, sizeof err) == 0) {
            float *x = calloc(in, sizeof(float));
            if (!x) abort();
            int label = 1;
            model_init_params(&m, 1);
            model_forward(&m, x, 1);
            double loss = model_loss(&m, &label, 1, NULL);
            if (!isfinite(loss)) abort();
            model_backward(&m, x, &label, 1);
            free(x);
        }
        model_free(&m);
    }
    free(text);
    return 0;
}
