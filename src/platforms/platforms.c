/* The registry of platform kinds and the small helpers every platform uses. */
#include <stdlib.h>
#include <string.h>

#include "platforms/platform.h"

extern const platform_ops platform_bare;
extern const platform_ops platform_docker;
extern const platform_ops platform_singularity;
extern const platform_ops platform_vm;

const platform_ops *const platform_registry[] = {
    &platform_bare, &platform_docker, &platform_singularity, &platform_vm, NULL,
};

const platform_ops *platform_find(const char *kind) {
    for (const platform_ops *const *p = platform_registry; *p; p++)
        if (kind && strcmp((*p)->kind, kind) == 0) return *p;
    return NULL;
}

const platform_option *platform_option_find(const platform_ops *ops, const char *key) {
    for (const platform_option *o = ops ? ops->options : NULL; o && o->key; o++)
        if (strcmp(o->key, key) == 0) return o;
    return NULL;
}

/* The table's default of key for pc's kind; NULL if none. */
static const char *table_default(const platform_conf *pc, const char *key) {
    const platform_option *o = platform_option_find(platform_find(pc->kind), key);
    return o ? o->default_val : NULL;
}

const char *platform_opt(const platform_conf *pc, const char *key) {
    for (int i = 0; i < pc->n_opts; i++)
        if (strcmp(pc->keys[i], key) == 0) return pc->values[i];
    return table_default(pc, key);
}

const char *platform_opt_str(const platform_conf *pc, const char *key) {
    const char *v = platform_opt(pc, key);
    if (!v || !*v) v = table_default(pc, key);
    return v ? v : "";
}

long platform_opt_long(const platform_conf *pc, const char *key) {
    const char *v = platform_opt_str(pc, key);
    char *end;
    long x = strtol(v, &end, 10);
    return *v && !*end ? x : 0;
}
