/* layers: the numerical kernels of the CNN, fp32, NCHW, one fast version (im2col +
 * cblas_sgemm, fused bias + ReLU; for convs with few channels a direct AVX2 kernel,
 * conv_direct.h; for convs with many channels Winograd F(2x2,3x3), conv_winograd.h, or
 * F(4x4,3x3), conv_wino4.h) and one
 * naive reference version of each; the tests compare them and
 * check them against finite differences.
 *
 * Conventions (llm.c style): outputs first, inputs next, sizes last. N images,
 * C input channels, H x W spatial, K output channels (conv) or O outputs (dense).
 * Backward kernels take the gradient of the loss w.r.t. the layer's output and
 * OVERWRITE the gradients they produce (dw, db, din); din may be NULL (first layer).
 * ReLU is fused into the forward kernels (relu != 0); its backward is relu_backward(),
 * applied in place to the output gradient before the layer's backward.
 * Conv: forward = im2col(x) then one GEMM per image, bias + ReLU in one pass over the output;
 * backward: dw = GEMM(dout, im2col(x)^T), din = the 3x3 SAME conv of dout with the weights
 * transposed and flipped (im2col(dout) + GEMM, written straight into din: no col2im).
 *
 * API
 *   conv3x3_forward(out, in, w, b, col, ncol, N, C, H, W, K, relu)  3x3 SAME conv, stride 1
 *   conv3x3_backward(din, dw, db, dout, in, w, col, ncol, N, C, H, W, K)
 *   conv3x3_forward_naive / conv3x3_backward_naive                  direct loops, no scratch
 *   conv3x3_pool_forward(out, arg, in, w, b, col, ncol, N, C, H, W, K, relu)   conv then
 *                                  maxpool2x2_forward, fused: per thread, chunks of images
 *                                  whose conv output fits the slice (never the whole tensor)
 *   conv3x3_pool_backward(din, dw, db, dpool, arg, in, w, col, ncol, N, C, H, W, K, relu,
 *                         din_relu)  maxpool2x2_backward then conv3x3_backward, fused alike;
 *                                  din masked by the ReLU of the layer below if din_relu
 *                                  (relu_backward fused), and may be `in` itself (in place)
 *   conv_block_pool_forward/backward(...)   the first block (conv, conv, max-pool) fused: the
 *                                  first conv's output recomputed in the backward pass, never stored
 *   conv3x3_col_size(C, H, W, K)   floats of ONE thread's slice of the `col` scratch; col holds
 *                                  ncol slices and the kernels use min(threads, ncol, N) threads,
 *                                  each on a static block of images (single-threaded sgemm)
 *   maxpool2x2_forward(out, arg, in, N, C, H, W)                    2x2 window, stride 2, floor;
 *                                   arg (N,C,H/2,W/2) bytes or NULL: each window's first
 *                                   maximum in scan order, 0..3 (dy * 2 + dx), + 4 if <= 0
 *   maxpool2x2_backward(din, dout, in, arg, N, C, H, W, relu)       gradient to the first max,
 *                                   from arg (then `in` may be NULL) or found again in `in`;
 *                                   relu != 0: `in` is a ReLU's output and din is also masked
 *                                   by that ReLU (relu_backward fused: one pass, not three);
 *                                   din written in one pass (streaming stores when aligned)
 *   maxpool2x2_forward_naive / maxpool2x2_backward_naive
 *   dense_forward(out, in, w, b, N, C, O, relu)                     out = in w^T + b
 *   dense_backward(din, dw, db, dout, in, w, N, C, O)
 *   dense_forward_naive / dense_backward_naive
 *   relu_backward(d, y, n)          d[i] = 0 where y[i] <= 0 (y is the ReLU's output)
 *   softmax_xent_forward(probs, logits, labels, N, K)  -> summed loss (double); probs (N,K)
 *   softmax_xent_backward(dlogits, probs, labels, N, K) d = (p - onehot) / N (mean loss)
 *   layers_threads()                the current T
 *   layers_conv_units(N)            the units of work a conv pass of N images is split into:
 *                                   contiguous blocks of images the T threads take one at a
 *                                   time; partial weight gradients per unit, summed in unit
 *                                   order (results depend on N and T, not on timing)
 *   layers_set_slow_thread(t)       tests only: thread t of the conv passes sleeps 5 ms before
 *                                   each unit it takes, so the others take more units than
 *                                   they would (-1: none, the default); returns how many units
 *                                   the thread slowed until now took since the last call
 *   layers_conv() / layers_set_conv(mode)   which conv kernels run: LAYERS_CONV_AUTO (default:
 *                                   per layer and pass, the kernel that measured fastest
 *                                   (tests/cnn/bench_conv): Winograd F(2x2,3x3)
 *                                   (conv_winograd.h) for the forward pass from 32 input and
 *                                   output channels on at most 56x56 and for the gradients from
 *                                   16 input and 32 output channels; else the direct AVX-512/AVX2 kernels of
 *                                   conv_direct.c for layers with at most 64 channels on at
 *                                   least 56x56 (the weight gradient: at most 16; see
 *                                   direct_for() and wino_for() in layers.c); im2col + sgemm
 *                                   for the rest), _IM2COL (im2col + sgemm everywhere: the
 *                                   plain fp32 path, the reference), _DIRECT (direct wherever it
 *                                   applies: output channels % 4 == 0), _WINOGRAD (Winograd
 *                                   F(2x2,3x3) wherever it applies: even H and W), _WINOGRAD4
 *                                   (F(4x4,3x3), conv_wino4.h, where H and W are multiples of 4,
 *                                   else F(2x2,3x3) where even; auto takes F(4x4,3x3) for its
 *                                   Winograd layers with 32+ channels: wino4_for in layers.c),
 *                                   _NAIVE (the naive reference, single-threaded). The first call
 *                                   of layers_conv() or layers_set_threads() reads the environment
 *                                   variable PLATBENCH_CONV=auto|im2col|direct|winograd|
 *                                   winograd4|naive
 *                                   (an unknown value: a message on stderr, auto)
 *   layers_conv_name(mode) / layers_conv_parse(name)   mode <-> "auto", ...; parse: -1 if unknown
 *   layers_conv_plan(buf, n, C, H, W, K, has_din)   the kernels the current mode gives a layer:
 *                                   "forward/weight gradient/input gradient", each im2col,
 *                                   direct, wino2 (F(2x2,3x3)) or wino4 (F(4x4,3x3)); "-": no
 *                                   input gradient; "naive"
 *   layers_set_threads(T)           threads for the kernels (OpenMP; OpenBLAS is set to 1 thread
 *                                   and called from each of ours); results are
 *                                   bit-identical for a given T (static partitions, partial
 *                                   sums added in thread order), conv mode, CPU (AVX-512 or
 *                                   not) and OpenBLAS core type; between kernels and thread
 *                                   counts they differ by fp32 rounding only (tests: 1e-5 of
 *                                   the largest value; over 100 training steps the curves
 *                                   differ as much as the plain path's between 1 and 2
 *                                   threads, tests/cnn/test_curves.py)
 */
