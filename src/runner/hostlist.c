/* hostlist: Slurm hostlist pattern matching (see hostlist.h for the syntax). */
#include "runner/hostlist.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { HOSTLIST_MAX_DIGITS = 18 }; /* fits unsigned long long with room to spare */

/* Writes "hostlist \"PATTERN\": character N: MESSAGE" into err (when given); returns -1. */
__attribute__((format(printf, 5, 6))) static int fail(char *err, size_t errlen, const char *pattern,
                                                      size_t pos, const char *fmt, ...) {
    if (!err || errlen == 0) return -1;
    int n = snprintf(err, errlen, "hostlist \"%s\": character %zu: ", pattern, pos + 1);
    if (n < 0 || (size_t)n >= errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_host_char(char c) { return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.'; }

/* Describes the character at s for an error message ("the end of the pattern" at NUL). */
static const char *what_is(const char *s, char *buf, size_t n) {
    if (*s == '\0')
        snprintf(buf, n, "the end of the pattern");
    else
        snprintf(buf, n, "'%c'", *s);
    return buf;
}

/* Reads a run of digits at *s into *value; returns the number of digits (0: none). On
 * success *s points past the run. Runs longer than HOSTLIST_MAX_DIGITS return -1. */
static int read_number(const char **s, unsigned long long *value) {
    const char *p = *s;
    unsigned long long v = 0;
    int n = 0;
    while (isdigit((unsigned char)*p)) {
        if (++n > HOSTLIST_MAX_DIGITS) return -1;
        v = v * 10 + (unsigned long long)(*p - '0');
        p++;
    }
    *s = p;
    *value = v;
    return n;
}

/* Validates the bracket whose '[' is at pattern[open]; on success *close is the index
 * of its ']'. */
static int check_bracket(const char *pattern, size_t open, size_t *close, char *err, size_t errlen) {
    const char *p = pattern + open + 1;
    char what[32];
    for (;;) {
        unsigned long long lo = 0, hi = 0;
        const char *at = p;
        int n = read_number(&p, &lo);
        if (n < 0)
            return fail(err, errlen, pattern, (size_t)(at - pattern), "number longer than %d digits",
                        HOSTLIST_MAX_DIGITS);
        if (n == 0)
            return fail(err, errlen, pattern, (size_t)(p - pattern),
                        "expected a digit (start of a range inside [...]) but found %s",
                        what_is(p, what, sizeof what));
        if (*p == '-') {
            p++;
            const char *hi_at = p;
            n = read_number(&p, &hi);
            if (n < 0)
                return fail(err, errlen, pattern, (size_t)(hi_at - pattern), "number longer than %d digits",
                            HOSTLIST_MAX_DIGITS);
            if (n == 0)
                return fail(err, errlen, pattern, (size_t)(p - pattern),
                            "expected a digit (end of the range %.*s) but found %s", (int)(p - at), at,
                            what_is(p, what, sizeof what));
            if (lo > hi)
                return fail(err, errlen, pattern, (size_t)(at - pattern),
                            "range %.*s is backwards; expected the lower bound first", (int)(p - at), at);
        }
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == ']') {
            *close = (size_t)(p - pattern);
            return 0;
        }
        return fail(err, errlen, pattern, (size_t)(p - pattern), "expected '-', ',' or ']' but found %s%s",
                    what_is(p, what, sizeof what), *p ? "" : " (unclosed '[')");
    }
}

int hostlist_validate(const char *pattern, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    if (!pattern) return fail(err, errlen, "(null)", 0, "no pattern given");
    size_t item_len = 0; /* characters of the current item seen so far */
    for (size_t i = 0;; i++) {
        char c = pattern[i];
        if (c == '\0' || c == ',') {
            if (item_len == 0)
                return fail(err, errlen, pattern, i, "empty item; expected a host name, a [range] or '*'%s",
                            c == ',' ? " before ','" : "");
            if (c == '\0') return 0;
            item_len = 0;
        } else if (c == '*') {
            if (item_len != 0 || (pattern[i + 1] != ',' && pattern[i + 1] != '\0'))
                return fail(err, errlen, pattern, i,
                            "'*' must be a whole item (it means any host); globs like node* are not "
                            "supported, use node[01-16]");
            item_len++;
        } else if (c == '[') {
            size_t close = i;
            if (check_bracket(pattern, i, &close, err, errlen)) return -1;
            item_len += close - i + 1;
            i = close;
        } else if (c == ']') {
            return fail(err, errlen, pattern, i, "']' without a matching '['");
        } else if (is_host_char(c)) {
            item_len++;
        } else {
            return fail(err, errlen, pattern, i,
                        "unexpected '%c'; expected a host-name character (letter, digit, '-', '_', '.'), "
                        "'[' or ','",
                        c);
        }
    }
}

static int count_digits(unsigned long long v) {
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Is the host's number (value, written with len digits) in the validated bracket
 * content [p, end)? Slurm writes a range's numbers zero-padded to the width of its
 * lower bound, so the written form must be exactly that. */
static int bracket_accepts(const char *p, const char *end, unsigned long long value, int len) {
    while (p < end) {
        unsigned long long lo = 0, hi = 0;
        int width = read_number(&p, &lo);
        hi = lo;
        if (*p == '-') {
            p++;
            read_number(&p, &hi);
        }
        if (*p == ',') p++;
        int want = count_digits(value) > width ? count_digits(value) : width;
        if (value >= lo && value <= hi && len == want) return 1;
    }
    return 0;
}

#define HOSTLIST_MAX_HOST 255 /* longest host name matched (DNS names have at most 253) */
#define HOST_WORDS        ((HOSTLIST_MAX_HOST + 1 + 63) / 64)

/* Does host [h, hend) match the validated item [p, pend)? Keeps the set of host
 * positions the item's prefix can end at (a bit set), so adjacent brackets such as
 * "a[1-2][3-4]" vs "a13" try each split of the digits once per position: backtracking
 * over the splits took time exponential in the number of brackets (found by fuzzing:
 * 20 brackets against a long run of digits never finished). Hosts longer than
 * HOSTLIST_MAX_HOST characters match no item. */
static int match_item(const char *p, const char *pend, const char *h, const char *hend) {
    size_t n = (size_t)(hend - h);
    if (n > HOSTLIST_MAX_HOST) return 0;
    uint64_t at[HOST_WORDS] = {1}, next[HOST_WORDS]; /* bit i: h[0..i) matched so far */
    while (p < pend) {
        int any = 0;
        memset(next, 0, sizeof next);
        if (*p != '[') {
            for (size_t i = 0; i < n; i++)
                if ((at[i / 64] >> (i % 64) & 1) &&
                    tolower((unsigned char)*p) == tolower((unsigned char)h[i])) {
                    next[(i + 1) / 64] |= 1ull << ((i + 1) % 64);
                    any = 1;
                }
            p++;
        } else {
            const char *close = memchr(p, ']', (size_t)(pend - p)); /* validated: present */
            for (size_t i = 0; i < n; i++) {
                if (!(at[i / 64] >> (i % 64) & 1)) continue;
                unsigned long long value = 0;
                for (size_t len = 1;
                     i + len <= n && len <= HOSTLIST_MAX_DIGITS && isdigit((unsigned char)h[i + len - 1]);
                     len++) {
                    value = value * 10 + (unsigned long long)(h[i + len - 1] - '0');
                    if (bracket_accepts(p + 1, close, value, (int)len)) {
                        next[(i + len) / 64] |= 1ull << ((i + len) % 64);
                        any = 1;
                    }
                }
            }
            p = close + 1;
        }
        if (!any) return 0;
        memcpy(at, next, sizeof at);
    }
    return (int)(at[n / 64] >> (n % 64) & 1);
}

/* Does host [h, hend) match any item of the validated pattern? */
static int match_pattern(const char *pattern, const char *h, const char *hend) {
    const char *p = pattern;
    while (*p) {
        const char *end = p;
        int depth = 0;
        while (*end && (depth || *end != ',')) {
            if (*end == '[')
                depth = 1;
            else if (*end == ']')
                depth = 0;
            end++;
        }
        if (end - p == 1 && *p == '*') return 1;
        if (match_item(p, end, h, hend)) return 1;
        p = *end ? end + 1 : end;
    }
    return 0;
}

int hostlist_match(const char *pattern, const char *host, char *err, size_t errlen) {
    if (hostlist_validate(pattern, err, errlen)) return -1;
    if (!host || !*host) return 0;
    const char *hend = host + strlen(host);
    if (match_pattern(pattern, host, hend)) return 1;
    const char *dot = strchr(host, '.');
    if (dot && dot != host && match_pattern(pattern, host, dot))
        return 1; /* node01.cluster.org matches a pattern written with short names */
    return 0;
}
