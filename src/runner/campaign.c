/* campaign: parse, validate and expand a campaign config (see campaign.h). */
#define _GNU_SOURCE
#include "runner/campaign.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/opttype.h"
#include "common/rng.h"
#include "common/workload_contract.h"

#include "runner/hostlist.h"

typedef struct campaign_option {
    const char *key;      /* dotted path in the config, e.g. "workload.steps" */
    opt_type type;        /* expected type */
    const char *def;      /* default as text; NULL: required */
    const char *choices;  /* OPT_ENUM: comma-separated allowed values */
    double min;           /* numbers: smallest allowed value */
    int min_exclusive;    /* numbers: value must be > min (else >= min) */
    int comparable;       /* part of config_hash: a change makes old results incomparable */
    const char *recorded; /* where the value is recorded in the results file */
    size_t offset;        /* field of struct campaign */
    const char *help;     /* one line for `platbench help config` */
} campaign_option;

#define F(field) offsetof(campaign, field)
#define NOMIN    (-1e300)
static const campaign_option campaign_options[] = {
    {"campaign.name", OPT_STR, "campaign", NULL, NOMIN, 0, 0, "attr campaign_name", F(name),
     "name of the campaign (recorded; used in messages)"},
    {"campaign.output", OPT_STR, "", NULL, NOMIN, 0, 0, "(the file itself)", F(output),
     "results file; relative to the config's folder; default <name>.h5 there; `run -o` overrides"},
    {"workload.interface", OPT_ENUM, "platbench-cnn", "platbench-cnn,plain", NOMIN, 0, 1, "config_hash",
     F(interface),
     "command line of the workload: platbench-cnn (train ... --out RESULT.h5) or plain "
     "(executable + args, no result file)"},
    {"workload.executable", OPT_EXE, "platbench-cnn", NULL, NOMIN, 0, 1, "config_hash", F(executable),
     "workload program: a path (relative to the config's folder) or a bare name searched next "
     "to platbench, then in PATH"},
    {"workload.model", OPT_PATH, "", NULL, NOMIN, 0, 1, "config_hash (path + content hash)", F(model),
     "model file (platbench-cnn --model); required for platbench-cnn"},
    {"workload.data", OPT_PATH, "", NULL, NOMIN, 0, 1, "config_hash", F(data),
     "data set folder (platbench-cnn --data); required for platbench-cnn"},
    {"workload.steps", OPT_INT, "100", NULL, 1, 0, 1, "config_hash, attr steps", F(steps),
     "training steps (--steps); also the width of /curves"},
    {"workload.batch", OPT_INT, "32", NULL, 1, 0, 1, "config_hash", F(batch),
     "images per training step (--batch)"},
    {"workload.threads", OPT_INT, "0", NULL, 0, 0, 1, "config_hash, /experiments threads", F(threads),
     "workload threads (--threads; also OPENBLAS_NUM_THREADS and OMP_NUM_THREADS); 0: the size of "
     "each rank's CPU set"},
    {"workload.args", OPT_STRLIST, "", NULL, NOMIN, 0, 1, "config_hash", F(args),
     "extra arguments appended to the workload's command line, e.g. [\"--max-images\", \"2000\"]"},
    {"tests", OPT_INT, "1", NULL, 1, 0, 1, "config_hash, attr n_experiments", F(tests),
     "tests (repetitions) per platform"},
    {"seed.base", OPT_INT64, "1234", NULL, 0, 0, 1, "config_hash, /experiments seed", F(seed_base),
     "base seed"},
    {"seed.policy", OPT_ENUM, "per-test", "per-test,per-experiment,fixed", NOMIN, 0, 1, "config_hash",
     F(seed_policy),
     "per-test: seed = base + test (platforms of one test comparable); per-experiment: base + "
     "id; fixed: base"},
    {"order", OPT_ENUM, "blocked-random", "blocked-random,sequential", NOMIN, 0, 1, "config_hash", F(order),
     "blocked-random: test by test, platforms shuffled per test by seed.base; sequential: "
     "config order"},
    {"timeout_s", OPT_FLOAT, "3600", NULL, 0, 1, 0, "config_text", F(timeout_s),
     "wall-time limit per experiment; the process group is killed when it expires"},
    {"kill_grace_s", OPT_FLOAT, "5", NULL, 0, 0, 0, "config_text", F(kill_grace_s),
     "seconds between SIGTERM and SIGKILL when stopping an experiment"},
    {"retries", OPT_INT, "0", NULL, 0, 0, 0, "config_text", F(retries),
     "extra attempts for a failed experiment (also on resume)"},
    {"allow_oversubscribe", OPT_BOOL, "false", NULL, NOMIN, 0, 0,
     "config_text, /experiments "
     "oversubscribed",
     F(allow_oversubscribe),
     "run even when threads exceed a rank's CPU set or ranks of a host share CPUs (else refused); "
     "such rows are flagged oversubscribed"},
    {"exclusive", OPT_BOOL, "false", NULL, NOMIN, 0, 0, "config_text", F(exclusive),
     "at most one experiment per host at a time (the other ranks of the host wait)"},
    {NULL, 0, NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};
#undef F

static const char *const campaign_groups[] = {"campaign", "workload", "seed", NULL};

static const char *setting_type_name(const config_setting_t *s) {
    switch (config_setting_type(s)) {
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64:
            return "an integer";
        case CONFIG_TYPE_FLOAT:
            return "a float";
        case CONFIG_TYPE_STRING:
            return "a string";
        case CONFIG_TYPE_BOOL:
            return "a boolean";
        case CONFIG_TYPE_GROUP:
            return "a group";
        case CONFIG_TYPE_ARRAY:
            return "an array";
        case CONFIG_TYPE_LIST:
            return "a list";
    }
    return "nothing";
}

/* ---------- small helpers ------------------------------------------------------- */

static char *xstrdup(const char *s) { return strdup(s ? s : ""); }

static int is_abs(const char *p) { return p[0] == '/'; }

/* dir + "/" + rel, or rel when absolute. Caller frees. */
static char *path_join(const char *dir, const char *rel) {
    if (is_abs(rel)) return strdup(rel);
    char *out = NULL;
    if (asprintf(&out, "%s/%s", dir, rel) < 0) return NULL;
    return out;
}

/* Absolute dirname of path (cwd-relative paths made absolute). Caller frees. */
static char *abs_dirname(const char *path) {
    char *full = NULL;
    if (is_abs(path)) {
        full = strdup(path);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return NULL;
        if (asprintf(&full, "%s/%s", cwd, path) < 0) return NULL;
    }
    if (!full) return NULL;
    char *slash = strrchr(full, '/');
    if (slash == full)
        slash[1] = '\0';
    else
        *slash = '\0';
    return full;
}

static char *read_whole_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* FNV-1a 64 of n bytes (every caller hashes from the standard offset basis) */
static uint64_t fnv1a(const void *p, size_t n) {
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The launch id of attempt `attempt` of experiment `exp` of the campaign whose work folders are
 * `workdir` (OUTPUT.d, absolute): "pb<config hash>-<folder hash>-eNNNN-aN", the name of its
 * container (docker --name) and VM files. The folder hash makes it one results file's: two
 * campaigns of one config (A/B runs for compare) never take the same name, and a container of
 * the same name can only be a leftover of a killed earlier run of this file (removed before
 * the launch). */
void campaign_launch_id(const campaign *c, const char *workdir, int exp, int attempt, char *buf, size_t n) {
    unsigned folder = (unsigned)(fnv1a(workdir, strlen(workdir)) & 0xffffu);
    snprintf(buf, n, "pb%.6s-%04x-e%04d-a%d", c->config_hash, folder, exp, attempt);
}

/* Searches for a bare executable name next to the running platbench, then in PATH. */
static char *find_executable(const char *name) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            char *cand = path_join(self, name);
            if (cand && access(cand, X_OK) == 0) return cand;
            free(cand);
        }
    }
    const char *path = getenv("PATH");
    if (!path) return NULL;
    char *copy = strdup(path), *save = NULL;
    if (!copy) return NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *cand = path_join(*dir ? dir : ".", name);
        if (cand && access(cand, X_OK) == 0) {
            struct stat st;
            if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
                free(copy);
                return cand;
            }
        }
        free(cand);
    }
    free(copy);
    return NULL;
}