#ifndef PB_LAYERS_H
#define PB_LAYERS_H
#include <stddef.h>

void layers_set_threads(int threads);
int layers_threads(void);
int layers_conv_units(int N);
int layers_set_slow_thread(int t);

enum {
    LAYERS_CONV_AUTO,
    LAYERS_CONV_IM2COL,
    LAYERS_CONV_DIRECT,
    LAYERS_CONV_NAIVE,
    LAYERS_CONV_WINOGRAD,
    LAYERS_CONV_WINOGRAD4
};
int layers_conv(void);
void layers_set_conv(int mode);
const char *layers_conv_name(int mode);
int layers_conv_parse(const char *name);

size_t conv3x3_col_size(int C, int H, int W, int K);
void layers_conv_plan(char *buf, size_t n, int C, int H, int W, int K, int has_din);
/* out (N,K,H,W), in (N,C,H,W), w (K,C,3,3), b (K), col scratch ncol * conv3x3_col_size() */
void conv3x3_forward(float *out, const float *in, const float *w, const float *b, float *col, int ncol, int N,
                     int C, int H, int W, int K, int relu);
/* din (N,C,H,W) or NULL, dw (K,C,3,3), db (K), dout (N,K,H,W) (pre-activation gradient) */
void conv3x3_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                      float *col, int ncol, int N, int C, int H, int W, int K);
/* conv + 2x2 max-pool fused (the conv's output is never stored): out (N,K,H/2,W/2) and arg
 * as maxpool2x2_forward's of the conv's output */
