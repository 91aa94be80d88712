/* model: a CNN described by a libconfig model file (jobs/models/NAME.cfg), its parameters,
 * gradients and activations (one allocation each, carved into named pointers per layer),
 * and its forward and backward passes over a batch.
 *
 * Model file (every key is checked; unknown keys, wrong types and impossible shapes are
 * errors naming file:line and what was expected):
 *   name   = "paper";                                        # string
 *   input  = { channels = 3; height = 224; width = 224; };
 *   layers = ( { type = "conv"; out = 16; kernel = 3; relu = true; },  # kernel: 3 only
 *              { type = "maxpool"; size = 2; },                         # size: 2 only
 *              { type = "dense"; out = 512; relu = true; }, ... );       # relu default true
 *   train  = { steps = 100; batch = 288; lr = 0.001; decay_rate = 0.96; decay_steps = 10;
 *              staircase = true; beta1 = 0.9; beta2 = 0.999; epsilon = 1e-8; seed = 1; };
 * The last layer must be a dense layer without ReLU: its outputs are the class logits.
 * Layer names: conv<block>_<i> (block = 1 + maxpools before it), dense<j>: the weights file
 * uses them. Parameters per layer: weight then bias; conv weight (K,C,3,3), dense (O,I)
 * with I in (c,h,w) order of the flattened input, as PyTorch's nn.Flatten on NCHW.
 *
 * API
 *   model_load(m, path, err, n)         parse a model file (no big allocations yet)
 *   model_load_string(m, text, name, err, n)   the same from a string (tests)
 *   model_alloc(m, max_batch, err, n)   parameters, gradients, activations, scratch (for
 *                                       layers_threads() threads: set them first)
 *   model_init_params(m, seed)          Glorot-uniform weights, zero biases (TensorFlow's default)
 *   model_forward(m, x, N)              x (N, c, h, w), N <= max_batch; logits in m->logits
 *   model_loss(m, labels, N, &correct)  softmax + summed cross-entropy of the last forward
 *   model_backward(m, x, labels, N)     gradients of the MEAN loss into m->grads (overwritten)
 *   model_flops(m, &fwd, &train)        FLOPs per image (2 x MACs of conv/dense GEMMs)
 *   model_layer_flops(m, i, &fwd, &bwd) the same for layer i (bwd: dW, and dX unless i = 0)
 *   m->profile = 1                      forward/backward add per-layer wall seconds into
 *                                       m->t_fwd[i] / m->t_bwd[i] (bench's breakdown)
 *   model_free(m)                       frees everything; m zeroed
 */
#ifndef PB_MODEL_H
#define PB_MODEL_H
#include <stddef.h>
#include <stdint.h>

#define MODEL_MAX_LAYERS 64

typedef enum layer_kind { LAYER_CONV, LAYER_MAXPOOL, LAYER_DENSE } layer_kind;

typedef struct layer {
    layer_kind kind;         /* what it computes */
    char name[32];           /* conv1_1, dense1, pool1, ... */
    int relu;                /* fused ReLU after conv/dense */
    int in_c, in_h, in_w;    /* input shape of one image (dense: in_c = flattened size, h=w=1) */
    int out_c, out_h, out_w; /* output shape of one image */
    int line;                /* line in the model file (messages) */
    size_t n_w, n_b;         /* parameter counts (0 for maxpool) */
    size_t p_off;            /* offset of the weight in params/grads; bias follows */
    float *w, *b;            /* into params */
    float *dw, *db;          /* into grads */
    float *out;              /* activations (max_batch, out_c, out_h, out_w), into acts;
                                NULL for a conv fused with the max-pool after it (model.c) */
    unsigned char *arg;      /* maxpool: each window's maximum (layers.h), into pool_args */
} layer;

typedef struct train_settings {
    int steps;         /* optimizer steps */
    int batch;         /* images per step */
    double lr;         /* initial learning rate */
    double decay_rate; /* lr multiplier per decay_steps */
    int decay_steps;   /* steps per decay */
    int staircase;     /* floor(step / decay_steps) if non-zero, else continuous */
    double beta1;      /* Adam */
    double beta2;      /* Adam */
    double epsilon;    /* Adam */
    uint64_t seed;     /* initialisation and batch sampling */
} train_settings;

typedef struct model {
    char name[64];                  /* from the file */
    char path[512];                 /* the file (or "<string>") */
    int in_c, in_h, in_w;           /* input shape */
    int n_classes;                  /* outputs of the last layer */
    int n_layers;                   /* used entries of layers */
    layer layers[MODEL_MAX_LAYERS]; /* in order */
    train_settings train;           /* the file's train group, with defaults */
    size_t n_params;                /* total parameters */
    int max_batch;                  /* images the buffers hold (0 before model_alloc) */
    float *params;                  /* n_params, one allocation */
    float *grads;                   /* n_params, one allocation */
    float *acts;                    /* every layer's out, one allocation (64-byte aligned) */
    unsigned char *pool_args;       /* every maxpool's arg, one allocation */
    float *gbuf[2];                 /* ping-pong activation gradients, one allocation (64-byte
                                       aligned: max-pool backward streams into them) */
    float *col;                     /* im2col scratch: col_slices per-thread slices */
    int col_slices;                 /* = layers_threads() at model_alloc */
    float *logits;                  /* = last layer's out */
    float *probs;                   /* (max_batch, n_classes) */
    int profile;                    /* non-zero: passes add each layer's wall time below */
    double t_fwd[MODEL_MAX_LAYERS]; /* seconds in each layer's forward (profile) */
    double t_bwd[MODEL_MAX_LAYERS]; /* seconds in each layer's backward incl. its ReLU mask */
} model;

int model_load(model *m, const char *path, char *err, size_t errlen);
int model_load_string(model *m, const char *text, const char *name, char *err, size_t errlen);
int model_alloc(model *m, int max_batch, char *err, size_t errlen);
void model_init_params(model *m, uint64_t seed);
void model_forward(model *m, const float *x, int N);
double model_loss(model *m, const int *labels, int N, int *correct);
void model_backward(model *m, const float *x, const int *labels, int N);
void model_flops(const model *m, double *fwd, double *train);
void model_layer_flops(const model *m, int i, double *fwd, double *bwd);
/* The kernels each conv layer takes (layers_conv_plan: forward/weight grad/input grad), e.g.
 * "conv1 wino4/wino4/-, conv2 ...": what the result file records. */
void model_conv_plan(const model *m, char *buf, size_t n);
/* 1 if the first two convs and the max-pool after them run as one fused pass (the first
 * conv's output recomputed in the backward pass, never stored) */
int model_block_fused(const model *m);
void model_free(model *m);

#endif
