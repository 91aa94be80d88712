/* strv: a growable, NULL-terminated array of owned strings, used to build argv
 * arrays for posix_spawn without ever going through a shell.
 *
 * API
 *   strv_init(v)            empty vector (v->items is a valid NULL-terminated array)
 *   strv_push(v, s)         append a copy of s; returns 0 or -1 (ENOMEM)
 *   strv_pushf(v, fmt, ...) append a formatted string; 0 or -1
 *   strv_extend(v, argv)    append copies of every string of a NULL-terminated array
 *   strv_free(v)            frees every string and the array; v is empty afterwards
 *   strv_join(v, buf, n)    human-readable rendering (quoted where needed) for plans/logs
 */
#ifndef PB_STRV_H
#define PB_STRV_H
#include <stddef.h>

typedef struct strv {
    char **items; /* NULL-terminated; owned by the vector */
    size_t len;   /* number of strings, not counting the terminating NULL */
    size_t cap;   /* allocated slots, including the terminating NULL */
} strv;

void strv_init(strv *v);
int strv_push(strv *v, const char *s);
int strv_pushf(strv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strv_extend(strv *v, const char *const *argv);
void strv_free(strv *v);
/* Renders v as a shell-like line for display only (never executed). Truncates to n-1. */
void strv_join(const strv *v, char *buf, size_t n);

#endif
