/* test_strv: strv's sticky error flag. An injected allocator fails the array's growth
 * once; every later push must be a no-op, items must stay a valid NULL-terminated
 * array, strv_failed must say so, and strv_free must clear it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strv.h"
#include "tests/common/check.h"

static int grow_calls; /* calls of failing_grow */
static int fail_at;    /* call number that fails (1-based); 0: never */

static void *failing_grow(void *p, size_t n) {
    if (++grow_calls == fail_at) return NULL;
    return realloc(p, n);
}

int main(void) {
    strv v;
    strv_init(&v);
    CHECK(v.items && v.items[0] == NULL && !strv_failed(&v));

    /* ordinary use */
    CHECK(strv_pushl(&v, "a", "b c", NULL) == 0);
    CHECK(strv_pushf(&v, "n=%d", 7) == 0);
    const char *more[] = {"x", "y", NULL};
    CHECK(strv_extend(&v, more) == 0);
    CHECK(v.len == 5 && strcmp(v.items[1], "b c") == 0 && strcmp(v.items[2], "n=7") == 0 && !v.items[5]);
    char line[64];
    strv_join(&v, line, sizeof line);
    CHECK(strcmp(line, "a 'b c' n=7 x y") == 0);
    strv_free(&v);

    /* the second growth (9 strings + NULL > 8 slots) fails: pushes 1-7 succeed, 8 grows... */
    v.grow = failing_grow;
    fail_at = 2;
    int first_fail = -1;
    for (int i = 0; i < 20; i++) {
        int rc = strv_pushf(&v, "s%d", i);
        if (rc && first_fail < 0) first_fail = i;
        if (first_fail >= 0) CHECK(rc == -1); /* sticky: never succeeds again */
    }
    CHECK(first_fail == 7);
    CHECK(strv_failed(&v));
    CHECK(v.len == 7 && v.items[7] == NULL && strcmp(v.items[6], "s6") == 0);
    CHECK(grow_calls == 2); /* no further allocation attempt after the failure */
    CHECK(strv_push(&v, "late") == -1 && strv_pushl(&v, "a", "b", NULL) == -1 && strv_extend(&v, more) == -1);
    CHECK(v.len == 7);
    strv_free(&v);
    CHECK(!strv_failed(&v) && v.len == 0 && v.items[0] == NULL);

    /* strv_free keeps the allocator; with no failure injected pushes work again */
    fail_at = 0;
    CHECK(strv_push(&v, "again") == 0 && v.len == 1);
    strv_set_failed(&v); /* a caller's own allocation failed */
    CHECK(strv_failed(&v) && strv_push(&v, "more") == -1 && v.len == 1);
    strv_free(&v);

    return check_done("test_strv");
}