void conv3x3_pool_forward(float *out, unsigned char *arg, const float *in, const float *w, const float *b,
                          float *col, int ncol, int N, int C, int H, int W, int K, int relu);
/* its backward: dpool (N,K,H/2,W/2) the pool's output gradient, arg the forward's; relu: the
 * conv's ReLU; din (N,C,H,W) or NULL, masked by in > 0 if din_relu (in is a ReLU's output),
 * and din may be in itself (overwritten chunk by chunk after its use) */
void conv3x3_pool_backward(float *din, float *dw, float *db, const float *dpool, const unsigned char *arg,
                           const float *in, const float *w, float *col, int ncol, int N, int C, int H, int W,
                           int K, int relu, int din_relu);
/* The first block fused: conv a (x (N,C0,H,W) -> C1 channels, ReLU), conv b (C1 -> C2,
 * ReLU if relu_b) and the 2x2 max-pool: out and arg as conv3x3_pool_forward's of conv b.
 * conv a's output is never stored: the backward pass recomputes it per chunk and yields
 * both layers' weight and bias gradients (x needs no gradient: the network's input).
 * col: ncol slices of conv_block_col_size() floats */
size_t conv_block_col_size(int C0, int H, int W, int C1, int C2);
void conv_block_pool_forward(float *out, unsigned char *arg, const float *x, const float *wa, const float *ba,
                             const float *wb, const float *bb, float *col, int ncol, int N, int C0, int H,
                             int W, int C1, int C2, int relu_b);
void conv_block_pool_backward(float *dwa, float *dba, float *dwb, float *dbb, const float *dpool,
                              const unsigned char *arg, const float *x, const float *wa, const float *ba,
                              const float *wb, float *col, int ncol, int N, int C0, int H, int W, int C1,
                              int C2, int relu_b);
void conv3x3_forward_naive(float *out, const float *in, const float *w, const float *b, int N, int C, int H,
                           int W, int K, int relu);
void conv3x3_backward_naive(float *din, float *dw, float *db, const float *dout, const float *in,
                            const float *w, int N, int C, int H, int W, int K);

/* out (N,C,H/2,W/2), arg (N,C,H/2,W/2) or NULL, in (N,C,H,W) */
void maxpool2x2_forward(float *out, unsigned char *arg, const float *in, int N, int C, int H, int W);
/* din (N,C,H,W), dout (N,C,H/2,W/2), in (N,C,H,W) the forward input, arg the forward's or NULL */
void maxpool2x2_backward(float *din, const float *dout, const float *in, const unsigned char *arg, int N,
                         int C, int H, int W, int relu);
void maxpool2x2_forward_naive(float *out, const float *in, int N, int C, int H, int W);
void maxpool2x2_backward_naive(float *din, const float *dout, const float *in, int N, int C, int H, int W);

/* out (N,O), in (N,C), w (O,C), b (O) */
void dense_forward(float *out, const float *in, const float *w, const float *b, int N, int C, int O,
                   int relu);
/* din (N,C) or NULL, dw (O,C), db (O), dout (N,O) (pre-activation gradient) */
void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                    int N, int I, int O);
void dense_forward_naive(float *out, const float *in, const float *w, const float *b, int N, int C, int O,
                         int relu);
void dense_backward_naive(float *din, float *dw, float *db, const float *dout, const float *in,
                          const float *w, int N, int I, int O);

void relu_backward(float *d, const float *y, size_t n);

/* probs (N,K), logits (N,K), labels (N) in 0..K-1; returns the SUM of the N losses */
double softmax_xent_forward(float *probs, const float *logits, const int *labels, int N, int K);
/* dlogits (N,K) = (probs - onehot(labels)) / N: the gradient of the MEAN loss */
void softmax_xent_backward(float *dlogits, const float *probs, const int *labels, int N, int K);

#endif
