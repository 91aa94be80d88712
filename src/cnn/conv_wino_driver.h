/* conv_wino_driver: the loops that F(2x2,3x3) (conv_winograd.c) and F(4x4,3x3)
 * (conv_wino4.c) share: the scratch layout, the blocking into whole tile rows, and the
 * forward and backward drivers (per block: transforms and alpha^2 GEMMs, through wino_gemm.h
 * where its kernel runs, else by cblas_sgemm).
 * A variant is a table of its constants and of function pointers to its own transforms,
 * which stay in its file; the drivers make the same GEMM calls in the same order as each
 * variant's own loops did, so the results do not depend on which file holds the loops.
 *
 * conv_winograd.h (conv_wino_f2) and conv_wino4.h (conv_wino4_table()) export their tables;
 * layers.c picks one per layer and calls the functions below with it.
 *
 * Scratch (floats from its start): U, dU and U packed (alpha^2 K C each), the blocks V, M
 * (= Gt in the backward pass) and dV (alpha^2 C P, K P, C P for P tiles per block), then the
 * transforms' row buffers (row_bufs (W/m + 1) + row_pad floats), input_grad_relu's
 * carried rows (2 C (W + 16)) and wino_gemm_grad's transposed rows of V (32 P).
 *
 * API
 *   conv_wino_driver_scratch(v, C, H, W, K)  floats of scratch for one thread (U, dU, blocks)
 *   conv_wino_driver_weights(v, buf, w, C, K, din)   U (alpha2, K, C) of w into buf's start
 *                                            (v->weights), then packed for wino_gemm where
 *                                            it packs: U's panels for the forward pass (din 0)
 *                                            or U^T's for the input gradient (din 1); once per
 *                                            thread and pass, before the driver below
 *   conv_wino_driver_forward(v, out, in, b, buf, N, C, H, W, K, relu)   out (N,K,H,W) from in
 *                                            (N,C,H,W), + bias b (K), ReLU if relu; buf: scratch
 *                                            prepared by conv_wino_driver_weights(..., 0)
 *   conv_wino_driver_forward_pool(v, pout, arg, in, b, buf, N, C, H, W, K, relu)   the same,
 *                                            max-pooled 2x2 into pout (N,K,H/2,W/2) and arg (as
 *                                            maxpool2x2_forward) by v->output_pool: the full
 *                                            output is never written
 *   conv_wino_driver_backward(v, din, dw, db, dout, in, buf, N, C, H, W, K)  dw (K,C,3,3) += the
 *                                            weight gradient of these N images, db (K, or NULL)
 *                                            += their bias gradient; din (N,C,H,W)
 *                                            overwritten with the input gradient, or NULL;
 *                                            dout (N,K,H,W) pre-activation gradient; buf
 *                                            prepared by conv_wino_driver_weights(..., 1)
 *                                            where din is wanted
 *   conv_wino_driver_backward_pool(v, din, dw, db, dpool, arg, relu, in, din_relu, buf, N, C, H, W, K)
 *                                            the same from the 2x2 max-pool's gradient dpool and
 *                                            arg (v->grad_pool): dout is never written; din_relu:
 *                                            din zeroed where in <= 0 (the input's own ReLU) by
 *                                            v->input_grad_relu, and din may then be `in` itself
 *   conv_sum_floats(v, n)                    the sum of v[0..n) in a fixed order (16 interleaved
 *                                            partial sums, added pairwise): the same bits for the
 *                                            same input; also layers.c's bias sums
 *
 * The bias gradient comes from the transformed gradient: A's second row is all ones (F(2x2)
 * and F(4x4) alike), so Gt at position (1,1) of a tile (alpha + 1, alpha = m + 2) is the sum
 * of its m x m output gradients, and the row sums of that one of the alpha^2 matrices give
 * db without reading dout again.
 */
#ifndef PB_CONV_WINO_DRIVER_H
#define PB_CONV_WINO_DRIVER_H
#include <stddef.h>

