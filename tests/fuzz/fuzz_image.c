/* Fuzz target: the JPEG/PNG decoder (src/cnn/image_codec.c over stb_image) and what
 * dataset.c does with a decoded image: channel conversion and resizing (shrink and
 * enlarge) to a network's input. */
#include "fuzz.h"
#include "cnn/image_codec.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size);
    image img;
    char err[512];
    int rc = image_decode_file(path, &img, err, sizeof err);
    if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "image_decode_file: %d %s\n", rc, rc ? err : "");
    if (rc == 0) {
        if (img.w <= 0 || img.h <= 0 || img.c < 1 || img.c > 4 || !img.pixels) abort();
        size_t n = (size_t)img.w * img.h;
        for (int dc = 1; dc <= 3; dc += 2) {
            uint8_t *conv = malloc(n * dc);
            if (!conv) abort();
            image_convert_channels(img.pixels, n, img.c, conv, dc);
            static const int sizes[][2] = {{28, 28}, {3, 5}, {64, 48}};
            for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
                int dw = sizes[k][0], dh = sizes[k][1];
                uint8_t *out = malloc((size_t)dw * dh * dc);
                if (!out) abort();
                if (image_resize(conv, img.w, img.h, dc, out, dw, dh) != 0) abort();
                free(out);
            }
            free(conv);
        }
        image_free(&img);
    } else if (img.pixels) {
        abort(); /* a failed decode leaves nothing to free */
    }
    return 0;
}
