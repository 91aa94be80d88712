/* standin: writes the study's stand-in data set (the paper's images are not public)
 * from Fashion-MNIST, in the study's layout:
 *
 *   OUT/classes.txt                  face, body, hand, nothing (one per line)
 *   OUT/standin.txt                  manifest: "version = N" (STANDIN_VERSION), seed, sources,
 *                                    what each class shows
 *   OUT/{train,valid,test}/{1,2,3,4}/NNNN.jpg   (NNNN from 0001 within each class folder)
 *
 * Version 2 (version 1, before it, had no version line and was half learned by the study's
 * protocol: validation 0.71, test 0.87). Four visually distinct classes, like the study's
 * face/body/hand/nothing photos of one subject filling the frame:
 *   1 face    <- Bag      (label 8: a wide blob)
 *   2 body    <- Trouser  (label 1: tall, two legs)
 *   3 hand    <- Sneaker  (label 7: wide and low)
 *   4 nothing <- no garment: the background alone
 * Train images come from Fashion-MNIST's training file, valid and test from its t10k
 * file (per class: that class's items shuffled by the seed; valid takes the first, test
 * the next), so no source image is in two splits. Default sizes: 360 train per class
 * (1440), 45 valid (12, 11, 11, 11 for classes 1..4) and 45 test (11, 11, 11, 12).
 *
 * Each image is a 224 x 224 RGB JPEG (quality 90): a dark random two-colour gradient with
 * 0..2 faint random rectangles, the garment scaled up (bilinear, 157..201 px tall, aspect
 * jittered +-10%, mirrored half the time) near the centre (+-7% of the side), tinted a
 * random bright colour and blended over the background with its intensity as opacity,
 * then per-pixel noise (+-8). Every image draws from its own generator seeded from (seed,
 * split, class, index), drawn in integer arithmetic, so a seed gives the same files byte
 * for byte whatever the number of threads (images are written in parallel when built
 * with OpenMP). The only float code, the JPEG encoder's DCT, is compiled without FMA
 * contraction (image_codec.c), so optimisation level and x86-64 level do not change the
 * bytes either. Whoever changes what a seed draws bumps STANDIN_VERSION (tests/data pins
 * a hash of a small data set per version).
 *
 * The folder is built as OUT.tmp-XXXXXX next to OUT and renamed to OUT when complete;
 * OUT must not exist (or be an empty folder). Missing parent folders are created.
 * Progress goes to stderr.
 *
 *   standin_default_spec()                                 the study's sizes
 *   standin_write(out, idx_dir, seed, &spec, err, errlen)  0 or -1 + err
 *   standin_version(dir)                                   version of the stand-in in dir: 0 when
 *                                                          dir has no standin.txt (not a stand-in),
 *                                                          1 for the first (no version line), else N
 */
#ifndef PB_STANDIN_H
#define PB_STANDIN_H
#include <stddef.h>
#include <stdint.h>

#define STANDIN_VERSION 2 /* what standin_write draws; recorded in standin.txt */

typedef struct standin_spec {
    int train_per_class; /* training images per class (study: 360) */
    int valid;           /* validation images in all (study: 45) */
    int test;            /* test images in all (study: 45) */
    int size;            /* side of the square RGB images (study: 224) */
    int quality;         /* JPEG quality 1..100 (90) */
} standin_spec;

standin_spec standin_default_spec(void);
int standin_write(const char *out_dir, const char *idx_dir, uint64_t seed, const standin_spec *spec,
                  char *err, size_t errlen);
int standin_version(const char *dir);

#endif