typedef struct wino_variant {
    int m;            /* output tile: m x m outputs from an (m+2) x (m+2) input patch */
    int alpha2;       /* (m+2)^2: transformed tile positions = GEMMs per block */
    int tiles;        /* tiles per block (rounded down to whole tile rows, at least one) */
    int tiles_narrow; /* the same where C and K are both <= 32 (a block's V, Gt and dV then
                       * stay in L2 at fewer tiles) */
    int row_bufs;     /* the transforms' row scratch: row_bufs rows of W/m + 1 floats */
    int row_pad;      /* ... plus this many floats */
    /* U (alpha2, K, C) = G w G^T for every (k, c) of w (K,C,3,3) */
    void (*weights)(float *U, const float *w, int C, int K);
    /* V (alpha2, C, P) from tile rows r0..r1 of in (N,C,H,W) */
    void (*input)(float *V, float *rows, const float *in, int C, int H, int W, int r0, int r1);
    /* out (N,K,H,W) tile rows r0..r1 from M (alpha2, K, P), + b (or NULL), ReLU if relu */
    void (*output)(float *out, const float *M, const float *b, float *rows, int K, int H, int W, int r0,
                   int r1, int relu);
    /* output's result max-pooled 2x2: pout (N,K,H/2,W/2), arg as maxpool2x2_forward's;
     * NULL where the variant has none (F(2x2), F(4x4)'s scalar loops) */
    void (*output_pool)(float *pout, unsigned char *arg, const float *M, const float *b, int K, int H, int W,
                        int r0, int r1, int relu);
    /* Gt (alpha2, K, P) from tile rows r0..r1 of dout (N,K,H,W) */
    void (*grad)(float *Gt, const float *dout, float *rows, int K, int H, int W, int r0, int r1);
    /* grad from the 2x2 max-pool's gradient dpool (N,K,H/2,W/2) and arg (ReLU-masked if
     * relu) instead of dout; NULL where output_pool is */
    void (*grad_pool)(float *Gt, const float *dpool, const unsigned char *arg, int K, int H, int W, int r0,
                      int r1, int relu);
    /* din (N,C,H,W) tile rows r0..r1 from dV (alpha2, C, P) */
    void (*input_grad)(float *din, const float *dV, float *rows, int C, int H, int W, int r0, int r1);
    /* the same, zeroed where mask (N,C,H,W) <= 0 (the input's ReLU); mask may be din itself:
     * din is written once per element, with its final value, the rows two tile rows share
     * waiting in carry (2 C (W + 16) floats, kept from block to block); NULL where the
     * variant has none (as output_pool) */
    void (*input_grad_relu)(float *din, const float *dV, float *rows, float *carry, const float *mask, int C,
                            int H, int W, int r0, int r1);
    /* dw (K,C,3,3) += G^T dU G from dU (alpha2, K, C) */
    void (*fold)(float *dw, const float *dU, int C, int K);
} wino_variant;

size_t conv_wino_driver_scratch(const wino_variant *v, int C, int H, int W, int K);
void conv_wino_driver_weights(const wino_variant *v, float *buf, const float *w, int C, int K, int din);
void conv_wino_driver_forward(const wino_variant *v, float *out, const float *in, const float *b, float *buf,
                              int N, int C, int H, int W, int K, int relu);
void conv_wino_driver_forward_pool(const wino_variant *v, float *pout, unsigned char *arg, const float *in,
                                   const float *b, float *buf, int N, int C, int H, int W, int K, int relu);
void conv_wino_driver_backward(const wino_variant *v, float *din, float *dw, float *db, const float *dout,
                               const float *in, float *buf, int N, int C, int H, int W, int K);
void conv_wino_driver_backward_pool(const wino_variant *v, float *din, float *dw, float *db,
                                    const float *dpool, const unsigned char *arg, int relu, const float *in,
                                    int din_relu, float *buf, int N, int C, int H, int W, int K);

float conv_sum_floats(const float *v, size_t n);

#endif
