/* test_config: the model-file loader. The shipped models load with the expected shapes and
 * parameter counts; bad files (unknown key, wrong type, missing value, impossible shape, ...)
 * give an error naming file:line and what was expected, and never crash.
 * usage: test_config MODELS_DIR */
#include "cnn/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail = 0;

static const char *head = "name = \"bad\";\n"                                    /* line 1 */
                          "input = { channels = 1; height = 8; width = 8; };\n"; /* line 2 */

/* A valid logits layer closing the list (body lines 3+: "layers = (" is line 3). */
#define TAIL "  { type = \"dense\"; out = 4; relu = false; }\n);\n"

/* Bad model files: body after head, the line the error must name, and text it must hold. */
static const struct bad_case {
    const char *label; /* also the file name */
    const char *body;  /* from line 3 on */
    int line;          /* expected file:line */
    const char *want;  /* expected in the message */
} bad_cases[] = {
    {"unknown-layer-key", "layers = (\n  { type = \"conv\"; out = 8; stride = 2; },\n" TAIL, 4,
     "unknown key \"stride\""},
    {"wrong-type", "layers = (\n  { type = \"conv\"; out = \"8\"; },\n" TAIL, 4, "must be an integer"},
    {"missing-value", "layers = (\n  { type = \"conv\"; out = ; },\n" TAIL, 4, "syntax error"},
    {"missing-key", "layers = (\n  { type = \"conv\"; },\n" TAIL, 4, "missing \"out\""},
    {"impossible-pool",
     "layers = (\n  { type = \"maxpool\"; },\n  { type = \"maxpool\"; },\n"
     "  { type = \"maxpool\"; },\n  { type = \"maxpool\"; },\n" TAIL,
     7, "impossible"},
    {"conv-after-dense",
     "layers = (\n  { type = \"dense\"; out = 5; },\n  { type = \"conv\"; out = 2; },\n" TAIL, 5,
     "cannot follow a dense layer"},
    {"pool-after-dense", "layers = (\n  { type = \"dense\"; out = 5; },\n  { type = \"maxpool\"; },\n" TAIL,
     5, "a maxpool layer cannot follow a dense layer"},
    {"kernel-5", "layers = (\n  { type = \"conv\"; out = 4; kernel = 5; },\n" TAIL, 4, "expected 3"},
    {"pool-size-3", "layers = (\n  { type = \"maxpool\"; size = 3; },\n" TAIL, 4,
     "maxpool size 3 is not supported; expected 2"},
    {"logits-relu", "layers = (\n  { type = \"dense\"; out = 4; }\n);\n", 4, "relu = false"},
    {"last-not-dense", "layers = (\n  { type = \"conv\"; out = 4; }\n);\n", 4,
     "the last layer must be a dense layer"},
    {"one-class", "layers = (\n  { type = \"dense\"; out = 1; relu = false; }\n);\n", 4,
     "expected at least 2 classes"},
    {"layer-not-group", "layers = (\n  5\n);\n", 4, "layer 1 must be a group"},
    {"empty-layers", "layers = ( );\n", 3, "\"layers\" is empty"},
    {"unknown-type", "layers = (\n  { type = \"lstm\"; out = 4; }\n);\n", 4, "unknown layer type \"lstm\""},
    {"train-wrong-type", "layers = (\n" TAIL "\ntrain = { steps = 1.5; };\n", 7,
     "\"steps\" must be an integer"},
    {"train-unknown-key", "layers = (\n" TAIL "\ntrain = { stepz = 10; };\n", 7, "unknown key \"stepz\""},
    {"batch-zero", "layers = (\n" TAIL "\ntrain = { batch = 0; };\n", 7, "out of range"},
    {"unknown-root-key", "optimizer = \"sgd\";\nlayers = (\n" TAIL, 3, "unknown key \"optimizer\""},
    {"no-layers", "", 1, "missing \"layers\""},
    {"relu-not-bool", "layers = (\n  { type = \"conv\"; out = 4; relu = 1; },\n" TAIL, 4,
     "\"relu\" must be true or false, not an integer"},
    {"type-not-string", "layers = (\n  { type = 5; },\n" TAIL, 4,
     "\"type\" must be a string, not an integer"},
    {"missing-type", "layers = (\n  { out = 4; },\n" TAIL, 4, "missing \"type\" (a string)"},
    {"train-not-group", "layers = (\n" TAIL "\ntrain = 5;\n", 7,
     "\"train\" must be a group { ... }, not an integer"},
};

/* Writes head + body (body starts on line 3) to a file, loads it; the error must contain
 * "<file>:<line>" and `want`. */
static void bad(const char *dir, const char *label, const char *body, int line, const char *want) {
    char path[512], err[1024], loc[600];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, label);
    FILE *f = fopen(path, "w");
    if (!f) exit(1);
    fprintf(f, "%s%s", head, body);
    fclose(f);
    model m;
    err[0] = 0;
    int rc = model_load(&m, path, err, sizeof err);
    snprintf(loc, sizeof loc, "%s:%d", path, line);
    int ok = rc != 0 && strstr(err, loc) && strstr(err, want);
    printf("%-22s %s\n    -> %s\n", label, ok ? "ok" : "FAIL", rc ? err : "(accepted!)");
    if (!ok) fail = 1;
    if (!rc) model_free(&m);
    unlink(path);
}

static void good(const char *dir, const char *name, size_t params, int classes, double gflop) {
    char path[512], err[1024];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, name);
    model m;
    if (model_load(&m, path, err, sizeof err)) {
        printf("%s: FAIL: %s\n", path, err);
        fail = 1;
        return;
    }
    double fwd, train;
    model_flops(&m, &fwd, &train);
    int ok = m.n_params == params && m.n_classes == classes &&
             (gflop == 0 || (fwd / 1e9 > gflop * 0.99 && fwd / 1e9 < gflop * 1.01));
    printf("%-8s %zu parameters, %d classes, %.3f GFLOP forward per image: %s\n", name, m.n_params,
           m.n_classes, fwd / 1e9, ok ? "ok" : "FAIL");
    if (!ok) fail = 1;
    model_free(&m);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return 2;
    }
    /* the study's network: 3,932,820 parameters (588,688 conv + 3,344,132 dense), 1.44 GFLOP */
    good(argv[1], "paper", 3932820, 4, 1.44);
    good(argv[1], "quick", 474132, 4, 0);
    good(argv[1], "tiny", 26500, 4, 0);
    model m;
    char err[1024], dir[] = "/tmp/pb-test-config-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
        bad(dir, bad_cases[i].label, bad_cases[i].body, bad_cases[i].line, bad_cases[i].want);
    rmdir(dir);

    if (model_load(&m, "/nonexistent/model.cfg", err, sizeof err) == 0 ||
        !strstr(err, "/nonexistent/model.cfg")) {
        printf("missing file: FAIL\n");
        fail = 1;
    }
    /* strings work too (bench's built-in model) and name the pseudo-file */
    if (model_load_string(&m, "name = 1;", "builtin.cfg", err, sizeof err) == 0 ||
        !strstr(err, "builtin.cfg:1")) {
        printf("string source: FAIL (%s)\n", err);
        fail = 1;
    }
    printf("%s\n", fail ? "FAILED" : "config loader ok");
    return fail;
}