#define ERR_AT(line, ...)                                                                                    \
    do {                                                                                                     \
        int o_ = snprintf(err, errlen, "%s:%d: ", c->config_file, (line));                                   \
        if (o_ >= 0 && (size_t)o_ < errlen) snprintf(err + o_, errlen - (size_t)o_, __VA_ARGS__);            \
    } while (0)

static int setting_line(const config_setting_t *s) {
    for (; s; s = config_setting_parent(s)) {
        int l = config_setting_source_line(s);
        if (l > 0) return l;
    }
    return 1;
}

/* Line of the setting at path, or of its nearest existing parent group. */
static int path_line(const config_t *cfg, const char *key) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", key);
    for (;;) {
        const config_setting_t *s = config_lookup(cfg, buf);
        if (s) return setting_line(s);
        char *dot = strrchr(buf, '.');
        if (!dot) return 1;
        *dot = '\0';
    }
}

/* ---------- option values ---------------------------------------------------------- */

static int number_check(campaign *c, const campaign_option *o, double v, int line, char *err, size_t errlen) {
    if (o->min == NOMIN) return 0;
    if (o->min_exclusive ? v > o->min : v >= o->min) return 0;
    ERR_AT(line, "%s: expected %s %s %g, got %g", o->key, opt_type_phrase(o->type),
           o->min_exclusive ? ">" : ">=", o->min, v);
    return -1;
}

