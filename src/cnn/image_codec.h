/* image_codec: JPEG/PNG files <-> 8-bit pixels, channel conversion and resizing, for the
 * data sets (dataset.c, standin.c). The only place that includes the stb single-header
 * codecs (Debian libstb-dev), so their implementation is compiled exactly once.
 *
 * Pixels here are interleaved (h, w, c) uint8, the way codecs store them; dataset.c
 * transposes to the network's (c, h, w).
 *
 *   image_decode_file(path, &img, err, errlen)    JPEG or PNG (detected by content) -> img;
 *                                                 checks structure first, so truncated,
 *                                                 empty and non-image files are errors
 *   image_free(&img)                              frees img's pixels, zeroes it
 *   image_convert_channels(src, n, sc, dst, dc)   1/2/3/4 -> 1 or 3 channels: grey is
 *                                                 replicated, colour -> luminance
 *                                                 (BT.601 0.299 R + 0.587 G + 0.114 B),
 *                                                 alpha dropped
 *   image_resize(src, sw, sh, c, dst, dw, dh)     separable resampling, per axis: area
 *                                                 averaging when shrinking, bilinear
 *                                                 (pixel centres aligned) when enlarging,
 *                                                 copy when equal; rounds to nearest
 *   image_write_jpeg(path, w, h, c, px, quality, err, errlen)   baseline JPEG (c 1 or 3)
 *   image_write_png(path, w, h, c, px, err, errlen)             PNG (c 1..4)
 *
 * Limits: images larger than IMAGE_MAX_PIXELS are refused with a message.
 */
#ifndef PB_IMAGE_CODEC_H
#define PB_IMAGE_CODEC_H
#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_PIXELS (64L * 1024 * 1024) /* 64 Mpixel: 8192 x 8192 */

typedef struct image {
    int w, h;        /* width and height in pixels, > 0 */
    int c;           /* channels as stored in the file: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
    uint8_t *pixels; /* (h, w, c) interleaved; owned, free with image_free() */
} image;

int image_decode_file(const char *path, image *img, char *err, size_t errlen);
void image_free(image *img);
/* src is (n, sc) interleaved pixels, dst (n, dc); dc must be 1 or 3. */
void image_convert_channels(const uint8_t *src, size_t n, int sc, uint8_t *dst, int dc);
/* src is (sh, sw, c), dst (dh, dw, c). Returns 0, or -1 when out of memory. */
int image_resize(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh);
int image_write_jpeg(const char *path, int w, int h, int c, const uint8_t *px, int quality, char *err,
                     size_t errlen);
int image_write_png(const char *path, int w, int h, int c, const uint8_t *px, char *err, size_t errlen);

#endif
