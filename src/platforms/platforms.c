/* The registry of platform kinds and the small helpers every platform uses. */
#include <stdlib.h>
#include <string.h>

#include "platform.h"

extern const platform_ops platform_bare;
extern const platform_ops platform_docker;
extern const platform_ops platform_singularity;
extern const platform_ops platform_vm;

const platform_ops *const platform_registry[] = {
    &platform_bare,
    &platform_docker,
    &platform_singularity,
    &platform_vm,
    NULL,
};

const platform_ops *platform_find(const char *kind) {
    for (const platform_ops *const *p = platform_registry; *p; p++)
        if (kind && strcmp((*p)->kind, kind) == 0) return *p;
    return NULL;
}

const char *platform_opt(const platform_conf *pc, const char *key) {
    for (int i = 0; i < pc->n_opts; i++)
        if (strcmp(pc->keys[i], key) == 0) return pc->values[i];
    return NULL;
}

long platform_opt_long(const platform_conf *pc, const char *key, long fallback) {
    const char *v = platform_opt(pc, key);
    if (!v || !*v) return fallback;
    char *end;
    long x = strtol(v, &end, 10);
    return *end ? fallback : x;
}
