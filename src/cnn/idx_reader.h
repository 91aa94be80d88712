/* idx_reader: reads IDX files (the MNIST / Fashion-MNIST container: a big-endian magic
 * 0x0000 TT DD with element type TT and DD dimensions, DD big-endian uint32 sizes, then
 * the data), plain or gzipped (detected by zlib), unsigned-byte elements only.
 *
 *   idx_find(dir, base, out, outlen)             out = dir/base, else dir/base.gz; 0 if
 *                                                one exists, -1 otherwise
 *   idx_read(path, ndims, max_items, &arr, err, errlen)
 *                                                file -> arr: all items (max_items 0) or the
 *                                                first max_items; checks the magic, the number
 *                                                of dimensions and that the items read are
 *                                                complete (messages name the file)
 *   idx_free(&arr)                               frees arr's data, zeroes it
 */
#ifndef PB_IDX_READER_H
#define PB_IDX_READER_H
#include <stddef.h>
#include <stdint.h>

#define IDX_MAX_DIMS 4

typedef struct idx_array {
    int ndims;                   /* number of dimensions */
    uint32_t dims[IDX_MAX_DIMS]; /* size of each dimension, dims[0] = number of items */
    uint32_t n_read;             /* items read into data: dims[0], or fewer when capped */
    size_t n_bytes;              /* bytes in data: n_read times the size of one item */
    uint8_t *data;               /* row-major elements; owned, free with idx_free() */
} idx_array;

int idx_find(const char *dir, const char *base, char *out, size_t outlen);
int idx_read(const char *path, int ndims, uint32_t max_items, idx_array *arr, char *err, size_t errlen);
void idx_free(idx_array *arr);

#endif
