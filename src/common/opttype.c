/* opttype: names of the config option types (see opttype.h). */
#include "common/opttype.h"

#include <string.h>

static const struct {
    const char *name;   /* help column */
    const char *phrase; /* "expected ..." */
} opt_types[] = {
    [OPT_STR] = {"string", "a string"},
    [OPT_PATH] = {"path", "a path (string)"},
    [OPT_EXE] = {"executable", "an executable (string)"},
    [OPT_INT] = {"int", "an integer"},
    [OPT_INT64] = {"int", "an integer"},
    [OPT_FLOAT] = {"number", "a number"},
    [OPT_ENUM] = {"choice", "a string"},
    [OPT_STRLIST] = {"[strings]", "a list of strings, e.g. [\"--max-images\", \"2000\"]"},
    [OPT_BOOL] = {"bool", "a boolean (true or false)"},
};

const char *opt_type_name(opt_type t) {
    return (unsigned)t < sizeof opt_types / sizeof opt_types[0] ? opt_types[t].name : "?";
}

const char *opt_type_phrase(opt_type t) {
    return (unsigned)t < sizeof opt_types / sizeof opt_types[0] ? opt_types[t].phrase : "?";
}

int opt_enum_index(const char *choices, const char *v) {
    int i = 0;
    size_t vl = strlen(v);
    for (const char *p = choices; p && *p; i++) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == vl && strncmp(p, v, l) == 0) return i;
        if (!e) break;
        p = e + 1;
    }
    return -1;
}
