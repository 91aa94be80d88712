#include "cnn/image_codec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* No fused multiply-add contraction (GCC contracts by default in GNU C mode when the
 * target has FMA, e.g. -march=x86-64-v3): the float code here (resampling, the JPEG
 * encoder's DCT) then gives the same bytes on builds for any x86-64 level. */
#pragma GCC optimize("fp-contract=off")

/* The stb codecs, compiled here and only here (no other file may define
 * STB_IMAGE_IMPLEMENTATION or STB_IMAGE_WRITE_IMPLEMENTATION). They are third-party
 * code: their warnings are silenced for them alone. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wattributes"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wold-style-declaration"
/* stb_image 2.27's JPEG bit reader lets its bit count go negative on corrupt scan data
 * (progressive AC refinement) and then shifts by 32 or more (UBSan; found by fuzzing,
 * tests/fuzz/crashers/image/jpeg-prog-ac-shift-32). On x86 the shift count is masked, the
 * decoded pixels of that already corrupt file are garbage, and memory is not touched; the
 * function is renamed and marked no_sanitize("shift") the same way as the writer's below. */
#define stbi__grow_buffer_unsafe pb_stbi_grow_buffer_unsafe
static void pb_stbi_grow_buffer_unsafe() __attribute__((no_sanitize("shift")));
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_NO_STDIO /* files are read (and checked) by image_decode_file */
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_FAILURE_USERMSG
#define STBI_MAX_DIMENSIONS 65536
#include <stb_image.h>
#undef stbi__grow_buffer_unsafe
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
/* stb_image_write's JPEG bit writer shifts a signed int left past bit 31 (harmless with
 * GCC, which defines it, but -fsanitize=undefined aborts on it): that one function is
 * renamed and declared beforehand with no_sanitize("shift"), an attribute the definition
 * inherits (an old-style declaration, as its parameter type is not declared yet). */
#define stbiw__jpg_writeBits pb_stbiw_jpg_write_bits
static void pb_stbiw_jpg_write_bits() __attribute__((no_sanitize("shift")));
#include <stb_image_write.h>
#undef stbiw__jpg_writeBits
#pragma GCC diagnostic pop

#define IMAGE_MAX_FILE_BYTES (512L * 1024 * 1024) /* a sane bound for one image file */

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks one DHT (define Huffman tables) segment's payload b[0..n): each table is a
 * class/id byte (class 0 or 1, id 0..3), 16 code counts, then as many symbols as the
 * counts sum to, at most 256. stb_image 2.27 trusts that sum and writes past its tables
 * when it is larger (fixed upstream in 2.28), so this check runs before it. 0 or -1 + err. */
static int check_jpeg_dht(const char *path, const uint8_t *b, size_t n, size_t at, unsigned *defined,
                          char *err, size_t errlen) {
    size_t pos = 0;
    while (pos < n) {
        if (n - pos < 17 || (b[pos] >> 4) > 1 || (b[pos] & 15) > 3) {
            snprintf(err, errlen, "%s: corrupt JPEG: bad Huffman table header at byte %zu", path, at + pos);
            return -1;
        }
        size_t symbols = 0;
        for (int i = 1; i <= 16; i++) symbols += b[pos + i];
        if (symbols > 256 || n - pos - 17 < symbols) {
            snprintf(err, errlen,
                     "%s: corrupt JPEG: Huffman table at byte %zu has %zu symbols; expected at most %s", path,
                     at + pos, symbols, symbols > 256 ? "256" : "what its segment holds");
            return -1;
        }
        *defined |= 1u << ((b[pos] >> 4) * 4 + (b[pos] & 15));
        pos += 17 + symbols;
    }
    return 0;
}

/* Checks one SOS (start of scan) header b[0..n): its length, and that every Huffman table
 * it uses was defined (bit class * 4 + id of defined) by a DHT before it. stb_image 2.27
 * leaves undefined tables uninitialised and indexes with their garbage (an out-of-bounds
 * read found by fuzzing; upstream 2.28 zeroes them). A DC table is used by a scan that
 * starts at coefficient 0 and is not a refinement (Ah = 0), an AC table by one that
 * reaches past coefficient 0. 0 or -1 + err. */
static int check_jpeg_sos(const char *path, const uint8_t *b, size_t n, size_t at, unsigned defined,
                          char *err, size_t errlen) {
    unsigned ns = n ? b[0] : 0;
    if (ns < 1 || ns > 4 || n != 4 + 2 * (size_t)ns) {
        snprintf(err, errlen, "%s: corrupt JPEG: scan header at byte %zu of %zu bytes for %u components",
                 path, at, n, ns);
        return -1;
    }
    unsigned ss = b[1 + 2 * ns], se = b[2 + 2 * ns], ah = b[3 + 2 * ns] >> 4;
    for (unsigned i = 0; i < ns; i++) {
        unsigned td = b[2 + 2 * i] >> 4, ta = b[2 + 2 * i] & 15;
        int need_dc = ss == 0 && ah == 0, need_ac = se > 0;
        if ((need_dc && (td > 3 || !(defined & 1u << td))) ||
            (need_ac && (ta > 3 || !(defined & 1u << (4 + ta))))) {
            snprintf(err, errlen,
                     "%s: corrupt JPEG: the scan at byte %zu uses Huffman table %s%u, which no table "
                     "definition (DHT) before it defines",
                     path, at, need_dc && (td > 3 || !(defined & 1u << td)) ? "DC " : "AC ",
                     need_dc && (td > 3 || !(defined & 1u << td)) ? td : ta);
            return -1;
        }
    }
    return 0;
}

/* The frame layout a JPEG's SOF segment declares. */
typedef struct jpeg_frame {
    int seen;      /* a frame header (SOF) was read */
    unsigned w, h; /* pixels */
    size_t blocks; /* 8x8 blocks of every component (each is subsampled by its factors) */
} jpeg_frame;

/* Checks the SOF segment s (len bytes from its length field, at byte pos) and reads its layout
 * into f. 0 or -1 + err. */
static int check_jpeg_sof(const char *path, const uint8_t *s, size_t len, jpeg_frame *f, char *err,
                          size_t errlen) {
    if (len < 8) {
        snprintf(err, errlen, "%s: corrupt JPEG: frame header too short", path);
        return -1;
    }
    unsigned hgt = (unsigned)s[3] << 8 | s[4], wid = (unsigned)s[5] << 8 | s[6];
    if (wid == 0 || hgt == 0) {
        snprintf(err, errlen, "%s: JPEG of %u x %u pixels; expected width and height > 0", path, wid, hgt);
        return -1;
    }
    unsigned ncomp = s[7], hmax = 1, vmax = 1;
    if (ncomp == 0 || len < 8 + 3 * (size_t)ncomp) {
        snprintf(err, errlen, "%s: corrupt JPEG: frame header of %zu bytes for %u components", path, len,
                 ncomp);
        return -1;
    }
    for (unsigned i = 0; i < ncomp; i++) {
        unsigned hs = s[9 + 3 * i] >> 4, vs = s[9 + 3 * i] & 15;
        if (hs < 1 || hs > 4 || vs < 1 || vs > 4) {
            snprintf(err, errlen,
                     "%s: corrupt JPEG: component %u has sampling factors %u x %u; "
                     "expected 1..4",
                     path, i + 1, hs, vs);
            return -1;
        }
        hmax = hs > hmax ? hs : hmax;
        vmax = vs > vmax ? vs : vmax;
    }
    f->blocks = 0;
    for (unsigned i = 0; i < ncomp; i++) {
        unsigned hs = s[9 + 3 * i] >> 4, vs = s[9 + 3 * i] & 15;
        size_t cw = ((size_t)wid * hs + hmax - 1) / hmax, ch = ((size_t)hgt * vs + vmax - 1) / vmax;
        f->blocks += (cw + 7) / 8 * ((ch + 7) / 8);
    }
    f->w = wid, f->h = hgt;
    f->seen = 1;
    return 0;
}

/* At the end-of-image marker: whether the frame and its scan data were there. 0 or -1 + err. */
static int check_jpeg_eoi(const char *path, const jpeg_frame *f, size_t scan_bytes, char *err,
                          size_t errlen) {
    if (!f->seen) {
        snprintf(err, errlen, "%s: corrupt JPEG: no frame header (SOF) before end of image", path);
        return -1;
    }
    /* Every 8x8 block's DC coefficient takes at least one bit of Huffman code, so
     * shorter scan data means a damaged file; stb_image would decode it anyway,
     * padding with zeros, after allocating and working through all those pixels. */
    if (scan_bytes < (f->blocks + 7) / 8) {
        snprintf(err, errlen,
                 "%s: corrupt JPEG: %zu bytes of compressed data cannot hold %u x %u pixels "
                 "(%zu blocks of 8x8 need at least %zu bytes)",
                 path, scan_bytes, f->w, f->h, f->blocks, (f->blocks + 7) / 8);
        return -1;
    }
    return 0;
}

/* The position of the next real marker after entropy-coded data starting at pos (n - 1 or
 * more when the file ends first). */
static size_t skip_jpeg_scan(const uint8_t *b, size_t n, size_t pos) {
    while (pos + 1 < n) {
        if (b[pos] == 0xFF && b[pos + 1] != 0x00 && b[pos + 1] != 0xFF &&
            !(b[pos + 1] >= 0xD0 && b[pos + 1] <= 0xD7))
            break;
        pos++;
    }
    return pos;
}

/* Walks a JPEG's marker segments and entropy-coded data up to the end-of-image marker.
 * stb_image decodes a truncated JPEG without complaint (it pads with zeros), so this is
 * what turns a half-copied file into an error. 0 or -1 + err. */
static int check_jpeg(const char *path, const uint8_t *b, size_t n, char *err, size_t errlen) {
    size_t pos = 2, scan_bytes = 0;
    unsigned tables = 0; /* Huffman tables defined so far */
    jpeg_frame frame = {0, 0, 0, 0};
    for (;;) {
        if (pos >= n) break;
        if (b[pos] != 0xFF) {
            snprintf(err, errlen, "%s: corrupt JPEG: expected a marker at byte %zu, found 0x%02x", path, pos,
                     b[pos]);
            return -1;
        }
        while (pos < n && b[pos] == 0xFF) pos++; /* fill bytes */
        if (pos >= n) break;
        uint8_t m = b[pos++];
        if (m == 0xD9) return check_jpeg_eoi(path, &frame, scan_bytes, err, errlen); /* EOI */
        if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;                         /* standalone markers */
        if (pos + 2 > n) break;
        size_t len = (size_t)b[pos] << 8 | b[pos + 1];
        if (len < 2) {
            snprintf(err, errlen, "%s: corrupt JPEG: segment 0x%02x at byte %zu has length %zu", path, m, pos,
                     len);
            return -1;
        }
        if (pos + len > n) break;
        if (m == 0xC4 && check_jpeg_dht(path, b + pos + 2, len - 2, pos + 2, &tables, err, errlen)) return -1;
        if (m == 0xDA && frame.seen &&
            check_jpeg_sos(path, b + pos + 2, len - 2, pos + 2, tables, err, errlen))
            return -1;
        int is_sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (is_sof && check_jpeg_sof(path, b + pos, len, &frame, err, errlen)) return -1;
        pos += len;
        if (m == 0xDA) { /* start of scan: entropy-coded data runs to the next real marker */
            if (!frame.seen) {
                snprintf(err, errlen, "%s: corrupt JPEG: scan before the frame header (SOF)", path);
                return -1;
            }
            size_t scan_start = pos;
            pos = skip_jpeg_scan(b, n, pos);
            scan_bytes += pos - scan_start;
            if (pos + 1 >= n) break;
        }
    }
    snprintf(err, errlen,
             "%s: truncated JPEG: the file (%zu bytes) ends before its end-of-image marker; expected a whole "
             "JPEG file (a copy cut short?)",
             path, n);
    return -1;
}

/* Walks a PNG's chunks (lengths and CRCs) up to IEND. 0 or -1 + err. */
static int check_png(const char *path, const uint8_t *b, size_t n, char *err, size_t errlen) {
    size_t pos = 8;
    int first = 1;
    while (pos + 12 <= n) {
        uint32_t len = be32(b + pos);
        const uint8_t *type = b + pos + 4;
        char name[5] = {0};
        for (int i = 0; i < 4; i++) name[i] = (type[i] >= 32 && type[i] < 127) ? (char)type[i] : '?';
        if (len > 0x7FFFFFFFu || pos + 12 + (size_t)len > n) {
            snprintf(err, errlen,
                     "%s: truncated PNG: chunk \"%s\" at byte %zu needs %u bytes, the file has %zu", path,
                     name, pos, len, n - pos - 12);
            return -1;
        }
        uint32_t crc = (uint32_t)crc32(0L, type, (uInt)len + 4);
        if (crc != be32(b + pos + 8 + len)) {
            snprintf(err, errlen, "%s: corrupt PNG: CRC mismatch in chunk \"%s\" at byte %zu", path, name,
                     pos);
            return -1;
        }
        if (first) {
            if (memcmp(type, "IHDR", 4) != 0 || len != 13) {
                snprintf(err, errlen, "%s: corrupt PNG: expected the IHDR chunk first, found \"%s\"", path,
                         name);
                return -1;
            }
            uint32_t wid = be32(b + pos + 8), hgt = be32(b + pos + 12);
            if (wid == 0 || hgt == 0) {
                snprintf(err, errlen, "%s: PNG of %u x %u pixels; expected width and height > 0", path, wid,
                         hgt);
                return -1;
            }
            first = 0;
        }
        if (memcmp(type, "IEND", 4) == 0) return 0;
        pos += 12 + (size_t)len;
    }
    snprintf(err, errlen,
             "%s: truncated PNG: the file (%zu bytes) ends before its IEND chunk; expected a whole PNG file "
             "(a copy cut short?)",
             path, n);
    return -1;
}

/* Reads a whole regular file into a malloc'ed buffer. 0 or -1 + err. */
static int read_file(const char *path, uint8_t **out, size_t *nout, char *err, size_t errlen) {
    *out = NULL;
    *nout = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s; expected a readable JPEG or PNG image", path,
                 strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file; expected a JPEG or PNG image", path);
        fclose(f);
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file (0 bytes); expected a JPEG or PNG image", path);
        fclose(f);
        return -1;
    }
    if (st.st_size > IMAGE_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: %lld bytes; expected an image file of at most %ld bytes", path,
                 (long long)st.st_size, IMAGE_MAX_FILE_BYTES);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory reading %zu bytes", path, n);
        fclose(f);
        return -1;
    }
    size_t got = fread(buf, 1, n, f);
    int rerr = ferror(f);
    fclose(f);
    if (got != n || rerr) {
        snprintf(err, errlen, "%s: read %zu of %zu bytes%s", path, got, n, rerr ? ": read error" : "");
        free(buf);
        return -1;
    }
    *out = buf;
    *nout = n;
    return 0;
}

