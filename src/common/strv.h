/* strv: a growable, NULL-terminated array of owned strings, used to build argv
 * arrays for posix_spawn without ever going through a shell.
 *
 * Errors are sticky (like campaign.c's sbuf): after one failed push every later push
 * is a no-op, so an argv is built as straight-line code and checked once at the end
 * with strv_failed(). items stays a valid NULL-terminated array throughout.
 *
 * API
 *   strv_init(v)            empty vector (v->items is a valid NULL-terminated array)
 *   strv_push(v, s)         append a copy of s; returns 0 or -1 (ENOMEM, or an earlier failure)
 *   strv_pushf(v, fmt, ...) append a formatted string; 0 or -1
 *   strv_pushl(v, s1, s2, ..., NULL)  append copies of each argument (a flag and its value); 0 or -1
 *   strv_extend(v, argv)    append copies of every string of a NULL-terminated array; 0 or -1
 *   strv_failed(v)          1 if any push since strv_init/strv_free failed, else 0
 *   strv_set_failed(v)      marks v failed (a caller's own allocation for an item failed)
 *   strv_free(v)            frees every string and the array; v is empty (and not failed) afterwards
 *   strv_join(v, buf, n)    human-readable rendering (quoted where needed) for plans/logs
 */
#ifndef PB_STRV_H
#define PB_STRV_H
#include <stddef.h>

typedef struct strv {
    char **items;                     /* NULL-terminated; owned by the vector */
    size_t len;                       /* number of strings, not counting the terminating NULL */
    size_t cap;                       /* allocated slots, including the terminating NULL */
    int failed;                       /* a push failed: later pushes are no-ops (strv_failed) */
    void *(*grow)(void *p, size_t n); /* array allocator with realloc's contract; NULL: realloc
                                         (tests set it to inject an allocation failure) */
} strv;

void strv_init(strv *v);
int strv_push(strv *v, const char *s);
int strv_pushf(strv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strv_pushl(strv *v, ...) __attribute__((sentinel));
int strv_extend(strv *v, const char *const *argv);
int strv_failed(const strv *v);
void strv_set_failed(strv *v);
void strv_free(strv *v);
/* Renders v as a shell-like line for display only (never executed). Truncates to n-1. */
void strv_join(const strv *v, char *buf, size_t n);

#endif