/* Stores a string-valued option (STR, PATH, EXE, ENUM) from text. */
static int store_string(campaign *c, const campaign_option *o, const char *v, int line, char *err,
                        size_t errlen) {
    void *field = (char *)c + o->offset;
    if (o->type == OPT_ENUM) {
        int idx = opt_enum_index(o->choices, v);
        if (idx < 0) {
            ERR_AT(line, "%s: \"%s\" is not one of %s", o->key, v, o->choices);
            return -1;
        }
        *(int *)field = idx;
        return 0;
    }
    char *val = NULL;
    if (o->type == OPT_STR || !*v) {
        val = xstrdup(v);
    } else if (o->type == OPT_EXE && !strchr(v, '/')) {
        val = find_executable(v);
        if (!val) {
            ERR_AT(line,
                   "%s: \"%s\" was found neither next to platbench nor in PATH; hint: give a path "
                   "(relative to the config's folder) or build it (cmake --build BUILD --target %s)",
                   o->key, v, v);
            return -1;
        }
    } else {
        val = path_join(c->config_dir, v);
        if (!val) goto oom;
        struct stat st;
        if (stat(val, &st) != 0) {
            ERR_AT(line, "%s: %s: %s; expected an existing %s (relative paths start at %s)", o->key, val,
                   strerror(errno), o->type == OPT_EXE ? "executable" : "file or folder", c->config_dir);
            free(val);
            return -1;
        }
        if (o->type == OPT_EXE && (!S_ISREG(st.st_mode) || access(val, X_OK) != 0)) {
            ERR_AT(line, "%s: %s is not an executable file", o->key, val);
            free(val);
            return -1;
        }
        char *canon = realpath(val, NULL); /* display and compare the normalised path */
        if (canon) {
            free(val);
            val = canon;
        }
    }
    if (!val) goto oom;
    free(*(char **)field);
    *(char **)field = val;
    return 0;
oom:
    ERR_AT(line, "out of memory");
    return -1;
}

static int store_default(campaign *c, const campaign_option *o, char *err, size_t errlen) {
    void *field = (char *)c + o->offset;
    switch (o->type) {
        case OPT_INT:
            *(int *)field = atoi(o->def);
            return 0;
        case OPT_INT64:
            *(int64_t *)field = strtoll(o->def, NULL, 10);
            return 0;
        case OPT_FLOAT:
            *(double *)field = strtod(o->def, NULL);
            return 0;
        case OPT_STRLIST:
            return 0;
        case OPT_BOOL:
            *(int *)field = strcmp(o->def, "true") == 0;
            return 0;
        default:
            return store_string(c, o, o->def, 1, err, errlen);
    }
}

static int store_setting(campaign *c, const campaign_option *o, const config_setting_t *s, char *err,
                         size_t errlen) {
    void *field = (char *)c + o->offset;
    int line = setting_line(s), t = config_setting_type(s);
    int is_int = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
    switch (o->type) {
        case OPT_INT:
        case OPT_INT64: {
            if (!is_int) break;
            long long v = config_setting_get_int64(s);
            if (number_check(c, o, (double)v, line, err, errlen)) return -1;
            if (o->type == OPT_INT) {
                if (v > INT_MAX || v < INT_MIN) {
                    ERR_AT(line, "%s: %lld does not fit an int", o->key, v);
                    return -1;
                }
                *(int *)field = (int)v;
            } else {
                *(int64_t *)field = v;
            }
            return 0;
        }
        case OPT_FLOAT: {
            if (!is_int && t != CONFIG_TYPE_FLOAT) break;
            double v =
                t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s) : (double)config_setting_get_int64(s);
            if (number_check(c, o, v, line, err, errlen)) return -1;
            *(double *)field = v;
            return 0;
        }
        case OPT_BOOL:
            if (t != CONFIG_TYPE_BOOL) break;
            *(int *)field = config_setting_get_bool(s);
            return 0;
        case OPT_STRLIST: {
            if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) break;
            strv *v = field;
            strv_free(v);
            for (int i = 0; i < config_setting_length(s); i++) {
                const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
                if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                    ERR_AT(setting_line(e), "%s[%d]: expected a string, got %s; hint: quote it", o->key, i,
                           setting_type_name(e));
                    return -1;
                }
                strv_push(v, config_setting_get_string(e));
            }
            if (strv_failed(v)) {
                ERR_AT(line, "out of memory");
                return -1;
            }
            return 0;
        }
        default:
            if (t != CONFIG_TYPE_STRING) break;
            return store_string(c, o, config_setting_get_string(s), line, err, errlen);
    }
    if (o->type == OPT_ENUM)
        ERR_AT(line, "%s: expected one of %s (a string), got %s", o->key, o->choices, setting_type_name(s));
    else
        ERR_AT(line, "%s: expected %s, got %s%s", o->key, opt_type_phrase(o->type), setting_type_name(s),
               t == CONFIG_TYPE_STRING && o->type != OPT_STRLIST ? "; hint: remove the quotes" : "");
    return -1;
}

static const campaign_option *option_find(const char *key) {
    for (const campaign_option *o = campaign_options; o->key; o++)
        if (strcmp(o->key, key) == 0) return o;
    return NULL;
}

