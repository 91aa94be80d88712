/* h5diag: see h5diag.h. */
#include "common/h5diag.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

void h5diag_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

typedef struct walk_state {
    char *buf; /* destination */
    size_t n;  /* its size */
    int taken; /* an entry was copied */
} walk_state;

/* Keeps the first entry walked upward: the innermost, most specific one. */
static herr_t take_innermost(unsigned k, const H5E_error2_t *e, void *arg) {
    walk_state *w = arg;
    (void)k;
    if (w->taken) return 0;
    char minor[128] = "";
    if (H5Eget_msg(e->min_num, NULL, minor, sizeof minor) < 0) minor[0] = '\0';
    const char *d = e->desc ? e->desc : "";
    if (*d && *minor)
        snprintf(w->buf, w->n, "%s() %s (%s)", e->func_name ? e->func_name : "?", d, minor);
    else
        snprintf(w->buf, w->n, "%s() %s%s", e->func_name ? e->func_name : "?", d, minor);
    w->taken = 1;
    return 0;
}

const char *h5diag_message(char *buf, size_t n) {
    if (!n) return buf;
    buf[0] = '\0';
    walk_state w = {buf, n, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &w);
    H5Eclear2(H5E_DEFAULT);
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return buf;
}
