#include "cnn/idx_reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_MAX_BYTES ((size_t)1 << 32) /* 4 GiB: far above any MNIST-like file */

int idx_find(const char *dir, const char *base, char *out, size_t outlen) {
    static const char *const suffixes[] = {"", ".gz"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        int k = snprintf(out, outlen, "%s/%s%s", dir, base, suffixes[i]);
        if (k > 0 && (size_t)k < outlen && access(out, F_OK) == 0) return 0;
    }
    if (outlen) snprintf(out, outlen, "%s/%s", dir, base);
    return -1;
}

/* Reads exactly n bytes; returns how many were read (short at end of data), -1 on a
 * zlib/IO error (message in err). */
static long long gz_read_all(gzFile g, uint8_t *buf, size_t n, const char *path, char *err, size_t errlen) {
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
        int k = gzread(g, buf + got, (unsigned)want);
        if (k < 0) {
            int zerr;
            const char *msg = gzerror(g, &zerr);
            snprintf(err, errlen, "%s: read error: %s", path, zerr == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (k == 0) {
            int zerr;
            const char *msg = gzerror(g, &zerr);
            if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
                snprintf(err, errlen, "%s: read error: %s", path, msg);
                return -1;
            }
            break; /* end of data (Z_BUF_ERROR: a truncated gzip stream) */
        }
        got += (size_t)k;
    }
    return (long long)got;
}

int idx_read(const char *path, int ndims, uint32_t max_items, idx_array *arr, char *err, size_t errlen) {
    memset(arr, 0, sizeof *arr);
    if (ndims < 1 || ndims > IDX_MAX_DIMS) {
        snprintf(err, errlen, "%s: cannot read %d dimensions", path, ndims);
        return -1;
    }
    gzFile g = gzopen(path, "rb");
    if (!g) {
        snprintf(err, errlen, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
        return -1;
    }
    int rc = -1;
    uint8_t head[4 + 4 * IDX_MAX_DIMS];
    size_t head_len = 4 + 4 * (size_t)ndims;
    long long got = gz_read_all(g, head, head_len, path, err, errlen);
    if (got < 0) goto done;
    uint32_t want_magic = 0x0800u | (uint32_t)ndims;
    if (got < 4) {
        snprintf(err, errlen, "%s: %lld bytes; expected an IDX file starting with magic 0x%08x", path, got,
                 want_magic);
        goto done;
    }
    uint32_t magic = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
    if (magic != want_magic) {
        snprintf(err, errlen,
                 "%s: bad IDX magic 0x%08x; expected 0x%08x (unsigned bytes, %d dimension%s: %s)", path,
                 magic, want_magic, ndims, ndims > 1 ? "s" : "", ndims == 1 ? "labels" : "images");
        goto done;
    }
    if ((size_t)got < head_len) {
        snprintf(err, errlen, "%s: truncated IDX header: %lld of %zu bytes", path, got, head_len);
        goto done;
    }
    arr->ndims = ndims;
    size_t total = 1;
    for (int i = 0; i < ndims; i++) {
        const uint8_t *p = head + 4 + 4 * i;
        arr->dims[i] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (arr->dims[i] == 0) {
            snprintf(err, errlen, "%s: IDX dimension %d is 0; expected > 0", path, i);
            goto done;
        }
        total *= arr->dims[i];
        if (total > IDX_MAX_BYTES) {
            snprintf(err, errlen, "%s: IDX data of more than %zu bytes; expected an MNIST-sized file", path,
                     IDX_MAX_BYTES);
            goto done;
        }
    }
    arr->n_read = max_items && max_items < arr->dims[0] ? max_items : arr->dims[0];
    total = total / arr->dims[0] * arr->n_read;
    arr->n_bytes = total;
    /* The header's sizes are a claim: the buffer grows with the data actually read (1 MiB,
     * then doubling), so a short file claiming gigabytes costs no more than its size. */
    size_t have = 0, cap = 0;
    got = 0;
    while (have < total) {
        size_t want = cap ? (cap > total / 2 ? total : 2 * cap) : (total < (1u << 20) ? total : (1u << 20));
        uint8_t *grown = realloc(arr->data, want);
        if (!grown) {
            snprintf(err, errlen, "%s: out of memory for %zu bytes", path, want);
            goto done;
        }
        arr->data = grown;
        cap = want;
        got = gz_read_all(g, arr->data + have, cap - have, path, err, errlen);
        if (got < 0) goto done;
        have += (size_t)got;
        if (have < cap) break; /* end of data */
    }
    got = (long long)have;
    if ((size_t)got < total) {
        snprintf(err, errlen, "%s: truncated IDX data: %lld of %zu bytes after the header (%u items)", path,
                 got, total, arr->n_read);
        goto done;
    }
    rc = 0;
done:
    gzclose(g);
    if (rc) idx_free(arr);
    return rc;
}

void idx_free(idx_array *arr) {
    free(arr->data);
    memset(arr, 0, sizeof *arr);
}