/* Lists the keys a group accepts, for hints. */
static void group_keys(const char *group, char *buf, size_t n) {
    size_t used = 0, gl = strlen(group);
    buf[0] = '\0';
    for (const campaign_option *o = campaign_options; o->key && used + 1 < n; o++) {
        const char *k = o->key;
        if (gl) {
            if (strncmp(k, group, gl) != 0 || k[gl] != '.') continue;
            k += gl + 1;
        } else if (strchr(k, '.')) {
            continue;
        }
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", k);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* Unknown keys at the top level and in the fixed groups. */
static int check_unknown(campaign *c, const config_t *cfg, char *err, size_t errlen) {
    const config_setting_t *root = config_root_setting(cfg);
    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        int is_group = 0;
        for (const char *const *g = campaign_groups; *g; g++)
            if (strcmp(*g, name) == 0) is_group = 1;
        if (strcmp(name, "platforms") == 0) continue;
        if (is_group) {
            if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
                ERR_AT(setting_line(s), "%s: expected a group { ... }, got %s", name, setting_type_name(s));
                return -1;
            }
            for (int j = 0; j < config_setting_length(s); j++) {
                const config_setting_t *m = config_setting_get_elem(s, (unsigned)j);
                char key[160];
                snprintf(key, sizeof key, "%s.%s", name, config_setting_name(m));
                if (!option_find(key)) {
                    char keys[512];
                    group_keys(name, keys, sizeof keys);
                    ERR_AT(setting_line(m),
                           "unknown key \"%s\"; expected one of %s in group %s "
                           "(see `platbench help config`)",
                           key, keys, name);
                    return -1;
                }
            }
        } else if (!option_find(name)) {
            char keys[512];
            group_keys("", keys, sizeof keys);
            ERR_AT(setting_line(s),
                   "unknown key \"%s\"; expected a group (campaign, workload, seed, "
                   "platforms) or one of %s (see `platbench help config`)",
                   name, keys);
            return -1;
        }
    }
    return 0;
}

/* ---------- platforms ---------------------------------------------------------------- */

static const char *keep(campaign_platform *p, const char *s) {
    if (p->n_strings >= (int)(sizeof p->strings / sizeof p->strings[0])) return NULL;
    char *d = xstrdup(s);
    if (d) p->strings[p->n_strings++] = d;
    return d;
}

