/* check.h: the C unit tests' one CHECK and failure count (header only; one test program
 * includes it from one .c file).
 *   CHECK(cond)             on failure: "file:line: check failed: cond" on stderr
 *   CHECK(cond, fmt, ...)   on failure: "file:line: check failed: " and the printf message
 *   check_done(name)        "name: all checks passed" (exit code 0) or "name: N check(s)
 *                           failed" on stderr (exit code 1): main returns it
 * Helpers that check by hand count into `failures` too. */
#ifndef PB_TESTS_CHECK_H
#define PB_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int failures; /* checks failed so far in this program */

/* fmt starts with the space CHECK puts before it: " " alone means no message. */
__attribute__((format(printf, 4, 5))) static inline void
check_failed(const char *file, int line, const char *cond, const char *fmt, ...) {
    fprintf(stderr, "%s:%d: check failed:", file, line);
    if (fmt[1] == '\0') {
        fprintf(stderr, " %s", cond);
    } else {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    }
    fputc('\n', stderr);
    failures++;
}

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (!(cond)) check_failed(__FILE__, __LINE__, #cond, " " __VA_ARGS__);                               \
    } while (0)

static inline int check_done(const char *name) {
    if (failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
