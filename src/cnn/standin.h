/* standin: writes the study's stand-in data set (the paper's images are not public)
 * from Fashion-MNIST, in the study's layout:
 *
 *   OUT/classes.txt                  face, body, hand, nothing (one per line)
 *   OUT/standin.txt                  provenance: seed, source files, class mapping
 *   OUT/{train,valid,test}/{1,2,3,4}/NNNN.jpg   (NNNN from 0001 within each class folder)
 *
 * Class mapping (four Fashion-MNIST classes of clearly different shapes):
 *   1 face    <- Bag      (label 8)
 *   2 body    <- Dress    (label 3)
 *   3 hand    <- Sandal   (label 5)
 *   4 nothing <- Trouser  (label 1)
 * Train images come from Fashion-MNIST's training file, valid and test from its t10k
 * file (per class: that class's items shuffled by the seed; valid takes the first, test
 * the next), so no source image is in two splits. Default sizes: 360 train per class
 * (1440), 45 valid (12, 11, 11, 11 for classes 1..4) and 45 test (11, 11, 11, 12).
 *
 * Each image is a 224 x 224 RGB JPEG (quality 90): a background of a random two-colour
 * gradient with per-pixel noise and 0..3 faint random rectangles, and the garment scaled
 * up (bilinear, 80..200 px tall, aspect jittered +-15%, mirrored half the time) at a
 * random place (up to a tenth of it may leave the canvas), tinted a random bright colour
 * and blended over the background with its intensity as opacity. Every image draws from
 * its own generator seeded from (seed, split, class, index), drawn in integer
 * arithmetic, so a seed gives the same files byte for byte whatever the number of
 * threads (images are written in parallel when built with OpenMP). The only float code,
 * the JPEG encoder's DCT, is compiled without FMA contraction (image_codec.c), so
 * optimisation level and x86-64 level do not change the bytes either (checked: -O0
 * and -O3 -march=x86-64-v3 builds give the same files).
 *
 * The folder is built as OUT.tmp-XXXXXX next to OUT and renamed to OUT when complete;
 * OUT must not exist (or be an empty folder). Missing parent folders are created.
 * Progress goes to stderr.
 *
 *   standin_default_spec()                                 the study's sizes
 *   standin_write(out, idx_dir, seed, &spec, err, errlen)  0 or -1 + err
 */
#ifndef PB_STANDIN_H
#define PB_STANDIN_H
#include <stddef.h>
#include <stdint.h>

typedef struct standin_spec {
    int train_per_class; /* training images per class (study: 360) */
    int valid;           /* validation images in all (study: 45) */
    int test;            /* test images in all (study: 45) */
    int size;            /* side of the square RGB images (study: 224) */
    int quality;         /* JPEG quality 1..100 (90) */
} standin_spec;

standin_spec standin_default_spec(void);
int standin_write(const char *out_dir, const char *idx_dir, uint64_t seed, const standin_spec *spec, char *err,
                  size_t errlen);

#endif
