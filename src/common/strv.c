#define _GNU_SOURCE /* vasprintf */
#include "common/strv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *const empty_items[1] = {NULL};

void strv_init(strv *v) {
    v->items = (char **)empty_items; /* cast is safe: never written while cap == 0 */
    v->len = 0;
    v->cap = 0;
    v->failed = 0;
    v->grow = NULL;
}

static int strv_reserve(strv *v, size_t want) {
    if (want <= v->cap) return 0;
    size_t cap = v->cap ? v->cap * 2 : 8;
    while (cap < want) cap *= 2;
    void *(*grow)(void *, size_t) = v->grow ? v->grow : realloc;
    char **items = grow(v->cap ? v->items : NULL, cap * sizeof *items);
    if (!items) return -1;
    if (!v->cap) items[0] = NULL;
    v->items = items;
    v->cap = cap;
    return 0;
}

/* Appends s (owned, may be NULL after a failed allocation); sticky on failure. */
static int strv_take(strv *v, char *s) {
    if (v->failed || !s || strv_reserve(v, v->len + 2)) {
        free(s);
        v->failed = 1;
        return -1;
    }
    v->items[v->len++] = s;
    v->items[v->len] = NULL;
    return 0;
}

int strv_push(strv *v, const char *s) { return strv_take(v, v->failed ? NULL : strdup(s ? s : "")); }

int strv_pushf(strv *v, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = v->failed ? -1 : vasprintf(&s, fmt, ap);
    va_end(ap);
    return strv_take(v, n < 0 ? NULL : s);
}

int strv_pushl(strv *v, ...) {
    va_list ap;
    va_start(ap, v);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) strv_push(v, s);
    va_end(ap);
    return v->failed ? -1 : 0;
}

int strv_extend(strv *v, const char *const *argv) {
    for (; argv && *argv; argv++)
        if (strv_push(v, *argv)) return -1;
    return v->failed ? -1 : 0;
}

int strv_failed(const strv *v) { return v->failed; }

void strv_set_failed(strv *v) { v->failed = 1; }

void strv_free(strv *v) {
    void *(*grow)(void *, size_t) = v->grow;
    for (size_t i = 0; i < v->len; i++) free(v->items[i]);
    if (v->cap) free(v->items);
    strv_init(v);
    v->grow = grow;
}

void strv_join(const strv *v, char *buf, size_t n) {
    size_t used = 0;
    if (!n) return;
    buf[0] = '\0';
    for (size_t i = 0; i < v->len && used + 1 < n; i++) {
        const char *s = v->items[i];
        int plain = *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,+@%") == strlen(s);
        int w = snprintf(buf + used, n - used, plain ? "%s%s" : "%s'%s'", i ? " " : "", s);
        if (w < 0) break;
        used += (size_t)w;
    }
}