int image_decode_file(const char *path, image *img, char *err, size_t errlen) {
    memset(img, 0, sizeof *img);
    uint8_t *buf;
    size_t n;
    if (read_file(path, &buf, &n, err, errlen)) return -1;
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    int rc = -1;
    if (n >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF) {
        rc = check_jpeg(path, buf, n, err, errlen);
    } else if (n >= 8 && memcmp(buf, png_sig, 8) == 0) {
        rc = check_png(path, buf, n, err, errlen);
    } else {
        snprintf(err, errlen,
                 "%s: not a JPEG or PNG image (first bytes %02x %02x %02x %02x); expected JPEG (ff d8 ff) "
                 "or PNG (89 50 4e 47) content",
                 path, buf[0], n > 1 ? buf[1] : 0, n > 2 ? buf[2] : 0, n > 3 ? buf[3] : 0);
    }
    if (rc) goto done;
    rc = -1;
    if (n > INT32_MAX) {
        snprintf(err, errlen, "%s: file too large", path);
        goto done;
    }
    int w, h, c;
    if (!stbi_info_from_memory(buf, (int)n, &w, &h, &c)) {
        snprintf(err, errlen, "%s: cannot read the image header: %s", path, stbi_failure_reason());
        goto done;
    }
    if (w <= 0 || h <= 0 || (long)w * h > IMAGE_MAX_PIXELS) {
        snprintf(err, errlen,
                 "%s: image of %d x %d pixels; expected width and height > 0 and at most %ld pixels", path, w,
                 h, IMAGE_MAX_PIXELS);
        goto done;
    }
    img->pixels = stbi_load_from_memory(buf, (int)n, &img->w, &img->h, &img->c, 0);
    if (!img->pixels) {
        snprintf(err, errlen, "%s: cannot decode: %s", path, stbi_failure_reason());
        memset(img, 0, sizeof *img);
        goto done;
    }
    if (img->c < 1 || img->c > 4) {
        snprintf(err, errlen, "%s: %d channels; expected 1 to 4", path, img->c);
        image_free(img);
        goto done;
    }
    rc = 0;
done:
    free(buf);
    return rc;
}

