/* space: free-space check before a campaign (see space.h). */
#define _GNU_SOURCE
#include "runner/space.h"

#include <stdio.h>
#include <string.h>

#include "common/fsspace.h"

uint64_t space_results_bytes(const campaign *c) {
    uint64_t text =
        (c->config_text ? strlen(c->config_text) : 0) + (c->comparable ? strlen(c->comparable) : 0);
    /* 64 KiB metadata block at the start (results.c) + as much again for headers; a row is
       about 800 bytes of /experiments and two 2 KiB output tails */
    return 131072 + 3 * text +
           (uint64_t)c->n_experiments * (5251 + 48 * (uint64_t)(c->steps > 0 ? c->steps : 0));
}

uint64_t space_work_bytes(const campaign *c) {
    if (c->interface != WORKLOAD_PLATBENCH_CNN) return 4096;
    return 4096 + 8192 + 40 * (uint64_t)(c->steps > 0 ? c->steps : 0);
}

int space_check(const campaign *c, const char *output, const char *workdir, int n_todo, int creating,
                char *err, size_t errlen) {
    fsspace_info fo, fw;
    if (fsspace_query(output, &fo) || fsspace_query(workdir, &fw)) return 0; /* unknown: try */
    uint64_t text =
        (c->config_text ? strlen(c->config_text) : 0) + (c->comparable ? strlen(c->comparable) : 0);
    uint64_t res = creating ? space_results_bytes(c) : 16384 + 3 * text;
    uint64_t work = (uint64_t)(n_todo > 0 ? n_todo : 0) * space_work_bytes(c);
    int same = !strcmp(fo.mount, fw.mount);
    char a[32], t[32], r[32], w[32];
    fsspace_bytes(res, r, sizeof r);
    fsspace_bytes(work, w, sizeof w);
    if (same && fo.avail < res + work) {
        fsspace_bytes(fo.avail, a, sizeof a);
        fsspace_bytes(fo.total, t, sizeof t);
        snprintf(err, errlen,
                 "not enough space for the campaign on file system %s (%s free of "
                 "%s): the results file %s needs about %s (%s) and the work folders of %d "
                 "experiment%s about %s; free space, or write elsewhere with -o (or skip this "
                 "estimate with --no-space-check)",
                 fo.mount, a, t, output, r, creating ? "new file" : "resume", n_todo, n_todo == 1 ? "" : "s",
                 w);
        return 1;
    }
    if (!same && (fo.avail < res || fw.avail < work)) {
        const fsspace_info *f = fo.avail < res ? &fo : &fw;
        fsspace_bytes(f->avail, a, sizeof a);
        fsspace_bytes(f->total, t, sizeof t);
        snprintf(err, errlen,
                 "not enough space for the campaign on file system %s (%s free of "
                 "%s): %s about %s; free space, or write elsewhere with -o (or skip this "
                 "estimate with --no-space-check)",
                 f->mount, a, t, f == &fo ? "the results file needs" : "the work folders need",
                 f == &fo ? r : w);
        return 1;
    }
    return 0;
}