static void kinds_list(char *buf, size_t n) {
    size_t used = 0;
    buf[0] = '\0';
    for (const platform_ops *const *k = platform_registry; *k && used + 1 < n; k++) {
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", (*k)->kind);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* The text of a kind option's setting s, checked against its row o: -1 when the setting's
 * type does not fit, -2 when an ENUM's value is not one of its choices. */
static int opt_value_text(const config_setting_t *s, const platform_option *o, char *buf, size_t n) {
    int ct = config_setting_type(s), is_int = ct == CONFIG_TYPE_INT || ct == CONFIG_TYPE_INT64;
    switch (o->type) {
        case OPT_INT:
            if (!is_int) return -1;
            snprintf(buf, n, "%lld", config_setting_get_int64(s));
            return 0;
        case OPT_FLOAT:
            if (ct == CONFIG_TYPE_FLOAT)
                snprintf(buf, n, "%.17g", config_setting_get_float(s));
            else if (is_int)
                snprintf(buf, n, "%lld", config_setting_get_int64(s));
            else
                return -1;
            return 0;
        case OPT_BOOL:
            if (ct != CONFIG_TYPE_BOOL) return -1;
            snprintf(buf, n, "%s", config_setting_get_bool(s) ? "true" : "false");
            return 0;
        default:
            if (ct != CONFIG_TYPE_STRING) return -1;
            snprintf(buf, n, "%s", config_setting_get_string(s));
            return o->type == OPT_ENUM && opt_enum_index(o->choices, buf) < 0 ? -2 : 0;
    }
}

/* Phase 1 of a platform group: its shape, name, kind and hosts, checked and kept in p. */
static int platform_identity(campaign *c, const config_setting_t *g, campaign_platform *p, char *err,
                             size_t errlen) {
    int line = setting_line(g);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        ERR_AT(line,
               "platforms: each entry must be a group { name = \"...\"; kind = \"...\"; }, "
               "got %s",
               setting_type_name(g));
        return -1;
    }
    const char *name = NULL, *kind = NULL, *hosts = NULL;
    const config_setting_t *s;
    if ((s = config_setting_get_member(g, "name"))) {
        if (config_setting_type(s) != CONFIG_TYPE_STRING || !*config_setting_get_string(s)) {
            ERR_AT(setting_line(s), "platform name: expected a non-empty string");
            return -1;
        }
        name = config_setting_get_string(s);
    }
    if ((s = config_setting_get_member(g, "kind"))) {
        if (config_setting_type(s) != CONFIG_TYPE_STRING) {
            ERR_AT(setting_line(s), "platform kind: expected a string, got %s", setting_type_name(s));
            return -1;
        }
        kind = config_setting_get_string(s);
    }
    char kinds[256];
    kinds_list(kinds, sizeof kinds);
    if (!kind) {
        ERR_AT(line, "platform%s%s%s: missing kind; expected kind = one of %s", name ? " \"" : "",
               name ? name : "", name ? "\"" : "", kinds);
        return -1;
    }
    if (!name) name = kind;
    if (strlen(name) >= 32 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_.") != strlen(name)) {
        ERR_AT(line, "platform \"%s\": name must be 1-31 characters of letters, digits, - _ .", name);
        return -1;
    }
    p->ops = platform_find(kind);
    if (!p->ops) {
        ERR_AT(setting_line(config_setting_get_member(g, "kind")),
               "platform \"%s\": unknown kind \"%s\"; expected one of %s", name, kind, kinds);
        return -1;
    }
    if ((s = config_setting_get_member(g, "hosts"))) {
        if (config_setting_type(s) != CONFIG_TYPE_STRING || !*config_setting_get_string(s)) {
            ERR_AT(setting_line(s),
                   "platform \"%s\": hosts: expected a Slurm hostlist pattern "
                   "string such as \"node[01-04],login1\"",
                   name);
            return -1;
        }
        hosts = config_setting_get_string(s);
        char why[256] = "";
        if (hostlist_match(hosts, "platbench-validate", why, sizeof why) < 0) {
            ERR_AT(setting_line(s),
                   "platform \"%s\": hosts: bad hostlist pattern \"%s\": %s; "
                   "expected e.g. \"node[01-04,07],gpu1\"",
                   name, hosts, why);
            return -1;
        }
    }
    p->conf.name = keep(p, name);
    p->conf.kind = keep(p, kind);
    p->conf.hosts = hosts ? keep(p, hosts) : NULL;
    if (!p->conf.name || !p->conf.kind || (hosts && !p->conf.hosts)) {
        ERR_AT(line, "out of memory");
        return -1;
    }
    return 0;
}

/* Phase 2: every key of the group is name, kind, hosts or one of the kind's options. */
static int platform_known_keys(campaign *c, const config_setting_t *g, const campaign_platform *p, char *err,
                               size_t errlen) {
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *k = config_setting_name(m);
        if (!strcmp(k, "name") || !strcmp(k, "kind") || !strcmp(k, "hosts")) continue;
        if (platform_option_find(p->ops, k)) continue;
        char keys[512] = "name, kind, hosts";
        size_t used = strlen(keys);
        for (const platform_option *o = p->ops->options; o && o->key && used + 1 < sizeof keys; o++) {
            int w = snprintf(keys + used, sizeof keys - used, ", %s", o->key);
            if (w < 0) break;
            used += (size_t)w;
        }
        ERR_AT(setting_line(m),
               "platform \"%s\" (kind %s): unknown key \"%s\"; expected one of "
               "%s (see `platbench help platforms`)",
               p->conf.name, p->conf.kind, k, keys);
        return -1;
    }
    return 0;
}

/* The value of option o in group g as text into val (or its table default, or NULL when
 * neither is there); 0, or -1 with the reason and the setting's line in err. */
static int platform_value(campaign *c, const config_setting_t *g, const campaign_platform *p,
                          const platform_option *o, char *val, size_t n, const char **v, char *err,
                          size_t errlen) {
    const char *name = p->conf.name;
    const config_setting_t *s = config_setting_get_member(g, o->key);
    *v = o->default_val;
    if (!s) {
        if (!o->required) return 0;
        ERR_AT(p->line, "platform \"%s\" (kind %s): missing %s (%s); expected %s = ...;", name, p->conf.kind,
               o->key, o->help ? o->help : "", o->key);
        return -1;
    }
    int bad = opt_value_text(s, o, val, n);
    if (bad == -2) {
        ERR_AT(setting_line(s), "platform \"%s\": %s = \"%s\": expected one of %s", name, o->key, val,
               o->choices);
        return -1;
    }
    if (bad) {
        if (o->type == OPT_ENUM)
            ERR_AT(setting_line(s), "platform \"%s\": %s: expected one of %s (a string), got %s", name,
                   o->key, o->choices, setting_type_name(s));
        else
            ERR_AT(setting_line(s), "platform \"%s\": %s: expected %s, got %s", name, o->key,
                   opt_type_phrase(o->type), setting_type_name(s));
        return -1;
    }
    *v = val;
    return 0;
}