void image_free(image *img) {
    if (img->pixels) stbi_image_free(img->pixels);
    memset(img, 0, sizeof *img);
}

void image_convert_channels(const uint8_t *src, size_t n, int sc, uint8_t *dst, int dc) {
    for (size_t i = 0; i < n; i++) {
        const uint8_t *s = src + i * (size_t)sc;
        uint8_t *d = dst + i * (size_t)dc;
        int colour = sc >= 3;
        if (dc == 1) {
            /* BT.601 luma in fixed point (weights sum to 1 << 16), as PIL's "L" mode */
            d[0] = colour ? (uint8_t)((19595u * s[0] + 38470u * s[1] + 7471u * s[2] + 32768u) >> 16) : s[0];
        } else {
            d[0] = s[0];
            d[1] = colour ? s[1] : s[0];
            d[2] = colour ? s[2] : s[0];
        }
    }
}

/* Per output index along one axis: the first input index, how many follow, and their
 * weights (taps of them per output, zero-padded). */
typedef struct axis_weights {
    int *first; /* (out,) first contributing input index */
    int *count; /* (out,) number of contributing inputs */
    float *w;   /* (out, taps) weights, summing to 1 per output */
    int taps;   /* maximum contributing inputs per output */
} axis_weights;

static void axis_free(axis_weights *a) {
    free(a->first);
    free(a->count);
    free(a->w);
}

