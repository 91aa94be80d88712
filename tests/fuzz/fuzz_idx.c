/* Fuzz target: the IDX reader (src/cnn/idx_reader.c), plain or gzipped. The number of
 * dimensions asked for is the one the magic claims (1..4; else 1, to test the refusal),
 * read in full and capped at 3 items. */
#include "fuzz.h"
#include "cnn/idx_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size);
    int ndims = size >= 4 && data[3] >= 1 && data[3] <= IDX_MAX_DIMS ? data[3] : 1;
    char err[512];
    for (uint32_t cap = 0; cap <= 3; cap += 3) {
        idx_array a;
        if (idx_read(path, ndims, cap, &a, err, sizeof err) == 0) {
            size_t item = 1;
            for (int i = 1; i < a.ndims; i++) item *= a.dims[i];
            if (a.n_bytes != item * a.n_read || (cap && a.n_read > cap)) abort();
            volatile uint8_t sum = 0;
            for (size_t i = 0; i < a.n_bytes; i++) sum += a.data[i]; /* every byte is there */
            (void)sum;
            idx_free(&a);
        } else if (a.data) {
            abort();
        }
    }
    return 0;
}