/* Phase 3: every option of the kind, from the group or its default, into p->conf. */
static int platform_values(campaign *c, const config_setting_t *g, campaign_platform *p, char *err,
                           size_t errlen) {
    for (const platform_option *o = p->ops->options; o && o->key; o++) {
        if (p->conf.n_opts >= PLATFORM_MAX_OPTIONS) break;
        char val[1024];
        const char *v;
        if (platform_value(c, g, p, o, val, sizeof val, &v, err, errlen)) return -1;
        if (!v) continue;
        /* a relative string value naming something next to the config (an image, a kernel)
           is made absolute, like every other path of the config */
        char *abs = NULL;
        struct stat st;
        if (o->type == OPT_STR && *v && v[0] != '/' && (abs = path_join(c->config_dir, v)) &&
            stat(abs, &st) == 0) {
            char *canon = realpath(abs, NULL);
            snprintf(val, sizeof val, "%s", canon ? canon : abs);
            free(canon);
            v = val;
        }
        free(abs);
        int k = p->conf.n_opts;
        p->conf.keys[k] = keep(p, o->key);
        p->conf.values[k] = keep(p, v);
        if (!p->conf.keys[k] || !p->conf.values[k]) {
            ERR_AT(p->line, "out of memory");
            return -1;
        }
        p->conf.n_opts++;
    }
    return 0;
}

static int parse_platform(campaign *c, const config_setting_t *g, campaign_platform *p, char *err,
                          size_t errlen) {
    p->line = setting_line(g);
    if (platform_identity(c, g, p, err, errlen)) return -1;
    if (platform_known_keys(c, g, p, err, errlen)) return -1;
    return platform_values(c, g, p, err, errlen);
}