/* Area averaging when shrinking (each output averages the input span it covers, with
 * fractional coverage at the edges), bilinear when enlarging (centres aligned: input
 * x = (i + 0.5) * in / out - 0.5, clamped at the borders). */
static int axis_init(axis_weights *a, int in, int out) {
    double s = (double)in / out;
    a->taps = in > out ? (int)ceil(s) + 1 : 2;
    a->first = malloc(sizeof(int) * (size_t)out);
    a->count = malloc(sizeof(int) * (size_t)out);
    a->w = calloc((size_t)out * (size_t)a->taps, sizeof(float));
    if (!a->first || !a->count || !a->w) {
        axis_free(a);
        return -1;
    }
    for (int i = 0; i < out; i++) {
        float *w = a->w + (size_t)i * a->taps;
        if (in > out) {
            double lo = i * s, hi = (i + 1) * s;
            int j0 = (int)floor(lo), j1 = (int)ceil(hi);
            if (j1 > in) j1 = in;
            int k = 0;
            for (int j = j0; j < j1 && k < a->taps; j++) {
                double ov = fmin(hi, j + 1.0) - fmax(lo, (double)j);
                w[k++] = (float)(ov / s);
            }
            a->first[i] = j0;
            a->count[i] = k;
        } else {
            double x = (i + 0.5) * s - 0.5;
            if (x < 0) x = 0;
            if (x > in - 1) x = in - 1;
            int j0 = (int)floor(x);
            double f = x - j0;
            a->first[i] = j0;
            if (j0 + 1 < in && f > 0) {
                a->count[i] = 2;
                w[0] = (float)(1.0 - f);
                w[1] = (float)f;
            } else {
                a->count[i] = 1;
                w[0] = 1.0f;
            }
        }
    }
    return 0;
}