static int parse_platforms(campaign *c, const config_t *cfg, char *err, size_t errlen) {
    const config_setting_t *list = config_lookup(cfg, "platforms");
    char kinds[256];
    kinds_list(kinds, sizeof kinds);
    if (!list) {
        ERR_AT(1,
               "missing platforms; expected platforms = ( { name = \"bare\"; kind = \"bare\"; } ); "
               "kinds: %s",
               kinds);
        return -1;
    }
    int t = config_setting_type(list);
    if ((t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_GROUP) || config_setting_length(list) < 1) {
        ERR_AT(setting_line(list),
               "platforms: expected a non-empty list ( { name = ...; kind = ...; "
               "}, ... ), got %s",
               config_setting_length(list) < 1 && (t == CONFIG_TYPE_LIST) ? "an empty list"
                                                                          : setting_type_name(list));
        return -1;
    }
    if (t == CONFIG_TYPE_GROUP) { /* a single group written without the list parentheses */
        ERR_AT(setting_line(list), "platforms: expected a list ( {...}, {...} ), got a group; hint: "
                                   "wrap it in parentheses");
        return -1;
    }
    int n = config_setting_length(list);
    c->platforms = calloc((size_t)n, sizeof *c->platforms);
    if (!c->platforms) {
        ERR_AT(1, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        c->n_platforms = i + 1;
        if (parse_platform(c, g, &c->platforms[i], err, errlen)) return -1;
        for (int j = 0; j < i; j++)
            if (!strcmp(c->platforms[j].conf.name, c->platforms[i].conf.name)) {
                ERR_AT(c->platforms[i].line,
                       "platform \"%s\": duplicate name (also at line %d); "
                       "hint: give each platform group a distinct name = \"...\"",
                       c->platforms[i].conf.name, c->platforms[j].line);
                return -1;
            }
    }
    return 0;
}

/* ---------- expansion and comparable settings ------------------------------------------ */

static int expand(campaign *c) {
    int P = c->n_platforms;
    c->n_experiments = P * c->tests;
    c->experiments = calloc((size_t)c->n_experiments, sizeof *c->experiments);
    int *perm = malloc((size_t)P * sizeof *perm);
    if (!c->experiments || !perm) {
        free(perm);
        return -1;
    }
    rng r;
    rng_seed(&r, (uint64_t)c->seed_base);
    int id = 0;
    for (int t = 0; t < c->tests; t++) {
        for (int p = 0; p < P; p++) perm[p] = p;
        if (c->order == ORDER_BLOCKED_RANDOM) rng_shuffle(&r, perm, (size_t)P);
        for (int k = 0; k < P; k++, id++) {
            experiment *e = &c->experiments[id];
            e->id = id;
            e->platform = perm[k];
            e->test = t;
            e->seed = c->seed_policy == SEED_PER_TEST         ? c->seed_base + t
                      : c->seed_policy == SEED_PER_EXPERIMENT ? c->seed_base + id
                                                              : c->seed_base;
        }
    }
    free(perm);
    return 0;
}

typedef struct sbuf {
    char *s;  /* text, NUL-terminated */
    size_t n; /* length */
    int bad;  /* out of memory happened */
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *add = NULL;
    int w = vasprintf(&add, fmt, ap);
    va_end(ap);
    if (w < 0) {
        b->bad = 1;
        return;
    }
    char *ns = realloc(b->s, b->n + (size_t)w + 1);
    if (!ns) {
        free(add);
        b->bad = 1;
        return;
    }
    memcpy(ns + b->n, add, (size_t)w + 1);
    b->s = ns;
    b->n += (size_t)w;
    free(add);
}

static void option_text(const campaign *c, const campaign_option *o, sbuf *b) {
    const void *field = (const char *)c + o->offset;
    switch (o->type) {
        case OPT_INT:
            sb_printf(b, "%d", *(const int *)field);
            break;
        case OPT_BOOL:
            sb_printf(b, "%s", *(const int *)field ? "true" : "false");
            break;
        case OPT_INT64:
            sb_printf(b, "%lld", (long long)*(const int64_t *)field);
            break;
        case OPT_FLOAT:
            sb_printf(b, "%.17g", *(const double *)field);
            break;
        case OPT_ENUM: {
            int idx = *(const int *)field, i = 0;
            const char *p = o->choices;
            while (i < idx && (p = strchr(p, ','))) p++, i++;
            size_t l = p ? strcspn(p, ",") : 0;
            sb_printf(b, "%.*s", (int)l, p ? p : "");
            break;
        }
        case OPT_STRLIST: {
            const strv *v = field;
            char line[2048];
            strv_join(v, line, sizeof line);
            sb_printf(b, "[%s]", line);
            break;
        }
        default:
            sb_printf(b, "%s", *(char *const *)field ? *(char *const *)field : "");
            break;
    }
}

static int build_comparable(campaign *c) {
    sbuf b = {NULL, 0, 0};
    for (const campaign_option *o = campaign_options; o->key; o++) {
        if (!o->comparable) continue;
        sb_printf(&b, "%s = ", o->key);
        option_text(c, o, &b);
        sb_printf(&b, "\n");
        if (o->offset == offsetof(campaign, model) && c->model && *c->model) {
            size_t len = 0;
            char *txt = read_whole_file(c->model, &len);
            sb_printf(&b, "workload.model.content_fnv = %016llx\n",
                      txt ? (unsigned long long)fnv1a(txt, len) : 0ull);
            free(txt);
        }
    }
    for (int i = 0; i < c->n_platforms; i++) {
        const platform_conf *pc = &c->platforms[i].conf;
        sb_printf(&b, "platform %s = kind %s", pc->name, pc->kind);
        for (int k = 0; k < pc->n_opts; k++) sb_printf(&b, "; %s %s", pc->keys[k], pc->values[k]);
        sb_printf(&b, "\n");
    }
    if (b.bad) {
        free(b.s);
        return -1;
    }
    c->comparable = b.s;
    snprintf(c->config_hash, sizeof c->config_hash, "%016llx", (unsigned long long)fnv1a(b.s, b.n));
    return 0;
}

/* ---------- public ---------------------------------------------------------------------- */

int campaign_load(campaign *c, const char *path, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    strv_init(&c->args);
    config_t cfg;
    config_init(&cfg);
    int rc = -1;
    c->config_file = xstrdup(path);
    c->config_dir = abs_dirname(path);
    if (!c->config_file || !c->config_dir) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    c->config_text = read_whole_file(path, NULL);
    if (!c->config_text) {
        snprintf(err, errlen, "%s: cannot read: %s; expected a campaign config file (see jobs/)", path,
                 strerror(errno));
        goto done;
    }
    if (!config_read_string(&cfg, c->config_text)) {
        ERR_AT(config_error_line(&cfg),
               "syntax error (%s); hint: settings end with ';', strings "
               "are in double quotes, lists are ( ... ), groups { ... }",
               config_error_text(&cfg));
        goto done;
    }
    if (check_unknown(c, &cfg, err, errlen)) goto done;
    for (const campaign_option *o = campaign_options; o->key; o++) {
        const config_setting_t *s = config_lookup(&cfg, o->key);
        if (!s) {
            if (!o->def) {
                ERR_AT(path_line(&cfg, o->key), "missing %s; expected %s (%s)", o->key,
                       opt_type_phrase(o->type), o->help);
                goto done;
            }
            if (store_default(c, o, err, errlen)) {
                char inner[512];
                snprintf(inner, sizeof inner, "%s", err);
                ERR_AT(path_line(&cfg, o->key), "default of %s: %s", o->key, inner);
                goto done;
            }
        } else if (store_setting(c, o, s, err, errlen)) {
            goto done;
        }
    }
    if (c->interface == WORKLOAD_PLATBENCH_CNN) {
        const char *miss = !*c->model ? "workload.model" : !*c->data ? "workload.data" : NULL;
        if (miss) {
            ERR_AT(path_line(&cfg, "workload"),
                   "missing %s; platbench-cnn needs --model FILE and "
                   "--data DIR; hint: e.g. %s",
                   miss,
                   !*c->model ? "model = \"models/quick.cfg\";"
                              : "data = \"/usr/share/datasets/fashion-mnist\";");
            goto done;
        }
    }
    if (parse_platforms(c, &cfg, err, errlen)) goto done;
    if (!*c->output) {
        free(c->output);
        if (asprintf(&c->output, "%s/%s.h5", c->config_dir, c->name) < 0) {
            c->output = NULL;
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    } else if (!is_abs(c->output)) {
        char *o = path_join(c->config_dir, c->output);
        free(c->output);
        c->output = o;
    }
    if (!c->output || expand(c) || build_comparable(c)) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto done;
    }
    rc = 0;
done:
    config_destroy(&cfg);
    if (rc) campaign_free(c);
    return rc;
}

void campaign_free(campaign *c) {
    free(c->config_file);
    free(c->config_dir);
    free(c->config_text);
    free(c->name);
    free(c->output);
    free(c->executable);
    free(c->model);
    free(c->data);
    strv_free(&c->args);
    for (int i = 0; i < c->n_platforms; i++)
        for (int k = 0; k < c->platforms[i].n_strings; k++) free(c->platforms[i].strings[k]);
    free(c->platforms);
    free(c->experiments);
    free(c->comparable);
    memset(c, 0, sizeof *c);
    strv_init(&c->args);
}

int campaign_workload_argv(const campaign *c, const experiment *e, const char *result_path, strv *out) {
    strv_push(out, c->executable);
    if (c->interface == WORKLOAD_PLATBENCH_CNN) {
        /* the contract's command line (common/workload_contract.h) */
        strv_push(out, WC_TRAIN_COMMAND);
        strv_pushl(out, WC_FLAG_MODEL, c->model, WC_FLAG_DATA, c->data, WC_FLAG_OUT, result_path, NULL);
        strv_push(out, WC_FLAG_STEPS);
        strv_pushf(out, "%d", c->steps);
        strv_push(out, WC_FLAG_BATCH);
        strv_pushf(out, "%d", c->batch);
        strv_push(out, WC_FLAG_THREADS);
        strv_pushf(out, "%d", c->threads);
        strv_push(out, WC_FLAG_SEED);
        strv_pushf(out, "%lld", (long long)e->seed);
    }
    strv_extend(out, (const char *const *)c->args.items);
    return strv_failed(out) ? -1 : 0; /* pushes are sticky: one check covers them all */
}

void campaign_help(FILE *fp) {
    fprintf(fp, "Campaign config (libconfig syntax). Paths are relative to the config file's "
                "folder unless absolute.\n\n");
    fprintf(fp, "%-22s %-10s %-16s %s\n", "key", "type", "default", "meaning [recorded in]");
    for (const campaign_option *o = campaign_options; o->key; o++) {
        const char *t = opt_type_name(o->type);
        fprintf(fp, "%-22s %-10s %-16s %s%s%s [%s%s]\n", o->key, t,
                o->def ? (*o->def ? o->def : "\"\"") : "(required)", o->help, o->choices ? "; one of " : "",
                o->choices ? o->choices : "", o->recorded,
                o->comparable ? "; changing it blocks resume" : "");
    }
    fprintf(fp, "\nplatforms = ( { name = \"NAME\"; kind = \"KIND\"; hosts = \"node[01-04]\"; "
                "<kind options> }, ... );\n");
    fprintf(fp, "  name   platform name (default: the kind; must be unique)\n");
    fprintf(fp, "  kind   one of the compiled-in kinds (see `platbench help platforms`)\n");
    fprintf(fp, "  hosts  Slurm hostlist pattern of the nodes allowed to run it (default: any)\n");
    fprintf(fp, "Kind options and the platform name/kind are part of config_hash.\n");
}

/* Finds the line of text whose key (the part before " = ") is key[0..klen). */
static const char *find_key(const char *text, const char *key, size_t klen, size_t *len) {
    for (const char *l = text; *l;) {
        const char *eol = strchr(l, '\n');
        size_t ll = eol ? (size_t)(eol - l) : strlen(l);
        const char *eq = strstr(l, " = ");
        size_t kl = eq && eq < l + ll ? (size_t)(eq - l) : ll;
        if (kl == klen && strncmp(l, key, klen) == 0) {
            *len = ll;
            return l;
        }
        l = eol ? eol + 1 : l + ll;
    }
    return NULL;
}

int campaign_diff(const char *old_text, const char *new_text, char *buf, size_t n) {
    int count = 0;
    size_t used = 0;
    if (n) buf[0] = '\0';
    const char *texts[2] = {old_text ? old_text : "", new_text ? new_text : ""};
    for (int pass = 0; pass < 2; pass++) {
        const char *a = texts[pass], *b = texts[1 - pass];
        for (const char *line = a; *line;) {
            const char *eol = strchr(line, '\n');
            size_t len = eol ? (size_t)(eol - line) : strlen(line);
            const char *eq = strstr(line, " = ");
            size_t klen = eq && eq < line + len ? (size_t)(eq - line) : len;
            size_t len2 = 0;
            const char *match = find_key(b, line, klen, &len2);
            int same = match && len2 == len && strncmp(match, line, len) == 0;
            int w = 0;
            if (pass == 0 && match && !same)
                w = snprintf(buf + used, n - used, "%s  was: %.*s\n  now: %.*s", used ? "\n" : "", (int)len,
                             line, (int)len2, match);
            else if (!match)
                w = snprintf(buf + used, n - used, "%s  %s: %.*s", used ? "\n" : "",
                             pass == 0 ? "removed" : "added", (int)len, line);
            if ((pass == 0 && match && !same) || !match) count++;
            if (w > 0) used += (size_t)w;
            if (used >= n) used = n - 1;
            line = eol ? eol + 1 : line + len;
        }
    }
    return count;
}