int image_resize(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh) {
    if (sw == dw && sh == dh) {
        memcpy(dst, src, (size_t)sw * sh * c);
        return 0;
    }
    axis_weights ax = {0}, ay = {0};
    float *tmp = malloc(sizeof(float) * (size_t)sh * dw * c); /* (sh, dw, c) after the horizontal pass */
    if (!tmp || axis_init(&ax, sw, dw) || axis_init(&ay, sh, dh)) {
        free(tmp);
        axis_free(&ax);
        axis_free(&ay);
        return -1;
    }
    for (int y = 0; y < sh; y++) {
        const uint8_t *row = src + (size_t)y * sw * c;
        float *trow = tmp + (size_t)y * dw * c;
        for (int x = 0; x < dw; x++) {
            const float *w = ax.w + (size_t)x * ax.taps;
            for (int ch = 0; ch < c; ch++) {
                float acc = 0;
                for (int k = 0; k < ax.count[x]; k++) acc += w[k] * row[(size_t)(ax.first[x] + k) * c + ch];
                trow[(size_t)x * c + ch] = acc;
            }
        }
    }
    size_t rowlen = (size_t)dw * c;
    for (int y = 0; y < dh; y++) {
        const float *w = ay.w + (size_t)y * ay.taps;
        uint8_t *drow = dst + (size_t)y * rowlen;
        for (size_t i = 0; i < rowlen; i++) {
            float acc = 0;
            for (int k = 0; k < ay.count[y]; k++) acc += w[k] * tmp[(size_t)(ay.first[y] + k) * rowlen + i];
            int v = (int)(acc + 0.5f);
            drow[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    free(tmp);
    axis_free(&ax);
    axis_free(&ay);
    return 0;
}

typedef struct file_sink {
    FILE *f;   /* destination */
    int error; /* set when a write came up short */
} file_sink;

static void sink_write(void *ctx, void *data, int size) {
    file_sink *s = ctx;
    if (size > 0 && fwrite(data, 1, (size_t)size, s->f) != (size_t)size) s->error = 1;
}

/* kind 'j': JPEG, 'p': PNG */
static int write_image(const char *path, char kind, int w, int h, int c, const uint8_t *px, int quality,
                       char *err, size_t errlen) {
    if (w <= 0 || h <= 0 || c < 1 || c > 4 || (kind == 'j' && c == 2)) {
        snprintf(err, errlen, "%s: cannot write a %d x %d x %d image", path, w, h, c);
        return -1;
    }
    file_sink s = {fopen(path, "wb"), 0};
    if (!s.f) {
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    int ok = kind == 'j' ? stbi_write_jpg_to_func(sink_write, &s, w, h, c, px, quality)
                         : stbi_write_png_to_func(sink_write, &s, w, h, c, px, w * c);
    int cerr = fclose(s.f);
    if (!ok || s.error || cerr) {
        snprintf(err, errlen, "%s: write failed%s", path, s.error || cerr ? ": disk full or I/O error" : "");
        remove(path);
        return -1;
    }
    return 0;
}

int image_write_jpeg(const char *path, int w, int h, int c, const uint8_t *px, int quality, char *err,
                     size_t errlen) {
    return write_image(path, 'j', w, h, c, px, quality, err, errlen);
}

int image_write_png(const char *path, int w, int h, int c, const uint8_t *px, char *err, size_t errlen) {
    return write_image(path, 'p', w, h, c, px, 0, err, errlen);
}
